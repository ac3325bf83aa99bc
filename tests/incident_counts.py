"""The incidents listed in marts.seller_week_incidents add up to the marts' counts."""

from __future__ import annotations

from pathlib import Path


def assert_incidents_match_counts(warehouse: Path, week=None) -> None:
    """Every seller-week-indicator (of `week`, or all) lists incident_count incidents."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        mismatches = con.execute(
            """
            with listed as (
                select seller_id, week_start, indicator, count(*) as listed
                from marts.seller_week_incidents group by all
            )
            select i.seller_id, i.week_start, i.indicator, i.incident_count, l.listed
            from (select * from marts.seller_week_indicators where indicator <> 'REVIEWS') as i
            full outer join listed as l using (seller_id, week_start, indicator)
            where coalesce(i.incident_count, 0) <> coalesce(l.listed, 0)
                and ($week is null or coalesce(i.week_start, l.week_start) = $week)
            """,
            {"week": week},
        ).fetchall()
        (listed,) = con.execute(
            "select count(*) from marts.seller_week_incidents where $week is null "
            "or week_start = $week",
            {"week": week},
        ).fetchone()
    finally:
        con.close()
    assert mismatches == [] and listed > 0
