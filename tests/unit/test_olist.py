"""`servicenorms import olist`: the Olist data set mapped to the landing contract
(docs/olist.md), on hand-made Olist files (the real sample end to end:
tests/e2e/test_olist_sample.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.ingest.olist import OlistImportError, import_olist

ORDERS = (
    "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
    "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date"
)
ITEMS = "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value"
REVIEWS = (
    "review_id,order_id,review_score,review_comment_title,review_comment_message,"
    "review_creation_date,review_answer_timestamp"
)


def write_olist(folder: Path) -> Path:
    """Five orders of two sellers, each with a known outcome:
    O1 on time (A); O2 late, items of A and B; O3 unavailable (B); O4 canceled (A);
    O5 shipped, never delivered (A); O6 without items."""
    folder.mkdir(parents=True)
    files = {
        "olist_orders_dataset.csv": [
            ORDERS,
            "O1,C1,delivered,2018-03-05 23:30:00,2018-03-05 23:40:00,2018-03-06 10:00:00,"
            "2018-03-08 12:00:00,2018-03-09 00:00:00",
            "O2,C2,delivered,2018-03-05 10:00:00,2018-03-05 11:00:00,2018-03-06 10:00:00,"
            "2018-03-12 09:00:00,2018-03-09 00:00:00",
            "O3,C3,unavailable,2018-03-05 10:00:00,2018-03-05 11:00:00,,,2018-03-20 00:00:00",
            "O4,C4,canceled,2018-03-05 10:00:00,2018-03-06 08:00:00,,,2018-03-20 00:00:00",
            "O5,C5,shipped,2018-03-05 10:00:00,2018-03-05 11:00:00,2018-03-07 10:00:00,,"
            "2018-03-15 00:00:00",
            "O6,C6,canceled,2018-03-05 10:00:00,,,,2018-03-20 00:00:00",
        ],
        "olist_order_items_dataset.csv": [
            ITEMS,
            "O1,1,P1,A,2018-03-07 00:00:00,10.50,1.00",
            "O2,1,P1,A,2018-03-07 00:00:00,10.50,1.00",
            "O2,2,P2,B,2018-03-07 00:00:00,99.99,1.00",
            "O3,1,P2,B,2018-03-07 00:00:00,5.00,1.00",
            "O4,1,P1,A,2018-03-07 00:00:00,5.00,1.00",
            "O5,1,P3,A,2018-03-07 00:00:00,5.00,1.00",
        ],
        "olist_order_reviews_dataset.csv": [
            REVIEWS,
            'R1,O1,5,,"Chegou antes do prazo,\nrecomendo",2018-03-09 00:00:00,2018-03-10 14:00:00',
            "R2,O2,1,,,2018-03-13 00:00:00,2018-03-14 09:00:00",
            "R3,O6,3,,,2018-03-21 00:00:00,2018-03-22 09:00:00",
        ],
        "olist_sellers_dataset.csv": [
            "seller_id,seller_zip_code_prefix,seller_city,seller_state",
            "A,01000,sao paulo,SP",
            "B,20000,rio de janeiro,RJ",
        ],
        "olist_products_dataset.csv": [
            "product_id,product_category_name,product_name_lenght",
            "P1,beleza_saude,10",
            "P2,informatica_acessorios,10",
            "P3,,10",
        ],
        "product_category_name_translation.csv": [
            "product_category_name,product_category_name_english",
            "beleza_saude,health_beauty",
        ],
    }
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n")
    return folder


def rows(landing: Path, entity: str, columns: str = "*") -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(
            f"select {columns} from read_parquet('{landing}/{entity}/olist.parquet') order by all"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    import_olist(write_olist(tmp_path / "olist"), landing)
    return landing


def test_sellers_are_dutch_without_a_shop_name(imported: Path) -> None:
    assert rows(imported, "sellers") == [("A", None, "NL", None), ("B", None, "NL", None)]


def test_each_olist_item_is_an_fbr_line_promised_for_the_estimated_date(imported: Path) -> None:
    items = rows(
        imported,
        "order_items",
        "order_item_id, seller_id, product_group, quantity, unit_price, fulfilment_method, "
        "shipping_method, latest_delivery_date",
    )
    assert items[:3] == [
        ("O1-1", "A", "health_beauty", 1, Decimal("10.50"), "FBR", "OWN", date(2018, 3, 9)),
        ("O2-1", "A", "health_beauty", 1, Decimal("10.50"), "FBR", "OWN", date(2018, 3, 9)),
        # Untranslated categories keep Olist's name; none at all is 'unknown'.
        (
            "O2-2",
            "B",
            "informatica_acessorios",
            1,
            Decimal("99.99"),
            "FBR",
            "OWN",
            date(2018, 3, 9),
        ),
    ]
    assert ("O5-1", "unknown") in [(r[0], r[2]) for r in items]


def test_olist_wall_clock_times_keep_their_local_date(imported: Path) -> None:
    ordered_at = dict(rows(imported, "order_items", "order_item_id, ordered_at"))["O1-1"]
    # 2018-03-05 23:30 in Olist is 23:30 in Europe/Amsterdam (22:30 UTC): still the 5th.
    assert ordered_at.astimezone(UTC) == datetime(2018, 3, 5, 22, 30, tzinfo=UTC)


def test_unavailable_orders_are_the_sellers_cancellations_canceled_ones_the_customers(
    imported: Path,
) -> None:
    cancellations = rows(imported, "cancellations")
    assert [(r[0], r[2], r[3]) for r in cancellations] == [
        ("O3-1", "SELLER", "OUT_OF_STOCK"),
        ("O4-1", "CUSTOMER", "REQUESTED_BY_CUSTOMER"),
    ]
    # Dated by the order's last timestamp (O4: approved on the 6th, 08:00 local).
    assert cancellations[1][1].astimezone(UTC) == datetime(2018, 3, 6, 7, 0, tzinfo=UTC)


def test_the_customers_answer_follows_the_delivery_date(imported: Path) -> None:
    assert rows(imported, "delivery_confirmations", "order_item_id, answer") == [
        ("O1-1", "RECEIVED"),
        ("O2-1", "NOT_RECEIVED"),  # delivered three days after the promise
        ("O2-2", "NOT_RECEIVED"),
        ("O5-1", "NOT_RECEIVED"),  # never delivered
    ]
    # Shipped without track & trace: untracked lines, outside TRACK_AND_TRACE.
    shipments = rows(imported, "shipments", "shipment_id, transporter_code, parcel_type")
    assert set(shipments) == {
        ("O1-A", "OTHER", "LETTER"),
        ("O2-A", "OTHER", "LETTER"),
        ("O2-B", "OTHER", "LETTER"),
        ("O5-A", "OTHER", "LETTER"),
    }


def test_a_review_counts_for_every_seller_of_the_order_with_twice_its_stars(
    imported: Path,
) -> None:
    assert rows(imported, "reviews", "review_id, seller_id, order_id, grade") == [
        ("R1-O1-A", "A", "O1", 10),
        ("R2-O2-A", "A", "O2", 2),
        ("R2-O2-B", "B", "O2", 2),
    ]


def test_the_summary_says_what_was_left_out_and_how_far_to_run(tmp_path: Path) -> None:
    summary = import_olist(write_olist(tmp_path / "olist"), tmp_path / "landing")
    assert summary.left_out == {
        "orders without items (no seller to measure)": 1,
        "reviews of orders without items": 1,
    }
    assert summary.last_day == date(2018, 3, 20)  # O3's and O4's promise date
    assert summary.run_as_of.isoformat() == "2018-03-28T06:00:00+02:00"


def test_the_same_olist_files_give_the_same_landing_bytes(tmp_path: Path) -> None:
    source = write_olist(tmp_path / "olist")
    import_olist(source, tmp_path / "a")
    import_olist(source, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.parquet"))
    assert len(files) == 6
    for file in files:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("missing_file", "olist_order_reviews_dataset.csv: file not found"),
        ("missing_column", "olist_orders_dataset.csv: column(s) order_estimated_delivery_date"),
        ("landing_not_empty", "exists and is not empty"),
    ],
)
def test_an_olist_folder_that_cannot_be_imported_names_file_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, message: str
) -> None:
    source = write_olist(tmp_path / "olist")
    landing = tmp_path / "landing"
    if damage == "missing_column":  # an export without the estimated delivery date
        orders = source / "olist_orders_dataset.csv"
        lines = orders.read_text().splitlines()
        orders.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    if damage == "missing_file":
        (source / "olist_order_reviews_dataset.csv").unlink()
    if damage == "landing_not_empty":
        landing.mkdir()
        (landing / "other.csv").write_text("x\n")
    with pytest.raises(OlistImportError, match="not empty" if "empty" in message else ".*"):
        import_olist(source, landing)
    assert main(["import", "olist", str(source), "--out", str(landing)]) == 1
    assert message in capsys.readouterr().err
