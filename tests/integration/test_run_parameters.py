"""A dbt run's parameters (macros/time/run_parameters.sql) are dbt vars: the week
window comes from --vars when given, else the defaults of dbt_project.yml
(every week); never from the environment. dbt reuses its parse when a run's
vars are those of the parse before and parses the project again when they
change (a new week: the cost docs/benchmarks.md measures)."""

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


def test_parameters_come_from_vars_then_the_defaults_the_window_never_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _parameters(tmp_path) == ["1900-01-01", "2999-01-01"]
    # The week window's environment channel of earlier versions is gone.
    monkeypatch.setenv("SERVICENORMS_WEEK_START_MIN", "2026-03-02")
    monkeypatch.setenv("SERVICENORMS_WEEK_START_MAX", "2026-03-09")
    assert _parameters(tmp_path) == ["1900-01-01", "2999-01-01"]
    vars_ = json.dumps({"week_start_min": "2026-03-02", "week_start_max": "2026-03-09"})
    assert _parameters(tmp_path, "--vars", vars_) == ["2026-03-02", "2026-03-09"]
    # A var not given keeps its default.
    vars_ = json.dumps({"week_start_min": "2026-01-05"})
    assert _parameters(tmp_path, "--vars", vars_) == ["2026-01-05", "2999-01-01"]


def _parsed_files(tmp_path: Path, *extra: str) -> int:
    _dbt(tmp_path, "parse", *extra)
    return json.loads((tmp_path / "target" / "perf_info.json").read_text())["parsed_path_count"]


def test_the_same_vars_keep_the_partial_parse_and_a_new_week_parses_again(
    tmp_path: Path,
) -> None:
    week = json.dumps({"week_start_min": "2026-03-02", "week_start_max": "2026-03-09"})
    assert _parsed_files(tmp_path, "--vars", week) > 0  # first parse: every file
    # The second step of a run passes the same vars: nothing is parsed again.
    assert _parsed_files(tmp_path, "--vars", week) == 0
    # The next week's vars re-parse the project.
    next_week = json.dumps({"week_start_min": "2026-03-09", "week_start_max": "2026-03-16"})
    assert _parsed_files(tmp_path, "--vars", next_week) > 0
