"""marts.seller_week_provisional: the week in progress, measured from what has
landed so far by the rules of the finalised week, as of the run's moment; never
part of the finalised marts; replaced by the Wednesday run."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from cli_runs import run_ok

from bench.run import hold_back_week, release_held
from orchestration.generator import generate
from orchestration.ingest.landing import land_directory
from orchestration.pipeline import build_weeks
from orchestration.weeks import iso_week_key, measurement_cutoff, parse_iso_week

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: seller_week_indicators' columns, which the provisional rows repeat.
WEEK_COLUMNS = (
    "seller_id, week_start, iso_year, iso_week, indicator, indicator_kind, numerator, "
    "denominator, value, norm_condition, norm_value, norm_kind, conforms, distance_to_norm, "
    "incident_count, incident_floor, is_breach, in_groeistart, neutralised, is_strike"
)
FINALISED_MARTS = (
    "seller_week_indicators", "seller_week_incidents", "seller_six_week_scores",
    "seller_trajectory_weeks", "seller_notifications", "seller_outlook",
)


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# -- the same rules: after the cut-off it is the finalised week --------------------------

START = "2026-W10"


@pytest.fixture(scope="module")
def five_landed_weeks(tmp_path_factory: pytest.TempPathFactory):
    """Generated data over five weeks, all landed; built up to the fourth week
    (finalised), so the fifth, W, is the week in progress."""
    root = tmp_path_factory.mktemp("provisional")
    landing, warehouse = root / "landing", root / "w.duckdb"
    generate(landing, sellers=20, weeks=5, start_week=START, seed=21)
    assert land_directory(landing, warehouse).rejected == 0
    week = parse_iso_week(START) + timedelta(weeks=4)
    # A question of the week's Thursday never answered: not due yet on its Wednesday,
    # late by its cut-off.
    (seller,) = query(warehouse, "select min(seller_id) from raw.sellers")[0]
    thursday = datetime.combine(week + timedelta(days=3), datetime.min.time().replace(hour=10),
                                tzinfo=AMSTERDAM)
    (landing / "customer_questions" / "zz-unanswered.csv").write_text(
        "case_id,seller_id,order_item_id,created_at,first_response_at,forwarded_by_bol\n"
        f"ZZ-UNANSWERED,{seller},,{thursday.isoformat()},,false\n"
    )
    assert land_directory(landing, warehouse).loaded == 1
    return warehouse, week


def _provisional(warehouse: Path, week) -> list[tuple]:
    return query(
        warehouse,
        f"select {WEEK_COLUMNS} from marts.seller_week_provisional where week_start = ? "
        "order by all",
        [week],
    )


def test_after_the_cut_off_the_week_in_progress_equals_its_finalised_week(
    five_landed_weeks,
) -> None:
    warehouse, week = five_landed_weeks
    before_week = week - timedelta(weeks=1)
    # As of the week's Wednesday 06:00 (the cut-off of the week before it) ...
    build_weeks(warehouse, None, before_week, full_refresh=True)
    midweek = _provisional(warehouse, week)
    (as_of,) = query(warehouse, "select distinct as_of from marts.seller_week_provisional")[0]
    assert as_of == measurement_cutoff(before_week)
    # ... and as of an hour after its own cut-off, the week still unbuilt.
    after_cutoff = measurement_cutoff(week) + timedelta(hours=1)
    build_weeks(warehouse, before_week, before_week, as_of=after_cutoff)
    late = _provisional(warehouse, week)
    assert query(warehouse, "select max(week_start) from marts.seller_week_indicators") == [
        (before_week,)
    ]
    # The Wednesday run finalises the week and the week in progress moves on.
    build_weeks(warehouse, week, week)
    finalised = query(
        warehouse,
        f"select {WEEK_COLUMNS} from marts.seller_week_indicators where week_start = ? "
        "order by all",
        [week],
    )
    assert len(finalised) > 100 and late == finalised
    assert {w for (w,) in query(
        warehouse, "select distinct week_start from marts.seller_week_provisional"
    )} <= {week + timedelta(weeks=1)}
    # Midweek, only questions not yet due were left out: every other row is the same.
    response = {r[0]: r for r in midweek if r[4] == "RESPONSE_TIME"}
    assert [r for r in midweek if r[4] != "RESPONSE_TIME"] == [
        r for r in finalised if r[4] != "RESPONSE_TIME"
    ]
    pending = 0
    for row in (r for r in finalised if r[4] == "RESPONSE_TIME"):
        early = response.get(row[0])
        early_numerator, early_denominator = (early[6], early[7]) if early else (0, 0)
        assert early_numerator == row[6] and early_denominator <= row[7]
        pending += row[7] - early_denominator
    assert pending > 0


# -- the daily run: what has landed so far, through the Dagster job ----------------------


def fingerprint(database: Path, tables) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in tables}
    finally:
        con.close()


def test_the_daily_run_lands_and_measures_the_week_in_progress_and_the_wednesday_run_replaces_it(
    tmp_path: Path,
) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse" / "servicenorms.duckdb"
    published = warehouse.parent / "published" / "servicenorms_marts.duckdb"
    generate(landing, sellers=12, weeks=4, start_week=START, seed=5)
    week = parse_iso_week(START) + timedelta(weeks=3)
    assert hold_back_week(landing, tmp_path / "held", iso_week_key(week)) > 0
    # The Wednesday run of the week before: the week has only late rows of earlier weeks.
    wednesday = measurement_cutoff(week - timedelta(weeks=1))
    run_ok("run", "--landing", str(landing), "--warehouse", str(warehouse),
            "--as-of", wednesday.isoformat(), first_week=START)
    finalised = fingerprint(published, FINALISED_MARTS + ("platform_week_summary",))
    items_before = query(
        published, "select coalesce(sum(denominator), 0) from marts.seller_week_provisional "
        "where indicator = 'FULFILMENT'"
    )[0][0]

    # Friday: the week's files have arrived; the daily run measures the week so far.
    release_held(tmp_path / "held", landing)
    friday = datetime.combine(week + timedelta(days=4), datetime.min.time().replace(hour=12),
                              tzinfo=AMSTERDAM)
    out = run_ok("progress", "--landing", str(landing), "--warehouse", str(warehouse),
                  "--as-of", friday.isoformat(), first_week=START)
    assert f"{iso_week_key(week)} (provisional, as of" in out and "landing:" in out
    rows = query(published, "select week_start, as_of, indicator, denominator "
                            "from marts.seller_week_provisional")
    assert {r[0] for r in rows} == {week} and {r[1] for r in rows} == {friday}
    items_now = sum(r[3] for r in rows if r[2] == "FULFILMENT")
    assert items_now > items_before
    # The finalised marts (and the published copy of them) did not move.
    assert fingerprint(published, FINALISED_MARTS + ("platform_week_summary",)) == finalised
    assert query(warehouse, "select count(*) from marts.seller_week_indicators "
                            "where week_start >= ?", [week]) == [(0,)]

    # The Wednesday run finalises the week; the week in progress is the next one.
    run_ok("run", "--landing", str(landing), "--warehouse", str(warehouse),
            "--as-of", measurement_cutoff(week).isoformat(), first_week=START)
    assert query(published, "select max(week_start) from marts.seller_week_indicators") == [
        (week,)
    ]
    assert all(
        w > week for (w,) in query(
            published, "select distinct week_start from marts.seller_week_provisional"
        )
    )
