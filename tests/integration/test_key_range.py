"""Key ranges inlined as literals (macros/key_range.sql) bound the scans of the
incremental builds. The range must be exact: a bound read back as the wrong type,
or a quote left unescaped, would silently drop keys from a weekly build."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner

from orchestration.dbt_runner import dbt_args

KEYS = {
    # text that looks like a number (must not come back as 123), with a quote,
    # and text that sorts differently from numbers ('10' < '9')
    "text": "select * from (values ('000123'), ('it''s'), ('10'), ('9')) as t(k)",
    "integer": "select * from (values (10), (9), (-3)) as t(k)",
    "timestamp": (
        "select * from (values (timestamptz '2026-03-29 00:59:59.999999+00'),"
        " (timestamptz '2026-03-29 01:00:00+00')) as t(k)"
    ),
}


def _compile(tmp_path: Path, inline: str) -> str:
    import os

    os.environ["SERVICENORMS_WAREHOUSE"] = str(tmp_path / "compile.duckdb")
    result = dbtRunner().invoke(
        ["--quiet", *dbt_args("compile", "--inline", inline, "--no-populate-cache")]
    )
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def test_a_key_range_keeps_every_key_of_its_query_and_nothing_outside(tmp_path: Path) -> None:
    con = duckdb.connect()
    for name, keys in KEYS.items():
        kept = _compile(
            tmp_path,
            f"select count(*) from ({keys}) as keyed "
            f"where {{{{ in_key_range('k', key_range('k', \"{keys}\")) }}}}",
        )
        assert (
            con.execute(kept).fetchone()[0]
            == con.execute(f"select count(*) from ({keys})").fetchone()[0]
        ), (name, kept)
        outside = _compile(
            tmp_path,
            f"select {{{{ (key_range('k', \"{keys}\") or ['0', '0']) | join(', ') }}}}",
        )
        lo, hi = con.execute(outside).fetchone()
        assert (lo, hi) == con.execute(f"select min(k), max(k) from ({keys})").fetchone(), name
    assert (
        con.execute(
            _compile(
                tmp_path, "select {{ (key_range('k', \"" + KEYS["text"] + "\") or ['0'])[0] }}"
            )
        ).fetchone()[0]
        == "000123"
    )


def test_an_empty_range_keeps_no_row(tmp_path: Path) -> None:
    empty = "select 1 as k where 1 = 0"
    compiled = _compile(
        tmp_path,
        "select count(*) from (values (1), (2)) as t(k) "
        f"where {{{{ in_key_range('k', key_range('k', '{empty}')) }}}}",
    )
    assert duckdb.connect().execute(compiled).fetchone()[0] == 0
