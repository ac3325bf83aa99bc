"""Errors a person can act on: a failed run ends in one line naming the cause and
what to do (a full disk with its path, the warehouse held by another process with
its PID, the failing dbt model with its error), a failed rollback never hides the
error behind it, and no traceback reaches the user without --debug."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from cli_runs import run_cli
from conftest import OperatedWarehouse

from orchestration.cli import main


def test_a_failing_dbt_model_is_named_with_its_error_in_the_last_line(
    operated_warehouse: OperatedWarehouse, tmp_path: Path
) -> None:
    wh = operated_warehouse.copy_to(tmp_path)
    con = duckdb.connect(str(wh.warehouse))
    # A raw table whose column was renamed by hand: its staging model cannot read it.
    con.execute("alter table raw.sellers rename column country to country_code")
    con.close()
    code, _, err = wh.run("--week", "2026-W05")
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
    "time.sleep(3600)"  # until held() kills it: however slow the run, the file stays held
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


def never_start_dagster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make building the Dagster definitions fail the test: a refused run must not get there."""
    from orchestration.defs import definitions

    def started(*_: object, **__: object) -> None:
        raise AssertionError("the run started Dagster on a held warehouse")

    monkeypatch.setattr(definitions, "build_definitions", started)


def test_a_run_on_a_warehouse_held_by_another_process_names_its_pid_in_one_line_before_starting(
    operated_warehouse: OperatedWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = operated_warehouse.copy_to(tmp_path)
    never_start_dagster(monkeypatch)
    with held(wh.warehouse) as pid:
        code, _, err = wh.run()
    assert code == 1, err
    line = err.strip().splitlines()[-1]  # progress lines come before it
    assert f"is held by another process (PID {pid}," in line
    assert f"readers belong on the published copy {wh.published}" in line
    assert "Traceback" not in err


def test_the_daily_run_on_a_held_warehouse_names_its_pid_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "warehouse" / "servicenorms.duckdb"
    warehouse.parent.mkdir()
    duckdb.connect(str(warehouse)).close()
    (tmp_path / "landing").mkdir()
    never_start_dagster(monkeypatch)
    with held(warehouse) as pid:
        code, _, err = run_cli(
            "progress", "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse)
        )
    assert code == 1, err
    line = err.strip().splitlines()[-1]
    assert f"the warehouse {warehouse.resolve()} is held by another process (PID {pid}," in line
    assert "readers belong on the published copy " in line and "Traceback" not in err


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
