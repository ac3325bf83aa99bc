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
def demo_site(tmp_path_factory: pytest.TempPathFactory):
    """Generated sellers run through the whole weekly job (the pages included), and the
    pages of an earlier week written afterwards (tests/pages_site.py)."""
    from pages_site import build_demo_site

    return build_demo_site(tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of the session (tests/browser.py)."""
    from browser import chromium

    with chromium() as instance:
        yield instance
