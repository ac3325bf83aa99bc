"""The `servicenorms` command line: help, misuse and one-line reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["generate", "--help"],
        ["land", "--help"],
        ["run", "--help"],
        ["progress", "--help"],
        ["pages", "--help"],
    ],
)
def test_help_exits_zero(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: servicenorms" in capsys.readouterr().out


def test_unknown_command_is_misuse() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["explode"])
    assert exc.value.code == 2


def misuse(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line a misused command prints; it exits 2."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2, err
    (line,) = err.splitlines()
    return line


def test_run_with_a_missing_landing_directory_is_misuse_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = misuse(
        ["run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")],
        capsys,
    )
    assert "argument --landing: " in line and "does not exist" in line


def test_run_with_a_bad_week_is_misuse_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = misuse(["run", "--landing", str(tmp_path), "--week", "2026-W60"], capsys)
    assert "argument --week: " in line and "2026 has no ISO week 60" in line


@pytest.mark.parametrize(
    ("value", "reason"),
    [("yesterday", "is not an ISO-8601 date and time"), ("2026-03-11T06:00", "UTC offset")],
)
def test_an_as_of_that_is_not_an_instant_is_misuse_naming_the_option(
    value: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = misuse(["run", "--landing", str(tmp_path), "--as-of", value], capsys)
    assert "argument --as-of: " in line and reason in line


@pytest.mark.parametrize("option", ["--sellers", "--weeks"])
def test_generate_needs_at_least_one_seller_and_week(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = misuse(["generate", "--out", str(tmp_path / "x"), option, "0"], capsys)
    assert f"argument {option}: 0 must be 1 or more" in line


def test_a_week_not_finalised_as_of_the_as_of_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2026-W10 is finalised on Wednesday 2026-03-11 06:00 Amsterdam time.
    code = main([
        "run", "--landing", str(tmp_path), "--week", "2026-W10",
        "--as-of", "2026-03-11T05:59+01:00",
    ])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == (
        "servicenorms run: error: --week 2026-W10 is not finalised as of --as-of "
        "2026-03-11T05:59+01:00: it is finalised on 2026-03-11 06:00 Europe/Amsterdam; "
        "the latest finalised week is 2026-W09"
    )


def test_the_week_in_progress_is_refused_without_an_as_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    from orchestration.weeks import iso_week_key, week_start_of

    this_week = iso_week_key(week_start_of(datetime.now(UTC).date()))
    code = main(["run", "--landing", str(tmp_path), "--week", this_week])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert f"--week {this_week} is not finalised as of now" in err


def test_the_week_finalised_at_the_as_of_is_accepted() -> None:
    from datetime import datetime

    from orchestration.cli import finalised_week_or_refusal
    from orchestration.weeks import parse_iso_week

    cutoff = datetime.fromisoformat("2026-03-11T06:00+01:00")
    finalised_week_or_refusal(parse_iso_week("2026-W10"), cutoff)  # no refusal


def test_progress_without_a_landing_directory_or_an_offset_is_misuse_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = misuse(["progress", "--landing", str(tmp_path / "nope"),
                   "--warehouse", str(tmp_path / "w.duckdb")], capsys)
    assert "argument --landing: " in line and "does not exist" in line
    line = misuse(["progress", "--landing", str(tmp_path), "--as-of", "2026-03-13T12:00"], capsys)
    assert "argument --as-of: " in line and "UTC offset" in line


def test_land_reports_each_entity_and_verbose_each_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    landing = tmp_path / "landing" / "sellers"
    landing.mkdir(parents=True)
    (landing / "a.csv").write_text("seller_id,display_name,country,registered_at\nS1,One,NL,\n")
    warehouse = tmp_path / "w.duckdb"
    code = main(["land", str(tmp_path / "landing"), "--warehouse", str(warehouse)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == f"creating a new warehouse at {warehouse.resolve()}"
    assert "landing: 1 new files (0 rejected)" in out and "1 rows accepted" in out
    assert out.splitlines()[-1].split() == ["sellers", "1", "1", "0", "0"]
    assert "sellers/a.csv" not in out  # a file without findings
    (landing / "b.csv").write_text("seller_id,display_name,country,registered_at\nS2,Two,BE,\n")
    main(["land", str(tmp_path / "landing"), "--warehouse", str(warehouse), "--verbose"])
    out = capsys.readouterr().out
    assert "creating a new warehouse" not in out
    assert "sellers/b.csv: 1 accepted, 0 quarantined; all expectations passed" in out


@pytest.mark.parametrize("command", ["run", "progress"])
def test_an_unknown_engine_is_misuse_naming_the_option(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = misuse([command, "--landing", str(tmp_path), "--engine", "postgres"], capsys)
    assert "argument --engine: invalid choice: 'postgres'" in line and "'spark'" in line


def engine_refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line of a command refused for its engine (exit 2, nothing built)."""
    assert main(argv) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    return line


def test_an_unknown_engine_in_the_environment_is_misuse_naming_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICENORMS_ENGINE", "postgres")
    warehouse = tmp_path / "w.duckdb"
    argv = ["run", "--landing", str(tmp_path), "--warehouse", str(warehouse)]
    line = engine_refusal(argv, capsys)
    assert line == (
        "servicenorms run: error: SERVICENORMS_ENGINE='postgres' is not an engine "
        "(one of duckdb, spark)"
    )
    assert not warehouse.exists()


def test_spark_where_it_cannot_run_is_misuse_saying_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import orchestration.engines

    missing = "no Java runtime found (Spark 4 needs Java 17 or later: JAVA_HOME or java on PATH)"
    monkeypatch.setattr(orchestration.engines, "spark_unavailable", lambda: missing)
    warehouse = tmp_path / "w.duckdb"
    argv = ["run", "--landing", str(tmp_path), "--warehouse", str(warehouse), "--engine", "spark"]
    line = engine_refusal(argv, capsys)
    assert line == f"servicenorms run: error: --engine spark cannot run here: {missing}"
    assert not warehouse.exists()
