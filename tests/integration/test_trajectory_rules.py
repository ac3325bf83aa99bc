"""Trajectory, GroeiStart, six-week and week-assignment rules (SPEC §6, §7, §8, §12)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from scenarios import (
    CANCEL_EXCLUSION_WEEK,
    DYNAMIC_WEEK,
    EXAMPLE_WEEK,
    LINKED_EXCLUSION_WEEK,
    NO_STRIKE_WEEK,
    PENDING_WEEK,
    SIX_WEEK_START,
    TRAJECTORY_START,
    TRAJECTORY_STRIKES,
    YEAR_END_ITEM_DAY,
    weeks_after,
)


def _at(offset: int) -> date:
    return weeks_after(TRAJECTORY_START, offset)


def test_strike_after_23_clean_weeks_stays_in_the_same_trajectory(scenario_warehouse) -> None:
    weeks = scenario_warehouse.trajectory("TRJ-23")
    first, second = (_at(n) for n in TRAJECTORY_STRIKES["TRJ-23"])
    assert weeks[second - timedelta(days=7)]["consecutive_clean_weeks"] == 23
    assert weeks[second - timedelta(days=7)]["trajectory_status"] == "OPEN"
    between = [r["trajectory_status"] for w, r in weeks.items() if first < w < second]
    assert between == ["OPEN"] * 23
    row = weeks[second]
    assert (row["trajectory_id"], row["trajectory_strike_count"], row["action"]) == (1, 2, "MAIL")


def test_strike_after_24_clean_weeks_opens_trajectory_2(scenario_warehouse) -> None:
    weeks = scenario_warehouse.trajectory("TRJ-24")
    first, second = (_at(n) for n in TRAJECTORY_STRIKES["TRJ-24"])
    completed = second - timedelta(days=7)
    assert weeks[completed]["trajectory_status"] == "COMPLETED"
    assert weeks[completed]["consecutive_clean_weeks"] == 24
    assert weeks[completed]["trajectory_strike_count"] == 1
    row = weeks[second]
    assert (row["trajectory_id"], row["trajectory_strike_count"]) == (2, 1)
    assert (row["action"], row["trajectory_status"]) == ("MAIL", "OPEN")
    assert [r["trajectory_status"] for w, r in weeks.items() if first <= w <= second] == (
        ["OPEN"] * 24 + ["COMPLETED", "OPEN"]
    )


def test_definitive_closure_is_terminal_even_after_24_clean_weeks(scenario_warehouse) -> None:
    weeks = scenario_warehouse.trajectory("TRJ-CLOSED")
    closure = _at(7)
    late = _at(TRAJECTORY_STRIKES["TRJ-CLOSED"][-1])
    assert weeks[closure]["action"] == "DEFINITIVE_CLOSURE"
    after = {w: r for w, r in weeks.items() if w > closure}
    assert {r["trajectory_status"] for r in after.values()} == {"CLOSED"}
    assert {(r["trajectory_id"], r["trajectory_strike_count"]) for r in after.values()} == {(1, 7)}
    assert {r["action"] for r in after.values()} == {None}
    assert (weeks[late]["is_strike_week"], weeks[late]["strike_indicators"]) == (
        True,
        "FULFILMENT",
    )
    # consecutive clean weeks keep counting after closure
    assert weeks[late - timedelta(days=7)]["consecutive_clean_weeks"] == 32


def test_several_strikes_in_one_week_are_one_strike_week(scenario_warehouse) -> None:
    row = scenario_warehouse.trajectory("NS-BE")[NO_STRIKE_WEEK]
    assert row["strike_indicators"] == "CANCELLATIONS,FULFILMENT"
    assert (row["trajectory_strike_count"], row["action"]) == (1, "MAIL")


def test_groeistart_counts_distinct_orders_not_items(scenario_warehouse) -> None:
    # 99 items but 98 orders in week 1; order 99 in week 2 and order 100 in week 3.
    got = {
        w: (r["is_breach"], r["in_groeistart"], r["is_strike"])
        for w in (_at(1), _at(2), _at(3))
        if (r := scenario_warehouse.indicator("GS-B", w, "FULFILMENT")) is not None
    }
    assert got == {
        _at(1): (True, True, False),  # no 100th order yet
        _at(2): (True, True, False),  # the week of the 100th order
        _at(3): (True, False, True),
    }


def test_every_spine_runs_from_first_activity_to_the_platforms_last_week(
    scenario_warehouse,
) -> None:
    (last,) = scenario_warehouse.query("select max(week_start) from marts.platform_week_summary")
    assert last == (PENDING_WEEK,)
    ends = scenario_warehouse.query(
        "select distinct max(week_start) from marts.seller_trajectory_weeks group by seller_id"
    )
    assert ends == [(PENDING_WEEK,)]
    # No gaps: one row per week from the first to the last.
    gaps = scenario_warehouse.query(
        "select seller_id from marts.seller_trajectory_weeks group by seller_id "
        "having count(*) <> datediff('day', min(week_start), max(week_start)) / 7 + 1"
    )
    assert gaps == []
    starts = dict(
        scenario_warehouse.query(
            "select seller_id, min(week_start) from marts.seller_trajectory_weeks "
            "where seller_id in ('EX6-A', 'REV-B', 'SIX-A') group by seller_id"
        )
    )
    assert starts == {
        "EX6-A": date(2020, 3, 2),
        "REV-B": date(2025, 12, 1),
        "SIX-A": SIX_WEEK_START,
    }


# -- six-week scores -------------------------------------------------------------------


def test_numerator_of_a_zero_denominator_week_still_counts_in_six_week_pool(
    scenario_warehouse,
) -> None:
    second = SIX_WEEK_START + timedelta(days=7)
    assert scenario_warehouse.indicator("SIX-A", second, "CANCELLATIONS") is None
    rows = {
        r["week_start"]: (r["numerator_6w"], r["denominator_6w"])
        for r in scenario_warehouse.rows(
            "select * from marts.seller_six_week_scores "
            "where seller_id = 'SIX-A' and indicator = 'CANCELLATIONS'"
        )
    }
    # Rows for W ... W+5 only (denominator_6w > 0), the cancellation from week 2 on.
    assert rows == {weeks_after(SIX_WEEK_START, n): (0 if n == 0 else 1, 4) for n in range(6)}
    (six,) = scenario_warehouse.rows(
        "select * from marts.seller_six_week_scores "
        "where seller_id = 'SIX-A' and indicator = 'CANCELLATIONS' and week_start = ?",
        [second],
    )
    assert six["value_6w"] == pytest.approx(0.25, abs=1e-12)
    assert six["conforms_6w"] is False


def test_six_week_dynamic_norm_falls_back_to_static_without_items_in_the_week(
    scenario_warehouse,
) -> None:
    norms = dict(
        scenario_warehouse.query(
            "select week_start, norm_value from marts.seller_six_week_scores "
            "where seller_id = 'DYN-S' and indicator = 'CASE_ITEM_RATIO' "
            "and week_start in (?, ?)",
            [DYNAMIC_WEEK, DYNAMIC_WEEK + timedelta(days=7)],
        )
    )
    assert norms == pytest.approx({DYNAMIC_WEEK: 0.12, DYNAMIC_WEEK + timedelta(days=7): 0.05})


def test_six_week_reviews_row_is_the_week_row(scenario_warehouse) -> None:
    count = scenario_warehouse.query(
        "select count(*) from marts.seller_week_indicators where indicator = 'REVIEWS'"
    )
    mismatches = scenario_warehouse.query(
        """
        select count(*)
        from marts.seller_week_indicators as w
        full join (select * from marts.seller_six_week_scores where indicator = 'REVIEWS') as s
            using (seller_id, week_start, indicator)
        where (w.indicator = 'REVIEWS' or s.indicator = 'REVIEWS')
          and (w.numerator is distinct from s.numerator_6w
               or w.denominator is distinct from s.denominator_6w
               or w.value is distinct from s.value_6w)
        """
    )
    assert count[0][0] > 0
    assert mismatches == [(0,)]


# -- week assignment -----------------------------------------------------------------------


def test_events_belong_to_the_week_of_their_local_date(scenario_warehouse) -> None:
    monday = date(2027, 3, 8)
    cir = scenario_warehouse.indicator("WK-A", monday, "CASE_ITEM_RATIO")
    assert (cir["numerator"], cir["denominator"]) == (1, 1)
    previous = monday - timedelta(days=7)
    assert scenario_warehouse.indicator("WK-A", previous, "CASE_ITEM_RATIO") is None


def test_iso_week_53_of_2026_holds_new_years_day_2027(scenario_warehouse) -> None:
    week = YEAR_END_ITEM_DAY - timedelta(days=YEAR_END_ITEM_DAY.isoweekday() - 1)
    row = scenario_warehouse.indicator("WK-A", week, "CASE_ITEM_RATIO")
    assert week == date(2026, 12, 28)
    assert (row["iso_year"], row["iso_week"], row["denominator"]) == (2026, 53, 1)


# -- circumstances linked through items, orders and lines ---------------------------------


def test_transporter_scope_follows_items_orders_and_lines_but_never_calls(
    scenario_warehouse,
) -> None:
    w = LINKED_EXCLUSION_WEEK
    got = {
        r["indicator"]: (r["numerator"], r["denominator"])
        for r in scenario_warehouse.rows(
            "select * from marts.seller_week_indicators where seller_id = 'EXC-X' "
            "and week_start = ?",
            [w],
        )
    }
    assert got == {
        "FULFILMENT": (1, 1),  # the two GLS items are out
        "TRACK_AND_TRACE": (1, 1),  # the two GLS lines are out
        "CANCELLATIONS": (0, 1),
        "RESPONSE_TIME": (1, 2),  # the GLS-linked question is out; the unlinked one is late
        "CASE_ITEM_RATIO": (2, 1),  # TNT-linked and unlinked questions over the TNT item
        "RETURNS": (1, 1),
        "REVIEWS": (9, 1),  # the review of the GLS order is out
        "PHONE_AVAILABILITY": (0, 1),  # a call never matches a transporter scope
    }


def test_cancellation_exclusion_matches_numerator_and_denominator_on_their_own_dates(
    scenario_warehouse,
) -> None:
    row = scenario_warehouse.indicator("EXC-C", CANCEL_EXCLUSION_WEEK, "CANCELLATIONS")
    # 3 cancellations on the window day are out; the Friday one and all 11 orders stay.
    assert (row["numerator"], row["denominator"]) == (1, 11)


# -- notifications -------------------------------------------------------------------------


def test_wednesday_mail_lists_strikes_with_action_and_breaches_as_mail(scenario_warehouse) -> None:
    rows = scenario_warehouse.rows(
        "select seller_id, indicator, notification_type, trajectory_action, reason "
        "from marts.seller_notifications where week_start = ? "
        "and seller_id in ('EX1-A', 'EX2-A', 'EX3-A', 'EX4-A', 'EX4-B') order by all",
        [EXAMPLE_WEEK],
    )
    assert [tuple(r.values()) for r in rows] == [
        ("EX1-A", "FULFILMENT", "STRIKE", "MAIL", "strike"),
        ("EX4-A", "CANCELLATIONS", "STRIKE", "MAIL", "strike"),
    ]
    nps = scenario_warehouse.query(
        "select week_start, notification_type from marts.seller_notifications "
        "where seller_id = 'NPS-A' and indicator = 'NPS'"
    )
    # March 2025 misses the norm; it goes out with the week holding 31 March.
    assert nps == [(date(2025, 3, 31), "MAIL")]
