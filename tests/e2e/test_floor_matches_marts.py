"""The hand-written floor scripts and the dbt pipeline agree: the full floor on
seller_week_indicators, the weekly floor on one week's seller_week_indicators and
seller_six_week_scores."""

from __future__ import annotations

import importlib.util
from datetime import date
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


# Weeks whose rules the weekly floor must reproduce from only that week's history:
# GroeiStart still deciding strikes with under six weeks behind it; a six-week pool
# over a transporter-scoped exclusion and a month boundary; a NO_STRIKE week; a pool
# over a Belgian exclusion; a tail week measured only because later weeks have activity.
WEEKLY_FLOOR_WEEKS = (
    date(2025, 10, 6),
    date(2025, 12, 1),
    date(2026, 1, 5),
    date(2026, 3, 2),
    date(2026, 6, 1),
)


@pytest.fixture(scope="module")
def weekly_warehouse(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_copy(demo_warehouse, tmp_path_factory.mktemp("weekly_floor") / "wh.duckdb")


@pytest.mark.parametrize("week", WEEKLY_FLOOR_WEEKS, ids=str)
def test_weekly_floor_matches_the_marts_of_its_week(weekly_warehouse: Path, week: date) -> None:
    floor.run_weekly_floor(weekly_warehouse, week)
    con = duckdb.connect(str(weekly_warehouse))
    try:
        differences = floor.compare_week_to_marts(con, week)
        six_week_rows = con.execute(
            "select count(*) from floor.week_seller_six_week_scores"
        ).fetchone()[0]
    finally:
        con.close()
    assert differences == []
    assert six_week_rows > 0


def test_weekly_floor_needs_a_monday(weekly_warehouse: Path) -> None:
    with pytest.raises(ValueError, match="Monday"):
        floor.run_weekly_floor(weekly_warehouse, date(2026, 3, 3))
