"""SPEC §12 through staging: landed files (tests/unit/test_landing.py) built by
dbt's staging model, in a weekly build and in a full rebuild."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from landing_files import SELLERS_CSV, write, write_landing

from orchestration.ingest.landing import land_directory


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return write_landing(tmp_path / "landing")


def test_a_file_landed_again_under_its_path_wins_over_its_earlier_loads(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC §12: the latest load wins. A file delivered again under the same path
    with corrected content sorts with itself: its newest load wins, whatever the
    order the versions are scanned in."""
    from orchestration.dbt_runner import run_dbt
    from orchestration.ingest import landing as landing_module

    monkeypatch.setattr(landing_module, "SETTLED_NS", 0)
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)
    path = landing / "sellers" / "2026-W01.csv"
    for version in ("v2", "v3"):
        path.write_text(SELLERS_CSV.replace("Shop One", f"Shop One {version}"), encoding="utf-8")
        assert land_directory(landing, warehouse).loaded == 1
    run_dbt("run", "--select", "stg_raw__sellers", warehouse=warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        names = con.execute(
            "select display_name from staging.stg_raw__sellers where seller_id = 'S1'"
        ).fetchall()
    finally:
        con.close()
    assert names == [("Shop One v3",)]


def test_a_weekly_staging_build_applies_the_rule_to_the_keys_it_re_ranks(
    tmp_path: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC §12 in incremental builds, which re-rank only the keys with a version
    landed since the last build: a file whose path sorts first loses to the
    version on record, the same path landed again wins, a file whose path sorts
    last wins (for the one key it holds); a full rebuild gives the same rows."""
    from orchestration.dbt_runner import run_dbt
    from orchestration.ingest import landing as landing_module

    monkeypatch.setattr(landing_module, "SETTLED_NS", 0)
    warehouse = tmp_path / "w.duckdb"
    land_directory(landing, warehouse)
    run_dbt("run", "--select", "stg_raw__sellers", warehouse=warehouse)

    def staged() -> list[tuple]:
        con = duckdb.connect(str(warehouse))
        try:
            return con.execute(
                "select seller_id, display_name, country from staging.stg_raw__sellers order by 1"
            ).fetchall()
        finally:
            con.close()

    def land_and_build(relative: str, csv_text: str) -> list[tuple]:
        write(landing / relative, csv_text)
        assert land_directory(landing, warehouse).loaded == 1
        run_dbt("run", "--select", "stg_raw__sellers", warehouse=warehouse)
        return staged()

    early = SELLERS_CSV.replace("Shop One", "Shop One early").replace(",BE,", ",DE,")
    assert land_and_build("sellers/0000-early.csv", early) == [
        ("S1", "Shop One", "NL"), ("S2", None, "BE")
    ]
    again = SELLERS_CSV.replace("Shop One", "Shop One v2")
    assert land_and_build("sellers/2026-W01.csv", again)[0] == ("S1", "Shop One v2", "NL")
    # One key only: the other keeps the row of the file on record.
    late = "seller_id,display_name,country,registered_at\nS2,Shop Two,BE,2025-02-01 08:00:00\n"
    assert land_and_build("sellers/9999-late.csv", late) == [
        ("S1", "Shop One v2", "NL"), ("S2", "Shop Two", "BE")
    ]
    # The early file landed again under its path still sorts first.
    assert land_and_build("sellers/0000-early.csv", early.replace("early", "earlier")) == [
        ("S1", "Shop One v2", "NL"), ("S2", "Shop Two", "BE")
    ]
    weekly = staged()
    run_dbt("run", "--select", "stg_raw__sellers", "--full-refresh", warehouse=warehouse)
    assert staged() == weekly
