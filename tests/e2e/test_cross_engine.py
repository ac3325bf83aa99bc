"""The same landed data built by `servicenorms run --engine duckdb` and `--engine spark`
publishes the same marts: every table, column and type, and every row (exact on keys,
counts and flags; floating-point values to 1e-9).

One generated scenario (20 sellers, 8 weeks, with a mitigating circumstance and its
withdrawal) runs once per engine for the whole module: Spark's start-up is a fixed
cost. The last two tests continue that scenario on both engines, in this order: the
last week run again after a circumstance empties it, then the week in progress
measured later (`servicenorms progress`). Each command runs on both engines at once,
in two `servicenorms` processes: Spark's run is latency-bound (a session start per
dbt step, seconds per model), so DuckDB's costs no wall time beside it. Skips,
saying why, where PySpark, dbt-spark or Java is missing.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.resources import FIRST_WEEK_ENV
from orchestration.engines import ENGINES, raw_parquet_dir, spark_unavailable

SELLERS, WEEKS, FIRST_WEEK, SEED = 20, 8, "2026-W30", 3
# The Wednesday after the last generated week (2026-W37): every generated week is
# finalised, no later week is built.
AS_OF = "2026-09-16T08:00+02:00"
# Two and a half days later: the week in progress (2026-W38) has more events.
PROGRESS_AS_OF = "2026-09-18T18:00+02:00"
LAST_WEEK = f"2026-W{int(FIRST_WEEK[-2:]) + WEEKS - 1:02d}"
FLOAT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class EngineRun:
    warehouse: Path
    output: str

    @property
    def published(self) -> Path:
        return self.warehouse.parent / "published" / "servicenorms_marts.duckdb"


def _run_both(
    landing: Path, warehouses: tuple[Path, Path], *extra: str, command: str = "run",
    as_of: str = AS_OF,
) -> tuple[EngineRun, EngineRun]:
    """`servicenorms <command>` on the DuckDB and the Spark warehouse at once, each in
    its own process with its own dbt target folder (dbt's parse state is per profile);
    both must succeed."""
    started = []
    for engine, warehouse in zip(ENGINES, warehouses, strict=True):
        args = [command, "--landing", str(landing), "--warehouse", str(warehouse),
                "--as-of", as_of, "--engine", engine, *extra]
        target = Path(os.environ.get("DBT_TARGET_PATH", "target")) / f"cross-engine-{engine}"
        # Files, not pipes: a process blocked on a full pipe would never finish.
        out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        # The partitions start at the generated weeks (tests/cli_runs.py).
        env = {**os.environ, "DBT_TARGET_PATH": str(target), FIRST_WEEK_ENV: FIRST_WEEK}
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", *args], stdout=out, stderr=err, env=env
        )
        started.append((engine, warehouse, process, out, err))
    runs = []
    for engine, warehouse, process, out, err in started:
        code = process.wait()
        out.seek(0), err.seek(0)
        output, errors = out.read(), err.read()
        out.close(), err.close()
        assert code == 0, f"{command} --engine {engine}:\n{output}\n{errors}"
        runs.append(EngineRun(warehouse, output))
    return runs[0], runs[1]


def _landing(run: EngineRun) -> Path:
    """The landing directory both engines' warehouses land from (both_engines)."""
    return run.warehouse.parents[1] / "landing"


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory) -> tuple[EngineRun, EngineRun]:
    reason = spark_unavailable()
    if reason:
        pytest.skip(f"the Spark engine cannot run here: {reason}")
    from orchestration.generator import generate

    root = tmp_path_factory.mktemp("cross-engine")
    landing = root / "landing"
    generate(landing, sellers=SELLERS, weeks=WEEKS, start_week=FIRST_WEEK, seed=SEED)
    return _run_both(
        landing, (root / "duckdb" / "servicenorms.duckdb", root / "spark" / "servicenorms.duckdb")
    )


def _query(database: Path, sql: str) -> list[tuple]:
    """The rows of one query on a DuckDB file opened read-only (a published copy)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _tables(published: Path) -> dict[str, list[tuple[str, str]]]:
    rows = _query(
        published,
        "select table_name, column_name, data_type from duckdb_columns() "
        "where schema_name = 'marts' order by table_name, column_index",
    )
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _rows(published: Path, table: str, columns: list[tuple[str, str]]) -> list[tuple]:
    """The rows in one order that does not depend on the floating-point values:
    by every other column first."""
    exact = [f'"{c}"' for c, t in columns if t not in ("DOUBLE", "FLOAT")]
    floats = [f'"{c}"' for c, t in columns if t in ("DOUBLE", "FLOAT")]
    order = ", ".join([*exact, *floats])
    return _query(published, f'select * from marts."{table}" order by {order}')


def _same_value(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=FLOAT_TOLERANCE)
    return a == b


def test_spark_publishes_every_mart_with_the_columns_and_types_of_duckdb(both_engines) -> None:
    on_duckdb, on_spark = both_engines
    assert on_spark.published.is_file()
    assert _tables(on_spark.published) == _tables(on_duckdb.published)
    assert len(_tables(on_duckdb.published)) >= 10


def _assert_same_marts(on_duckdb: EngineRun, on_spark: EngineRun) -> int:
    """Every row of every mart published by Spark equals DuckDB's; returns the
    number of marts with rows."""
    tables = _tables(on_duckdb.published)
    nonempty = 0
    for table, columns in tables.items():
        expected = _rows(on_duckdb.published, table, columns)
        actual = _rows(on_spark.published, table, columns)
        assert len(actual) == len(expected), f"marts.{table}: row counts differ"
        nonempty += bool(expected)
        names = [c for c, _ in columns]
        for number, (want, got) in enumerate(zip(expected, actual, strict=True)):
            differ = [
                f"{name}: duckdb {w!r}, spark {g!r}"
                for name, w, g in zip(names, want, got, strict=True)
                if not _same_value(w, g)
            ]
            assert not differ, f"marts.{table}, row {number} ({want}): " + "; ".join(differ)
    return nonempty


def test_spark_publishes_every_row_of_every_mart_as_duckdb_does(both_engines) -> None:
    on_duckdb, on_spark = both_engines
    nonempty = _assert_same_marts(on_duckdb, on_spark)
    # The scenario exercises the rules: all but the week in progress have rows.
    assert nonempty >= len(_tables(on_duckdb.published)) - 1


def test_the_run_reports_the_same_weeks_on_both_engines(both_engines) -> None:
    on_duckdb, on_spark = both_engines

    def week_lines(output: str) -> list[str]:
        return [line for line in output.splitlines() if line.startswith("2026-W")]

    assert week_lines(on_spark.output) == week_lines(on_duckdb.output)
    assert len(week_lines(on_duckdb.output)) == WEEKS


def test_spark_reads_one_raw_parquet_file_per_landed_batch(both_engines) -> None:
    on_duckdb, on_spark = both_engines
    loaded = _query(
        on_spark.warehouse,
        "select entity, load_id from raw._batches where status = 'LOADED' order by load_id",
    )
    raw_dir = raw_parquet_dir(on_spark.warehouse)
    files = sorted(p.relative_to(raw_dir).as_posix() for p in raw_dir.glob("*/*.parquet"))
    assert files == sorted(f"{entity}/{load_id:010d}.parquet" for entity, load_id in loaded)
    # DuckDB writes none.
    assert not raw_parquet_dir(on_duckdb.warehouse).exists()


def _count(published: Path, sql: str) -> int:
    return _query(published, sql)[0][0]


def test_a_week_emptied_by_a_circumstance_and_run_again_on_spark_is_empty_as_on_duckdb(
    both_engines,
) -> None:
    """A PLATFORM circumstance that excludes every event of the last week lands, and
    the week is run again on both engines: its counts and incidents have no rows left.
    Spark's week-window tables overwrite their week partitions (docs/spark.md), and a
    week without rows writes none, so the run drops the window's partitions first;
    kept, the old incidents would be published (this test fails). The other tables
    take Spark's incremental path too (the by-key tables are rebuilt:
    docs/decisions/0016): every mart still equals DuckDB's. Runs after the tests
    above, which read the first build."""
    on_duckdb, on_spark = both_engines
    monday = date.fromisocalendar(int(LAST_WEEK[:4]), int(LAST_WEEK[-2:]), 1)
    incidents_of_the_week = (
        f"select count(*) from marts.seller_week_incidents where week_start = '{monday}'"
    )
    assert _count(on_duckdb.published, incidents_of_the_week) > 0
    (_landing(on_duckdb) / "mitigating_circumstances" / "zz-outage.csv").write_text(
        "circumstance_id,starts_on,ends_on,scope,transporter_code,country,indicators,effect,"
        f"description,withdrawn\nMC-OUTAGE,{monday},{monday + timedelta(days=6)},PLATFORM,,"
        "ALL,ALL,EXCLUDE_EVENTS,platform outage,\n"
    )
    duckdb_again, spark_again = _run_both(
        _landing(on_duckdb), (on_duckdb.warehouse, on_spark.warehouse), "--week", LAST_WEEK
    )
    assert _count(duckdb_again.published, incidents_of_the_week) == 0
    assert _assert_same_marts(duckdb_again, spark_again) >= len(_tables(on_duckdb.published)) - 1


def test_the_week_in_progress_measured_later_on_spark_is_duckdb_s(both_engines) -> None:
    """`servicenorms progress` on both warehouses, later in the week in progress:
    the same lines (sellers measured, breaches so far, would-be strikes) and the same
    published marts, the provisional rows measured as of the new moment."""
    on_duckdb, on_spark = both_engines
    duckdb_progress, spark_progress = _run_both(
        _landing(on_duckdb), (on_duckdb.warehouse, on_spark.warehouse),
        command="progress", as_of=PROGRESS_AS_OF,
    )

    def lines(output: str) -> list[str]:
        return [line for line in output.splitlines() if not line.startswith("published:")]

    assert lines(spark_progress.output) == lines(duckdb_progress.output)
    assert any(
        line.startswith("2026-W38 (provisional, as of 2026-09-18 16:00 UTC)")
        for line in lines(duckdb_progress.output)
    ), duckdb_progress.output
    assert _tables(spark_progress.published) == _tables(duckdb_progress.published)
    _assert_same_marts(duckdb_progress, spark_progress)
    as_of = _query(
        spark_progress.published, "select distinct as_of from marts.seller_week_provisional"
    )
    assert as_of == [(datetime.fromisoformat(PROGRESS_AS_OF),)]
