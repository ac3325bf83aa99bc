"""A weekly (incremental) build after new files land keeps exactly what a full
rebuild of the same landed data gives: staging holds the latest version of every
key (SPEC §12: the file whose path sorts last wins) however and whenever the
files arrive."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
from conftest import DEMO_LAST_WEEK, built_copy

from bench.run import hold_back_week, release_held
from orchestration.generator import generate
from orchestration.ingest.contract import ENTITIES
from orchestration.ingest.landing import land_directory
from orchestration.pipeline import build_weeks
from orchestration.weeks import iso_week_key, parse_iso_week

# Every column but `_invocation_id`, the dbt invocation that wrote the row:
# a weekly build and a full one write the same rows in different invocations.
DATA_COLUMNS = "columns(c -> c <> '_invocation_id')"
START = "2025-W40"
WINDOWED = {"intermediate.int_dynamic_norms"}
WEEKS = 8


def _tables(path: Path, schemas: tuple[str, ...]) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path))
    try:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            f"where table_schema in ({', '.join(repr(s) for s in schemas)}) order by 1"
        ).fetchall()
        return {
            n: con.execute(f"select {DATA_COLUMNS} from {n} order by all").fetchall()
            for (n,) in names
        }
    finally:
        con.close()


def _query(path: Path, sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(path))
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _restate(con: duckdb.DuckDBPyConnection, entity: str, key_value: str, target: Path,
             **changes: object) -> None:
    """Write one landed row of `entity` again as a CSV file, with `changes` applied."""
    cols = ENTITIES[entity].column_names
    key = ENTITIES[entity].natural_key[0]
    exprs = [f"{changes[c]!r} as {c}" if c in changes else c for c in cols]
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"copy (select {', '.join(exprs)} from raw.{entity} where {key} = ? "
        f"order by _load_id desc, _row_number desc limit 1) to '{target}' (header)",
        [key_value],
    )


def test_weekly_build_after_new_files_equals_a_full_rebuild(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "weekly.duckdb"
    generate(landing, sellers=20, weeks=WEEKS, start_week=START, seed=3)
    last = parse_iso_week(START) + timedelta(weeks=WEEKS - 1)
    assert hold_back_week(landing, tmp_path / "held", iso_week_key(last)) > 0
    land_directory(landing, warehouse)
    build_weeks(warehouse, None, last - timedelta(weeks=1), full_refresh=True)

    # The week's files arrive, with two hand-made restatements of landed keys: a
    # file whose path sorts first (it must lose to the versions on record) and
    # one whose path sorts last (it must win).
    release_held(tmp_path / "held", landing)
    con = duckdb.connect(str(warehouse))
    (loser, winner) = [
        r[0] for r in con.execute(
            "select order_item_id from raw.order_items order by order_item_id limit 2"
        ).fetchall()
    ]
    (shipment,) = con.execute(
        "select shipment_id from raw.shipments order by shipment_id limit 1"
    ).fetchone()
    _restate(con, "order_items", loser, landing / "order_items" / "0000-late.csv", quantity=97)
    _restate(con, "order_items", winner, landing / "order_items" / "9999-fix.csv", quantity=98)
    _restate(con, "shipments", shipment, landing / "shipments" / "9999-fix.csv",
             transporter_code="DHL")
    # A seller past GroeiStart whose first single-item order is re-dated after its
    # 100th order (the 100th order moves), and another seller changing country.
    seller, hundredth = con.execute(
        "select seller_id, hundredth_ordered_at from intermediate.int_sellers "
        "where hundredth_ordered_at is not null order by seller_id limit 1"
    ).fetchone()
    (early,) = con.execute(
        "select order_item_id from staging.stg_raw__order_items where seller_id = ? "
        "and order_id in (select order_id from staging.stg_raw__order_items "
        "group by order_id having count(*) = 1) order by ordered_at, order_item_id limit 1",
        [seller],
    ).fetchone()
    _restate(con, "order_items", early, landing / "order_items" / "9999-redated.csv",
             ordered_at="2026-06-01 10:00:00+00")
    # Another seller past GroeiStart gets a new item in its last order, ordered
    # before its first one: that order becomes its first and the 99th order the
    # 100th, through the kept orders alone (no version of a landed item moved).
    grower, ninety_ninth = con.execute(
        "select seller_id, first_ordered_at from intermediate.int_seller_early_orders "
        "where order_rank = 99 and seller_id in (select seller_id from intermediate.int_sellers "
        "where hundredth_ordered_at is not null and seller_id <> ?) order by seller_id limit 1",
        [seller],
    ).fetchone()
    last_item, first_at = con.execute(
        "select max_by(order_item_id, ordered_at), min(ordered_at) "
        "from staging.stg_raw__order_items where seller_id = ?", [grower],
    ).fetchone()
    _restate(con, "order_items", last_item, landing / "order_items" / "9999-added.csv",
             order_item_id="OI-ADDED-1", ordered_at=str(first_at - timedelta(days=1)))
    # A third gets a new item, ordered after its 100th order, in its first order:
    # the order stays first, but its load id (and so the seller's) moves.
    keeper, first_order = con.execute(
        "select seller_id, order_id from intermediate.int_seller_early_orders "
        "where order_rank = 1 and seller_id in (select seller_id from intermediate.int_sellers "
        "where hundredth_ordered_at is not null and seller_id not in (?, ?)) "
        "order by seller_id limit 1",
        [seller, grower],
    ).fetchone()
    first_item, last_at = con.execute(
        "select min(order_item_id) filter (where order_id = ?), max(ordered_at) "
        "from staging.stg_raw__order_items where seller_id = ?", [first_order, keeper],
    ).fetchone()
    _restate(con, "order_items", first_item, landing / "order_items" / "9999-added-late.csv",
             order_item_id="OI-ADDED-2", ordered_at=str(last_at + timedelta(hours=1)))
    (mover,) = con.execute(
        "select seller_id from staging.stg_raw__sellers where country = 'NL' "
        "order by seller_id desc limit 1"
    ).fetchone()
    _restate(con, "sellers", mover, landing / "sellers" / "9999-moved.csv", country="BE")
    con.close()
    land_directory(landing, warehouse)
    build_weeks(warehouse, last, last)
    weekly = _tables(warehouse, ("staging", "intermediate"))

    full = tmp_path / "full.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("checkpoint")  # dbt's connection in this process may hold a WAL
    con.close()
    shutil.copy(warehouse, full)
    build_weeks(full, None, last, full_refresh=True)
    rebuilt = _tables(full, ("staging", "intermediate"))

    assert sorted(weekly) == sorted(rebuilt) and len(weekly) >= 12
    for table, rows in rebuilt.items():
        if table in WINDOWED:
            # Rebuilt per week window: the weekly run recomputes its week only
            # (a correction of a finalised week shows when that week is re-run).
            rows = [r for r in rows if last in r]
            assert rows and [r for r in weekly[table] if last in r] == rows, table
        else:
            assert weekly[table] == rows, table
    for table in (
        "main.fct_seller_week_indicator_counts",
        "main.fct_seller_week_reviews",
        "main.fct_seller_week_spine",
        "marts.seller_week_indicators",
    ):
        this_week = f"select {DATA_COLUMNS} from {table} where week_start = ? order by all"
        assert _query(warehouse, this_week, last) == _query(full, this_week, last), table
    con = duckdb.connect(str(warehouse))
    got = dict(con.execute(
        "select order_item_id, quantity from staging.stg_raw__order_items "
        "where order_item_id in (?, ?)", [loser, winner]
    ).fetchall())
    con.close()
    assert got[winner] == 98 and got[loser] != 97
    # The restatements reached the rules that depend on them.
    con = duckdb.connect(str(warehouse))
    moved_hundredth = con.execute(
        "select hundredth_ordered_at from intermediate.int_sellers where seller_id = ?", [seller]
    ).fetchone()[0]
    grown_hundredth = con.execute(
        "select hundredth_ordered_at from intermediate.int_sellers where seller_id = ?", [grower]
    ).fetchone()[0]
    (kept_load,) = con.execute(
        "select _load_id from intermediate.int_seller_early_orders "
        "where seller_id = ? and order_id = ?", [keeper, first_order],
    ).fetchone()
    (added_load,) = con.execute(
        "select _load_id from staging.stg_raw__order_items where order_item_id = 'OI-ADDED-2'"
    ).fetchone()
    countries = {
        r[0] for r in con.execute(
            "select distinct country from intermediate.int_order_items_measured "
            "where seller_id = ?", [mover]
        ).fetchall()
    }
    con.close()
    assert moved_hundredth > hundredth and countries == {"BE"}
    assert grown_hundredth == ninety_ninth and kept_load == added_load


def test_re_running_a_past_week_also_refreshes_the_six_week_scores_that_pool_it(
    tmp_path: Path,
) -> None:
    """Marts rebuilt per week window: re-running week W replaces W's weekly rows and
    the six-week scores of W ... W+5, exactly as rebuilding every week from the
    stored weekly facts would."""
    landing = tmp_path / "landing"
    warehouse = tmp_path / "w.duckdb"
    generate(landing, sellers=20, weeks=WEEKS, start_week=START, seed=5)
    last = parse_iso_week(START) + timedelta(weeks=WEEKS - 1)
    past = last - timedelta(weeks=3)
    # Weeks up to `past` are built before a correction of `past` lands.
    held = tmp_path / "held"
    for week in range(WEEKS - 3, WEEKS):
        hold_back_week(landing, held, iso_week_key(parse_iso_week(START) + timedelta(weeks=week)))
    land_directory(landing, warehouse)
    build_weeks(warehouse, None, last, full_refresh=True)
    release_held(held, landing)
    con = duckdb.connect(str(warehouse))
    # Every FBR item promised in `past` turns out to be cancelled by its seller.
    con.execute(
        f"copy (select order_item_id, '{past}T12:00:00Z' as cancelled_at, "
        "'SELLER' as initiated_by, 'OUT_OF_STOCK' as reason_code "
        "from staging.stg_raw__order_items "
        "where fulfilment_method = 'FBR' and promise_date >= ? and promise_date < ? + 7) "
        f"to '{landing / 'cancellations' / '9999-late.csv'}' (header)",
        [past, past],
    )
    con.close()
    land_directory(landing, warehouse)
    scores = "select * from marts.seller_six_week_scores where week_start > ? order by all"
    # Rebuilt from the re-run week on: every later week carries the trajectory state.
    carried = [
        f"select {DATA_COLUMNS} from {table} order by all"
        for table in (
            "main.fct_seller_week_spine",
            "marts.seller_trajectory_weeks",
            "marts.seller_notifications",
            "marts.platform_week_summary",
        )
    ]
    later_actions = (
        "select * from marts.seller_trajectory_weeks where week_start > ? order by all"
    )
    before = _query(warehouse, scores, past)
    actions_before = _query(warehouse, later_actions, past)
    build_weeks(warehouse, past, past, last_finalised=last)
    after = _query(warehouse, scores, past)
    assert after != before  # the later weeks' pools saw the corrected week
    assert _query(warehouse, later_actions, past) != actions_before  # and their trajectories
    carried_after = [_query(warehouse, sql) for sql in carried]
    # The same as rebuilding every week's marts from the stored weekly facts.
    from orchestration.dbt_runner import run_dbt
    from orchestration.weeks import week_window_vars

    run_dbt("build", "--select", "marts", "fct_seller_week_spine", warehouse=warehouse,
            vars=week_window_vars(None, last))
    assert _query(warehouse, scores, past) == after
    for sql, rows in zip(carried, carried_after, strict=True):
        assert rows and _query(warehouse, sql) == rows, sql


def test_a_week_after_the_window_is_not_measured_by_any_mart(tmp_path: Path) -> None:
    """A Wednesday run measures up to its week; the reviews already landed for the
    week in progress make no spine week, six-week score or summary row of it."""
    landing = tmp_path / "landing"
    warehouse = tmp_path / "w.duckdb"
    generate(landing, sellers=10, weeks=4, start_week=START, seed=8)
    in_progress = parse_iso_week(START) + timedelta(weeks=3)
    land_directory(landing, warehouse)
    assert _query(
        warehouse, "select count(*) from raw.reviews where submitted_at >= ?", in_progress
    )[0][0] > 0
    build_weeks(warehouse, None, in_progress - timedelta(weeks=1), full_refresh=True)
    measured = in_progress - timedelta(weeks=1)
    for table in (
        "main.fct_platform_weeks",
        "main.fct_seller_week_spine",
        "main.fct_seller_week_reviews",
        "marts.seller_week_indicators",
        "marts.seller_six_week_scores",
        "marts.seller_trajectory_weeks",
        "marts.platform_week_summary",
    ):
        assert _query(warehouse, f"select max(week_start) from {table}") == [(measured,)], table


def test_a_weekly_run_that_finds_a_trajectory_table_missing_builds_every_week(
    demo_warehouse: Path, tmp_path: Path
) -> None:
    """The models rebuilt from the window on take their state from the whole
    history: built from nothing in a weekly run (a new or dropped table), they
    hold every week, as a full build does."""
    # The session's demo warehouse, built in full up to its last week: a copy.
    warehouse = built_copy(demo_warehouse, tmp_path / "w.duckdb")
    last = DEMO_LAST_WEEK
    tables = ("main.fct_seller_week_spine", "marts.seller_trajectory_weeks",
              "marts.seller_notifications", "marts.platform_week_summary")
    full = {t: _query(warehouse, f"select {DATA_COLUMNS} from {t} order by all") for t in tables}
    con = duckdb.connect(str(warehouse))
    for table in tables:
        con.execute(f"drop table {table}")
    con.close()
    build_weeks(warehouse, last, last)
    for table in tables:
        rows = _query(warehouse, f"select {DATA_COLUMNS} from {table} order by all")
        assert rows == full[table], table
    assert len({r[1] for r in full["main.fct_seller_week_spine"]}) > 1
