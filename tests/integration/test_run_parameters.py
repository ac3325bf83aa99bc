"""A dbt run's parameters (macros/time/run_parameters.sql): the week window comes from
--vars when given, else from the orchestrator's environment,
else the defaults; and a new week's parameters leave dbt's partial parsing intact
(changed --vars re-parse the whole project every run)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from orchestration.dbt_runner import dbt_args

PARAMETERS = "{{ week_start_min() }}|{{ week_start_max() }}"


def _dbt(tmp_path: Path, command: str, *extra: str) -> object:
    os.environ["SERVICENORMS_WAREHOUSE"] = str(tmp_path / "w.duckdb")
    result = dbtRunner().invoke(
        ["--quiet", *dbt_args(command, "--target-path", str(tmp_path / "target"), *extra)]
    )
    assert result.success, result.exception
    return result


def _parameters(tmp_path: Path, *extra: str) -> list[str]:
    result = _dbt(tmp_path, "compile", "--inline", PARAMETERS, *extra)
    return result.result.results[0].node.compiled_code.strip().split("|")


def test_parameters_come_from_vars_then_the_environment_then_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("WEEK_START_MIN", "WEEK_START_MAX"):
        monkeypatch.delenv(f"SERVICENORMS_{name}", raising=False)
    assert _parameters(tmp_path) == ["1900-01-01", "2999-01-01"]
    monkeypatch.setenv("SERVICENORMS_WEEK_START_MIN", "2026-03-02")
    monkeypatch.setenv("SERVICENORMS_WEEK_START_MAX", "2026-03-09")
    assert _parameters(tmp_path) == ["2026-03-02", "2026-03-09"]
    # A var given by hand wins over the environment.
    vars_ = json.dumps({"week_start_min": "2026-01-05"})
    assert _parameters(tmp_path, "--vars", vars_) == ["2026-01-05", "2026-03-09"]


def _parsed_files(tmp_path: Path, *extra: str) -> int:
    _dbt(tmp_path, "parse", *extra)
    return json.loads((tmp_path / "target" / "perf_info.json").read_text())["parsed_path_count"]


def test_a_new_week_in_the_environment_keeps_the_partial_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICENORMS_WEEK_START_MIN", "2026-03-02")
    assert _parsed_files(tmp_path) > 0  # first parse: every file
    monkeypatch.setenv("SERVICENORMS_WEEK_START_MIN", "2026-03-09")
    assert _parsed_files(tmp_path) == 0
    # The same change as --vars re-parses the project.
    assert _parsed_files(tmp_path, "--vars", '{"week_start_min": "2026-03-16"}') > 0
