"""Write a landed DuckDB warehouse's raw tables as the raw Parquet layer that
the Spark target reads (docs/spark.md): `<out>/<entity>/<load id>.parquet`, one
file per landed batch, with the raw table's columns (contract columns and the
audit columns `_load_id`, `_loaded_at`, `_source_file`, `_row_number`).

Used to build the same landed data on Spark in tests and by hand:

    python tests/raw_parquet.py WAREHOUSE.duckdb OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from orchestration.ingest.contract import ENTITIES  # noqa: E402


def batch_file_name(load_id: int) -> str:
    """A batch's file: its load id, zero-padded so names sort in load order."""
    return f"{load_id:010d}.parquet"


def export_raw_parquet(warehouse: Path | str, out_dir: Path | str) -> dict[str, int]:
    """Write every landed batch of every entity; returns the files per entity.
    Batches already written are left as they are (a batch never changes)."""
    out = Path(out_dir)
    written: dict[str, int] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for entity in ENTITIES:
            folder = out / entity
            folder.mkdir(parents=True, exist_ok=True)
            load_ids = [
                row[0]
                for row in con.execute(
                    f"select distinct _load_id from raw.{entity} order by 1"
                ).fetchall()
            ]
            for load_id in load_ids:
                target = folder / batch_file_name(load_id)
                if target.exists():
                    continue
                # Written aside under a dot name (which Spark ignores), then renamed.
                partial = folder / f".{target.name}.partial"
                con.execute(
                    f"copy (select * from raw.{entity} where _load_id = ? order by _row_number) "
                    f"to '{partial}' (format parquet)",
                    [load_id],
                )
                partial.rename(target)
            written[entity] = len(load_ids)
    finally:
        con.close()
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for name, files in export_raw_parquet(sys.argv[1], sys.argv[2]).items():
        print(f"{name}: {files} batch files")
