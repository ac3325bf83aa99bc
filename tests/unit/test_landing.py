"""Landing: append-only raw tables, batch registry, rejections and quarantine."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from landing_files import CALLS_CSV, SELLERS_CSV, write, write_landing

from orchestration.ingest.contract import ENTITIES, LOAD_COLUMNS
from orchestration.ingest.landing import LandingError, discover_files, land_directory


def counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse))
    try:
        out = {e: con.execute(f"select count(*) from raw.{e}").fetchone()[0] for e in ENTITIES}
        out["_batches"] = con.execute("select count(*) from raw._batches").fetchone()[0]
        return out
    finally:
        con.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return write_landing(tmp_path / "landing")


def test_every_contract_column_exists_with_its_type(tmp_path: Path, landing: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)
    con = duckdb.connect(str(warehouse))
    for entity in ENTITIES.values():
        described = {r[0]: r[1] for r in con.execute(f"describe raw.{entity.name}").fetchall()}
        for col in entity.columns:
            expected = col.type.replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
            assert described[col.name] == expected, (entity.name, col.name)
        for name, _ in LOAD_COLUMNS:
            assert name in described
        described_q = con.execute(f"describe raw.{entity.name}__quarantine").fetchall()
        quarantine = {r[0] for r in described_q}
        assert set(entity.column_names) <= quarantine and "_reason" in quarantine
    con.close()


def test_landing_twice_changes_no_row_count(tmp_path: Path, landing: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    first = land_directory(landing, warehouse)
    before = counts(warehouse)
    second = land_directory(landing, warehouse)
    assert first.loaded == 2 and second.loaded == 0 and second.skipped == 2
    assert counts(warehouse) == before
    assert before["sellers"] == 2 and before["phone_calls"] == 2


def _count_hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from orchestration.ingest import landing as landing_module

    hashed: list[str] = []
    real = landing_module.file_sha256

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return real(path)

    monkeypatch.setattr(landing_module, "file_sha256", counting)
    return hashed


def test_a_later_run_reads_only_new_or_changed_files(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.ingest import landing as landing_module

    monkeypatch.setattr(landing_module, "SETTLED_NS", 0)  # the files here are seconds old
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)
    hashed = _count_hashing(monkeypatch)
    assert land_directory(landing, warehouse).skipped == 2
    assert hashed == []
    write(landing / "phone_calls" / "2026-W11.csv", CALLS_CSV.replace("PC", "PD"))
    summary = land_directory(landing, warehouse)
    assert hashed == ["2026-W11.csv"] and summary.loaded == 1 and summary.skipped == 2


def test_a_file_rewritten_with_its_size_and_time_restored_is_read_again(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.ingest import landing as landing_module

    monkeypatch.setattr(landing_module, "SETTLED_NS", 0)
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)
    path = landing / "phone_calls" / "2026-W10.csv"
    before = path.stat()
    # Same size, same modification time (as `cp -p` or an unpacked archive would
    # leave it): only the change time tells.
    path.write_text(CALLS_CSV.replace("PC2", "PC9"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    summary = land_directory(landing, warehouse)
    assert summary.loaded == 1
    assert counts(warehouse)["phone_calls"] == 4


def test_a_file_changed_just_before_it_was_hashed_is_hashed_again(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)  # the files are younger than SETTLED_NS
    hashed = _count_hashing(monkeypatch)
    land_directory(landing, warehouse)
    assert sorted(hashed) == ["2026-W01.csv", "2026-W10.csv"]


def test_same_content_under_another_name_is_not_loaded_again(tmp_path: Path, landing: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)
    write(landing / "phone_calls" / "2026-W10-copy.csv", CALLS_CSV)
    summary = land_directory(landing, warehouse)
    assert summary.skipped == 3 and summary.loaded == 0
    assert counts(warehouse)["phone_calls"] == 2


def test_same_content_twice_in_one_run_lands_once(tmp_path: Path, landing: Path) -> None:
    write(landing / "phone_calls" / "2026-W10b.csv", CALLS_CSV)  # sorts after 2026-W10.csv
    summary = land_directory(landing, tmp_path / "w.duckdb")
    by_file = {b.source_file: b for b in summary.batches}
    first, copy = by_file["phone_calls/2026-W10.csv"], by_file["phone_calls/2026-W10b.csv"]
    assert (first.status, copy.status) == ("LOADED", "SKIPPED")
    assert copy.load_id == first.load_id and f"batch {first.load_id} (LOADED)" in copy.reason
    assert counts(tmp_path / "w.duckdb")["phone_calls"] == 2


def _landed_state(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse))
    try:
        state = {
            "_batches": con.execute(
                "select * exclude (loaded_at) from raw._batches order by load_id"
            ).fetchall()
        }
        for e in ENTITIES:
            for table in (e, f"{e}__quarantine"):
                stamp = "_loaded_at" if table == e else "_quarantined_at"
                state[table] = con.execute(
                    f"select * exclude ({stamp}) from raw.{table} order by all"
                ).fetchall()
        return state
    finally:
        con.close()


def test_concurrent_landing_gives_what_one_worker_gives(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entities land concurrently; load ids follow the path order all the same."""
    write(landing / "phone_calls" / "2026-W11.csv", CALLS_CSV.replace("PC1", "PC3"))
    write(landing / "phone_calls" / "2026-W12.csv", "call_id,seller_id,started_at,answered\n")
    write(landing / "reviews" / "2026-W11.parquet", b"not parquet")
    write(landing / "returns" / "2026-W11.csv", "return_id\nR1\n")
    write(
        landing / "cancellations" / "2026-W11.csv",
        "order_item_id,cancelled_at,initiated_by,reason_code\n"
        "OI1,2026-03-02T10:00:00+00:00,NOBODY,X\nOI2,2026-03-02T10:00:00+00:00,SELLER,X\n",
    )
    states = {}
    for workers in ("1", "2", "4"):
        monkeypatch.setenv("SERVICENORMS_LANDING_WORKERS", workers)
        warehouse = tmp_path / f"w{workers}.duckdb"
        summary = land_directory(landing, warehouse)
        assert [b.source_file for b in summary.batches] == [
            p.relative_to(landing).as_posix() for _, p in discover_files(landing)
        ]
        states[workers] = _landed_state(warehouse)
    assert states["2"] == states["1"] and states["4"] == states["1"]
    ids = [(row[0], row[2]) for row in states["1"]["_batches"]]
    assert ids == sorted(ids, key=lambda r: r[1]) and [i for i, _ in ids] == list(
        range(1, len(ids) + 1)
    )
    assert states["1"]["cancellations__quarantine"]  # the NOBODY row


def test_rows_are_stamped_with_load_metadata(tmp_path: Path, landing: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)
    con = duckdb.connect(str(warehouse))
    rows = con.execute(
        "select call_id, _load_id, _source_file, _row_number, _loaded_at is not null "
        "from raw.phone_calls order by call_id"
    ).fetchall()
    assert rows == [
        ("PC1", rows[0][1], "phone_calls/2026-W10.csv", 1, True),
        ("PC2", rows[0][1], "phone_calls/2026-W10.csv", 2, True),
    ]
    # Timestamps without an offset are UTC.
    registered = con.execute(
        "select cast(registered_at as varchar) from raw.sellers where seller_id = 'S1'"
    ).fetchone()[0]
    assert registered.startswith("2025-01-01 10:00:00")
    con.close()


def test_missing_column_and_garbage_file_are_rejected_while_others_load(
    tmp_path: Path, landing: Path
) -> None:
    write(landing / "phone_calls" / "2026-W11.csv", "call_id,seller_id,answered\nPC9,S1,true\n")
    write(landing / "reviews" / "2026-W11.parquet", b"\x00garbage bytes, not parquet\xff" * 10)
    write(landing / "returns" / "2026-W11.csv", b"")
    warehouse = tmp_path / "w.duckdb"
    summary = land_directory(landing, warehouse)
    by_file = {b.source_file: b for b in summary.batches}
    missing = by_file["phone_calls/2026-W11.csv"]
    assert missing.status == "REJECTED"
    assert "phone_calls/2026-W11.csv" in missing.reason and "started_at" in missing.reason
    garbage = by_file["reviews/2026-W11.parquet"]
    assert garbage.status == "REJECTED" and "reviews/2026-W11.parquet" in garbage.reason
    assert "cannot be read" in garbage.reason
    empty = by_file["returns/2026-W11.csv"]
    assert empty.status == "REJECTED" and "empty" in empty.reason
    assert by_file["phone_calls/2026-W10.csv"].status == "LOADED"
    assert by_file["sellers/2026-W01.csv"].status == "LOADED"

    con = duckdb.connect(str(warehouse))
    registry = con.execute(
        "select source_file, status, reason from raw._batches where status = 'REJECTED' order by 1"
    ).fetchall()
    assert [r[0] for r in registry] == [
        "phone_calls/2026-W11.csv",
        "returns/2026-W11.csv",
        "reviews/2026-W11.parquet",
    ]
    # A rejected file stays on record, bytes included.
    kept = con.execute(
        "select content from raw._rejected_files where source_file = 'reviews/2026-W11.parquet'"
    ).fetchone()[0]
    assert bytes(kept) == (landing / "reviews" / "2026-W11.parquet").read_bytes()
    con.close()


def test_contract_violations_are_quarantined_with_rule_and_the_rest_accepted(
    tmp_path: Path,
) -> None:
    root = tmp_path / "landing"
    write(
        root / "reviews" / "a.csv",
        "review_id,seller_id,order_id,submitted_at,grade\n"
        "R1,S1,O1,2026-03-02T10:00:00Z,9\n"
        "R2,S1,O2,2026-03-02T10:00:00Z,11\n"
        "R3,S1,O3,yesterday,5\n"
        ",S1,O4,2026-03-02T10:00:00Z,5\n",
    )
    write(
        root / "order_items" / "a.csv",
        "order_item_id,order_id,seller_id,ordered_at,product_group,ean,quantity,unit_price,"
        "fulfilment_method,shipping_method,time_frame_type,latest_delivery_date,"
        "exact_delivery_date,expiry_date,latest_handover_at\n"
        "I1,O1,S1,2026-03-02T10:00:00Z,BOOKS,,1,9.99,FBR,OWN,REGULAR,2026-03-04,,,\n"
        "I2,O2,S1,2026-03-02T10:00:00Z,BOOKS,,0,9.99,FBR,OWN,REGULAR,2026-03-04,,,\n"
        "I3,O3,S1,2026-03-02T10:00:00Z,BOOKS,,1,9.99,FBR,,REGULAR,2026-03-04,,,\n"
        "I4,O4,S1,2026-03-02T10:00:00Z,BOOKS,,1,9.99,FBR,VVB,REGULAR,2026-03-04,,,\n"
        "I5,O5,S1,2026-03-02T10:00:00Z,BOOKS,,1,9.99,FBB,,PRIORITY,2026-03-04,,,\n",
    )
    warehouse = tmp_path / "w.duckdb"
    summary = land_directory(root, warehouse)
    assert all(b.rows_in_file == b.rows_accepted + b.rows_quarantined for b in summary.batches)
    con = duckdb.connect(str(warehouse))
    assert con.execute("select review_id from raw.reviews").fetchall() == [("R1",)]
    reasons = dict(con.execute("select review_id, _reason from raw.reviews__quarantine").fetchall())
    assert reasons["R2"] == "grade: above maximum 10"
    assert reasons["R3"] == "submitted_at: cannot be cast to TIMESTAMPTZ"
    assert reasons[None] == "review_id: required value is missing"
    sql = "select order_item_id, _reason from raw.order_items__quarantine"
    items = dict(con.execute(sql).fetchall())
    assert items == {
        "I2": "quantity: below minimum 1",
        "I3": "shipping_method: required when fulfilment_method is FBR",
        "I4": "latest_handover_at: required when shipping_method is VVB",
        "I5": "time_frame_type: not one of REGULAR|EVENING|APPOINTMENT|SAMEDAY|SUNDAY",
    }
    assert con.execute("select order_item_id from raw.order_items").fetchall() == [("I1",)]
    con.close()


def test_parquet_batches_land_with_their_types(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    (root / "phone_calls").mkdir(parents=True)
    table = pa.table(
        {
            "call_id": ["PC1", "PC2"],
            "seller_id": ["S1", "S1"],
            "started_at": pa.array([1_772_445_600_000_000, None], pa.timestamp("us", tz="UTC")),
            "answered": [True, False],
        }
    )
    pq.write_table(table, root / "phone_calls" / "a.parquet")
    summary = land_directory(root, tmp_path / "w.duckdb")
    (batch,) = summary.batches
    assert (batch.rows_accepted, batch.rows_quarantined) == (1, 1)


def test_files_are_discovered_in_relative_path_order_with_any_extension_case(
    tmp_path: Path,
) -> None:
    root = tmp_path / "landing"
    write(root / "sellers" / "b.CSV", SELLERS_CSV)
    write(root / "sellers" / "a.csv", SELLERS_CSV)
    write(root / "sellers" / "notes.txt", "ignored")
    write(root / "sellers" / "nested" / "c.csv", SELLERS_CSV)
    write(root / "unknown_entity" / "d.csv", SELLERS_CSV)
    found = [p.relative_to(root).as_posix() for _, p in discover_files(root)]
    assert found == ["sellers/a.csv", "sellers/b.CSV"]


def test_every_file_that_is_not_a_batch_is_reported_and_recorded_with_its_reason(
    tmp_path: Path,
) -> None:
    root = tmp_path / "landing"
    write(root / "sellers" / "a.csv", SELLERS_CSV)
    write(root / "sellers" / "notes.txt", "not data")
    write(root / "sellers" / "export.json", "{}")
    write(root / "sellers" / "2026" / "c.csv", SELLERS_CSV)
    write(root / "orders" / "x.csv", SELLERS_CSV)
    write(root / "README.md", "about these files")
    warehouse = tmp_path / "w.duckdb"
    summary = land_directory(root, warehouse)
    assert [b.source_file for b in summary.batches] == ["sellers/a.csv"]
    reasons = {f.source_file: f.reason for f in summary.ignored}
    assert reasons == {
        "README.md": "not in an entity folder: files land in <landing>/<entity>/",
        "orders/x.csv": reasons["orders/x.csv"],
        "sellers/2026/c.csv": (
            "in the sub-folder 2026/ of sellers/: files land only directly in sellers/"
        ),
        "sellers/export.json": "extension .json is not landed (only .parquet and .csv)",
        "sellers/notes.txt": "extension .txt is not landed (only .parquet and .csv)",
    }
    assert reasons["orders/x.csv"].startswith(
        "folder orders/ is not an entity of the landing contract (one of cancellations, "
    )

    # Reported by every run while they are there, recorded once.
    again = land_directory(root, warehouse)
    assert {f.source_file for f in again.ignored} == set(reasons)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        recorded = con.execute(
            "select source_file, reason, file_bytes from raw._ignored_files order by 1"
        ).fetchall()
    finally:
        con.close()
    assert [(f, r) for f, r, _ in recorded] == sorted(reasons.items())
    assert dict((f, n) for f, _, n in recorded)["sellers/export.json"] == 2


def test_missing_landing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LandingError, match="does not exist"):
        land_directory(tmp_path / "nope", tmp_path / "w.duckdb")
