"""Parquet beside the published DuckDB copy: one folder per mart, partitioned by
week, swapped in atomically, byte-identical for the same marts, and written
again only where the rows changed.

The published copies here are hand-made (two marts, one with weeks and one
without); tests/e2e/test_orchestration.py checks the files a real run publishes.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest

from orchestration import publish_parquet as pp
from orchestration.publish_parquet import ParquetPublishError, parquet_root, publish_parquet

W1, W2, W3 = date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12)
WEEKLY_ROWS = [
    (W1, 2026, 40, "S1", "FULFILMENT", 0.925, True),
    (W1, 2026, 40, "S2", "FULFILMENT", 1.0, False),
    (W2, 2026, 41, "S1", "FULFILMENT", 0.9, None),
    (W3, 2026, 42, "S1", "REVIEWS", 8.5, False),
]
MONTHLY_ROWS = [("S1", date(2026, 9, 1), 12.5), ("S2", date(2026, 9, 1), -3.0)]


def make_published(path: Path, weekly=WEEKLY_ROWS, monthly=MONTHLY_ROWS) -> Path:
    """A published copy with a week-partitioned mart and a monthly one, rows
    inserted in the order given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.seller_week_indicators (week_start date, iso_year integer, "
            "iso_week integer, seller_id varchar, indicator varchar, value double, "
            "is_strike boolean)"
        )
        if weekly:
            con.executemany(
                "insert into marts.seller_week_indicators values (?, ?, ?, ?, ?, ?, ?)", weekly
            )
        con.execute(
            "create table marts.seller_monthly_nps "
            "(seller_id varchar, month_start date, nps double)"
        )
        con.executemany("insert into marts.seller_monthly_nps values (?, ?, ?)", monthly)
    finally:
        con.close()
    return path


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def read_back(root: Path, table: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        return sorted(
            con.execute(
                f"select * from read_parquet('{root}/{table}/**/*.parquet', "
                "hive_partitioning = true)"
            ).fetchall(),
            key=repr,
        )
    finally:
        con.close()


def published_rows(published: Path, table: str, columns: str) -> list[tuple]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return sorted(con.execute(f"select {columns} from marts.{table}").fetchall(), key=repr)
    finally:
        con.close()


def test_each_mart_is_a_folder_partitioned_by_week_that_reads_back_as_the_mart(
    tmp_path: Path,
) -> None:
    published = make_published(tmp_path / "published" / "servicenorms_marts.duckdb")
    tables = publish_parquet(published)
    root = parquet_root(published)
    assert root == tmp_path / "published" / "parquet" and root.is_symlink()
    assert tables["seller_week_indicators"].rows == 4
    assert tables["seller_week_indicators"].files == 3
    assert sorted(p.name for p in (root / "seller_week_indicators").iterdir()) == [
        f"week_start={W1}",
        f"week_start={W2}",
        f"week_start={W3}",
    ]
    # A table without weeks is one file.
    assert [p.name for p in (root / "seller_monthly_nps").iterdir()] == ["part-0.parquet"]
    # DuckDB reads the week back from the folder name, as a DATE, after the other columns.
    weekly = read_back(root, "seller_week_indicators")
    assert weekly == published_rows(
        published,
        "seller_week_indicators",
        "iso_year, iso_week, seller_id, indicator, value, is_strike, week_start",
    )
    assert read_back(root, "seller_monthly_nps") == published_rows(
        published, "seller_monthly_nps", "*"
    )
    # pyarrow (what most BI connectors use) reads the same folder.
    table = ds.dataset(root / "seller_week_indicators", partitioning="hive").to_table()
    assert table.num_rows == 4


def test_the_same_marts_give_byte_identical_files_whatever_the_row_order(tmp_path: Path) -> None:
    first = make_published(tmp_path / "a" / "servicenorms_marts.duckdb")
    second = make_published(
        tmp_path / "b" / "servicenorms_marts.duckdb",
        list(reversed(WEEKLY_ROWS)),
        list(reversed(MONTHLY_ROWS)),
    )
    publish_parquet(first)
    publish_parquet(second)
    root_a, root_b = parquet_root(first), parquet_root(second)
    assert os.readlink(root_a) == os.readlink(root_b)  # the same version name
    assert files_of(root_a.resolve()) == files_of(root_b.resolve())


def test_a_new_publication_writes_only_the_weeks_that_changed_and_swaps_the_link(
    tmp_path: Path,
) -> None:
    published = make_published(tmp_path / "servicenorms_marts.duckdb")
    publish_parquet(published)
    root = parquet_root(published)
    before = root.resolve()
    kept_file = before / "seller_week_indicators" / f"week_start={W1}" / "part-0.parquet"
    con = duckdb.connect(str(published))
    con.execute(f"update marts.seller_week_indicators set value = 0.95 where week_start = '{W2}'")
    con.close()

    tables = publish_parquet(published)

    after = root.resolve()
    assert after != before
    assert (tables["seller_week_indicators"].written, tables["seller_week_indicators"].kept) == (
        1,
        2,
    )
    assert (tables["seller_monthly_nps"].written, tables["seller_monthly_nps"].kept) == (0, 1)
    # The unchanged week is the previous version's file (a hard link), not a new write.
    new_file = after / "seller_week_indicators" / f"week_start={W1}" / "part-0.parquet"
    assert new_file.stat().st_ino == kept_file.stat().st_ino
    assert (W2, 0.95) in [(r[-1], r[4]) for r in read_back(root, "seller_week_indicators")]
    # The previous version stays for readers that opened it; the one before goes.
    assert before.is_dir()
    con = duckdb.connect(str(published))
    con.execute(f"delete from marts.seller_week_indicators where week_start = '{W3}'")
    con.close()
    publish_parquet(published)
    assert not before.exists() and after.is_dir()
    assert not (root / "seller_week_indicators" / f"week_start={W3}").exists()


def test_publishing_the_same_marts_again_writes_nothing(tmp_path: Path) -> None:
    published = make_published(tmp_path / "servicenorms_marts.duckdb")
    publish_parquet(published)
    target = os.readlink(parquet_root(published))
    tables = publish_parquet(published)
    assert all(t.written == 0 for t in tables.values())
    assert os.readlink(parquet_root(published)) == target


def test_a_reader_on_the_previous_version_keeps_reading_it(tmp_path: Path) -> None:
    published = make_published(tmp_path / "servicenorms_marts.duckdb")
    publish_parquet(published)
    root = parquet_root(published)
    # A BI tool resolved the folder and listed its files before the next publication.
    listed = sorted((root / "seller_week_indicators").resolve().rglob("*.parquet"))
    con = duckdb.connect(str(published))
    con.execute("update marts.seller_week_indicators set value = 0")
    con.close()
    publish_parquet(published)
    reader = duckdb.connect()
    values = reader.execute(
        f"select value from read_parquet({[str(p) for p in listed]}) order by value"
    ).fetchall()
    assert values == [(0.9,), (0.925,), (1.0,), (8.5,)]  # the previous rows, whole


def test_a_failed_publication_leaves_the_current_version_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = make_published(tmp_path / "servicenorms_marts.duckdb")
    publish_parquet(published)
    root = parquet_root(published)
    target = os.readlink(root)
    con = duckdb.connect(str(published))
    con.execute("update marts.seller_week_indicators set value = 0")
    con.close()
    calls = []

    def failing_write(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        return write(*args, **kwargs)

    write = pp._write_file
    monkeypatch.setattr(pp, "_write_file", failing_write)
    with pytest.raises(OSError, match="disk full"):
        publish_parquet(published)
    assert os.readlink(root) == target
    assert not [p for p in (tmp_path / "parquet-versions").iterdir() if p.name.startswith(".tmp")]


def test_a_folder_where_the_link_belongs_is_a_clear_error(tmp_path: Path) -> None:
    published = make_published(tmp_path / "servicenorms_marts.duckdb")
    (tmp_path / "parquet").mkdir()
    with pytest.raises(ParquetPublishError, match="expected a link"):
        publish_parquet(published)


def test_an_empty_mart_is_one_empty_file_with_every_column(tmp_path: Path) -> None:
    published = make_published(tmp_path / "servicenorms_marts.duckdb", weekly=[])
    tables = publish_parquet(published)
    root = parquet_root(published)
    assert [p.name for p in (root / "seller_week_indicators").iterdir()] == ["part-0.parquet"]
    assert tables["seller_week_indicators"].rows == 0
    con = duckdb.connect()
    columns = con.execute(
        f"describe select * from read_parquet('{root}/seller_week_indicators/**/*.parquet', "
        "hive_partitioning = true)"
    ).fetchall()
    rows = con.execute(
        f"select count(*) from read_parquet('{root}/seller_week_indicators/**/*.parquet', "
        "hive_partitioning = true)"
    ).fetchone()[0]
    con.close()
    assert [(c[0], c[1]) for c in columns] == [
        ("week_start", "DATE"),
        ("iso_year", "INTEGER"),
        ("iso_week", "INTEGER"),
        ("seller_id", "VARCHAR"),
        ("indicator", "VARCHAR"),
        ("value", "DOUBLE"),
        ("is_strike", "BOOLEAN"),
    ]
    assert rows == 0
