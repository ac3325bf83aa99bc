"""Re-running a past week (`servicenorms run --week`) changes only what its data
changes: with no new data every mart and the published copy stay byte for byte
the same; with a correction landed for the week, only that week and the weeks
that depend on it change (its six-week windows, the later trajectory states),
and the result is what a run of every week gives."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from cli_runs import succeeded
from conftest import OPERATED_FIRST_WEEK, OperatedWarehouse

from orchestration.weeks import iso_week_key, parse_iso_week

FIRST = parse_iso_week(OPERATED_FIRST_WEEK)
# The week re-run: its six-week scores (W .. W+5) reach the weeks after the last
# generated one, which only late files (reviews, answers, returns) make measured.
RERUN_WEEK = FIRST + timedelta(weeks=7)


def week_digests(database: Path) -> dict[tuple[str, date | None], str]:
    """A hash of every mart's rows per week (`week_start`; None: the whole table),
    in a total order."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        out: dict[tuple[str, date | None], str] = {}
        for table in tables:
            columns = [r[0] for r in con.execute(f"describe marts.{table}").fetchall()]
            by_week: dict[date | None, list[tuple]] = {}
            for row in con.execute(f"select * from marts.{table} order by all").fetchall():
                week = row[columns.index("week_start")] if "week_start" in columns else None
                by_week.setdefault(week, []).append(row)
            for week, rows in by_week.items():
                out[(table, week)] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def test_re_running_a_past_week_without_new_data_leaves_every_mart_and_the_copy_identical(
    operated_warehouse: OperatedWarehouse, tmp_path: Path
) -> None:
    wh = operated_warehouse.copy_to(tmp_path)
    live, published = week_digests(wh.warehouse), week_digests(wh.published)
    assert live == published
    # The weeks after the last generated one are measured (late files) and carry
    # six-week scores and trajectory states: the weeks a re-run used to drop.
    last_generated = FIRST + timedelta(weeks=9)
    summary_weeks = sorted(w for t, w in live if t == "platform_week_summary")
    assert summary_weeks[-1] > last_generated
    assert any(t == "seller_six_week_scores" and w > last_generated for t, w in live)

    succeeded(wh.run("--week", iso_week_key(RERUN_WEEK)))

    assert week_digests(wh.warehouse) == live
    assert week_digests(wh.published) == live


def _correct_deliveries_of(warehouse: Path, landing: Path, week: date) -> int:
    """Land-ready correction: every item promised in `week` and confirmed RECEIVED is
    NOT_RECEIVED after all (the file sorts after every generated one, so it wins)."""
    target = landing / "delivery_confirmations" / "zz-correction.csv"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(
            "copy (select c.order_item_id, c.asked_at, 'NOT_RECEIVED' as answer "
            "from staging.stg_raw__delivery_confirmations as c "
            "inner join intermediate.int_order_items_measured as m using (order_item_id) "
            "where m.promise_week = ? and c.answer = 'RECEIVED' order by all) "
            f"to '{target}' (header)",
            [week],
        )
        (rows,) = con.execute(f"select count(*) from read_csv('{target}')").fetchone()
    finally:
        con.close()
    return rows


def test_a_correction_re_run_for_its_week_changes_only_that_week_and_what_depends_on_it(
    operated_warehouse: OperatedWarehouse, tmp_path: Path
) -> None:
    wh = operated_warehouse.copy_to(tmp_path)
    before = week_digests(wh.warehouse)
    assert _correct_deliveries_of(wh.warehouse, wh.landing, RERUN_WEEK) > 10

    succeeded(wh.run("--week", iso_week_key(RERUN_WEEK)))
    after = week_digests(wh.warehouse)

    six_weeks_on = RERUN_WEEK + timedelta(weeks=5)
    may_change = {
        "seller_week_indicators": lambda w: w == RERUN_WEEK,
        "seller_week_incidents": lambda w: w == RERUN_WEEK,
        # as of the latest week, whose six-week window and trajectory see the week
        "seller_outlook": lambda w: w >= RERUN_WEEK,
        "seller_six_week_scores": lambda w: RERUN_WEEK <= w <= six_weeks_on,
        "seller_trajectory_weeks": lambda w: w >= RERUN_WEEK,
        "seller_notifications": lambda w: w >= RERUN_WEEK,
        "platform_week_summary": lambda w: w >= RERUN_WEEK,
    }
    assert set(after) == set(before)  # no week appeared or vanished
    changed = {key for key in before if after[key] != before[key]}
    unexpected = sorted(
        (table, week) for table, week in changed
        if week is None or not may_change.get(table, lambda _: False)(week)
    )
    assert unexpected == []
    assert ("seller_week_indicators", RERUN_WEEK) in changed
    assert ("seller_week_incidents", RERUN_WEEK) in changed
    assert ("seller_six_week_scores", six_weeks_on) in changed  # the last pool holding it
    assert week_digests(wh.published) == after

    # What a run of every finalised week makes of the same landed data.
    succeeded(wh.run())
    assert week_digests(wh.warehouse) == after


def test_a_run_publishes_its_own_weeks_and_those_of_a_run_that_failed_to_publish(
    operated_warehouse: OperatedWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A correction re-run for its week whose publication fails, then a run of the
    next week: the copy takes both runs' weeks (the first run's were pending) and
    nothing else, so it equals the warehouse but for a row planted outside them."""
    from orchestration.defs import assets

    wh = operated_warehouse.copy_to(tmp_path)
    before = week_digests(wh.warehouse)
    planted = f"week_start = date '{FIRST}' and indicator = 'FULFILMENT'"
    con = duckdb.connect(str(wh.published))
    try:
        con.execute(f"update marts.seller_week_indicators set numerator = -1 where {planted}")
    finally:
        con.close()
    assert _correct_deliveries_of(wh.warehouse, wh.landing, RERUN_WEEK) > 10

    def disk_full(*_: object) -> None:
        raise OSError("No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(assets, "publish_marts", disk_full)
        assert wh.run("--week", iso_week_key(RERUN_WEEK))[0] != 0
    corrected = week_digests(wh.warehouse)
    assert corrected[("seller_week_indicators", RERUN_WEEK)] != before[
        ("seller_week_indicators", RERUN_WEEK)
    ]
    assert week_digests(wh.published) != corrected  # not published

    succeeded(wh.run("--week", iso_week_key(RERUN_WEEK + timedelta(weeks=1))))

    live, published = week_digests(wh.warehouse), week_digests(wh.published)
    assert live == corrected  # the next week had no new data
    assert {key for key in live if published[key] != live[key]} == {
        ("seller_week_indicators", FIRST)  # the planted row: outside every window run
    }
