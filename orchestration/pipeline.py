"""The weekly pipeline's stages: land -> build (dbt) -> summarise.

These functions are the single implementation; the CLI and the orchestrator
both call them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from orchestration.dbt_runner import run_dbt
from orchestration.landing import LandingSummary, land_directory
from orchestration.weeks import iso_week_key, last_finalised_week, week_window_vars

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[1] / "warehouse" / "servicenorms.duckdb"


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


def build_weeks(warehouse: Path, first_week: date | None, last_week: date, full_refresh: bool = False) -> None:
    """Seed reference data and build every model for the weeks [first_week, last_week]."""
    extra = ["--full-refresh"] if full_refresh else []
    run_dbt("seed", *extra, warehouse=warehouse)
    run_dbt("build", "--exclude", "resource_type:seed", *extra, warehouse=warehouse,
            vars=week_window_vars(first_week, last_week))


def week_summaries(warehouse: Path, first_week: date | None = None, last_week: date | None = None) -> list[WeekSummary]:
    # Same configuration as dbt-duckdb's in-process connection, which may still be open.
    con = duckdb.connect(str(warehouse))
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


def run(
    landing: Path,
    warehouse: Path = DEFAULT_WAREHOUSE,
    week: date | None = None,
    now: datetime | None = None,
) -> RunResult:
    """Land new batches, then build one week (or every finalised week) and the marts."""
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    landed = land_directory(landing, warehouse)
    now = now or datetime.now(timezone.utc)
    if week is None:
        first, last = None, last_finalised_week(now)
    else:
        first, last = week, week
    build_weeks(warehouse, first, last)
    summary = week_summaries(warehouse, first, last)
    return RunResult(landed, (iso_week_key(first) if first else "first", iso_week_key(last)), summary)
