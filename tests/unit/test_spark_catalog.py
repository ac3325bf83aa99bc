"""Spark's tables read by DuckDB (orchestration/spark_catalog.py): the published copy
of marts built by Spark has the contract's columns, order and types, and the rows."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.engines import spark_catalog_path, spark_tables_dir
from orchestration.publish import publish_marts
from orchestration.spark_catalog import table_files, write_catalog

# Two marts as their contracts say (DuckDB types, contract order).
CONTRACTS = {
    "seller_week_things": [
        ("seller_id", "varchar"),
        ("week_start", "date"),
        ("events", "integer"),
        ("share", "double"),
        ("is_strike", "boolean"),
    ],
    "seller_latest": [
        ("seller_id", "varchar"),
        ("as_of", "timestamp with time zone"),
        ("strikes", "bigint"),
    ],
}
ROWS = {
    "seller_week_things": [
        ("S1", "2026-03-02", 3, 0.25, True),
        ("S2", "2026-03-02", 0, None, False),
        ("S1", "2026-03-09", 7, 1.0 / 3.0, False),
    ],
    "seller_latest": [("S1", "2026-03-11 05:00:00+00", 2), ("S2", "2026-03-11 05:00:00+00", 0)],
}


def write_manifest(path: Path) -> Path:
    nodes = {
        f"model.servicenorms.{name}": {
            "resource_type": "model",
            "alias": name,
            "schema": "marts",
            "config": {"contract": {"enforced": True}, "meta": {}},
            "columns": {c: {"name": c, "data_type": t} for c, t in columns},
        }
        for name, columns in CONTRACTS.items()
    }
    path.write_text(json.dumps({"nodes": nodes}))
    return path


def duckdb_warehouse(path: Path) -> Path:
    """The marts as a DuckDB build writes them: contract types, contract order."""
    path.parent.mkdir(parents=True)
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema marts")
    for name, columns in CONTRACTS.items():
        con.execute(f"create table marts.{name} ({', '.join(f'{c} {t}' for c, t in columns)})")
        con.executemany(
            f"insert into marts.{name} values ({', '.join('?' for _ in columns)})", ROWS[name]
        )
    con.close()
    return path


def spark_tables(warehouse: Path) -> None:
    """The same marts as Spark leaves them: wider integer types, zone-less timestamps
    (INT96 UTC instants), the week as a partition folder, columns in another order, a
    `_SUCCESS` marker, a `.crc` file and an aborted job's `_temporary/` file."""
    marts = spark_tables_dir(warehouse) / "marts.db"
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    things = marts / "seller_week_things"
    for week in ("2026-03-02", "2026-03-09"):
        folder = things / f"week_start={week}"
        folder.mkdir(parents=True)
        rows = [r for r in ROWS["seller_week_things"] if r[1] == week]
        values = ", ".join(
            f"('{r[0]}', {r[2]}::bigint, {r[3] or 'null'}::double, {r[4]})" for r in rows
        )
        con.execute(
            f"copy (select * from (values {values}) v(seller_id, events, share, is_strike)) "
            f"to '{folder / 'part-00000-c000.snappy.parquet'}' (format parquet)"
        )
        (folder / ".part-00000-c000.snappy.parquet.crc").write_bytes(b"crc")
    (things / "_SUCCESS").write_bytes(b"")
    aborted = things / "_temporary" / "0"
    aborted.mkdir(parents=True)
    con.execute(
        f"copy (select 'S9' as seller_id) to '{aborted / 'part-x.parquet'}' (format parquet)"
    )
    latest = marts / "seller_latest"
    latest.mkdir(parents=True)
    con.execute(
        "copy (select * from (values (0::bigint, 'S2', timestamp '2026-03-11 05:00:00'), "
        "(2, 'S1', timestamp '2026-03-11 05:00:00')) v(strikes, seller_id, as_of)) "
        f"to '{latest / 'part-00001.parquet'}' (format parquet)"
    )
    con.close()


def published_tables(published: Path) -> dict[str, tuple[list, list]]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return {
            name: (
                con.execute(f"describe marts.{name}").fetchall(),
                con.execute(f"select * from marts.{name} order by all").fetchall(),
            )
            for name in CONTRACTS
        }
    finally:
        con.close()


def test_a_spark_build_publishes_the_same_columns_types_and_rows_as_duckdb(
    tmp_path: Path,
) -> None:
    manifest = write_manifest(tmp_path / "manifest.json")
    on_duckdb = duckdb_warehouse(tmp_path / "a" / "servicenorms.duckdb")
    publish_marts(on_duckdb, tmp_path / "a" / "published" / "servicenorms_marts.duckdb")
    on_spark = tmp_path / "b" / "servicenorms.duckdb"
    spark_tables(on_spark)
    catalog = write_catalog(on_spark, manifest)
    assert catalog == spark_catalog_path(on_spark)
    publish_marts(catalog, tmp_path / "b" / "published" / "servicenorms_marts.duckdb")
    from_duckdb = published_tables(tmp_path / "a" / "published" / "servicenorms_marts.duckdb")
    from_spark = published_tables(tmp_path / "b" / "published" / "servicenorms_marts.duckdb")
    assert from_spark == from_duckdb
    assert [c[1] for c in from_spark["seller_latest"][0]] == [
        "VARCHAR",
        "TIMESTAMP WITH TIME ZONE",
        "BIGINT",
    ]


def test_spark_s_hidden_files_are_not_data(tmp_path: Path) -> None:
    warehouse = tmp_path / "servicenorms.duckdb"
    spark_tables(warehouse)
    things = spark_tables_dir(warehouse) / "marts.db" / "seller_week_things"
    assert [p.relative_to(things).as_posix() for p in table_files(things)] == [
        "week_start=2026-03-02/part-00000-c000.snappy.parquet",
        "week_start=2026-03-09/part-00000-c000.snappy.parquet",
    ]


def test_a_mart_without_files_is_an_empty_table_of_its_contract(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "manifest.json")
    warehouse = tmp_path / "servicenorms.duckdb"
    (spark_tables_dir(warehouse) / "marts.db" / "seller_latest").mkdir(parents=True)
    (spark_tables_dir(warehouse) / "default.db").mkdir()
    catalog = write_catalog(warehouse, manifest)
    con = duckdb.connect(str(catalog), read_only=True)
    assert con.execute("select count(*) from marts.seller_latest").fetchone() == (0,)
    assert [r[1] for r in con.execute("describe marts.seller_latest").fetchall()] == [
        "VARCHAR",
        "TIMESTAMP WITH TIME ZONE",
        "BIGINT",
    ]
    con.close()


def test_the_tables_of_spark_s_default_schema_are_counted_like_duckdb_s(tmp_path: Path) -> None:
    from orchestration.defs.outcome import existing_tables, table_row_counts

    warehouse = tmp_path / "servicenorms.duckdb"
    facts = spark_tables_dir(warehouse) / "fct_seller_week_reviews"  # schema `default`
    facts.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"copy (select range as n from range(3)) to '{facts / 'part-0.parquet'}'")
    con.close()
    catalog = write_catalog(warehouse, write_manifest(tmp_path / "manifest.json"))
    tables = ["fct_seller_week_reviews", "fct_not_built"]
    assert existing_tables(catalog, "default", tables) == ["fct_seller_week_reviews"]
    assert table_row_counts(catalog, "default", tables) == {"fct_seller_week_reviews": 3}
