"""Publish a read-only copy of the marts for BI tools and analysts.

The live warehouse has one writer at a time and DuckDB refuses readers while it
writes. Readers therefore open `published/servicenorms_marts.duckdb`, which a run replaces
atomically at its end: the copy is written under a temporary name beside the
target and renamed over it (orchestration/atomic_files.py). A reader that has the old file
open keeps reading the old file (POSIX rename semantics), so a run never fails
because of a reader and a reader never sees a half-written week.

Most of a week's copy is unchanged: a weekly run rewrites a few weeks of the
week-window marts (`seller_week_indicators`, `seller_week_incidents`,
`seller_six_week_scores`, and from the run's first week on `seller_trajectory_weeks`,
`seller_notifications`, `platform_week_summary`). The marts step says which weeks
of which tables its run is about to rewrite, from the run's own week window and
each model's `week_window_weeks_after` (`rewrites_of_run`, `mark_pending`: the whole
table after a full refresh, for a table built from nothing and for the marts
without weeks). A publication starts from a byte copy of the current file, replaces
in it only those weeks, copies whole what was rewritten whole, and leaves the other
tables as they are. A table is copied whole when that cannot be shown to give the
same rows: no copy yet, a copy without the publication's marker, other columns, or
an unreadable record of pending weeks.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.atomic_files import is_abandoned_aside, replacing, write_text
from orchestration.sql_text import quote_identifier as _q
from orchestration.sql_text import quote_literal as _lit

MARTS_SCHEMA = "marts"
# In the published file: the marker that it was published by this module, so the
# absence of pending weeks means "nothing rewritten since" (not "unknown").
STATE_SCHEMA = "publication"
STATE_TABLE = "published_copy"
STATE_VERSION = 2
# The week column of every week-window mart (macros/incremental/by_week_window.sql).
WEEK_COLUMN = "week_start"

# The weeks of a table a run rewrote: [first, end) with end None for "from first
# on"; None for the whole table.
Weeks = tuple[date, date | None] | None


@dataclass(frozen=True)
class PublishedTable:
    """How one table reached the new copy."""

    rows: int
    # 'copied' (whole), 'weeks' (the weeks from weeks[0] up to weeks[1] replaced,
    # weeks[1] None: every later week) or 'unchanged'.
    how: str
    weeks: tuple[date, date | None] | None = None

    def describe(self) -> str:
        if self.how == "weeks" and self.weeks:
            first, end = self.weeks
            if end is None:
                return f"weeks from {first} on replaced"
            last = end - timedelta(days=7)
            if first == last:
                return f"week {first} replaced"
            return f"weeks {first} to {last} replaced"
        return self.how


@dataclass(frozen=True)
class _Plan:
    table: str
    how: str
    weeks: tuple[date, date | None] | None = None


# --- what a run rewrites, recorded before it writes ----------------------------


def week_window_marts(manifest: Path) -> dict[str, int | str]:
    """{mart: weeks_after} of the week-window marts in a dbt manifest
    (`meta.week_window_weeks_after`: 0, a number of weeks, or 'all')."""
    nodes = json.loads(Path(manifest).read_text())["nodes"].values()
    return {
        node["alias"]: node["config"]["meta"]["week_window_weeks_after"]
        for node in nodes
        if node["resource_type"] == "model"
        and node["schema"].endswith(MARTS_SCHEMA)
        and "week_window_weeks_after" in node["config"].get("meta", {})
    }


def rewrites_of_run(
    marts: Iterable[str],
    window_vars: Mapping[str, str],
    weeks_after: Mapping[str, int | str],
    existing: Iterable[str],
    full_refresh: bool = False,
) -> dict[str, Weeks]:
    """The weeks of each of `marts` a dbt build with `window_vars` rewrites: the
    window (widened by the model's `weeks_after`) for a week-window mart that
    exists; the whole table after a full refresh, for a build of every week (no
    `week_start_min`), a table built from nothing and a mart without weeks."""
    present = set(existing)
    first = window_vars.get("week_start_min")
    out: dict[str, Weeks] = {}
    for mart in marts:
        after = weeks_after.get(mart)
        if full_refresh or first is None or after is None or mart not in present:
            out[mart] = None
            continue
        end = date.fromisoformat(window_vars["week_start_max"])
        out[mart] = (
            date.fromisoformat(first),
            None if after == "all" else end + timedelta(days=7 * int(after)),
        )
    return out


def pending_path(published: Path) -> Path:
    """The weeks rewritten in the warehouse that the copy does not hold yet."""
    published = Path(published)
    return published.with_name(f".{published.name}.pending.json")


def _merge(a: Weeks, b: Weeks) -> Weeks:
    """The weeks covering both (a superset is harmless: those weeks are equal)."""
    if a is None or b is None:
        return None
    end = None if a[1] is None or b[1] is None else max(a[1], b[1])
    return (min(a[0], b[0]), end)


def _read_pending(published: Path) -> dict[str, Weeks] | None:
    """The pending weeks per table ({} when none); None when the record is unreadable."""
    path = pending_path(published)
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text())
        return {
            table: None
            if weeks is None
            else (date.fromisoformat(weeks[0]), date.fromisoformat(weeks[1]) if weeks[1] else None)
            for table, weeks in raw.items()
        }
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def mark_pending(published: Path, rewrites: Mapping[str, Weeks]) -> None:
    """Add a run's rewrites to the copy's pending weeks, before the run writes them:
    a run that fails before its publication leaves them for the next one (whose own
    window may be another week), so the copy never misses a week the warehouse rewrote."""
    published = Path(published)
    published.parent.mkdir(parents=True, exist_ok=True)
    pending = _read_pending(published)
    if pending is None:  # unreadable: every table whole
        pending = {table: None for table in rewrites}
    for table, weeks in rewrites.items():
        pending[table] = _merge(pending[table], weeks) if table in pending else weeks
    text = json.dumps(
        {
            t: None if w is None else [w[0].isoformat(), w[1].isoformat() if w[1] else None]
            for t, w in sorted(pending.items())
        },
        indent=1,
    )
    write_text(pending_path(published), text)


# --- the publication ------------------------------------------------------------


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


def _is_ours(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    if not _has_table(con, database, STATE_SCHEMA, STATE_TABLE):
        return False
    row = con.execute(
        f"select max(version) from {_q(database)}.{STATE_SCHEMA}.{STATE_TABLE}"
    ).fetchone()
    return row is not None and row[0] == STATE_VERSION


def plan_publication(
    con: duckdb.DuckDBPyConnection, previous: str | None, pending: Mapping[str, Weeks] | None
) -> list[_Plan]:
    """How each table of `live.marts` reaches the new copy, given the previous copy
    attached as `previous` (None: there is none) and the weeks rewritten since it
    (`pending`; None: unknown)."""
    # Views too: a Spark build's marts are views over its Parquet (orchestration/spark_catalog.py).
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'live' and schema_name = $1 "
            "union all select view_name from duckdb_views() "
            "where database_name = 'live' and schema_name = $1 order by 1",
            [MARTS_SCHEMA],
        ).fetchall()
    ]
    trusted = previous is not None and pending is not None and _is_ours(con, previous)
    plans = []
    for table in tables:
        same_columns = trusted and _columns(con, "live", table) == _columns(con, previous, table)
        if not same_columns or (table in pending and pending[table] is None):
            plans.append(_Plan(table, "copied"))
        elif table not in pending:
            plans.append(_Plan(table, "unchanged"))
        else:
            plans.append(_Plan(table, "weeks", pending[table]))
    return plans


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove what publications killed before their swap left in `folder`: files
    written aside whose process no longer runs (a running one may be mid-write)."""
    removed = []
    for path in Path(folder).iterdir():
        if not path.is_dir() and is_abandoned_aside(path):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def publish_marts(warehouse: Path, published: Path) -> dict[str, PublishedTable]:
    """Bring a copy of every table of schema `marts` to the state of the live
    warehouse (on Spark, its catalog: orchestration/spark_catalog.py), replacing the
    weeks pending since the previous copy (module docstring), and swap it in;
    returns each table's rows and how it was published."""
    published = Path(published)
    published.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(published.parent)
    pending = _read_pending(published)
    with replacing(published) as tmp:
        out = _write_copy(Path(warehouse), published, pending, tmp)
    # The copy now holds every pending week (killed before this line, the next
    # publication copies them again: the same rows).
    pending_path(published).unlink(missing_ok=True)
    return out


def _write_copy(
    warehouse: Path, published: Path, pending: dict[str, Weeks] | None, tmp: Path
) -> dict[str, PublishedTable]:
    """Write at `tmp` the copy `publish_marts` swaps in."""
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
        plans = plan_publication(con, previous, pending)
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
                first, end = plan.weeks
                column = _q(WEEK_COLUMN)
                in_weeks = f"{column} >= ?" + ("" if end is None else f" and {column} < ?")
                bounds = [first] if end is None else [first, end]
                con.execute(f"delete from {target} where {in_weeks}", bounds)
                con.execute(f"insert into {target} select * from {source} where {in_weeks}", bounds)
            rows = con.execute(f"select count(*) from {target}").fetchone()[0]
            out[plan.table] = PublishedTable(rows, plan.how, plan.weeks)
        con.execute(f"create schema if not exists next_copy.{STATE_SCHEMA}")
        con.execute(f"drop table if exists next_copy.{STATE_SCHEMA}.mart_writes")  # older copies
        con.execute(
            f"create or replace table next_copy.{STATE_SCHEMA}.{STATE_TABLE} as "
            f"select {STATE_VERSION} as version"
        )
        con.execute("commit")
        # Everything in the main file before the rename: no WAL travels separately.
        con.execute("checkpoint next_copy")
        con.execute("detach next_copy")
    finally:
        con.close()
    return out
