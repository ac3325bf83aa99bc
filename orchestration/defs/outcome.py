"""What an operator wants to see of a week without writing SQL: asset metadata."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from dagster import MetadataValue

from orchestration.ingest.contract import WEEKLY_INDICATORS
from orchestration.weeks import iso_week_key, week_start_of

INDICATORS = WEEKLY_INDICATORS


def _present(con: duckdb.DuckDBPyConnection, schema: str, tables: list[str]) -> list[str]:
    # Views too: Spark's tables are views over their Parquet (orchestration/spark_catalog.py).
    names = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = $1 "
            "union all select view_name from duckdb_views() where schema_name = $1",
            [schema],
        ).fetchall()
    }
    return [t for t in tables if t in names]


def existing_tables(warehouse: Path, schema: str, tables: list[str]) -> list[str]:
    """Those of `tables` that exist in `schema` (without counting their rows)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return _present(con, schema, tables)
    finally:
        con.close()


def table_row_counts(warehouse: Path, schema: str, tables: list[str]) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            t: con.execute(f'select count(*) from "{schema}"."{t}"').fetchone()[0]
            for t in _present(con, schema, tables)
        }
    finally:
        con.close()


def _fmt_share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def week_outcome_metadata(warehouse: Path, week: date | None) -> dict[str, object]:
    """This week's sellers, strikes and actions, and share conforming per indicator.

    `week=None` reports the latest week in `marts.platform_week_summary`.
    """
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        shares = ", ".join(f"share_conforming_{i.lower()}" for i in INDICATORS)
        row = con.execute(
            f"""
            select week_start, sellers_measured, breaches, strikes, mail_actions,
                   temporary_closures, final_warnings, definitive_closures, {shares}
            from marts.platform_week_summary
            where week_start = coalesce(
                ?::date, (select max(week_start) from marts.platform_week_summary)
            )
            """,
            [week],
        ).fetchone()
    finally:
        con.close()
    if row is None:
        return {"week": MetadataValue.text("no measured week")}
    week_start, sellers, breaches, strikes, mails, temp, final, closed = row[:8]
    share_rows = "\n".join(
        f"| {name} | {_fmt_share(value)} |" for name, value in zip(INDICATORS, row[8:], strict=True)
    )
    label = iso_week_key(week_start)
    summary = (
        f"**{label}** (week of {week_start}): {sellers} sellers measured, {breaches} breaches, "
        f"{strikes} strike weeks.\n\n"
        "| action | sellers |\n|---|---|\n"
        f"| MAIL | {mails} |\n| TEMPORARY_CLOSURE | {temp} |\n"
        f"| FINAL_WARNING | {final} |\n| DEFINITIVE_CLOSURE | {closed} |\n\n"
        "| indicator | share conforming |\n|---|---|\n" + share_rows
    )
    return {
        "week": MetadataValue.text(label),
        "sellers_measured": MetadataValue.int(int(sellers)),
        "strikes": MetadataValue.int(int(strikes)),
        "mail_actions": MetadataValue.int(int(mails)),
        "temporary_closures": MetadataValue.int(int(temp)),
        "final_warnings": MetadataValue.int(int(final)),
        "definitive_closures": MetadataValue.int(int(closed)),
        "week_outcome": MetadataValue.md(summary),
    }


def circumstances_in_window(warehouse: Path, first: date, last: date) -> list[tuple]:
    """Active circumstances overlapping the weeks [first, last].

    Rows are (id, effect, starts_on, ends_on, indicators)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            """
            select circumstance_id, effect, starts_on, ends_on, indicators
            from staging.stg_raw__mitigating_circumstances
            where not is_withdrawn and starts_on < ?::date + 7 and ends_on >= ?::date
            order by starts_on, circumstance_id
            """,
            [last, first],
        ).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()


def circumstances_markdown(rows: list[tuple]) -> str:
    if not rows:
        return "No mitigating circumstance overlaps these weeks."
    lines = ["| circumstance | effect | weeks | indicators |", "|---|---|---|---|"]
    for cid, effect, starts, ends, indicators in rows:
        first, last = iso_week_key(week_start_of(starts)), iso_week_key(week_start_of(ends))
        span = first if first == last else f"{first}..{last}"
        lines.append(f"| {cid} | {effect} | {span} | {indicators.replace('|', ', ')} |")
    return "\n".join(lines)
