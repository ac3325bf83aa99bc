"""Assets: landing, the dbt project (weekly facts partitioned, marts not) and the published copy.

Split of the dbt project, and why:

* `servicenorms_weekly` — seeds, staging, intermediate and `models/facts`,
  partitioned by ISO week. The incremental facts rebuild exactly the weeks of
  the run's partition range (`weeks.run_dbt_vars`, the invocation's `--vars`,
  read by `var()`: macros/time/run_parameters.sql); the full-rebuild models upstream
  of them ride along so one `dbt build` refreshes everything the facts read.
* `servicenorms_marts` — `models/marts`, unpartitioned: the week-window marts
  rebuild the run's weeks and what depends on them (six-week pools, later
  trajectory states), so a weekly partition of a mart would claim a precision it
  does not have. It takes the same `--vars` as the weekly step.

Both carry `BackfillPolicy.single_run()` where partitioned and share the
`warehouse` pool; jobs use the in-process executor. A backfill over many weeks
is one run and one `dbt build`: DuckDB has one writer, and parallel partitioned
dbt runs collide on temp relations.
"""

import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Config,
    MaterializeResult,
    MetadataValue,
    Output,
    WeeklyPartitionsDefinition,
    asset,
    asset_check,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration import progress
from orchestration.atomic_files import replacing
from orchestration.dbt_runner import full_build_thread_args
from orchestration.defs.checks import ignored_findings, raw_data_check_result, validation_findings
from orchestration.defs.outcome import (
    circumstances_in_window,
    circumstances_markdown,
    existing_tables,
    table_row_counts,
    week_outcome_metadata,
)
from orchestration.defs.resources import MANIFEST_PATH, WarehouseResource
from orchestration.engines import raw_parquet_dir
from orchestration.errors import Places, StepFailed, dbt_failure
from orchestration.ingest.landing import LandingSummary, land_directory
from orchestration.ingest.raw_parquet import write_raw_parquet
from orchestration.publish import mark_pending, publish_marts, rewrites_of_run, week_window_marts
from orchestration.publish_parquet import parquet_root, publish_parquet
from orchestration.serve.pages import build_site, weeks_to_build
from orchestration.weeks import (
    iso_week_key,
    run_as_of,
    run_dbt_vars,
    run_partition_range,
    run_week_range,
)

LANDED_BATCHES = AssetKey("landed_batches")
# A model every weekly step builds: absent before the warehouse's first build.
FIRST_BUILT = "stg_raw__sellers"
PUBLISHED_MARTS = AssetKey("published_marts")
PERFORMANCE_PAGES = AssetKey("performance_pages")
WAREHOUSE_POOL = "servicenorms_warehouse"
WEEKLY_SELECT = "fqn:*"
WEEKLY_EXCLUDE = "path:models/marts"
MARTS_SELECT = "path:models/marts"


class ServiceNormsTranslator(DagsterDbtTranslator):
    """Every raw source is fed by the `landed_batches` asset; groups follow the layers."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return LANDED_BATCHES
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        path = str(dbt_resource_props.get("original_file_path", ""))
        if path.startswith("models/marts"):
            return "marts"
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return "weekly"


def translator() -> ServiceNormsTranslator:
    return ServiceNormsTranslator(
        settings=DagsterDbtTranslatorSettings(
            enable_asset_checks=True, enable_duplicate_source_asset_keys=True
        )
    )


def _landing_metadata(summary: LandingSummary) -> dict[str, Any]:
    rows = [
        f"| {b.source_file} | {b.status} | {b.rows_accepted} | {b.rows_quarantined} | "
        f"{(b.reason or '').replace('|', '/')} |"
        for b in summary.batches
        if b.status != "SKIPPED"
    ]
    rows += [
        f"| {f.source_file} | IGNORED | 0 | 0 | {f.reason.replace('|', '/')} |"
        for f in summary.ignored
    ]
    table = "\n".join(
        ["| batch | status | accepted | quarantined | reason |", "|---|---|---|---|---|", *rows]
    )
    return {
        "batches_loaded": MetadataValue.int(summary.loaded),
        "batches_rejected": MetadataValue.int(summary.rejected),
        "batches_skipped": MetadataValue.int(summary.skipped),
        "rows_accepted": MetadataValue.int(summary.rows_accepted),
        "rows_quarantined": MetadataValue.int(summary.rows_quarantined),
        "files_ignored": MetadataValue.int(len(summary.ignored)),
        "new_batches": MetadataValue.md(table if rows else "No new batch."),
    }


@asset(
    key=LANDED_BATCHES,
    group_name="landing",
    pool=WAREHOUSE_POOL,
    description=(
        "Every new file of the landing directory, loaded append-only into schema `raw` "
        "(rejected files and quarantined rows are kept, never dropped)."
    ),
)
def landed_batches(context: AssetExecutionContext, warehouse: WarehouseResource) -> Output:
    warehouse.warehouse.parent.mkdir(parents=True, exist_ok=True)
    # Great Expectations Data Docs for this run's batches, beside the warehouse
    # (git-ignored); SERVICENORMS_DATA_DOCS=0 turns them off.
    build_docs = os.environ.get("SERVICENORMS_DATA_DOCS", "1").strip() not in ("0", "false", "no")
    gx_dir = warehouse.warehouse.parent / "gx"
    summary = land_directory(
        warehouse.landing, warehouse.warehouse, build_docs=build_docs, gx_dir=gx_dir
    )
    context.log.info(
        f"landing: {summary.loaded} loaded, {summary.rejected} rejected, {summary.skipped} skipped"
    )
    metadata = _landing_metadata(summary)
    if warehouse.on_spark:
        # Spark reads the raw layer as Parquet: a file per batch landed (ingest/raw_parquet.py).
        raw_dir = raw_parquet_dir(warehouse.warehouse)
        sync = write_raw_parquet(warehouse.warehouse, raw_dir)
        context.log.info(
            f"raw Parquet: {sync.written} batch files written, {sync.kept} kept, "
            f"{sync.removed} removed"
        )
        metadata["raw_parquet_path"] = MetadataValue.path(str(raw_dir))
        metadata["raw_parquet_files_written"] = MetadataValue.int(sync.written)
    docs_index = gx_dir / "data_docs" / "index.html"
    if build_docs and docs_index.exists():
        metadata["data_docs"] = MetadataValue.path(str(docs_index))
    return Output(summary, metadata=metadata)


@asset_check(
    asset=landed_batches,
    name="no_rejected_or_quarantined_data",
    blocking=True,
    description=(
        "Fails when a finding of the latest landing blocks (a batch rejected by the "
        "quarantine-share policy, a failed contract expectation); the dbt models downstream "
        "are then not built in that run. Unreadable files (kept in raw._rejected_files), "
        "quarantined rows and warnings are listed, not blocking: the run goes on with the "
        "other files."
    ),
)
def raw_data_is_clean(
    context: AssetCheckExecutionContext,
    landed_batches: LandingSummary,
    warehouse: WarehouseResource,
) -> AssetCheckResult:
    findings = validation_findings(landed_batches, warehouse.warehouse)
    return raw_data_check_result([*findings, *ignored_findings(landed_batches)])


def _stream_with_metadata(
    events: list[Any], extra: Mapping[str, Mapping[str, Any]]
) -> Iterator[Any]:
    """Re-emit dbt's events, adding our metadata to the outputs it names.

    The events are collected first because the metadata is read from the
    warehouse, which the dbt process holds until it exits.
    """
    for event in events:
        if isinstance(event, Output) and event.output_name in extra:
            event = event.with_metadata({**event.metadata, **extra[event.output_name]})
        yield event


class WeeklyBuildConfig(Config):
    """Run configuration of the weekly dbt step (the UI's launchpad shows it)."""

    full_refresh: bool = False
    """Rebuild every incremental model from raw, for every week: needed after a
    seed (norms, transporters, holidays) or a rule changed. A weekly run otherwise
    recomputes only what new loads touched and the run's weeks."""


def weekly_dbt_args(
    full_refresh: bool, first_build: bool = False, dbt_vars: Mapping[str, Any] | None = None
) -> list[str]:
    """`dbt build` arguments of the weekly steps, with the run's `--vars`
    (weeks.run_dbt_vars).

    dbt's unit tests check the rules on fixed inputs, not the week's data: the
    test suite runs them (tests/integration/test_dbt_project.py), the weekly job does not.
    A full refresh, and the first build of a step's models (`first_build`),
    compute every week at once and take the full-build threads, if set.
    """
    skip_unit_tests = ["--exclude-resource-type", "unit_test"]
    threads = full_build_thread_args() if full_refresh or first_build else []
    refresh = ["--full-refresh"] if full_refresh else []
    given = ["--vars", json.dumps(dict(dbt_vars), sort_keys=True)] if dbt_vars else []
    return ["build", *refresh, *threads, *skip_unit_tests, *given]


def parse_state_folder() -> Path:
    """The folder dagster-dbt starts each dbt step's parse state from: dbt's
    DBT_TARGET_PATH (relative to the project), else the project's target folder."""
    given = os.environ.get("DBT_TARGET_PATH")
    return MANIFEST_PATH.parent.parent / given if given else MANIFEST_PATH.parent


def keep_parse_state(invocation_target: Path, project_target: Path | None = None) -> bool:
    """Hand a dbt step's parse state back to the project's target folder
    (`parse_state_folder`).

    dagster-dbt starts each step from `target/partial_parse.msgpack`; dbt re-parses
    the whole project when that state was saved under another profile (the
    warehouse path, threads and memory bound come from the environment) or other
    `--vars` (a new week's). A step's own state matches the run's vars, so the next
    step of the run parses only what changed; dbt still checks every file, the
    profile and the vars before reusing it. Replaced atomically: a reader never
    sees half a file.
    """
    state = Path(invocation_target) / "partial_parse.msgpack"
    if not state.exists():
        return False
    project_target = project_target or parse_state_folder()
    project_target.mkdir(parents=True, exist_ok=True)
    with replacing(project_target / "partial_parse.msgpack") as aside:
        shutil.copyfile(state, aside)
    return True


#: dbt step folders kept per step under target/: each step of each run writes
#: its own (`<step>-<run id>-<id>`: compiled SQL, run results, debug log), so
#: without pruning target/ would grow by ~10 MB a weekly run.
STEP_TARGETS_KEPT = 10


def prune_step_targets(invocation_target: Path, keep: int = STEP_TARGETS_KEPT) -> list[Path]:
    """Remove the target folders of this dbt step but the `keep` newest (by
    modification time; the given one is always kept). Folders of other steps
    and anything not named like a step folder are left alone. Returns what
    was removed."""
    invocation_target = Path(invocation_target)
    step = invocation_target.name.rsplit("-", 2)[0]
    named = re.compile(rf"{re.escape(step)}-[0-9a-f]{{7}}-[0-9a-f]{{7}}")
    folders = [
        path
        for path in invocation_target.parent.iterdir()
        if path.is_dir() and named.fullmatch(path.name)
    ]
    folders.sort(key=lambda path: (path.stat().st_mtime, path.name), reverse=True)
    removed = [path for path in folders[keep:] if path != invocation_target]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def build_dbt_assets(
    project: DbtProject, partitions_def: WeeklyPartitionsDefinition
) -> list[AssetsDefinition]:
    manifest = project.manifest_path
    first_key = partitions_def.get_first_partition_key()

    @dbt_assets(
        manifest=manifest,
        project=project,
        select=WEEKLY_SELECT,
        exclude=WEEKLY_EXCLUDE,
        name="servicenorms_weekly",
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
        dagster_dbt_translator=translator(),
        pool=WAREHOUSE_POOL,
    )
    def servicenorms_weekly(
        context: AssetExecutionContext,
        config: WeeklyBuildConfig,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
    ) -> Iterator[Any]:
        dbt_vars = run_dbt_vars(
            context.partition_key_range, first_key, run_as_of(context), config.full_refresh
        )
        # No staging built yet: the first build of the warehouse.
        first_build = not existing_tables(
            warehouse.built_tables(manifest), "staging", [FIRST_BUILT]
        )
        events = _run_dbt_step(
            context, dbt, warehouse, config.full_refresh, dbt_vars, first_build
        )
        first, last = run_week_range(context)
        built = warehouse.built_tables(manifest)
        facts = table_row_counts(
            built,
            warehouse.default_schema,
            ["fct_seller_week_indicator_counts", "fct_seller_week_reviews"],
        )
        circumstances = circumstances_in_window(built, first, last)
        # A run of a subset (the week in progress) builds no weekly facts.
        extra = {
            _output_name(context, name): {
                "row_count": MetadataValue.int(count),
                "circumstances_applied": MetadataValue.md(circumstances_markdown(circumstances)),
            }
            for name, count in facts.items()
            if AssetKey(name) in context.selected_asset_keys
        }
        yield from _stream_with_metadata(events, extra)

    @dbt_assets(
        manifest=manifest,
        project=project,
        select=MARTS_SELECT,
        name="servicenorms_marts",
        dagster_dbt_translator=translator(),
        pool=WAREHOUSE_POOL,
    )
    def servicenorms_marts(
        context: AssetExecutionContext,
        config: WeeklyBuildConfig,
        dbt: DbtCliResource,
        warehouse: WarehouseResource,
    ) -> Iterator[Any]:
        # The week-window marts rebuild the run's weeks (all weeks when the run
        # has no partitions, e.g. the marts materialised on their own).
        dbt_vars = run_dbt_vars(
            run_partition_range(context), first_key, run_as_of(context), config.full_refresh
        )
        marts = [spec.key.path[-1] for spec in context.assets_def.specs]
        existing = existing_tables(warehouse.built_tables(manifest), "marts", marts)
        selected = [key.path[-1] for key in context.selected_asset_keys]
        # Recorded before dbt writes: publishing copies these weeks, also after a
        # failed run (orchestration/publish.py).
        mark_pending(
            warehouse.published,
            rewrites_of_run(
                selected, dbt_vars, week_window_marts(manifest), existing, config.full_refresh
            ),
        )
        events = _run_dbt_step(
            context, dbt, warehouse, config.full_refresh, dbt_vars, first_build=not existing
        )
        built = warehouse.built_tables(manifest)
        counts = table_row_counts(built, "marts", marts)
        extra: dict[str, dict[str, Any]] = {
            _output_name(context, ["marts", name]): {"row_count": MetadataValue.int(count)}
            for name, count in counts.items()
            if AssetKey(["marts", name]) in context.selected_asset_keys
        }
        summary = AssetKey(["marts", "platform_week_summary"])
        if summary in context.selected_asset_keys:
            extra[_output_name(context, summary.path)].update(
                week_outcome_metadata(built, _last_week_of_run(context))
            )
        yield from _stream_with_metadata(events, extra)

    return [servicenorms_weekly, servicenorms_marts]


def _run_dbt_step(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    full_refresh: bool,
    dbt_vars: Mapping[str, Any],
    first_build: bool = False,
) -> list[Any]:
    """One `dbt build` of a weekly step with the run's `--vars`; its events, and
    its parse state handed back for the next step; older step folders pruned.
    A failed build fails the step with one line: the cause, or the failed models
    and tests with their errors (orchestration.errors.dbt_failure)."""
    args = weekly_dbt_args(full_refresh, first_build, {**dbt_vars, **warehouse.engine_vars()})
    context.log.info(f"dbt {' '.join(args)}")
    with progress.current().task(f"dbt {context.assets_def.op.name}", None, "nodes built") as task:
        with warehouse.dbt_environment():
            invocation = dbt.cli(args, context=context, raise_on_error=False)
            events = []
            for event in invocation.stream():
                events.append(event)
                if isinstance(event, Output | AssetCheckResult):
                    task.advance()
        prune_step_targets(invocation.target_path)
        error = invocation.get_error()
        if error is not None:
            places = Places(warehouse.warehouse, warehouse.published, (MANIFEST_PATH.parent,))
            raise StepFailed(dbt_failure(invocation.target_path, str(error), places))
    keep_parse_state(invocation.target_path)
    return events


def _output_name(context: AssetExecutionContext, path: str | list[str]) -> str:
    return context.assets_def.get_output_name_for_asset_key(AssetKey(path))


def _last_week_of_run(context: AssetExecutionContext) -> date | None:
    weeks = run_week_range(context)
    return weeks[1] if weeks else None


def build_publish_asset(mart_keys: list[AssetKey]) -> AssetsDefinition:
    @asset(
        key=PUBLISHED_MARTS,
        deps=mart_keys,
        group_name="marts",
        pool=WAREHOUSE_POOL,
        description=(
            "Read-only copy of schema `marts` for BI tools and analysts, replaced atomically "
            "at the end of each successful run; only the weeks a run rewrote are copied again. "
            "The same marts as Parquet beside it (`parquet/<table>/week_start=…/`), swapped "
            "in the same way."
        ),
    )
    def published_marts(
        context: AssetExecutionContext, warehouse: WarehouseResource
    ) -> MaterializeResult:
        with progress.current().task("publishing", None, "tables") as task:
            # The marts as built: the warehouse itself, or Spark's tables (engines.py).
            tables = publish_marts(warehouse.built_tables(MANIFEST_PATH), warehouse.published)
            task.advance(len(tables))
            # Parquet for BI tools that cannot open DuckDB, from the copy just swapped in.
            parquet = publish_parquet(warehouse.published)
        metadata: dict[str, Any] = {
            "path": MetadataValue.path(str(warehouse.published)),
            "tables": MetadataValue.md(
                "| table | rows | published |\n|---|---|---|\n"
                + "\n".join(
                    f"| marts.{t} | {p.rows} | {p.describe()} |" for t, p in tables.items()
                )
            ),
            "parquet_path": MetadataValue.path(str(parquet_root(warehouse.published))),
            "parquet": MetadataValue.md(
                "| table | rows | Parquet files |\n|---|---|---|\n"
                + "\n".join(f"| {t} | {p.rows} | {p.describe()} |" for t, p in parquet.items())
            ),
        }
        metadata.update(week_outcome_metadata(warehouse.published, _last_week_of_run(context)))
        return MaterializeResult(metadata=metadata)

    return published_marts


def build_pages_asset() -> AssetsDefinition:
    @asset(
        key=PERFORMANCE_PAGES,
        deps=[PUBLISHED_MARTS],
        group_name="pages",
        description=(
            "The performance pages: a static site with a page per seller and one for the "
            "platform, one folder per ISO week, written from the published copy only. Each run "
            "writes the latest published week, and the run's last week when it re-ran an "
            "earlier one; the folders of other weeks stay as they were published."
        ),
    )
    def performance_pages(context: AssetExecutionContext, warehouse: WarehouseResource) -> Output:
        weeks = weeks_to_build(warehouse.published, _last_week_of_run(context))
        if not weeks:
            context.log.info("the published marts hold no week yet: no pages to write")
            return Output(None, metadata={"weeks": MetadataValue.text("none")})
        sites = [build_site(warehouse.published, warehouse.pages, week=w) for w in weeks]
        latest = sites[-1]
        for site in sites:
            context.log.info(
                f"pages of {iso_week_key(site.week)}: {site.seller_pages} sellers in "
                f"{site.seconds} s"
            )
        return Output(
            latest,
            metadata={
                "platform_page": MetadataValue.path(str(latest.platform_page)),
                "site": MetadataValue.path(str(latest.index)),
                "weeks": MetadataValue.text(", ".join(iso_week_key(s.week) for s in sites)),
                "seller_pages": MetadataValue.int(sum(s.seller_pages for s in sites)),
                "seconds": MetadataValue.float(sum(s.seconds for s in sites)),
            },
        )

    return performance_pages
