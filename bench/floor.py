"""The performance floor for `seller_week_indicators`, and a comparison with the marts.

`bench/floor.sql` computes the whole of `seller_week_indicators` for every week in
one hand-written DuckDB script, straight from the raw tables and the reference
seeds. It is the least work the warehouse can do for that table (a floor for the
pipeline's runtime) and an independent implementation of the SPEC (a cross-check
of its numbers).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import TextIO

import duckdb

FLOOR_SQL = Path(__file__).with_name("floor.sql")

KEY = ("seller_id", "week_start", "indicator")
EXACT_COLUMNS = (
    "numerator",
    "denominator",
    "conforms",
    "incident_count",
    "is_breach",
    "is_strike",
    "neutralised",
)
NORM_TOLERANCE = 1e-9
EXAMPLES = 5


def floor_statements(sql: str) -> list[str]:
    """The script's statements (it has no `;` inside literals or comments mid-line)."""
    parts = re.split(r";[ \t]*(?:--[^\n]*)?\n", sql + "\n")
    return [p.strip() for p in parts if _without_comments(p).strip()]


def _without_comments(statement: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in statement.splitlines())


def run_floor(warehouse_path: str | Path, log: TextIO | None = None) -> float:
    """Build `floor.seller_week_indicators` in the warehouse; return the seconds it took.

    Statements run one by one on one connection; with `log`, each one's seconds
    are written to it (the floor's own profile)."""
    con = duckdb.connect(str(warehouse_path))
    try:
        # The same memory bound as the pipeline, so the two are compared fairly.
        limit = os.environ.get("SERVICENORMS_MEMORY_LIMIT", "8GB").replace("'", "")
        con.execute(f"set memory_limit = '{limit}'")
        started = time.perf_counter()
        for statement in floor_statements(FLOOR_SQL.read_text()):
            began = time.perf_counter()
            con.execute(statement)
            if log is not None:
                head = " ".join(_without_comments(statement).split())[:70]
                print(f"floor {time.perf_counter() - began:8.1f}s  {head}", file=log, flush=True)
        return time.perf_counter() - started
    finally:
        con.close()


def _fmt(row: tuple) -> str:
    return ", ".join(str(v) for v in row)


def compare_to_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Differences between `floor.seller_week_indicators` and `marts.seller_week_indicators`.

    Rows are matched on (seller_id, week_start, indicator). Returns one line per kind
    of difference (rows missing on either side, or a differing column) with a count
    and a few examples; an empty list means the two tables agree.
    """
    join = " and ".join(f"f.{k} = m.{k}" for k in KEY)
    out: list[str] = []

    for name, left, right in (("floor", "floor", "marts"), ("marts", "marts", "floor")):
        missing = f"""
            from {left}.seller_week_indicators l
            where not exists (select 1 from {right}.seller_week_indicators r
                              where {" and ".join(f"l.{k} = r.{k}" for k in KEY)})
        """
        (count,) = con.execute(f"select count(*) {missing}").fetchone()
        if count:
            examples = con.execute(
                f"select {', '.join('l.' + k for k in KEY)}, l.numerator, l.denominator {missing} "
                f"order by all limit {EXAMPLES}"
            ).fetchall()
            other = "marts" if name == "floor" else "floor"
            out.append(
                f"{count} row(s) only in {name} (missing from {other}); e.g. "
                + "; ".join(f"({_fmt(r)})" for r in examples)
            )

    checks = [(c, f"f.{c} is distinct from m.{c}") for c in EXACT_COLUMNS]
    checks.append(
        (
            "norm_value",
            "(f.norm_value is null) <> (m.norm_value is null)"
            f" or abs(f.norm_value - m.norm_value) >= {NORM_TOLERANCE}",
        )
    )
    for column, predicate in checks:
        body = (
            "from floor.seller_week_indicators f join marts.seller_week_indicators m"
            f" on {join} where {predicate}"
        )
        (count,) = con.execute(f"select count(*) {body}").fetchone()
        if count:
            examples = con.execute(
                f"select {', '.join('f.' + k for k in KEY)}, f.{column}, m.{column} {body} "
                f"order by all limit {EXAMPLES}"
            ).fetchall()
            out.append(
                f"{column} differs in {count} row(s) (key: floor vs marts); e.g. "
                + "; ".join(f"({_fmt(r[:3])}: {r[3]} vs {r[4]})" for r in examples)
            )
    return out
