"""The hand-written floor script and the dbt pipeline agree on seller_week_indicators."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest
from conftest import built_copy

from orchestration.ingest.contract import WEEKLY_INDICATORS

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_floor", ROOT / "bench" / "floor.py")
floor = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(floor)


@pytest.fixture(scope="module")
def warehouse(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The session's demo warehouse, built past the generator's tail weeks (so the
    # marts hold every week the floor holds), copied: the floor writes a schema into it.
    wh = built_copy(demo_warehouse, tmp_path_factory.mktemp("floor") / "wh.duckdb")
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
