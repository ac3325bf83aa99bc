"""The synthetic landing generator: determinism, contract conformance, integrity."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.generator import SCHEMAS, generate
from orchestration.ingest.contract import ENTITIES

SMALL = {"sellers": 40, "weeks": 6, "start_week": "2025-W40", "seed": 7}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "landing"
    generate(out, **SMALL)
    return out


@pytest.fixture(scope="module")
def con(landing: Path) -> duckdb.DuckDBPyConnection:
    """One view per entity: the latest row per natural key (path order, then row order)."""
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    for name, ent in ENTITIES.items():
        key = ", ".join(ent.natural_key)
        c.execute(
            f"""CREATE VIEW all_{name} AS
            SELECT * FROM read_parquet('{landing}/{name}/*.parquet', filename = true,
                                       file_row_number = true)"""
        )
        c.execute(
            f"""CREATE VIEW {name} AS SELECT * EXCLUDE (filename, file_row_number)
            FROM all_{name}
            QUALIFY row_number() OVER (PARTITION BY {key}
                                       ORDER BY filename DESC, file_row_number DESC) = 1"""
        )
    return c


def _files(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def test_deterministic(tmp_path: Path, landing: Path) -> None:
    a = tmp_path / "a"
    generate(a, **SMALL)
    assert _files(a) == _files(landing)
    b = tmp_path / "b"
    generate(b, **{**SMALL, "seed": 8})
    fa, fb = _files(a), _files(b)
    first = "order_items/2025-W40-1-weekly.parquet"
    assert fa[first] != fb[first]


def test_summary_and_layout(tmp_path: Path) -> None:
    s = generate(tmp_path / "x", sellers=5, weeks=2, start_week="2026-W01")
    assert (s.first_week, s.last_week) == ("2026-W01", "2026-W02")
    assert set(s.rows) == set(ENTITIES)
    assert s.files == sum(1 for p in (tmp_path / "x").rglob("*") if p.is_file())


def test_files_follow_contract(landing: Path) -> None:
    pattern = re.compile(r"\d{4}-W\d{2}-\d-[a-z]+\.parquet")
    for name in ENTITIES:
        files = sorted((landing / name).iterdir())
        assert files, name
        for f in files:
            assert pattern.fullmatch(f.name), f
            schema = pq.read_schema(f)
            assert schema.names == ENTITIES[name].column_names, f
            assert schema.equals(SCHEMAS[name], check_metadata=False), f
            assert not schema.metadata, f  # nothing run-dependent in the file


def test_weekly_file_per_entity_per_week(landing: Path) -> None:
    weeks = [f"2025-W{w}" for w in range(40, 46)]
    for name in ENTITIES:
        if name in ("sellers", "mitigating_circumstances"):
            continue
        for wk in weeks:
            assert (landing / name / f"{wk}-1-weekly.parquet").exists(), (name, wk)
    assert (landing / "sellers" / "2025-W40-0-sellers.parquet").exists()


def test_csv_matches_parquet(tmp_path: Path, landing: Path) -> None:
    out = tmp_path / "csv"
    summary = generate(out, **SMALL, fmt="csv")
    c = duckdb.connect()
    for name, ent in ENTITIES.items():
        rows = 0
        for f in sorted((out / name).glob("*.csv")):
            header = f.read_text().splitlines()[0]
            assert header.replace('"', "").split(",") == ent.column_names
            # Typed read: every value casts to its contract type.
            types = {col.name: col.type for col in ent.columns}
            rows += c.execute(
                f"SELECT count(*) FROM read_csv('{f}', header = true, columns = {types!r})"
            ).fetchone()[0]
        pq_rows = c.execute(
            f"SELECT count(*) FROM read_parquet('{landing}/{name}/*.parquet')"
        ).fetchone()[0]
        assert rows == pq_rows == summary.rows[name], name
    ts = c.execute(
        f"SELECT ordered_at FROM read_csv('{out}/order_items/2025-W40-1-weekly.csv', "
        "all_varchar = true) LIMIT 1"
    ).fetchone()[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", ts)


def test_enums_ranges_required(con: duckdb.DuckDBPyConnection) -> None:
    for name, ent in ENTITIES.items():
        for col in ent.columns:
            checks = []
            if col.required:
                checks.append(f"{col.name} IS NULL")
            if col.enum:
                vals = ", ".join(f"'{v}'" for v in col.enum)
                checks.append(f"{col.name} NOT IN ({vals})")
            if col.min is not None:
                checks.append(f"{col.name} < {col.min}")
            if col.max is not None:
                checks.append(f"{col.name} > {col.max}")
            if col.required_when:
                other, value = col.required_when
                checks.append(f"{other} = '{value}' AND {col.name} IS NULL")
            for chk in checks:
                bad = con.execute(f"SELECT count(*) FROM all_{name} WHERE {chk}").fetchone()[0]
                assert bad == 0, (name, chk)
        key = ", ".join(ent.natural_key)
        dup = con.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM {name} GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()[0]
        assert dup == 0, name


def test_referential_integrity(con: duckdb.DuckDBPyConnection) -> None:
    fks = [
        ("order_items", "seller_id", "sellers", "seller_id"),
        ("cancellations", "order_item_id", "order_items", "order_item_id"),
        ("shipments", "order_item_id", "order_items", "order_item_id"),
        ("transport_events", "shipment_id", "shipments", "shipment_id"),
        ("delivery_confirmations", "order_item_id", "order_items", "order_item_id"),
        ("customer_questions", "seller_id", "sellers", "seller_id"),
        ("customer_questions", "order_item_id", "order_items", "order_item_id"),
        ("phone_calls", "seller_id", "sellers", "seller_id"),
        ("reviews", "seller_id", "sellers", "seller_id"),
        ("reviews", "order_id", "order_items", "order_id"),
        ("returns", "order_item_id", "order_items", "order_item_id"),
        ("returns", "seller_id", "sellers", "seller_id"),
        ("nps_responses", "case_id", "customer_questions", "case_id"),
        ("nps_responses", "seller_id", "sellers", "seller_id"),
    ]
    for child, col, parent, pcol in fks:
        orphans = con.execute(
            f"SELECT count(*) FROM all_{child} WHERE {col} IS NOT NULL AND {col} NOT IN "
            f"(SELECT {pcol} FROM all_{parent})"
        ).fetchone()[0]
        assert orphans == 0, (child, col)
    # Questions, returns and reviews belong to the seller of their item/order.
    assert (
        con.execute(
            "SELECT count(*) FROM returns r JOIN order_items i USING (order_item_id) "
            "WHERE r.seller_id <> i.seller_id"
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            "SELECT count(*) FROM customer_questions q JOIN order_items i USING (order_item_id) "
            "WHERE q.seller_id <> i.seller_id"
        ).fetchone()[0]
        == 0
    )


def test_business_rules(con: duckdb.DuckDBPyConnection) -> None:
    def n(sql: str) -> int:
        return con.execute(sql).fetchone()[0]

    assert (
        n(
            "SELECT count(*) FROM order_items WHERE fulfilment_method = 'FBB' "
            "AND shipping_method IS NOT NULL"
        )
        == 0
    )
    assert (
        n(
            "SELECT count(*) FROM order_items WHERE (shipping_method = 'VVB') "
            "<> (latest_handover_at IS NOT NULL)"
        )
        == 0
    )
    assert (
        n(
            "SELECT count(*) FROM order_items WHERE latest_delivery_date < "
            "CAST(ordered_at AT TIME ZONE 'Europe/Amsterdam' AS DATE)"
        )
        == 0
    )
    # Events follow their causes.
    assert (
        n(
            "SELECT count(*) FROM shipments s JOIN order_items i USING (order_item_id) "
            "WHERE s.shipped_at < i.ordered_at"
        )
        == 0
    )
    assert (
        n(
            "SELECT count(*) FROM transport_events e JOIN shipments s USING (shipment_id) "
            "WHERE e.event_at < s.shipped_at"
        )
        == 0
    )
    assert n("SELECT count(*) FROM customer_questions WHERE first_response_at < created_at") == 0
    assert (
        n(
            "SELECT count(*) FROM cancellations c JOIN order_items i USING (order_item_id) "
            "WHERE c.cancelled_at < i.ordered_at"
        )
        == 0
    )
    assert n("SELECT count(*) FROM shipments s JOIN cancellations USING (order_item_id)") == 0
    # Sellers register before their first order.
    assert (
        n(
            "SELECT count(*) FROM order_items i JOIN sellers s USING (seller_id) "
            "WHERE s.registered_at >= i.ordered_at"
        )
        == 0
    )
    # Plausible mix: NL majority, FBR majority, some letters, track & trace mostly valid.
    nl = n("SELECT round(100 * avg((country = 'NL')::INT)) FROM sellers")
    assert 50 <= nl <= 90
    fbr = n("SELECT round(100 * avg((fulfilment_method = 'FBR')::INT)) FROM order_items")
    assert 40 <= fbr <= 85
    assert n("SELECT count(*) FROM shipments WHERE parcel_type = 'LETTER'") > 0
    valid = n(
        """SELECT round(100 * avg(CASE transporter_code
             WHEN 'TNT' THEN regexp_full_match(track_and_trace, '3S[A-Z]{4}[0-9]{7,9}')
             WHEN 'DHL' THEN regexp_full_match(track_and_trace, '(JVGL|JJD)[0-9]{10,18}')
             WHEN 'DPD-NL' THEN regexp_full_match(track_and_trace, '[0-9]{14}')
             WHEN 'BPOST_BE' THEN regexp_full_match(track_and_trace, '(32|CD)[0-9A-Z]{12,22}')
             WHEN 'GLS' THEN regexp_full_match(track_and_trace, '[0-9]{11,12}')
           END::INT)) FROM shipments
           WHERE transporter_code NOT IN ('BRIEFPOST', 'OTHER') AND parcel_type = 'PARCEL'"""
    )
    assert 85 <= valid < 100
    assert n("SELECT count(*) FROM customer_questions WHERE order_item_id IS NULL") > 0
    assert n("SELECT count(*) FROM mitigating_circumstances WHERE withdrawn") == 1


def test_corrections_sort_after_originals(con: duckdb.DuckDBPyConnection) -> None:
    for name in ("customer_questions", "delivery_confirmations", "shipments"):
        ent = ENTITIES[name]
        key = " AND ".join(f"c.{k} = o.{k}" for k in ent.natural_key)
        counts = con.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE c.filename <= o.filename)
            FROM all_{name} c JOIN all_{name} o ON {key}
            WHERE c.filename LIKE '%-2-corrections.parquet'
              AND o.filename LIKE '%-1-weekly.parquet'"""
        ).fetchone()
        assert counts[0] > 0, name
        assert counts[1] == 0, name
    # Late first responses arrive only by correction.
    assert (
        con.execute(
            "SELECT count(*) FROM all_customer_questions WHERE filename LIKE '%corrections%' "
            "AND first_response_at IS NULL"
        ).fetchone()[0]
        == 0
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sellers": 0},
        {"weeks": 0},
        {"start_week": "2026-W60"},
        {"start_week": "2025-W53"},
        {"start_week": "2025-40"},
        {"fmt": "json"},
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path / "o", **{"sellers": 3, "weeks": 1, **kwargs})


def test_refuses_non_empty_output(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(ValueError):
        generate(tmp_path, sellers=3, weeks=1)


def test_following_week_holds_only_rows_of_the_weeks_after_the_year(tmp_path: Path) -> None:
    from orchestration.generator import generate_following_week

    # The second week after the year: its own rows and the late rows of the first.
    out = tmp_path / "held"
    summary = generate_following_week(out, "2025-W47", **SMALL)
    names = {p.relative_to(out).as_posix() for p in out.glob("*/*")}
    assert "order_items/2025-W47-following-1-weekly.parquet" in names
    assert all(re.fullmatch(r"[a-z_]+/2025-W47-following-[12]-[a-z]+\.parquet", n) for n in names)
    assert summary.files == len(names) and summary.rows["order_items"] > 0
    # They sort after the year's own files of that week (the year's late rows).
    assert "2025-W47-1-weekly.parquet" < "2025-W47-following-1-weekly.parquet"
    c = duckdb.connect()
    stamps = {
        r[0]
        for r in c.execute(
            f"select distinct substr(shipment_id, 3, 4) from "
            f"read_parquet('{out}/transport_events/*.parquet')"
        ).fetchall()
    }
    # Shipments of 2025-W46 and 2025-W47 (ids carry yyww), none of the year's weeks.
    assert stamps == {"2546", "2547"}
    ordered = c.execute(
        f"select min(ordered_at), max(ordered_at) from read_parquet('{out}/order_items/*.parquet')"
    ).fetchone()
    assert str(ordered[0]) >= "2025-11-16" and str(ordered[1]) < "2025-11-24"
    # Deterministic, like the year.
    again = tmp_path / "again"
    generate_following_week(again, "2025-W47", **SMALL)
    assert _files(again) == _files(out)
    with pytest.raises(ValueError, match="inside the generated year"):
        generate_following_week(tmp_path / "x", "2025-W45", **SMALL)
