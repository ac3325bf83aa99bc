"""The performance pages: a static site of one page per seller and one for the
platform, written from the published marts (never the live warehouse).

    <out>/index.html                         every week built, newest first
    <out>/style.css
    <out>/<ISO week>/index.html              the platform page as of that week
    <out>/<ISO week>/sellers.html             every seller of that week, with links
    <out>/<ISO week>/sellers/<seller>.html   a seller's page as of that week

A week's folder shows the marts as they stood up to that week (nothing later),
so the folders of past Wednesdays keep showing what was published then.

Built for scale: the sellers are rendered in chunks; per chunk, one query per
mart reads every seller of the chunk (joined to the chunk's ids), grouped in
SQL or by one pass over rows sorted by seller; there is no query per seller.
Charts are inline SVG (orchestration/serve/charts.py), so the pages need neither
JavaScript nor the network.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import duckdb
import pyarrow as pa
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from orchestration.atomic_files import write_text
from orchestration.ingest.contract import WEEKLY_INDICATORS
from orchestration.serve import charts
from orchestration.weeks import iso_week_key, parse_iso_week

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Weeks of history in a seller's trend charts and weekly table (half a year).
TREND_WEEKS = 26
#: Weeks of history on the platform page (a year).
PLATFORM_WEEKS = 52
#: Months of NPS on a seller's page.
NPS_MONTHS = 12
#: Bins of the six-week score histograms.
HISTOGRAM_BINS = 12
#: Incidents listed per breach (the count says how many there are in all).
INCIDENTS_LISTED = 25
#: Sellers listed as closest to closure on the platform page.
AT_RISK_LISTED = 25
#: Sellers read and rendered per chunk (bounds memory at marketplace scale).
CHUNK_SELLERS = 2000
#: With several worker processes, chunks are no smaller than this (a chunk costs
#: a query per mart; a worker costs a second of start-up).
MIN_SELLERS_PER_WORKER = 250
WORKERS_ENV = "SERVICENORMS_PAGES_WORKERS"
#: The improvement trajectory's actions, by strike number (SPEC §7).
TRAJECTORY_STEPS = (
    "MAIL",
    "MAIL",
    "MAIL",
    "MAIL",
    "TEMPORARY_CLOSURE",
    "FINAL_WARNING",
    "DEFINITIVE_CLOSURE",
)
CLEAN_WEEKS_TO_COMPLETE = 24
ACTION_LABELS = {
    "MAIL": "Mail",
    "TEMPORARY_CLOSURE": "Temporary closure",
    "FINAL_WARNING": "Final warning",
    "DEFINITIVE_CLOSURE": "Definitive closure",
}
WEEK_FOLDER = re.compile(r"^\d{4}-W\d{2}$")


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    # How values are shown: 'percent' (1 decimal), 'fine_percent' (2), 'grade', 'score'.
    unit: str


INDICATORS = {
    i.code: i
    for i in (
        Indicator("FULFILMENT", "Delivered on time", "percent"),
        Indicator("HANDOVER", "Handed over on time", "percent"),
        Indicator("CANCELLATIONS", "Cancellations", "percent"),
        Indicator("RESPONSE_TIME", "Questions answered in time", "percent"),
        Indicator("TRACK_AND_TRACE", "Valid track & trace", "percent"),
        Indicator("PHONE_AVAILABILITY", "Phone availability", "percent"),
        Indicator("CASE_ITEM_RATIO", "Customer questions per item", "fine_percent"),
        Indicator("RETURNS", "Returns per item", "fine_percent"),
        Indicator("REVIEWS", "Review grade", "grade"),
        Indicator("NPS", "Net Promoter Score", "score"),
    )
}
assert tuple(INDICATORS)[:-1] == WEEKLY_INDICATORS


class PagesError(Exception):
    """A one-line reason the pages cannot be built (no published copy, unknown week...)."""


def format_value(indicator: str, value: float | None) -> str:
    """A value as the pages show it (the marts keep every digit)."""
    if value is None:
        return "–"
    unit = INDICATORS[indicator].unit if indicator in INDICATORS else "score"
    if unit == "percent":
        return f"{value * 100:.1f} %"
    if unit == "fine_percent":
        return f"{value * 100:.2f} %"
    return f"{value:.1f}"


#: Indicators whose value is a share of events: their charts stay within 0–100 %.
RATIO_INDICATORS = frozenset(
    {"FULFILMENT", "HANDOVER", "RESPONSE_TIME", "TRACK_AND_TRACE", "PHONE_AVAILABILITY"}
)
RATIO_BOUNDS = (0.0, 1.0)


def _events_6w(indicator: str, score: dict) -> str:
    """What a six-week score pools, in words a seller reads."""
    if indicator == "REVIEWS":
        return f"{score['denominator_6w']} reviews"
    return f"{score['numerator_6w']} of {score['denominator_6w']}"


def format_norm(indicator: str, condition: str | None, value: float | None) -> str:
    if value is None or condition is None:
        return "–"
    symbol = {">=": "≥", "<=": "≤"}.get(condition, condition)
    return f"{symbol} {format_value(indicator, value)}"


def week_state(conforms: bool, is_breach: bool, is_strike: bool) -> str:
    """A weekly value's state against its norm (orchestration.serve.charts.STATES)."""
    if is_strike:
        return "strike"
    if is_breach:
        return "breach"
    return "meets" if conforms else "misses"


def seller_file_name(seller_id: str) -> str:
    """A file name for any seller id (percent-encoded; no dots, no slashes)."""
    return quote(seller_id, safe="-_").replace(".", "%2E") + ".html"


def seller_href(seller_id: str) -> str:
    """The link to a seller's page from its week folder."""
    return "sellers/" + quote(seller_file_name(seller_id))


@dataclass(frozen=True)
class SiteResult:
    site: Path
    week: date
    platform_page: Path
    sellers_page: Path
    index: Path
    seller_pages: int
    seconds: float


@dataclass
class WeekNav:
    """Links to the weeks built in the site, as known when a page is written."""

    current: str
    weeks: list[str]
    # The seller pages of the neighbouring weeks: file names per week.
    seller_files: dict[str, set[str]] = field(default_factory=dict)

    def page_in(self, week: str, page_href: str) -> str:
        """The same page in another week, or that week's seller list when the
        seller has no page there."""
        if page_href.startswith("sellers/"):
            if unquote(page_href.removeprefix("sellers/")) not in self.seller_files.get(week, ()):
                return "sellers.html"
        return page_href

    @property
    def previous(self) -> str | None:
        earlier = [w for w in self.weeks if w < self.current]
        return earlier[-1] if earlier else None

    @property
    def next(self) -> str | None:
        later = [w for w in self.weeks if w > self.current]
        return later[0] if later else None


# --------------------------------------------------------------------------- reading


def _connect(published: Path) -> duckdb.DuckDBPyConnection:
    if not published.exists():
        raise PagesError(
            f"{published}: no published marts (run `servicenorms run` first; the pages read "
            "only the published copy)"
        )
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error as exc:
        raise PagesError(f"{published}: cannot open the published marts: {exc}") from None
    missing = _missing_marts(con)
    if missing:
        con.close()
        raise PagesError(f"{published}: missing mart(s) {', '.join(missing)}")
    return con


REQUIRED_MARTS = (
    "seller_week_indicators",
    "seller_week_incidents",
    "seller_outlook",
    "seller_six_week_scores",
    "seller_trajectory_weeks",
    "seller_monthly_nps",
    "seller_notifications",
    "platform_week_summary",
)


def _missing_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    return [m for m in REQUIRED_MARTS if m not in present]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    return con.execute(sql, list(params)).to_arrow_table().to_pylist()


def _by_seller(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """Rows sorted by seller_id -> the rows of each seller (one pass)."""
    return {key: list(group) for key, group in groupby(rows, key=lambda r: r["seller_id"])}


def published_weeks(con: duckdb.DuckDBPyConnection) -> list[date]:
    return [
        r[0]
        for r in con.execute(
            "select week_start from marts.platform_week_summary order by week_start"
        ).fetchall()
    ]


def _resolve_week(con: duckdb.DuckDBPyConnection, week: date | str | None) -> date:
    weeks = published_weeks(con)
    if not weeks:
        raise PagesError("the published marts hold no week yet")
    if week is None:
        return weeks[-1]
    monday = parse_iso_week(week) if isinstance(week, str) else week
    if monday not in set(weeks):
        raise PagesError(
            f"week {iso_week_key(monday)} is not published "
            f"(published weeks: {iso_week_key(weeks[0])} to {iso_week_key(weeks[-1])})"
        )
    return monday


def _page_sellers(
    con: duckdb.DuckDBPyConnection, week: date, wanted: Sequence[str] | None
) -> list[str]:
    """Every seller on the spine in `week` (the sellers the warehouse measures by
    then, closed shops included), or the wanted ones among them."""
    on_spine = [
        r[0]
        for r in con.execute(
            "select seller_id from marts.seller_trajectory_weeks where week_start = ? "
            "order by seller_id",
            [week],
        ).fetchall()
    ]
    if wanted is None:
        return on_spine
    known = set(on_spine)
    unknown = [s for s in dict.fromkeys(wanted) if s not in known]
    if unknown:
        raise PagesError(
            f"no seller {', '.join(unknown)} in week {iso_week_key(week)} of the published marts"
        )
    return sorted(set(wanted))


# --------------------------------------------------------------------------- seller pages


@dataclass
class SellerData:
    seller_id: str
    name: str | None = None
    country: str | None = None
    scores: dict[str, dict] = field(default_factory=dict)
    weekly: list[dict] = field(default_factory=list)
    trajectory: list[dict] = field(default_factory=list)
    notifications: list[dict] = field(default_factory=list)
    nps: list[dict] = field(default_factory=list)
    incidents: list[dict] = field(default_factory=list)
    outlook: dict[str, dict] = field(default_factory=dict)


def load_sellers(
    con: duckdb.DuckDBPyConnection, week: date, sellers: Sequence[str]
) -> dict[str, SellerData]:
    """Everything the pages of `sellers` show, as of `week`: one query per mart."""
    con.register("page_sellers", pa.table({"seller_id": pa.array(list(sellers), pa.string())}))
    first = week - timedelta(weeks=TREND_WEEKS - 1)
    data = {s: SellerData(s) for s in sellers}
    try:
        for r in _rows(
            con,
            """
            select seller_id, arg_max(display_name, week_start) as display_name,
                   arg_max(country, week_start) as country
            from marts.seller_notifications semi join page_sellers using (seller_id)
            where week_start <= ? group by seller_id order by seller_id
            """,
            [week],
        ):
            data[r["seller_id"]].name = r["display_name"]
            data[r["seller_id"]].country = r["country"]
        for seller, rows in _by_seller(
            _rows(
                con,
                """
                select seller_id, indicator, value_6w, numerator_6w, denominator_6w,
                       norm_condition, norm_value, conforms_6w
                from marts.seller_six_week_scores semi join page_sellers using (seller_id)
                where week_start = ? order by seller_id, indicator
                """,
                [week],
            )
        ).items():
            data[seller].scores = {r["indicator"]: r for r in rows}
        for seller, rows in _by_seller(
            _rows(
                con,
                """
                select seller_id, week_start, iso_year, iso_week, indicator, indicator_kind,
                       numerator, denominator, value, norm_condition, norm_value, conforms,
                       incident_count, is_breach, in_groeistart, neutralised, is_strike
                from marts.seller_week_indicators semi join page_sellers using (seller_id)
                where week_start >= ? and week_start <= ?
                order by seller_id, week_start, indicator
                """,
                [first, week],
            )
        ).items():
            data[seller].weekly = rows
        # The seller's whole history up to the week, but only the weeks something
        # happened in (strikes, completions), the week itself, and when the seller
        # started and left GroeiStart.
        for seller, rows in _by_seller(
            _rows(
                con,
                """
                select seller_id, week_start, iso_year, iso_week, in_groeistart,
                       is_strike_week, strike_indicators, trajectory_id,
                       trajectory_strike_count, action, consecutive_clean_weeks,
                       trajectory_status,
                       min(week_start) over (partition by seller_id) as first_week,
                       min(case when not in_groeistart then week_start end)
                           over (partition by seller_id) as left_groeistart
                from marts.seller_trajectory_weeks semi join page_sellers using (seller_id)
                where week_start <= ?
                qualify is_strike_week or trajectory_status = 'COMPLETED' or week_start = ?
                order by seller_id, week_start
                """,
                [week, week],
            )
        ).items():
            data[seller].trajectory = rows
        for seller, rows in _by_seller(
            _rows(
                con,
                """
                select seller_id, week_start, indicator, notification_type, value,
                       norm_condition, norm_value, incident_count, trajectory_action, reason,
                       message
                from marts.seller_notifications semi join page_sellers using (seller_id)
                where week_start >= ? and week_start <= ?
                order by seller_id, week_start desc, notification_type desc, indicator
                """,
                [first, week],
            )
        ).items():
            data[seller].notifications = rows
        # Per indicator the latest breach of the trend's weeks, with its first
        # incidents (the events behind its incident_count).
        for seller, rows in _by_seller(
            _rows(
                con,
                """
                with breaches as (
                    select seller_id, indicator, week_start, incident_count, is_strike, value,
                           norm_condition, norm_value,
                           row_number() over (
                               partition by seller_id, indicator order by week_start desc
                           ) as latest
                    from marts.seller_week_indicators semi join page_sellers using (seller_id)
                    where is_breach and indicator <> 'REVIEWS'
                      and week_start >= ? and week_start <= ?
                ),
                events as (
                    select e.seller_id, e.indicator, e.event_type, e.event_id,
                           e.order_item_id, e.event_date, e.reason,
                           row_number() over (
                               partition by e.seller_id, e.indicator
                               order by e.event_date, e.event_id
                           ) as n
                    from marts.seller_week_incidents as e
                    join breaches as b
                      on b.latest = 1 and b.seller_id = e.seller_id
                     and b.indicator = e.indicator and b.week_start = e.week_start
                )
                select b.seller_id, b.indicator, b.week_start, b.incident_count, b.is_strike,
                       b.value, b.norm_condition, b.norm_value, e.event_type, e.event_id,
                       e.order_item_id, e.event_date, e.reason
                from breaches as b
                left join events as e
                  on e.seller_id = b.seller_id and e.indicator = b.indicator and e.n <= ?
                where b.latest = 1
                order by b.seller_id, b.week_start desc, b.indicator, e.n
                """,
                [first, week, INCIDENTS_LISTED],
            )
        ).items():
            data[seller].incidents = rows
        # What it takes: the outlook exists for the latest finalised week only.
        for seller, rows in _by_seller(
            _rows(
                con,
                """
                select seller_id, indicator, indicator_kind, median_weekly_denominator,
                       allowed_failures_next_week, conforming_weeks_to_norm, conforms_6w,
                       breach_risk_next_week, strike_risk_next_week,
                       seller_strike_risk_next_week, trajectory_status,
                       strikes_until_temporary_closure, strikes_until_definitive_closure,
                       clean_weeks_to_complete
                from marts.seller_outlook semi join page_sellers using (seller_id)
                where week_start = ? order by seller_id, indicator
                """,
                [week],
            )
        ).items():
            data[seller].outlook = {r["indicator"]: r for r in rows}
        first_month = date(week.year, week.month, 1)
        for _ in range(NPS_MONTHS - 1):
            first_month = (first_month - timedelta(days=1)).replace(day=1)
        # Months that started by the week's Sunday (the last one may still run on).
        for seller, rows in _by_seller(
            _rows(
                con,
                """
                select seller_id, month_start, responses, promoters, passives, detractors,
                       nps, reliable, norm_condition, norm_value, conforms
                from marts.seller_monthly_nps semi join page_sellers using (seller_id)
                where month_start >= ? and month_start <= ?
                order by seller_id, month_start desc
                """,
                [first_month, week + timedelta(days=6)],
            )
        ).items():
            data[seller].nps = rows
    finally:
        con.unregister("page_sellers")
    return data


def _next_month(month_start: date) -> date:
    return (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _week_labels(weeks: Sequence[date]) -> list[str]:
    return [iso_week_key(w) for w in weeks]


NOT_MEASURED_CELL = Markup('<td class="num">–</td>')


def _weekly_cell(r: dict) -> Markup:
    """One cell of the weekly-values table: the value, and in words a strike or a
    breach and why a breach of a strike norm did not strike. Written here rather
    than in the template: the table has up to 26 × 9 cells a page."""
    state = week_state(r["conforms"], r["is_breach"], r["is_strike"])
    html = f'<td class="num {state}">{format_value(r["indicator"], r["value"])}'
    if state in ("strike", "breach"):
        html += f' <span class="tag {state}">{state}</span>'
    if state == "breach" and r["neutralised"]:
        html += ' <span class="note">(circumstance: no strike)</span>'
    elif state == "breach" and r["in_groeistart"]:
        html += ' <span class="note">(GroeiStart: no strike)</span>'
    return Markup(html + "</td>")


def seller_context(d: SellerData, week: date) -> dict[str, Any]:
    """What a seller's page shows, ready for the template."""
    # The trend covers TREND_WEEKS weeks, or the seller's weeks when it is newer.
    first = week - timedelta(weeks=TREND_WEEKS - 1)
    if d.trajectory and d.trajectory[0]["first_week"] > first:
        first = d.trajectory[0]["first_week"]
    weeks = [first + timedelta(weeks=i) for i in range((week - first).days // 7 + 1)]
    labels = _week_labels(weeks)
    by_indicator: dict[str, list[dict]] = defaultdict(list)
    for r in d.weekly:
        by_indicator[r["indicator"]].append(r)
    this_week = {r["indicator"]: r for r in d.weekly if r["week_start"] == week}

    scores = []
    for code in WEEKLY_INDICATORS:
        s = d.scores.get(code)
        w = this_week.get(code)
        kind = (w or (by_indicator[code][-1] if by_indicator[code] else {})).get("indicator_kind")
        scores.append(
            {
                "code": code,
                "name": INDICATORS[code].name,
                "kind": kind,
                "measured": s is not None,
                "smiley": charts.smiley(s["conforms_6w"] if s else None),
                "value_6w": format_value(code, s["value_6w"]) if s else "–",
                "counts_6w": _events_6w(code, s) if s else "",
                "norm": format_norm(code, s["norm_condition"], s["norm_value"]) if s else "–",
                "status": (
                    "not measured"
                    if s is None
                    else ("meets the norm" if s["conforms_6w"] else "below the norm")
                ),
                "conforms": s["conforms_6w"] if s else None,
                "week_value": format_value(code, w["value"]) if w else "–",
                "week_state": (
                    week_state(w["conforms"], w["is_breach"], w["is_strike"]) if w else None
                ),
            }
        )

    trends = []
    for code in WEEKLY_INDICATORS:
        rows = by_indicator.get(code)
        if not rows:
            continue
        points = [
            charts.WeekPoint(
                week=r["week_start"],
                label=iso_week_key(r["week_start"]),
                value=r["value"],
                norm=r["norm_value"],
                state=week_state(r["conforms"], r["is_breach"], r["is_strike"]),
            )
            for r in rows
        ]
        trends.append(
            {
                "code": code,
                "name": INDICATORS[code].name,
                "svg": charts.trend_chart(
                    f"trend-{code.lower()}",
                    INDICATORS[code].name,
                    weeks,
                    labels,
                    points,
                    lambda v, code=code: format_value(code, v),
                    bounds=RATIO_BOUNDS if code in RATIO_INDICATORS else None,
                ),
                "strikes": sum(1 for p in points if p.state == "strike"),
                "breaches": sum(1 for p in points if p.state == "breach"),
            }
        )

    measured_codes = [code for code in WEEKLY_INDICATORS if code in by_indicator]
    cells: dict[tuple[date, str], Markup] = {}
    for r in d.weekly:
        cells[(r["week_start"], r["indicator"])] = _weekly_cell(r)
    table_weeks = sorted({r["week_start"] for r in d.weekly}, reverse=True)
    weekly_table = {
        "codes": measured_codes,
        "names": [INDICATORS[c].name for c in measured_codes],
        "rows": [
            {
                "label": iso_week_key(w),
                "cells": [cells.get((w, c), NOT_MEASURED_CELL) for c in measured_codes],
            }
            for w in table_weeks
        ],
    }

    return {
        "seller_id": d.seller_id,
        "name": d.name,
        "country": d.country,
        "scores": scores,
        "red_strike_norms": sum(
            1 for s in scores if s["conforms"] is False and s["kind"] == "STRIKE"
        ),
        "trends": trends,
        "trend_first": labels[0],
        "weekly_table": weekly_table,
        "trajectory": trajectory_context(d.trajectory, week),
        "incidents": incidents_context(d.incidents),
        "outlook": outlook_context(d.outlook),
        "notifications": [
            {
                "week": iso_week_key(n["week_start"]),
                "indicator": n["indicator"],
                "name": INDICATORS.get(n["indicator"], INDICATORS["NPS"]).name,
                "type": n["notification_type"],
                "value": format_value(n["indicator"], n["value"]),
                "norm": format_norm(n["indicator"], n["norm_condition"], n["norm_value"]),
                "incidents": n["incident_count"],
                "action": ACTION_LABELS.get(n["trajectory_action"] or "", ""),
                "reason": n["reason"],
                "message": n["message"],
            }
            for n in d.notifications
        ],
        "nps": [
            {
                "month": n["month_start"].strftime("%Y-%m"),
                # The month goes on after the week: its score is not final yet.
                "in_progress": _next_month(n["month_start"]) > week + timedelta(days=7),
                "responses": n["responses"],
                "promoters": n["promoters"],
                "passives": n["passives"],
                "detractors": n["detractors"],
                "nps": format_value("NPS", n["nps"]),
                "reliable": n["reliable"],
                "norm": format_norm("NPS", n["norm_condition"], n["norm_value"]),
                "conforms": n["conforms"],
                "smiley": charts.smiley(n["conforms"]),
            }
            for n in d.nps
        ],
    }


#: What next week may hold and still conform, per indicator: {n} failures of {m} events.
NEXT_WEEK = {
    "FULFILMENT": "{n} of {m} items may arrive late",
    "HANDOVER": "{n} of {m} items may be handed over late",
    "CANCELLATIONS": "{n} of {m} ordered items may be cancelled",
    "RESPONSE_TIME": "{n} of {m} customer questions may be answered late",
    "TRACK_AND_TRACE": "{n} of {m} parcels may lack a valid track & trace code",
    "PHONE_AVAILABILITY": "{n} of {m} calls may go unanswered",
    "CASE_ITEM_RATIO": "{m} items ordered may bring at most {n} customer questions",
    "RETURNS": "{m} items ordered may bring at most {n} returns",
}


def format_chance(p: float | None) -> str:
    if p is None:
        return "–"
    if 0 < p < 0.0005:
        return "< 0.1 %"
    return f"{p * 100:.1f} %"


def outlook_context(rows: dict[str, dict]) -> dict[str, Any] | None:
    """What it takes to stay within or get back to each norm, and the chance of a
    strike next week (marts.seller_outlook); None when the page's week has none."""
    if not rows:
        return None
    indicators = []
    for code in WEEKLY_INDICATORS:
        r = rows.get(code)
        if r is None or code == "REVIEWS":
            continue
        volume, allowed = r["median_weekly_denominator"], r["allowed_failures_next_week"]
        weeks = r["conforming_weeks_to_norm"]
        if r["conforms_6w"]:
            back = "meets the norm"
        elif weeks is None:
            back = "not within six weeks at the usual volume"
        else:
            back = "1 conforming week" if weeks == 1 else f"{weeks} conforming weeks in a row"
        indicators.append(
            {
                "code": code,
                "name": INDICATORS[code].name,
                "kind": r["indicator_kind"],
                "volume": volume,
                "next_week": (
                    "no events expected"
                    if not volume or allowed is None
                    else NEXT_WEEK[code].format(n=allowed, m=volume)
                ),
                "allowed": allowed,
                "back": back,
                "weeks_to_norm": weeks,
                "breach_risk": format_chance(r["breach_risk_next_week"]),
                "strike_risk": (
                    format_chance(r["strike_risk_next_week"])
                    if r["indicator_kind"] == "STRIKE"
                    else "mail norm: no strike"
                ),
            }
        )
    any_row = next(iter(rows.values()))
    return {
        "indicators": indicators,
        "strike_risk": format_chance(any_row["seller_strike_risk_next_week"]),
        "until_temporary": any_row["strikes_until_temporary_closure"],
        "until_definitive": any_row["strikes_until_definitive_closure"],
        "clean_weeks_to_complete": any_row["clean_weeks_to_complete"],
    }


EVENT_LABELS = {
    "ORDER_ITEM": "order item",
    "CANCELLATION": "cancelled order item",
    "CUSTOMER_QUESTION": "customer question",
    "SHIPMENT_LINE": "shipment line",
    "PHONE_CALL": "phone call",
    "RETURN": "return",
}


def incidents_context(rows: list[dict]) -> list[dict]:
    """Per indicator, its latest breach and the first incidents behind it (rows in
    breach order: the newest week first, then by indicator)."""
    out: list[dict] = []
    for (indicator, week), events in groupby(rows, key=lambda r: (r["indicator"], r["week_start"])):
        events = list(events)
        b = events[0]
        listed = [
            {
                "date": e["event_date"].isoformat(),
                "what": EVENT_LABELS.get(e["event_type"], e["event_type"].lower()),
                "id": e["event_id"],
                # Named apart only when the event is not the order item itself.
                "order_item": ""
                if e["order_item_id"] in (None, e["event_id"])
                else e["order_item_id"],
                "reason": e["reason"],
            }
            for e in events
            if e["event_id"] is not None
        ]
        out.append(
            {
                "code": indicator,
                "name": INDICATORS[indicator].name,
                "week": iso_week_key(week),
                "week_start": week,
                "kind": "strike" if b["is_strike"] else "breach",
                "value": format_value(indicator, b["value"]),
                "norm": format_norm(indicator, b["norm_condition"], b["norm_value"]),
                "count": b["incident_count"],
                "events": listed,
                "more": b["incident_count"] - len(listed),
            }
        )
    return out


def trajectory_context(rows: list[dict], week: date) -> dict[str, Any]:
    """Where the seller stands in the improvement trajectory, and how it got there."""
    now = rows[-1] if rows and rows[-1]["week_start"] == week else None
    events: list[dict] = []
    if rows:
        first, left = rows[0]["first_week"], rows[0]["left_groeistart"]
        events.append({"week": first, "event": "First week measured", "detail": "", "kind": ""})
        if left is not None and left <= week and left != first:
            events.append(
                {
                    "week": left,
                    "event": "GroeiStart ended",
                    "detail": "from this week on a breach of a strike norm is a strike",
                    "kind": "GROEISTART_END",
                }
            )
    for r in rows:
        if r["is_strike_week"]:
            action = r["action"]
            detail = f"on {r['strike_indicators'].replace(',', ', ')}"
            if action:
                detail += (
                    f"; strike {r['trajectory_strike_count']} of trajectory "
                    f"{r['trajectory_id']}: {ACTION_LABELS[action].lower()}"
                )
            elif r["trajectory_status"] == "CLOSED":
                detail += "; the shop is closed: no further action"
            events.append(
                {
                    "week": r["week_start"],
                    "event": "Strike",
                    "detail": detail,
                    "kind": action or "STRIKE",
                }
            )
        if r["trajectory_status"] == "COMPLETED":
            events.append(
                {
                    "week": r["week_start"],
                    "event": "Trajectory completed",
                    "detail": f"{CLEAN_WEEKS_TO_COMPLETE} consecutive weeks without a strike",
                    "kind": "COMPLETED",
                }
            )
    events.sort(key=lambda e: e["week"])
    for e in events:
        e["label"] = iso_week_key(e["week"])
    # The table names the strikes after a closure once; the chart still marks each.
    after_closure = [e for e in events if e["kind"] == "STRIKE"]
    table = [e for e in events if e["kind"] != "STRIKE"]
    if after_closure:
        first_label, last_label = after_closure[0]["label"], after_closure[-1]["label"]
        table.append(
            {
                "week": after_closure[0]["week"],
                "label": first_label,
                "event": "Strikes after the closure",
                "detail": f"{len(after_closure)} week{'s' if len(after_closure) != 1 else ''} "
                f"with a strike from {first_label} to {last_label}; no further action",
                "kind": "STRIKE",
            }
        )
    status = now["trajectory_status"] if now else "NONE"
    count = now["trajectory_strike_count"] if now else 0
    clean = now["consecutive_clean_weeks"] if now else 0
    steps = [
        {
            "number": n,
            "action": ACTION_LABELS[a],
            "done": n <= count and status in ("OPEN", "CLOSED"),
            "current": n == count and status in ("OPEN", "CLOSED"),
        }
        for n, a in enumerate(TRAJECTORY_STEPS, start=1)
    ]
    if status == "OPEN":
        next_action = ACTION_LABELS[TRAJECTORY_STEPS[count]]
        summary = (
            f"Improvement trajectory {now['trajectory_id']} is open with {count} "
            f"strike{'s' if count != 1 else ''}. A next strike means: {next_action.lower()}. "
            f"{clean} of {CLEAN_WEEKS_TO_COMPLETE} consecutive weeks without a strike: "
            f"{CLEAN_WEEKS_TO_COMPLETE - clean} more complete the trajectory."
        )
    elif status == "CLOSED":
        closed = next((e for e in events if e["kind"] == "DEFINITIVE_CLOSURE"), None)
        summary = "The shop is closed definitively" + (
            f" (since {closed['label']})." if closed else "."
        )
    elif status == "COMPLETED":
        summary = (
            f"Improvement trajectory {now['trajectory_id']} was completed this week after "
            f"{CLEAN_WEEKS_TO_COMPLETE} consecutive weeks without a strike."
        )
    else:
        summary = "No improvement trajectory is open. A strike would open one (a mail)."
    if now and now["in_groeistart"]:
        summary += " The seller is in GroeiStart: a breach of a strike norm is not a strike yet."
    headline = {
        "OPEN": f"Improvement trajectory open: strike {count} of {len(TRAJECTORY_STEPS)}.",
        "CLOSED": "Closed definitively.",
        "COMPLETED": "Improvement trajectory completed this week.",
    }.get(status, "No open improvement trajectory.")
    timeline = None
    if rows:
        first = rows[0]["first_week"]
        weeks = [first + timedelta(weeks=i) for i in range((week - first).days // 7 + 1)]
        timeline = charts.timeline_chart(
            "timeline-chart",
            weeks,
            _week_labels(weeks),
            [
                charts.TimelineEvent(e["week"], e["kind"], f"{e['event']} {e['detail']}".strip())
                for e in events
                if e["kind"]
            ],
        )
    return {
        "timeline": timeline,
        "headline": headline,
        "status": status,
        "strike_count": count,
        "clean_weeks": clean,
        "summary": summary,
        "steps": steps,
        "events": table,
        "in_groeistart": bool(now and now["in_groeistart"]),
    }


# --------------------------------------------------------------------------- platform page


def platform_context(con: duckdb.DuckDBPyConnection, week: date) -> dict[str, Any]:
    summary = _rows(
        con,
        """
        select * from marts.platform_week_summary where week_start <= ?
        order by week_start desc limit ?
        """,
        [week, PLATFORM_WEEKS],
    )[::-1]
    weeks = [r["week_start"] for r in summary]
    labels = _week_labels(weeks)
    now = summary[-1]
    headline = [
        ("Sellers measured", now["sellers_measured"]),
        ("Breaches", now["breaches"]),
        ("Sellers with a strike", now["strikes"]),
        ("Mails", now["mail_actions"]),
        ("Temporary closures", now["temporary_closures"]),
        ("Final warnings", now["final_warnings"]),
        ("Definitive closures", now["definitive_closures"]),
        ("Open trajectories", now["open_trajectories"]),
        ("Trajectories completed", now["completed_trajectories"]),
        ("Sellers closed (to date)", now["closed_sellers"]),
        ("Sellers in GroeiStart", now["sellers_in_groeistart"]),
    ]
    shares = []
    for code in WEEKLY_INDICATORS:
        column = f"share_conforming_{code.lower()}"
        values = [r[column] for r in summary]
        shares.append(
            {
                "code": code,
                "name": INDICATORS[code].name,
                "svg": charts.share_chart(
                    f"share-{code.lower()}", INDICATORS[code].name, weeks, labels, values
                ),
                "now": "–" if values[-1] is None else f"{values[-1] * 100:.1f} %",
            }
        )
    share_rows = [
        {
            "label": labels[i],
            "cells": [
                "–"
                if r[f"share_conforming_{c.lower()}"] is None
                else f"{r[f'share_conforming_{c.lower()}'] * 100:.1f} %"
                for c in WEEKLY_INDICATORS
            ],
        }
        for i, r in enumerate(summary)
    ][::-1]
    series = [
        charts.Series("mail", "mails", [r["mail_actions"] for r in summary]),
        charts.Series(
            "temporary_closure", "temporary closures", [r["temporary_closures"] for r in summary]
        ),
        charts.Series("final_warning", "final warnings", [r["final_warnings"] for r in summary]),
        charts.Series(
            "definitive_closure", "definitive closures", [r["definitive_closures"] for r in summary]
        ),
    ]
    per_indicator = _rows(
        con,
        """
        select indicator,
               count(*) as measured,
               count(*) filter (where conforms) as meeting,
               count(*) filter (where is_breach) as breaches,
               count(*) filter (where is_strike) as strikes,
               count(*) filter (where is_breach and not is_strike and neutralised) as neutralised
        from marts.seller_week_indicators where week_start = ?
        group by indicator
        """,
        [week],
    )
    per_indicator_by_code = {r["indicator"]: r for r in per_indicator}
    return {
        "headline": headline,
        "labels": labels,
        "first_label": labels[0],
        "shares": shares,
        "share_names": [INDICATORS[c].name for c in WEEKLY_INDICATORS],
        "share_rows": share_rows,
        "actions_svg": charts.stacked_bars(
            "actions", "Trajectory actions per week", weeks, labels, series
        ),
        "action_rows": [
            {
                "label": labels[i],
                "breaches": r["breaches"],
                "strikes": r["strikes"],
                "mails": r["mail_actions"],
                "temporary_closures": r["temporary_closures"],
                "final_warnings": r["final_warnings"],
                "definitive_closures": r["definitive_closures"],
            }
            for i, r in enumerate(summary)
        ][::-1],
        "per_indicator": [
            {"code": c, "name": INDICATORS[c].name, **per_indicator_by_code[c]}
            for c in WEEKLY_INDICATORS
            if c in per_indicator_by_code
        ],
        "histograms": _histograms(con, week),
        "at_risk": _closest_to_closure(con, week),
        "likeliest": _likeliest_to_strike(con, week),
        "outlook_week": _outlook_week(con),
    }


def _histograms(con: duckdb.DuckDBPyConnection, week: date) -> list[dict]:
    """Six-week scores of every seller in `week`, binned per indicator in SQL."""
    rows = _rows(
        con,
        """
        with scores as (
            select indicator, value_6w, conforms_6w
            from marts.seller_six_week_scores where week_start = ?
        ),
        ranges as (
            select indicator, min(value_6w) as low, max(value_6w) as high
            from scores group by indicator
        ),
        binned as (
            select s.indicator, r.low, r.high, s.conforms_6w,
                   case when r.high = r.low then 0
                        else least(cast(floor((s.value_6w - r.low) / (r.high - r.low) * ?)
                                        as integer), ? - 1)
                   end as bin
            from scores as s join ranges as r using (indicator)
        )
        select indicator, bin, any_value(low) as low, any_value(high) as high,
               count(*) filter (where conforms_6w) as meets,
               count(*) filter (where not conforms_6w) as misses
        from binned group by indicator, bin order by indicator, bin
        """,
        [week, HISTOGRAM_BINS, HISTOGRAM_BINS],
    )
    by_indicator: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_indicator[r["indicator"]].append(r)
    out = []
    for code in WEEKLY_INDICATORS:
        found = by_indicator.get(code)
        if not found:
            continue
        low, high = found[0]["low"], found[0]["high"]
        count = HISTOGRAM_BINS if high > low else 1
        step = (high - low) / count if high > low else 0
        filled = {r["bin"]: r for r in found}
        bins = [
            charts.Bin(
                low + i * step,
                low + (i + 1) * step if high > low else high,
                filled[i]["meets"] if i in filled else 0,
                filled[i]["misses"] if i in filled else 0,
            )
            for i in range(count)
        ]
        meets = sum(b.meets for b in bins)
        misses = sum(b.misses for b in bins)
        out.append(
            {
                "code": code,
                "name": INDICATORS[code].name,
                "meets": meets,
                "misses": misses,
                "svg": charts.histogram(
                    f"hist-{code.lower()}",
                    INDICATORS[code].name,
                    bins,
                    lambda v, code=code: format_value(code, v),
                ),
                "bins": [
                    {
                        "range": f"{format_value(code, b.low)} to {format_value(code, b.high)}",
                        "meets": b.meets,
                        "misses": b.misses,
                    }
                    for b in bins
                ],
            }
        )
    return out


def _outlook_week(con: duckdb.DuckDBPyConnection) -> str | None:
    found = con.execute("select max(week_start) from marts.seller_outlook").fetchone()[0]
    return iso_week_key(found) if found else None


def _closest_to_closure(con: duckdb.DuckDBPyConnection, week: date) -> list[dict]:
    """Sellers with an open trajectory, the most strikes first (the fewest strikes
    left before a definitive closure), then the fewest clean weeks."""
    rows = _rows(
        con,
        """
        with names as (
            select seller_id, arg_max(display_name, week_start) as display_name
            from marts.seller_notifications where week_start <= ? group by seller_id
        )
        select t.seller_id, n.display_name, t.trajectory_id, t.trajectory_strike_count,
               t.consecutive_clean_weeks, t.is_strike_week, t.action
        from marts.seller_trajectory_weeks as t left join names as n using (seller_id)
        where t.week_start = ? and t.trajectory_status = 'OPEN'
        order by t.trajectory_strike_count desc, t.consecutive_clean_weeks, t.seller_id
        limit ?
        """,
        [week, week, AT_RISK_LISTED],
    )
    return [
        {
            **r,
            "href": seller_href(r["seller_id"]),
            "strikes_left": len(TRAJECTORY_STEPS) - r["trajectory_strike_count"],
            "next_action": ACTION_LABELS[TRAJECTORY_STEPS[r["trajectory_strike_count"]]],
        }
        for r in rows
    ]


def _likeliest_to_strike(con: duckdb.DuckDBPyConnection, week: date) -> list[dict]:
    """Sellers by their chance of a strike week next week (marts.seller_outlook, which
    exists for the latest finalised week only), with the indicator most at risk;
    closed shops left out."""
    rows = _rows(
        con,
        """
        with names as (
            select seller_id, arg_max(display_name, week_start) as display_name
            from marts.seller_notifications where week_start <= ? group by seller_id
        ),
        sellers as (
            select seller_id,
                   max(seller_strike_risk_next_week) as risk,
                   arg_max(indicator, strike_risk_next_week) as indicator,
                   max(strike_risk_next_week) as indicator_risk,
                   any_value(trajectory_status) as trajectory_status,
                   any_value(trajectory_strike_count) as trajectory_strike_count,
                   any_value(strikes_until_definitive_closure) as until_closure
            from marts.seller_outlook where week_start = ? group by seller_id
        )
        select s.*, n.display_name from sellers as s left join names as n using (seller_id)
        where s.risk > 0 and s.trajectory_status <> 'CLOSED'
        order by s.risk desc, s.until_closure nulls last, s.seller_id
        limit ?
        """,
        [week, week, AT_RISK_LISTED],
    )
    for r in rows:
        status = r["trajectory_status"]
        count = r["trajectory_strike_count"] if status == "OPEN" else 0
        r["href"] = seller_href(r["seller_id"])
        r["chance"] = format_chance(r["risk"])
        r["indicator_name"] = INDICATORS[r["indicator"]].name
        r["indicator_chance"] = format_chance(r["indicator_risk"])
        r["next_action"] = ACTION_LABELS[TRAJECTORY_STEPS[count]]
    return rows


def sellers_index_context(con: duckdb.DuckDBPyConnection, week: date) -> list[dict]:
    """Every seller of the week with its standing, for the week's seller list."""
    rows = _rows(
        con,
        """
        with names as (
            select seller_id, arg_max(display_name, week_start) as display_name
            from marts.seller_notifications where week_start <= ? group by seller_id
        ),
        reds as (
            select seller_id, count(*) filter (where not conforms_6w) as red,
                   count(*) as scored
            from marts.seller_six_week_scores where week_start = ? group by seller_id
        )
        select t.seller_id, n.display_name, t.trajectory_status, t.trajectory_strike_count,
               t.is_strike_week, t.in_groeistart, coalesce(r.red, 0) as red,
               coalesce(r.scored, 0) as scored
        from marts.seller_trajectory_weeks as t
        left join names as n using (seller_id)
        left join reds as r using (seller_id)
        where t.week_start = ? order by t.seller_id
        """,
        [week, week, week],
    )
    for r in rows:
        r["href"] = seller_href(r["seller_id"])
    return rows


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class _SellerChunk:
    """One chunk of seller pages, rendered in this process or a worker process."""

    published: Path
    week: date
    sellers: tuple[str, ...]
    week_dir: Path
    nav: WeekNav


def pages_workers() -> int:
    """Processes rendering seller pages: SERVICENORMS_PAGES_WORKERS, else one per CPU (at
    most 4: past that, writing the files is the bound)."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured:
        try:
            workers = int(configured)
        except ValueError:
            raise PagesError(f"{WORKERS_ENV}={configured!r} is not a whole number") from None
        if workers < 1:
            raise PagesError(f"{WORKERS_ENV}={configured!r} must be at least 1")
        return workers
    return max(1, min(os.cpu_count() or 1, 4))


def _render_chunk(job: _SellerChunk, con: duckdb.DuckDBPyConnection | None = None) -> int:
    """Read one chunk's sellers (a query per mart) and write their pages."""
    own = con is None
    con = con or duckdb.connect(str(job.published), read_only=True)
    try:
        template = _environment().get_template("seller.html.j2")
        key = iso_week_key(job.week)
        for seller_id, d in load_sellers(con, job.week, job.sellers).items():
            html = template.render(
                week=key,
                week_start=job.week,
                nav=job.nav,
                root="../../",
                week_root="../",
                page_href=seller_href(seller_id),
                **seller_context(d, job.week),
            )
            write_text(job.week_dir / "sellers" / seller_file_name(seller_id), html)
    finally:
        if own:
            con.close()
    return len(job.sellers)


def _render_all_sellers(
    con: duckdb.DuckDBPyConnection,
    published: Path,
    week: date,
    sellers: Sequence[str],
    week_dir: Path,
    nav: WeekNav,
    workers: int,
) -> int:
    """Every seller page of the week, in chunks; with several workers the chunks are
    smaller so the processes share the work evenly. Each worker opens the published
    copy read-only itself (DuckDB allows many readers)."""
    if workers > 1 and len(sellers) > MIN_SELLERS_PER_WORKER:
        size = max(MIN_SELLERS_PER_WORKER, min(CHUNK_SELLERS, -(-len(sellers) // (workers * 4))))
    else:
        size = CHUNK_SELLERS
    jobs = [
        _SellerChunk(published, week, tuple(chunk), week_dir, nav)
        for chunk in _chunks(sellers, size)
    ]
    if workers <= 1 or len(jobs) <= 1:
        return sum(_render_chunk(job, con) for job in jobs)
    # Spawned, not forked: the caller may be a threaded process (Dagster, a web server).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        return sum(pool.map(_render_chunk, jobs))


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.globals["action_labels"] = ACTION_LABELS
    env.globals["legend_marks"] = charts.legend_marks
    env.globals["legend_timeline"] = charts.legend_timeline
    env.globals["incidents_listed"] = INCIDENTS_LISTED
    return env


def built_weeks(out: Path) -> list[str]:
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir() if p.is_dir() and WEEK_FOLDER.match(p.name))


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def weeks_to_build(published: Path, run_last_week: date | None) -> list[date]:
    """The week folders a run writes: the latest published week, and the run's last
    week before it when the run re-ran an earlier week (its folder would otherwise
    keep the numbers the re-run corrected). Oldest first; none while the copy
    holds no week."""
    con = _connect(Path(published))
    try:
        weeks = published_weeks(con)
    finally:
        con.close()
    if not weeks:
        return []
    wanted = {weeks[-1]}
    if run_last_week is not None and run_last_week in set(weeks):
        wanted.add(run_last_week)
    return sorted(wanted)


def build_site(
    published: Path,
    out: Path,
    week: date | str | None = None,
    sellers: Sequence[str] | None = None,
    workers: int | None = None,
) -> SiteResult:
    """Write the pages of one week (default: the latest published week) into `out`.

    `sellers` limits the seller pages to those ids (the platform page and the
    seller list are always written). Other weeks' folders are left as they are.
    `workers` processes render the seller pages (default: pages_workers()).
    """
    started = time.perf_counter()
    published = Path(published)
    out = Path(out)
    con = _connect(published)
    try:
        monday = _resolve_week(con, week)
        page_sellers = _page_sellers(con, monday, sellers)
        key = iso_week_key(monday)
        week_dir = out / key
        (week_dir / "sellers").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES / "style.css", out / "style.css")
        env = _environment()
        nav = WeekNav(key, sorted(set(built_weeks(out)) | {key}))
        for neighbour in (nav.previous, nav.next):
            if neighbour and (out / neighbour / "sellers").is_dir():
                nav.seller_files[neighbour] = {
                    p.name for p in (out / neighbour / "sellers").iterdir()
                }
        common = {"week": key, "week_start": monday, "nav": nav}
        workers = pages_workers() if workers is None else workers
        written = _render_all_sellers(con, published, monday, page_sellers, week_dir, nav, workers)

        # Link only to pages that exist (a run for some sellers writes only theirs).
        existing = {p.name for p in (week_dir / "sellers").iterdir()}
        platform = platform_context(con, monday)
        for r in platform["at_risk"] + platform["likeliest"]:
            r["has_page"] = seller_file_name(r["seller_id"]) in existing
        platform_page = week_dir / "index.html"
        write_text(
            platform_page,
            env.get_template("platform.html.j2").render(
                **common, root="../", week_root="", page_href="index.html", **platform
            ),
        )
        listed = sellers_index_context(con, monday)
        for r in listed:
            r["has_page"] = seller_file_name(r["seller_id"]) in existing
        sellers_page = week_dir / "sellers.html"
        write_text(
            sellers_page,
            env.get_template("sellers.html.j2").render(
                **common, root="../", week_root="", page_href="sellers.html", sellers=listed
            ),
        )
    finally:
        con.close()
    index = out / "index.html"
    write_text(
        index,
        env.get_template("index.html.j2").render(
            root="", weeks=sorted(built_weeks(out), reverse=True)
        ),
    )
    return SiteResult(
        site=out.resolve(),
        week=monday,
        platform_page=platform_page.resolve(),
        sellers_page=sellers_page.resolve(),
        index=index.resolve(),
        seller_pages=written,
        seconds=round(time.perf_counter() - started, 2),
    )
