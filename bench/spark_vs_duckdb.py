"""The whole run on Spark against DuckDB, on the same data, machine and day.

    .venv/bin/python -m bench.spark_vs_duckdb [--rounds 2] [--sellers 300 --weeks 40]
        [--master local[2]] [--scratch DIR] [--json FILE]

Generates the data once (by default `make demo`'s: 300 sellers, 40 weeks from
2025-W40, seed 7), then runs `servicenorms run` (every finalised week as of the
Wednesday after the data, into a new warehouse) once per engine per round,
interleaved (DuckDB then Spark, Spark then DuckDB, ...). Each run is a fresh
process. Spark runs on `--master` (SERVICENORMS_SPARK_MASTER) with an event log,
which says where its time goes besides dbt's own per-model timings
(run_results.json): the shuffles of each model. A bare Spark session's start-up
(JVM, session, a `select 1`) is measured on its own, three times.

Prints every run's steps, the medians per engine and their ratio, and the Spark
breakdown; `--json` keeps everything.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "target"
DBT_STEPS = ("servicenorms_weekly", "servicenorms_marts")

# Guarded: the pages step's worker processes import the main module again.
RUN = """
import json, sys, time
from datetime import datetime
from orchestration.pipeline import run
if __name__ == "__main__":
    started = time.perf_counter()
    now = datetime.fromisoformat(sys.argv[3])
    result = run(sys.argv[1], sys.argv[2], now=now, engine=sys.argv[4])
    seconds = round(time.perf_counter() - started, 2)
    print(json.dumps({"seconds": seconds, "steps": result.step_seconds}))
"""

SESSION = """
import sys, time
started = time.perf_counter()
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master(sys.argv[1]).config("spark.ui.enabled", "false")
         .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
         .getOrCreate())
spark.sql("select 1").collect()
print(round(time.perf_counter() - started, 2))
spark.stop()
"""


def script_file(code: str) -> str:
    """`code` as a script file: PySpark (imported by Great Expectations when installed)
    takes a `python -c` process for its own doctests and exits it."""
    path = Path(tempfile.gettempdir()) / f"bench-{abs(hash(code))}.py"
    path.write_text(code)
    return str(path)


def run_engine(
    engine: str, landing: Path, warehouse: Path, as_of: str, master: str, events: Path
) -> dict:
    """One `servicenorms run` in a fresh process; its seconds, steps and (Spark) the
    run_results of its dbt steps and the event log folder."""
    env = {**os.environ, "SERVICENORMS_DATA_DOCS": "0", "SERVICENORMS_SPARK_MASTER": master}
    env.pop("DAGSTER_HOME", None)
    if engine == "spark":
        events.mkdir(parents=True, exist_ok=True)
        env["PYSPARK_SUBMIT_ARGS"] = (
            f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file://{events} "
            "--conf spark.eventLog.compress=false pyspark-shell"
        )
    started_at = time.time()
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, script_file(RUN), str(landing), str(warehouse), as_of, engine],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{engine}: run failed:\n{out.stderr[-4000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    result["dbt"] = {step: dbt_step_timings(step, started_at, as_of) for step in DBT_STEPS}
    return result


def _run_results(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "run_results.json").read_text())
    except (OSError, ValueError):
        return None


def dbt_step_timings(step: str, since: float, as_of: str) -> dict:
    """dbt's timings of the step's invocation that started after `since` with this
    run's `as_of` (other runs on the machine write step folders too): the
    invocation's elapsed seconds and each node's execution seconds."""
    found = []
    for folder in TARGET.glob(f"{step}-*"):
        if folder.is_dir() and folder.stat().st_mtime >= since:
            results = _run_results(folder)
            given = (results or {}).get("args", {}).get("vars", {})
            if results and str(given.get("as_of", "")).startswith(as_of[:16]):
                found.append((folder.stat().st_mtime, results))
    if not found:
        return {}
    results = max(found, key=lambda f: f[0])[1]
    nodes = {
        r["unique_id"]: round(r["execution_time"], 2)
        for r in results["results"]
        if r.get("execution_time") is not None
    }
    return {"elapsed": round(results["elapsed_time"], 2), "nodes": nodes}


def session_start(master: str) -> float:
    out = subprocess.run(
        [sys.executable, script_file(SESSION), master],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return float(out.stdout.strip().splitlines()[-1])


_CTAS = re.compile(
    r"CreateDataSourceTableAsSelectCommand\nArguments: `spark_catalog`\.`(\w+)`\.`(\w+)`"
)
_INSERT = re.compile(r"InsertIntoHadoopFsRelationCommand.*?Arguments: file:([^,\s]+)", re.DOTALL)


def _table_written(plan: str) -> str | None:
    """schema.table a query plan writes (a `create table as` or an insert), or None."""
    created = _CTAS.search(plan)
    if created:
        return f"{created[1]}.{created[2]}"
    inserted = _INSERT.search(plan)
    if inserted:
        path = Path(inserted[1].rstrip("/"))
        parent = path.parent.name
        return (
            f"{parent.removesuffix('.db')}.{path.name}"
            if parent.endswith(".db")
            else (f"default.{path.name}")
        )
    return None


def shuffle_bytes_by_table(events: Path) -> dict[str, int]:
    """Bytes written to shuffle per table written (schema.table), from Spark's event
    logs: tasks → stages → jobs → SQL executions → their root execution → the table
    its plan writes; the rest (data tests, other queries) under one name."""
    # Ids are per application: one Spark application per dbt step.
    execution_of_stage: dict[tuple[str, int], tuple[str, str]] = {}
    root_of: dict[tuple[str, str], tuple[str, str]] = {}
    written_by: dict[tuple[str, str], str] = {}
    written: dict[tuple[str, int], int] = defaultdict(int)
    for log in sorted(p for p in events.rglob("events_*") if p.is_file()):
        app = log.parent.name
        for line in log.open(encoding="utf-8", errors="replace"):
            event = json.loads(line)
            kind = event.get("Event", "")
            if kind.endswith("SQLExecutionStart"):
                execution = (app, str(event["executionId"]))
                root_of[execution] = (app, str(event.get("rootExecutionId", execution[1])))
                table = _table_written(event.get("physicalPlanDescription", ""))
                if table:
                    written_by[execution] = table
            elif kind == "SparkListenerJobStart":
                execution_id = event.get("Properties", {}).get("spark.sql.execution.id")
                for stage in event.get("Stage IDs", []):
                    execution_of_stage[(app, stage)] = (app, str(execution_id))
            elif kind == "SparkListenerTaskEnd":
                metrics = event.get("Task Metrics") or {}
                shuffle = metrics.get("Shuffle Write Metrics") or {}
                written[(app, event["Stage ID"])] += shuffle.get("Shuffle Bytes Written", 0)
    by_table: dict[str, int] = defaultdict(int)
    for stage, nbytes in written.items():
        if nbytes:
            execution = execution_of_stage.get(stage, ("", ""))
            table = written_by.get(root_of.get(execution, execution)) or written_by.get(execution)
            by_table[table or "(data tests, other queries)"] += nbytes
    return dict(sorted(by_table.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sellers", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=40)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--scratch", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    scratch = (args.scratch or Path(tempfile.mkdtemp(prefix="spark-vs-duckdb-"))).resolve()

    from orchestration.generator import generate
    from orchestration.weeks import measurement_cutoff, parse_iso_week

    start = "2025-W40"
    landing = scratch / "landing"
    if not landing.exists():
        generate(landing, sellers=args.sellers, weeks=args.weeks, start_week=start, seed=7)
    last = parse_iso_week(start) + timedelta(weeks=args.weeks - 1)
    as_of = measurement_cutoff(last).isoformat()

    starts = [session_start(args.master) for _ in range(3)]
    print(f"bare Spark session ({args.master}): {starts} s", flush=True)
    runs: dict[str, list[dict]] = {"duckdb": [], "spark": []}
    for r in range(args.rounds):
        order = ["duckdb", "spark"] if r % 2 == 0 else ["spark", "duckdb"]
        for engine in order:
            folder = scratch / f"round{r + 1}-{engine}"
            result = run_engine(
                engine,
                landing,
                folder / "servicenorms.duckdb",
                as_of,
                args.master,
                folder / "spark-events",
            )
            if engine == "spark":
                result["shuffle_bytes"] = shuffle_bytes_by_table(folder / "spark-events")
            runs[engine].append(result)
            steps = ", ".join(f"{k} {v}" for k, v in result["steps"].items())
            print(f"round {r + 1} {engine}: {result['seconds']} s ({steps})", flush=True)

    def median(engine: str, key) -> float:
        return statistics.median(key(r) for r in runs[engine])

    print("median seconds   duckdb    spark  spark/duckdb")
    for name in ("whole run", "landed_batches", *DBT_STEPS, "published_marts"):

        def key(r, name=name):
            return r["seconds"] if name == "whole run" else r["steps"].get(name, 0.0)

        duck, spark = median("duckdb", key), median("spark", key)
        ratio = f"{spark / duck:.1f}" if duck else "-"
        print(f"{name:<16} {duck:>7.1f} {spark:>8.1f}  {ratio:>11}")
    last_spark = runs["spark"][-1]
    for step in DBT_STEPS:
        timing = last_spark["dbt"].get(step) or {}
        nodes = timing.get("nodes", {})
        models = {k: v for k, v in nodes.items() if k.startswith(("model.", "seed."))}
        tests = {k: v for k, v in nodes.items() if k.startswith(("test.", "unit_test."))}
        if not nodes:
            continue
        print(
            f"spark {step}: dbt {timing['elapsed']} s; {len(models)} models/seeds "
            f"{sum(models.values()):.0f} s (median {statistics.median(models.values()):.1f} s), "
            f"{len(tests)} tests {sum(tests.values()):.0f} s (median "
            f"{statistics.median(tests.values()) if tests else 0:.1f} s)"
        )
        for name, seconds in sorted(models.items(), key=lambda kv: -kv[1])[:6]:
            print(f"    {seconds:>7.1f} s  {name.split('.')[-1]}")
    print("spark shuffle writes (MB) by table written:")
    for table, nbytes in list(last_spark["shuffle_bytes"].items())[:10]:
        print(f"    {nbytes / 1e6:>9.1f}  {table}")
    if args.json:
        args.json.write_text(json.dumps({"session_start": starts, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
