"""The weekly pipeline: land -> build (dbt) -> publish -> summarise.

`run` executes the Dagster definitions of `orchestration.defs.definitions` in this
process (the same assets, checks and job the scheduler runs), then reads the
per-week summary from the marts. `build_weeks` and `week_summaries` remain as
small building blocks for tests that need dbt alone.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.dbt_runner import PROJECT_DIR, full_build_thread_args, run_dbt
from orchestration.errors import Places, explain, first_line
from orchestration.ingest.landing import LandingError, LandingSummary
from orchestration.weeks import (
    iso_week_key,
    last_finalised_week,
    measured_weeks_vars,
    measurement_cutoff,
    week_start_of,
    week_window_vars,
)

# Dagster is imported only when a run starts: `servicenorms --help` and
# `generate` stay fast.
DEFAULT_WAREHOUSE = PROJECT_DIR / "warehouse" / "servicenorms.duckdb"

__all__ = ["DEFAULT_WAREHOUSE", "PipelineError", "RunResult", "WeekSummary", "run"]

if TYPE_CHECKING:
    from dagster import DagsterInstance

    from orchestration.defs.resources import ServiceNormsSettings
    from orchestration.serve.pages import SiteResult

# Keep Dagster's console quiet: the CLI prints its own summary and, for a failed
# run, one line naming the cause (`--debug` shows Dagster's log).
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
DEBUG_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "DEBUG"}}}}


class PipelineError(RuntimeError):
    """A run failed; `landing` holds what was landed before the failure, if anything."""

    def __init__(self, message: str, landing: LandingSummary | None = None):
        super().__init__(message)
        self.landing = landing


@dataclass
class WeekSummary:
    week: str
    sellers_measured: int
    strikes: int
    mails: int
    temporary_closures: int
    final_warnings: int
    definitive_closures: int


@dataclass
class RunResult:
    landing: LandingSummary
    weeks_built: tuple[str, str] | None
    summary: list[WeekSummary] = field(default_factory=list)
    published: Path | None = None
    # The performance pages the run wrote (orchestration.serve.pages.SiteResult).
    pages: SiteResult | None = None
    # Seconds per step of the run (landing, the dbt steps, publishing), in run order.
    step_seconds: dict[str, float] = field(default_factory=dict)
    # What the Wednesday mail step wrote and sent (orchestration/defs/mail_assets.py).
    mail: str | None = None


def run_vars(
    first_week: date | None,
    last_week: date,
    last_finalised: date | None = None,
    as_of: datetime | None = None,
) -> dict:
    """The dbt vars of a build of [first_week, last_week] as of a time when
    `last_finalised` (default `last_week`) is the latest finalised week: `as_of`,
    by default that week's cut-off (macros/time/run_parameters.sql)."""
    finalised = last_finalised or last_week
    return {
        **week_window_vars(first_week, last_week),
        **measured_weeks_vars(finalised),
        "as_of": (as_of or measurement_cutoff(finalised)).isoformat(),
    }


def _staging_built(warehouse: Path) -> bool:
    """Whether the warehouse holds staging tables already (built before)."""
    if not Path(warehouse).exists():
        return False
    # Not read-only: dbt run in this process may still hold the file open, and
    # DuckDB refuses a second connection with a different configuration.
    con = duckdb.connect(str(warehouse))
    try:
        return bool(
            con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'staging'"
            ).fetchone()[0]
        )
    finally:
        con.close()


def build_weeks(
    warehouse: Path,
    first_week: date | None,
    last_week: date,
    full_refresh: bool = False,
    last_finalised: date | None = None,
    as_of: datetime | None = None,
) -> None:
    """dbt alone: seed reference data and build every model for [first_week, last_week],
    as of a time when `last_finalised` (default `last_week`) is the latest finalised week:
    `as_of`, by default the moment that week was finalised (its cut-off). The weeks
    after it are the week in progress as of then (seller_week_provisional).

    Like the weekly job, a build that is not a full refresh tests only the rows
    it wrote (`_invocation_id`, dbt_project.yml).
    """
    extra = ["--full-refresh"] if full_refresh else []
    build_vars = run_vars(first_week, last_week, last_finalised, as_of)
    # No staging built yet: this build, too, computes every week at once.
    threads = full_build_thread_args() if full_refresh or not _staging_built(warehouse) else []
    # The build's vars for the seeds too: dbt re-parses the project when the vars
    # differ from its previous invocation's.
    run_dbt("seed", *extra, warehouse=warehouse, vars=build_vars)
    run_dbt(
        "build",
        "--exclude",
        "resource_type:seed",
        *extra,
        *threads,
        warehouse=warehouse,
        vars=build_vars,
    )


def week_summaries(
    warehouse: Path, first_week: date | None = None, last_week: date | None = None
) -> list[WeekSummary]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            """
            select week_start, sellers_measured, strikes, mail_actions, temporary_closures,
                   final_warnings, definitive_closures
            from marts.platform_week_summary
            where (? is null or week_start >= ?) and (? is null or week_start <= ?)
            order by week_start
            """,
            [first_week, first_week, last_week, last_week],
        ).fetchall()
    finally:
        con.close()
    return [WeekSummary(iso_week_key(r[0]), *r[1:]) for r in rows]


def _error_text(error) -> str:
    """The messages of a Dagster error and of the errors behind it."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause or error.context
    return "\n".join(parts)


def _failure_message(result, places: Places | None = None) -> str:
    """One line naming each failed step (its cause and what to do, when known:
    orchestration.errors) and each failed blocking check."""
    reasons: list[str] = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                reasons.append(
                    f"check {evaluation.check_name} failed: {evaluation.description or ''}".strip()
                )
        elif event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            cause = error.cause if error is not None and error.cause is not None else error
            text = first_line(cause.message) if cause is not None else "failed"
            text = explain(_error_text(error), places) or text
            if "blocking asset check" not in text.lower() and "check failed" not in text.lower():
                reasons.append(f"step {event.step_key}: {text}")
    return "; ".join(dict.fromkeys(reasons)) or "run failed"


def refuse_a_held_warehouse(settings: ServiceNormsSettings) -> None:
    """Fail at once, before Dagster and dbt start, when another process holds the
    warehouse (DuckDB allows one writer): the run would otherwise meet the lock only
    after their start-up, with the same one-line reason. Other errors are left to the run."""
    if not settings.warehouse.exists():
        return
    try:
        duckdb.connect(str(settings.warehouse)).close()
    except duckdb.Error as exc:
        reason = explain(str(exc), Places(settings.warehouse, settings.published))
        if reason is not None:
            raise PipelineError(reason) from None


def execute_weeks(
    settings: ServiceNormsSettings,
    first: date | None,
    last: date,
    now: datetime | None = None,
    full_refresh: bool = False,
    instance: DagsterInstance | None = None,
    debug: bool = False,
):
    """Execute the weekly job in-process for the weeks [first, last], recorded in
    `instance` (default: the warehouse's, which `servicenorms ui` opens).

    `first=None` means from the first partition (and any data before it). Returns
    Dagster's execution result; nothing is raised for a failed run.
    """
    if instance is None:
        from orchestration.instance import operator_instance

        with operator_instance(settings.warehouse) as operators:
            return execute_weeks(settings, first, last, now, full_refresh, operators, debug)
    from dagster import partition_loading_context

    from orchestration.defs.definitions import WEEKLY_JOB, build_definitions
    from orchestration.instance import RUN_PROCESS_TAG, this_process
    from orchestration.weeks import AS_OF_TAG, partition_key_for_week, partition_range_tags

    # The partitions must reach back to the weeks asked for.
    earliest = first or last
    if earliest < settings.first_week:
        settings = replace(settings, first_week=earliest)
    defs = build_definitions(settings)
    job = defs.resolve_job_def(WEEKLY_JOB)
    run_config: dict = dict(DEBUG_RUN_CONFIG if debug else QUIET_RUN_CONFIG)
    if full_refresh:
        refresh = {"config": {"full_refresh": True}}
        run_config["ops"] = {"servicenorms_weekly": refresh, "servicenorms_marts": refresh}
    last_key = partition_key_for_week(last)
    now = now or datetime.now(UTC)
    # Which weeks are finalised is decided as of `now` (the measured weeks' end).
    tags = {AS_OF_TAG: now.isoformat(), RUN_PROCESS_TAG: this_process()}
    # An --as-of later than the clock must still see its week as a partition.
    effective = max(now, datetime.now(UTC))
    with partition_loading_context(effective_dt=effective):
        if first is not None and first == last:
            return job.execute_in_process(
                instance=instance,
                partition_key=last_key,
                tags=tags,
                run_config=run_config,
                raise_on_error=False,
            )
        first_key = partition_key_for_week(first or settings.first_week)
        return job.execute_in_process(
            instance=instance,
            tags={**tags, **partition_range_tags(first_key, last_key)},
            run_config=run_config,
            raise_on_error=False,
        )


def measure_week_in_progress(
    landing: Path,
    warehouse: Path = DEFAULT_WAREHOUSE,
    now: datetime | None = None,
    debug: bool = False,
    engine: str | None = None,
) -> RunResult:
    """Land new batches and measure the week in progress as of `now` (default the
    clock): the daily job (orchestration/defs/schedules.py) in this process, recorded in
    the warehouse's Dagster instance. The finalised weeks are left as they are; the
    copy is published again. `engine`: what builds the models (orchestration/engines.py;
    default SERVICENORMS_ENGINE, else duckdb)."""
    from dagster import partition_loading_context

    from orchestration.defs.definitions import PROVISIONAL_JOB, build_definitions
    from orchestration.defs.resources import ServiceNormsSettings
    from orchestration.instance import RUN_PROCESS_TAG, operator_instance, this_process
    from orchestration.weeks import AS_OF_TAG, partition_key_for_week

    landing, warehouse = Path(landing), Path(warehouse)
    if not landing.is_dir():
        raise LandingError(f"{landing}: landing directory does not exist")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    # The run takes the partition of the last finalised week, as the schedule does.
    last = last_finalised_week(now)
    settings = ServiceNormsSettings.create(landing=landing, warehouse=warehouse, engine=engine)
    refuse_a_held_warehouse(settings)
    if last < settings.first_week:
        settings = replace(settings, first_week=last)
    job = build_definitions(settings).resolve_job_def(PROVISIONAL_JOB)
    console = contextlib.nullcontext() if debug else contextlib.redirect_stdout(io.StringIO())
    with (
        console,
        partition_loading_context(effective_dt=max(now, datetime.now(UTC))),
        operator_instance(settings.warehouse) as instance,
    ):
        result = job.execute_in_process(
            instance=instance,
            partition_key=partition_key_for_week(last),
            tags={AS_OF_TAG: now.isoformat(), RUN_PROCESS_TAG: this_process()},
            run_config=dict(DEBUG_RUN_CONFIG if debug else QUIET_RUN_CONFIG),
            raise_on_error=False,
        )
    landed = _landed_or_raise(result, settings)
    return RunResult(
        landed or LandingSummary(), None, [], settings.published, step_seconds(result)
    )


def earliest_week_of_new_circumstances(landing: Path, warehouse: Path) -> date | None:
    """The first week a not-yet-landed circumstances file touches, old windows included.

    A new, changed or withdrawn circumstance changes its weeks and, through the
    six-week scores and trajectories, every later week (SPEC §8): a run for one
    week must then start at the earliest week the change touches.
    """
    from orchestration.defs.sensors import ENTITY, _read_file
    from orchestration.ingest.landing import discover_files, file_sha256

    files = [p for entity, p in discover_files(landing) if entity == ENTITY]
    if not files:
        return None
    known: set[str] = set()
    previous: dict[str, date] = {}
    if warehouse.exists():
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            has_raw = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'raw' and table_name = '_batches'"
            ).fetchone()[0]
            if has_raw:
                known = {
                    r[0]
                    for r in con.execute(
                        "select content_hash from raw._batches where entity = ?", [ENTITY]
                    ).fetchall()
                }
                previous = dict(
                    con.execute(
                        "select circumstance_id, min(starts_on) from raw.mitigating_circumstances "
                        "group by 1"
                    ).fetchall()
                )
        finally:
            con.close()
    starts: list[date] = []
    reader = duckdb.connect()
    try:
        for path in files:
            if file_sha256(path) in known:
                continue
            try:
                rows = _read_file(reader, path)
            except duckdb.Error:
                continue  # landing rejects and reports it
            for circumstance_id, starts_on, *_ in rows:
                for candidate in (starts_on, previous.get(circumstance_id)):
                    if candidate is None:
                        continue
                    try:
                        starts.append(date.fromisoformat(str(candidate)[:10]))
                    except ValueError:
                        continue
    finally:
        reader.close()
    return week_start_of(min(starts)) if starts else None


def run(
    landing: Path,
    warehouse: Path = DEFAULT_WAREHOUSE,
    week: date | None = None,
    now: datetime | None = None,
    full_refresh: bool = False,
    debug: bool = False,
    engine: str | None = None,
) -> RunResult:
    """Land new batches, then build one week (or every finalised week), the marts, and publish.

    `full_refresh` rebuilds every incremental model from raw for every week (after
    a seed or rule change); it cannot be combined with `week`. `debug` lets Dagster's
    and dbt's logs through to the console. `engine` builds the models: duckdb or
    spark (orchestration/engines.py; default SERVICENORMS_ENGINE, else duckdb); either
    publishes the same copy."""
    if full_refresh and week is not None:
        raise PipelineError("a full refresh rebuilds every week: leave out the week")
    from dagster import AssetKey

    landing = Path(landing)
    if not landing.is_dir():
        raise LandingError(f"{landing}: landing directory does not exist")
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    from orchestration.defs.resources import ServiceNormsSettings

    settings = ServiceNormsSettings.create(landing=landing, warehouse=warehouse, engine=engine)
    refuse_a_held_warehouse(settings)
    now = now or datetime.now(UTC)
    first, last = (week, week) if week is not None else (None, last_finalised_week(now))
    if first is not None:
        touched = earliest_week_of_new_circumstances(landing, warehouse)
        if touched is not None and touched < first:
            first = touched
    # dbt's console log goes to stdout inside the run; the CLI prints its own summary.
    console = contextlib.nullcontext() if debug else contextlib.redirect_stdout(io.StringIO())
    with console:
        result = execute_weeks(settings, first, last, now, full_refresh=full_refresh, debug=debug)
    landed = _landed_or_raise(result, settings)
    # From the copy the run published: the same marts whichever engine built them.
    summary = week_summaries(settings.published, first, last)
    return RunResult(
        landed or LandingSummary(),
        (iso_week_key(first) if first else "first", iso_week_key(last)),
        summary,
        settings.published,
        result.asset_value(AssetKey("performance_pages")),
        step_seconds(result),
        mail_summary(result),
    )


def mail_summary(result) -> str | None:
    """The mail step's one-line summary, if the run had one."""
    for materialization in result.asset_materializations_for_node("wednesday_mail"):
        summary = materialization.metadata.get("summary")
        if summary is not None:
            return summary.value
    return None


def step_seconds(result) -> dict[str, float]:
    """Duration of every successful step of a Dagster run, in the order they finished."""
    return {
        event.step_key: round(event.event_specific_data.duration_ms / 1000, 1)
        for event in result.all_events
        if event.event_type_value == "STEP_SUCCESS" and event.step_key
    }


def _landed_or_raise(result, settings) -> LandingSummary | None:
    """What the run landed (None when landing itself failed); a failed run raises
    PipelineError naming its cause and the places to look."""
    from dagster import AssetKey

    from orchestration.defs.resources import dagster_home

    try:
        landed = result.asset_value(AssetKey("landed_batches"))
    except Exception:  # landing itself failed: nothing to report
        landed = None
    if not result.success:
        places = Places(
            settings.warehouse,
            settings.published,
            (dagster_home(settings.warehouse), PROJECT_DIR / "target"),
        )
        raise PipelineError(_failure_message(result, places), landed)
    return landed
