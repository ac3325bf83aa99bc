"""Publish a read-only copy of the marts for BI tools and analysts.

The live warehouse has one writer at a time and DuckDB refuses readers while it
writes. Readers therefore open `published/servicenorms_marts.duckdb`, which a run replaces
atomically at its end: the copy is written under a temporary name beside the
target and renamed over it with `os.replace`. A reader that has the old file
open keeps reading the old file (POSIX rename semantics), so a run never fails
because of a reader and a reader never sees a half-written week.

Most of a week's copy is unchanged: a weekly run rewrites a few weeks of the
week-window marts (`seller_week_indicators`, `seller_week_incidents`,
`seller_six_week_scores`, and from the run's first week on `seller_trajectory_weeks`,
`seller_notifications`, `platform_week_summary`). Those marts record every write in the warehouse's
`audit.week_window_writes` (macros/week_window_writes.sql), and the copy records in
`publication.mart_writes` the last write it holds per table. A run then starts from
a byte copy of the current file and replaces in it only the weeks written since. A
table is copied whole when that cannot be shown to give the same rows: no copy yet,
no record of its writes (`seller_monthly_nps`, small and rebuilt whole each run), a
`full` write since, other columns, or a copy whose last write this warehouse never
made (a warehouse rebuilt in its place).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.processes import is_running
from orchestration.sql_text import quote_identifier as _q
from orchestration.sql_text import quote_literal as _lit

MARTS_SCHEMA = "marts"
# In the published file: per table, the last write of the warehouse's record it holds.
STATE_SCHEMA = "publication"
WRITES = "audit.week_window_writes"
# The end of a write with no end (a model rebuilt from its window's first week on):
# macros/time/run_parameters.sql, no_week_end().
NO_WEEK_END = date(2999, 1, 1)


@dataclass(frozen=True)
class PublishedTable:
    """How one table reached the new copy."""

    rows: int
    # 'copied' (whole), 'weeks' (the weeks in [weeks[0], weeks[1]) replaced) or 'unchanged'.
    how: str
    weeks: tuple[date, date] | None = None

    def describe(self) -> str:
        if self.how == "weeks" and self.weeks:
            first, last = self.weeks[0], self.weeks[1] - timedelta(days=7)
            if self.weeks[1] >= NO_WEEK_END:
                return f"weeks from {first} on replaced"
            if first == last:
                return f"week {first} replaced"
            return f"weeks {first} to {last} replaced"
        return self.how


@dataclass(frozen=True)
class _Plan:
    table: str
    how: str
    week_column: str | None = None
    weeks: tuple[date, date] | None = None
    # The last recorded write the new copy holds: (write_id, write_uuid).
    last_write: tuple[int, str] | None = None


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [database, MARTS_SCHEMA, table],
    ).fetchall()


def _has_table(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() "
            "where database_name = ? and schema_name = ? and table_name = ?",
            [database, schema, table],
        ).fetchone()[0]
    )


def plan_publication(con: duckdb.DuckDBPyConnection, previous: str | None) -> list[_Plan]:
    """How each table of `live.marts` reaches the new copy, given the previous copy
    attached as `previous` (None: there is none)."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'live' and schema_name = ? order by table_name",
            [MARTS_SCHEMA],
        ).fetchall()
    ]
    writes: dict[str, list[tuple]] = {}
    if _has_table(con, "live", "audit", "week_window_writes"):
        for row in con.execute(
            f"select model, write_id, write_uuid, mode, week_column, week_start_min, week_end "
            f"from live.{WRITES} order by model, write_id"
        ).fetchall():
            writes.setdefault(row[0], []).append(row[1:])
    held: dict[str, tuple[int, str]] = {}
    if previous is not None and _has_table(con, previous, STATE_SCHEMA, "mart_writes"):
        state = f"{_q(previous)}.{STATE_SCHEMA}.mart_writes"
        held = {
            t: (i, u)
            for t, i, u in con.execute(
                f"select table_name, write_id, write_uuid from {state}"
            ).fetchall()
        }
    plans = []
    for table in tables:
        log = writes.get(table, [])
        last = (log[-1][0], log[-1][1]) if log else None
        since = _writes_since(log, held.get(table))
        same_columns = previous is not None and _columns(con, "live", table) == _columns(
            con, previous, table
        )
        if (
            since is None
            or not same_columns
            or any(w[2] != "window" for w in since)
            or len({w[3] for w in since}) > 1  # weeks of more than one column
        ):
            plans.append(_Plan(table, "copied", last_write=last))
        elif not since:
            plans.append(_Plan(table, "unchanged", last_write=last))
        else:
            weeks = (min(w[4] for w in since), max(w[5] for w in since))
            plans.append(_Plan(table, "weeks", since[0][3], weeks, last))
    return plans


def _writes_since(log: list[tuple], held: tuple[int, str] | None) -> list[tuple] | None:
    """The writes of `log` after the one the previous copy holds; None when that
    write is not in the log (no record, or another warehouse's)."""
    if held is None:
        return None
    for position, write in enumerate(log):
        if (write[0], write[1]) == held:
            return log[position + 1 :]
    return None


# A file written aside by a publication: `.<name>.<pid>.tmp`, and DuckDB's `.wal` of it.
_ASIDE = re.compile(r"^\..+\.(?P<pid>\d+)\.tmp(?:\.wal)?$")


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove what publications killed before their swap left in `folder`: files
    written aside whose process no longer runs (a running one may be mid-write)."""
    removed = []
    for path in Path(folder).iterdir():
        aside = _ASIDE.match(path.name)
        if aside and not path.is_dir() and not is_running(int(aside["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def publish_marts(warehouse: Path, published: Path) -> dict[str, PublishedTable]:
    """Bring a copy of every table of schema `marts` to the state of the live
    warehouse and swap it in (module docstring); returns each table's rows and
    how it was published."""
    published = Path(published)
    published.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(published.parent)
    tmp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):  # this process's own, if any
        leftover.unlink(missing_ok=True)

    out: dict[str, PublishedTable] = {}
    # One connection holds the warehouse (read-only) from the plan to the copy:
    # nothing can write to it in between.
    con = duckdb.connect()
    try:
        con.execute(f"attach {_lit(str(Path(warehouse).resolve()))} as live (read_only)")
        previous = None
        if published.exists():
            con.execute(f"attach {_lit(str(published))} as previous (read_only)")
            previous = "previous"
        plans = plan_publication(con, previous)
        if previous is not None:
            con.execute("detach previous")
        # A byte copy of the previous file when any of it is kept; else a fresh file.
        if any(p.how != "copied" for p in plans):
            shutil.copyfile(published, tmp)
        con.execute(f"attach {_lit(str(tmp))} as next_copy")
        con.execute(f"create schema if not exists next_copy.{MARTS_SCHEMA}")
        con.execute("begin transaction")
        wanted = {p.table for p in plans}
        for (stale,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'next_copy' "
            "and schema_name = ?",
            [MARTS_SCHEMA],
        ).fetchall():
            if stale not in wanted:
                con.execute(f"drop table next_copy.{MARTS_SCHEMA}.{_q(stale)}")
        for plan in plans:
            target = f"next_copy.{MARTS_SCHEMA}.{_q(plan.table)}"
            source = f"live.{MARTS_SCHEMA}.{_q(plan.table)}"
            if plan.how == "copied":
                con.execute(f"create or replace table {target} as select * from {source}")
            elif plan.how == "weeks":
                column, (first, end) = _q(plan.week_column), plan.weeks
                in_weeks = f"{column} >= ? and {column} < ?"
                con.execute(f"delete from {target} where {in_weeks}", [first, end])
                con.execute(
                    f"insert into {target} select * from {source} where {in_weeks}", [first, end]
                )
            rows = con.execute(f"select count(*) from {target}").fetchone()[0]
            out[plan.table] = PublishedTable(rows, plan.how, plan.weeks)
        state = f"next_copy.{STATE_SCHEMA}.mart_writes"
        con.execute(f"create schema if not exists next_copy.{STATE_SCHEMA}")
        con.execute(
            f"create or replace table {state} "
            "(table_name varchar, write_id bigint, write_uuid varchar)"
        )
        held = [(p.table, *p.last_write) for p in plans if p.last_write is not None]
        if held:
            con.executemany(f"insert into {state} values (?, ?, ?)", held)
        con.execute("commit")
        # Everything in the main file before the rename: no WAL travels separately.
        con.execute("checkpoint next_copy")
        con.execute("detach next_copy")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, published)
    return out
