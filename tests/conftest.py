"""Shared pytest fixtures."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

# Runs record into the Dagster instance beside their warehouse (orchestration.instance);
# a developer's own DAGSTER_HOME would collect every test's runs instead.
os.environ.pop("DAGSTER_HOME", None)

TESTS = Path(__file__).resolve().parent
#: The folders of tests/, named for what their tests cost (markers in pyproject.toml).
TIERS = ("unit", "integration", "e2e")
#: The pytest-xdist worker this process is (`make test` runs two), None without xdist.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")

if WORKER is not None:
    # dbt writes its manifest and parse state into its target folder, and dagster-dbt
    # starts each step from the parse state there: one folder per worker, so that
    # one worker's dbt never reads what another's is writing.
    from orchestration.dbt_runner import PROJECT_DIR

    os.environ["DBT_TARGET_PATH"] = str(PROJECT_DIR / "target" / f"pytest-{WORKER}")


#: The modules that take longest, longest first: they run first, so that under
#: pytest-xdist (`--dist loadscope` hands out modules in the order collected) no
#: worker starts one of them when the others are nearly done.
LONGEST_MODULES = ("e2e/test_cross_engine.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its folder (`pytest -m unit` selects as `pytest tests/unit`
    does); a test outside the three folders is an error naming where it belongs.
    The longest modules move to the front (LONGEST_MODULES), each in its own order."""

    def rank(item: pytest.Item) -> int:
        module = item.path.resolve().relative_to(TESTS).as_posix()
        return LONGEST_MODULES.index(module) if module in LONGEST_MODULES else len(LONGEST_MODULES)

    items.sort(key=rank)  # stable: every other test keeps its place
    for item in items:
        path = item.path.resolve()
        tier = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else None
        if tier not in TIERS:
            raise pytest.UsageError(
                f"{path}: a test belongs in tests/unit (no dbt build), tests/integration "
                "(dbt on tiny hand-built data) or tests/e2e (generated data, whole runs)"
            )
        item.add_marker(tier)


def _checkpoint(folder: Path) -> None:
    """Write every DuckDB file under `folder` whole (its write-ahead log folded in),
    so that a file copy of it is complete: dbt's connection in this process may
    still hold a warehouse it built."""
    import duckdb

    for database in folder.rglob("*.duckdb"):
        try:
            con = duckdb.connect(str(database))
        except duckdb.Error:  # held with another configuration: its log is copied beside it
            continue
        try:
            con.execute("checkpoint")
        finally:
            con.close()


def built_once(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    build: Callable[[Path], None],
    own_copy: bool = True,
) -> Path:
    """The folder `build(folder)` fills, built once per test run.

    Without pytest-xdist: a fresh folder, built. Under pytest-xdist (`make test`):
    the first worker that asks builds it in the run's shared temporary folder while
    holding a file lock, the others wait for that build instead of making their
    own; each worker then works on its own file copy (`own_copy`), since DuckDB lets
    one process write a file and dbt keeps the file it built open. A fixture whose
    tests copy before they change anything may share the one build (`own_copy=False`).
    """
    if WORKER is None:
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    shared = tmp_path_factory.getbasetemp().parent / name
    built = shared / ".built"
    with open(f"{shared}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not built.exists():
            shutil.rmtree(shared, ignore_errors=True)  # a build that failed half-way
            shared.mkdir()
            build(shared)
            _checkpoint(shared)
            built.touch()
    if not own_copy:
        return shared
    copy = tmp_path_factory.mktemp(name)
    # symlinks=True: a published Parquet copy is reached through a relative link.
    shutil.copytree(shared, copy, symlinks=True, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".built"))
    return copy


@pytest.fixture(scope="session")
def scenario_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """Every scenario of tests/scenarios.py in one landing directory, landed into a
    fresh DuckDB file and built once (seeds, models, data tests) up to a late week."""
    from scenarios import BUILD_LAST_WEEK, ScenarioWarehouse, build_all_scenarios

    from orchestration.ingest.landing import land_directory
    from orchestration.pipeline import build_weeks

    def build(root: Path) -> None:
        landing = root / "landing"
        warehouse = root / "scenarios.duckdb"
        build_all_scenarios(landing)
        summary = land_directory(landing, warehouse)
        assert summary.rejected == 0, [
            b.reason for b in summary.batches if b.status == "REJECTED"
        ]
        assert summary.rows_quarantined == 0, [b.reason for b in summary.batches if b.reason]
        build_weeks(warehouse, None, BUILD_LAST_WEEK)

    root = built_once(tmp_path_factory, "scenarios", build)
    return ScenarioWarehouse(path=root / "scenarios.duckdb", landing=root / "landing")


def built_copy(warehouse: Path, target: Path) -> Path:
    """An independent copy of a session's built warehouse, for a test that changes
    it: a file copy costs far less than a build. Checkpointed first, since dbt's
    connection in this process may still hold the warehouse's write-ahead log."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute("checkpoint")
    con.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warehouse, target)
    return target


#: The last week `demo_warehouse` builds.
DEMO_LAST_WEEK = date(2026, 11, 16)


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 generated sellers over 32 weeks, landed and built once (dbt alone): every
    rule fires; tests read it and do not change it (but for rebuilding it the same)."""
    from orchestration.generator import generate
    from orchestration.ingest.landing import land_directory
    from orchestration.pipeline import build_weeks

    def build(root: Path) -> None:
        landing = root / "landing"
        generate(landing, sellers=120, weeks=32, start_week="2025-W40", seed=7)
        warehouse = root / "warehouse.duckdb"
        summary = land_directory(landing, warehouse)
        assert summary.rejected == 0 and summary.rows_quarantined == 0
        build_weeks(warehouse, None, DEMO_LAST_WEEK)

    return built_once(tmp_path_factory, "demo", build) / "warehouse.duckdb"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (tests/browser.py). Not per session:
    Playwright's synchronous API keeps an asyncio loop running in the main thread
    while the browser is open, and later tests that run a loop of their own (the
    SMTP server of tests/e2e/test_mail.py) would fail with "another loop is running"."""
    from browser import chromium

    with chromium() as instance:
        yield instance


#: The generated weeks of `operated_warehouse`: 2026-W01 .. 2026-W10, late files after.
OPERATED_FIRST_WEEK = "2026-W01"
OPERATED_WEEKS = 10
#: The last week the late files reach; runs on the operated warehouse are as of its
#: cut-off (tests/cli_runs.py), so they build 2026-W01 .. 2026-W14 on any day.
OPERATED_LAST_WEEK = "2026-W14"


@dataclass(frozen=True)
class OperatedWarehouse:
    """A warehouse built the way an operator builds one: `servicenorms run` on
    generated data whose late files trail the last generated week, on the Wednesday
    that finalises the last week with data."""

    landing: Path
    warehouse: Path
    output: str  # what the run printed
    progress: str = ""  # what it reported on stderr (not a terminal: plain lines)

    @property
    def published(self) -> Path:
        return self.warehouse.parent / "published" / "servicenorms_marts.duckdb"

    def copy_to(self, root: Path) -> OperatedWarehouse:
        """An independent copy (landing and warehouse folder) for a test that changes it."""
        shutil.copytree(self.landing, root / "landing")
        # symlinks=True: the Parquet copy is reached through a relative link.
        shutil.copytree(self.warehouse.parent, root / "warehouse", symlinks=True)
        return OperatedWarehouse(root / "landing", root / "warehouse" / self.warehouse.name,
                                 self.output, self.progress)

    def run(self, *argv: str) -> tuple[int, str, str]:
        """`servicenorms run <argv>` on this landing and warehouse, as the build was:
        partitions from OPERATED_FIRST_WEEK, as of OPERATED_LAST_WEEK's cut-off."""
        from cli_runs import run_cli

        from orchestration.weeks import measurement_cutoff, parse_iso_week

        as_of = measurement_cutoff(parse_iso_week(OPERATED_LAST_WEEK)).isoformat()
        return run_cli(
            "run", "--landing", str(self.landing), "--warehouse", str(self.warehouse),
            "--as-of", as_of, *argv, first_week=OPERATED_FIRST_WEEK,
        )


@pytest.fixture(scope="session")
def operated_warehouse(tmp_path_factory: pytest.TempPathFactory) -> OperatedWarehouse:
    """40 generated sellers over ten weeks, built by `servicenorms run` (every
    finalised week, then published). Tests that change it work on `copy_to`, so every
    worker shares the one build (what the run printed is kept beside it)."""
    from orchestration.generator import generate

    def build(root: Path) -> None:
        landing = root / "landing"
        warehouse = root / "warehouse" / "servicenorms.duckdb"
        generate(
            landing, sellers=40, weeks=OPERATED_WEEKS, start_week=OPERATED_FIRST_WEEK, seed=7
        )
        code, out, err = OperatedWarehouse(landing, warehouse, "").run()
        assert code == 0, out + err
        (root / "output.txt").write_text(out)
        (root / "progress.txt").write_text(err)

    root = built_once(tmp_path_factory, "operated", build, own_copy=False)
    return OperatedWarehouse(
        root / "landing",
        root / "warehouse" / "servicenorms.duckdb",
        (root / "output.txt").read_text(),
        (root / "progress.txt").read_text(),
    )


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory: pytest.TempPathFactory):
    """Generated data (40 sellers, 2026-W30..W39) landed, built and published once:
    the published copy the API, the export and the mail read."""
    import shutil
    from datetime import date

    import duckdb

    from orchestration.defs.resources import default_published_path
    from orchestration.generator import generate
    from orchestration.ingest.landing import land_directory
    from orchestration.pipeline import build_weeks
    from orchestration.publish import publish_marts

    def build(root: Path) -> None:
        landing = root / "landing"
        warehouse = root / "warehouse" / "servicenorms.duckdb"
        warehouse.parent.mkdir()
        generate(landing, sellers=40, weeks=10, start_week="2026-W30", seed=5)
        summary = land_directory(landing, warehouse)
        assert summary.rejected == 0
        build_weeks(warehouse, None, date(2026, 9, 21))  # 2026-W39
        # dbt ran in this process and keeps the file open; publishing attaches it
        # anew, which DuckDB refuses in the same process: publish from a checkpointed copy.
        con = duckdb.connect(str(warehouse))
        con.execute("checkpoint")
        con.close()
        built = root / "built.duckdb"
        shutil.copyfile(warehouse, built)
        publish_marts(built, default_published_path(warehouse))

    root = built_once(tmp_path_factory, "published-demo", build)
    return default_published_path(root / "warehouse" / "servicenorms.duckdb")


@pytest.fixture(scope="session")
def demo_site(published_demo, tmp_path_factory: pytest.TempPathFactory):
    """The pages of the published demo copy's last week and of an earlier week
    (tests/pages_site.py)."""
    from pages_site import build_demo_site

    return build_demo_site(published_demo, tmp_path_factory.mktemp("pages"))
