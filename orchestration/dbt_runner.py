"""Run dbt in-process against the warehouse (no subprocess start-up per call)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
PROFILES_DIR = PROJECT_DIR / "profiles"
# dbt's threads for a build of every week at once (a full refresh, or the first
# build of a warehouse), when it should differ from SERVICENORMS_DBT_THREADS (the
# profile's, for every build): at marketplace scale two large models spilling at
# once exhaust the temporary disk of such a build, while a weekly run's models
# are small and gain from a second thread.
FULL_BUILD_THREADS_ENV = "SERVICENORMS_DBT_FULL_BUILD_THREADS"


class DbtError(RuntimeError):
    pass


@dataclass
class DbtResult:
    success: bool
    failures: list[str]


def full_build_thread_args() -> list[str]:
    """`--threads N` for a build of every week at once when
    SERVICENORMS_DBT_FULL_BUILD_THREADS is set; nothing otherwise (the profile's
    threads apply)."""
    raw = os.environ.get(FULL_BUILD_THREADS_ENV, "").strip()
    if not raw:
        return []
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{FULL_BUILD_THREADS_ENV}={raw!r} must be a whole number, 1 or more")
    return ["--threads", str(int(raw))]


def dbt_args(command: str, *extra: str, vars: dict | None = None) -> list[str]:
    args = [
        command,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROFILES_DIR),
        *extra,
    ]
    if vars:
        args += ["--vars", json.dumps(vars, sort_keys=True)]
    return args


def run_dbt(
    command: str,
    *extra: str,
    warehouse: Path | str,
    vars: dict | None = None,
    quiet: bool = True,
) -> DbtResult:
    """Invoke dbt in this process; raise DbtError naming each failed node."""
    from dbt.cli.main import dbtRunner

    os.environ["SERVICENORMS_WAREHOUSE"] = str(Path(warehouse).resolve())
    cli_args: Sequence[str] = dbt_args(command, *extra, vars=vars)
    if quiet:
        cli_args = ["--quiet", "--no-use-colors", *cli_args]
    result = dbtRunner().invoke(list(cli_args))
    failures: list[str] = []
    if result.result is not None and hasattr(result.result, "results"):
        for node_result in result.result.results:
            status = str(getattr(node_result, "status", "")).lower()
            if status in ("error", "fail", "runtime error"):
                node = getattr(node_result, "node", None)
                name = getattr(node, "unique_id", "?")
                failures.append(f"{name}: {node_result.message}")
    if not result.success:
        detail = "; ".join(failures) if failures else str(result.exception)
        raise DbtError(f"dbt {command} failed: {detail}")
    return DbtResult(success=True, failures=failures)
