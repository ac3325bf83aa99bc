"""The raw layer as Parquet for the Spark engine: one file per loaded batch,
written once, the same columns and rows as `raw.<entity>`."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from landing_files import CALLS_CSV, write, write_landing

from orchestration.ingest.contract import ENTITIES
from orchestration.ingest.landing import land_directory
from orchestration.ingest.raw_parquet import batch_file, write_raw_parquet

SELLERS_LATER_CSV = "seller_id,display_name,country,registered_at\nS3,Three,XX,2025-03-01\n"
# PC2's time does not parse: the batch lands with one row quarantined.
CALLS_WITH_A_BAD_TIME_CSV = CALLS_CSV.replace("2026-03-02T11:00:00+00:00", "not a time")


@pytest.fixture
def landed(tmp_path: Path) -> tuple[Path, Path, Path]:
    landing = write_landing(tmp_path / "landing", calls_csv=CALLS_WITH_A_BAD_TIME_CSV)
    write(landing / "returns" / "2026-W10.csv", "not,a,contract\n1,2,3\n")
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)
    return landing, warehouse, tmp_path / "spark" / "raw"


def batches(warehouse: Path) -> list[tuple[int, str, str, int | None]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select load_id, entity, status, rows_accepted from raw._batches order by load_id"
        ).fetchall()
    finally:
        con.close()


def test_each_loaded_batch_is_one_file_with_the_raw_tables_columns_and_rows(landed) -> None:
    _, warehouse, raw_dir = landed
    sync = write_raw_parquet(warehouse, raw_dir)
    loaded = [(i, e) for i, e, status, _ in batches(warehouse) if status == "LOADED"]
    assert sync.written == len(loaded) == 2
    con = duckdb.connect(str(warehouse), read_only=True)
    for load_id, entity in loaded:
        path = batch_file(raw_dir, entity, load_id)
        in_file = con.execute(
            f"select * from read_parquet('{path}') order by _row_number"
        ).fetchall()
        in_raw = con.execute(
            f"select * from raw.{entity} where _load_id = ? order by _row_number", [load_id]
        ).fetchall()
        assert in_file == in_raw
        assert con.execute(f"describe select * from read_parquet('{path}')").fetchall() == (
            con.execute(f"describe raw.{entity}").fetchall()
        )
    con.close()


def test_quarantined_rows_stay_out_and_a_rejected_batch_has_no_file(landed) -> None:
    _, warehouse, raw_dir = landed
    write_raw_parquet(warehouse, raw_dir)
    by_entity = {e: (i, status, rows) for i, e, status, rows in batches(warehouse)}
    calls_id, _, accepted = by_entity["phone_calls"]
    con = duckdb.connect()
    path = batch_file(raw_dir, "phone_calls", calls_id)
    assert accepted == 1
    assert con.execute(f"select call_id from read_parquet('{path}')").fetchall() == [("PC1",)]
    returns_id, status, _ = by_entity["returns"]
    assert status == "REJECTED"
    assert not batch_file(raw_dir, "returns", returns_id).exists()
    # Every entity has its folder, also without a batch (Spark reads the folder).
    assert sorted(p.name for p in raw_dir.iterdir()) == sorted(ENTITIES)
    assert list((raw_dir / "returns").iterdir()) == []


def test_landing_again_writes_nothing_twice_and_a_new_batch_once(landed) -> None:
    landing, warehouse, raw_dir = landed
    write_raw_parquet(warehouse, raw_dir)
    files = sorted(raw_dir.rglob("*.parquet"))
    stamps = {p: p.stat().st_mtime_ns for p in files}
    land_directory(landing, warehouse)
    again = write_raw_parquet(warehouse, raw_dir)
    assert (again.written, again.removed, again.kept) == (0, 0, 2)
    assert {p: p.stat().st_mtime_ns for p in sorted(raw_dir.rglob("*.parquet"))} == stamps
    write(landing / "sellers" / "2026-W02.csv", SELLERS_LATER_CSV)
    land_directory(landing, warehouse)
    later = write_raw_parquet(warehouse, raw_dir)
    assert (later.written, later.kept) == (1, 2)
    assert len(list((raw_dir / "sellers").glob("*.parquet"))) == 2


def test_a_missing_file_is_written_again_and_a_stranger_is_removed(landed) -> None:
    _, warehouse, raw_dir = landed
    write_raw_parquet(warehouse, raw_dir)
    sellers_id = next(i for i, e, _, _ in batches(warehouse) if e == "sellers")
    batch_file(raw_dir, "sellers", sellers_id).unlink()
    # Another warehouse's batch and a write killed before its rename.
    stranger = batch_file(raw_dir, "sellers", 99)
    stranger.write_bytes(b"PAR1")
    dead_pid = 2**22 + 12345
    leftover = raw_dir / "sellers" / f".7.parquet.{dead_pid}.tmp"
    leftover.write_bytes(b"half")
    sync = write_raw_parquet(warehouse, raw_dir)
    assert (sync.written, sync.removed) == (1, 2)
    assert batch_file(raw_dir, "sellers", sellers_id).exists()
    assert not stranger.exists() and not leftover.exists()


def test_a_failed_write_leaves_no_file_under_the_batch_name(landed, monkeypatch) -> None:
    _, warehouse, raw_dir = landed

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_raw_parquet(warehouse, raw_dir)
    assert list(raw_dir.rglob("*.parquet")) == []
    assert [p for p in raw_dir.rglob("*") if p.is_file()] == []
