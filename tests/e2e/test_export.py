"""`servicenorms export --format bol-v10`: one PerformanceIndicators file per seller
of a week, exactly what the API answers, the same bytes every time."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import jsonschema
import pytest
from loopback import request, serve
from shared_data import strict_schema

from orchestration.cli import main
from orchestration.serve.api import create_app
from orchestration.serve.retailer_v10 import INDICATORS, MEDIA_TYPE, seller_file_name

WEEK = "2026-W39"
WEEK_START = date(2026, 9, 21)


def warehouse_of(published: Path) -> Path:
    return published.parent.parent / "servicenorms.duckdb"


def export(published: Path, out: Path, week: str = WEEK) -> int:
    return main(
        [
            "export",
            "--format",
            "bol-v10",
            "--week",
            week,
            "--out",
            str(out),
            "--warehouse",
            str(warehouse_of(published)),
        ]
    )


def spine_sellers(published: Path) -> list[str]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return [
            r[0]
            for r in con.execute(
                "select seller_id from marts.seller_trajectory_weeks where week_start = ? "
                "order by 1",
                [WEEK_START],
            ).fetchall()
        ]
    finally:
        con.close()


def test_export_writes_every_seller_of_the_week_as_the_api_answers_it(
    published_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = strict_schema("PerformanceIndicators")
    assert export(published_demo, tmp_path) == 0
    assert f"for {len(spine_sellers(published_demo))} sellers" in capsys.readouterr().out
    folder = tmp_path / WEEK
    sellers = spine_sellers(published_demo)
    assert sorted(p.name for p in folder.iterdir()) == sorted(seller_file_name(s) for s in sellers)
    with serve(create_app(published_demo)) as base_url:
        for seller in sellers[:5]:
            body = json.loads((folder / seller_file_name(seller)).read_text())
            jsonschema.validate(body, schema)
            assert [i["name"] for i in body["performanceIndicators"]] == list(INDICATORS)
            for indicator in body["performanceIndicators"]:
                reply = request(
                    base_url,
                    "/retailer/insights/performance/indicator"
                    f"?name={indicator['name']}&year=2026&week=39",
                    {"Accept": MEDIA_TYPE, "X-Seller-Id": seller},
                )
                assert reply.json() == {"performanceIndicators": [indicator]}


def test_exporting_a_week_again_gives_the_same_bytes(published_demo: Path, tmp_path: Path) -> None:
    assert export(published_demo, tmp_path / "first") == 0
    assert export(published_demo, tmp_path / "second") == 0
    assert export(published_demo, tmp_path / "second") == 0  # over its own earlier export

    def files(folder: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

    assert files(tmp_path / "first" / WEEK) == files(tmp_path / "second" / WEEK)
    assert [p.name for p in (tmp_path / "second").iterdir()] == [WEEK]  # nothing left aside


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2020-W10", "is not published: the published weeks are 2026-W"),
        ("2099-W10", "is not finalised yet"),
    ],
)
def test_a_week_that_cannot_be_exported_is_a_one_line_error(
    published_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], week: str, message
) -> None:
    assert export(published_demo, tmp_path, week) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / week).exists()


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2026-39", "is not of the form YYYY-Www"),
        ("2025-W53", "has no ISO week 53"),
    ],
)
def test_a_week_that_is_no_iso_week_is_misuse_naming_the_option(
    published_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], week: str, message
) -> None:
    with pytest.raises(SystemExit) as exited:
        export(published_demo, tmp_path, week)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --week" in err and message in err and err.count("\n") == 1, err
    assert not (tmp_path / week).exists()


def test_export_without_a_published_copy_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "export",
            "--format",
            "bol-v10",
            "--week",
            WEEK,
            "--out",
            str(tmp_path / "out"),
            "--warehouse",
            str(tmp_path / "none.duckdb"),
        ]
    )
    assert code == 1
    assert "no published marts yet" in capsys.readouterr().err


def test_a_seller_id_that_is_no_file_name_is_encoded() -> None:
    assert seller_file_name("S00012") == "S00012.json"
    assert seller_file_name("a/b c") == "a%2Fb%20c.json"
