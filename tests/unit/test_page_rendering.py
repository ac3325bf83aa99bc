"""The performance pages' presentation rules, without a published copy: values,
states, file names, chart axes and what a trajectory tells the seller (the pages
of a published copy: tests/e2e/test_pages.py)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from orchestration.serve import pages
from orchestration.serve.charts import nice_ticks, value_range
from orchestration.serve.pages import (
    PagesError,
    build_site,
    format_norm,
    format_value,
    seller_file_name,
    seller_href,
    trajectory_context,
    week_state,
    weeks_to_build,
)


def test_values_show_as_percentages_grades_and_scores_by_indicator() -> None:
    assert format_value("FULFILMENT", 0.92549) == "92.5 %"
    assert format_value("CANCELLATIONS", 0.0213) == "2.1 %"
    # Ratios of a few percent keep two decimals: 4.16 % and 4.24 % are different mails.
    assert format_value("CASE_ITEM_RATIO", 0.04163) == "4.16 %"
    assert format_value("RETURNS", 0.1) == "10.00 %"
    assert format_value("REVIEWS", 8.04) == "8.0"
    assert format_value("NPS", -12.5) == "-12.5"
    assert format_value("FULFILMENT", None) == "–"
    assert format_norm("FULFILMENT", ">=", 0.93) == "≥ 93.0 %"
    assert format_norm("CANCELLATIONS", "<=", 0.02) == "≤ 2.0 %"


def test_a_strike_outranks_a_breach_which_outranks_a_missed_norm() -> None:
    assert week_state(conforms=False, is_breach=True, is_strike=True) == "strike"
    assert week_state(conforms=False, is_breach=True, is_strike=False) == "breach"
    assert week_state(conforms=False, is_breach=False, is_strike=False) == "misses"
    assert week_state(conforms=True, is_breach=False, is_strike=False) == "meets"


@pytest.mark.parametrize("seller_id", ["S000001", "a/b", "..", "50%", "Zoë & co", "a.b"])
def test_any_seller_id_gets_its_own_file_inside_the_sellers_folder(seller_id: str) -> None:
    name = seller_file_name(seller_id)
    assert "/" not in name and not name.startswith(".") and name.endswith(".html")
    assert unquote(name.removesuffix(".html")) == seller_id
    # The link from the week folder names that file.
    assert unquote(seller_href(seller_id)) == f"sellers/{name}"


def test_distinct_seller_ids_never_share_a_file() -> None:
    ids = ["a/b", "a%2Fb", "a b", "a+b", "A/B"]
    assert len({seller_file_name(i) for i in ids}) == len(ids)


def test_chart_axes_use_round_ticks_and_keep_shares_within_0_and_100_percent() -> None:
    assert nice_ticks(0.0, 1.0) == [0.0, 0.5, 1.0]
    assert nice_ticks(0, 26) == [0, 10, 20]
    assert nice_ticks(0.87, 0.99) == [0.875, 0.9, 0.925, 0.95, 0.975]
    lo, hi = value_range([0.96, 1.0, 1.0], bounds=(0.0, 1.0))
    assert hi == 1.0 and 0.9 < lo < 0.96
    assert value_range([0.0, 0.5], bounds=(0.0, 1.0))[0] == 0.0
    # One value: a range around it, never an empty one.
    lo, hi = value_range([8.0])
    assert lo < 8.0 < hi


def trajectory_row(week: date, **values) -> dict:
    row = {
        "week_start": week,
        "first_week": date(2026, 1, 5),
        "left_groeistart": date(2026, 1, 12),
        "in_groeistart": False,
        "is_strike_week": False,
        "strike_indicators": None,
        "trajectory_id": None,
        "trajectory_strike_count": 0,
        "action": None,
        "consecutive_clean_weeks": 1,
        "trajectory_status": "NONE",
    }
    row.update(values)
    return row


def test_an_open_trajectory_says_what_a_next_strike_means_and_how_many_clean_weeks_remain():
    week = date(2026, 3, 2)
    rows = [
        trajectory_row(
            date(2026, 2, 2),
            is_strike_week=True,
            strike_indicators="CANCELLATIONS,FULFILMENT",
            trajectory_id=1,
            trajectory_strike_count=4,
            action="MAIL",
            consecutive_clean_weeks=0,
            trajectory_status="OPEN",
        ),
        trajectory_row(
            week,
            trajectory_id=1,
            trajectory_strike_count=4,
            consecutive_clean_weeks=4,
            trajectory_status="OPEN",
        ),
    ]
    t = trajectory_context(rows, week)
    assert t["status"] == "OPEN" and t["strike_count"] == 4
    assert "A next strike means: temporary closure" in t["summary"]
    assert "4 of 24 consecutive weeks without a strike: 20 more" in t["summary"]
    assert [s["done"] for s in t["steps"]] == [True] * 4 + [False] * 3
    assert [s["number"] for s in t["steps"] if s["current"]] == [4]
    assert [(e["label"], e["event"]) for e in t["events"]] == [
        ("2026-W02", "First week measured"),
        ("2026-W03", "GroeiStart ended"),
        ("2026-W06", "Strike"),
    ]
    assert t["events"][-1]["detail"] == (
        "on CANCELLATIONS, FULFILMENT; strike 4 of trajectory 1: mail"
    )
    assert 'data-week="2026-02-02"' in t["timeline"]


def test_strikes_after_a_closure_are_listed_once_and_the_closure_week_is_named() -> None:
    week = date(2026, 3, 2)
    closure = trajectory_row(
        date(2026, 2, 2),
        is_strike_week=True,
        strike_indicators="HANDOVER",
        trajectory_id=1,
        trajectory_strike_count=7,
        action="DEFINITIVE_CLOSURE",
        consecutive_clean_weeks=0,
        trajectory_status="CLOSED",
    )
    after = [
        trajectory_row(
            date(2026, 2, 2) + timedelta(weeks=n),
            is_strike_week=True,
            strike_indicators="HANDOVER",
            trajectory_id=1,
            trajectory_strike_count=7,
            consecutive_clean_weeks=0,
            trajectory_status="CLOSED",
        )
        for n in (1, 2, 3, 4)
    ]
    t = trajectory_context([closure, *after], week)
    assert t["summary"] == "The shop is closed definitively (since 2026-W06)."
    assert all(s["done"] for s in t["steps"])
    strikes_after = [e for e in t["events"] if e["event"] == "Strikes after the closure"]
    assert len(strikes_after) == 1
    assert strikes_after[0]["detail"] == (
        "4 weeks with a strike from 2026-W07 to 2026-W10; no further action"
    )
    # The chart still marks each of them.
    assert t["timeline"].count('class="event strike"') == 4


def test_a_seller_without_a_trajectory_in_groeistart_is_told_so() -> None:
    week = date(2026, 1, 12)
    t = trajectory_context([trajectory_row(week, in_groeistart=True, left_groeistart=None)], week)
    assert t["status"] == "NONE" and not any(s["done"] for s in t["steps"])
    assert "No improvement trajectory is open" in t["summary"]
    assert "GroeiStart" in t["summary"]


def test_the_number_of_workers_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SERVICENORMS_PAGES_WORKERS", "3")
    assert pages.pages_workers() == 3
    monkeypatch.setenv("SERVICENORMS_PAGES_WORKERS", "0")
    with pytest.raises(PagesError, match="must be at least 1"):
        pages.pages_workers()
    monkeypatch.setenv("SERVICENORMS_PAGES_WORKERS", "many")
    with pytest.raises(PagesError, match="is not a whole number"):
        pages.pages_workers()
    monkeypatch.delenv("SERVICENORMS_PAGES_WORKERS")
    assert 1 <= pages.pages_workers() <= 4


def test_a_copy_without_any_week_has_no_pages_to_write(tmp_path: Path) -> None:
    empty = tmp_path / "published.duckdb"
    con = duckdb.connect(str(empty))
    con.execute("create schema marts")
    for mart in pages.REQUIRED_MARTS:
        con.execute(f"create table marts.{mart} (week_start date, seller_id varchar)")
    con.close()
    assert weeks_to_build(empty, None) == []
    with pytest.raises(PagesError, match="the published marts hold no week yet"):
        build_site(empty, tmp_path / "site")
