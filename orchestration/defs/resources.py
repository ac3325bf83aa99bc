"""Where the data lives, from the environment, and the dbt project/CLI resources.

Every path the code location needs comes from one `ServiceNormsSettings`, built
from environment variables with repository-relative defaults, so `dagster dev`,
the CLI and the tests all configure the same definitions the same way.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.dbt_runner import PROFILES_DIR, PROJECT_DIR
from orchestration.engines import (
    DEFAULT_ENGINE,
    RAW_PARQUET_VAR,
    engine_name,
    raw_parquet_dir,
)
from orchestration.weeks import parse_iso_week

LANDING_ENV = "SERVICENORMS_LANDING"
WAREHOUSE_ENV = "SERVICENORMS_WAREHOUSE"
PUBLISHED_ENV = "SERVICENORMS_PUBLISHED"
PAGES_ENV = "SERVICENORMS_PAGES"
FIRST_WEEK_ENV = "SERVICENORMS_FIRST_WEEK"

DEFAULT_LANDING = PROJECT_DIR / "data" / "demo-landing"
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "servicenorms.duckdb"
# The demo data starts here (the generator's default start week).
DEFAULT_FIRST_WEEK = "2025-W40"
MANIFEST_PATH = PROJECT_DIR / "target" / "manifest.json"


def default_published_path(warehouse: Path) -> Path:
    """The read-only copy of the marts lives beside the warehouse, never in it."""
    # Not `marts.duckdb`: DuckDB names the catalog after the file, and a catalog
    # called `marts` would make `marts.<table>` ambiguous for every reader.
    return Path(warehouse).resolve().parent / "published" / "servicenorms_marts.duckdb"


def default_pages_path(warehouse: Path) -> Path:
    """The performance pages (orchestration.serve.pages) live beside the warehouse too."""
    return Path(warehouse).resolve().parent / "pages"


@dataclass(frozen=True)
class ServiceNormsSettings:
    landing: Path
    warehouse: Path
    published: Path
    first_week: date  # Monday of the first weekly partition
    pages: Path  # the performance pages' site
    # What builds the dbt project: duckdb or spark (orchestration/engines.py).
    engine: str = DEFAULT_ENGINE

    @classmethod
    def create(
        cls,
        landing: Path | str | None = None,
        warehouse: Path | str | None = None,
        published: Path | str | None = None,
        first_week: date | str | None = None,
        pages: Path | str | None = None,
        engine: str | None = None,
    ) -> ServiceNormsSettings:
        """Explicit arguments win over the environment, which wins over the defaults.
        ValueError names a setting that cannot work (an unknown engine)."""
        landing_path = Path(landing or os.environ.get(LANDING_ENV) or DEFAULT_LANDING)
        warehouse_path = Path(warehouse or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)
        published_path = Path(
            published or os.environ.get(PUBLISHED_ENV) or default_published_path(warehouse_path)
        )
        pages_path = Path(
            pages or os.environ.get(PAGES_ENV) or default_pages_path(warehouse_path)
        )
        week = first_week or os.environ.get(FIRST_WEEK_ENV) or DEFAULT_FIRST_WEEK
        monday = parse_iso_week(week) if isinstance(week, str) else week
        return cls(
            landing=landing_path.resolve(),
            warehouse=warehouse_path.resolve(),
            published=published_path.resolve(),
            first_week=monday,
            pages=pages_path.resolve(),
            engine=engine_name(engine),
        )


class WarehouseResource(ConfigurableResource):
    """The landing directory, the live warehouse file, its published copy and the
    performance pages written from that copy (beside the warehouse when not given),
    and the engine that builds the dbt project (duckdb or spark: orchestration/engines.py,
    SERVICENORMS_ENGINE)."""

    landing_dir: str
    warehouse_path: str
    published_path: str
    pages_dir: str = ""
    engine: str = DEFAULT_ENGINE

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path)

    @property
    def published(self) -> Path:
        return Path(self.published_path)

    @property
    def pages(self) -> Path:
        return Path(self.pages_dir) if self.pages_dir else default_pages_path(self.warehouse)

    @property
    def on_spark(self) -> bool:
        return engine_name(self.engine) == "spark"

    @property
    def default_schema(self) -> str:
        """The schema of the models without one of their own (the facts): the profile's."""
        return "default" if self.on_spark else "main"

    def built_tables(self, manifest: Path) -> Path:
        """The DuckDB file to read the built models from: the warehouse itself on
        DuckDB; on Spark a catalog of views over Spark's tables, written afresh
        (orchestration/spark_catalog.py; `manifest` gives the marts' contracts)."""
        if not self.on_spark:
            return self.warehouse
        from orchestration.spark_catalog import write_catalog

        return write_catalog(self.warehouse, manifest)

    def engine_vars(self) -> dict[str, str]:
        """The dbt vars the engine needs besides the run's: on Spark the raw Parquet folder."""
        return {RAW_PARQUET_VAR: str(raw_parquet_dir(self.warehouse))} if self.on_spark else {}

    @contextmanager
    def dbt_environment(self) -> Iterator[None]:
        """Point the dbt profile (which reads SERVICENORMS_WAREHOUSE) at this warehouse.

        dagster-dbt starts dbt as a subprocess that inherits this process's
        environment; runs use the in-process executor, so only one step at a
        time changes it. The run's weeks travel as the invocation's --vars.
        """
        wanted = {WAREHOUSE_ENV: str(self.warehouse)}
        previous = {name: os.environ.get(name) for name in wanted}
        for name, value in wanted.items():
            _set_env(name, value)
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        try:
            yield
        finally:
            for name, value in previous.items():
                _set_env(name, value)


def _set_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _manifest_is_stale(manifest: Path) -> bool:
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests/dbt"):
        sources += [p for p in (PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources if p.exists())


def ensure_manifest(manifest: Path = MANIFEST_PATH) -> Path:
    """Parse the dbt project when its manifest is missing or older than its sources.

    `DbtProject.prepare_if_dev()` only parses under `dagster dev`; the CLI, the
    tests and CI load the definitions without it, and a stale manifest would
    silently leave new models out of the asset graph.
    """
    if _manifest_is_stale(manifest):
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(
            [
                "parse",
                "--quiet",
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROFILES_DIR),
                "--target-path",
                str(manifest.parent),
            ]
        )
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
    return manifest


def dbt_project() -> DbtProject:
    return DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROFILES_DIR)


def dbt_executable() -> str:
    """The dbt beside this interpreter: the venv's bin directory need not be on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dagster_executable() -> str:
    beside = Path(sys.executable).parent / "dagster"
    return str(beside) if beside.exists() else (shutil.which("dagster") or "dagster")


DAGSTER_YAML = """\
# Written by `servicenorms run` and `servicenorms ui`, which share this instance.
# One run at a time: DuckDB allows a single writer. The queue counts the runs of
# `servicenorms run` too, so a run launched here waits for them; inside a run the
# in-process executor runs one step at a time. (No pool limit: a slot held by a
# killed command-line run would block every later run.)
concurrency:
  runs:
    max_concurrent_runs: 1
# The command line prints its own output (no banner on a new instance), and no
# usage statistics leave the machine.
telemetry:
  enabled: false
"""


def dagster_home(warehouse: Path) -> Path:
    """The DAGSTER_HOME of a warehouse: `dagster_home/` beside it, whose instance runs
    one run at a time, unless the environment names another."""
    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"])  # an operator's own instance: left as it is
    home = Path(warehouse).resolve().parent / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    # Ours: rewritten every time so a change to the settings reaches existing homes.
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    return home


def dbt_cli_resource(project: DbtProject, engine: str = DEFAULT_ENGINE) -> DbtCliResource:
    """dagster-dbt's resource as it comes, on the profile's target of `engine` (its
    output of the same name). It starts `dbt --version` once a run and builds an
    in-process adapter before each dbt step (~2 s each, two steps a run); a subclass
    skipping them would override private methods (0014)."""
    return DbtCliResource(
        project_dir=project,
        profiles_dir=str(PROFILES_DIR),
        dbt_executable=dbt_executable(),
        target=engine_name(engine),
    )
