"""Publish a read-only copy of the marts for BI tools and analysts.

The live warehouse has one writer at a time and DuckDB refuses readers while it
writes. Readers therefore open `published/servicenorms_marts.duckdb`, which a run replaces
atomically at its end: the copy is written under a temporary name beside the
target and renamed over it with `os.replace`. A reader that has the old file
open keeps reading the old file (POSIX rename semantics), so a run never fails
because of a reader and a reader never sees a half-written week.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def publish_marts(warehouse: Path, published: Path) -> dict[str, int]:
    """Copy every table of schema `marts` into a fresh DuckDB file and swap it in.

    Returns the row count per published table.
    """
    published = Path(published)
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"attach {_lit(str(Path(warehouse).resolve()))} as live (read_only)")
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'live' and schema_name = ? order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        # Fully qualified names: the new file's own catalog may itself be called `marts`.
        here = '"' + con.execute("select current_database()").fetchone()[0].replace('"', '""') + '"'
        con.execute(f"create schema {here}.{MARTS_SCHEMA}")
        for table in tables:
            target = f'{here}.{MARTS_SCHEMA}."{table}"'
            con.execute(f'create table {target} as select * from live.{MARTS_SCHEMA}."{table}"')
            counts[table] = con.execute(f"select count(*) from {target}").fetchone()[0]
        con.execute("detach live")
        # Everything in the main file before the rename: no WAL travels separately.
        con.execute("checkpoint")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, published)
    return counts
