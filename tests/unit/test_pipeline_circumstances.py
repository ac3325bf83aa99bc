"""A one-week run widens to the weeks a newly landed circumstance touches (SPEC §8)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orchestration.ingest.landing import land_directory
from orchestration.pipeline import earliest_week_of_new_circumstances

HEADER = (
    "circumstance_id,starts_on,ends_on,scope,transporter_code,country,indicators,effect,"
    "description,withdrawn\n"
)


def write(landing: Path, name: str, rows: str) -> None:
    folder = landing / "mitigating_circumstances"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(HEADER + rows)


def test_new_circumstance_reaches_back_to_its_first_week(tmp_path: Path) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    assert earliest_week_of_new_circumstances(landing, warehouse) is None
    write(landing, "a.csv", "MC1,2026-03-11,2026-03-12,PLATFORM,,NL,FULFILMENT,NO_STRIKE,,\n")
    # Wednesday 2026-03-11 lies in the week of Monday 2026-03-09.
    assert earliest_week_of_new_circumstances(landing, warehouse) == date(2026, 3, 9)
    land_directory(landing, warehouse)
    assert earliest_week_of_new_circumstances(landing, warehouse) is None


def test_moving_or_withdrawing_a_circumstance_also_touches_its_old_weeks(tmp_path: Path) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "w.duckdb"
    write(landing, "a.csv", "MC1,2026-03-11,2026-03-12,PLATFORM,,NL,FULFILMENT,NO_STRIKE,,\n")
    land_directory(landing, warehouse)
    write(landing, "b.csv", "MC1,2026-05-04,2026-05-05,PLATFORM,,NL,FULFILMENT,NO_STRIKE,,true\n")
    assert earliest_week_of_new_circumstances(landing, warehouse) == date(2026, 3, 9)
