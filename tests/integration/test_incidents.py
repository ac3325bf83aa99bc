"""marts.seller_week_incidents: the events behind every incident_count, each with
the reason a seller reads, on hand-built data (tests/scenarios.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml
from incident_counts import assert_incidents_match_counts
from scenarios import (
    CANCEL_RULES_WEEK,
    EXAMPLE_WEEK,
    EXCLUDE_WEEKS,
    HANDOVER_WEEK,
    INCIDENT_WEEK,
    PENDING_WEEK,
    PHONE_WEEKS,
    TNT_WEEK,
    TRACKING_WEEK,
)

from orchestration.dbt_runner import PROJECT_DIR

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# (indicator, event_id, reason_code, reason): one hand-built case (at least) per reason.
REASON_CASES = [
    ("FULFILMENT", "TRK-NO-SHIPMENT", "NOT_SHIPPED", "not shipped, promised 2026-04-22"),
    ("FULFILMENT", "TRK-NO-ATTEMPT", "NO_DELIVERY_ATTEMPT",
     "no delivery attempt by the carrier, promised 2026-04-22"),
    ("FULFILMENT", "TRK-ATTEMPT-AFTER-MIDNIGHT", "LATE_DELIVERY_ATTEMPT",
     "first delivery attempt 2026-04-23, promised 2026-04-22"),
    # Two lines: the tracked line's attempt counts, the untracked line's earlier one not.
    ("FULFILMENT", "TRK-TWO-LINES", "LATE_DELIVERY_ATTEMPT",
     "first delivery attempt 2026-04-24, promised 2026-04-22"),
    ("FULFILMENT", "TRK-UNTRACKED-NOT-RECEIVED", "NOT_RECEIVED",
     "the customer reported it not received (no valid track & trace), promised 2026-04-22"),
    ("HANDOVER", "HND-NO-SCAN", "NO_CARRIER_SCAN",
     "no carrier scan, latest handover 2026-05-05 18:00"),
    ("HANDOVER", "HND-NO-SHIPMENT", "NO_CARRIER_SCAN",
     "no carrier scan, latest handover 2026-05-05 18:00"),
    ("HANDOVER", "INC-VVB-HOUR-LATE", "LATE_HANDOVER",
     "handed over to the carrier 2026-08-03 19:12, 1 h 12 min after the latest handover "
     "2026-08-03 18:00"),
    ("HANDOVER", "HND-ONE-SECOND-LATE", "LATE_HANDOVER",
     "handed over to the carrier 2026-05-05 18:00, less than a minute after the latest "
     "handover 2026-05-05 18:00"),
    ("CANCELLATIONS", "EX4-B-DAY-AFTER", "CANCELLED_BY_CUSTOMER",
     "cancelled by the customer on 2026-03-05, after the promise date 2026-03-04"),
    ("CANCELLATIONS", "INC-CANCELLED-NO-CODE", "CANCELLED_BY_SELLER", "cancelled by the seller"),
    ("RESPONSE_TIME", "INC-Q-HOURS-LATE", "ANSWERED_LATE",
     "answered 5 h 12 min after the deadline 2026-08-04 10:00"),
    ("RESPONSE_TIME", "SUBSECOND-LATE", "ANSWERED_LATE",
     "answered less than a minute after the deadline 2026-06-04 11:00"),
    ("RESPONSE_TIME", "PEND-NL-MON", "NOT_ANSWERED",
     "not answered by the deadline 2028-12-19 10:00"),
    ("TRACK_AND_TRACE", "S-TT-TNT-NULL|TT-TNT-NULL", "NO_TRACK_AND_TRACE_CODE",
     "no track & trace code (PostNL)"),
    ("TRACK_AND_TRACE", "S-TT-TNT-LOWER|TT-TNT-LOWER", "INVALID_TRACK_AND_TRACE_CODE",
     "track & trace code '3sABCD1234567' does not match the format of PostNL"),
    ("TRACK_AND_TRACE", "S-TT-BRIEFPOST-PARCEL|TT-BRIEFPOST-PARCEL", "UNTRACKED_CARRIER",
     "parcel sent with letter post (BRIEFPOST), a carrier without track & trace"),
    ("TRACK_AND_TRACE", "S-TT-UNKNOWN-PARCEL|TT-UNKNOWN-PARCEL", "UNTRACKED_CARRIER",
     "parcel sent with UPS, not a carrier with track & trace"),
    ("CASE_ITEM_RATIO", "INC-Q-HOURS-LATE", "CUSTOMER_QUESTION",
     "customer question at 2026-08-03 10:00 (not about an item)"),
    ("RETURNS", "INC-RET-NO-REASON", "RETURN",
     "return of item INC-RETURNED registered 2026-08-07 16:45"),
]


def _incident(wh, indicator: str, event_id: str) -> dict:
    found = wh.rows(
        "select * from marts.seller_week_incidents where indicator = ? and event_id = ?",
        [indicator, event_id],
    )
    assert len(found) == 1, (indicator, event_id, found)
    return found[0]


@pytest.mark.parametrize(
    ("indicator", "event_id", "reason_code", "reason"),
    REASON_CASES,
    ids=[f"{c[0]}-{c[1]}" for c in REASON_CASES],
)
def test_each_reason_kind_reads_as_a_sentence_for_the_seller(
    scenario_warehouse, indicator: str, event_id: str, reason_code: str, reason: str
) -> None:
    row = _incident(scenario_warehouse, indicator, event_id)
    assert (row["reason_code"], row["reason"]) == (reason_code, reason)


def test_the_hand_built_cases_cover_every_reason_code_of_the_contract(scenario_warehouse) -> None:
    contract = yaml.safe_load((PROJECT_DIR / "models" / "marts" / "_marts.yml").read_text())
    (model,) = [m for m in contract["models"] if m["name"] == "seller_week_incidents"]
    (column,) = [c for c in model["columns"] if c["name"] == "reason_code"]
    (accepted,) = [
        t["accepted_values"]["arguments"]["values"]
        for t in column["data_tests"]
        if isinstance(t, dict) and "accepted_values" in t
    ]
    cases = {c[2] for c in REASON_CASES} | {
        # by seller below: seller cancellation with a code, system, unanswered call,
        # customer question about an item
        "CANCELLED_BY_SYSTEM", "CALL_NOT_ANSWERED",
    }
    assert sorted(accepted) == sorted(cases)
    in_warehouse = {
        r[0] for r in scenario_warehouse.query(
            "select distinct reason_code from marts.seller_week_incidents"
        )
    }
    assert in_warehouse == set(accepted)


def test_cancellations_by_the_system_and_the_seller_say_who_and_why(scenario_warehouse) -> None:
    reasons = sorted(
        r[0] for r in scenario_warehouse.query(
            "select reason from marts.seller_week_incidents "
            "where seller_id = 'CANC-R' and week_start = ? and indicator = 'CANCELLATIONS'",
            [CANCEL_RULES_WEEK],
        )
    )
    assert reasons == [
        "cancelled by the seller (NOT_AVAIL_IN_TIME)",
        "cancelled by the system: the order was not confirmed in time",
    ]


def test_unanswered_calls_inside_office_hours_are_the_incidents(scenario_warehouse) -> None:
    rows = scenario_warehouse.query(
        "select reason, event_at from marts.seller_week_incidents "
        "where seller_id = 'PH-NL' and week_start = ? order by event_at",
        [PHONE_WEEKS[0]],
    )
    # 08:59:59 and 17:00 are outside office hours, Saturday is no counting day.
    assert [r[0] for r in rows] == ["call at 2026-04-20 16:59 not answered"]
    assert rows[0][1] == datetime(2026, 4, 20, 16, 59, 59, tzinfo=AMSTERDAM)


def test_questions_about_an_item_name_it(scenario_warehouse) -> None:
    rows = scenario_warehouse.rows(
        "select order_item_id, reason from marts.seller_week_incidents "
        "where seller_id = 'DYN-S' and indicator = 'CASE_ITEM_RATIO' order by reason"
    )
    linked = [r for r in rows if r["order_item_id"] is not None]
    assert len(rows) == 2 and len(linked) == 1
    assert linked[0]["reason"] == (
        f"customer question at 2026-04-07 10:00 about item {linked[0]['order_item_id']}"
    )


def test_the_moment_and_the_date_that_placed_the_event_in_its_week(scenario_warehouse) -> None:
    late = _incident(scenario_warehouse, "FULFILMENT", "TRK-NO-SHIPMENT")
    # A promise date places FULFILMENT: there is no moment.
    assert (late["week_start"], late["event_date"], late["event_at"]) == (
        TRACKING_WEEK, TRACKING_WEEK.replace(day=22), None
    )
    assert (late["event_type"], late["order_item_id"]) == ("ORDER_ITEM", "TRK-NO-SHIPMENT")
    handover = _incident(scenario_warehouse, "HANDOVER", "HND-NO-SCAN")
    assert handover["event_at"] == datetime(2026, 5, 5, 18, 0, tzinfo=AMSTERDAM)
    assert handover["week_start"] == HANDOVER_WEEK
    line = _incident(scenario_warehouse, "TRACK_AND_TRACE", "S-TT-TNT-NULL|TT-TNT-NULL")
    assert (line["event_type"], line["order_item_id"], line["week_start"]) == (
        "SHIPMENT_LINE", "TT-TNT-NULL", TNT_WEEK
    )
    question = _incident(scenario_warehouse, "RESPONSE_TIME", "PEND-NL-MON")
    assert (question["event_type"], question["week_start"]) == ("CUSTOMER_QUESTION", PENDING_WEEK)
    returned = _incident(scenario_warehouse, "RETURNS", "INC-RET-NO-REASON")
    assert (returned["event_type"], returned["order_item_id"], returned["week_start"]) == (
        "RETURN", "INC-RETURNED", INCIDENT_WEEK
    )
    assert returned["event_at"] == datetime(2026, 8, 7, 16, 45, tzinfo=AMSTERDAM)
    cancelled = _incident(scenario_warehouse, "CANCELLATIONS", "EX4-B-DAY-AFTER")
    assert (cancelled["event_type"], cancelled["week_start"]) == ("CANCELLATION", EXAMPLE_WEEK)
    # 00:30 local on Thursday is still Wednesday in UTC: the local date places it.
    assert cancelled["event_date"] == EXAMPLE_WEEK.replace(day=5)


def test_pending_questions_and_on_time_events_are_no_incidents(scenario_warehouse) -> None:
    ids = {
        r[0] for r in scenario_warehouse.query(
            "select event_id from marts.seller_week_incidents "
            "where seller_id in ('PEND-NL', 'TRK-R', 'HND-R') and indicator in "
            "('RESPONSE_TIME', 'FULFILMENT', 'HANDOVER')"
        )
    }
    assert "PEND-NL-XMAS" not in ids and "PEND-NL-AT-CUTOFF" not in ids
    assert not {"TRK-ATTEMPT-LATE-EVENING", "TRK-NOT-RECEIVED-BUT-TRACKED",
                "TRK-INVALID-CODE-NO-REPLY", "HND-AT-DEADLINE", "HND-EARLIEST-OF-TWO"} & ids


def test_events_a_circumstance_excludes_are_no_incidents(scenario_warehouse) -> None:
    w = EXCLUDE_WEEKS["TRANSPORTER"]
    rows = scenario_warehouse.query(
        "select indicator, count(*) from marts.seller_week_incidents "
        "where seller_id = 'EXC-T' and week_start = ? group by indicator order by indicator",
        [w],
    )
    # The 2 late TNT items; the 3 late DHL items and the DHL line with a bad code are out.
    assert rows == [("FULFILMENT", 2)]
    platform = scenario_warehouse.query(
        "select seller_id, count(*) from marts.seller_week_incidents "
        "where seller_id like 'EXC-P-%' and week_start = ? and indicator = 'FULFILMENT' "
        "group by seller_id order by seller_id",
        [EXCLUDE_WEEKS["PLATFORM"]],
    )
    assert platform == [("EXC-P-BE", 2)]


def test_incident_rows_per_seller_week_indicator_equal_incident_count(scenario_warehouse) -> None:
    assert_incidents_match_counts(scenario_warehouse.path)
