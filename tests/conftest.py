"""Shared pytest fixtures."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its folder (`pytest -m unit` selects as `pytest tests/unit`
    does); a test outside the three folders is an error naming where it belongs."""
    for item in items:
        path = item.path.resolve()
        tier = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else None
        if tier not in TIERS:
            raise pytest.UsageError(
                f"{path}: a test belongs in tests/unit (no dbt build), tests/integration "
                "(dbt on tiny hand-built data) or tests/e2e (generated data, whole runs)"
            )
        item.add_marker(tier)


@pytest.fixture(scope="session")
def scenario_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """Every scenario of tests/scenarios.py in one landing directory, landed into a
    fresh DuckDB file and built once (seeds, models, data tests) up to a late week."""
    from scenarios import BUILD_LAST_WEEK, ScenarioWarehouse, build_all_scenarios

    from orchestration.ingest.landing import land_directory
    from orchestration.pipeline import build_weeks

    root = tmp_path_factory.mktemp("scenarios")
    landing = root / "landing"
    warehouse = root / "scenarios.duckdb"
    build_all_scenarios(landing)
    summary = land_directory(landing, warehouse)
    assert summary.rejected == 0, [b.reason for b in summary.batches if b.status == "REJECTED"]
    assert summary.rows_quarantined == 0, [b.reason for b in summary.batches if b.reason]
    build_weeks(warehouse, None, BUILD_LAST_WEEK)
    return ScenarioWarehouse(path=warehouse, landing=landing)


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

    root = tmp_path_factory.mktemp("demo")
    landing = root / "landing"
    generate(landing, sellers=120, weeks=32, start_week="2025-W40", seed=7)
    warehouse = root / "warehouse.duckdb"
    summary = land_directory(landing, warehouse)
    assert summary.rejected == 0 and summary.rows_quarantined == 0
    build_weeks(warehouse, None, DEMO_LAST_WEEK)
    return warehouse


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (tests/browser.py). Not per session:
    Playwright's synchronous API keeps an asyncio loop running in the main thread
    while the browser is open, and later tests that run a loop of their own (the
    SMTP server of tests/e2e/test_mail.py) would fail with "another loop is running"."""
    from browser import chromium

    with chromium() as instance:
        yield instance


@dataclass(frozen=True)
class OperatedWarehouse:
    """A warehouse built the way an operator builds one: `servicenorms run` on
    generated data whose late files trail the last generated week."""

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


#: The generated weeks of `operated_warehouse`: 2026-W01 .. 2026-W10, late files after.
OPERATED_FIRST_WEEK = "2026-W01"
OPERATED_WEEKS = 10


@pytest.fixture(scope="session")
def operated_warehouse(tmp_path_factory: pytest.TempPathFactory) -> OperatedWarehouse:
    """40 generated sellers over ten weeks, built by `servicenorms run` (every
    finalised week, then published). Tests that change it work on `copy_to`."""
    from orchestration.cli import main
    from orchestration.generator import generate

    root = tmp_path_factory.mktemp("operated")
    landing = root / "landing"
    warehouse = root / "warehouse" / "servicenorms.duckdb"
    generate(landing, sellers=40, weeks=OPERATED_WEEKS, start_week=OPERATED_FIRST_WEEK, seed=7)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", "--landing", str(landing), "--warehouse", str(warehouse)])
    assert code == 0, out.getvalue() + err.getvalue()
    return OperatedWarehouse(landing, warehouse, out.getvalue(), err.getvalue())


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

    root = tmp_path_factory.mktemp("published-demo")
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
    published = default_published_path(warehouse)
    publish_marts(built, published)
    return published


@pytest.fixture(scope="session")
def demo_site(published_demo, tmp_path_factory: pytest.TempPathFactory):
    """The pages of the published demo copy's last week and of an earlier week
    (tests/pages_site.py)."""
    from pages_site import build_demo_site

    return build_demo_site(published_demo, tmp_path_factory.mktemp("pages"))
