"""Shared pytest fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def scenario_warehouse(tmp_path_factory: pytest.TempPathFactory):
    """Every scenario of tests/scenarios.py in one landing directory, landed into a
    fresh DuckDB file and built once (seeds, models, data tests) up to a late week."""
    from scenarios import BUILD_LAST_WEEK, ScenarioWarehouse, build_all_scenarios

    from orchestration.landing import land_directory
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


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of the session (tests/browser.py)."""
    from browser import chromium

    with chromium() as instance:
        yield instance


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory: pytest.TempPathFactory):
    """Generated data (40 sellers, 2026-W30..W39) landed, built and published once:
    the published copy the API, the export and the mail read."""
    import shutil
    from datetime import date

    import duckdb

    from orchestration.generator import generate
    from orchestration.landing import land_directory
    from orchestration.pipeline import build_weeks
    from orchestration.publish import publish_marts
    from orchestration.resources import default_published_path

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
