"""A weekly run's data tests read the rows the run wrote (macros/tested_rows.sql):
the keys above each keyed model's watermark before the run, and the week window of
the models rebuilt per window. A full build, or a test without the vars, reads
every row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_runner import DbtError, run_dbt
from orchestration.generator import generate
from orchestration.ingest.landing import land_directory
from orchestration.pipeline import build_weeks
from orchestration.tested_rows import keyed_incremental_models, keyed_model_watermarks
from orchestration.weeks import parse_iso_week, week_window_vars

START = "2025-W40"
LAST = parse_iso_week("2025-W43")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tested_rows")
    generate(root / "landing", sellers=8, weeks=4, start_week=START, seed=11)
    land_directory(root / "landing", root / "w.duckdb")
    # A full build with a thread count of its own (dbt takes `--threads`).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVICENORMS_DBT_FULL_BUILD_THREADS", "1")
        build_weeks(root / "w.duckdb", None, LAST, full_refresh=True)
    return root / "w.duckdb"


def _execute(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _test(warehouse: Path, model: str, vars: dict) -> None:
    run_dbt("test", "--select", model, warehouse=warehouse, vars=vars)


def test_the_keyed_models_and_their_watermarks(built: Path) -> None:
    models = keyed_incremental_models(Path("target/manifest.json"))
    keyed = {"stg_raw__order_items", "int_order_items_measured", "int_seller_early_orders"}
    assert keyed <= set(models)
    assert "int_sellers" not in models  # a table rebuilt every run
    assert "fct_seller_week_indicator_counts" not in models  # rebuilt per week window
    watermarks = keyed_model_watermarks(built)
    assert set(watermarks) == set(models)
    (highest,) = _execute(built, "select max(_load_id) from staging.stg_raw__order_items")[0]
    assert watermarks["stg_raw__order_items"] == highest


def test_keyed_model_tests_read_the_rows_above_the_watermark(built: Path) -> None:
    watermark = keyed_model_watermarks(built)["stg_raw__order_items"]
    since = {"watermarks_before_run": {"stg_raw__order_items": watermark}}
    # A duplicate among rows written before the run is not read again...
    _execute(built, "insert into staging.stg_raw__order_items "
                    "(select * from staging.stg_raw__order_items order by order_item_id limit 1)")
    _test(built, "stg_raw__order_items", since)
    # ...but every row is read without the var (a full build),
    with pytest.raises(DbtError, match="unique_stg_raw__order_items_order_item_id"):
        _test(built, "stg_raw__order_items", {})
    # and a duplicate among the rows the run wrote fails the weekly test.
    _execute(built, "insert into staging.stg_raw__order_items "
                    "(select * replace (_load_id + 1000 as _load_id) "
                    "from staging.stg_raw__order_items order by order_item_id desc limit 2)")
    _execute(built, "update staging.stg_raw__order_items set order_item_id = "
                    "(select max(order_item_id) from staging.stg_raw__order_items) "
                    f"where _load_id > {watermark}")
    with pytest.raises(DbtError, match="unique_stg_raw__order_items_order_item_id"):
        _test(built, "stg_raw__order_items", since)


def test_week_window_model_tests_read_the_window(built: Path) -> None:
    earlier = date.fromordinal(LAST.toordinal() - 14)
    _execute(built, "insert into main.fct_seller_week_reviews (select * from "
                    f"main.fct_seller_week_reviews where week_start = '{earlier}' limit 1)")
    model = "fct_seller_week_reviews"
    _test(built, model, week_window_vars(LAST, LAST))
    with pytest.raises(DbtError, match="unique_combination"):
        _test(built, model, week_window_vars(earlier, LAST))
    with pytest.raises(DbtError, match="unique_combination"):
        _test(built, model, {})


def test_keyed_models_start_from_the_watermarks_given_for_the_run(built: Path) -> None:
    # A later version of one seller, with a load id above every other.
    (seller,) = _execute(built, "select min(seller_id) from raw.sellers")[0]
    _execute(built, "insert into raw.sellers (select * replace (_load_id + 1000 as _load_id, "
                    "'zzz/later.csv' as _source_file, 'Renamed' as display_name) "
                    f"from raw.sellers where seller_id = '{seller}' limit 1)")
    (newest,) = _execute(built, "select max(_load_id) from raw.sellers")[0]
    name = f"select display_name from staging.stg_raw__sellers where seller_id = '{seller}'"
    # Given as the watermark before the run, the model takes it as already built
    # (it does not read its table's maximum)...
    run_dbt("run", "--select", "stg_raw__sellers", warehouse=built,
            vars={"watermarks_before_run": {"stg_raw__sellers": newest}})
    assert _execute(built, name) != [("Renamed",)]
    # ...and without it reads its table's maximum, below the new version.
    run_dbt("run", "--select", "stg_raw__sellers", warehouse=built)
    assert _execute(built, name) == [("Renamed",)]


def test_watermarks_read_from_the_last_bound_are_exact(built: Path) -> None:
    first = keyed_model_watermarks(built)
    stored = _execute(built, "select model, load_id from audit.keyed_model_watermarks")
    assert dict(stored) == first
    # A bound above every row (a table rebuilt with lower load ids): the whole table is read.
    _execute(built, "update audit.keyed_model_watermarks set load_id = load_id + 1000000")
    assert keyed_model_watermarks(built) == first
    # A bound below every row reads every row, to the same maximum.
    _execute(built, "update audit.keyed_model_watermarks set load_id = 0")
    assert keyed_model_watermarks(built) == first


def test_no_watermarks_before_the_first_build(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    assert keyed_model_watermarks(tmp_path / "empty.duckdb") == {}
