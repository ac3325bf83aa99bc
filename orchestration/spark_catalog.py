"""Spark's tables as DuckDB sees them: a small DuckDB file of views over their Parquet.

With the Spark engine (orchestration/engines.py) the models are Parquet folders
under `<spark dir>/tables/<schema>.db/<table>/`. Everything after the build reads
them through `<spark dir>/catalog.duckdb`, a DuckDB file holding one view per
table, `<schema>.<table>`, so the code that reads the DuckDB warehouse (publishing,
the run's metadata) reads Spark's tables unchanged, given this file instead.

The marts' views give the published shape: the contract's columns in the
contract's order, cast to its types as DuckDB reads them (the manifest parsed
for DuckDB), rows in one fixed order; a Spark run then publishes the same
tables, types and rows as a DuckDB run. Spark writes timestamps without a zone
(INT96): they are UTC instants, read as such. The catalog is written again after
each Spark build (a view names the table's files: a rewrite of the table makes
new ones) under a temporary name and renamed into place.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.atomic_files import replacing
from orchestration.engines import spark_catalog_path, spark_tables_dir
from orchestration.sql_text import quote_identifier as _q
from orchestration.sql_text import quote_literal as _lit

MARTS_SCHEMA = "marts"


def contract_columns(manifest: Path) -> dict[str, list[tuple[str, str]]]:
    """{mart: [(column, DuckDB type)]} of the marts with an enforced contract."""
    nodes = json.loads(Path(manifest).read_text())["nodes"].values()
    return {
        node["alias"]: [(c["name"], c["data_type"]) for c in node["columns"].values()]
        for node in nodes
        if node["resource_type"] == "model"
        and node["schema"] == MARTS_SCHEMA
        and node["config"].get("contract", {}).get("enforced")
    }


def table_files(table_dir: Path) -> list[Path]:
    """The data files of a Spark table, sorted; not what Spark hides (`_SUCCESS`,
    `_temporary/`, `.crc`: names starting with `_` or `.`)."""
    return sorted(
        path
        for path in Path(table_dir).rglob("*.parquet")
        if not any(part.startswith(("_", ".")) for part in path.relative_to(table_dir).parts)
    )


def _reader(files: list[Path]) -> str:
    paths = ", ".join(_lit(str(p)) for p in files)
    # Partitioned tables (week_start=…/) carry the partition column in the path.
    return f"read_parquet([{paths}], hive_partitioning = true)"


def _cast(column: str, source_type: str | None, target_type: str) -> str:
    """`column` as `target_type`; a zone-less timestamp is a UTC instant."""
    if source_type is None:  # not in Spark's table: no such value
        return f"cast(null as {target_type}) as {_q(column)}"
    target = duckdb.sqltype(target_type)
    value = _q(column)
    if source_type == "TIMESTAMP" and target == duckdb.sqltype("timestamptz"):
        value = f"timezone('UTC', {value})"
    return f"cast({value} as {target_type}) as {_q(column)}"


def _mart_view(
    con: duckdb.DuckDBPyConnection, files: list[Path], columns: list[tuple[str, str]]
) -> str:
    if not files:  # Spark wrote no file for a table without rows
        casts = ", ".join(f"cast(null as {t}) as {_q(c)}" for c, t in columns)
        return f"select {casts} where false"
    described = con.execute(f"describe select * from {_reader(files)}").fetchall()
    source = {row[0]: row[1] for row in described}
    casts = ", ".join(_cast(c, source.get(c), t) for c, t in columns)
    return f"select {casts} from {_reader(files)} order by all"


def _spark_tables(tables_dir: Path) -> list[tuple[str, Path | None]]:
    """(schema, table folder) of every Spark table, and (schema, None) for each schema:
    a schema's tables are in `<schema>.db/`, those of `default` in the folder itself."""
    if not tables_dir.is_dir():
        return []
    found: list[tuple[str, Path | None]] = [("default", None)]
    for path in sorted(p for p in tables_dir.iterdir() if p.is_dir()):
        if path.name.endswith(".db"):
            schema = path.name.removesuffix(".db")
            found.append((schema, None))
            found += [(schema, t) for t in sorted(path.iterdir()) if t.is_dir()]
        elif not path.name.startswith(("_", ".")):
            found.append(("default", path))
    return found


def write_catalog(warehouse: Path, manifest: Path) -> Path:
    """(Re)write the catalog of the Spark tables of `warehouse` (module docstring);
    returns its path. A mart Spark has not built has no view."""
    tables_dir = spark_tables_dir(warehouse)
    catalog = spark_catalog_path(warehouse)
    catalog.parent.mkdir(parents=True, exist_ok=True)
    contracts = contract_columns(manifest)
    with replacing(catalog) as aside:
        _write_views(aside, tables_dir, contracts)
    return catalog


def _write_views(
    database: Path, tables_dir: Path, contracts: dict[str, list[tuple[str, str]]]
) -> None:
    """The catalog: a schema per Spark schema, a view per table (module docstring)."""
    con = duckdb.connect(str(database))
    try:
        for schema, table_dir in _spark_tables(tables_dir):
            con.execute(f"create schema if not exists {_q(schema)}")
            if table_dir is not None:
                files = table_files(table_dir)
                name = f"{_q(schema)}.{_q(table_dir.name)}"
                if schema == MARTS_SCHEMA and table_dir.name in contracts:
                    con.execute(
                        f"create view {name} as {_mart_view(con, files, contracts[table_dir.name])}"
                    )
                elif files:
                    con.execute(f"create view {name} as select * from {_reader(files)}")
        con.execute("checkpoint")
    finally:
        con.close()
