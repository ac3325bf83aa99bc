"""Publishing the marts: a run replaces only the weeks it rewrote since the copy
it replaces (its own week window, recorded before it writes), and copies a table
whole whenever that cannot be shown to be the same.

The warehouse here is hand-made: two marts, rewritten the way the dbt models do,
with the rewrites recorded the way the marts step does (`rewrites_of_run`,
`mark_pending`); the dbt side is covered by tests/e2e/test_orchestration.py and
tests/e2e/test_rerun_week.py, whose published copies must equal the warehouse after
every run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import (
    mark_pending,
    pending_path,
    publish_marts,
    rewrites_of_run,
    week_window_marts,
)
from orchestration.weeks import week_window_vars

W1, W2, W3, W4 = date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)
MARTS = ["platform_week_summary", "seller_week_indicators"]
# The week-window marts of this warehouse and how far past its window each rewrites.
WEEKS_AFTER = {"seller_week_indicators": 0}


def _execute(database: Path, *statements: str) -> None:
    con = duckdb.connect(str(database))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def _rows(database: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return sorted(con.execute(f"select * from marts.{table}").fetchall())
    finally:
        con.close()


def _create(database: Path) -> None:
    _execute(
        database,
        "create schema marts",
        "create table marts.seller_week_indicators as select * from (values "
        f"(date '{W1}', 'S1', 10), (date '{W2}', 'S1', 20), (date '{W3}', 'S1', 30), "
        f"(date '{W1}', 'S2', 11)) as t(week_start, seller_id, score)",
        "create table marts.platform_week_summary as select 3 as weeks",
    )


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """Weeks W1..W3 of a week-window mart (written in full) and a small table."""
    database = tmp_path / "warehouse.duckdb"
    _create(database)
    return database


def _run_marts_step(published: Path, week: date | None, existing=MARTS, full_refresh=False):
    """What the marts step records before it writes: the run's rewrites."""
    window = week_window_vars(week, week) if week is not None else {}
    mark_pending(
        published, rewrites_of_run(MARTS, window, WEEKS_AFTER, existing, full_refresh)
    )


def _replace_week(database: Path, published: Path, week: date, score: int) -> None:
    """What a weekly run of the marts does: record its window, delete the week,
    append it again, rebuild the small table whole."""
    _run_marts_step(published, week)
    _execute(
        database,
        f"delete from marts.seller_week_indicators where week_start = date '{week}'",
        f"insert into marts.seller_week_indicators values (date '{week}', 'S1', {score}), "
        f"(date '{week}', 'S3', {score + 1})",
        "update marts.platform_week_summary set weeks = weeks + 1",
    )


def _tamper_outside_the_window(published: Path) -> None:
    """A row of W1 the next publication must leave alone if it only replaces weeks."""
    _execute(
        published,
        f"update marts.seller_week_indicators set score = -1 "
        f"where week_start = date '{W1}' and seller_id = 'S2'",
    )


def test_a_first_publication_copies_every_table(live: Path, tmp_path: Path) -> None:
    published = tmp_path / "published" / "servicenorms_marts.duckdb"
    tables = publish_marts(live, published)
    assert {t: p.how for t, p in tables.items()} == {
        "platform_week_summary": "copied",
        "seller_week_indicators": "copied",
    }
    assert tables["seller_week_indicators"].rows == 4
    for table in tables:
        assert _rows(published, table) == _rows(live, table)


def test_a_weekly_write_replaces_only_its_weeks(live: Path, tmp_path: Path) -> None:
    published = tmp_path / "published.duckdb"
    publish_marts(live, published)
    _replace_week(live, published, W3, 33)
    _replace_week(live, published, W2, 22)
    _tamper_outside_the_window(published)

    tables = publish_marts(live, published)

    assert tables["seller_week_indicators"].how == "weeks"
    assert tables["seller_week_indicators"].weeks == (W2, W4)  # both writes since
    assert tables["platform_week_summary"].how == "copied"  # no weeks: rewritten whole
    rows = _rows(published, "seller_week_indicators")
    # Weeks W2 and W3 are the warehouse's; W1 was not copied again.
    expected = _rows(live, "seller_week_indicators")
    assert [r for r in rows if r[0] != W1] == [r for r in expected if r[0] != W1]
    assert (W1, "S2", -1) in rows
    assert _rows(published, "platform_week_summary") == [(5,)]


def test_nothing_written_since_leaves_the_table_as_it_was(live: Path, tmp_path: Path) -> None:
    published = tmp_path / "published.duckdb"
    publish_marts(live, published)
    _tamper_outside_the_window(published)
    tables = publish_marts(live, published)
    assert tables["seller_week_indicators"].how == "unchanged"
    assert (W1, "S2", -1) in _rows(published, "seller_week_indicators")


@pytest.mark.parametrize(
    "change",
    ["a full write", "another warehouse", "other columns", "no record held"],
)
def test_a_table_is_copied_whole_when_its_weeks_cannot_be_trusted(
    live: Path, tmp_path: Path, change: str
) -> None:
    published = tmp_path / "published.duckdb"
    publish_marts(live, published)
    _replace_week(live, published, W3, 33)
    if change == "a full write":
        _run_marts_step(published, W3, full_refresh=True)
    elif change == "another warehouse":
        # Rebuilt in place: its marts step finds no table and builds every week.
        live.unlink()
        _create(live)
        _run_marts_step(published, W3, existing=[])
        _execute(
            live, f"update marts.seller_week_indicators set score = 7 where week_start = '{W2}'"
        )
    elif change == "other columns":
        _execute(live, "alter table marts.seller_week_indicators add column note varchar")
    else:
        _execute(published, "drop table publication.published_copy")
    _tamper_outside_the_window(published)

    tables = publish_marts(live, published)

    assert tables["seller_week_indicators"].how == "copied"
    assert _rows(published, "seller_week_indicators") == _rows(live, "seller_week_indicators")


def test_a_table_gone_from_the_warehouse_goes_from_the_copy(live: Path, tmp_path: Path) -> None:
    published = tmp_path / "published.duckdb"
    publish_marts(live, published)
    _execute(live, "create table marts.extra as select 1 as x")
    mark_pending(published, {"extra": None})
    publish_marts(live, published)
    assert _rows(published, "extra") == [(1,)]
    _execute(live, "drop table marts.extra")
    _replace_week(live, published, W2, 22)

    tables = publish_marts(live, published)

    assert "extra" not in tables and tables["seller_week_indicators"].how == "weeks"
    con = duckdb.connect(str(published), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()]
    finally:
        con.close()
    assert names == ["platform_week_summary", "seller_week_indicators"]


KILLED_BEFORE_THE_SWAP = """
import os, signal, sys
import orchestration.publish as publish
# The copy is written aside; the process dies where the swap would be.
os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
publish.publish_marts(sys.argv[1], sys.argv[2])
"""


def test_a_publication_killed_before_its_swap_leaves_files_the_next_one_removes(
    live: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    published = tmp_path / "published" / "servicenorms_marts.duckdb"
    killed = subprocess.Popen(
        [sys.executable, "-c", KILLED_BEFORE_THE_SWAP, str(live), str(published)]
    )
    assert killed.wait() == -9
    leftovers = sorted(p.name for p in published.parent.iterdir())
    assert leftovers == [f".servicenorms_marts.duckdb.{killed.pid}.tmp"]
    # A publication in progress in another process keeps its file.
    writing = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        in_progress = published.with_name(f".servicenorms_marts.duckdb.{writing.pid}.tmp")
        in_progress.write_bytes(b"being written")
        publish_marts(live, published)
        assert sorted(p.name for p in published.parent.iterdir()) == sorted(
            [published.name, in_progress.name]
        )
    finally:
        writing.kill()
        writing.wait()
    assert _rows(published, "seller_week_indicators") == _rows(live, "seller_week_indicators")


def test_a_run_that_failed_before_publishing_leaves_its_weeks_to_the_next_publication(
    live: Path, tmp_path: Path
) -> None:
    """Run A rewrites W1 and fails before its publication; run B rewrites W3 and
    publishes: the copy takes W1 too, though B's window is W3 alone."""
    published = tmp_path / "published.duckdb"
    publish_marts(live, published)
    _replace_week(live, published, W1, 15)  # run A: no publication
    _replace_week(live, published, W3, 33)  # run B
    tables = publish_marts(live, published)
    assert tables["seller_week_indicators"].how == "weeks"
    assert tables["seller_week_indicators"].weeks == (W1, W4)
    assert _rows(published, "seller_week_indicators") == _rows(live, "seller_week_indicators")
    # Published, the weeks are no longer pending: the next run starts afresh.
    assert not pending_path(published).exists()
    _tamper_outside_the_window(published)
    assert publish_marts(live, published)["seller_week_indicators"].how == "unchanged"


def test_an_unreadable_record_of_pending_weeks_copies_every_table_whole(
    live: Path, tmp_path: Path
) -> None:
    published = tmp_path / "published.duckdb"
    publish_marts(live, published)
    _replace_week(live, published, W3, 33)
    pending_path(published).write_text("{not json")
    _tamper_outside_the_window(published)
    tables = publish_marts(live, published)
    assert {p.how for p in tables.values()} == {"copied"}
    assert _rows(published, "seller_week_indicators") == _rows(live, "seller_week_indicators")


def test_a_run_rewrites_its_window_widened_by_each_marts_dependent_weeks() -> None:
    window = week_window_vars(W2, W2)
    weeks_after = {"indicators": 0, "scores": 5, "trajectories": "all"}
    marts = ["indicators", "scores", "trajectories", "monthly", "new"]
    existing = ["indicators", "scores", "trajectories", "monthly"]
    assert rewrites_of_run(marts, window, weeks_after, existing) == {
        "indicators": (W2, W3),
        "scores": (W2, date(2026, 11, 16)),  # the six-week scores of W2 .. W2+5
        "trajectories": (W2, None),  # every later week carries the state
        "monthly": None,  # no weeks: whole
        "new": None,  # built from nothing: every week
    }
    # A full refresh, or a run of every week, rewrites every table whole.
    assert set(rewrites_of_run(marts, window, weeks_after, existing, True).values()) == {None}
    every_week = week_window_vars(None, W2)
    assert set(rewrites_of_run(marts, every_week, weeks_after, existing).values()) == {None}


def test_the_week_window_marts_are_read_from_the_dbt_models_config() -> None:
    from orchestration.defs.resources import ensure_manifest

    assert week_window_marts(ensure_manifest()) == {
        "seller_week_indicators": 0,
        "seller_week_incidents": 0,
        "seller_six_week_scores": 5,
        "seller_trajectory_weeks": "all",
        "seller_notifications": "all",
        "platform_week_summary": "all",
    }
