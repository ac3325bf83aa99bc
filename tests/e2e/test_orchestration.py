"""The Dagster code location end to end: partitions, blocking checks, the circumstances
sensor and the published copy, on a small hand-written landing directory.

Dagster and dbt start-up dominate the cost, so one module-scoped warehouse is
built once and the tests run in the order they are written, each building on
the state the previous one left.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from pathlib import Path

import duckdb
import pytest
from cli_runs import run_ok
from dagster import (
    DagsterInstance,
    Definitions,
    build_sensor_context,
    partition_loading_context,
)

from orchestration.defs.assets import parse_state_folder
from orchestration.defs.definitions import WEEKLY_JOB, build_definitions
from orchestration.defs.resources import ServiceNormsSettings, WarehouseResource
from orchestration.defs.sensors import CIRCUMSTANCES_SENSOR, CIRCUMSTANCES_TAG
from orchestration.pipeline import _failure_message, execute_weeks
from orchestration.publish_parquet import parquet_root
from orchestration.weeks import AS_OF_TAG, measurement_cutoff, parse_iso_week

FIRST_WEEK = "2026-W38"  # the first partition, and the generator's first week
LAST_WEEK = "2026-W45"  # the generator's eighth week
MEASURED_WEEK = date(2026, 10, 12)  # 2026-W42
MEASURED_KEY = MEASURED_WEEK.isoformat()
# The module's clock: the cut-off of the last generated week, the same on any day.
# The partitions end there (`pinned_clock`), so a run up to the last partition
# covers the generated weeks only; and the runs that must give the same marts are
# as of one moment (the week in progress is measured as of its run).
NOW = measurement_cutoff(parse_iso_week(LAST_WEEK)).astimezone(UTC)

ITEM_HEADER = (
    "order_item_id,order_id,seller_id,ordered_at,product_group,ean,quantity,unit_price,"
    "fulfilment_method,shipping_method,time_frame_type,latest_delivery_date,"
    "exact_delivery_date,expiry_date,latest_handover_at"
)
SHIPMENT_HEADER = (
    "shipment_id,order_item_id,shipped_at,transporter_code,track_and_trace,parcel_type,"
    "handed_over_at"
)
CIRCUMSTANCE_HEADER = (
    "circumstance_id,starts_on,ends_on,scope,transporter_code,country,indicators,effect,"
    "description,withdrawn"
)


def put(landing: Path, entity: str, name: str, lines: list[str]) -> Path:
    (landing / entity).mkdir(parents=True, exist_ok=True)
    path = landing / entity / name
    path.write_text("\n".join(lines) + "\n")
    return path


def write_known_seller(landing: Path) -> None:
    """Seller ZZ1 (NL), beside the generated sellers, with a known outcome: it passes
    GroeiStart in 2026-W41; in 2026-W42 it has 40 FULFILMENT items (20 due Wednesday
    10-14, 20 due Friday 10-16), 3 of those due Wednesday not received: value 0.925 with
    3 incidents, a breach and a strike (SPEC §10 example 1)."""
    put(landing, "sellers", "zz-2026-10-01.csv", [
        "seller_id,display_name,country,registered_at", "ZZ1,Known,NL,2026-01-01T00:00:00Z",
    ])
    items = [ITEM_HEADER]
    shipments = [SHIPMENT_HEADER]
    confirmations = ["order_item_id,asked_at,answer"]
    for n in range(100):
        items.append(f"ZZG{n},ZZGO{n},ZZ1,2026-10-06T10:00:00Z,BOOKS,,1,10.00,FBB,,REGULAR,"
                     "2026-10-08,,,")
    for n in range(40):
        due = "2026-10-14" if n % 2 == 0 else "2026-10-16"
        item = f"ZZI{n}"
        items.append(f"{item},ZZO{n},ZZ1,2026-10-12T09:00:00Z,BOOKS,,1,10.00,FBR,OWN,REGULAR,"
                     f"{due},,,")
        shipments.append(f"ZZSH{n},{item},2026-10-13T09:00:00Z,BRIEFPOST,,LETTER,")
        answer = "NOT_RECEIVED" if n in (0, 2, 4) else "RECEIVED"
        confirmations.append(f"{item},2026-10-17T09:00:00Z,{answer}")
    put(landing, "order_items", "zz-2026-10-18.csv", items)
    put(landing, "shipments", "zz-2026-10-18.csv", shipments)
    put(landing, "delivery_confirmations", "zz-2026-10-18.csv", confirmations)


def marts_fingerprint(database: Path) -> dict[str, str]:
    """A content hash per mart table, independent of row order."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        out = {}
        for t in tables:
            rows = sorted(repr(r) for r in con.execute(f"select * from marts.{t}").fetchall())
            out[t] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def parquet_matches_published(published: Path) -> bool:
    """Every mart of the published copy reads back from its Parquet folder with the same rows."""
    root = parquet_root(published)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{published}' as copy (read_only)")
        tables = con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'copy' and schema_name = 'marts' order by 1"
        ).fetchall()
        for (table,) in tables:
            columns = ", ".join(
                f'"{c}"'
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'copy' "
                    "and schema_name = 'marts' and table_name = ? order by column_index",
                    [table],
                ).fetchall()
            )
            differences = con.execute(
                f"""
                select count(*) from (
                    (select {columns} from copy.marts."{table}"
                     except all
                     select {columns} from read_parquet('{root}/{table}/**/*.parquet',
                                                        hive_partitioning = true))
                    union all
                    (select {columns} from read_parquet('{root}/{table}/**/*.parquet',
                                                        hive_partitioning = true)
                     except all
                     select {columns} from copy.marts."{table}")
                )
                """
            ).fetchone()[0]
            if differences:
                return False
        return bool(tables)
    finally:
        con.close()


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def fulfilment_of_known_seller(database: Path) -> tuple:
    rows = query(
        database,
        "select numerator, denominator, is_strike, neutralised from marts.seller_week_indicators "
        "where seller_id = 'ZZ1' and indicator = 'FULFILMENT' and week_start = ?",
        [MEASURED_WEEK],
    )
    assert len(rows) == 1, rows
    return rows[0]


@dataclass
class Env:
    settings: ServiceNormsSettings
    defs: Definitions
    instance: DagsterInstance


@pytest.fixture(scope="module", autouse=True)
def pinned_clock():
    """Dagster's partitions as of NOW: the last partition is LAST_WEEK."""
    with partition_loading_context(effective_dt=NOW):
        yield


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    """Generated sellers for 2026-W38..W45 plus the known seller ZZ1; nothing built yet."""
    generator = pytest.importorskip("orchestration.generator")
    root = tmp_path_factory.mktemp("orchestration")
    landing = root / "landing"
    generator.generate(landing, sellers=30, weeks=8, start_week=FIRST_WEEK, seed=11)
    write_known_seller(landing)
    settings = ServiceNormsSettings.create(
        landing=landing, warehouse=root / "warehouse" / "servicenorms.duckdb", first_week=FIRST_WEEK
    )
    with DagsterInstance.ephemeral() as instance:
        yield Env(settings, build_definitions(settings), instance)


def latest_step_args(step: str) -> dict:
    """The dbt arguments of the newest target folder of a dbt step."""
    folders = sorted(parse_state_folder().glob(f"{step}-*"), key=lambda p: p.stat().st_mtime)
    return json.loads((folders[-1] / "run_results.json").read_text())["args"]


def test_cli_run_of_one_week_executes_the_definitions_and_fills_and_publishes_the_marts(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first build of the warehouse computes every week: the full-build threads.
    monkeypatch.setenv("SERVICENORMS_DBT_FULL_BUILD_THREADS", "1")
    out = run_ok(
        "run", "--landing", str(env.settings.landing),
        "--warehouse", str(env.settings.warehouse), "--week", "2026-W42",
        "--as-of", NOW.isoformat(), first_week=FIRST_WEEK,
    )
    assert "landing:" in out
    (sellers,) = [line.split() for line in out.splitlines() if line.startswith("  sellers ")]
    assert sellers[1] == "3"  # new files: the generator's two and ZZ1's
    assert "built weeks 2026-W42..2026-W42" in out
    assert any(line.startswith("2026-W42 ") for line in out.splitlines())
    # How long each step took: landing, the two dbt steps, publishing.
    (steps,) = [line for line in out.splitlines() if line.startswith("steps: ")]
    for step in ("landed_batches", "servicenorms_weekly", "servicenorms_marts", "published_marts"):
        assert f"{step} " in steps, steps
    # SPEC §10 example 1, through the whole pipeline.
    assert fulfilment_of_known_seller(env.settings.warehouse) == (37, 40, True, False)
    # Only the week asked for was computed by the incremental facts.
    fact_weeks = query(
        env.settings.warehouse, "select distinct week_start from fct_seller_week_indicator_counts"
    )
    assert fact_weeks == [(MEASURED_WEEK,)]
    assert marts_fingerprint(env.settings.published) == marts_fingerprint(env.settings.warehouse)
    assert parquet_matches_published(env.settings.published)
    assert "the same marts as Parquet: " in out
    # The Wednesday mail of the week: ZZ1's strike is in its outbox.
    outbox = env.settings.warehouse.parent / "outbox"
    assert (outbox / "2026-W42" / "ZZ1.eml").is_file()
    assert f"mail: {len(list((outbox / '2026-W42').glob('*.eml')))} mail(s) of week(s) " in out
    for step in ("servicenorms_weekly", "servicenorms_marts"):
        assert latest_step_args(step).get("threads") == 1, step


def test_materialising_the_same_partition_again_leaves_the_marts_identical(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An incremental run of a built warehouse keeps the profile's threads.
    monkeypatch.setenv("SERVICENORMS_DBT_FULL_BUILD_THREADS", "1")
    before = marts_fingerprint(env.settings.warehouse)
    result = env.defs.resolve_job_def(WEEKLY_JOB).execute_in_process(
        instance=env.instance, partition_key=MEASURED_KEY, tags={AS_OF_TAG: NOW.isoformat()},
        raise_on_error=False,
    )
    assert result.success, _failure_message(result)
    assert len(before) >= 6
    assert marts_fingerprint(env.settings.warehouse) == before
    assert marts_fingerprint(env.settings.published) == before
    # No mail of the week goes out twice.
    (mail,) = result.asset_materializations_for_node("wednesday_mail")
    assert mail.metadata["written"].value == 0 and mail.metadata["already_on_record"].value > 0
    # Each dbt step started from the parse state the previous one handed back:
    # nothing changed, so neither re-parsed a file (a new week's --vars, or a
    # state saved under another profile, re-parsed all of them).
    steps = sorted(parse_state_folder().glob(f"servicenorms_*-{result.run_id[:7]}-*"))
    assert len(steps) == 2
    for step in steps:
        messages = [json.loads(line)["info"]["msg"] for line in (step / "dbt.log").open()]
        assert any("no changes found, skipping parsing" in m for m in messages), step.name
        assert not any("Unable to do partial parsing" in m for m in messages), step.name
        run_args = json.loads((step / "run_results.json").read_text())["args"]
        assert "threads" not in run_args, step.name
    # Publishing copied again only the week the run rewrote in the week-window
    # marts, from the run's own window (the copy equals the warehouse, above).
    (published,) = result.asset_materializations_for_node("published_marts")
    how = {
        line.split(" | ")[0].removeprefix("| marts."): line.split(" | ")[-1].removesuffix(" |")
        for line in published.metadata["tables"].value.splitlines()
        if line.startswith("| marts.")
    }
    for table in ("seller_week_indicators", "seller_week_incidents"):
        assert how[table] == f"week {MEASURED_WEEK} replaced", how
    last = MEASURED_WEEK + timedelta(days=35)  # the six-week scores of W .. W+5
    assert how["seller_six_week_scores"] == f"weeks {MEASURED_WEEK} to {last} replaced", how
    # Rebuilt from the week on (trajectories carry state); the monthly NPS whole.
    for table in ("seller_trajectory_weeks", "seller_notifications", "platform_week_summary"):
        assert how[table] == f"weeks from {MEASURED_WEEK} on replaced", how
    assert how["seller_monthly_nps"] == "copied"
    summary = result.asset_materializations_for_node("servicenorms_marts")
    outcome = [m for m in summary if m.asset_key.path[-1] == "platform_week_summary"][0]
    assert outcome.metadata["week"].value == "2026-W42"
    assert "| FULFILMENT |" in outcome.metadata["week_outcome"].value


def test_new_circumstance_requests_its_weeks_and_all_later_ones_and_the_run_applies_it(
    env: Env,
) -> None:
    sensor = env.defs.resolve_sensor_def(CIRCUMSTANCES_SENSOR)
    resources = {
        "warehouse": WarehouseResource(
            landing_dir=str(env.settings.landing),
            warehouse_path=str(env.settings.warehouse),
            published_path=str(env.settings.published),
        )
    }

    def tick(cursor: str | None):
        return sensor.evaluate_tick(
            build_sensor_context(instance=env.instance, cursor=cursor, resources=resources)
        )

    # The generated calendar is already known: take its cursor.
    known = tick(None).cursor
    assert tick(known).run_requests == []

    put(env.settings.landing, "mitigating_circumstances", "zz-2026-11-01.csv", [
        CIRCUMSTANCE_HEADER,
        "ZZ-NOSTRIKE,2026-10-14,2026-10-14,PLATFORM,,NL,FULFILMENT,NO_STRIKE,carrier strike,false",
        "ZZ-EXCLUDE,2026-10-16,2026-10-16,PLATFORM,,NL,FULFILMENT,EXCLUDE_EVENTS,storm,false",
    ])
    data = tick(known)
    assert len(data.run_requests) == 1
    request = data.run_requests[0]
    partitions = env.defs.resolve_job_def(WEEKLY_JOB).partitions_def
    assert request.tags["dagster/asset_partition_range_start"] == MEASURED_KEY
    assert request.tags["dagster/asset_partition_range_end"] == partitions.get_last_partition_key()
    assert partitions.get_last_partition_key() == parse_iso_week(LAST_WEEK).isoformat()
    assert "ZZ-NOSTRIKE NO_STRIKE 2026-W42" in request.tags[CIRCUMSTANCES_TAG]
    assert "ZZ-EXCLUDE EXCLUDE_EVENTS 2026-W42" in request.tags[CIRCUMSTANCES_TAG]
    # Unchanged rows do not trigger again.
    assert tick(data.cursor).run_requests == []

    # A reader holds the published copy open during the run.
    reader = duckdb.connect(str(env.settings.published), read_only=True)
    try:
        result = env.defs.resolve_job_def(WEEKLY_JOB).execute_in_process(
            instance=env.instance, tags=request.tags, raise_on_error=False
        )
        assert result.success, _failure_message(result)
        old = reader.execute(
            "select numerator, denominator, is_strike, neutralised "
            "from marts.seller_week_indicators where seller_id = 'ZZ1' "
            "and indicator = 'FULFILMENT'"
        ).fetchall()
    finally:
        reader.close()
    assert old == [(37, 40, True, False)]  # the old copy, whole
    # EXCLUDE_EVENTS removed the items due Friday from numerator and denominator;
    # NO_STRIKE neutralised the week and took the strike away (SPEC §8).
    assert fulfilment_of_known_seller(env.settings.warehouse) == (17, 20, False, True)
    assert fulfilment_of_known_seller(env.settings.published) == (17, 20, False, True)
    assert parquet_matches_published(env.settings.published)
    # Every later week was rebuilt in the same run.
    fact_weeks = query(
        env.settings.warehouse,
        "select distinct week_start from fct_seller_week_indicator_counts order by 1",
    )
    rebuilt = {w.isoformat() for (w,) in fact_weeks}
    # W42..W45: the last partition is the last generated week.
    assert rebuilt == {MEASURED_KEY, "2026-10-19", "2026-10-26", "2026-11-02"}
    materialized = result.asset_materializations_for_node("servicenorms_weekly")
    facts = [m for m in materialized if m.asset_key.path[-1] == "fct_seller_week_indicator_counts"]
    assert "ZZ-NOSTRIKE" in facts[0].metadata["circumstances_applied"].value

    # Withdrawing a circumstance is a change too.
    put(env.settings.landing, "mitigating_circumstances", "zz-2026-11-02.csv", [
        CIRCUMSTANCE_HEADER,
        "ZZ-NOSTRIKE,2026-10-14,2026-10-14,PLATFORM,,NL,FULFILMENT,NO_STRIKE,carrier strike,true",
    ])
    withdrawn = tick(data.cursor).run_requests
    assert len(withdrawn) == 1 and "ZZ-NOSTRIKE withdrawn 2026-W42" in withdrawn[0].tags[
        CIRCUMSTANCES_TAG
    ]
    (env.settings.landing / "mitigating_circumstances" / "zz-2026-11-02.csv").unlink()


def test_unreadable_file_is_kept_and_reported_and_the_run_goes_on(env: Env) -> None:
    put(env.settings.landing, "order_items", "zz-2026-11-03-bad.csv", [
        "order_item_id,order_id", "X1,XO1",
    ])
    result = execute_weeks(env.settings, MEASURED_WEEK, MEASURED_WEEK)
    assert result.success
    (evaluation,) = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "no_rejected_or_quarantined_data"
    ]
    assert evaluation.passed
    listed = str(evaluation.metadata)
    assert "order_items/zz-2026-11-03-bad.csv" in listed and "missing contract column" in listed
    assert query(
        env.settings.warehouse,
        "select status from raw._batches where source_file = 'order_items/zz-2026-11-03-bad.csv'",
    ) == [("REJECTED",)]


def test_batch_rejected_by_the_quarantine_policy_blocks_the_dbt_models(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = marts_fingerprint(env.settings.warehouse)
    monkeypatch.setenv("SERVICENORMS_MAX_QUARANTINE_SHARE", "0.5")
    put(env.settings.landing, "reviews", "zz-2026-11-04-bad.csv", [
        "review_id,seller_id,order_id,submitted_at,grade",
        "ZR1,ZZ1,ZZO1,2026-10-13T10:00:00Z,11",
        "ZR2,ZZ1,ZZO2,2026-10-13T10:00:00Z,12",
    ])
    result = execute_weeks(env.settings, MEASURED_WEEK, MEASURED_WEEK)
    assert not result.success
    message = _failure_message(result)
    assert "reviews/zz-2026-11-04-bad.csv" in message and "grade: above maximum 10" in message
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert [k.to_user_string() for k in materialized] == ["landed_batches"]
    assert marts_fingerprint(env.settings.warehouse) == before


def test_a_full_refresh_rebuilds_every_week_from_raw_with_the_same_result(env: Env) -> None:
    week_rows = (
        "select * from marts.seller_week_indicators where week_start = ? order by all"
    )
    before = query(env.settings.warehouse, week_rows, [MEASURED_WEEK])
    result = execute_weeks(env.settings, MEASURED_WEEK, MEASURED_WEEK, full_refresh=True)
    assert result.success, _failure_message(result)
    (weeks,) = query(
        env.settings.warehouse,
        "select count(distinct week_start) from fct_seller_week_indicator_counts",
    )
    assert weeks[0] >= 8  # every week with activity, not only the partition's
    assert query(env.settings.warehouse, week_rows, [MEASURED_WEEK]) == before and before
