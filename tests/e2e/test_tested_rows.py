"""What a run's data tests read: the rows it wrote (dbt_project.yml, `data_tests`).

Every staging, intermediate and fact row carries `_invocation_id`, the dbt
invocation that wrote it; the tests of a `dbt build` read the rows of their own
invocation (macros/overrides/get_where_subquery.sql). A weekly build writes the
week window and the changed keys, a full build every row; a `dbt test` on its
own wrote nothing and reads every row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_runner import DbtError, run_dbt
from orchestration.generator import generate
from orchestration.ingest.landing import land_directory
from orchestration.pipeline import build_weeks
from orchestration.weeks import parse_iso_week

START = "2025-W40"
LAST = parse_iso_week("2025-W43")
INTERNAL_SCHEMAS = ("staging", "intermediate", "main")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tested_rows")
    generate(root / "landing", sellers=8, weeks=4, start_week=START, seed=11)
    land_directory(root / "landing", root / "w.duckdb")
    build_weeks(root / "w.duckdb", None, LAST, full_refresh=True)
    return root / "w.duckdb"


def _execute(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _invocations(warehouse: Path) -> set[str]:
    """Every `_invocation_id` of the staging, intermediate and fact tables."""
    tables = _execute(
        warehouse,
        "select schema_name || '.' || table_name from duckdb_tables() where schema_name in "
        f"({', '.join(repr(s) for s in INTERNAL_SCHEMAS)})",
    )
    assert len(tables) > 20
    ids: set[str] = set()
    for (table,) in tables:
        rows = _execute(warehouse, f"select distinct _invocation_id from {table}")
        ids |= {row[0] for row in rows}
    return ids


def _duplicate_an_old_order_item(warehouse: Path) -> str:
    """A second copy of a staged order item, stamped by the build that wrote it."""
    (item,) = _execute(warehouse, "select min(order_item_id) from raw.cancellations")[0]
    _execute(warehouse, "insert into staging.stg_raw__order_items (select * from "
                        f"staging.stg_raw__order_items where order_item_id = '{item}')")
    return item


def test_a_full_build_writes_and_so_tests_every_row_in_one_invocation(built: Path) -> None:
    assert len(_invocations(built)) == 1


def test_a_weekly_build_does_not_read_an_older_duplicate_but_a_dbt_test_does(
    built: Path,
) -> None:
    _duplicate_an_old_order_item(built)
    # The week's build writes its window and no order item: its tests do not
    # read the duplicate, written before it...
    build_weeks(built, LAST, LAST)
    assert len(_invocations(built)) == 2
    # ...which a test of every row finds.
    with pytest.raises(DbtError, match="unique_stg_raw__order_items_order_item_id"):
        run_dbt("test", "--select", "stg_raw__order_items", warehouse=built)


def test_a_weekly_build_catches_a_duplicate_it_wrote(built: Path) -> None:
    # The staged item twice, and a cancellation of it landed again: the weekly
    # build measures the item anew and writes it twice (from both staged rows).
    item = _duplicate_an_old_order_item(built)
    _execute(built, "insert into raw.cancellations (select * replace (_load_id + 1000 as "
                    f"_load_id) from raw.cancellations where order_item_id = '{item}')")
    with pytest.raises(DbtError, match="unique_int_order_items_measured_order_item_id") as failed:
        build_weeks(built, LAST, LAST)
    # The older duplicate it read is not what failed the build.
    assert "unique_stg_raw__order_items_order_item_id" not in str(failed.value)
