"""The insight marts (incidents, outlook) as JSON for the API's own path.

These answers have no place in the Retailer API v10 shape, so the API serves
them under `/servicenorms/v1/insights/…` (orchestration/api.py), in plain JSON
with camelCase names like the Retailer API's, read from the published copy.
"""

from __future__ import annotations

from datetime import date

import duckdb

from orchestration.retailer_v10 import BAD_REQUEST, RequestProblem

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
