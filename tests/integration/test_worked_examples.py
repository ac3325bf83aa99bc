"""SPEC §10 worked examples 1-8 on hand-built landed data (tests/scenarios.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from scenarios import (
    EX8A_STRIKE_OFFSETS,
    EX8B_STRIKE_OFFSETS,
    EXAMPLE5_DEADLINES,
    EXAMPLE6_DEADLINES,
    EXAMPLE_WEEK,
    HISTORY_WEEK,
    weeks_after,
)

W = EXAMPLE_WEEK


def _fulfilment(wh, seller_id: str) -> dict:
    row = wh.indicator(seller_id, W, "FULFILMENT")
    assert row is not None
    return row


def test_example1_40_items_3_late_is_a_breach_and_a_strike(scenario_warehouse) -> None:
    row = _fulfilment(scenario_warehouse, "EX1-A")
    assert (row["numerator"], row["denominator"]) == (37, 40)
    assert row["value"] == pytest.approx(0.925, abs=1e-12)
    assert row["incident_count"] == 3
    assert row["norm_value"] == pytest.approx(0.93)
    assert row["distance_to_norm"] == pytest.approx(-0.005, abs=1e-12)
    assert (row["conforms"], row["is_breach"], row["is_strike"]) == (False, True, True)


def test_example2_20_items_2_late_misses_the_norm_but_not_the_floor(scenario_warehouse) -> None:
    row = _fulfilment(scenario_warehouse, "EX2-A")
    assert (row["numerator"], row["denominator"]) == (18, 20)
    assert row["value"] == pytest.approx(0.90, abs=1e-12)
    assert row["incident_count"] == 2
    assert (row["conforms"], row["is_breach"], row["is_strike"]) == (False, False, False)


def test_example3_100_items_7_late_conforms_at_exactly_the_norm(scenario_warehouse) -> None:
    row = _fulfilment(scenario_warehouse, "EX3-A")
    assert (row["numerator"], row["denominator"]) == (93, 100)
    assert row["value"] == pytest.approx(0.93, abs=1e-12)
    assert row["incident_count"] == 7
    assert (row["conforms"], row["is_breach"], row["is_strike"]) == (True, False, False)


def test_example4_three_seller_cancellations_of_120_items_strike(scenario_warehouse) -> None:
    row = scenario_warehouse.indicator("EX4-A", W, "CANCELLATIONS")
    assert (row["numerator"], row["denominator"]) == (3, 120)
    assert row["value"] == pytest.approx(0.025, abs=1e-12)
    assert row["incident_count"] == 3
    assert row["norm_condition"] == "<="
    assert (row["conforms"], row["is_breach"], row["is_strike"]) == (False, True, True)
    # The uncancelled items were all delivered on time: the strike is the cancellations'.
    weeks = scenario_warehouse.trajectory("EX4-A")
    assert weeks[W]["strike_indicators"] == "CANCELLATIONS"


def test_example4_customer_cancellation_counts_only_after_the_promise_date(
    scenario_warehouse,
) -> None:
    counted = dict(
        scenario_warehouse.query(
            "select order_item_id, is_counted_cancellation "
            "from intermediate.int_order_items_measured "
            "where order_item_id in ('EX4-B-ON-PROMISE', 'EX4-B-DAY-AFTER')"
        )
    )
    # The day-after cancellation is 00:30 local, still the promise date in UTC.
    assert counted == {"EX4-B-ON-PROMISE": False, "EX4-B-DAY-AFTER": True}
    row = scenario_warehouse.indicator("EX4-B", W, "CANCELLATIONS")
    assert (row["numerator"], row["denominator"], row["is_breach"]) == (1, 10, False)


def _sla(wh, case_prefix: str) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in wh.query(
            "select case_id, sla, deadline_local, response_status "
            "from intermediate.int_customer_questions_sla where case_id like ?",
            [case_prefix + "%"],
        )
    }


@pytest.mark.parametrize(
    ("key", "created", "deadline"), EXAMPLE5_DEADLINES, ids=[c[0] for c in EXAMPLE5_DEADLINES]
)
def test_example5_24h_excluding_weekends_and_holidays_deadline(
    scenario_warehouse, key: str, created: str, deadline: str
) -> None:
    found = _sla(scenario_warehouse, key)
    expected = datetime.fromisoformat(deadline)
    assert found == {
        f"{key}-AT": ("24H_EXCL_WEEKENDS", expected, "ON_TIME"),
        f"{key}-AFTER": ("24H_EXCL_WEEKENDS", expected, "LATE"),
    }


@pytest.mark.parametrize(
    ("key", "created", "deadline"), EXAMPLE6_DEADLINES, ids=[c[0] for c in EXAMPLE6_DEADLINES]
)
def test_example6_8_working_hours_deadline_before_2021(
    scenario_warehouse, key: str, created: str, deadline: str
) -> None:
    found = _sla(scenario_warehouse, key)
    expected = datetime.fromisoformat(deadline)
    assert found == {
        f"{key}-AT": ("8_WORKING_HOURS", expected, "ON_TIME"),
        f"{key}-AFTER": ("8_WORKING_HOURS", expected, "LATE"),
    }


def test_example5_and_6_response_time_scores_count_the_answers(scenario_warehouse) -> None:
    # Week of 2026-03-02: Fri and Sat questions, each answered once on time, once late.
    row = scenario_warehouse.indicator("EX5-A", W, "RESPONSE_TIME")
    assert (row["numerator"], row["denominator"], row["incident_count"]) == (2, 4, 2)
    row = scenario_warehouse.indicator("EX6-A", date(2020, 3, 2), "RESPONSE_TIME")
    assert (row["numerator"], row["denominator"]) == (2, 4)
    assert row["norm_value"] == pytest.approx(0.90)


def test_example7_six_week_score_pools_numerators_and_denominators(scenario_warehouse) -> None:
    sixth = weeks_after(W, 5)
    rows = scenario_warehouse.rows(
        "select * from marts.seller_six_week_scores "
        "where seller_id = 'EX7-A' and indicator = 'FULFILMENT' order by week_start"
    )
    by_week = {r["week_start"]: r for r in rows}
    row = by_week[sixth]
    assert (row["numerator_6w"], row["denominator_6w"]) == (94, 100)
    assert row["value_6w"] == pytest.approx(0.94, abs=1e-12)
    assert row["norm_value"] == pytest.approx(0.93)
    assert row["conforms_6w"] is True
    # The first week pools only itself; the week after the sixth drops the first.
    assert (by_week[W]["numerator_6w"], by_week[W]["denominator_6w"]) == (9, 10)
    seventh = by_week[weeks_after(W, 6)]
    assert (seventh["numerator_6w"], seventh["denominator_6w"]) == (85, 90)
    # The weekly score of the sixth week on its own: 45/50.
    weekly = scenario_warehouse.indicator("EX7-A", sixth, "FULFILMENT")
    assert weekly["value"] == pytest.approx(0.90, abs=1e-12)


def test_example8_seven_consecutive_strikes_escalate_to_definitive_closure(
    scenario_warehouse,
) -> None:
    weeks = scenario_warehouse.trajectory("EX8-A")
    strike_weeks = [weeks_after(HISTORY_WEEK, n) for n in EX8A_STRIKE_OFFSETS[:7]]
    actions = [weeks[w]["action"] for w in strike_weeks]
    assert actions == ["MAIL"] * 4 + ["TEMPORARY_CLOSURE", "FINAL_WARNING", "DEFINITIVE_CLOSURE"]
    assert [weeks[w]["trajectory_strike_count"] for w in strike_weeks] == [1, 2, 3, 4, 5, 6, 7]
    assert [weeks[w]["trajectory_status"] for w in strike_weeks] == ["OPEN"] * 6 + ["CLOSED"]
    assert {weeks[w]["trajectory_id"] for w in strike_weeks} == {1}
    assert weeks[strike_weeks[0]]["strike_indicators"] == "FULFILMENT"
    # After the closure: CLOSED to the end of the spine, action NULL even in a strike week.
    after = [w for w in weeks if w > strike_weeks[-1]]
    assert after, "the spine runs on after the closure"
    assert {weeks[w]["trajectory_status"] for w in after} == {"CLOSED"}
    assert {weeks[w]["action"] for w in after} == {None}
    assert {weeks[w]["trajectory_strike_count"] for w in after} == {7}
    assert {weeks[w]["trajectory_id"] for w in after} == {1}
    late_strike = weeks_after(HISTORY_WEEK, EX8A_STRIKE_OFFSETS[7])
    assert weeks[late_strike]["is_strike_week"] is True
    assert weeks[late_strike]["consecutive_clean_weeks"] == 0
    # The history week is GroeiStart; the seller's spine starts there.
    assert min(weeks) == HISTORY_WEEK
    assert weeks[HISTORY_WEEK]["in_groeistart"] is True
    assert weeks[HISTORY_WEEK]["trajectory_status"] == "NONE"


def test_example8_trajectory_completes_after_24_clean_weeks_and_a_new_one_opens(
    scenario_warehouse,
) -> None:
    weeks = scenario_warehouse.trajectory("EX8-B")
    first, later = (weeks_after(HISTORY_WEEK, n) for n in EX8B_STRIKE_OFFSETS)
    assert weeks[first]["action"] == "MAIL"
    assert (weeks[first]["trajectory_id"], weeks[first]["trajectory_strike_count"]) == (1, 1)
    for n in range(1, 24):
        w = first + timedelta(weeks=n)
        assert (weeks[w]["trajectory_status"], weeks[w]["consecutive_clean_weeks"]) == ("OPEN", n)
        assert weeks[w]["action"] is None
    completed = first + timedelta(weeks=24)
    assert weeks[completed]["trajectory_status"] == "COMPLETED"
    assert weeks[completed]["consecutive_clean_weeks"] == 24
    assert weeks[completed]["trajectory_id"] == 1
    assert [
        weeks[w]["trajectory_status"] for w in sorted(weeks) if w > completed and w < later
    ] == ["NONE"] * ((later - completed).days // 7 - 1)
    after = completed + timedelta(weeks=1)
    assert (weeks[after]["trajectory_id"], weeks[after]["trajectory_strike_count"]) == (None, 0)
    assert weeks[later]["trajectory_id"] == 2
    assert weeks[later]["trajectory_strike_count"] == 1
    assert weeks[later]["action"] == "MAIL"
    assert weeks[later]["trajectory_status"] == "OPEN"
