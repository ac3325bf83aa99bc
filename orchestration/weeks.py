"""ISO weeks in Europe/Amsterdam, the weekly partitions, and a run's weeks -> dbt vars.

The week window travels one way: a Dagster partition (or a range of them) ->
`dbt_vars_for_range` -> the dbt invocation's `--vars` (`week_start_min`,
`week_start_max`, half-open) -> `var()` in the SQL (macros/run_parameters.sql).
Dagster is imported only where a function needs it: the command line imports
this module and stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from dagster import PartitionKeyRange, WeeklyPartitionsDefinition

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
PARTITION_TIMEZONE = "Europe/Amsterdam"
# Partition keys are the Monday of the ISO week: Dagster parses keys with
# strptime, which cannot read an ISO-week name ('%G-W%V') without a weekday.
PARTITION_FORMAT = "%Y-%m-%d"
# The moment a run takes as now when it decides which weeks are finalised
# (`servicenorms run --as-of`, the schedules); a run without it takes its creation time.
AS_OF_TAG = "servicenorms/as_of"
# Dagster's documented run tags of one run over a partition range (a single-run
# backfill): neither `execute_in_process` nor `RunRequest` takes a range.
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_iso_week(text: str) -> date:
    """'2026-W10' -> the Monday of that ISO week. Raises ValueError on a bad key."""
    m = _WEEK_RE.match(text.strip())
    if not m:
        raise ValueError(f"week {text!r} is not of the form YYYY-Www (e.g. 2026-W10)")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"week {text!r} does not exist: {year} has no ISO week {week}") from None


def iso_week_key(monday: date) -> str:
    """The Monday of an ISO week -> '2026-W10'."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def measurement_cutoff(week_start: date) -> datetime:
    """A week is finalised on the Wednesday after it, 06:00 local (SPEC §2)."""
    return datetime.combine(week_start + timedelta(days=9), time(6, 0), tzinfo=LOCAL_TZ)


def last_finalised_week(now: datetime) -> date:
    """The latest week whose measurement cut-off is at or before `now`."""
    local_now = now.astimezone(LOCAL_TZ)
    monday = week_start_of(local_now.date())
    candidate = monday - timedelta(days=7)
    while measurement_cutoff(candidate) > local_now:
        candidate -= timedelta(days=7)
    return candidate


# --- dbt vars ---------------------------------------------------------------


def week_window_vars(first_week: date | None, last_week: date) -> dict[str, str]:
    """dbt vars that rebuild the weeks [first_week, last_week] (half-open upper bound).

    `first_week=None` means every week up to and including `last_week`: no lower
    bound is passed, so the project's default (dbt_project.yml) applies.
    """
    window = {"week_start_max": (last_week + timedelta(days=7)).isoformat()}
    if first_week is not None:
        window["week_start_min"] = first_week.isoformat()
    return window


def measured_weeks_vars(last_finalised: date) -> dict[str, str]:
    """The dbt var ending the platform's measured weeks after `last_finalised`, the
    last week finalised as of the run (macros/time/run_parameters.sql)."""
    return {"measured_weeks_end": (last_finalised + timedelta(days=7)).isoformat()}


def as_of_vars(as_of: datetime) -> dict[str, str]:
    """The vars of a run as of `as_of`: the measured weeks end after the last week
    finalised then, and the week in progress is measured as of it."""
    return {**measured_weeks_vars(last_finalised_week(as_of)), "as_of": as_of.isoformat()}


# --- weekly partitions --------------------------------------------------------


def weekly_partitions(first_week: date) -> WeeklyPartitionsDefinition:
    """One partition per ISO week from `first_week` (a Monday) to the last completed week.

    `day_offset` counts from Sunday = 0, so 1 makes every window Monday 00:00 to
    Monday 00:00 local time (SPEC §2), including the weeks with a DST change.
    """
    from dagster import WeeklyPartitionsDefinition

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
    partition_range: PartitionKeyRange | None, first_partition_key: str | None
) -> dict[str, str]:
    """The week window of a run's partition range (one key or a single-run
    backfill); every week (no vars) for a run without partitions."""
    if partition_range is None:
        return {}
    return partition_dbt_vars(
        partition_range.start,
        partition_range.end,
        from_beginning=partition_range.start == first_partition_key,
    )


def run_dbt_vars(
    partition_range: PartitionKeyRange | None,
    first_partition_key: str | None,
    as_of: datetime,
    full_refresh: bool = False,
) -> dict[str, str]:
    """The `--vars` of every dbt step of one run: its week window, the end of the
    measured weeks and its moment. A full refresh recreates the week-window models,
    so it takes no window (the defaults cover every week) whatever its partitions.
    Every step of a run passes the same vars, so only its first step re-parses."""
    window = {} if full_refresh else dbt_vars_for_range(partition_range, first_partition_key)
    return {**window, **as_of_vars(as_of)}


# --- a run's weeks and moment, from its context -------------------------------


def run_partition_range(context: Any) -> PartitionKeyRange | None:
    """The partitions of the run an asset runs in (its own or, for an unpartitioned
    asset, the run's), or None for a run without partitions."""
    if context.has_partition_key or context.has_partition_key_range:
        return context.partition_key_range
    return None


def run_week_range(context: Any) -> tuple[date, date] | None:
    """(first Monday, last Monday) of the run, or None for a run without partitions."""
    keys = run_partition_range(context)
    if keys is None:
        return None
    return week_for_partition_key(keys.start), week_for_partition_key(keys.end)


def partition_range_tags(first_key: str, last_key: str) -> dict[str, str]:
    """Run tags for one run over the partitions [first_key, last_key]."""
    return {PARTITION_RANGE_START_TAG: first_key, PARTITION_RANGE_END_TAG: last_key}


def as_of_from_tags(tags: Mapping[str, str], created: datetime | None = None) -> datetime:
    """A run's `now`: its as-of tag (ISO-8601 with offset), else `created`, else the clock."""
    given = tags.get(AS_OF_TAG)
    if given:
        return datetime.fromisoformat(given)
    return created or datetime.now(UTC)


def run_as_of(context: Any) -> datetime:
    """The run's `now`: its as-of tag, else the moment the run was created, so every
    step of one run takes the same moment (and passes dbt the same vars)."""
    record = context.instance.get_run_record_by_id(context.run.run_id)
    created = record.create_timestamp if record is not None else None
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return as_of_from_tags(context.run.tags, created)
