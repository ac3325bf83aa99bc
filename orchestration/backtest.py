"""The strike-risk backtest of `marts.seller_outlook` (docs/metrics.md).

`analyses/seller_outlook_backtest.sql` computes the outlook as of every measured
week but the last, with the rules of the mart (macros/rules/outlook.sql), and ranks
each seller's risk of a strike week against whether the next week was one.
dbt compiles it; DuckDB runs it read-only on a built warehouse.

    python -m orchestration.backtest --warehouse warehouse/servicenorms.duckdb
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from orchestration.dbt_runner import DbtError, dbt_args

ANALYSIS = "seller_outlook_backtest"


@dataclass(frozen=True)
class Backtest:
    weeks: int
    seller_weeks: int
    strikes: int
    expected_strikes: float
    auc: float | None
    precision_at_k: float | None
    mean_risk_of_strikers: float | None
    mean_risk_of_others: float | None


def compiled_backtest(warehouse: Path) -> str:
    """The backtest's SQL, compiled by dbt against `warehouse`."""
    from dbt.cli.main import dbtRunner

    os.environ["SERVICENORMS_WAREHOUSE"] = str(Path(warehouse).resolve())
    with contextlib.redirect_stdout(io.StringIO()):  # compile prints the SQL
        result = dbtRunner().invoke(
            ["--quiet", "--no-use-colors", *dbt_args("compile", "--select", ANALYSIS)]
        )
    if not result.success or result.result is None:
        raise DbtError(f"dbt compile of {ANALYSIS} failed: {result.exception}")
    (node,) = [r.node for r in result.result.results if r.node.name == ANALYSIS]
    return node.compiled_code


def run_backtest(warehouse: Path) -> Backtest:
    """The backtest's figures on a built warehouse."""
    sql = compiled_backtest(warehouse)
    # Read-write like dbt's connection in this process, which DuckDB requires;
    # the query only reads.
    con = duckdb.connect(str(warehouse))
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
    finally:
        con.close()
    return Backtest(**{k: (float(v) if isinstance(v, float) else v) for k, v in row.items()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="a built warehouse")
    args = parser.parse_args(argv)
    for name, value in asdict(run_backtest(args.warehouse)).items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
