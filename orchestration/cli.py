"""`servicenorms` command line: generate, land, run, progress, pages, ui, api, export, import."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from orchestration.engines import ENGINES
from orchestration.pipeline import DEFAULT_WAREHOUSE
from orchestration.weeks import iso_week_key

EXIT_MISUSE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130
# The Dagster code location `ui` serves (the same as [tool.dagster] in pyproject.toml).
DEFINITIONS_MODULE = "orchestration.defs.definitions"


class CliError(Exception):
    """A one-line reason for a failed command (exit 1)."""


class CliMisuse(CliError):
    """A one-line reason why the command as given cannot run (exit 2)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors (which name the argument) on one line, exit 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_MISUSE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def iso_week_argument(text: str) -> date:
    """An ISO week such as 2026-W10, as its Monday."""
    from orchestration.weeks import parse_iso_week

    try:
        return parse_iso_week(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def iso_week_text(text: str) -> str:
    iso_week_argument(text)
    return text


def instant_argument(text: str) -> datetime:
    """An ISO-8601 instant with a UTC offset."""
    example = "e.g. 2026-11-25T06:00+01:00"
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 date and time ({example})"
        ) from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a UTC offset ({example})")
    return instant


def existing_folder(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise argparse.ArgumentTypeError(f"{text} {what}")
    return path


def positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} must be 1 or more")
    return number


def _print_landing(summary, verbose: bool = False) -> None:
    """Totals, one line per entity, then what needs a look (orchestration.ingest.report)."""
    from orchestration.ingest.report import landing_report

    for line in landing_report(summary, verbose):
        print(line)


def _announce_new_warehouse(warehouse: Path) -> None:
    if not warehouse.exists():
        print(f"creating a new warehouse at {warehouse.resolve()}", flush=True)


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
    from orchestration.ingest.landing import LandingError, land_directory
    from orchestration.progress import reporting, stderr_reporter

    warehouse = Path(args.warehouse)
    _announce_new_warehouse(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    try:
        with reporting(stderr_reporter()):
            summary = land_directory(Path(args.landing), warehouse)
    except LandingError as exc:
        raise CliError(str(exc)) from None
    _print_landing(summary, args.verbose)
    return 0


def finalised_week_or_refusal(week: date, now: datetime | None) -> None:
    """Refuse (misuse) a --week that is not finalised as of --as-of (default now)."""
    from orchestration.weeks import iso_week_key, last_finalised_week, measurement_cutoff

    as_of = now or datetime.now(UTC)
    latest = last_finalised_week(as_of)
    if week > latest:
        cutoff = measurement_cutoff(week)
        when = "--as-of " + as_of.isoformat(timespec="minutes") if now else "now"
        raise CliMisuse(
            f"--week {iso_week_key(week)} is not finalised as of {when}: it is finalised on "
            f"{cutoff:%Y-%m-%d %H:%M} Europe/Amsterdam; the latest finalised week is "
            f"{iso_week_key(latest)}"
        )


def engine_or_refusal(given: str | None) -> str:
    """The engine of --engine, else SERVICENORMS_ENGINE, else duckdb; refused (misuse)
    when it is unknown or Spark cannot run here."""
    from orchestration.engines import engine_name, spark_unavailable

    try:
        engine = engine_name(given)
    except ValueError as exc:
        raise CliMisuse(str(exc)) from None
    if engine == "spark":
        reason = spark_unavailable()
        if reason:
            where = "--engine spark" if given else "SERVICENORMS_ENGINE=spark"
            raise CliMisuse(f"{where} cannot run here: {reason}")
    return engine


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.dbt_runner import DbtError
    from orchestration.ingest.landing import LandingError
    from orchestration.pipeline import PipelineError, run

    week, now = args.week, args.as_of
    if args.full_refresh and week is not None:
        raise CliMisuse("--full-refresh rebuilds every week: leave out --week")
    if week is not None:
        finalised_week_or_refusal(week, now)
    engine = engine_or_refusal(args.engine)
    from orchestration.progress import reporting, stderr_reporter

    _announce_new_warehouse(Path(args.warehouse))
    try:
        with reporting(stderr_reporter()):
            result = run(
                Path(args.landing),
                Path(args.warehouse),
                week=week,
                now=now,
                full_refresh=args.full_refresh,
                debug=args.debug,
                engine=engine,
            )
    except PipelineError as exc:
        if exc.landing is not None:
            _print_landing(exc.landing, args.verbose)
        raise CliError(str(exc)) from None
    except (LandingError, DbtError) as exc:
        raise CliError(str(exc)) from None
    _print_landing(result.landing, args.verbose)
    built_in = Path(args.warehouse).resolve()
    if engine == "spark":
        from orchestration.engines import spark_dir

        built_in = f"{spark_dir(built_in)} (Spark)"
    print(f"built weeks {result.weeks_built[0]}..{result.weeks_built[1]} into {built_in}")
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
    from orchestration.defs.resources import ServiceNormsSettings
    from orchestration.serve.pages import PagesError, build_site

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

    from orchestration.defs.resources import (
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
    # The instance `servicenorms run` records into; a run whose process was killed
    # would otherwise hold the UI's run queue.
    from orchestration.instance import operator_instance

    with operator_instance(settings.warehouse):
        pass
    # The code server Dagster starts must find this environment's dbt and dagster
    # even when the virtual environment is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [dagster_executable(), "dev", "-m", DEFINITIONS_MODULE, "-p", str(args.port)]
    print(f"dagster dev on http://127.0.0.1:{args.port} (DAGSTER_HOME={env['DAGSTER_HOME']})")
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


def _published_copy(warehouse: str | None) -> Path:
    from orchestration.defs.resources import ServiceNormsSettings

    return ServiceNormsSettings.create(warehouse=warehouse).published


def cmd_api(args: argparse.Namespace) -> int:
    """Serve the published marts in the Retailer API v10 shape until interrupted."""
    import socket

    import uvicorn

    from orchestration.serve.api import PERFORMANCE_PATH, create_app

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

    from orchestration.serve.retailer_v10 import RequestProblem, export_week
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
    from orchestration.ingest.olist import OlistImportError, import_olist

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


def cmd_progress(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.dbt_runner import DbtError
    from orchestration.ingest.landing import LandingError
    from orchestration.pipeline import PipelineError, measure_week_in_progress
    from orchestration.progress import reporting, stderr_reporter

    engine = engine_or_refusal(args.engine)
    _announce_new_warehouse(Path(args.warehouse))
    try:
        with reporting(stderr_reporter()):
            result = measure_week_in_progress(
                Path(args.landing),
                Path(args.warehouse),
                now=args.as_of,
                debug=args.debug,
                engine=engine,
            )
    except PipelineError as exc:
        if exc.landing is not None:
            _print_landing(exc.landing, args.verbose)
        raise CliError(str(exc)) from None
    except (LandingError, DbtError) as exc:
        raise CliError(str(exc)) from None
    _print_landing(result.landing, args.verbose)
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
    debug_help = "on failure, show the Python traceback and Dagster's log of the run"
    verbose_help = (
        "list every new file with its rows and findings (default: one line per entity, "
        "then only the files with findings)"
    )
    engine_help = (
        "what builds the models: duckdb (in the warehouse file) or spark (local PySpark, "
        "the [spark] extra; the same published marts); default $SERVICENORMS_ENGINE or duckdb"
    )
    parser = OneLineParser(
        prog="servicenorms",
        description=(
            "Service-norm warehouse: land seller activity, compute weekly norms, "
            "strikes and trajectories. Exit status: 0 done, 1 failed, 2 misused "
            "(an option or argument that cannot work)."
        ),
    )
    parser.add_argument("--debug", action="store_true", help=debug_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    g = sub.add_parser("generate", help="write a synthetic landing directory (SPEC §3)")
    g.add_argument(
        "--out", required=True, help="landing directory to create (must be empty or new)"
    )
    g.add_argument(
        "--sellers", type=positive_int, default=300, help="number of sellers (default 300)"
    )
    g.add_argument(
        "--weeks", type=positive_int, default=40, help="number of ISO weeks (default 40)"
    )
    g.add_argument(
        "--start-week",
        type=iso_week_text,
        default="2025-W40",
        help="first ISO week, e.g. 2026-W01 (default 2025-W40)",
    )
    g.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    g.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format")
    g.set_defaults(func=cmd_generate)

    ld = sub.add_parser(
        "land", help="load every new batch of a landing directory into the warehouse"
    )
    ld.add_argument(
        "landing",
        type=existing_folder,
        help="landing directory (<landing>/<entity>/*.parquet|*.csv)",
    )
    ld.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB warehouse file")
    ld.add_argument("--verbose", action="store_true", help=verbose_help)
    ld.set_defaults(func=cmd_land)

    r = sub.add_parser(
        "run", help="land, validate and build the marts for all finalised weeks, or one"
    )
    r.add_argument("--landing", required=True, type=existing_folder, help="landing directory")
    r.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB warehouse file")
    r.add_argument(
        "--week",
        type=iso_week_argument,
        help="build only this ISO week, e.g. 2026-W10 (finalised as of --as-of)",
    )
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
        type=instant_argument,
        help=(
            "treat this instant as now when deciding which weeks are finalised "
            "(ISO-8601 with offset)"
        ),
    )
    r.add_argument("--verbose", action="store_true", help=verbose_help)
    r.add_argument("--engine", choices=ENGINES, help=engine_help)
    r.set_defaults(func=cmd_run)

    pr = sub.add_parser(
        "progress",
        help="land new files and measure the week in progress (finalised weeks stay as they are)",
    )
    pr.add_argument("--landing", required=True, type=existing_folder, help="landing directory")
    pr.add_argument("--warehouse", default=str(DEFAULT_WAREHOUSE), help="DuckDB warehouse file")
    pr.add_argument(
        "--as-of",
        type=instant_argument,
        help="measure as of this instant instead of now (ISO-8601 with offset)",
    )
    pr.add_argument("--verbose", action="store_true", help=verbose_help)
    pr.add_argument("--engine", choices=ENGINES, help=engine_help)
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
        "--first-week",
        type=iso_week_text,
        help="first weekly partition (default $SERVICENORMS_FIRST_WEEK or 2025-W40)",
    )
    u.add_argument(
        "--port", type=positive_int, default=3000, help="web server port (default 3000)"
    )
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
        "--week",
        required=True,
        type=iso_week_text,
        help="ISO week, e.g. 2026-W10 (finalised and published)",
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

    # --debug after the command too (`servicenorms run --debug`); SUPPRESS keeps
    # the top-level value when the command does not repeat it.
    for command in sub.choices.values():
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help
        )
    return parser


def _places(args: argparse.Namespace):
    """Where the command works, for the explanation of an error (orchestration.errors)."""
    from orchestration.defs.resources import ServiceNormsSettings
    from orchestration.errors import Places

    try:
        settings = ServiceNormsSettings.create(warehouse=getattr(args, "warehouse", None))
    except ValueError:
        return None
    return Places(settings.warehouse, settings.published)


def main(argv: list[str] | None = None) -> int:
    """Run a command; a failure ends in one line on stderr naming its cause (and,
    with --debug, the traceback); exit 0 done, 1 failed, 2 misused, 130 interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"servicenorms {args.command}"
    try:
        return args.func(args)
    except CliMisuse as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_MISUSE
    except CliError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug:
            raise
        from orchestration.errors import describe_exception

        reason = describe_exception(exc, _places(args))
        print(f"{prog}: error: {reason} (--debug shows the traceback)", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
