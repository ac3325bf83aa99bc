"""The dbt project builds from an empty warehouse, and its unit tests pass."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from orchestration.dbt_runner import run_dbt
from orchestration.ingest.landing import ensure_raw_schema

MARTS = {
    "seller_week_indicators",
    "seller_week_incidents",
    "seller_outlook",
    "seller_six_week_scores",
    "seller_trajectory_weeks",
    "seller_monthly_nps",
    "seller_notifications",
    "platform_week_summary",
    "service_norm_versions",
}


def test_empty_warehouse_builds_every_mart_and_unit_tests_pass(tmp_path: Path) -> None:
    warehouse = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(warehouse))
    ensure_raw_schema(con)
    con.close()
    # `build` runs the seeds, every model, the data tests and the dbt unit tests
    # (SPEC §10 worked examples in models/marts/_unit_tests.yml); any failure raises.
    run_dbt("build", warehouse=warehouse)
    con = duckdb.connect(str(warehouse))
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    # The time rules know every day of 2000-2050 with its holidays (macros/calendar.sql;
    # the data test calendar_years_have_holidays checks each year has some).
    first_day, last_day, christmases = con.execute(
        "select min(date_day), max(date_day),"
        " count(*) filter (where is_holiday and strftime(date_day, '%m-%d') = '12-25')"
        " from intermediate.int_calendar_days"
    ).fetchone()
    weeks = con.execute(
        "select min(week_start), max(week_start) from intermediate.int_weeks"
    ).fetchone()
    con.close()
    assert MARTS <= tables
    assert (first_day, last_day) == (date(2000, 1, 1), date(2050, 12, 31))
    assert christmases == 2 * 51  # NL and BE, every year
    assert weeks == (date(1999, 12, 27), date(2050, 12, 26))
