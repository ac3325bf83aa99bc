"""One Dagster history: `servicenorms run` records its runs, the weeks it
materialised and its checks in the instance `servicenorms ui` opens (the
warehouse's `dagster_home/`); the circumstances sensor starts from what the
warehouse has already applied; a run whose process was killed does not hold the
UI's queue; and the UI shows the weeks a command-line run built."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from browser import artifact_path
from conftest import OPERATED_FIRST_WEEK, OPERATED_LAST_WEEK, OperatedWarehouse
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterRunStatus,
    build_sensor_context,
    job,
    op,
)
from dagster_ui import dagster_webserver, graphql

from orchestration.defs.definitions import build_definitions
from orchestration.defs.resources import (
    ServiceNormsSettings,
    WarehouseResource,
    dagster_home,
)
from orchestration.defs.sensors import CIRCUMSTANCES_SENSOR
from orchestration.instance import RUN_PROCESS_TAG, operator_instance, this_process
from orchestration.weeks import parse_iso_week, partition_key_for_week, weekly_partitions

WEEKLY_FACT = AssetKey("fct_seller_week_indicator_counts")


def built_partition_keys(run_tags: dict[str, str]) -> set[str]:
    """Every weekly partition key of a run over a partition range."""
    first = date.fromisoformat(run_tags["dagster/asset_partition_range_start"])
    last = date.fromisoformat(run_tags["dagster/asset_partition_range_end"])
    return {
        partition_key_for_week(first + timedelta(weeks=n))
        for n in range((last - first).days // 7 + 1)
    }


def test_a_cli_run_records_its_run_weeks_and_checks_in_the_instance_beside_the_warehouse(
    operated_warehouse: OperatedWarehouse,
) -> None:
    home = operated_warehouse.warehouse.parent / "dagster_home"
    assert dagster_home(operated_warehouse.warehouse) == home
    with operator_instance(operated_warehouse.warehouse) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == "servicenorms_weekly_job"
        assert run.status == DagsterRunStatus.SUCCESS
        # Every finalised week from the first partition, materialised per week.
        weeks = built_partition_keys(run.tags)
        first, last = parse_iso_week(OPERATED_FIRST_WEEK), parse_iso_week(OPERATED_LAST_WEEK)
        assert weeks == {
            partition_key_for_week(first + timedelta(weeks=n))
            for n in range((last - first).days // 7 + 1)
        }
        assert instance.get_materialized_partitions(WEEKLY_FACT) == weeks
        summary = AssetKey(["marts", "platform_week_summary"])
        assert instance.get_latest_materialization_event(summary) is not None
        checks = [
            event.dagster_event.event_specific_data
            for event in instance.all_logs(
                run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
            )
        ]
        assert any(c.check_name == "no_rejected_or_quarantined_data" and c.passed for c in checks)
        assert len(checks) > 50  # and dbt's data tests


def test_the_dagster_home_can_be_another_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "elsewhere"))
    assert dagster_home(tmp_path / "warehouse" / "w.duckdb") == tmp_path / "elsewhere"


CIRCUMSTANCE = (
    "circumstance_id,starts_on,ends_on,scope,transporter_code,country,indicators,effect,"
    "description,withdrawn\n"
    "ZZ-NEW,2026-02-11,2026-02-11,PLATFORM,,NL,FULFILMENT,NO_STRIKE,storm,false\n"
)


def test_the_circumstances_sensor_starts_from_what_the_warehouse_applied(
    operated_warehouse: OperatedWarehouse, tmp_path: Path
) -> None:
    wh = operated_warehouse.copy_to(tmp_path)
    settings = ServiceNormsSettings.create(landing=wh.landing, warehouse=wh.warehouse)
    sensor = build_definitions(settings).resolve_sensor_def(CIRCUMSTANCES_SENSOR)
    resources = {
        "warehouse": WarehouseResource(
            landing_dir=str(settings.landing),
            warehouse_path=str(settings.warehouse),
            published_path=str(settings.published),
        )
    }

    def first_tick():  # an instance that never ran the sensor: no cursor
        with operator_instance(wh.warehouse) as instance:
            return sensor.evaluate_tick(
                build_sensor_context(instance=instance, cursor=None, resources=resources)
            )

    # Every circumstance of the generated calendar was landed and built by the run.
    applied = first_tick()
    assert applied.run_requests == [] and applied.cursor

    # A reader of the live file (a run writing it, for DuckDB): the first tick waits.
    writer = duckdb.connect(str(wh.warehouse))
    try:
        busy = first_tick()
    finally:
        writer.close()
    assert busy.run_requests == [] and busy.cursor is None

    # A circumstance not landed yet is a change, from the first tick on.
    (wh.landing / "mitigating_circumstances" / "zz-new.csv").write_text(CIRCUMSTANCE)
    (request,) = first_tick().run_requests
    assert request.tags["dagster/asset_partition_range_start"] == "2026-02-09"
    assert "ZZ-NEW NO_STRIKE 2026-W07" in request.tags["servicenorms/circumstances"]


@op
def _step() -> None:
    pass


@job
def _recorded() -> None:
    _step()


def test_a_run_whose_process_ended_is_marked_failed_so_it_cannot_hold_the_ui_queue(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "warehouse" / "w.duckdb"
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    with operator_instance(warehouse) as instance:
        killed = instance.create_run_for_job(
            _recorded,
            status=DagsterRunStatus.STARTED,
            tags={RUN_PROCESS_TAG: f"{socket.gethostname()}:{ended.pid}"},
        )
        running = instance.create_run_for_job(
            _recorded, status=DagsterRunStatus.STARTED, tags={RUN_PROCESS_TAG: this_process()}
        )
        elsewhere = instance.create_run_for_job(
            _recorded, status=DagsterRunStatus.STARTED, tags={RUN_PROCESS_TAG: "other-host:1"}
        )
    # The next command-line run (or `servicenorms ui`) opens the instance.
    with operator_instance(warehouse) as instance:
        status = {r.run_id: r.status for r in instance.get_runs()}
    assert status[killed.run_id] == DagsterRunStatus.FAILURE
    assert status[running.run_id] == DagsterRunStatus.STARTED
    assert status[elsewhere.run_id] == DagsterRunStatus.STARTED


def test_the_dagster_ui_shows_the_weeks_a_cli_run_built_as_materialised(
    operated_warehouse: OperatedWarehouse, tmp_path: Path, browser
) -> None:
    wh = operated_warehouse.copy_to(tmp_path)
    with operator_instance(wh.warehouse) as instance:
        (run,) = instance.get_runs()
    weeks = built_partition_keys(run.tags)
    env = {
        "DAGSTER_HOME": str(dagster_home(wh.warehouse)),
        "SERVICENORMS_LANDING": str(wh.landing),
        "SERVICENORMS_WAREHOUSE": str(wh.warehouse),
        "SERVICENORMS_FIRST_WEEK": OPERATED_FIRST_WEEK,
    }
    # The UI's partitions reach the last week the clock has completed; the run's
    # as-of was earlier, so the weeks since are missing.
    partitions = weekly_partitions(parse_iso_week(OPERATED_FIRST_WEEK))
    missing = len(partitions.get_partition_keys()) - len(weeks)
    with dagster_webserver(env, tmp_path / "webserver.log") as url:
        stats = graphql(
            url,
            '{ assetNodes(assetKeys: [{path: ["fct_seller_week_indicator_counts"]}]) '
            "{ partitionStats { numMaterialized numFailed } } }",
        )["assetNodes"][0]["partitionStats"]
        assert stats == {"numMaterialized": len(weeks), "numFailed": 0}

        from playwright.sync_api import TimeoutError as NotShown

        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/assets/fct_seller_week_indicator_counts?view=partitions")
        skip = page.get_by_role("button", name="Skip")  # the first visit's community dialog
        try:
            skip.wait_for(timeout=10_000)
            skip.click()
        except NotShown:
            pass
        page.get_by_text(f"Materialized ({len(weeks)})").wait_for(timeout=60_000)
        assert page.get_by_text(f"Missing ({missing})").count() == 1
        # The run's last week is in the list (the newest, missing, weeks come first).
        page.get_by_placeholder("Filter by name").fill(max(weeks))
        page.get_by_text(max(weeks)).first.wait_for(timeout=10_000)
        page.screenshot(path=str(artifact_path("dagster-ui-weeks-materialised.png")))
        page.close()


def test_the_readme_walkthrough_names_only_what_the_ui_shows() -> None:
    """Every Dagster name the README's orchestration section gives (a lowercase
    name in backticks) is an asset, group, job, schedule, sensor, check or run tag
    of the definitions the UI loads."""
    from orchestration.dbt_runner import PROJECT_DIR
    from orchestration.defs.sensors import CIRCUMSTANCES_TAG
    from orchestration.instance import RUN_PROCESS_TAG
    from orchestration.weeks import AS_OF_TAG

    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("## Orchestration (Dagster)")[1].split("\n## ")[0]
    named = {
        token
        for token in re.findall(r"`([^`]+)`", section)
        if re.fullmatch(r"[a-z][a-z0-9_]*(/[a-z0-9_]+)*", token)
    }
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    shown = {AS_OF_TAG, CIRCUMSTANCES_TAG, RUN_PROCESS_TAG}
    for key in graph.get_all_asset_keys():
        shown |= {key.to_user_string(), graph.get(key).group_name}
    shown |= {check.name for check in graph.asset_check_keys}
    shown |= {j.name for j in defs.jobs} | {s.name for s in defs.schedules}
    shown |= {s.name for s in defs.sensors}
    assert {"landed_batches", "servicenorms_weekly_job", "weekly"} <= named
    assert sorted(named - shown) == []
