"""Write seeds/public_holidays.csv: the NL and BE public holidays of SPEC §2.

The calendar comes from the `holidays` package at the version pinned in
pyproject.toml (SPEC §2 names 0.109); SQL cannot call Python, so the result is
shipped as a dbt seed. Re-run after changing the pin or the year range:

    python scripts/build_holiday_seed.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import holidays

COUNTRIES = ("NL", "BE")
# The years of the calendar (macros/time/calendar.sql).
FIRST_YEAR, LAST_YEAR = 2000, 2050
OUT = Path(__file__).resolve().parents[1] / "seeds" / "public_holidays.csv"


def holiday_rows() -> list[tuple[str, str, str]]:
    rows = []
    for country in COUNTRIES:
        calendar = holidays.country_holidays(country, years=range(FIRST_YEAR, LAST_YEAR + 1))
        for day, name in sorted(calendar.items()):
            rows.append((country, day.isoformat(), name))
    return rows


def main() -> None:
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["country", "holiday_date", "holiday_name"])
        writer.writerows(holiday_rows())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
