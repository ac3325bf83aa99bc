"""The performance floors, and their comparison with the marts.

`bench/floor.sql` computes the whole of `seller_week_indicators` for every week in
one hand-written DuckDB script, straight from the raw tables and the reference
seeds. It is the least work the warehouse can do for that table (a floor for the
full build's runtime) and an independent implementation of the SPEC (a cross-check
of its numbers).

`bench/weekly_floor.sql` does the same for one week W: W's `seller_week_indicators`
and `seller_six_week_scores`, reading only the history W needs (a floor for the
Wednesday run).

Both count the events `bench/floor_events.sql` defines, once for both: the scripts are
Jinja templates, rendered with `week` (None for the full floor: every row, every week).
"""

from __future__ import annotations

import os
import re
import time
from datetime import date
from pathlib import Path
from typing import TextIO

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined

BENCH = Path(__file__).resolve().parent
FLOOR_SQL = BENCH / "floor.sql"
WEEKLY_FLOOR_SQL = BENCH / "weekly_floor.sql"

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
SIX_WEEK_EXACT_COLUMNS = (
    "numerator_6w",
    "denominator_6w",
    "norm_condition",
    "conforms_6w",
    "colour",
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
    return _run_script(warehouse_path, render(FLOOR_SQL, None), log)


def run_weekly_floor(
    warehouse_path: str | Path, week_start: date, log: TextIO | None = None
) -> float:
    """Build `floor.week_seller_week_indicators` and `floor.week_seller_six_week_scores`
    for the week starting on `week_start` (a Monday); return the seconds it took."""
    if week_start.isoweekday() != 1:
        raise ValueError(f"the weekly floor needs a week's Monday, not {week_start}")
    return _run_script(warehouse_path, render(WEEKLY_FLOOR_SQL, week_start), log)


def render(script: Path, week_start: date | None) -> str:
    """The floor script `script` (a Jinja template in bench/) for the week starting on
    `week_start`, or for every week (None)."""
    env = Environment(
        loader=FileSystemLoader(BENCH),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    week = week_start.isoformat() if week_start is not None else None
    return env.get_template(script.name).render(week=week)


def _run_script(warehouse_path: str | Path, script: str, log: TextIO | None) -> float:
    con = duckdb.connect(str(warehouse_path))
    try:
        # The same memory bound as the pipeline, so the two are compared fairly.
        limit = os.environ.get("SERVICENORMS_MEMORY_LIMIT", "8GB").replace("'", "")
        con.execute(f"set memory_limit = '{limit}'")
        started = time.perf_counter()
        for statement in floor_statements(script):
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
    return _compare(
        con,
        "floor.seller_week_indicators",
        "marts.seller_week_indicators",
        EXACT_COLUMNS,
        ("norm_value",),
    )


def compare_week_to_marts(con: duckdb.DuckDBPyConnection, week_start: date) -> list[str]:
    """Differences between the weekly floor's two tables and the marts' rows of that week,
    as `compare_to_marts` reports them (the table named first)."""
    week = f"week_start = DATE '{week_start.isoformat()}'"
    out = [
        f"seller_week_indicators: {line}"
        for line in _compare(
            con,
            "floor.week_seller_week_indicators",
            "marts.seller_week_indicators",
            EXACT_COLUMNS,
            ("norm_value",),
            week,
        )
    ]
    out += [
        f"seller_six_week_scores: {line}"
        for line in _compare(
            con,
            "floor.week_seller_six_week_scores",
            "marts.seller_six_week_scores",
            SIX_WEEK_EXACT_COLUMNS,
            ("value_6w", "norm_value"),
            week,
        )
    ]
    return out


def _compare(
    con: duckdb.DuckDBPyConnection,
    floor_table: str,
    marts_table: str,
    exact: tuple[str, ...],
    approximate: tuple[str, ...],
    where: str = "true",
) -> list[str]:
    """Rows missing on either side, then each differing column (`approximate` ones
    within NORM_TOLERANCE), of `floor_table` against `marts_table` restricted by `where`."""
    sides = {
        "floor": f"(select * from {floor_table} where {where})",
        "marts": f"(select * from {marts_table} where {where})",
    }
    join = " and ".join(f"f.{k} = m.{k}" for k in KEY)
    out: list[str] = []

    for name, other in (("floor", "marts"), ("marts", "floor")):
        missing = f"""
            from {sides[name]} l
            where not exists (select 1 from {sides[other]} r
                              where {" and ".join(f"l.{k} = r.{k}" for k in KEY)})
        """
        (count,) = con.execute(f"select count(*) {missing}").fetchone()
        if count:
            examples = con.execute(
                f"select {', '.join('l.' + k for k in KEY)} {missing} order by all limit {EXAMPLES}"
            ).fetchall()
            out.append(
                f"{count} row(s) only in {name} (missing from {other}); e.g. "
                + "; ".join(f"({_fmt(r)})" for r in examples)
            )

    checks = [(c, f"f.{c} is distinct from m.{c}") for c in exact]
    checks += [
        (
            c,
            f"(f.{c} is null) <> (m.{c} is null) or abs(f.{c} - m.{c}) >= {NORM_TOLERANCE}",
        )
        for c in approximate
    ]
    for column, predicate in checks:
        body = f"from {sides['floor']} f join {sides['marts']} m on {join} where {predicate}"
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
