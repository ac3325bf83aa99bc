"""Map the public Olist Brazilian e-commerce data set to the landing contract.

`servicenorms import olist DIR --out LANDING` reads Olist's CSV files (orders,
order items, reviews, sellers, products and the category translation) and writes
one Parquet batch per contract entity it can feed. Every assumption is in
docs/olist.md; the short version, per entity:

- sellers: country NL (the contract knows NL and BE only; Dutch holidays and
  office hours apply), no shop name.
- order_items: one line per Olist item (quantity 1), FBR shipped by the seller
  (OWN), promise date = the estimated delivery date, product group = the
  category (in English where Olist translates it).
- cancellations: `unavailable` orders are the seller's (OUT_OF_STOCK);
  `canceled` orders the customer's (REQUESTED_BY_CUSTOMER), dated by the
  order's last timestamp.
- shipments: one per order and seller, handed to the carrier at
  `order_delivered_carrier_date`, without track & trace (parcel type LETTER,
  transporter OTHER): Olist has no codes.
- delivery_confirmations: the customer's answer derived from the delivery date:
  RECEIVED when delivered on or before the promise date, else NOT_RECEIVED.
- reviews: one per review and seller of the order, grade = 2 x stars.

Olist's timestamps are Brazilian wall-clock times without a zone; they are read
as Europe/Amsterdam wall-clock times, so every local date (the promise date
against the delivery date, the ISO week) stays the date Olist recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from orchestration.sql_text import quote_identifier as _q
from orchestration.sql_text import quote_literal as _lit
from orchestration.weeks import measurement_cutoff, week_start_of

# Olist file -> the columns the import reads.
FILES: dict[str, tuple[str, ...]] = {
    "olist_orders_dataset.csv": (
        "order_id",
        "order_status",
        "order_purchase_timestamp",
        "order_approved_at",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "order_estimated_delivery_date",
    ),
    "olist_order_items_dataset.csv": (
        "order_id",
        "order_item_id",
        "product_id",
        "seller_id",
        "price",
    ),
    "olist_order_reviews_dataset.csv": (
        "review_id",
        "order_id",
        "review_score",
        "review_answer_timestamp",
    ),
    "olist_sellers_dataset.csv": ("seller_id",),
    "olist_products_dataset.csv": ("product_id", "product_category_name"),
}
# Optional: without it, product groups keep their Portuguese names.
TRANSLATION_FILE = "product_category_name_translation.csv"
TRANSLATION_COLUMNS = ("product_category_name", "product_category_name_english")
LOCAL_TIMEZONE = "Europe/Amsterdam"
BATCH_NAME = "olist.parquet"


class OlistImportError(ValueError):
    """The Olist folder cannot be imported: names the file and column."""


@dataclass
class OlistImportSummary:
    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    # What the data has but cannot land, and why (counts).
    left_out: dict[str, int] = field(default_factory=dict)
    # The local date of the last event the landing holds (a promise date, an
    # order, a shipment, a cancellation or a review): the run must reach its week.
    last_day: date | None = None

    @property
    def run_as_of(self) -> datetime | None:
        """The cut-off of the last week with data: `servicenorms run --as-of` for it."""
        return measurement_cutoff(week_start_of(self.last_day)) if self.last_day else None


def _local(column: str) -> str:
    """An Olist wall-clock text as that wall-clock time in Europe/Amsterdam."""
    return f"timezone({_lit(LOCAL_TIMEZONE)}, try_cast({column} as timestamp))"


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, view: str, columns: tuple[str, ...]):
    """A view over one Olist CSV, every column as text; a missing file or column is
    an OlistImportError naming it."""
    if not path.is_file():
        raise OlistImportError(f"{path}: file not found (an Olist export has it)")
    try:
        con.execute(
            f"create or replace temp view {_q(view)} as select * from read_csv("
            f"{_lit(str(path))}, header = true, all_varchar = true, delim = ',', quote = '\"')"
        )
        present = {r[0] for r in con.execute(f"describe {_q(view)}").fetchall()}
    except duckdb.Error as exc:
        raise OlistImportError(f"{path}: cannot be read as CSV: {exc}") from None
    missing = [c for c in columns if c not in present]
    if missing:
        raise OlistImportError(f"{path}: column(s) {', '.join(missing)} missing")


# One SELECT per contract entity, in the contract's column order.
ENTITY_SQL: dict[str, str] = {
    "sellers": """
        select distinct
            seller_id,
            cast(null as varchar) as display_name,
            'NL' as country,
            cast(null as timestamptz) as registered_at
        from sellers
        where seller_id is not null
    """,
    "order_items": f"""
        select
            items.order_id || '-' || items.order_item_id as order_item_id,
            items.order_id,
            items.seller_id,
            {_local("orders.order_purchase_timestamp")} as ordered_at,
            coalesce(
                translation.product_category_name_english,
                products.product_category_name,
                'unknown'
            ) as product_group,
            cast(null as varchar) as ean,
            1 as quantity,
            try_cast(items.price as decimal(10, 2)) as unit_price,
            'FBR' as fulfilment_method,
            'OWN' as shipping_method,
            'REGULAR' as time_frame_type,
            cast(try_cast(orders.order_estimated_delivery_date as timestamp) as date)
                as latest_delivery_date,
            cast(null as date) as exact_delivery_date,
            cast(null as date) as expiry_date,
            cast(null as timestamptz) as latest_handover_at
        from items
        inner join orders on orders.order_id = items.order_id
        left join products on products.product_id = items.product_id
        left join translation
            on translation.product_category_name = products.product_category_name
    """,
    "cancellations": f"""
        select
            items.order_id || '-' || items.order_item_id as order_item_id,
            {
        _local('''greatest(
                orders.order_purchase_timestamp,
                orders.order_approved_at,
                orders.order_delivered_carrier_date
            )''')
    } as cancelled_at,
            case orders.order_status when 'unavailable' then 'SELLER' else 'CUSTOMER' end
                as initiated_by,
            case orders.order_status
                when 'unavailable' then 'OUT_OF_STOCK' else 'REQUESTED_BY_CUSTOMER'
            end as reason_code
        from items
        inner join orders on orders.order_id = items.order_id
        where orders.order_status in ('canceled', 'unavailable')
    """,
    "shipments": f"""
        select
            items.order_id || '-' || items.seller_id as shipment_id,
            items.order_id || '-' || items.order_item_id as order_item_id,
            {_local("orders.order_delivered_carrier_date")} as shipped_at,
            'OTHER' as transporter_code,
            cast(null as varchar) as track_and_trace,
            'LETTER' as parcel_type,
            {_local("orders.order_delivered_carrier_date")} as handed_over_at
        from items
        inner join orders on orders.order_id = items.order_id
        where orders.order_delivered_carrier_date is not null
    """,
    "delivery_confirmations": f"""
        select
            items.order_id || '-' || items.order_item_id as order_item_id,
            {_local("orders.order_estimated_delivery_date")} + interval 1 day as asked_at,
            case
                when cast(try_cast(orders.order_delivered_customer_date as timestamp) as date)
                    <= cast(try_cast(orders.order_estimated_delivery_date as timestamp) as date)
                then 'RECEIVED'
                else 'NOT_RECEIVED'
            end as answer
        from items
        inner join orders on orders.order_id = items.order_id
        where orders.order_delivered_carrier_date is not null
          and orders.order_status not in ('canceled', 'unavailable')
    """,
    "reviews": f"""
        select distinct
            reviews.review_id || '-' || reviews.order_id || '-' || items.seller_id as review_id,
            items.seller_id,
            reviews.order_id,
            {_local("reviews.review_answer_timestamp")} as submitted_at,
            2 * try_cast(reviews.review_score as integer) as grade
        from reviews
        inner join items on items.order_id = reviews.order_id
    """,
}

# What the data holds but the contract cannot take: counted for the summary.
LEFT_OUT_SQL: dict[str, str] = {
    "orders without items (no seller to measure)": """
        select count(*) from orders anti join items on items.order_id = orders.order_id
    """,
    "reviews of orders without items": """
        select count(*) from reviews anti join items on items.order_id = reviews.order_id
    """,
}


LAST_DAY_SQL = f"""
    select max(day) from (
        select latest_delivery_date as day from read_parquet({{order_items}})
        union all
        select cast(timezone({_lit(LOCAL_TIMEZONE)}, ordered_at) as date)
        from read_parquet({{order_items}})
        union all
        select cast(timezone({_lit(LOCAL_TIMEZONE)}, shipped_at) as date)
        from read_parquet({{shipments}})
        union all
        select cast(timezone({_lit(LOCAL_TIMEZONE)}, cancelled_at) as date)
        from read_parquet({{cancellations}})
        union all
        select cast(timezone({_lit(LOCAL_TIMEZONE)}, submitted_at) as date)
        from read_parquet({{reviews}})
    )
"""


def import_olist(source: Path, out: Path) -> OlistImportSummary:
    """Write `<out>/<entity>/olist.parquet` for every entity the Olist files feed."""
    source, out = Path(source), Path(out)
    if not source.is_dir():
        raise OlistImportError(f"{source}: not a folder of Olist CSV files")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OlistImportError(f"{out}: exists and is not empty (the import writes a new landing)")
    con = duckdb.connect()
    try:
        views = {
            "olist_orders_dataset.csv": "orders",
            "olist_order_items_dataset.csv": "items",
            "olist_order_reviews_dataset.csv": "reviews",
            "olist_sellers_dataset.csv": "sellers",
            "olist_products_dataset.csv": "products",
        }
        for file, columns in FILES.items():
            _read_csv(con, source / file, views[file], columns)
        if (source / TRANSLATION_FILE).is_file():
            _read_csv(con, source / TRANSLATION_FILE, "translation", TRANSLATION_COLUMNS)
        else:
            con.execute(
                "create temp view translation as select cast(null as varchar) as "
                "product_category_name, cast(null as varchar) as product_category_name_english "
                "where false"
            )
        summary = OlistImportSummary(out)
        out.mkdir(parents=True, exist_ok=True)
        for entity, sql in ENTITY_SQL.items():
            target = out / entity / BATCH_NAME
            target.parent.mkdir(parents=True, exist_ok=True)
            # Ordered by the natural key: the same Olist files give the same bytes.
            con.execute(
                f"copy (select * from ({sql}) order by all) "
                f"to {_lit(str(target))} (format parquet, compression zstd)"
            )
            summary.rows[entity] = con.execute(
                f"select count(*) from read_parquet({_lit(str(target))})"
            ).fetchone()[0]
        for reason, sql in LEFT_OUT_SQL.items():
            summary.left_out[reason] = con.execute(sql).fetchone()[0]
        summary.last_day = con.execute(
            LAST_DAY_SQL.format(**{e: _lit(str(out / e / BATCH_NAME)) for e in ENTITY_SQL})
        ).fetchone()[0]
    except duckdb.Error as exc:
        raise OlistImportError(f"{source}: {exc}") from None
    finally:
        con.close()
    return summary
