"""Errors a person can act on: a failed run ends in one line naming the cause and
what to do (a full disk with its path, the warehouse held by another process with
its PID, the failing dbt model with its error), a failed rollback never hides the
error behind it, and no traceback reaches the user without --debug."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import OperatedWarehouse

from orchestration.cli import main
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


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_a_failing_dbt_model_is_named_with_its_error_in_the_last_line(
    operated_warehouse: OperatedWarehouse, tmp_path: Path
) -> None:
    wh = operated_warehouse.copy_to(tmp_path)
    con = duckdb.connect(str(wh.warehouse))
    # A raw table whose column was renamed by hand: its staging model cannot read it.
    con.execute("alter table raw.sellers rename column country to country_code")
    con.close()
    code, _, err = run_cli(
        "run", "--landing", str(wh.landing), "--warehouse", str(wh.warehouse), "--week", "2026-W05"
    )
    assert code == 1
    line = err.strip().splitlines()[-1]  # progress lines come before it
    assert line.startswith(
        "servicenorms run: error: step servicenorms_weekly: dbt model stg_raw__sellers failed: "
        'Binder Error: Referenced column "country" not found'
    )
    assert line.endswith("/dbt.log") and "dbt's log: " in line
    assert "Traceback" not in err


HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "time.sleep(120)"
)


@contextlib.contextmanager
def held(warehouse: Path):
    """Another process holding the warehouse, as a BI tool on the live file would."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_a_run_on_a_warehouse_held_by_another_process_names_its_pid_in_one_line(
    operated_warehouse: OperatedWarehouse, tmp_path: Path
) -> None:
    wh = operated_warehouse.copy_to(tmp_path)
    with held(wh.warehouse) as pid:
        started = time.monotonic()
        code, _, err = run_cli(
            "run", "--landing", str(wh.landing), "--warehouse", str(wh.warehouse)
        )
    assert code == 1, err
    line = err.strip().splitlines()[-1]  # progress lines come before it
    assert f"is held by another process (PID {pid}," in line
    assert f"readers belong on the published copy {wh.published}" in line
    assert time.monotonic() - started < 120


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    (tmp_path / "landing").mkdir()
    with held(warehouse):
        code, _, err = run_cli("land", str(tmp_path / "landing"), "--warehouse", str(warehouse))
        assert code == 1 and len(err.strip().splitlines()) == 1
        assert "(--debug shows the traceback)" in err
        with pytest.raises(duckdb.IOException):
            main(["--debug", "land", str(tmp_path / "landing"), "--warehouse", str(warehouse)])


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
    )
    return done.returncode == 0


def test_a_full_disk_ends_landing_in_one_line_and_the_next_run_lands_the_rest(
    tmp_path: Path,
) -> None:
    """On a real full disk (a small tmpfs, where this machine allows mounting one)."""
    from orchestration.generator import generate

    landing = tmp_path / "landing"
    generate(landing, sellers=30, weeks=8, start_week="2026-W01", seed=3)
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "3m"):
        pytest.skip("mounting a small tmpfs needs root and a system that allows it")
    try:
        warehouse = disk / "servicenorms.duckdb"
        code, _, err = run_cli("land", str(landing), "--warehouse", str(warehouse))
        assert code == 1
        line = err.strip().splitlines()[-1]  # progress lines come before it
        assert line.startswith(f"servicenorms land: error: disk full: no space left on the "
                               f"device holding {disk}")
        assert "rollback" not in line and "Traceback" not in err
        # Space freed: the next run lands every file the first did not.
        subprocess.run(["mount", "-o", "remount,size=256m", str(disk)], check=True)
        code, _, err = run_cli("land", str(landing), "--warehouse", str(warehouse))
        assert code == 0, err
        files = sum(1 for p in landing.rglob("*") if p.is_file())
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            assert con.execute(
                "select count(*) from raw._batches where status = 'LOADED'"
            ).fetchone() == (files,)
        finally:
            con.close()
    finally:
        subprocess.run(["umount", str(disk)], check=False)
