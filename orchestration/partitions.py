"""Weekly partitions (ISO weeks, Monday start, Europe/Amsterdam) and partition -> dbt vars."""

from __future__ import annotations

from datetime import date

from dagster import PartitionKeyRange, WeeklyPartitionsDefinition

from orchestration.weeks import iso_week_key, week_window_vars

PARTITION_TIMEZONE = "Europe/Amsterdam"
# Partition keys are the Monday of the ISO week: Dagster parses keys with
# strptime, which cannot read an ISO-week name ('%G-W%V') without a weekday.
PARTITION_FORMAT = "%Y-%m-%d"


def weekly_partitions(first_week: date) -> WeeklyPartitionsDefinition:
    """One partition per ISO week from `first_week` (a Monday) to the last completed week.

    `day_offset` counts from Sunday = 0, so 1 makes every window Monday 00:00 to
    Monday 00:00 local time (SPEC §2), including the weeks with a DST change.
    """
    if first_week.isoweekday() != 1:
        raise ValueError(f"first week {first_week} is not a Monday")
    return WeeklyPartitionsDefinition(
        start_date=first_week.strftime(PARTITION_FORMAT),
        day_offset=1,
        timezone=PARTITION_TIMEZONE,
        fmt=PARTITION_FORMAT,
    )


def partition_key_for_week(week_start: date) -> str:
    return week_start.strftime(PARTITION_FORMAT)


def week_for_partition_key(key: str) -> date:
    """'2026-03-02' -> date(2026, 3, 2); rejects a key that is not an ISO Monday."""
    monday = date.fromisoformat(key)
    if monday.isoweekday() != 1:
        raise ValueError(f"partition key {key!r} is not a Monday")
    return monday


def partition_label(key: str) -> str:
    """'2026-03-02' -> '2026-W10', the name operators and the CLI use."""
    return iso_week_key(week_for_partition_key(key))


def partition_dbt_vars(
    first_key: str, last_key: str | None = None, *, from_beginning: bool = False
) -> dict[str, str]:
    """dbt vars rebuilding the weeks of the partitions [first_key, last_key].

    `from_beginning` widens the window down to the earliest week, so a run that
    starts at the first partition also rebuilds any data landed before it.
    """
    first = week_for_partition_key(first_key)
    last = week_for_partition_key(last_key) if last_key else first
    if last < first:
        raise ValueError(f"partition range {first_key}..{last_key} is reversed")
    return week_window_vars(None if from_beginning else first, last)


def dbt_vars_for_range(
    partition_range: PartitionKeyRange, partitions_def: WeeklyPartitionsDefinition
) -> dict[str, str]:
    """The vars for a run's partition range (one key or a single-run backfill)."""
    first_key = partitions_def.get_first_partition_key()
    return partition_dbt_vars(
        partition_range.start,
        partition_range.end,
        from_beginning=partition_range.start == first_key,
    )
