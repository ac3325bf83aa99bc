"""Which engine builds the dbt project, and where Spark keeps what it reads and writes.

DuckDB (the default) builds the models in the warehouse file itself. Spark builds
them from raw Parquet that landing writes beside the warehouse, into tables of
its own (plain Parquet under a local metastore); DuckDB reads those tables through
a catalog of views (orchestration/spark_catalog.py) to publish them. Landing and
validation run on DuckDB with either engine: the warehouse file keeps the raw
tables, the batch registry, the quarantine and the audit.

Spark's folder is the warehouse's path without `.duckdb`, plus `.spark`
(`warehouse/servicenorms.spark/` beside `warehouse/servicenorms.duckdb`; the dbt
profile derives the same from SERVICENORMS_WAREHOUSE):

    raw/<entity>/<load id, 10 digits>.parquet   one file per landed batch (ingest/raw_parquet.py)
    tables/<schema>.db/<table>/                 Spark's tables (spark.sql.warehouse.dir)
    metastore_db/, derby.log                    Spark's local metastore
    catalog.duckdb                              DuckDB views over Spark's tables
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENGINE_ENV = "SERVICENORMS_ENGINE"
# The dbt profile's target of each engine (profiles/profiles.yml).
ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"
# The dbt var naming the raw Parquet folder on Spark.
RAW_PARQUET_VAR = "raw_parquet_dir"


def engine_name(value: str | None = None) -> str:
    """`value`, else SERVICENORMS_ENGINE, else duckdb; ValueError naming the setting
    when it is not an engine."""
    given = value if value is not None else os.environ.get(ENGINE_ENV)
    name = (given or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        where = "engine" if value is not None else ENGINE_ENV
        raise ValueError(f"{where}={given!r} is not an engine (one of {', '.join(ENGINES)})")
    return name


def spark_dir(warehouse: Path) -> Path:
    """Spark's folder of a warehouse (as profiles/profiles.yml derives it)."""
    return Path(re.sub(r"[.]duckdb$", "", str(Path(warehouse).resolve())) + ".spark")


def raw_parquet_dir(warehouse: Path) -> Path:
    return spark_dir(warehouse) / "raw"


def spark_tables_dir(warehouse: Path) -> Path:
    return spark_dir(warehouse) / "tables"


def spark_catalog_path(warehouse: Path) -> Path:
    return spark_dir(warehouse) / "catalog.duckdb"


def spark_unavailable() -> str | None:
    """Why the Spark engine cannot run on this machine, or None: it needs the `spark`
    extra (dbt-spark with PySpark) and a Java runtime."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pyspark") is None or (
        importlib.util.find_spec("dbt.adapters.spark") is None
    ):
        return "PySpark and dbt-spark are not installed (pip install -e '.[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and (Path(java_home) / "bin" / "java").exists()) and not shutil.which(
        "java"
    ):
        return "no Java runtime found (Spark 4 needs Java 17 or later: JAVA_HOME or java on PATH)"
    return None
