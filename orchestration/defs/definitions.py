"""The Dagster code location (`servicenorms ui`; `dagster dev -m orchestration.defs.definitions`).

`build_definitions(settings)` is the one factory; the module-level `defs`
uses the environment (SERVICENORMS_LANDING, SERVICENORMS_WAREHOUSE,
SERVICENORMS_PUBLISHED, SERVICENORMS_FIRST_WEEK, SERVICENORMS_PAGES, SERVICENORMS_ENGINE),
`servicenorms run` and the tests pass their own settings.
"""

from __future__ import annotations

from dagster import (
    AssetKey,
    AssetSelection,
    Definitions,
    define_asset_job,
    in_process_executor,
)

from orchestration.defs.assets import (
    PUBLISHED_MARTS,
    build_dbt_assets,
    build_pages_asset,
    build_publish_asset,
    landed_batches,
    raw_data_is_clean,
)
from orchestration.defs.mail_assets import MailResource, wednesday_mail
from orchestration.defs.resources import (
    ServiceNormsSettings,
    WarehouseResource,
    dbt_cli_resource,
    dbt_project,
    ensure_manifest,
)
from orchestration.defs.schedules import build_provisional_schedule, build_weekly_schedule
from orchestration.defs.sensors import build_circumstances_sensor
from orchestration.serve.mail import MailSettings
from orchestration.weeks import weekly_partitions

WEEKLY_JOB = "servicenorms_weekly_job"
PROVISIONAL_JOB = "servicenorms_week_in_progress_job"
PROVISIONAL_MART = AssetKey(["marts", "seller_week_provisional"])


def build_definitions(settings: ServiceNormsSettings | None = None) -> Definitions:
    settings = settings or ServiceNormsSettings.create()
    project = dbt_project()
    # Under `dagster dev` this re-parses on load; everywhere else ensure_manifest does.
    project.prepare_if_dev()
    ensure_manifest(project.manifest_path)
    partitions_def = weekly_partitions(settings.first_week)
    weekly, marts = build_dbt_assets(project, partitions_def)
    mart_keys: list[AssetKey] = list(marts.keys)
    published = build_publish_asset(mart_keys)
    pages = build_pages_asset()

    weekly_job = define_asset_job(
        WEEKLY_JOB,
        selection=AssetSelection.all(),
        # One step at a time: DuckDB allows one writer, and the landing, dbt and
        # publish steps all write.
        executor_def=in_process_executor,
        description=(
            "Land new batches, build the weekly facts for the run's weeks, rebuild the marts, "
            "publish the read-only copy, write the week's mails and the performance pages."
        ),
    )
    # The week in progress alone: what it is computed from (landing, the staging
    # and intermediate models it reads, no weekly facts), then the copy.
    provisional_job = define_asset_job(
        PROVISIONAL_JOB,
        selection=AssetSelection.assets(PROVISIONAL_MART).upstream()
        | AssetSelection.assets(PUBLISHED_MARTS),
        executor_def=in_process_executor,
        description=(
            "Land new batches and measure the week in progress (marts.seller_week_provisional) "
            "as of now; the finalised weeks stay as they are. Publish the read-only copy."
        ),
    )
    first_key = partitions_def.get_first_partition_key() or ""
    return Definitions(
        assets=[landed_batches, weekly, marts, published, wednesday_mail, pages],
        asset_checks=[raw_data_is_clean],
        jobs=[weekly_job, provisional_job],
        schedules=[
            build_weekly_schedule(weekly_job, first_key),
            build_provisional_schedule(provisional_job, first_key),
        ],
        sensors=[build_circumstances_sensor(weekly_job, partitions_def)],
        resources={
            "dbt": dbt_cli_resource(project, settings.engine),
            "warehouse": WarehouseResource(
                landing_dir=str(settings.landing),
                warehouse_path=str(settings.warehouse),
                published_path=str(settings.published),
                pages_dir=str(settings.pages),
                engine=settings.engine,
            ),
            "mail": MailResource.from_settings(MailSettings.from_env(settings.warehouse)),
        },
        executor=in_process_executor,
    )


defs = build_definitions()
