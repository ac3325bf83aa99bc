"""The indicator rules of SPEC §4, §5, §8 and §12 on hand-built landed data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from scenarios import (
    CANCEL_RULES_WEEK,
    CORRECTION_WEEK,
    DYNAMIC_WEEK,
    EXCLUDE_WEEKS,
    FULFILMENT_RULES_WEEK,
    GROEISTART_WEEKS,
    HANDOVER_NORM_WEEKS,
    HANDOVER_WEEK,
    NO_STRIKE_WEEK,
    PENDING_WEEK,
    PHONE_WEEKS,
    REVIEWS_WEEK,
    SLA_DEADLINES,
    TNT_LINES,
    TNT_WEEK,
    TRACKING_WEEK,
)

# -- RESPONSE_TIME -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "seller_id", "created", "deadline", "sla"),
    SLA_DEADLINES,
    ids=[c[0] for c in SLA_DEADLINES],
)
def test_response_deadline_in_local_wall_clock_with_country_holidays(
    scenario_warehouse, key: str, seller_id: str, created: str, deadline: str, sla: str
) -> None:
    (found,) = scenario_warehouse.query(
        "select seller_id, sla, deadline_local from intermediate.int_customer_questions_sla "
        "where case_id = ?",
        [key],
    )
    assert found == (seller_id, sla, datetime.fromisoformat(deadline))


def test_reply_exactly_at_the_deadline_is_on_time(scenario_warehouse) -> None:
    statuses = dict(
        scenario_warehouse.query(
            "select case_id, response_status from intermediate.int_customer_questions_sla "
            "where case_id like 'SLA-%'"
        )
    )
    assert statuses == {key: "ON_TIME" for key, *_ in SLA_DEADLINES if key.startswith("SLA-")}


def test_reply_a_fraction_of_a_second_after_the_deadline_is_late(scenario_warehouse) -> None:
    (found,) = scenario_warehouse.query(
        "select deadline_local, response_status from intermediate.int_customer_questions_sla "
        "where case_id = 'SUBSECOND-LATE'"
    )
    assert found == (datetime.fromisoformat("2026-06-04 11:00:00.700"), "LATE")


def test_unanswered_question_is_late_before_the_cutoff_and_pending_after_it(
    scenario_warehouse,
) -> None:
    rows = {
        r[0]: r[1:]
        for r in scenario_warehouse.query(
            "select case_id, measurement_cutoff_local, response_status "
            "from intermediate.int_customer_questions_sla where case_id like 'PEND-%'"
        )
    }
    cutoff = datetime(2028, 12, 27, 6, 0)  # the Wednesday after the week, 06:00 local
    assert rows == {
        "PEND-NL-XMAS": (cutoff, "PENDING"),  # deadline Wed 27 15:00
        "PEND-NL-MON": (cutoff, "LATE"),  # deadline Tue 19 10:00
        "PEND-NL-AT-CUTOFF": (cutoff, "PENDING"),  # deadline Wed 27 06:00, not before it
        "PEND-BE-XMAS": (cutoff, "LATE"),  # deadline Tue 26 15:00 (no BE holiday)
    }


def test_pending_question_is_left_out_of_response_time_but_counts_as_a_case(
    scenario_warehouse,
) -> None:
    rt = scenario_warehouse.indicator("PEND-NL", PENDING_WEEK, "RESPONSE_TIME")
    assert (rt["numerator"], rt["denominator"], rt["incident_count"]) == (0, 1, 1)
    cir = scenario_warehouse.indicator("PEND-NL", PENDING_WEEK, "CASE_ITEM_RATIO")
    assert (cir["numerator"], cir["denominator"]) == (3, 10)
    assert cir["value"] == pytest.approx(0.3, abs=1e-12)


def test_later_file_corrects_a_first_response(scenario_warehouse) -> None:
    (status,) = scenario_warehouse.query(
        "select response_status from intermediate.int_customer_questions_sla "
        "where case_id = 'COR-Q1'"
    )
    assert status == ("ON_TIME",)
    row = scenario_warehouse.indicator("COR-A", CORRECTION_WEEK, "RESPONSE_TIME")
    # COR-Q2 is in one file twice: its last row (answered within the hour) wins.
    assert (row["numerator"], row["denominator"]) == (2, 2)


def test_later_file_corrects_an_order_items_promise_date(scenario_warehouse) -> None:
    assert scenario_warehouse.indicator("COR-A", CORRECTION_WEEK, "FULFILMENT") is None
    row = scenario_warehouse.indicator(
        "COR-A", CORRECTION_WEEK + timedelta(days=7), "FULFILMENT"
    )
    assert (row["numerator"], row["denominator"]) == (0, 1)


# -- FULFILMENT --------------------------------------------------------------------


def test_fulfilment_population_excludes_fbb_appointment_vvb_and_cancelled_items(
    scenario_warehouse,
) -> None:
    row = scenario_warehouse.indicator("FUL-R", FULFILMENT_RULES_WEEK, "FULFILMENT")
    # 3 on time (one with a NULL time frame); the FBB, APPOINTMENT, VVB and cancelled
    # items would all be late; the exact delivery date moves one item to the next week.
    assert (row["numerator"], row["denominator"]) == (3, 3)
    nxt = scenario_warehouse.indicator(
        "FUL-R", FULFILMENT_RULES_WEEK + timedelta(days=7), "FULFILMENT"
    )
    assert (nxt["numerator"], nxt["denominator"]) == (0, 1)


TRACKING_EXPECTED = {
    "TRK-ATTEMPT-LATE-EVENING": True,  # 23:30 local on the promise date
    "TRK-ATTEMPT-AFTER-MIDNIGHT": False,  # 00:30 local the next day (promise date in UTC)
    "TRK-FIRST-ATTEMPT-COUNTS": True,  # attempted before, delivered after the promise date
    "TRK-PICK-UP-POINT": True,
    "TRK-NEIGHBOURS": True,
    "TRK-NO-ATTEMPT": False,  # pre-announced, in transit, picked up: no attempt
    "TRK-NOT-RECEIVED-BUT-TRACKED": True,  # tracked: the customer's answer is not asked
    "TRK-UNTRACKED-NOT-RECEIVED": False,
    "TRK-UNTRACKED-RECEIVED": True,
    "TRK-INVALID-CODE-NO-REPLY": True,
    "TRK-UNTRACKED-NO-CONFIRMATION": True,
    "TRK-NO-SHIPMENT": False,
    "TRK-TWO-LINES": False,  # only the tracked line's late attempt counts
}


def test_on_time_delivery_tracked_by_first_attempt_untracked_by_customer(
    scenario_warehouse,
) -> None:
    found = dict(
        scenario_warehouse.query(
            "select order_item_id, is_delivered_on_time "
            "from intermediate.int_order_items_measured where seller_id = 'TRK-R'"
        )
    )
    assert found == TRACKING_EXPECTED
    row = scenario_warehouse.indicator("TRK-R", TRACKING_WEEK, "FULFILMENT")
    on_time = sum(TRACKING_EXPECTED.values())
    assert (row["numerator"], row["denominator"]) == (on_time, len(TRACKING_EXPECTED))
    assert (row["numerator"], row["denominator"]) == (8, 13)


# -- HANDOVER ----------------------------------------------------------------------


def test_handover_on_time_by_earliest_scan_and_no_scan_is_late(scenario_warehouse) -> None:
    found = dict(
        scenario_warehouse.query(
            "select order_item_id, is_handed_over_on_time "
            "from intermediate.int_order_items_measured where seller_id = 'HND-R'"
        )
    )
    assert found == {
        "HND-AT-DEADLINE": True,
        "HND-ONE-SECOND-LATE": False,
        "HND-NO-SHIPMENT": False,
        "HND-NO-SCAN": False,
        "HND-EARLIEST-OF-TWO": True,
        "HND-CANCELLED": False,
    }
    row = scenario_warehouse.indicator("HND-R", HANDOVER_WEEK, "HANDOVER")
    assert (row["numerator"], row["denominator"], row["incident_count"]) == (2, 5, 3)
    assert (row["is_breach"], row["is_strike"]) == (True, False)  # GroeiStart: no strike
    assert row["in_groeistart"] is True


def test_norm_version_is_the_one_valid_at_week_start(scenario_warehouse) -> None:
    june, july = HANDOVER_NORM_WEEKS
    first = scenario_warehouse.indicator("HNV-A", june, "HANDOVER")
    second = scenario_warehouse.indicator("HNV-A", july, "HANDOVER")
    # Both weeks 94/100; the June week's handovers are due on 1 July.
    assert (first["numerator"], first["denominator"]) == (94, 100)
    assert (second["numerator"], second["denominator"]) == (94, 100)
    assert first["norm_value"] == pytest.approx(0.93)
    assert (first["conforms"], first["is_breach"], first["is_strike"]) == (True, False, False)
    assert second["norm_value"] == pytest.approx(0.95)
    assert (second["conforms"], second["is_breach"], second["is_strike"]) == (False, True, True)
    assert second["distance_to_norm"] == pytest.approx(-0.01, abs=1e-12)
    # Six weeks: the July week pools both weeks (188/200 = 0.94) against July's 0.95.
    six = {
        r["week_start"]: (r["numerator_6w"], r["denominator_6w"], r["norm_value"], r["conforms_6w"])
        for r in scenario_warehouse.rows(
            "select * from marts.seller_six_week_scores "
            "where seller_id = 'HNV-A' and indicator = 'HANDOVER' and week_start in (?, ?)",
            [june, july],
        )
    }
    assert six == {
        june: (94, 100, pytest.approx(0.93), True),
        july: (188, 200, pytest.approx(0.95), False),
    }


# -- CANCELLATIONS -----------------------------------------------------------------


def test_system_and_seller_cancellations_count_fbb_items_do_not(scenario_warehouse) -> None:
    row = scenario_warehouse.indicator("CANC-R", CANCEL_RULES_WEEK, "CANCELLATIONS")
    assert (row["numerator"], row["denominator"]) == (2, 5)
    assert row["value"] == pytest.approx(0.4, abs=1e-12)


# -- TRACK_AND_TRACE ---------------------------------------------------------------


def test_track_and_trace_code_valid_only_on_full_case_sensitive_match(scenario_warehouse) -> None:
    found = dict(
        scenario_warehouse.query(
            "select shipment_id, has_valid_code from intermediate.int_shipment_lines "
            "where shipment_id like 'S-TT-%'"
        )
    )
    expected = {f"S-TT-{key}": valid for key, *_rest, valid in TNT_LINES}
    expected |= {"S-TT-CANCELLED": True, "S-TT-FBB": False}
    assert found == expected


def test_track_and_trace_counts_fbr_parcel_lines_only(scenario_warehouse) -> None:
    row = scenario_warehouse.indicator("TT-R", TNT_WEEK, "TRACK_AND_TRACE")
    # 13 PARCEL lines of the list (the LETTER line is out) + the cancelled item's line;
    # the FBB item's line is out. Valid: TNT, DHL, DPD, bpost, GLS and the cancelled one.
    assert (row["numerator"], row["denominator"], row["incident_count"]) == (6, 14, 8)
    assert row["norm_value"] == pytest.approx(0.98)
    assert row["indicator_kind"] == "MAIL"
    assert (row["is_breach"], row["is_strike"]) == (True, False)


# -- PHONE_AVAILABILITY ------------------------------------------------------------


def test_phone_calls_count_only_inside_office_hours_of_the_sellers_country(
    scenario_warehouse,
) -> None:
    first, second = PHONE_WEEKS
    got = {
        (s, w): (r["numerator"], r["denominator"])
        for s in ("PH-NL", "PH-BE")
        for w in (first, second)
        if (r := scenario_warehouse.indicator(s, w, "PHONE_AVAILABILITY")) is not None
    }
    assert got == {
        # 08:59:59 and 17:00 and Saturday are out; 09:00 (answered) and 16:59:59 are in.
        ("PH-NL", first): (1, 2),
        ("PH-BE", first): (1, 2),
        # King's Day (Mon 27 April) is a holiday in NL only.
        ("PH-NL", second): (1, 1),
        ("PH-BE", second): (1, 2),
    }


# -- CASE_ITEM_RATIO, RETURNS and the dynamic norms ------------------------------------


def test_case_item_ratio_and_returns_numerators_and_denominators(scenario_warehouse) -> None:
    cir = scenario_warehouse.indicator("DYN-S", DYNAMIC_WEEK, "CASE_ITEM_RATIO")
    # 2 questions (one linked, one not) over 10 items (FBB and a cancelled FBR item).
    assert (cir["numerator"], cir["denominator"], cir["incident_count"]) == (2, 10, 2)
    ret = scenario_warehouse.indicator("DYN-S", DYNAMIC_WEEK, "RETURNS")
    # One return row of quantity 3.
    assert (ret["numerator"], ret["denominator"], ret["incident_count"]) == (1, 10, 1)


@pytest.mark.parametrize(
    ("seller_id", "case_item_ratio_norm", "returns_norm"),
    [
        ("DYN-S", 0.5 * 0.04 + 0.5 * 0.20, 0.5 * 0.10 + 0.5 * 0.02),
        ("DYN-C", 0.15, 0.02),  # 0.20 capped at 0.15; RETURNS has no cap
        ("DYN-F", 0.5 * 0.04 + 0.5 * 0.05, 0.5 * 0.10 + 0.5 * 0.05),  # DYN-G3: static 0.05
    ],
)
def test_dynamic_norm_weights_previous_month_group_ratios(
    scenario_warehouse, seller_id: str, case_item_ratio_norm: float, returns_norm: float
) -> None:
    (row,) = scenario_warehouse.query(
        "select case_item_ratio_norm, returns_norm from intermediate.int_dynamic_norms "
        "where seller_id = ? and week_start = ?",
        [seller_id, DYNAMIC_WEEK],
    )
    assert row == pytest.approx((case_item_ratio_norm, returns_norm), abs=1e-12)
    cir = scenario_warehouse.indicator(seller_id, DYNAMIC_WEEK, "CASE_ITEM_RATIO")
    assert cir["norm_value"] == pytest.approx(case_item_ratio_norm, abs=1e-12)
    assert cir["norm_kind"] == "DYNAMIC"
    six = scenario_warehouse.rows(
        "select norm_value from marts.seller_six_week_scores "
        "where seller_id = ? and week_start = ? and indicator = 'RETURNS'",
        [seller_id, DYNAMIC_WEEK],
    )
    assert six[0]["norm_value"] == pytest.approx(returns_norm, abs=1e-12)


def test_dynamic_norm_judges_the_weekly_value(scenario_warehouse) -> None:
    cir = scenario_warehouse.indicator("DYN-S", DYNAMIC_WEEK, "CASE_ITEM_RATIO")
    assert cir["value"] == pytest.approx(0.2, abs=1e-12)
    assert cir["conforms"] is False  # 0.2 > 0.12
    assert cir["is_breach"] is False  # 2 questions < floor 3
    ret = scenario_warehouse.indicator("DYN-S", DYNAMIC_WEEK, "RETURNS")
    assert ret["distance_to_norm"] == pytest.approx(0.1 - 0.06, abs=1e-12)


# -- REVIEWS and NPS -----------------------------------------------------------------


def test_reviews_use_three_calendar_months_up_to_the_end_of_the_week(scenario_warehouse) -> None:
    row = scenario_warehouse.indicator("REV-A", REVIEWS_WEEK, "REVIEWS")
    # [2026-03-08, 2026-06-08): 10 (submitted 03-07 23:30 UTC = 03-08 local), 8, 8, 7, 9.
    assert (row["numerator"], row["denominator"]) == (42, 5)
    assert row["value"] == pytest.approx(8.4, abs=1e-12)
    assert row["incident_count"] is None
    assert (row["conforms"], row["is_breach"]) == (True, False)
    before = scenario_warehouse.indicator("REV-A", REVIEWS_WEEK - timedelta(days=7), "REVIEWS")
    # [2026-03-01, 2026-06-01): the 03-07 grade 1 is in, the 06-07 grade 9 not yet.
    assert (before["numerator"], before["denominator"]) == (34, 5)
    assert (before["conforms"], before["is_breach"], before["is_strike"]) == (False, True, False)


def test_reviews_fall_back_to_all_reviews_with_fewer_than_five_in_the_window(
    scenario_warehouse,
) -> None:
    row = scenario_warehouse.indicator("REV-B", REVIEWS_WEEK, "REVIEWS")
    assert (row["numerator"], row["denominator"]) == (34, 5)
    assert row["value"] == pytest.approx(6.8, abs=1e-12)
    # A REVIEWS row exists in every spine week from the first review on.
    weeks = scenario_warehouse.query(
        "select min(week_start), count(*), count(distinct week_start) "
        "from marts.seller_week_indicators where seller_id = 'REV-B' and indicator = 'REVIEWS'"
    )
    spine = scenario_warehouse.query(
        "select min(week_start), count(*), count(distinct week_start) "
        "from marts.seller_trajectory_weeks where seller_id = 'REV-B'"
    )
    assert weeks == spine
    assert weeks[0][0] == date(2025, 12, 1)


def test_monthly_nps_promoters_detractors_reliability_and_norm_version(
    scenario_warehouse,
) -> None:
    rows = {
        r["month_start"]: r
        for r in scenario_warehouse.rows(
            "select * from marts.seller_monthly_nps where seller_id = 'NPS-A'"
        )
    }
    assert sorted(rows) == [date(2024, 11, 1), date(2025, 3, 1), date(2025, 4, 1)]
    nov, mar, apr = (rows[m] for m in sorted(rows))
    assert (nov["responses"], nov["promoters"], nov["detractors"]) == (4, 2, 1)
    assert nov["nps"] == pytest.approx(25.0)
    assert (nov["reliable"], nov["norm_value"], nov["conforms"]) == (False, 10, True)
    assert (mar["responses"], mar["promoters"], mar["detractors"]) == (25, 10, 5)
    assert mar["nps"] == pytest.approx(20.0)
    assert (mar["reliable"], mar["norm_value"], mar["conforms"]) == (True, 25, False)
    # 2025-03-31 22:30 UTC is 1 April local.
    assert (apr["responses"], apr["promoters"], apr["nps"]) == (1, 1, 100.0)


# -- GroeiStart --------------------------------------------------------------------


def test_breach_in_the_week_of_the_100th_order_is_no_strike_the_next_is(
    scenario_warehouse,
) -> None:
    _, hundredth, after = GROEISTART_WEEKS
    in_gs = scenario_warehouse.indicator("GS-A", hundredth, "FULFILMENT")
    past = scenario_warehouse.indicator("GS-A", after, "FULFILMENT")
    assert (in_gs["is_breach"], in_gs["in_groeistart"], in_gs["is_strike"]) == (True, True, False)
    assert (past["is_breach"], past["in_groeistart"], past["is_strike"]) == (True, False, True)
    weeks = scenario_warehouse.trajectory("GS-A")
    assert (weeks[hundredth]["in_groeistart"], weeks[hundredth]["is_strike_week"]) == (True, False)
    assert weeks[hundredth]["trajectory_status"] == "NONE"
    assert (weeks[after]["in_groeistart"], weeks[after]["is_strike_week"]) == (False, True)
    assert (weeks[after]["trajectory_id"], weeks[after]["action"]) == (1, "MAIL")


# -- mitigating circumstances ---------------------------------------------------------


def test_platform_exclusion_removes_events_from_numerator_and_denominator_per_country(
    scenario_warehouse,
) -> None:
    w = EXCLUDE_WEEKS["PLATFORM"]
    nl = scenario_warehouse.indicator("EXC-P-NL", w, "FULFILMENT")
    be = scenario_warehouse.indicator("EXC-P-BE", w, "FULFILMENT")
    # NL: the on-time item due 09-08 and the 3 late ones due 09-09 are removed.
    assert (nl["numerator"], nl["denominator"]) == (10, 10)
    # BE is not in the circumstance's country.
    assert (be["numerator"], be["denominator"]) == (11, 13)
    # Only the listed indicator: CANCELLATIONS still counts every FBR item ordered.
    canc = scenario_warehouse.indicator("EXC-P-NL", w, "CANCELLATIONS")
    assert canc["denominator"] == 14


def test_transporter_exclusion_removes_only_that_transporters_items_and_lines(
    scenario_warehouse,
) -> None:
    w = EXCLUDE_WEEKS["TRANSPORTER"]
    ful = scenario_warehouse.indicator("EXC-T", w, "FULFILMENT")
    # 7 TNT items stay (5 on time); the 3 DHL items are removed.
    assert (ful["numerator"], ful["denominator"]) == (5, 7)
    tnt = scenario_warehouse.indicator("EXC-T", w, "TRACK_AND_TRACE")
    # The DHL lines (one with an invalid code) are removed; the 7 valid TNT lines stay.
    assert (tnt["numerator"], tnt["denominator"]) == (7, 7)
    # A TRANSPORTER circumstance without a transporter code removes nothing.
    canc = scenario_warehouse.indicator("EXC-T", w, "CANCELLATIONS")
    assert canc["denominator"] == 10


def test_withdrawn_circumstance_has_no_effect(scenario_warehouse) -> None:
    row = scenario_warehouse.indicator("EXC-W", EXCLUDE_WEEKS["WITHDRAWN"], "FULFILMENT")
    assert (row["numerator"], row["denominator"]) == (10, 13)
    assert row["neutralised"] is False


def test_no_strike_keeps_score_and_breach_but_removes_the_strike(scenario_warehouse) -> None:
    w = NO_STRIKE_WEEK
    nl = scenario_warehouse.indicator("NS-NL", w, "FULFILMENT")
    assert (nl["numerator"], nl["denominator"]) == (7, 10)
    assert (nl["is_breach"], nl["neutralised"], nl["is_strike"]) == (True, True, False)
    # Another indicator in the same week is not listed: still a strike.
    canc = scenario_warehouse.indicator("NS-NL", w, "CANCELLATIONS")
    assert (canc["neutralised"], canc["is_strike"]) == (False, True)
    assert scenario_warehouse.trajectory("NS-NL")[w]["strike_indicators"] == "CANCELLATIONS"
    # NO_STRIKE ignores scope and transporter but not country: the BE seller strikes.
    be = scenario_warehouse.indicator("NS-BE", w, "FULFILMENT")
    assert (be["neutralised"], be["is_strike"]) == (False, True)
    assert (
        scenario_warehouse.trajectory("NS-BE")[w]["strike_indicators"]
        == "CANCELLATIONS,FULFILMENT"
    )


# -- loading ---------------------------------------------------------------------------


def test_rows_of_a_seller_that_is_not_landed_are_ignored(scenario_warehouse) -> None:
    for table in (
        "seller_week_indicators",
        "seller_six_week_scores",
        "seller_trajectory_weeks",
        "seller_notifications",
    ):
        (count,) = scenario_warehouse.query(
            f"select count(*) from marts.{table} where seller_id like 'GHOST-%'"
        )[0]
        assert count == 0, table
    # ...also by the platform ratios: DYN-G1 stays 4 questions and 10 returns per 100
    # items in March (GHOST-1 adds 10 items, 11 questions and 10 returns to it).
    (row,) = scenario_warehouse.query(
        "select case_item_ratio_norm, returns_norm from intermediate.int_dynamic_norms "
        "where seller_id = 'DYN-F' and week_start = ?",
        [DYNAMIC_WEEK],
    )
    assert row == pytest.approx((0.5 * 0.04 + 0.5 * 0.05, 0.5 * 0.10 + 0.5 * 0.05), abs=1e-12)
