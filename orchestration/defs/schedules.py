"""The schedules: the Wednesday job builds the ISO week that ended the Sunday
before (SPEC §2); the other days, the week in progress is measured again."""

from datetime import datetime

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from orchestration.weeks import (
    AS_OF_TAG,
    PARTITION_TIMEZONE,
    iso_week_key,
    last_finalised_week,
    partition_key_for_week,
    week_start_of,
)

WEEKLY_SCHEDULE = "wednesday_weekly_build"
# Wednesday 06:00 local: the measurement cut-off of the week before (SPEC §2).
WEEKLY_CRON = "0 6 * * 3"
PROVISIONAL_SCHEDULE = "daily_week_in_progress"
# Every day but Wednesday, 06:00 local: on Wednesdays the weekly run measures
# the new week in progress itself.
PROVISIONAL_CRON = "0 6 * * 0,1,2,4,5,6"


def week_to_build(scheduled_at: datetime) -> str:
    """The partition key of the week finalised at `scheduled_at` (ended the Sunday before)."""
    return partition_key_for_week(last_finalised_week(scheduled_at))


def build_weekly_schedule(job, first_week_key: str) -> ScheduleDefinition:
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
            tags={
                "servicenorms/week": iso_week_key(week),
                "servicenorms/trigger": "schedule",
                AS_OF_TAG: context.scheduled_execution_time.isoformat(),
            },
        )

    return wednesday_weekly_build


def build_provisional_schedule(job, first_week_key: str) -> ScheduleDefinition:
    """Daily: land what arrived and measure the week in progress as of the
    scheduled time (marts.seller_week_provisional), then publish. The run takes
    the last finalised week's partition, the one the Wednesday run built: its
    keyed models take in the new loads, its weekly facts are not rebuilt."""

    @schedule(
        name=PROVISIONAL_SCHEDULE,
        cron_schedule=PROVISIONAL_CRON,
        execution_timezone=PARTITION_TIMEZONE,
        job=job,
        default_status=DefaultScheduleStatus.RUNNING,
        description=(
            "Daily 06:00 Europe/Amsterdam but Wednesdays: land new files and measure the "
            "week in progress (seller_week_provisional) as of now."
        ),
    )
    def daily_week_in_progress(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        now = context.scheduled_execution_time
        key = week_to_build(now)
        if key < first_week_key:
            return SkipReason(f"week {key} is before the first partition {first_week_key}")
        return RunRequest(
            run_key=f"provisional-{now.isoformat()}",
            partition_key=key,
            tags={AS_OF_TAG: now.isoformat(), "servicenorms/trigger": "schedule"},
        )

    return daily_week_in_progress
