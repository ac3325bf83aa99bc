"""marts.seller_week_provisional on hand-built data: the scenario warehouse is built
as of the cut-off of its last week (on generated data: tests/e2e/test_provisional.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from scenarios import PROVISIONAL_WEEK

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
#: The finalised marts, which hold nothing of the week in progress.
FINALISED_MARTS = (
    "seller_week_indicators", "seller_week_incidents", "seller_six_week_scores",
    "seller_trajectory_weeks", "seller_notifications", "seller_outlook",
)


def test_the_week_in_progress_is_measured_as_of_the_builds_moment(scenario_warehouse) -> None:
    wh = scenario_warehouse
    rows = {
        r["indicator"]: r
        for r in wh.rows(
            "select * from marts.seller_week_provisional where seller_id = 'PROV-A'"
        )
    }
    assert set(rows) == {"FULFILMENT", "RESPONSE_TIME", "CANCELLATIONS", "CASE_ITEM_RATIO",
                         "RETURNS"}
    for row in rows.values():
        assert row["week_start"] == PROVISIONAL_WEEK and row["is_provisional"] is True
        # Wednesday 06:00 after the last finalised week.
        assert row["as_of"] == datetime(2029, 1, 10, 6, 0, tzinfo=AMSTERDAM)
    ful = rows["FULFILMENT"]
    # 3 of 4 items not shipped by Wednesday: a breach; the seller is in GroeiStart.
    assert (ful["numerator"], ful["denominator"], ful["incident_count"]) == (1, 4, 3)
    assert (ful["is_breach"], ful["in_groeistart"], ful["is_strike"]) == (True, True, False)
    rt = rows["RESPONSE_TIME"]
    # Monday's unanswered question is late (its deadline passed); Tuesday's is pending as
    # of Wednesday 06:00 (deadline Wednesday 10:00), though the week's cut-off is later.
    assert (rt["numerator"], rt["denominator"], rt["incident_count"]) == (1, 2, 1)
    cir = rows["CASE_ITEM_RATIO"]
    assert (cir["numerator"], cir["denominator"]) == (3, 4)  # pending questions count here
    # Only the week in progress, and nothing of it in the finalised marts.
    assert wh.query("select distinct week_start from marts.seller_week_provisional") == [
        (PROVISIONAL_WEEK,)
    ]
    for table in FINALISED_MARTS:
        assert wh.query(f"select count(*) from marts.{table} where seller_id = 'PROV-A'") == [
            (0,)
        ], table
    assert wh.query(
        "select count(*) from marts.platform_week_summary where week_start >= ?",
        [PROVISIONAL_WEEK],
    ) == [(0,)]
