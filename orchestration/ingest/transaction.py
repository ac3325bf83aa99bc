"""DuckDB transactions whose failure reports its cause, not the rollback's.

After a fatal error (a full disk, a failed commit) DuckDB has already ended the
transaction, or refuses the connection altogether: a `rollback` or clean-up
statement run then raises "cannot rollback - no transaction is active" or
"database has been invalidated", which would replace the error that explains
what happened. Here such a secondary failure becomes a note on the cause.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


def after_failure(con: duckdb.DuckDBPyConnection, sql: str, cause: BaseException) -> None:
    """Run `sql` (a rollback, a clean-up) while `cause` propagates; if it fails too,
    say so in a note on `cause` instead of raising."""
    try:
        con.execute(sql)
    except duckdb.Error as failed:
        first = str(failed).strip().splitlines()[0] if str(failed).strip() else type(failed)
        cause.add_note(f"(then `{sql}` failed too: {first})")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """`begin` … `commit`; on any error a rollback, and the error itself propagates."""
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except BaseException as cause:
        after_failure(con, "rollback", cause)
        raise
