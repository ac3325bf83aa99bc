"""`servicenorms` commands run in the test's own process, with what they printed.

Runs on generated data name the moment they take as now (`--as-of`) and the first
weekly partition (SERVICENORMS_FIRST_WEEK, as an operator sets it for their data):
then a run builds the weeks of its data, the same ones whatever the day the tests
run, and not every week from the default first partition to today.
"""

from __future__ import annotations

import contextlib
import io
import os
from unittest import mock

from orchestration.defs.resources import FIRST_WEEK_ENV


def run_cli(*argv: str, first_week: str | None = None) -> tuple[int, str, str]:
    """`servicenorms <argv>`: its exit code, stdout and stderr. `first_week`: the
    first weekly partition (an ISO week) for the command's Dagster definitions."""
    from orchestration.cli import main

    env = {FIRST_WEEK_ENV: first_week} if first_week else {}
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def succeeded(run: tuple[int, str, str]) -> str:
    """The stdout of a command that must have succeeded (its output shown if not)."""
    code, out, err = run
    assert code == 0, out + err
    return out


def run_ok(*argv: str, first_week: str | None = None) -> str:
    """`servicenorms <argv>`, which must succeed: what it printed on stdout."""
    return succeeded(run_cli(*argv, first_week=first_week))
