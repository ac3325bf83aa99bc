"""marts.seller_week_incidents on generated data: a weekly re-run updates the
incidents like the counts (the rules themselves: tests/integration/test_incidents.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from incident_counts import assert_incidents_match_counts


def _query(path: Path, sql: str, *params: object) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _week_of(path: Path, table: str, week) -> list[tuple]:
    return _query(path, f"select * from {table} where week_start = ? order by all", week)


def _full_rebuild(warehouse: Path, copy: Path, last) -> Path:
    """The same landed data built from raw for every week, in a copy."""
    import shutil

    import duckdb

    from orchestration.pipeline import build_weeks

    con = duckdb.connect(str(warehouse))
    con.execute("checkpoint")
    con.close()
    copy.unlink(missing_ok=True)
    shutil.copy(warehouse, copy)
    build_weeks(copy, None, last, full_refresh=True)
    return copy


CIRCUMSTANCE_HEADER = (
    "circumstance_id,starts_on,ends_on,scope,transporter_code,country,indicators,effect,"
    "description,withdrawn\n"
)


def test_a_re_run_week_lists_the_incidents_of_a_correction_and_of_circumstances(
    tmp_path: Path,
) -> None:
    """Re-running a past week after a correction batch, after an EXCLUDE_EVENTS
    circumstance lands and after it is withdrawn: each time the week's incidents
    equal those of a full rebuild from raw and, per seller and indicator, its
    incident_count."""
    from datetime import timedelta

    from orchestration.generator import generate
    from orchestration.ingest.landing import land_directory
    from orchestration.pipeline import build_weeks
    from orchestration.weeks import parse_iso_week

    landing, warehouse = tmp_path / "landing", tmp_path / "weekly.duckdb"
    generate(landing, sellers=8, weeks=5, start_week="2025-W40", seed=11)
    last = parse_iso_week("2025-W40") + timedelta(weeks=4)
    past = last - timedelta(weeks=2)
    land_directory(landing, warehouse)
    build_weeks(warehouse, None, last, full_refresh=True)
    assert_incidents_match_counts(warehouse)
    tables = ("marts.seller_week_incidents", "main.fct_seller_week_indicator_counts")

    def re_run(step: str, compare_to_full_rebuild: bool = True) -> list[tuple]:
        land_directory(landing, warehouse)
        build_weeks(warehouse, past, past, last_finalised=last)
        if compare_to_full_rebuild:
            full = _full_rebuild(warehouse, tmp_path / f"full-{step}.duckdb", last)
            for table in tables:
                assert _week_of(warehouse, table, past) == _week_of(full, table, past), (
                    step, table
                )
        assert_incidents_match_counts(warehouse, past)
        return _week_of(warehouse, "marts.seller_week_incidents", past)

    original = _week_of(warehouse, "marts.seller_week_incidents", past)

    # A correction batch: five FBR items promised in the week turn out cancelled by
    # their seller in that week (FULFILMENT loses them, CANCELLATIONS gains them).
    import duckdb

    con = duckdb.connect(str(warehouse))
    corrected = [r[0] for r in con.execute(
        "select order_item_id from intermediate.int_order_items_measured "
        "where fulfilment_method = 'FBR' and shipping_method = 'OWN' and not is_cancelled "
        "and promise_week = ? order by order_item_id limit 5", [past],
    ).fetchall()]
    con.execute(
        f"copy (select order_item_id, timestamptz '{past + timedelta(days=2)} 12:00:00+00' "
        "as cancelled_at, 'SELLER' as initiated_by, 'OUT_OF_STOCK' as reason_code "
        f"from (values {', '.join(f'({i!r})' for i in corrected)}) as t(order_item_id)) "
        f"to '{landing / 'cancellations' / '9999-correction.csv'}' (header)"
    )
    con.close()
    after_correction = re_run("correction")
    cancelled = {r[6] for r in after_correction if r[4] == "CANCELLATIONS"}  # event_id
    assert set(corrected) <= cancelled and after_correction != original

    # An EXCLUDE_EVENTS circumstance over the week's Tuesday to Thursday, every indicator.
    folder = landing / "mitigating_circumstances"
    folder.mkdir(exist_ok=True)
    window = f"{past + timedelta(days=1)},{past + timedelta(days=3)}"
    (folder / "9999-a.csv").write_text(
        CIRCUMSTANCE_HEADER + f"MC-INC,{window},PLATFORM,,ALL,ALL,EXCLUDE_EVENTS,outage,\n"
    )
    excluded = re_run("circumstance")
    assert len(excluded) < len(after_correction)
    # no event dated in the window (event_date) is left
    assert not [r for r in excluded if past + timedelta(days=1) <= r[8] <= past + timedelta(days=3)]

    # Withdrawn again: the week's incidents come back (those of the full rebuild above).
    (folder / "9999-b.csv").write_text(
        CIRCUMSTANCE_HEADER + f"MC-INC,{window},PLATFORM,,ALL,ALL,EXCLUDE_EVENTS,outage,true\n"
    )
    assert re_run("withdrawn", compare_to_full_rebuild=False) == after_correction

    # The data test fails when a listed incident is missing.
    from orchestration.dbt_runner import DbtError, run_dbt
    from orchestration.weeks import week_window_vars

    _query(warehouse, "delete from marts.seller_week_incidents where event_id = ?", corrected[0])
    with pytest.raises(DbtError, match="incident_rows_per_key_equal_incident_count"):
        run_dbt("test", "--select", "seller_week_incidents", warehouse=warehouse,
                vars=week_window_vars(past, past))
