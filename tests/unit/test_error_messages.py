"""Errors a person can act on, from the texts the layers produce: a full disk named
with its path, the warehouse held by another process with its PID, a failed
rollback never hiding the error behind it (whole runs: tests/e2e/test_errors.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.errors import Places, describe_exception, explain
from orchestration.ingest.transaction import transaction

# Error texts as the layers produce them (taken from real runs on a full disk).
DUCKDB_COMMIT_ON_FULL_DISK = (
    'TransactionContext Error: Failed to commit: Could not write file '
    '"/data/wh/servicenorms.duckdb.wal": No space left on device'
)
DBT_STEP_ON_FULL_DISK = """The dbt CLI process with command

`dbt build --exclude-resource-type unit_test`

failed with exit code `2`. Check the stdout in the Dagster compute logs for the full \
information about the error, or view the dbt debug log: /repo/target/weekly/dbt.log.

Errors parsed from dbt logs:

Encountered an error:
FATAL Error: Failed: database has been invalidated because of a previous fatal error. \
The database must be restarted prior to being used again.
Original error: "Failed to create checkpoint because of error: Could not write file \
"/data/wh/servicenorms.duckdb": No space left on device"
"""
PYTHON_ON_FULL_DISK = "[Errno 28] No space left on device: '/data/wh/published/.copy.tmp'"
SQLITE_IO = "(sqlite3.OperationalError) disk I/O error\n[SQL: PRAGMA main.table_xinfo(\"runs\")]"
DUCKDB_LOCK = (
    'IO Error: Could not set lock on file "/data/wh/servicenorms.duckdb": Conflicting lock is '
    "held in /usr/bin/python3.11 (PID 4242). However, you would be able to open this database "
    "in read-only mode, e.g. by using the -readonly parameter in the CLI. See also "
    "https://duckdb.org/docs/stable/connect/concurrency"
)


def test_a_full_disk_is_named_with_the_path_that_could_not_be_written(tmp_path: Path) -> None:
    places = Places(tmp_path / "wh" / "servicenorms.duckdb")
    for text, path in (
        (DUCKDB_COMMIT_ON_FULL_DISK, "/data/wh/servicenorms.duckdb.wal"),
        (DBT_STEP_ON_FULL_DISK, "/data/wh/servicenorms.duckdb"),
        (PYTHON_ON_FULL_DISK, "/data/wh/published/.copy.tmp"),
    ):
        line = explain(text, places)
        assert line is not None and line.startswith("disk full: "), text
        assert f"holding {path} " in line and "free space there and run again" in line


def test_an_io_error_on_a_disk_with_room_is_not_called_a_full_disk(tmp_path: Path) -> None:
    assert explain(SQLITE_IO, Places(tmp_path / "servicenorms.duckdb")) is None


def test_a_warehouse_held_by_another_process_is_named_with_its_pid_and_the_published_copy(
) -> None:
    places = Places(Path("/data/wh/servicenorms.duckdb"), Path("/data/wh/published/p.duckdb"))
    line = explain(DUCKDB_LOCK, places)
    assert line == (
        "the warehouse /data/wh/servicenorms.duckdb is held by another process (PID 4242, "
        "/usr/bin/python3.11): let it finish or stop it, then run again; readers belong on "
        "the published copy /data/wh/published/p.duckdb"
    )


def test_an_unknown_error_is_its_own_first_line_without_the_class_name() -> None:
    try:
        raise RuntimeError("the model broke\nand here is a long story")
    except RuntimeError as exc:
        assert describe_exception(exc) == "the model broke"


def test_a_failed_rollback_does_not_hide_the_error_that_caused_it() -> None:
    con = duckdb.connect()
    with pytest.raises(ValueError, match="the cause") as raised:
        with transaction(con):
            con.execute("create table t (x integer)")
            con.execute("commit")  # the transaction ends early, as a fatal DuckDB error ends it
            raise ValueError("the cause")
    (note,) = raised.value.__notes__
    assert "`rollback` failed too" in note and "no transaction is active" in note
    con.close()


def test_a_transaction_that_fails_is_rolled_back() -> None:
    con = duckdb.connect()
    con.execute("create table t (x integer)")
    with pytest.raises(ValueError):
        with transaction(con):
            con.execute("insert into t values (1)")
            raise ValueError("no")
    assert con.execute("select count(*) from t").fetchone() == (0,)
    con.close()
