"""The insight marts (incidents, outlook) as JSON for the API's own path.

These answers (marts.seller_week_incidents, marts.seller_outlook) have no
place in the Retailer API v10 shape, so the API serves
them under `/servicenorms/v1/insights/…` (orchestration/serve/api.py), in plain JSON
with camelCase names like the Retailer API's, read from the published copy.
"""

from __future__ import annotations

from datetime import date

import duckdb

from orchestration.ingest.contract import WEEKLY_INDICATORS
from orchestration.serve.retailer_v10 import BAD_REQUEST, RequestProblem

# The indicators with incidents (seller_week_incidents): REVIEWS has none.
INCIDENT_INDICATORS = (
    "FULFILMENT",
    "HANDOVER",
    "CANCELLATIONS",
    "RESPONSE_TIME",
    "TRACK_AND_TRACE",
    "PHONE_AVAILABILITY",
    "CASE_ITEM_RATIO",
    "RETURNS",
)


def parse_incident_indicator(name: str | None) -> str | None:
    """An optional `name` filter; an unknown one is a 400."""
    if name is None or name in INCIDENT_INDICATORS:
        return name
    allowed = ", ".join(INCIDENT_INDICATORS)
    raise RequestProblem(
        400,
        BAD_REQUEST,
        "Invalid indicator.",
        [("name", f"Request contains invalid value(s): '{name}', allowed values: {allowed}.")],
    )


def _period(week_start: date) -> dict[str, str]:
    year, week, _ = week_start.isocalendar()
    return {"week": f"{week:02d}", "year": f"{year:04d}"}


def incidents(
    con: duckdb.DuckDBPyConnection, seller: str, week_start: date, name: str | None
) -> dict:
    """The events behind the seller's incident counts of the week (one indicator,
    or all), in a stable order."""
    rows = con.execute(
        """
        select indicator, event_type, event_id, order_item_id, event_date, event_at,
               reason_code, reason
        from marts.seller_week_incidents
        where seller_id = ? and week_start = ? and (? is null or indicator = ?)
        order by indicator, event_date, event_id
        """,
        [seller, week_start, name, name],
    ).fetchall()
    return {
        "sellerId": seller,
        "period": _period(week_start),
        "incidents": [
            {
                "indicator": indicator,
                "eventType": event_type,
                "eventId": event_id,
                "orderItemId": order_item_id,
                "eventDate": event_date.isoformat(),
                "eventAt": event_at.isoformat() if event_at is not None else None,
                "reasonCode": reason_code,
                "reason": reason,
            }
            for (
                indicator,
                event_type,
                event_id,
                order_item_id,
                event_date,
                event_at,
                reason_code,
                reason,
            ) in rows
        ],
    }


def parse_outlook_indicator(name: str | None) -> str | None:
    if name is None or name in WEEKLY_INDICATORS:
        return name
    allowed = ", ".join(WEEKLY_INDICATORS)
    raise RequestProblem(
        400,
        BAD_REQUEST,
        "Invalid indicator.",
        [("name", f"Request contains invalid value(s): '{name}', allowed values: {allowed}.")],
    )


def outlook(con: duckdb.DuckDBPyConnection, seller: str, name: str | None) -> dict:
    """The seller's outlook as of the latest finalised week (marts.seller_outlook):
    per indicator what it takes, and the trajectory's distance to closure or
    completion. Without a six-week score in that week there is nothing to say:
    no indicators and no trajectory."""
    rows = con.execute(
        """
        select week_start, indicator, indicator_kind, numerator_6w, denominator_6w, value_6w,
               norm_condition, norm_value, conforms_6w, incidents_6w, incident_floor,
               median_weekly_denominator, allowed_failures_next_week, conforming_weeks_to_norm,
               breach_risk_next_week, strike_risk_next_week, seller_strike_risk_next_week,
               trajectory_status, trajectory_id, trajectory_strike_count,
               consecutive_clean_weeks, strikes_until_temporary_closure,
               strikes_until_definitive_closure, clean_weeks_to_complete
        from marts.seller_outlook
        where seller_id = ? and (? is null or indicator = ?)
        order by indicator
        """,
        [seller, name, name],
    ).fetchall()
    if not rows:
        week = con.execute("select max(week_start) from marts.platform_week_summary").fetchone()[0]
        return {
            "sellerId": seller,
            "period": _period(week) if week else None,
            "trajectory": None,
            "strikeRiskNextWeek": None,
            "indicators": [],
        }
    first = rows[0]
    return {
        "sellerId": seller,
        "period": _period(first[0]),
        "trajectory": {
            "status": first[17],
            "trajectoryId": first[18],
            "strikeCount": first[19],
            "consecutiveCleanWeeks": first[20],
            "strikesUntilTemporaryClosure": first[21],
            "strikesUntilDefinitiveClosure": first[22],
            "cleanWeeksToComplete": first[23],
        },
        "strikeRiskNextWeek": first[16],
        "indicators": [
            {
                "name": r[1],
                "kind": r[2],
                "sixWeekScore": {
                    "numerator": r[3],
                    "denominator": r[4],
                    "value": r[5],
                    "conforms": r[8],
                },
                "norm": {"condition": r[6], "value": r[7]},
                "incidentsSixWeeks": r[9],
                "incidentFloor": r[10],
                "medianWeeklyDenominator": r[11],
                "allowedFailuresNextWeek": r[12],
                "conformingWeeksToNorm": r[13],
                "breachRiskNextWeek": r[14],
                "strikeRiskNextWeek": r[15],
            }
            for r in rows
        ],
    }
