"""Fast checks of the code location: it loads, partitions map to dbt vars, the
schedule asks for the right week, the blocking check names batch and rule."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import AssetKey, Definitions, PartitionKeyRange, build_schedule_context

from orchestration.defs.assets import LANDED_BATCHES, PUBLISHED_MARTS
from orchestration.defs.checks import Finding, landing_findings, raw_data_check_result
from orchestration.defs.definitions import PROVISIONAL_JOB, WEEKLY_JOB, build_definitions
from orchestration.defs.resources import ServiceNormsSettings
from orchestration.defs.schedules import PROVISIONAL_SCHEDULE, WEEKLY_SCHEDULE
from orchestration.defs.sensors import CIRCUMSTANCES_SENSOR
from orchestration.ingest.landing import BatchResult, LandingSummary
from orchestration.weeks import (
    dbt_vars_for_range,
    partition_dbt_vars,
    partition_label,
    run_dbt_vars,
    weekly_partitions,
)

AMS = ZoneInfo("Europe/Amsterdam")
FIRST_KEY = "2025-09-29"  # the first partition (2025-W40)


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> Definitions:
    root = tmp_path_factory.mktemp("units")
    return build_definitions(
        ServiceNormsSettings.create(
            landing=root / "landing", warehouse=root / "w.duckdb", first_week="2025-W40"
        )
    )


def test_definitions_load_and_the_weekly_job_resolves(defs: Definitions) -> None:
    Definitions.validate_loadable(defs)
    job = defs.resolve_job_def(WEEKLY_JOB)
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert {LANDED_BATCHES, PUBLISHED_MARTS, AssetKey(["marts", "platform_week_summary"])} <= keys
    assert AssetKey("fct_seller_week_indicator_counts") in keys
    # The weekly facts are partitioned, the marts are not.
    assert graph.get(AssetKey("fct_seller_week_indicator_counts")).partitions_def is not None
    assert graph.get(AssetKey(["marts", "seller_week_indicators"])).partitions_def is None
    assert job.partitions_def is not None
    # dbt tests became asset checks, beside the blocking raw-data check.
    check_keys = {c.name for c in graph.asset_check_keys}
    assert "no_rejected_or_quarantined_data" in check_keys and len(check_keys) > 10
    assert defs.resolve_schedule_def(WEEKLY_SCHEDULE) is not None
    assert defs.resolve_sensor_def(CIRCUMSTANCES_SENSOR) is not None


def test_partitions_are_iso_weeks_starting_monday_from_the_first_week() -> None:
    partitions = weekly_partitions(date(2025, 9, 29))
    keys = partitions.get_partition_keys(current_time=datetime(2026, 1, 8, tzinfo=AMS))
    assert keys[0] == "2025-09-29" and partition_label(keys[0]) == "2025-W40"
    assert keys[-1] == "2025-12-29" and partition_label(keys[-1]) == "2026-W01"
    assert all(date.fromisoformat(k).isoweekday() == 1 for k in keys)


def test_partition_key_maps_to_a_half_open_week_window() -> None:
    assert partition_dbt_vars("2026-03-02") == {
        "week_start_min": "2026-03-02",
        "week_start_max": "2026-03-09",
    }
    assert partition_dbt_vars("2026-12-28", "2027-01-04") == {
        "week_start_min": "2026-12-28",
        "week_start_max": "2027-01-11",
    }
    # From the beginning: no lower bound, the project's default (every week before).
    assert partition_dbt_vars("2025-09-29", "2025-10-06", from_beginning=True) == {
        "week_start_max": "2025-10-13",
    }
    with pytest.raises(ValueError, match="not a Monday"):
        partition_dbt_vars("2026-03-03")


@pytest.mark.parametrize(
    ("wednesday", "expected_key", "label"),
    [
        (datetime(2026, 3, 11, 6, 0, tzinfo=AMS), "2026-03-02", "2026-W10"),
        # Year boundary: 2026 has 53 ISO weeks, W53 runs 2026-12-28..2027-01-03.
        (datetime(2027, 1, 6, 6, 0, tzinfo=AMS), "2026-12-28", "2026-W53"),
        # 2025 has 52 weeks: the week of 2025-12-29 is 2026-W01.
        (datetime(2026, 1, 7, 6, 0, tzinfo=AMS), "2025-12-29", "2026-W01"),
        # DST started Sunday 2026-03-29: the week before has 167 hours.
        (datetime(2026, 4, 1, 6, 0, tzinfo=AMS), "2026-03-23", "2026-W13"),
        # DST ended Sunday 2026-10-25.
        (datetime(2026, 10, 28, 6, 0, tzinfo=AMS), "2026-10-19", "2026-W43"),
    ],
)
def test_wednesday_schedule_requests_the_week_that_ended_the_sunday_before(
    defs: Definitions, wednesday: datetime, expected_key: str, label: str
) -> None:
    schedule = defs.resolve_schedule_def(WEEKLY_SCHEDULE)
    assert schedule.cron_schedule == "0 6 * * 3"
    assert schedule.execution_timezone == "Europe/Amsterdam"
    assert schedule.default_status.value == "RUNNING"
    request = schedule(build_schedule_context(scheduled_execution_time=wednesday))
    assert request.partition_key == expected_key
    assert request.tags["servicenorms/week"] == label


@pytest.mark.parametrize(
    ("scheduled", "expected_key"),
    [
        # Friday of 2026-W11: the last finalised week is W10.
        (datetime(2026, 3, 13, 6, 0, tzinfo=AMS), "2026-03-02"),
        # Tuesday of W12: W11 has ended but is finalised only tomorrow.
        (datetime(2026, 3, 17, 6, 0, tzinfo=AMS), "2026-03-02"),
        # Sunday 2027-01-03 closes 2026-W53; W52 is the last finalised.
        (datetime(2027, 1, 3, 6, 0, tzinfo=AMS), "2026-12-21"),
    ],
)
def test_the_week_in_progress_is_measured_daily_but_wednesdays_as_of_the_scheduled_time(
    defs: Definitions, scheduled: datetime, expected_key: str
) -> None:
    schedule = defs.resolve_schedule_def(PROVISIONAL_SCHEDULE)
    assert schedule.job_name == PROVISIONAL_JOB
    # Wednesday's weekly run measures the new week in progress itself.
    assert schedule.cron_schedule == "0 6 * * 0,1,2,4,5,6"
    assert schedule.execution_timezone == "Europe/Amsterdam"
    assert schedule.default_status.value == "RUNNING"
    request = schedule(build_schedule_context(scheduled_execution_time=scheduled))
    assert request.partition_key == expected_key
    assert datetime.fromisoformat(request.tags["servicenorms/as_of"]) == scheduled


def test_the_week_in_progress_job_builds_no_weekly_fact_and_no_finalised_mart(
    defs: Definitions,
) -> None:
    job = defs.resolve_job_def(PROVISIONAL_JOB)
    keys = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert {"landed_batches", "marts/seller_week_provisional", "published_marts",
            "intermediate/int_order_items_measured",
            "intermediate/int_provisional_week_counts"} <= keys
    assert not {k for k in keys if k.startswith("fct_") or k == "intermediate/int_dynamic_norms"}
    assert [k for k in keys if k.startswith("marts/")] == ["marts/seller_week_provisional"]


def test_blocking_check_passes_without_findings_and_names_batch_and_rule() -> None:
    assert raw_data_check_result([]).passed
    summary = LandingSummary(
        [
            BatchResult("sellers", "sellers/a.csv", "LOADED", 1, 3, 3, 0),
            BatchResult(
                "order_items",
                "order_items/bad.csv",
                "REJECTED",
                2,
                reason="order_items/bad.csv: missing contract column(s) seller_id",
            ),
        ]
    )
    findings = landing_findings(summary)
    assert findings == [
        Finding("order_items/bad.csv", "order_items/bad.csv: missing contract column(s) seller_id")
    ]
    # Another validator's finding joins the same list.
    findings.append(Finding("reviews/r.csv", "grade between 1 and 10", 2, source="expectations"))
    result = raw_data_check_result(findings)
    assert not result.passed and result.severity.value == "ERROR"
    assert "order_items/bad.csv" in result.description
    assert "missing contract column(s) seller_id" in result.description
    assert "reviews/r.csv" in result.metadata["batches"].value

    class Warning_:
        blocking = False

        def describe(self) -> str:
            return "phone_calls/p.csv: 2 row(s) quarantined [WARN]"

    informs = raw_data_check_result([Warning_()])
    assert informs.passed and "phone_calls/p.csv" in informs.metadata["batches"].value


def test_cli_ui_is_offered(capsys: pytest.CaptureFixture[str]) -> None:
    from orchestration.cli import main

    with pytest.raises(SystemExit):
        main(["ui", "--help"])
    out = capsys.readouterr().out
    assert "--landing" in out and "--first-week" in out


def test_partition_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SERVICENORMS_LANDING", str(tmp_path / "in"))
    monkeypatch.setenv("SERVICENORMS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("SERVICENORMS_FIRST_WEEK", "2026-W02")
    monkeypatch.delenv("SERVICENORMS_PUBLISHED", raising=False)
    s = ServiceNormsSettings.create()
    assert s.landing == (tmp_path / "in").resolve()
    assert s.first_week == date(2026, 1, 5)
    assert s.published == (tmp_path / "published" / "servicenorms_marts.duckdb").resolve()


def test_weekly_dbt_step_builds_the_window_or_fully_refreshes_every_week(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orchestration.defs.assets import weekly_dbt_args

    monkeypatch.delenv("SERVICENORMS_DBT_FULL_BUILD_THREADS", raising=False)

    # dbt's unit tests (fixed inputs) run in the test suite, not every week.
    skip_unit_tests = ["--exclude-resource-type", "unit_test"]
    assert weekly_dbt_args(False) == ["build", *skip_unit_tests]
    assert weekly_dbt_args(True) == ["build", "--full-refresh", *skip_unit_tests]
    week = PartitionKeyRange("2026-03-02", "2026-03-02")
    window = {"week_start_min": "2026-03-02", "week_start_max": "2026-03-09"}
    # The measured weeks end after the last week finalised as of the run's
    # moment, whatever weeks the run rebuilds, in a full refresh too; the week in
    # progress is measured as of that moment.
    now = datetime(2026, 3, 26, 12, 0, tzinfo=AMS)  # 2026-03-16 finalised on the 25th
    measured = {"measured_weeks_end": "2026-03-23", "as_of": "2026-03-26T12:00:00+01:00"}
    assert run_dbt_vars(week, FIRST_KEY, now) == {**window, **measured}
    # A full refresh recreates the week-window tables: never for one week only.
    assert run_dbt_vars(week, FIRST_KEY, now, full_refresh=True) == measured
    # A run without partitions (the marts on their own) builds every week.
    assert run_dbt_vars(None, FIRST_KEY, now) == measured
    # The vars reach dbt as the invocation's --vars, and nothing else does.
    args = weekly_dbt_args(False, dbt_vars=run_dbt_vars(week, FIRST_KEY, now))
    assert args[:-2] == ["build", *skip_unit_tests] and args[-2] == "--vars"
    assert json.loads(args[-1]) == {**window, **measured}


def test_a_partition_range_becomes_exactly_these_dbt_vars() -> None:
    """One run over partitions [first, last]: the half-open window of their weeks,
    down to the earliest week when the range starts at the first partition."""
    now = datetime(2026, 3, 26, 12, 0, tzinfo=AMS)
    as_of = {"measured_weeks_end": "2026-03-23", "as_of": "2026-03-26T12:00:00+01:00"}
    backfill = PartitionKeyRange("2026-02-23", "2026-03-09")
    assert run_dbt_vars(backfill, FIRST_KEY, now) == {
        "week_start_min": "2026-02-23", "week_start_max": "2026-03-16", **as_of,
    }
    from_first = PartitionKeyRange(FIRST_KEY, "2026-03-09")
    assert run_dbt_vars(from_first, FIRST_KEY, now) == {"week_start_max": "2026-03-16", **as_of}
    # A year with 53 ISO weeks: W53 is a week like any other.
    year_end = PartitionKeyRange("2026-12-28", "2026-12-28")
    assert dbt_vars_for_range(year_end, FIRST_KEY) == {
        "week_start_min": "2026-12-28", "week_start_max": "2027-01-04",
    }
    with pytest.raises(ValueError, match="reversed"):
        dbt_vars_for_range(PartitionKeyRange("2026-03-09", "2026-03-02"), FIRST_KEY)


def test_a_build_of_every_week_takes_its_own_thread_count_when_one_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SERVICENORMS_DBT_FULL_BUILD_THREADS applies to the builds that compute every
    week at once: a full refresh, and the first build of a warehouse (no staging
    built yet), in the Dagster steps and in the dbt-only build. Weekly runs
    keep the profile's threads."""
    from orchestration import pipeline
    from orchestration.defs.assets import weekly_dbt_args

    skip_unit_tests = ["--exclude-resource-type", "unit_test"]
    monkeypatch.setenv("SERVICENORMS_DBT_FULL_BUILD_THREADS", " 1 ")
    assert weekly_dbt_args(True) == ["build", "--full-refresh", "--threads", "1", *skip_unit_tests]
    assert weekly_dbt_args(False, first_build=True) == [
        "build", "--threads", "1", *skip_unit_tests
    ]
    assert weekly_dbt_args(False) == ["build", *skip_unit_tests]

    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(pipeline, "run_dbt", lambda command, *extra, **kw: calls.append(
        (command, *extra)
    ))
    built = [False]
    monkeypatch.setattr(pipeline, "_staging_built", lambda warehouse: built[0])
    pipeline.build_weeks(Path("w.duckdb"), None, date(2026, 3, 2), full_refresh=True)
    pipeline.build_weeks(Path("w.duckdb"), None, date(2026, 3, 2))  # nothing built yet
    built[0] = True
    pipeline.build_weeks(Path("w.duckdb"), date(2026, 3, 2), date(2026, 3, 2))
    full_refresh, first_build, weekly_build = calls[1], calls[3], calls[5]
    assert full_refresh[0] == "build" and full_refresh[-2:] == ("--threads", "1")
    assert first_build[0] == "build" and first_build[-2:] == ("--threads", "1")
    assert weekly_build[0] == "build" and "--threads" not in weekly_build

    monkeypatch.delenv("SERVICENORMS_DBT_FULL_BUILD_THREADS")
    assert weekly_dbt_args(True, first_build=True) == ["build", "--full-refresh", *skip_unit_tests]
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv("SERVICENORMS_DBT_FULL_BUILD_THREADS", bad)
        with pytest.raises(ValueError, match="SERVICENORMS_DBT_FULL_BUILD_THREADS"):
            weekly_dbt_args(True)


def test_dbt_environment_points_dbt_at_the_warehouse_and_restores_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from orchestration.defs.resources import WarehouseResource

    monkeypatch.setenv("SERVICENORMS_WAREHOUSE", "left over")
    resource = WarehouseResource(
        landing_dir=str(tmp_path), warehouse_path=str(tmp_path / "w.duckdb"),
        published_path=str(tmp_path / "p.duckdb"),
    )
    ours = ("SERVICENORMS_WAREHOUSE",)
    before = dict(os.environ)
    with resource.dbt_environment():
        assert os.environ["SERVICENORMS_WAREHOUSE"] == str(tmp_path / "w.duckdb")
        # The run's weeks travel as --vars, never through the environment.
        assert {k: v for k, v in os.environ.items() if k not in ours} == {
            k: v for k, v in before.items() if k not in ours
        }
    assert os.environ["SERVICENORMS_WAREHOUSE"] == "left over"


def test_a_dbt_step_hands_its_parse_state_back_to_the_project(tmp_path: Path) -> None:
    from orchestration.defs.assets import keep_parse_state

    step, project = tmp_path / "step", tmp_path / "target"
    assert not keep_parse_state(step, project)  # a step that never parsed: nothing to keep
    step.mkdir()
    (step / "partial_parse.msgpack").write_bytes(b"state of the step")
    assert keep_parse_state(step, project)
    assert (project / "partial_parse.msgpack").read_bytes() == b"state of the step"
    assert [p.name for p in project.iterdir()] == ["partial_parse.msgpack"]


def test_a_dbt_step_keeps_only_its_newest_target_folders(tmp_path: Path) -> None:
    from orchestration.defs.assets import prune_step_targets

    target = tmp_path / "target"
    weekly = [target / f"servicenorms_weekly-{i:07x}-abc{i:04d}" for i in range(5)]
    marts = [target / f"servicenorms_marts-{i:07x}-def{i:04d}" for i in range(3)]
    other = [target / "compiled", target / "servicenorms_weekly-notes"]
    for folder in weekly + marts + other:
        folder.mkdir(parents=True)
        (folder / "dbt.log").write_text("log")
    for i, folder in enumerate(weekly):  # weekly[0] oldest; the others older still
        os.utime(folder, (2_000 + i, 2_000 + i))
    for folder in marts + other:
        os.utime(folder, (1_000, 1_000))
    current = weekly[0]  # the step that just ran is kept whatever its time
    removed = prune_step_targets(current, keep=2)
    assert sorted(removed) == sorted(weekly[1:3])
    assert sorted(p.name for p in target.iterdir()) == sorted(
        p.name for p in [weekly[0], weekly[3], weekly[4], *marts, *other]
    )


def test_cli_refuses_a_full_refresh_of_one_week(capsys: pytest.CaptureFixture[str]) -> None:
    from orchestration.cli import main

    code = main(["run", "--landing", ".", "--week", "2026-W10", "--full-refresh"])
    assert code == 2  # misuse
    assert "--full-refresh rebuilds every week" in capsys.readouterr().err




def test_the_engine_comes_from_the_argument_then_the_environment_then_duckdb(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from orchestration.defs.resources import ServiceNormsSettings

    warehouse = tmp_path / "w.duckdb"
    monkeypatch.delenv("SERVICENORMS_ENGINE", raising=False)
    assert ServiceNormsSettings.create(warehouse=warehouse).engine == "duckdb"
    monkeypatch.setenv("SERVICENORMS_ENGINE", "Spark")
    assert ServiceNormsSettings.create(warehouse=warehouse).engine == "spark"
    assert ServiceNormsSettings.create(warehouse=warehouse, engine="duckdb").engine == "duckdb"


def test_spark_builds_with_its_target_and_the_raw_parquet_folder_as_a_var(
    tmp_path: Path,
) -> None:
    from orchestration.defs.definitions import build_definitions
    from orchestration.defs.resources import ServiceNormsSettings

    warehouse = tmp_path / "servicenorms.duckdb"
    defs = build_definitions(ServiceNormsSettings.create(warehouse=warehouse, engine="spark"))
    assert defs.resources["dbt"].target == "spark"
    resource = defs.resources["warehouse"]
    assert resource.on_spark and resource.engine == "spark"
    assert resource.engine_vars() == {
        "raw_parquet_dir": str(tmp_path / "servicenorms.spark" / "raw")
    }
    on_duckdb = build_definitions(ServiceNormsSettings.create(warehouse=warehouse))
    assert on_duckdb.resources["dbt"].target == "duckdb"
    assert on_duckdb.resources["warehouse"].engine_vars() == {}
    assert on_duckdb.resources["warehouse"].built_tables(tmp_path / "m.json") == warehouse


def test_a_build_of_weeks_gives_the_seeds_the_builds_vars_so_dbt_parses_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt parses the project again when an invocation's vars differ from the one
    before (tests/integration/test_run_parameters.py): the seeds take the build's."""
    from orchestration import pipeline

    calls: list[tuple[str, dict | None]] = []

    def run_dbt(command: str, *extra: str, warehouse: Path, vars: dict | None = None) -> None:
        calls.append((command, vars))

    monkeypatch.setattr(pipeline, "run_dbt", run_dbt)
    pipeline.build_weeks(tmp_path / "w.duckdb", date(2026, 3, 2), date(2026, 3, 2))
    assert [command for command, _ in calls] == ["seed", "build"]
    assert calls[0][1] == calls[1][1] and calls[1][1]["week_start_min"] == "2026-03-02"
