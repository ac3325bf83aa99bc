"""`servicenorms` command line: generate, land, run, progress, pages, ui, api, export, import."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from orchestration.pipeline import DEFAULT_WAREHOUSE
from orchestration.weeks import iso_week_key

EXIT_MISUSE = 2
EXIT_FAILURE = 1


class CliError(Exception):
    """A one-line reason for a non-zero exit."""


def _print_landing(summary) -> None:
    """Per new batch: file, accepted and quarantined rows, failed expectations; then totals."""
    from orchestration.validation import format_batch_summary

    for line in format_batch_summary(b for b in summary.batches if b.status != "SKIPPED"):
        print(f"  {line}")
    print(
        f"landing: {summary.loaded} loaded, {summary.rejected} rejected, "
        f"{summary.skipped} already on record; {summary.rows_accepted} rows accepted, "
        f"{summary.rows_quarantined} quarantined"
    )


def cmd_generate(args: argparse.Namespace) -> int:
    from orchestration.generator import generate

    try:
        result = generate(
            Path(args.out),
            sellers=args.sellers,
            weeks=args.weeks,
            start_week=args.start_week,
            seed=args.seed,
            fmt=args.format,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    total = sum(result.rows.values())
    print(
        f"generated {result.files} files, {total} rows, "
        f"weeks {result.first_week}..{result.last_week} "
        f"into {result.out}"
    )
    for entity, rows in sorted(result.rows.items()):
        print(f"  {entity:<26} {rows:>12,}")
    return 0


def cmd_land(args: argparse.Namespace) -> int:
    from orchestration.landing import LandingError, land_directory

    warehouse = Path(args.warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = land_directory(Path(args.landing), warehouse)
    except LandingError as exc:
        raise CliError(str(exc)) from None
    _print_landing(summary)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.dbt_runner import DbtError
    from orchestration.landing import LandingError
    from orchestration.pipeline import PipelineError, run
    from orchestration.weeks import parse_iso_week

    try:
        week = parse_iso_week(args.week) if args.week else None
        now = datetime.fromisoformat(args.as_of) if args.as_of else None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if now is not None and now.tzinfo is None:
        raise CliError(f"--as-of {args.as_of!r} needs a UTC offset, e.g. 2026-11-25T06:00+01:00")
    try:
        if args.full_refresh and week is not None:
            raise CliError("--full-refresh rebuilds every week: leave out --week")
        result = run(
            Path(args.landing),
            Path(args.warehouse),
            week=week,
            now=now,
            full_refresh=args.full_refresh,
        )
    except PipelineError as exc:
        if exc.landing is not None:
            _print_landing(exc.landing)
        raise CliError(str(exc)) from None
    except (LandingError, DbtError) as exc:
        raise CliError(str(exc)) from None
    _print_landing(result.landing)
    print(
        f"built weeks {result.weeks_built[0]}..{result.weeks_built[1]} "
        f"into {Path(args.warehouse).resolve()}"
    )
    print(
        f"{'week':<9} {'sellers':>8} {'strikes':>8} {'mail':>6} "
        f"{'temp.cl':>8} {'final.w':>8} {'def.cl':>7}"
    )
    for w in result.summary:
        print(
            f"{w.week:<9} {w.sellers_measured:>8} {w.strikes:>8} {w.mails:>6} "
            f"{w.temporary_closures:>8} {w.final_warnings:>8} {w.definitive_closures:>7}"
        )
    print(f"published marts (read-only copy for BI tools and analysts): {result.published}")
    if result.published is not None:
        from orchestration.publish_parquet import parquet_root

        print(f"the same marts as Parquet: {parquet_root(result.published)}/<table>/")
    if result.mail:
        print(f"mail: {result.mail}")
    if result.pages is not None:
        print(f"performance pages (open in a browser): {result.pages.platform_page}")
    if result.step_seconds:
        print("steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.step_seconds.items()))
    print(
        "query them: python -c \"import duckdb; print(duckdb.connect("
        f"'{result.published}', read_only=True).sql('select * from marts.platform_week_summary'))\""
    )
    return 0


def cmd_pages(args: argparse.Namespace) -> int:
    from orchestration.pages import PagesError, build_site
    from orchestration.resources import ServiceNormsSettings

    settings = ServiceNormsSettings.create(warehouse=args.warehouse)
    try:
        site = build_site(settings.published, Path(args.out), week=args.week, sellers=args.seller)
    except (PagesError, ValueError) as exc:
        raise CliError(str(exc)) from None
    print(
        f"wrote the pages of week {iso_week_key(site.week)}: {site.seller_pages} seller pages, "
        f"the platform page and the seller list in {site.seconds:.1f} s, from {settings.published}"
    )
    print(f"platform page: {site.platform_page}")
    print(f"every week built: {site.index}")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """`dagster dev` on this code location, configured like `run` through the environment."""
    import os
    import subprocess

    from orchestration.resources import (
        FIRST_WEEK_ENV,
        LANDING_ENV,
        PAGES_ENV,
        PUBLISHED_ENV,
        WAREHOUSE_ENV,
        ServiceNormsSettings,
        dagster_executable,
        dagster_home,
    )
    from orchestration.weeks import iso_week_key

    try:
        settings = ServiceNormsSettings.create(args.landing, args.warehouse, None, args.first_week)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    env = dict(os.environ)
    env[LANDING_ENV] = str(settings.landing)
    env[WAREHOUSE_ENV] = str(settings.warehouse)
    env[PUBLISHED_ENV] = str(settings.published)
    env[PAGES_ENV] = str(settings.pages)
    env[FIRST_WEEK_ENV] = iso_week_key(settings.first_week)
    env["DAGSTER_HOME"] = str(dagster_home(settings.warehouse))
    # The code server Dagster starts must find this environment's dbt and dagster
    # even when the virtual environment is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [dagster_executable(), "dev", "-m", "orchestration.definitions", "-p", str(args.port)]
    print(f"dagster dev on http://127.0.0.1:{args.port} (DAGSTER_HOME={env['DAGSTER_HOME']})")
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


def _published_copy(warehouse: str | None) -> Path:
    from orchestration.resources import ServiceNormsSettings

    return ServiceNormsSettings.create(warehouse=warehouse).published


def cmd_api(args: argparse.Namespace) -> int:
    """Serve the published marts in the Retailer API v10 shape until interrupted."""
    import socket

    import uvicorn

    from orchestration.api import PERFORMANCE_PATH, create_app

    published = _published_copy(args.warehouse)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    try:
        # Bound here, so `--port 0` can say which port the system picked.
        sock = socket.create_server((args.host, args.port), family=family)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"serving http://{shown}:{port} (GET {PERFORMANCE_PATH}, header X-Seller-Id)", flush=True)
    print(f"published marts: {published}", flush=True)
    if not published.is_file():
        print("  (none yet: requests get 503 until a run publishes them)", flush=True)
    server = uvicorn.Server(uvicorn.Config(create_app(published), log_level="info"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import UTC

    from orchestration.retailer_v10 import RequestProblem, export_week
    from orchestration.weeks import parse_iso_week

    published = _published_copy(args.warehouse)
    try:
        week = parse_iso_week(args.week)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if not published.is_file():
        raise CliError(f"{published}: no published marts yet (`servicenorms run` publishes them)")
    try:
        summary = export_week(published, week, Path(args.out), datetime.now(UTC))
    except RequestProblem as problem:
        reasons = "; ".join(reason for _, reason in problem.violations)
        raise CliError(f"{problem.detail} ({reasons})" if reasons else problem.detail) from None
    print(
        f"exported the Retailer API v10 performance indicators of {args.week} for "
        f"{summary.sellers} sellers to {summary.folder}"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from orchestration.olist import OlistImportError, import_olist

    try:
        summary = import_olist(Path(args.dir), Path(args.out))
    except OlistImportError as exc:
        raise CliError(str(exc)) from None
    print(f"imported Olist data into the landing directory {summary.out}")
    for entity, rows in summary.rows.items():
        print(f"  {entity:<26} {rows:>12,}")
    for reason, rows in summary.left_out.items():
        if rows:
            print(f"  left out: {rows:,} {reason}")
    if summary.run_as_of is not None:
        as_of = summary.run_as_of.isoformat(timespec="minutes")
        print(
            f"build it up to its last week: servicenorms run --landing {args.out} --as-of {as_of}"
        )
    return 0


def _as_of(text: str | None) -> datetime | None:
    try:
        now = datetime.fromisoformat(text) if text else None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if now is not None and now.tzinfo is None:
        raise CliError(f"--as-of {text!r} needs a UTC offset, e.g. 2026-11-25T06:00+01:00")
    return now


def cmd_progress(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.dbt_runner import DbtError
    from orchestration.landing import LandingError
    from orchestration.pipeline import PipelineError, measure_week_in_progress

    now = _as_of(args.as_of)
    try:
        result = measure_week_in_progress(Path(args.landing), Path(args.warehouse), now=now)
    except PipelineError as exc:
        if exc.landing is not None:
            _print_landing(exc.landing)
        raise CliError(str(exc)) from None
    except (LandingError, DbtError) as exc:
        raise CliError(str(exc)) from None
    _print_landing(result.landing)
    con = duckdb.connect(str(result.published), read_only=True)
    try:
        rows = con.execute(
            "select week_start, any_value(as_of), count(distinct seller_id), "
            "count(*) filter (where is_breach), count(distinct seller_id) filter (where is_strike) "
            "from marts.seller_week_provisional group by week_start order by week_start"
        ).fetchall()
    finally:
        con.close()
    if not rows:
        print("the week in progress has no measured events yet")
    for week, as_of, sellers, breaches, would_strike in rows:
        print(
            f"{iso_week_key(week)} (provisional, as of {as_of:%Y-%m-%d %H:%M %Z}): "
            f"{sellers} sellers measured, {breaches} breaches so far, "
            f"{would_strike} sellers would strike as it stands"
        )
    print(f"published: {result.published} (marts.seller_week_provisional)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicenorms",
        description=(
            "Service-norm warehouse: land seller activity, compute weekly norms, "
            "strikes and trajectories."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    g = sub.add_parser("generate", help="write a synthetic landing directory (SPEC §3)")
    g.add_argument(
        "--out", required=True, help="landing directory to create (must be empty or new)"
    )
    g.add_argument("--sellers", type=int, default=300, help="number of sellers (default 300)")
    g.add_argument("--weeks", type=int, default=40, help="number of ISO weeks (default 40)")
    g.add_argument(
        "--start-week", default="2025-W40", help="first ISO week, e.g. 2026-W01 (default 2025-W40)"
    )
    g.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    g.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format")
    g.set_defaults(func=cmd_generate)

    ld = sub.add_parser(
        "land", help="load every new batch of a landing directory into the warehouse"
    )
    ld.add_argument("landing", help="landing directory (<landing>/<entity>/*.parquet|*.csv)")
    ld.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB warehouse file")
    ld.set_defaults(func=cmd_land)

    r = sub.add_parser(
        "run", help="land, validate and build the marts for all finalised weeks, or one"
    )
    r.add_argument("--landing", required=True, help="landing directory")
    r.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB warehouse file")
    r.add_argument("--week", help="build only this ISO week, e.g. 2026-W10")
    r.add_argument(
        "--full-refresh",
        action="store_true",
        help=(
            "rebuild every incremental model from raw for every week "
            "(after a change of seeds/norms, transporters or holidays)"
        ),
    )
    r.add_argument(
        "--as-of",
        help=(
            "treat this instant as now when deciding which weeks are finalised "
            "(ISO-8601 with offset)"
        ),
    )
    r.set_defaults(func=cmd_run)

    pr = sub.add_parser(
        "progress",
        help="land new files and measure the week in progress (finalised weeks stay as they are)",
    )
    pr.add_argument("--landing", required=True, help="landing directory")
    pr.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB warehouse file")
    pr.add_argument(
        "--as-of", help="measure as of this instant instead of now (ISO-8601 with offset)"
    )
    pr.set_defaults(func=cmd_progress)

    p = sub.add_parser(
        "pages",
        help="write the performance pages (a page per seller and the platform) of one week",
    )
    p.add_argument(
        "--warehouse",
        default=str(DEFAULT_WAREHOUSE),
        help="DuckDB warehouse whose published copy the pages read "
        "(default warehouse/servicenorms.duckdb; $SERVICENORMS_PUBLISHED overrides the copy)",
    )
    p.add_argument("--out", required=True, help="site directory (one folder per week inside)")
    p.add_argument(
        "--seller",
        action="extend",
        nargs="+",
        metavar="ID",
        help="only these sellers' pages (the platform page and seller list are always written)",
    )
    p.add_argument("--week", help="the ISO week, e.g. 2026-W10 (default: the latest published)")
    p.set_defaults(func=cmd_pages)

    u = sub.add_parser("ui", help="open the Dagster UI (dagster dev) on this code location")
    u.add_argument(
        "--landing", help="landing directory (default $SERVICENORMS_LANDING or data/demo-landing)"
    )
    u.add_argument(
        "--warehouse",
        help="DuckDB warehouse (default $SERVICENORMS_WAREHOUSE or warehouse/servicenorms.duckdb)",
    )
    u.add_argument(
        "--first-week", help="first weekly partition (default $SERVICENORMS_FIRST_WEEK or 2025-W40)"
    )
    u.add_argument("--port", type=int, default=3000, help="web server port (default 3000)")
    u.set_defaults(func=cmd_ui)

    a = sub.add_parser(
        "api", help="serve the published marts in the bol.com Retailer API v10 shape (read-only)"
    )
    a.add_argument(
        "--warehouse",
        help="warehouse whose published copy to serve (default $SERVICENORMS_WAREHOUSE or "
        "warehouse/servicenorms.duckdb; $SERVICENORMS_PUBLISHED names the copy itself)",
    )
    a.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    a.add_argument(
        "--port", type=int, default=8000, help="port (default 8000; 0: any free port)"
    )
    a.set_defaults(func=cmd_api)

    e = sub.add_parser(
        "export", help="write a week's indicators per seller as files, for marketplaces that push"
    )
    e.add_argument(
        "--format",
        required=True,
        choices=["bol-v10"],
        help="bol-v10: one Retailer API v10 PerformanceIndicators JSON file per seller",
    )
    e.add_argument(
        "--week", required=True, help="ISO week, e.g. 2026-W10 (finalised and published)"
    )
    e.add_argument("--out", required=True, help="folder; the week's files go to OUT/<week>/")
    e.add_argument(
        "--warehouse",
        help="warehouse whose published copy to read (default $SERVICENORMS_WAREHOUSE or "
        "warehouse/servicenorms.duckdb)",
    )
    e.set_defaults(func=cmd_export)

    im = sub.add_parser(
        "import", help="map a public marketplace data set to the landing contract"
    )
    im.add_argument(
        "source", choices=["olist"], help="olist: the Olist Brazilian e-commerce data set (CSV)"
    )
    im.add_argument("dir", help="folder with the data set's CSV files")
    im.add_argument(
        "--out", required=True, help="landing directory to create (must be empty or new)"
    )
    im.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"servicenorms {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
