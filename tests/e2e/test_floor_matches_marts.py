"""The hand-written floor script and the dbt pipeline agree on seller_week_indicators."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.generator import generate
from orchestration.ingest.contract import WEEKLY_INDICATORS
from orchestration.ingest.landing import land_directory
from orchestration.pipeline import build_weeks

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_floor", ROOT / "bench" / "floor.py")
floor = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(floor)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("floor")
    landing, wh = root / "landing", root / "wh.duckdb"
    generate(landing, sellers=20, weeks=5, start_week="2026-W01", seed=3)
    land_directory(landing, wh)
    # Past the generator's tail weeks, so the marts hold every week the floor holds.
    build_weeks(wh, None, date(2026, 6, 1))
    floor.run_floor(wh)
    return wh


def test_floor_builds_every_indicator(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        indicators = {
            r[0]
            for r in con.execute(
                "select distinct indicator from floor.seller_week_indicators"
            ).fetchall()
        }
    finally:
        con.close()
    assert indicators == set(WEEKLY_INDICATORS)


def test_floor_matches_marts(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        differences = floor.compare_to_marts(con)
    finally:
        con.close()
    assert differences == []
