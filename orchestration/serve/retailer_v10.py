"""The bol.com Retailer API v10 shape of the weekly indicators, read from the published marts.

`GET /retailer/insights/performance/indicator` answers `PerformanceIndicators`
(docs/integrations.md, the reference schema in the tests): per indicator its
`name`, `type` (AVERAGE for REVIEWS, else PERCENTAGE) and `details` with the
ISO `period`, the `norm` valid that week and, when the week has a measurement
(denominator > 0), the `score`. The HTTP server (orchestration/serve/api.py) and the
file export (`servicenorms export --format bol-v10`) both build their answers
here, so a file holds exactly what the API would return.

The score is the week's (seller_week_indicators), not the six-week pool: the
API measures per week. HANDOVER is not one of the API's indicator names and
NPS is monthly: neither is served in this shape.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import duckdb

from orchestration.weeks import iso_week_key, measurement_cutoff

MEDIA_TYPE = "application/vnd.retailer.v10+json"
# The reference's `name` enum, in its order (HANDOVER and NPS are not API indicators).
INDICATORS = (
    "CANCELLATIONS",
    "FULFILMENT",
    "PHONE_AVAILABILITY",
    "RESPONSE_TIME",
    "CASE_ITEM_RATIO",
    "TRACK_AND_TRACE",
    "RETURNS",
    "REVIEWS",
)
AVERAGE_INDICATORS = frozenset({"REVIEWS"})
# Values are ratios of whole numbers: six decimals keep every digit a reader
# needs and drop the binary noise of a difference (0.925 - 0.93).
DECIMALS = 6
_YEAR = re.compile(r"^[0-9]{4}$")
_WEEK = re.compile(r"^[0-9]{1,2}$")


class RequestProblem(Exception):
    """A request the published marts cannot answer: HTTP status, title, detail and
    the violations (name, reason) behind it."""

    def __init__(
        self, status: int, title: str, detail: str, violations: Sequence[tuple[str, str]] = ()
    ):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.violations = list(violations)


BAD_REQUEST = "Error validating request. Consult the API documentation for more information."


def parse_period(year: str | None, week: str | None) -> date:
    """The Monday of the ISO week named by the API's `year` ('2026') and `week`
    ('5' or '05'); a RequestProblem (400) names every parameter that is wrong."""
    violations = []
    if year is None:
        violations.append(("year", "Request parameter 'year' is required."))
    elif not _YEAR.match(year):
        violations.append(("year", f"'{year}' is not a year: expected four digits, e.g. 2026."))
    if week is None:
        violations.append(("week", "Request parameter 'week' is required."))
    elif not _WEEK.match(week) or not 1 <= int(week) <= 53:
        violations.append(("week", f"'{week}' is not an ISO week number: expected 1 to 53."))
    if violations:
        raise RequestProblem(400, BAD_REQUEST, "Invalid year or week.", violations)
    try:
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise RequestProblem(
            400,
            BAD_REQUEST,
            "Invalid year or week.",
            [("week", f"ISO year {year} has no week {int(week)}.")],
        ) from None


def parse_indicator(name: str | None) -> str:
    if name is None:
        raise RequestProblem(
            400,
            BAD_REQUEST,
            "Invalid indicator.",
            [("name", "Request parameter 'name' is required.")],
        )
    if name not in INDICATORS:
        allowed = ", ".join(INDICATORS)
        raise RequestProblem(
            400,
            BAD_REQUEST,
            "Invalid indicator.",
            [("name", f"Request contains invalid value(s): '{name}', allowed values: {allowed}.")],
        )
    return name


def published_weeks(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """The first and last week of the published marts (the platform's measured weeks)."""
    first, last = con.execute(
        "select min(week_start), max(week_start) from marts.platform_week_summary"
    ).fetchone()
    return (first, last) if first is not None else None


def check_week_is_published(
    con: duckdb.DuckDBPyConnection, week_start: date, now: datetime
) -> None:
    """A week not finalised yet is a bad request (400); a finalised week the
    published marts do not hold (not built yet, or before the first) is 404."""
    cutoff = measurement_cutoff(week_start)
    if cutoff > now:
        raise RequestProblem(
            400,
            BAD_REQUEST,
            f"Week {iso_week_key(week_start)} is not finalised yet.",
            [("week", f"finalised on {cutoff.strftime('%A %Y-%m-%d %H:%M')} Europe/Amsterdam")],
        )
    weeks = published_weeks(con)
    if weeks is None or not weeks[0] <= week_start <= weeks[1]:
        held = (
            f"the published weeks are {iso_week_key(weeks[0])} to {iso_week_key(weeks[1])}"
            if weeks
            else "nothing is published yet"
        )
        raise RequestProblem(
            404, "Not Found", f"Week {iso_week_key(week_start)} is not published: {held}."
        )


def check_seller_is_known(con: duckdb.DuckDBPyConnection, seller_id: str | None) -> str:
    """The seller of the request (the `X-Seller-Id` header): 400 without one, 404
    when the published marts do not know it (no activity in any published week)."""
    if not seller_id:
        raise RequestProblem(
            400,
            BAD_REQUEST,
            "The seller is not named.",
            [("X-Seller-Id", "Request header 'X-Seller-Id' is required.")],
        )
    known = con.execute(
        "select exists (select 1 from marts.seller_trajectory_weeks where seller_id = ?)",
        [seller_id],
    ).fetchone()[0]
    if not known:
        raise RequestProblem(
            404,
            "Not Found",
            f"Seller '{seller_id}' is not known to this warehouse.",
            [("X-Seller-Id", f"no published week has seller '{seller_id}'.")],
        )
    return seller_id


_INDICATOR_ROWS = """
    with sellers as (
        select unnest(?::varchar[]) as seller_id
    ),

    norms as (
        select indicator, norm_condition, norm_value
        from marts.service_norm_versions
        where valid_from <= ? and ? <= valid_to
          and indicator in (select unnest(?::varchar[]))
    ),

    scores as (
        select *
        from marts.seller_week_indicators
        where week_start = ? and seller_id in (select seller_id from sellers)
    )

    select
        sellers.seller_id,
        norms.indicator,
        scores.numerator,
        scores.denominator,
        scores.value,
        scores.conforms,
        scores.distance_to_norm,
        coalesce(scores.norm_condition, norms.norm_condition) as norm_condition,
        coalesce(scores.norm_value, norms.norm_value) as norm_value
    from sellers
    cross join norms
    left join scores
        on scores.seller_id = sellers.seller_id
        and scores.indicator = norms.indicator
"""


def _round(value: float) -> float:
    rounded = round(float(value), DECIMALS)
    return 0.0 if rounded == 0 else rounded  # no '-0.0'


def _indicator(row: tuple, week_start: date) -> dict:
    _, name, numerator, denominator, value, conforms, distance, condition, norm = row
    year, week, _ = week_start.isocalendar()
    details: dict = {"period": {"week": f"{week:02d}", "year": f"{year:04d}"}}
    if denominator:  # no score without a measurement (SPEC §4)
        details["score"] = {
            "conforms": bool(conforms),
            "numerator": int(numerator),
            "denominator": int(denominator),
            "value": _round(value),
            "distanceToNorm": _round(distance),
        }
    details["norm"] = {"condition": condition, "value": _round(norm)}
    return {
        "name": name,
        "type": "AVERAGE" if name in AVERAGE_INDICATORS else "PERCENTAGE",
        "details": details,
    }


def performance_indicators(
    con: duckdb.DuckDBPyConnection,
    sellers: Sequence[str],
    week_start: date,
    names: Iterable[str] = INDICATORS,
) -> dict[str, dict]:
    """seller -> the `PerformanceIndicators` body of the week, the indicators in
    the API's order. One query for every seller asked."""
    wanted = [n for n in INDICATORS if n in set(names)]
    rows = con.execute(
        _INDICATOR_ROWS, [list(sellers), week_start, week_start, wanted, week_start]
    ).fetchall()
    order = {name: position for position, name in enumerate(INDICATORS)}
    by_seller: dict[str, list[tuple]] = {seller: [] for seller in sellers}
    for row in rows:
        by_seller[row[0]].append(row)
    return {
        seller: {
            "performanceIndicators": [
                _indicator(row, week_start) for row in sorted(found, key=lambda r: order[r[1]])
            ]
        }
        for seller, found in by_seller.items()
    }


@dataclass(frozen=True)
class ExportSummary:
    folder: Path
    sellers: int


def seller_file_name(seller_id: str) -> str:
    """A file name for any seller id: safe characters stay, others are %-encoded."""
    return quote(seller_id, safe="") + ".json"


def export_week(published: Path, week_start: date, out: Path, now: datetime) -> ExportSummary:
    """Write one `PerformanceIndicators` file per seller of the week (every seller
    on the published spine that week) to `<out>/<YYYY-Www>/<seller>.json`; the
    week's folder is written aside and swapped in whole."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        check_week_is_published(con, week_start, now)
        sellers = [
            r[0]
            for r in con.execute(
                "select seller_id from marts.seller_trajectory_weeks where week_start = ? "
                "order by seller_id",
                [week_start],
            ).fetchall()
        ]
        bodies = performance_indicators(con, sellers, week_start)
    finally:
        con.close()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folder = out / iso_week_key(week_start)
    staging = out / f".{folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        for seller in sellers:
            text = json.dumps(bodies[seller], indent=2, ensure_ascii=False) + "\n"
            (staging / seller_file_name(seller)).write_text(text, encoding="utf-8")
        old = out / f".{folder.name}.{os.getpid()}.old"
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportSummary(folder, len(sellers))
