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


def test_run_with_a_missing_landing_directory_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")]
    )
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert len(err.splitlines()) == 1 and "does not exist" in err


def test_run_with_a_bad_week_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--landing", str(tmp_path), "--week", "2026-W60"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and "2026 has no ISO week 60" in err and len(err.splitlines()) == 1


def test_progress_without_a_landing_directory_or_an_offset_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["progress", "--landing", str(tmp_path / "nope"),
                 "--warehouse", str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "does not exist" in err
    code = main(["progress", "--landing", str(tmp_path), "--as-of", "2026-03-13T12:00"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "needs a UTC offset" in err


def test_land_reports_each_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    landing = tmp_path / "landing" / "sellers"
    landing.mkdir(parents=True)
    (landing / "a.csv").write_text("seller_id,display_name,country,registered_at\nS1,One,NL,\n")
    code = main(["land", str(tmp_path / "landing"), "--warehouse", str(tmp_path / "w.duckdb")])
    out = capsys.readouterr().out
    assert code == 0 and "sellers/a.csv: 1 accepted, 0 quarantined" in out
    assert "1 loaded, 0 rejected" in out and "1 rows accepted" in out
