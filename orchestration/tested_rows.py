"""What a weekly run's data tests read: the rows the run wrote.

The models incremental by key (`keyed_incremental_config`, delete+insert on the
natural key) give every row they rewrite a `_load_id` above the table's highest
`_load_id` before the run. Read those watermarks before `dbt build` and pass
them as the var `watermarks_before_run`; `macros/tested_rows.sql` then tests only
the rows above them (and the models start from them: `load_watermark`). A full
refresh, or a model without a table yet, is tested whole.
"""

import json
from pathlib import Path

import duckdb

from orchestration.dbt_runner import PROJECT_DIR
from orchestration.sql_text import quote_identifier

MANIFEST_PATH = PROJECT_DIR / "target" / "manifest.json"


def keyed_incremental_models(manifest_path: Path) -> dict[str, tuple[str, str]]:
    """{model name: (schema, table)} of the models incremental by key (none
    without a manifest: then every test reads every row)."""
    if not Path(manifest_path).exists():
        return {}
    manifest = json.loads(Path(manifest_path).read_text())
    return {
        node["name"]: (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("materialized") == "incremental"
        and node["config"].get("incremental_strategy") == "delete+insert"
    }


# The watermarks the last run read: lower bounds for the next read (below).
WATERMARKS_SCHEMA, WATERMARKS_NAME = "audit", "keyed_model_watermarks"
WATERMARKS_TABLE = f"{WATERMARKS_SCHEMA}.{WATERMARKS_NAME}"


def keyed_model_watermarks(
    warehouse: Path, manifest_path: Path = MANIFEST_PATH
) -> dict[str, int]:
    """{model name: highest `_load_id`} of the keyed incremental tables that exist.

    Each is read over the rows at or above the value the previous read found:
    the tables grow by appending, so those rows sit in their last row groups and
    DuckDB skips the others by their zone maps (a full scan of the largest takes
    ~1 s at marketplace scale). The maximum is at least that bound whenever a
    row reaches it; when none does (a table rebuilt, a key's load id lowered),
    the whole table is read. The values read are kept as the next bounds.
    """
    models = keyed_incremental_models(manifest_path)
    if not Path(warehouse).exists() or not models:
        return {}
    # Not read-only: dbt run in this process may still hold the file open, and
    # DuckDB refuses a second connection with a different configuration.
    con = duckdb.connect(str(warehouse))
    try:
        present = {
            (schema, table)
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        }
        bounds = (
            dict(con.execute(f"select model, load_id from {WATERMARKS_TABLE}").fetchall())
            if (WATERMARKS_SCHEMA, WATERMARKS_NAME) in present
            else {}
        )
        watermarks = {}
        for name, (schema, table) in sorted(models.items()):
            if (schema, table) not in present:
                continue
            relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            value = None
            if name in bounds:
                # A literal, not a parameter: only a constant reaches the scan's zone maps.
                value = con.execute(
                    f"select max(_load_id) from {relation} where _load_id >= {int(bounds[name])}"
                ).fetchone()[0]
            if value is None:
                value = con.execute(
                    f"select coalesce(max(_load_id), 0) from {relation}"
                ).fetchone()[0]
            watermarks[name] = int(value)
        con.execute(f"create schema if not exists {WATERMARKS_SCHEMA}")
        con.execute(
            f"create table if not exists {WATERMARKS_TABLE} (model varchar, load_id bigint)"
        )
        con.execute("begin")
        con.execute(f"delete from {WATERMARKS_TABLE}")
        if watermarks:
            con.executemany(
                f"insert into {WATERMARKS_TABLE} values (?, ?)", sorted(watermarks.items())
            )
        con.execute("commit")
        return watermarks
    finally:
        con.close()
