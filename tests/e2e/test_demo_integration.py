"""End to end on generated marketplace data: every rule fires, and re-running changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
from conftest import DEMO_LAST_WEEK

from orchestration.ingest.contract import WEEKLY_INDICATORS
from orchestration.ingest.landing import land_directory
from orchestration.pipeline import build_weeks

MARTS = (
    "seller_week_indicators",
    "seller_week_incidents",
    "seller_six_week_scores",
    "seller_outlook",
    "seller_trajectory_weeks",
    "seller_monthly_nps",
    "seller_notifications",
    "platform_week_summary",
)


def mart_digests(warehouse: Path) -> dict[str, str]:
    """A content hash per mart, over every row in a total order."""
    con = duckdb.connect(str(warehouse))
    try:
        out = {}
        for mart in MARTS:
            rows = con.execute(f"select * from marts.{mart} order by all").fetchall()
            out[mart] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_indicator_has_breaches(demo_warehouse: Path) -> None:
    breaches = dict(
        query(
            demo_warehouse,
            "select indicator, count(*) from marts.seller_week_indicators "
            "where is_breach group by 1",
        )
    )
    for indicator in WEEKLY_INDICATORS:
        assert breaches.get(indicator, 0) > 0, indicator
    nps_misses = query(
        demo_warehouse, "select count(*) from marts.seller_monthly_nps where not conforms"
    )
    assert nps_misses[0][0] > 0


def test_every_strike_norm_produces_strikes(demo_warehouse: Path) -> None:
    strikes = dict(
        query(
            demo_warehouse,
            "select indicator, count(*) from marts.seller_week_indicators "
            "where is_strike group by 1",
        )
    )
    assert set(strikes) == {"FULFILMENT", "HANDOVER", "CANCELLATIONS", "RESPONSE_TIME"}


def test_every_trajectory_action_and_status_occurs(demo_warehouse: Path) -> None:
    actions = {
        r[0]
        for r in query(demo_warehouse, "select distinct action from marts.seller_trajectory_weeks")
    }
    assert {"MAIL", "TEMPORARY_CLOSURE", "FINAL_WARNING", "DEFINITIVE_CLOSURE"} <= actions
    statuses = {
        r[0]
        for r in query(
            demo_warehouse, "select distinct trajectory_status from marts.seller_trajectory_weeks"
        )
    }
    assert statuses == {"NONE", "OPEN", "COMPLETED", "CLOSED"}


def test_some_sellers_stay_in_groeistart(demo_warehouse: Path) -> None:
    rows = query(
        demo_warehouse,
        """
        select count(distinct seller_id) from marts.seller_trajectory_weeks
        where in_groeistart
          and week_start = (select max(week_start) from marts.seller_trajectory_weeks)
        """,
    )
    assert rows[0][0] > 0


def test_every_incident_reason_occurs_and_the_incidents_add_up(demo_warehouse: Path) -> None:
    codes = {
        r[0] for r in query(
            demo_warehouse, "select distinct reason_code from marts.seller_week_incidents"
        )
    }
    # The common kinds on generated data (every kind, on hand-built data:
    # tests/integration/test_incidents.py).
    assert {"LATE_DELIVERY_ATTEMPT", "NOT_RECEIVED", "NOT_SHIPPED", "LATE_HANDOVER",
            "CANCELLED_BY_SELLER", "ANSWERED_LATE", "NOT_ANSWERED", "CALL_NOT_ANSWERED",
            "CUSTOMER_QUESTION", "RETURN", "INVALID_TRACK_AND_TRACE_CODE"} <= codes
    mismatches = query(
        demo_warehouse,
        """
        select i.seller_id, i.week_start, i.indicator
        from marts.seller_week_indicators as i
        left join (
            select seller_id, week_start, indicator, count(*) as listed
            from marts.seller_week_incidents group by all
        ) as l using (seller_id, week_start, indicator)
        where i.indicator <> 'REVIEWS' and i.incident_count <> coalesce(l.listed, 0)
        """,
    )
    assert mismatches == []


def test_circumstances_take_effect(demo_warehouse: Path) -> None:
    neutralised = query(
        demo_warehouse, "select count(*) from marts.seller_week_indicators where neutralised"
    )
    assert neutralised[0][0] > 0


def test_rebuilding_and_relanding_leave_marts_byte_identical(
    demo_warehouse: Path, tmp_path: Path
) -> None:
    before = mart_digests(demo_warehouse)
    landing = demo_warehouse.parent / "landing"
    again = land_directory(landing, demo_warehouse)
    assert again.loaded == 0 and again.skipped == len(again.batches)
    build_weeks(demo_warehouse, None, DEMO_LAST_WEEK)
    assert mart_digests(demo_warehouse) == before
