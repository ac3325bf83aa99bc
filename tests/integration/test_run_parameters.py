"""A dbt run's parameters (macros/run_parameters.sql) are dbt vars: the week
window and the test watermarks come from --vars when given, else the defaults of
dbt_project.yml (every week, every row tested); the week window never from the
environment (the weekly job still passes the keyed models' watermarks there).
dbt reuses its parse when a run's vars are those of the parse before and parses
the project again when they change (a new week: the cost docs/benchmarks.md
measures)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from orchestration.dbt_runner import dbt_args

PARAMETERS = "{{ week_start_min() }}|{{ week_start_max() }}|{{ watermarks_before_run() | tojson }}"


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
    monkeypatch.delenv("SERVICENORMS_WATERMARKS_BEFORE_RUN", raising=False)
    assert _parameters(tmp_path) == ["1900-01-01", "2999-01-01", "{}"]
    # The week window's environment channel of earlier versions is gone.
    monkeypatch.setenv("SERVICENORMS_WEEK_START_MIN", "2026-03-02")
    monkeypatch.setenv("SERVICENORMS_WEEK_START_MAX", "2026-03-09")
    assert _parameters(tmp_path)[:2] == ["1900-01-01", "2999-01-01"]
    monkeypatch.setenv("SERVICENORMS_WATERMARKS_BEFORE_RUN", '{"stg_raw__order_items": 40}')
    assert json.loads(_parameters(tmp_path)[2]) == {"stg_raw__order_items": 40}
    monkeypatch.delenv("SERVICENORMS_WATERMARKS_BEFORE_RUN")
    vars_ = json.dumps({
        "week_start_min": "2026-03-02", "week_start_max": "2026-03-09",
        "watermarks_before_run": {"stg_raw__order_items": 41},
    })
    lo, hi, since = _parameters(tmp_path, "--vars", vars_)
    assert (lo, hi, json.loads(since)) == ("2026-03-02", "2026-03-09", {"stg_raw__order_items": 41})
    # A var not given keeps its default.
    lo, hi, since = _parameters(tmp_path, "--vars", json.dumps({"week_start_min": "2026-01-05"}))
    assert (lo, hi, json.loads(since)) == ("2026-01-05", "2999-01-01", {})


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
