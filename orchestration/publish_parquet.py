"""Publish the marts as Parquet beside the DuckDB copy, for BI tools that cannot open DuckDB.

Layout, beside `published/servicenorms_marts.duckdb`:

    published/parquet -> parquet-versions/<version>          (a symbolic link)
    published/parquet-versions/<version>/_manifest.json     tables, columns, files, rows
    published/parquet-versions/<version>/<table>/week_start=2026-03-02/part-0.parquet
    published/parquet-versions/<version>/<table>/part-0.parquet   (a table without weeks,
                                                                   or without rows)

A table with a `week_start` column is partitioned by week (Hive style: the
column lives in the folder name, as Spark, DuckDB and pyarrow expect); any
other table is one file. Each publication is a new version folder, and the
link is swapped in with one `rename`, as atomic as the DuckDB copy's: a reader
that resolved `parquet` before the swap keeps reading the previous version,
which stays until the next publication.

Deterministic: the same marts give the same files, byte for byte (rows in a
total order, one writer per file), and the same version name (a hash of the
manifest). A new version writes only the partitions whose rows changed: each
partition carries a fingerprint (row count and an order-independent hash of
its rows), and a partition whose fingerprint the previous version already has
is hard-linked from it instead of written again
(docs/decisions/0002-parquet-versions-hard-linked.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.atomic_files import replacing
from orchestration.sql_text import quote_identifier as _q
from orchestration.sql_text import quote_literal as _lit

MARTS_SCHEMA = "marts"
PARTITION_COLUMN = "week_start"
MANIFEST = "_manifest.json"
LINK_NAME = "parquet"
VERSIONS = "parquet-versions"
# Part of every fingerprint: a change of the layout or of the writer rewrites every file.
LAYOUT_VERSION = 1
WRITE_OPTIONS = "format parquet, compression zstd"


class ParquetPublishError(RuntimeError):
    """The Parquet folder cannot be published (e.g. something else is in its place)."""


@dataclass(frozen=True)
class ParquetTable:
    """How one table reached the new version."""

    rows: int
    files: int
    written: int  # files written anew
    kept: int  # files taken unchanged from the previous version

    def describe(self) -> str:
        if self.rows == 0:
            return "no rows (one empty file)"
        if self.written == 0:
            return f"{self.files} file(s) unchanged"
        return f"{self.written} of {self.files} file(s) written"


def parquet_root(published: Path) -> Path:
    """The Parquet folder (a link to the current version) beside the published DuckDB copy."""
    return Path(published).resolve().parent / LINK_NAME


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = 'src' and schema_name = ? order by table_name, column_index",
        [MARTS_SCHEMA],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _is_partitioned(columns: list[tuple[str, str]]) -> bool:
    return (PARTITION_COLUMN, "DATE") in columns


def _file_name(table: str, week: object | None) -> str:
    if week is None:
        return f"{table}/part-0.parquet"
    return f"{table}/{PARTITION_COLUMN}={week}/part-0.parquet"


def _fingerprint(columns: list[tuple[str, str]], rows: int, digest: str) -> str:
    key = "|".join([str(LAYOUT_VERSION), duckdb.__version__, repr(columns), str(rows), digest])
    return hashlib.sha256(key.encode()).hexdigest()


def build_manifest(con: duckdb.DuckDBPyConnection) -> dict:
    """Every table of `src.marts`: its columns and its files with rows and fingerprint.

    One grouped scan per table; the fingerprint hashes the layout, the writer's
    version, the columns, the row count and the sum of the rows' hashes (an
    order-independent digest of the partition's rows)."""
    manifest: dict = {"layout": LAYOUT_VERSION, "tables": {}}
    for table, columns in sorted(_tables(con).items()):
        source = f"src.{MARTS_SCHEMA}.{_q(table)}"
        partitioned = _is_partitioned(columns)
        group = _q(PARTITION_COLUMN) if partitioned else "null"
        parts = con.execute(
            f"select {group} as part, count(*), cast(sum(cast(hash(t) as hugeint)) as varchar) "
            f"from {source} as t group by part order by part"
        ).fetchall()
        files = {}
        for week, rows, digest in parts:
            if rows == 0:
                continue
            files[_file_name(table, week)] = {
                "rows": rows,
                "fingerprint": _fingerprint(columns, rows, digest),
            }
        if not files:
            # An empty table is one file of no rows with every column: a reader's
            # glob finds it and learns the columns (a week-partitioned table has no
            # week to name a folder after).
            files[_file_name(table, None)] = {
                "rows": 0,
                "fingerprint": _fingerprint(columns, 0, "empty"),
            }
        manifest["tables"][table] = {
            "columns": [list(c) for c in columns],
            "partition_by": PARTITION_COLUMN if partitioned else None,
            "files": files,
        }
    return manifest


def _manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=1, sort_keys=True) + "\n"


def _read_manifest(version: Path | None) -> dict:
    if version is None:
        return {}
    try:
        return json.loads((version / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def _previous_files(manifest: dict) -> dict[str, str]:
    """file -> fingerprint of a previous version's manifest."""
    return {
        name: entry.get("fingerprint")
        for table in manifest.get("tables", {}).values()
        for name, entry in table.get("files", {}).items()
    }


def _current_version(link: Path) -> Path | None:
    if link.is_symlink():
        target = link.resolve()
        return target if target.is_dir() else None
    if link.exists():
        raise ParquetPublishError(
            f"{link}: expected a link to the current Parquet version, found a "
            "file or folder; move it away and publish again"
        )
    return None


def _write_file(con: duckdb.DuckDBPyConnection, table: str, columns, week, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [c for c, _ in columns if not (week is not None and c == PARTITION_COLUMN)]
    select = ", ".join(_q(c) for c in names)
    where = f"where {_q(PARTITION_COLUMN)} = ?" if week is not None else ""
    # `order by all`: a total order of the rows, so the same rows give the same bytes.
    con.execute(
        f"copy (select {select} from src.{MARTS_SCHEMA}.{_q(table)} {where} order by all) "
        f"to {_lit(str(path))} ({WRITE_OPTIONS})",
        [week] if week is not None else [],
    )


def _keep_file(source: Path, target: Path) -> None:
    """Take a file unchanged from the previous version: a hard link, else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def publish_parquet(published: Path, root: Path | None = None) -> dict[str, ParquetTable]:
    """Write the marts of the published DuckDB copy as a new Parquet version and
    swap it in (module docstring); returns each table's rows and files."""
    published = Path(published)
    link = Path(root) if root is not None else parquet_root(published)
    versions = link.parent / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    current = _current_version(link)
    previous = _read_manifest(current)
    previous_files = _previous_files(previous)

    con = duckdb.connect()
    try:
        con.execute(f"attach {_lit(str(published.resolve()))} as src (read_only)")
        manifest = build_manifest(con)
        text = _manifest_text(manifest)
        name = hashlib.sha256(text.encode()).hexdigest()[:16]
        out: dict[str, ParquetTable] = {}
        if current is not None and current.name == name and _read_manifest(current) == manifest:
            for table, entry in manifest["tables"].items():
                files = entry["files"]
                rows = sum(f["rows"] for f in files.values())
                out[table] = ParquetTable(rows, len(files), 0, len(files))
            return out

        staging = versions / f".tmp-{name}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            for table, entry in manifest["tables"].items():
                columns = [tuple(c) for c in entry["columns"]]
                written = kept = 0
                for file_name, meta in entry["files"].items():
                    target = staging / file_name
                    old = current / file_name if current is not None else None
                    if (
                        old is not None
                        and previous_files.get(file_name) == meta["fingerprint"]
                        and old.is_file()
                    ):
                        _keep_file(old, target)
                        kept += 1
                        continue
                    week = None
                    if meta["rows"] and entry["partition_by"]:
                        week = file_name.split("/")[1].split("=", 1)[1]
                    _write_file(con, table, columns, week, target)
                    written += 1
                (staging / table).mkdir(exist_ok=True)
                rows = sum(f["rows"] for f in entry["files"].values())
                out[table] = ParquetTable(rows, len(entry["files"]), written, kept)
            (staging / MANIFEST).write_text(text)
            final = versions / name
            if final.exists():
                shutil.rmtree(final)
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        con.close()

    # The swap: a new link under a temporary name, renamed over the old one.
    with replacing(link) as tmp_link:
        os.symlink(Path(VERSIONS) / name, tmp_link)
    _prune(versions, keep={name, current.name if current is not None else name})
    return out


def _prune(versions: Path, keep: set[str]) -> None:
    """Remove every version but the new one and the one it replaced (a reader may
    still be on it), and any leftover of an interrupted publication."""
    for path in versions.iterdir():
        if path.name not in keep:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
