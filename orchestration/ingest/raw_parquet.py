"""The raw layer as Parquet, for the Spark engine (orchestration/engines.py).

Landing and validation stay in DuckDB: `raw.<entity>` in the warehouse file is the
record of every accepted row, the quarantine and the batch registry stay there.
With the Spark engine, each batch landed there is also written as one Parquet
file, `<raw dir>/<entity>/<load id, 10 digits>.parquet`: the batch's accepted rows with the
columns and types of `raw.<entity>` (the contract's columns, then `_load_id`,
`_loaded_at`, `_source_file`, `_row_number`), in file order. A batch whose every
row was quarantined gets a file without rows; a rejected batch none.

The folder mirrors the warehouse: a batch already written (recorded in
`audit.raw_parquet_files` and present) is not written again, a file written
for another warehouse or a batch no longer on record is removed, and a file
missing from the folder is written again. A file is written under a hidden
temporary name and renamed into place, so a reader (Spark skips names starting
with `.` or `_`) never sees half a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration import progress
from orchestration.atomic_files import is_abandoned_aside, replacing
from orchestration.ingest.contract import ENTITIES
from orchestration.sql_text import quote_literal as _lit

RECORD_DDL = """
create table if not exists audit.raw_parquet_files (
    load_id     bigint primary key,
    entity      varchar not null,
    rows        bigint not null,
    written_at  timestamptz not null
)
"""
_BATCH_FILE = re.compile(r"^(?P<load_id>\d+)\.parquet$")


@dataclass(frozen=True)
class RawParquetSync:
    """What one synchronisation did: files written and removed, files already there."""

    written: int
    removed: int
    kept: int


def batch_file(raw_dir: Path, entity: str, load_id: int) -> Path:
    return Path(raw_dir) / entity / f"{load_id:010d}.parquet"


def write_raw_parquet(warehouse: Path, raw_dir: Path) -> RawParquetSync:
    """Bring `raw_dir` to one Parquet file per loaded batch of the warehouse's raw
    tables (module docstring); every entity of the contract gets its folder."""
    raw_dir = Path(raw_dir)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists audit")
        con.execute(RECORD_DDL)
        loaded = con.execute(
            "select b.load_id, b.entity, r.load_id is not null "
            "from raw._batches b left join audit.raw_parquet_files r using (load_id) "
            "where b.status = 'LOADED' order by b.load_id"
        ).fetchall()
        wanted = {(entity, load_id) for load_id, entity, _ in loaded}
        removed = _remove_unwanted(raw_dir, wanted)
        todo = [
            (load_id, entity)
            for load_id, entity, recorded in loaded
            if not recorded or not batch_file(raw_dir, entity, load_id).exists()
        ]
        with progress.current().task("raw Parquet", len(todo), "batch files") as task:
            for load_id, entity in todo:
                rows = _write_batch(con, raw_dir, entity, load_id)
                con.execute(
                    "insert or replace into audit.raw_parquet_files values (?, ?, ?, now())",
                    [load_id, entity, rows],
                )
                task.advance()
    finally:
        con.close()
    return RawParquetSync(written=len(todo), removed=removed, kept=len(loaded) - len(todo))


def _remove_unwanted(raw_dir: Path, wanted: set[tuple[str, int]]) -> int:
    """Create every entity folder; remove batch files of no loaded batch (another
    warehouse's, or left by a landing rolled back) and what writes killed before
    their rename left behind."""
    removed = 0
    for entity in ENTITIES:
        folder = raw_dir / entity
        folder.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            batch = _BATCH_FILE.match(path.name)
            stale = batch is not None and (entity, int(batch["load_id"])) not in wanted
            if stale or is_abandoned_aside(path):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _write_batch(con: duckdb.DuckDBPyConnection, raw_dir: Path, entity: str, load_id: int) -> int:
    """One batch's accepted rows, in file order, written aside and renamed into place."""
    query = f"select * from raw.{entity} where _load_id = {int(load_id)} order by _row_number"
    with replacing(batch_file(raw_dir, entity, load_id)) as aside:
        (rows,) = con.execute(f"copy ({query}) to {_lit(str(aside))} (format parquet)").fetchone()
    return rows
