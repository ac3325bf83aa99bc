"""A/B of the weekly run between two checkouts of this repository, on the same machine.

    .venv/bin/python bench/weekly_ab.py OLD_CHECKOUT NEW_CHECKOUT [--rounds 4]

Generates a small data set once, builds a warehouse per checkout (`servicenorms
run`, every week), then runs `servicenorms run --week W` on each, interleaved
(A B, B A, ...), for a different past week every round, so each run passes dbt
new week vars. Each run is a fresh process of the checkout's code with this
interpreter (the dependencies are the same). Prints the seconds of every run and
the ratio of the medians, new / old, of the whole run and of the two dbt steps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

# Guarded: the pages step's worker processes import the main module again.
RUN = """
import json, sys, time
from datetime import date
from orchestration.pipeline import run
if __name__ == "__main__":
    week = date.fromisoformat(sys.argv[3]) if sys.argv[3] != "all" else None
    started = time.perf_counter()
    result = run(sys.argv[1], sys.argv[2], week=week)
    seconds = round(time.perf_counter() - started, 2)
    print(json.dumps({"seconds": seconds, "steps": result.step_seconds}))
"""
DBT_STEPS = ("servicenorms_weekly", "servicenorms_marts")


def run_script() -> Path:
    path = Path(tempfile.gettempdir()) / f"weekly-ab-run-{os.getpid()}.py"
    path.write_text(RUN)
    return path


def run_side(checkout: Path, landing: Path, warehouse: Path, week: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout), "SERVICENORMS_DATA_DOCS": "0"}
    env.pop("DAGSTER_HOME", None)
    started = time.perf_counter()
    out = subprocess.run(
        # A script file, not `-c`: PySpark (imported by Great Expectations when the
        # spark extra is installed) takes a `python -c` process for its doctests and exits it.
        [sys.executable, str(run_script()), str(landing), str(warehouse), week],
        cwd=checkout, env=env, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{checkout}: run {week} failed:\n{out.stderr[-4000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--sellers", type=int, default=60)
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--scratch", type=Path, default=None)
    args = parser.parse_args(argv)
    sides = {"old": args.old.resolve(), "new": args.new.resolve()}
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="weekly-ab-"))

    from orchestration.generator import generate
    from orchestration.weeks import parse_iso_week

    landing = scratch / "landing"
    start = "2026-W01"
    generate(landing, sellers=args.sellers, weeks=args.weeks, start_week=start, seed=11)
    warehouses = {side: scratch / side / "servicenorms.duckdb" for side in sides}
    for side, checkout in sides.items():
        built = run_side(checkout, landing, warehouses[side], "all")
        print(f"{side}: first build {built['seconds']} s", flush=True)

    last = parse_iso_week(start) + timedelta(weeks=args.weeks - 1)
    seconds: dict[str, list[dict]] = {side: [] for side in sides}
    for r in range(args.rounds):
        week = (last - timedelta(weeks=r)).isoformat()  # new vars every round
        order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
        for side in order:
            result = run_side(sides[side], landing, warehouses[side], week)
            seconds[side].append(result)
            dbt = sum(result["steps"].get(s, 0.0) for s in DBT_STEPS)
            print(f"round {r + 1} {side}: week {week} run {result['seconds']} s, "
                  f"dbt steps {dbt:.1f} s, process {result['process_seconds']} s", flush=True)

    def median(side: str, key) -> float:
        return statistics.median(key(r) for r in seconds[side])

    def whole(r):
        return r["seconds"]

    def dbt(r):
        return sum(r["steps"].get(s, 0.0) for s in DBT_STEPS)

    for name, key in (("weekly run", whole), ("dbt steps", dbt)):
        old, new = median("old", key), median("new", key)
        print(f"{name}: old {old:.1f} s, new {new:.1f} s, new/old {new / old:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
