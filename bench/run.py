"""Benchmark harness: every pipeline stage at a named scale, each in its own process.

Each stage runs as a child process (`python -m bench.run stage ...`) so
its wall time, CPU time and peak resident memory are its own (`os.wait4`
rusage). The child reports how long its fixed start-up took (imports, dbt
parse, Dagster definitions) separately from the work, and how many rows the
work touched. Results go to `<out>/<scale>.json`; `python -m bench.run --report`
prints a results table from every JSON in `<out>`; `--plot PNG` draws the time and
memory plot (docs/benchmarks.png) after a run.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from orchestration.weeks import iso_week_key, measurement_cutoff, parse_iso_week

START_WEEK = "2025-W40"


@dataclass(frozen=True)
class Scale:
    name: str
    sellers: int
    weeks: int


SCALES = {
    "smoke": Scale("smoke", 25, 6),
    "demo": Scale("demo", 300, 40),
    "tenth": Scale("tenth", 5_000, 52),
    "bol": Scale("bol", 50_000, 52),
}

STAGES = (
    "generate",
    "land",
    "validate",
    "dbt_full_build",
    "floor",
    "next_week",
    "wednesday_run",
    "weekly_floor",
    "marts_rebuild",
    "pages",
)
# A year's benchmark; `next_week` then `wednesday_run` measure a further
# Wednesday on the warehouse that run built (no rebuild of the year).
DEFAULT_STAGES = tuple(s for s in STAGES if s != "next_week")


@dataclass
class StageResult:
    stage: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    startup_s: float
    work_s: float
    rows: int
    rows_per_s: float | None
    # The Wednesday run's own steps (landing, dbt steps, publish), in seconds.
    steps: dict[str, float] | None = None
    # The ISO week a next_week or wednesday_run stage generated or built.
    week: str | None = None
    # The weekly floor's cross-check: its differences from the marts' rows of the week.
    differences: list[str] | None = None


def last_week_of(scale: Scale) -> date:
    return parse_iso_week(START_WEEK) + timedelta(weeks=scale.weeks - 1)


# --------------------------------------------------------------------------- child side


def _count_raw_rows(warehouse: Path) -> int:
    import duckdb

    from orchestration.ingest.contract import ENTITIES

    con = duckdb.connect(str(warehouse))  # same config as dbt's open connection
    try:
        return sum(con.execute(f"select count(*) from raw.{e}").fetchone()[0] for e in ENTITIES)
    finally:
        con.close()


def _count_rows(warehouse: Path, table: str) -> int:
    import duckdb

    con = duckdb.connect(str(warehouse))  # same config as dbt's open connection
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def hold_back_week(landing: Path, held: Path, week_key: str) -> int:
    """Move the files of `week_key` (`<entity>/<week_key>-*`) from `landing` to `held`:
    the full build lands the year up to the week before; the Wednesday run lands them."""
    moved = 0
    for path in sorted(landing.glob(f"*/{week_key}-*")):
        target = held / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
        moved += 1
    return moved


def held_week(held: Path, default: date | None) -> date | None:
    """The week whose files wait in `held` (names start `<ISO week>-`), else `default`."""
    weeks = {parse_iso_week(path.name[:8]) for path in held.glob("*/*")}
    return max(weeks) if weeks else default


def next_following_week(landing: Path, held: Path, scale: Scale) -> date:
    """The first week after the year that has no following-week files yet."""
    landed = [
        parse_iso_week(path.name[:8])
        for folder in (landing, held)
        for path in folder.glob("*/*-following-*")
    ]
    return max(landed) + timedelta(weeks=1) if landed else last_week_of(scale) + timedelta(weeks=1)


def wednesday_run_week(workdir: Path, default: date) -> date:
    """The week the last wednesday_run stage in `workdir` built (from its report)."""
    report = workdir / ".wednesday_run.json"
    if report.exists():
        week = json.loads(report.read_text()).get("week")
        if week:
            return parse_iso_week(week)
    return default


def release_held(held: Path, landing: Path) -> int:
    """Move held-back files back into the landing directory (the week's arrival)."""
    moved = 0
    for path in sorted(held.glob("*/*")):
        target = landing / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
        moved += 1
    return moved


def run_stage(stage: str, scale: Scale, workdir: Path) -> dict:
    """Run one stage in this process; return start-up seconds, work seconds and rows."""
    t0 = time.perf_counter()
    steps = None
    differences = None
    week: date | None = None
    landing = workdir / "landing"
    warehouse = workdir / "warehouse.duckdb"
    last = last_week_of(scale)
    if stage == "generate":
        from orchestration.generator import generate

        t1 = time.perf_counter()
        summary = generate(
            landing, sellers=scale.sellers, weeks=scale.weeks, start_week=START_WEEK, seed=7
        )
        rows = sum(summary.rows.values())
    elif stage == "land":
        import duckdb

        from orchestration.ingest.landing import Lander

        # The last week's files arrive on its Wednesday: the wednesday_run stage lands them.
        hold_back_week(landing, workdir / "held", iso_week_key(last))
        con = duckdb.connect(str(warehouse))
        t1 = time.perf_counter()
        # Contract split only; the expectation suites are timed as the next stage.
        summary = Lander(con, landing, validate=False).land_all()
        con.close()
        rows = summary.rows_accepted + summary.rows_quarantined
    elif stage == "validate":
        import duckdb

        import orchestration.ingest.expectations  # noqa: F401  (importing GX is start-up, not work)
        from orchestration.ingest.landing import Lander

        con = duckdb.connect(str(warehouse))
        lander = Lander(con, landing)
        t1 = time.perf_counter()
        # Every batch the land stage split without validating: one suite run per entity.
        lander.validate_pending([])
        con.close()
        rows = _count_raw_rows(warehouse)
    elif stage == "dbt_full_build":
        from orchestration.dbt_runner import run_dbt
        from orchestration.pipeline import build_weeks

        run_dbt("parse", warehouse=warehouse)
        t1 = time.perf_counter()
        # Every week before the held-back last one (its files are not landed yet).
        build_weeks(warehouse, None, last - timedelta(weeks=1), full_refresh=True)
        rows = _count_raw_rows(warehouse)
    elif stage == "floor":
        from bench.floor import run_floor

        t1 = time.perf_counter()
        run_floor(warehouse, log=sys.stderr)
        rows = _count_raw_rows(warehouse)
    elif stage == "weekly_floor":
        import duckdb

        from bench.floor import compare_week_to_marts, run_weekly_floor

        # The week the last wednesday_run stage built (its report), else the year's last.
        week = wednesday_run_week(workdir, last)
        t1 = time.perf_counter()
        run_weekly_floor(warehouse, week, log=sys.stderr)
        t2 = time.perf_counter()
        con = duckdb.connect(str(warehouse))
        try:
            differences = compare_week_to_marts(con, week)
            rows = sum(
                con.execute(f"select count(*) from floor.{table}").fetchone()[0]
                for table in ("week_seller_week_indicators", "week_seller_six_week_scores")
            )
        finally:
            con.close()
        return {
            "startup_s": t1 - t0,
            "work_s": t2 - t1,
            "rows": rows,
            "steps": None,
            "week": iso_week_key(week),
            "differences": differences,
        }
    elif stage == "next_week":
        from orchestration.generator import generate_following_week

        waiting = held_week(workdir / "held", None)
        if waiting is not None:
            raise ValueError(
                f"the files of {iso_week_key(waiting)} still wait in {workdir / 'held'}: "
                "run the wednesday_run stage first"
            )
        week = next_following_week(landing, workdir / "held", scale)
        t1 = time.perf_counter()
        # Held back like the year's last week: the wednesday_run stage lands it.
        summary = generate_following_week(
            workdir / "held",
            iso_week_key(week),
            sellers=scale.sellers,
            weeks=scale.weeks,
            start_week=START_WEEK,
            seed=7,
        )
        rows = sum(summary.rows.values())
    elif stage == "wednesday_run":
        from orchestration.defs.definitions import build_definitions  # noqa: F401  (start-up cost)
        from orchestration.pipeline import run

        # The year's last week, or the week the next_week stage generated.
        week = held_week(workdir / "held", last)
        t1 = time.perf_counter()
        # The week's files arrive; the run lands, validates and builds them, as on
        # the Wednesday that finalises the week (a following week may lie ahead of
        # the clock).
        release_held(workdir / "held", landing)
        steps = run(landing, warehouse, week=week, now=measurement_cutoff(week)).step_seconds
        rows = _count_rows(warehouse, "marts.seller_week_indicators")
    elif stage == "pages":
        from orchestration.defs.resources import default_published_path
        from orchestration.serve.pages import build_site

        t1 = time.perf_counter()
        # Every seller's page of the latest published week (the Wednesday run published
        # it), from scratch: the weeks' folders of an earlier stage are removed first.
        site = workdir / "pages"
        shutil.rmtree(site, ignore_errors=True)
        rows = build_site(default_published_path(warehouse), site).seller_pages
    elif stage == "marts_rebuild":
        from orchestration.dbt_runner import run_dbt

        run_dbt("parse", warehouse=warehouse)
        t1 = time.perf_counter()
        run_dbt("build", "--select", "marts", warehouse=warehouse)
        rows = _count_rows(warehouse, "marts.seller_week_indicators")
    else:
        raise ValueError(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
    t2 = time.perf_counter()
    return {
        "startup_s": t1 - t0,
        "work_s": t2 - t1,
        "rows": rows,
        "steps": steps,
        "week": iso_week_key(week) if week else None,
        "differences": differences,
    }


# --------------------------------------------------------------------------- parent side


def measure_stage(stage: str, scale: Scale, workdir: Path) -> StageResult:
    report = workdir / f".{stage}.json"
    cmd = [
        sys.executable,
        "-m",
        "bench.run",
        "stage",
        stage,
        scale.name,
        str(workdir),
        str(report),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[1])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(
            f"stage {stage} failed at scale {scale.name} (exit {os.waitstatus_to_exitcode(status)})"
        )
    child = json.loads(report.read_text())
    return StageResult(
        stage=stage,
        wall_s=round(wall, 2),
        cpu_s=round(usage.ru_utime + usage.ru_stime, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        startup_s=round(child["startup_s"], 2),
        work_s=round(child["work_s"], 2),
        rows=child["rows"],
        rows_per_s=round(child["rows"] / child["work_s"]) if child["work_s"] > 0 else None,
        steps=child.get("steps"),
        week=child.get("week"),
        differences=child.get("differences"),
    )


def machine() -> dict:
    import psutil

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "processor": platform.processor() or platform.machine(),
    }


def run_benchmark(
    scale_name: str, out: Path, workdir: Path, stages: tuple[str, ...] = DEFAULT_STAGES
) -> dict:
    scale = SCALES[scale_name]
    if workdir.exists() and "generate" in stages:
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    target = out / f"{scale.name}.json"
    # A run of some stages on an existing work directory completes the scale's
    # earlier results: its stages replace theirs, the others are kept.
    earlier = []
    if target.exists() and "generate" not in stages:
        earlier = json.loads(target.read_text()).get("stages", [])
    measured: list[dict] = []
    document: dict = {}
    for stage in stages:
        result = measure_stage(stage, scale, workdir)
        print(
            f"{scale.name:>6} {stage:<15} wall {result.wall_s:8.1f}s  cpu {result.cpu_s:8.1f}s  "
            f"peak {result.peak_rss_mb:8.0f} MB  start-up {result.startup_s:6.1f}s  "
            f"work {result.work_s:8.1f}s  rows {result.rows:>12,}",
            flush=True,
        )
        for difference in result.differences or []:
            print(f"{scale.name:>6} {stage:<15} differs from the marts: {difference}", flush=True)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        measured.append({**asdict(result), "measured_at": now})
        # Written after every stage: a later stage that fails keeps the earlier ones.
        document = _write_results(scale, target, earlier, measured, now)
    return document


def _write_results(
    scale: Scale, target: Path, earlier: list[dict], measured: list[dict], now: str
) -> dict:
    fresh = {m["stage"] for m in measured}
    stages = [e for e in earlier if e["stage"] not in fresh] + measured
    stages.sort(key=lambda m: STAGES.index(m["stage"]))
    document = {
        "scale": asdict(scale),
        "last_week": iso_week_key(last_week_of(scale)),
        "measured_at": now,
        "machine": machine(),
        "stages": stages,
        "ratios": floor_ratios(stages),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2) + "\n")
    return document


def floor_ratios(stages: list[dict]) -> dict[str, float]:
    """The full build over the floor, and the Wednesday run over the weekly floor (the
    least work its week needs): in work time (`..._over_<floor>`) and in CPU seconds
    (`..._cpu`), the figure that holds when other work shares the machine.

    Only for stages measured on the same day as their floor: a ratio across runs
    on different days (possibly different machines) would compare machines."""
    by_stage = {s["stage"]: s for s in stages}
    ratios: dict[str, float] = {}
    for stage, floor_stage in (("dbt_full_build", "floor"), ("wednesday_run", "weekly_floor")):
        floor = by_stage.get(floor_stage, {})
        if stage not in by_stage or not floor or not _same_day(by_stage[stage], floor):
            continue
        for measure, suffix in (("work_s", ""), ("cpu_s", "_cpu")):
            if floor.get(measure, 0) > 0:
                ratios[f"{stage}_over_{floor_stage}{suffix}"] = round(
                    by_stage[stage][measure] / floor[measure], 2
                )
    return ratios


def _same_day(a: dict, b: dict) -> bool:
    """Both stages measured on the same (UTC) day; a stage without a date is this run's."""
    day_a = (a.get("measured_at") or "")[:10]
    day_b = (b.get("measured_at") or "")[:10]
    return not day_a or not day_b or day_a == day_b


def plot(results_dir: Path, png: Path) -> None:
    """Time and peak memory per stage against data size, across the measured scales."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    docs = sorted(
        (json.loads(p.read_text()) for p in results_dir.glob("*.json")),
        key=lambda d: d["scale"]["sellers"] * d["scale"]["weeks"],
    )
    docs = [d for d in docs if d["scale"]["name"] != "smoke"]
    if not docs:
        return
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4))
    for stage in STAGES:
        xs, ts, ms = [], [], []
        for d in docs:
            rows = next((s["rows"] for s in d["stages"] if s["stage"] == "generate"), None)
            st = next((s for s in d["stages"] if s["stage"] == stage), None)
            if rows and st:
                xs.append(rows)
                ts.append(st["wall_s"])
                ms.append(st["peak_rss_mb"] / 1024)
        if xs:
            ax_t.plot(xs, ts, marker="o", label=stage)
            ax_m.plot(xs, ms, marker="o", label=stage)
    for ax, label in ((ax_t, "wall time (s)"), (ax_m, "peak memory (GB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("generated rows")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    ax_t.legend(fontsize=8)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=110)


def markdown_table(results_dir: Path) -> str:
    """The per-stage table of every measured scale, for docs/benchmarks.md."""
    lines = [
        "| scale | stage | wall s | CPU s | peak MB | start-up s | work s | rows | rows/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    docs = sorted(
        (json.loads(p.read_text()) for p in results_dir.glob("*.json")),
        key=lambda d: d["scale"]["sellers"] * d["scale"]["weeks"],
    )
    for d in docs:
        scale = d["scale"]
        name = f"{scale['name']} ({scale['sellers']:,} × {scale['weeks']})"
        for st in d["stages"]:
            rate = f"{st['rows_per_s']:,}" if st["rows_per_s"] else ""
            stage = f"{st['stage']} ({st['week']})" if st.get("week") else st["stage"]
            lines.append(
                f"| {name} | {stage} | {st['wall_s']:.1f} | {st['cpu_s']:.1f} | "
                f"{st['peak_rss_mb']:,.0f} | {st['startup_s']:.1f} | {st['work_s']:.1f} | "
                f"{st['rows']:,} | {rate} |"
            )
        for key, value in d.get("ratios", {}).items():
            # A CPU ratio in the CPU column, a work-time ratio in the work column.
            cpu, work = (f"{value}×", "") if key.endswith("_cpu") else ("", f"{value}×")
            label = key.replace("_", " ")
            lines.append(f"| {name} | {label} | | {cpu} | | | {work} | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "stage":
        # Internal: one stage in a child process (see measure_stage).
        stage, scale_name, workdir, report = argv[1:5]
        os.environ.setdefault("SERVICENORMS_WAREHOUSE", str(Path(workdir) / "warehouse.duckdb"))
        result = run_stage(stage, SCALES[scale_name], Path(workdir))
        Path(report).write_text(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
    parser.add_argument("--out", default="bench-results", help="folder for <scale>.json")
    parser.add_argument("--workdir", help="scratch folder (default: <out>/work-<scale>)")
    parser.add_argument(
        "--stages",
        default=",".join(DEFAULT_STAGES),
        help=f"comma-separated stages, of {', '.join(STAGES)}",
    )
    parser.add_argument("--plot", help="also write the time/memory plot to this PNG")
    parser.add_argument(
        "--report", action="store_true", help="print the Markdown table of <out> and exit"
    )
    args = parser.parse_args(argv)
    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    out = Path(args.out)
    if args.report:
        print(markdown_table(out))
        return 0
    workdir = Path(args.workdir) if args.workdir else out / f"work-{args.scale}"
    run_benchmark(args.scale, out, workdir, stages)
    if args.plot:
        plot(out, Path(args.plot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
