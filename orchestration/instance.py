"""The Dagster instance `servicenorms run` records into and `servicenorms ui` opens.

Both use the DAGSTER_HOME of the warehouse (`dagster_home/` beside it unless the
environment names another), so the UI shows the runs, the weeks materialised and
the checks of the command line as well as its own. A command-line run executes
in its own process; one killed before it ends stays STARTED in the instance
and would hold the UI's run queue (one run at a time) for good, so each run
first marks the runs of ended processes as failed
(docs/decisions/0006-dagster-instance-beside-the-warehouse.md).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from orchestration.defs.resources import dagster_home
from orchestration.processes import is_running

# Which process executes a command-line run: `<host>:<pid>`.
RUN_PROCESS_TAG = "servicenorms/process"


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_ended(process: str) -> bool:
    """True when `<host>:<pid>` names a process of this host that no longer runs."""
    host, _, pid = process.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's: not ours to judge
    return not is_running(int(pid))


def fail_runs_of_ended_processes(instance: DagsterInstance) -> list[str]:
    """Mark as failed every unfinished command-line run whose process has ended
    (killed, or the machine restarted); returns their run ids."""
    unfinished = instance.get_runs(
        filters=RunsFilter(
            statuses=[DagsterRunStatus.STARTING, DagsterRunStatus.STARTED],
        )
    )
    failed = []
    for run in unfinished:
        process = run.tags.get(RUN_PROCESS_TAG)
        if process and _process_ended(process):
            instance.report_run_failed(
                run, f"the process that ran it ({process}) ended before the run finished"
            )
            failed.append(run.run_id)
    return failed


@contextmanager
def operator_instance(warehouse: Path) -> Iterator[DagsterInstance]:
    """The persistent instance of `warehouse` (its DAGSTER_HOME), runs of ended
    processes marked failed."""
    home = dagster_home(warehouse)
    previous = os.environ.get("DAGSTER_HOME")
    # DagsterInstance.get() is the public way to open the instance of a home.
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with DagsterInstance.get() as instance:
            fail_runs_of_ended_processes(instance)
            yield instance
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous
