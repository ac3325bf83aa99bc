"""The real Olist sample end to end: `servicenorms import olist`, then
`servicenorms run` (skipped when the sample is not beside the repository; the
mapping on hand-made Olist files: tests/unit/test_olist.py)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import duckdb
import pytest
from shared_data import olist_sample_dir

from orchestration.cli import main


@pytest.fixture(scope="module")
def olist_run(tmp_path_factory: pytest.TempPathFactory):
    sample = olist_sample_dir()
    if not (sample / "olist_orders_dataset.csv").is_file():
        pytest.skip(
            f"the Olist sample is not at {sample} (set SERVICENORMS_OLIST_SAMPLE or "
            "SERVICENORMS_SHARED to run it)"
        )
    root = tmp_path_factory.mktemp("olist")
    landing, warehouse = root / "landing", root / "warehouse" / "servicenorms.duckdb"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["import", "olist", str(sample), "--out", str(landing)]) == 0
    printed = out.getvalue()
    (hint,) = [line for line in printed.splitlines() if "servicenorms run" in line]
    as_of = hint.split("--as-of ")[1]
    with contextlib.redirect_stdout(out):
        code = main(
            ["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", as_of]
        )
    assert code == 0, out.getvalue()
    return sample, warehouse, out.getvalue()


def published(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(
        str(warehouse.parent / "published" / "servicenorms_marts.duckdb"), read_only=True
    )
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_olist_sample_lands_whole(olist_run) -> None:
    _, _, out = olist_run
    assert "0 rejected" in out and ", 0 quarantined" in out


def test_fulfilment_of_every_seller_week_is_olists_delivery_against_its_estimate(
    olist_run,
) -> None:
    sample, warehouse, _ = olist_run
    # Computed straight from Olist's files: items of orders not cancelled, by the
    # week of the estimated date; on time = delivered on or before that date.
    expected = duckdb.sql(
        f"""
        select items.seller_id,
               cast(date_trunc('week', orders.order_estimated_delivery_date::timestamp) as date),
               count(*) filter (where orders.order_delivered_customer_date::timestamp::date
                                <= orders.order_estimated_delivery_date::timestamp::date),
               count(*)
        from read_csv('{sample}/olist_order_items_dataset.csv', all_varchar = true) as items
        join read_csv('{sample}/olist_orders_dataset.csv', all_varchar = true) as orders
            using (order_id)
        where orders.order_status not in ('canceled', 'unavailable')
        group by all order by all
        """
    ).fetchall()
    actual = published(
        warehouse,
        "select seller_id, week_start, numerator, denominator from marts.seller_week_indicators "
        "where indicator = 'FULFILMENT' order by all",
    )
    assert len(actual) > 1000
    assert actual == expected


def test_reviews_are_twice_the_stars_and_cancellations_count_the_sellers_own(olist_run) -> None:
    sample, warehouse, _ = olist_run
    grades = published(
        warehouse,
        "select min(value), max(value) from marts.seller_week_indicators "
        "where indicator = 'REVIEWS'",
    )[0]
    assert 2 <= grades[0] <= grades[1] <= 10
    unavailable_items = duckdb.sql(
        f"""
        select count(*)
        from read_csv('{sample}/olist_order_items_dataset.csv', all_varchar = true) as items
        join read_csv('{sample}/olist_orders_dataset.csv', all_varchar = true) as orders
            using (order_id)
        where orders.order_status = 'unavailable'
        """
    ).fetchone()[0]
    counted = published(
        warehouse,
        "select sum(numerator) from marts.seller_week_indicators where indicator = 'CANCELLATIONS'",
    )[0][0]
    assert counted == unavailable_items


def test_what_olist_cannot_feed_stays_empty_and_no_seller_leaves_groeistart(olist_run) -> None:
    _, warehouse, _ = olist_run
    indicators = dict(
        published(
            warehouse,
            "select indicator, sum(numerator) from marts.seller_week_indicators group by 1",
        )
    )
    assert set(indicators) == {
        "FULFILMENT",
        "CANCELLATIONS",
        "CASE_ITEM_RATIO",
        "RETURNS",
        "REVIEWS",
    }
    # Items exist, questions and returns do not: those ratios are 0, i.e. not measured.
    assert indicators["CASE_ITEM_RATIO"] == indicators["RETURNS"] == 0
    # No Olist seller has 100 orders in the sample: every week is GroeiStart, no strikes.
    assert published(
        warehouse,
        "select count(*) filter (where not in_groeistart), count(*) filter (where is_strike_week)"
        " from marts.seller_trajectory_weeks",
    ) == [(0, 0)]


def test_the_last_olist_week_is_mailed_and_published_as_parquet(olist_run) -> None:
    _, warehouse, out = olist_run
    (last_week,) = published(warehouse, "select max(week_start) from marts.platform_week_summary")[
        0
    ]
    notified = published(
        warehouse,
        f"select count(distinct seller_id) from marts.seller_notifications "
        f"where week_start = '{last_week}'",
    )[0][0]
    year, week, _ = last_week.isocalendar()
    mails = list((warehouse.parent / "outbox" / f"{year}-W{week:02d}").glob("*.eml"))
    assert len(mails) == notified > 0
    assert (warehouse.parent / "published" / "parquet" / "seller_week_indicators").is_dir()
