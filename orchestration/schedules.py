"""The Wednesday job: build the ISO week that ended the Sunday before (SPEC §2)."""

from datetime import datetime

from dagster import (
    DefaultScheduleStatus,
    JobDefinition,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from orchestration.partitions import PARTITION_TIMEZONE, partition_key_for_week
from orchestration.weeks import iso_week_key, last_finalised_week, week_start_of

WEEKLY_SCHEDULE = "wednesday_weekly_build"
# Wednesday 06:00 local: the measurement cut-off of the week before (SPEC §2).
WEEKLY_CRON = "0 6 * * 3"


def week_to_build(scheduled_at: datetime) -> str:
    """The partition key of the week finalised at `scheduled_at` (ended the Sunday before)."""
    return partition_key_for_week(last_finalised_week(scheduled_at))


def build_weekly_schedule(
    job: JobDefinition | UnresolvedAssetJobDefinition, first_week_key: str
) -> ScheduleDefinition:
    @schedule(
        name=WEEKLY_SCHEDULE,
        cron_schedule=WEEKLY_CRON,
        execution_timezone=PARTITION_TIMEZONE,
        job=job,
        # Schedules of partitioned jobs start STOPPED unless told otherwise.
        default_status=DefaultScheduleStatus.RUNNING,
        description="Wednesday 06:00 Europe/Amsterdam: land, build and publish last week.",
    )
    def wednesday_weekly_build(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        key = week_to_build(context.scheduled_execution_time)
        if key < first_week_key:
            return SkipReason(f"week {key} is before the first partition {first_week_key}")
        week = week_start_of(last_finalised_week(context.scheduled_execution_time))
        return RunRequest(
            run_key=key,
            partition_key=key,
            tags={"servicenorms/week": iso_week_key(week), "servicenorms/trigger": "schedule"},
        )

    return wednesday_weekly_build
