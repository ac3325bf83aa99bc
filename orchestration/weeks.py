"""ISO-week arithmetic in Europe/Amsterdam, and the week -> dbt vars mapping."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
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


def week_window_vars(first_week: date | None, last_week: date) -> dict[str, str]:
    """dbt vars that rebuild the weeks [first_week, last_week] (half-open upper bound).

    `first_week=None` means every week up to and including `last_week`.
    """
    low = first_week.isoformat() if first_week is not None else "1900-01-01"
    high = (last_week + timedelta(days=7)).isoformat()
    return {"week_start_min": low, "week_start_max": high}


def measured_weeks_vars(last_finalised: date) -> dict[str, str]:
    """The dbt var ending the platform's measured weeks after `last_finalised`, the
    last week finalised as of the run (macros/time/run_parameters.sql)."""
    return {"measured_weeks_end": (last_finalised + timedelta(days=7)).isoformat()}
