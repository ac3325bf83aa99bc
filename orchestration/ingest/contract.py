"""The raw landing contract (SPEC §3 and §12): entities, columns, types and row rules.

This module is the single source of truth for what a landed file must contain.
The generator writes it, landing enforces it, staging reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type
    required: bool = True
    enum: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    # (other column, value): a NULL here is a violation when that column has that
    # value, for columns required only in some rows (shipping_method when FBR).
    required_when: tuple[str, str] | None = None


@dataclass(frozen=True)
class Entity:
    name: str
    natural_key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


TIMESTAMPTZ = "TIMESTAMPTZ"
VARCHAR = "VARCHAR"
DATE = "DATE"
INTEGER = "INTEGER"
BOOLEAN = "BOOLEAN"
DECIMAL = "DECIMAL(10,2)"

COUNTRIES = ("NL", "BE")
FULFILMENT_METHODS = ("FBR", "FBB")
SHIPPING_METHODS = ("OWN", "VVB")
TIME_FRAME_TYPES = ("REGULAR", "EVENING", "APPOINTMENT", "SAMEDAY", "SUNDAY")
CANCEL_INITIATORS = ("SELLER", "CUSTOMER", "SYSTEM")
CANCEL_REASONS = (
    "OUT_OF_STOCK",
    "REQUESTED_BY_CUSTOMER",
    "BAD_CONDITION",
    "HIGHER_SHIPCOST",
    "INCORRECT_PRICE",
    "NOT_AVAIL_IN_TIME",
    "NO_BOL_GUARANTEE",
    "ORDERED_TWICE",
    "RETAIN_ITEM",
    "TECH_ISSUE",
    "UNFINDABLE_ITEM",
    "OTHER",
)
PARCEL_TYPES = ("PARCEL", "LETTER")
EVENT_CODES = (
    "PRE_ANNOUNCED",
    "AT_TRANSPORTER",
    "IN_TRANSIT",
    "DELIVERY_ATTEMPTED",
    "DELIVERED_AT_NEIGHBOURS",
    "DELIVERED_AT_CUSTOMER",
    "PICKED_UP_AT_PICK_UP_POINT",
    "AT_PICK_UP_POINT",
    "RETURNED_TO_SENDER",
)
CONFIRMATION_ANSWERS = ("RECEIVED", "NOT_RECEIVED")
CIRCUMSTANCE_SCOPES = ("PLATFORM", "TRANSPORTER", "TNT_PROCESSING")
CIRCUMSTANCE_COUNTRIES = ("NL", "BE", "ALL")
CIRCUMSTANCE_EFFECTS = ("EXCLUDE_EVENTS", "NO_STRIKE")


def _c(name: str, type_: str, **kw) -> Column:
    return Column(name=name, type=type_, **kw)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in [
        Entity(
            "sellers",
            ("seller_id",),
            (
                _c("seller_id", VARCHAR),
                _c("display_name", VARCHAR, required=False),
                _c("country", VARCHAR, enum=COUNTRIES),
                _c("registered_at", TIMESTAMPTZ, required=False),
            ),
        ),
        Entity(
            "order_items",
            ("order_item_id",),
            (
                _c("order_item_id", VARCHAR),
                _c("order_id", VARCHAR),
                _c("seller_id", VARCHAR),
                _c("ordered_at", TIMESTAMPTZ),
                _c("product_group", VARCHAR),
                _c("ean", VARCHAR, required=False),
                _c("quantity", INTEGER, min=1),
                _c("unit_price", DECIMAL, min=0),
                _c("fulfilment_method", VARCHAR, enum=FULFILMENT_METHODS),
                _c(
                    "shipping_method",
                    VARCHAR,
                    required=False,
                    enum=SHIPPING_METHODS,
                    required_when=("fulfilment_method", "FBR"),
                ),
                _c("time_frame_type", VARCHAR, required=False, enum=TIME_FRAME_TYPES),
                _c("latest_delivery_date", DATE),
                _c("exact_delivery_date", DATE, required=False),
                _c("expiry_date", DATE, required=False),
                _c(
                    "latest_handover_at",
                    TIMESTAMPTZ,
                    required=False,
                    required_when=("shipping_method", "VVB"),
                ),
            ),
        ),
        Entity(
            "cancellations",
            ("order_item_id",),
            (
                _c("order_item_id", VARCHAR),
                _c("cancelled_at", TIMESTAMPTZ),
                _c("initiated_by", VARCHAR, enum=CANCEL_INITIATORS),
                _c("reason_code", VARCHAR, required=False, enum=CANCEL_REASONS),
            ),
        ),
        Entity(
            "shipments",
            ("shipment_id", "order_item_id"),
            (
                _c("shipment_id", VARCHAR),
                _c("order_item_id", VARCHAR),
                _c("shipped_at", TIMESTAMPTZ),
                _c("transporter_code", VARCHAR),
                _c("track_and_trace", VARCHAR, required=False),
                _c("parcel_type", VARCHAR, enum=PARCEL_TYPES),
                _c("handed_over_at", TIMESTAMPTZ, required=False),
            ),
        ),
        Entity(
            "transport_events",
            ("shipment_id", "event_code", "event_at"),
            (
                _c("shipment_id", VARCHAR),
                _c("event_code", VARCHAR, enum=EVENT_CODES),
                _c("event_at", TIMESTAMPTZ),
            ),
        ),
        Entity(
            "delivery_confirmations",
            ("order_item_id",),
            (
                _c("order_item_id", VARCHAR),
                _c("asked_at", TIMESTAMPTZ, required=False),
                _c("answer", VARCHAR, required=False, enum=CONFIRMATION_ANSWERS),
            ),
        ),
        Entity(
            "customer_questions",
            ("case_id",),
            (
                _c("case_id", VARCHAR),
                _c("seller_id", VARCHAR),
                _c("order_item_id", VARCHAR, required=False),
                _c("created_at", TIMESTAMPTZ),
                _c("first_response_at", TIMESTAMPTZ, required=False),
                _c("forwarded_by_bol", BOOLEAN, required=False),
            ),
        ),
        Entity(
            "phone_calls",
            ("call_id",),
            (
                _c("call_id", VARCHAR),
                _c("seller_id", VARCHAR),
                _c("started_at", TIMESTAMPTZ),
                _c("answered", BOOLEAN),
            ),
        ),
        Entity(
            "reviews",
            ("review_id",),
            (
                _c("review_id", VARCHAR),
                _c("seller_id", VARCHAR),
                _c("order_id", VARCHAR),
                _c("submitted_at", TIMESTAMPTZ),
                _c("grade", INTEGER, min=1, max=10),
            ),
        ),
        Entity(
            "returns",
            ("return_id",),
            (
                _c("return_id", VARCHAR),
                _c("order_item_id", VARCHAR),
                _c("seller_id", VARCHAR),
                _c("registered_at", TIMESTAMPTZ),
                _c("quantity", INTEGER, min=1),
                _c("main_reason", VARCHAR, required=False),
            ),
        ),
        Entity(
            "nps_responses",
            ("response_id",),
            (
                _c("response_id", VARCHAR),
                _c("seller_id", VARCHAR),
                _c("case_id", VARCHAR),
                _c("responded_at", TIMESTAMPTZ),
                _c("score", INTEGER, min=0, max=10),
            ),
        ),
        Entity(
            "mitigating_circumstances",
            ("circumstance_id",),
            (
                _c("circumstance_id", VARCHAR),
                _c("starts_on", DATE),
                _c("ends_on", DATE),
                _c("scope", VARCHAR, enum=CIRCUMSTANCE_SCOPES),
                _c("transporter_code", VARCHAR, required=False),
                _c("country", VARCHAR, enum=CIRCUMSTANCE_COUNTRIES),
                _c("indicators", VARCHAR),
                _c("effect", VARCHAR, enum=CIRCUMSTANCE_EFFECTS),
                _c("description", VARCHAR, required=False),
                _c("withdrawn", BOOLEAN, required=False),
            ),
        ),
    ]
}

# Landing metadata stamped on every raw row.
LOAD_COLUMNS = (
    ("_load_id", "BIGINT"),
    ("_loaded_at", TIMESTAMPTZ),
    ("_source_file", VARCHAR),  # path relative to the landing root; sorts by load order
    ("_row_number", "BIGINT"),  # 1-based position in the file; the last row wins
)

WEEKLY_INDICATORS = (
    "FULFILMENT",
    "HANDOVER",
    "CANCELLATIONS",
    "RESPONSE_TIME",
    "TRACK_AND_TRACE",
    "PHONE_AVAILABILITY",
    "CASE_ITEM_RATIO",
    "RETURNS",
    "REVIEWS",
)
