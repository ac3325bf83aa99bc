"""marts.seller_outlook on generated data: it agrees with the finalised marts, its
figures are what docs/metrics.md says (what it takes, the binomial risk), and the
risk ranks the sellers who strike the next week (the backtest). The worked
examples are dbt unit tests (models/marts/_unit_tests.yml)."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from orchestration.backtest import run_backtest


def rows(warehouse: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(warehouse))
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()


@pytest.fixture(scope="module")
def outlook(demo_warehouse: Path) -> list[dict]:
    found = rows(demo_warehouse, "select * from marts.seller_outlook order by seller_id, indicator")
    assert len(found) > 500
    return found


def test_the_outlook_is_as_of_the_latest_finalised_week_and_repeats_its_marts(
    demo_warehouse: Path, outlook: list[dict]
) -> None:
    (latest,) = rows(demo_warehouse, "select max(week_start) as w from marts.platform_week_summary")
    assert {r["week_start"] for r in outlook} == {latest["w"]}
    scores = {
        (r["seller_id"], r["indicator"]): r
        for r in rows(
            demo_warehouse,
            "select * from marts.seller_six_week_scores where week_start = ?", [latest["w"]],
        )
    }
    assert set(scores) == {(r["seller_id"], r["indicator"]) for r in outlook}
    for r in outlook:
        score = scores[(r["seller_id"], r["indicator"])]
        for column in ("numerator_6w", "denominator_6w", "value_6w", "norm_condition",
                       "norm_value", "conforms_6w"):
            assert r[column] == score[column], (r["seller_id"], r["indicator"], column)
    trajectory = {
        r["seller_id"]: r
        for r in rows(
            demo_warehouse,
            "select * from marts.seller_trajectory_weeks where week_start = ?", [latest["w"]],
        )
    }
    statuses = set()
    for r in outlook:
        t = trajectory[r["seller_id"]]
        for column in ("trajectory_status", "trajectory_id", "trajectory_strike_count",
                       "consecutive_clean_weeks"):
            assert r[column] == t[column]
        statuses.add(r["trajectory_status"])
        if t["trajectory_status"] == "OPEN":
            assert r["strikes_until_definitive_closure"] == 7 - t["trajectory_strike_count"]
            assert r["clean_weeks_to_complete"] == 24 - t["consecutive_clean_weeks"]
    assert {"OPEN", "NONE"} <= statuses


def _meets(value: float, condition: str, norm: float) -> bool:
    return value >= norm if condition == ">=" else value <= norm


def _week_value(condition: str, failures: int, volume: int) -> float:
    return ((volume - failures) if condition == ">=" else failures) * 1.0 / volume


def test_allowed_failures_are_the_most_with_which_next_week_still_conforms(
    outlook: list[dict],
) -> None:
    checked = 0
    for r in outlook:
        n, allowed = r["median_weekly_denominator"], r["allowed_failures_next_week"]
        if r["indicator"] == "REVIEWS" or not n:
            assert allowed is None
            continue
        condition, norm = r["norm_condition"], r["norm_value"]
        assert _meets(_week_value(condition, allowed, n), condition, norm)
        assert allowed == n or not _meets(_week_value(condition, allowed + 1, n), condition, norm)
        checked += 1
    assert checked > 200


def test_the_median_weekly_volume_counts_weeks_without_events_as_zero(
    demo_warehouse: Path, outlook: list[dict]
) -> None:
    weekly: dict[tuple[str, str], list[int]] = {}
    for r in rows(
        demo_warehouse,
        """
        select o.seller_id, o.indicator, coalesce(c.denominator, 0) as denominator
        from marts.seller_outlook as o
        cross join range(6) as w(back)
        left join fct_seller_week_indicator_counts as c
            on c.seller_id = o.seller_id and c.indicator = o.indicator
            and c.week_start = o.week_start - 7 * cast(w.back as integer)
        where o.indicator <> 'REVIEWS'
        """,
    ):
        weekly.setdefault((r["seller_id"], r["indicator"]), []).append(r["denominator"])
    for r in outlook:
        if r["indicator"] == "REVIEWS":
            continue
        volumes = sorted(weekly[(r["seller_id"], r["indicator"])])
        assert r["median_weekly_denominator"] == math.floor((volumes[2] + volumes[3] + 1) / 2)


def _binomial_at_least(n: int, p: float, k: int) -> float:
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    return max(0.0, 1 - sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k)))


def test_breach_and_strike_risks_are_binomial_at_the_six_week_incident_rate(
    demo_warehouse: Path, outlook: list[dict]
) -> None:
    sellers = {
        r["seller_id"]: r["groeistart_last_week"]
        for r in rows(demo_warehouse, "select * from intermediate.int_sellers")
    }
    by_seller: dict[str, list[float]] = {}
    positive = 0
    for r in outlook:
        if r["indicator"] == "REVIEWS":
            assert r["breach_risk_next_week"] is None
            continue
        n = r["median_weekly_denominator"]
        if not n:
            expected = 0.0
        else:
            rate = min(r["incidents_6w"] / r["denominator_6w"], 1.0)
            breach_at = max(r["allowed_failures_next_week"] + 1, r["incident_floor"])
            expected = _binomial_at_least(n, rate, breach_at)
        assert r["breach_risk_next_week"] == pytest.approx(expected, abs=1e-9)
        groeistart = sellers[r["seller_id"]]
        next_week = r["week_start"].toordinal() + 7
        can_strike = r["indicator_kind"] == "STRIKE" and (
            groeistart is not None and groeistart.toordinal() < next_week
        )
        # (no NO_STRIKE circumstance covers the week after the demo's last)
        assert r["strike_risk_next_week"] == (r["breach_risk_next_week"] if can_strike else 0.0)
        by_seller.setdefault(r["seller_id"], []).append(r["strike_risk_next_week"])
        positive += r["strike_risk_next_week"] > 0.01
    assert positive > 5
    for r in outlook:
        risks = by_seller.get(r["seller_id"], [])
        if risks:
            assert r["seller_strike_risk_next_week"] == pytest.approx(
                1 - math.prod(1 - x for x in risks), abs=1e-9
            )


def test_the_strike_risk_ranks_the_sellers_who_strike_the_next_week(demo_warehouse: Path) -> None:
    """The backtest at small scale: the outlook as of every week but the last
    against the strike weeks that followed (the `tenth` figure: docs/metrics.md)."""
    result = run_backtest(demo_warehouse)
    assert result.weeks >= 25 and result.strikes >= 50
    base_rate = result.strikes / result.seller_weeks
    assert result.auc is not None and result.auc > 0.75, result
    assert result.precision_at_k is not None and result.precision_at_k > 3 * base_rate, result
    assert result.mean_risk_of_strikers > 3 * result.mean_risk_of_others, result
    # Calibrated to within a factor of two: as many strikes expected as happened.
    assert 0.5 < result.expected_strikes / result.strikes < 2, result
