"""Publishing the marts: a run replaces only the weeks written since the copy it
replaces, and copies a table whole whenever that cannot be shown to be the same.

The warehouse here is hand-made: two marts and the record of writes the dbt
models keep (macros/week_window_writes.sql); the dbt side is covered by
tests/e2e/test_orchestration.py, whose published copies must equal the warehouse
after every run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish_marts

W1, W2, W3, W4 = date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)


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


def _record(database: Path, write_id: int, uuid: str, model: str, mode: str, first=None, end=None):
    first_sql = f"date '{first}'" if first else "null"
    end_sql = f"date '{end}'" if end else "null"
    _execute(
        database,
        f"insert into audit.week_window_writes values ({write_id}, '{uuid}', '{model}', '{mode}', "
        f"'week_start', {first_sql}, {end_sql}, now())",
    )


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """Weeks W1..W3 of a week-window mart (written in full) and a small table."""
    database = tmp_path / "warehouse.duckdb"
    _execute(
        database,
        "create schema marts",
        "create schema audit",
        "create table audit.week_window_writes (write_id bigint, write_uuid varchar, "
        "model varchar, mode varchar, week_column varchar, week_start_min date, week_end date, "
        "written_at timestamptz)",
        "create table marts.seller_week_indicators as select * from (values "
        f"(date '{W1}', 'S1', 10), (date '{W2}', 'S1', 20), (date '{W3}', 'S1', 30), "
        f"(date '{W1}', 'S2', 11)) as t(week_start, seller_id, score)",
        "create table marts.platform_week_summary as select 3 as weeks",
    )
    _record(database, 1, "u1", "seller_week_indicators", "full")
    return database


def _replace_week(database: Path, week: date, score: int, write_id: int, uuid: str) -> None:
    """What a weekly run of the mart does: delete the week, append it, record the write."""
    _execute(
        database,
        f"delete from marts.seller_week_indicators where week_start = date '{week}'",
        f"insert into marts.seller_week_indicators values (date '{week}', 'S1', {score}), "
        f"(date '{week}', 'S3', {score + 1})",
        "update marts.platform_week_summary set weeks = weeks + 1",
    )
    end = date.fromordinal(week.toordinal() + 7)
    _record(database, write_id, uuid, "seller_week_indicators", "window", week, end)


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
    _replace_week(live, W3, 33, write_id=2, uuid="u2")
    _replace_week(live, W2, 22, write_id=3, uuid="u3")
    _tamper_outside_the_window(published)

    tables = publish_marts(live, published)

    assert tables["seller_week_indicators"].how == "weeks"
    assert tables["seller_week_indicators"].weeks == (W2, W4)  # both writes since
    assert tables["platform_week_summary"].how == "copied"  # no record of writes
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
    _replace_week(live, W3, 33, write_id=2, uuid="u2")
    if change == "a full write":
        _record(live, 3, "u3", "seller_week_indicators", "full")
    elif change == "another warehouse":
        # Rebuilt in place: its record starts again, with the same ids.
        _execute(live, "update audit.week_window_writes set write_uuid = write_uuid || '-rebuilt'")
    elif change == "other columns":
        _execute(live, "alter table marts.seller_week_indicators add column note varchar")
    else:
        _execute(published, "delete from publication.mart_writes")
    _tamper_outside_the_window(published)

    tables = publish_marts(live, published)

    assert tables["seller_week_indicators"].how == "copied"
    assert _rows(published, "seller_week_indicators") == _rows(live, "seller_week_indicators")


def test_a_table_gone_from_the_warehouse_goes_from_the_copy(live: Path, tmp_path: Path) -> None:
    published = tmp_path / "published.duckdb"
    publish_marts(live, published)
    _execute(live, "create table marts.extra as select 1 as x")
    publish_marts(live, published)
    assert _rows(published, "extra") == [(1,)]
    _execute(live, "drop table marts.extra")
    _replace_week(live, W2, 22, write_id=2, uuid="u2")

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
publish.os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
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
