"""The read-only API in the Retailer API v10 shape, over a real socket on 127.0.0.1.

Responses are validated against the reference schemas (PerformanceIndicators,
Problem) closed to extra properties, and their numbers compared with the
published marts they come from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import jsonschema
import pytest
from loopback import request, serve
from shared_data import strict_schema

from orchestration.serve.api import create_app
from orchestration.serve.retailer_v10 import INDICATORS, MEDIA_TYPE
from orchestration.weeks import measurement_cutoff

LAST_WEEK = date(2026, 9, 21)  # 2026-W39, the published copy's last week
# One hour after the last week was finalised: the week after it is not.
NOW = measurement_cutoff(LAST_WEEK) + timedelta(hours=1)
PATH = "/retailer/insights/performance/indicator"
ACCEPT = {"Accept": MEDIA_TYPE}


@pytest.fixture(scope="module")
def api(published_demo: Path):
    with serve(create_app(published_demo, clock=lambda: NOW)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def indicators_schema() -> dict:
    return strict_schema("PerformanceIndicators")


@pytest.fixture(scope="module")
def problem_schema() -> dict:
    return strict_schema("Problem")


def marts(published: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def indicator_path(name: str, week_start: date) -> str:
    year, week, _ = week_start.isocalendar()
    return f"{PATH}?name={name}&year={year}&week={week}"


def ask(api: str, seller: str | None, name: str, week_start: date, **headers):
    sent = dict(ACCEPT, **headers)
    if seller is not None:
        sent["X-Seller-Id"] = seller
    return request(api, indicator_path(name, week_start), sent)


def test_every_indicator_answers_in_the_reference_shape_with_the_weeks_score(
    api: str, published_demo: Path, indicators_schema: dict
) -> None:
    rows = marts(
        published_demo,
        "select seller_id, indicator, numerator, denominator, value, conforms, "
        "distance_to_norm, norm_condition, norm_value from marts.seller_week_indicators "
        "where week_start = ? and indicator <> 'HANDOVER' order by all",
        [LAST_WEEK],
    )
    seller = max({r[0] for r in rows}, key=lambda s: sum(r[0] == s for r in rows))
    measured = {r[1]: r for r in rows if r[0] == seller}
    assert len(measured) >= 5, measured
    for name in INDICATORS:
        reply = ask(api, seller, name, LAST_WEEK)
        assert reply.status == 200, reply.text
        assert reply.content_type == MEDIA_TYPE
        body = reply.json()
        jsonschema.validate(body, indicators_schema)
        (indicator,) = body["performanceIndicators"]
        assert indicator["name"] == name
        assert indicator["type"] == ("AVERAGE" if name == "REVIEWS" else "PERCENTAGE")
        assert indicator["details"]["period"] == {"week": "39", "year": "2026"}
        if name not in measured:
            assert "score" not in indicator["details"]
            continue
        _, _, numerator, denominator, value, conforms, distance, condition, norm = measured[name]
        assert indicator["details"]["score"] == {
            "conforms": conforms,
            "numerator": numerator,
            "denominator": denominator,
            "value": pytest.approx(value, abs=1e-6),
            "distanceToNorm": pytest.approx(distance, abs=1e-6),
        }
        assert indicator["details"]["norm"] == {
            "condition": condition,
            "value": pytest.approx(norm, abs=1e-6),
        }


def test_a_week_without_a_measurement_has_the_norm_of_the_week_and_no_score(
    api: str, published_demo: Path, indicators_schema: dict
) -> None:
    # A seller on the spine with no PHONE_AVAILABILITY row in the week: no calls.
    seller, week_start = marts(
        published_demo,
        """
        select spine.seller_id, spine.week_start from marts.seller_trajectory_weeks as spine
        anti join marts.seller_week_indicators as scores
            on scores.seller_id = spine.seller_id and scores.week_start = spine.week_start
            and scores.indicator = 'PHONE_AVAILABILITY'
        order by all limit 1
        """,
    )[0]
    reply = ask(api, seller, "PHONE_AVAILABILITY", week_start)
    assert reply.status == 200, reply.text
    jsonschema.validate(reply.json(), indicators_schema)
    (indicator,) = reply.json()["performanceIndicators"]
    assert "score" not in indicator["details"]
    assert indicator["details"]["norm"] == {"condition": ">=", "value": 0.9}


@pytest.mark.parametrize(
    ("query", "headers", "status", "violation"),
    [
        ("name=FULFILMENTS&year=2026&week=39", {}, 400, "name"),
        ("name=HANDOVER&year=2026&week=39", {}, 400, "name"),  # not an API indicator
        ("year=2026&week=39", {}, 400, "name"),
        ("name=FULFILMENT&year=20x6&week=39", {}, 400, "year"),
        ("name=FULFILMENT&year=2026&week=54", {}, 400, "week"),
        ("name=FULFILMENT&year=2025&week=53", {}, 400, "week"),  # 2025 has 52 weeks
        ("name=FULFILMENT&year=2026", {}, 400, "week"),
        ("name=FULFILMENT&year=2026&week=40", {}, 400, "week"),  # not finalised yet
        ("name=FULFILMENT&year=2026&week=39", {"X-Seller-Id": None}, 400, "X-Seller-Id"),
        ("name=FULFILMENT&year=2026&week=39", {"X-Seller-Id": "NOBODY"}, 404, "X-Seller-Id"),
        ("name=FULFILMENT&year=2020&week=10", {}, 404, None),  # before the published weeks
        ("name=FULFILMENT&year=2026&week=39", {"Accept": "text/html"}, 406, "Accept"),
    ],
)
def test_bad_input_is_a_problem_with_its_status(
    api: str,
    published_demo: Path,
    problem_schema: dict,
    query: str,
    headers: dict,
    status: int,
    violation: str | None,
) -> None:
    seller = marts(published_demo, "select min(seller_id) from marts.seller_trajectory_weeks")[0][0]
    sent = {**ACCEPT, "X-Seller-Id": seller, **headers}
    sent = {k: v for k, v in sent.items() if v is not None}
    reply = request(api, f"{PATH}?{query}", sent)
    assert reply.status == status, reply.text
    assert reply.content_type == MEDIA_TYPE
    body = reply.json()
    jsonschema.validate(body, problem_schema)
    assert body["status"] == status and body["type"] == "https://api.bol.com/problems"
    assert body["instance"].endswith(f"{PATH}?{query}")
    if violation is not None:
        assert violation in [v["name"] for v in body["violations"]], body


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/retailer/orders", 404), ("POST", PATH, 405), ("DELETE", PATH, 405)],
)
def test_an_unknown_path_or_method_is_a_problem(
    api: str, problem_schema: dict, method: str, path: str, status: int
) -> None:
    reply = request(api, path, ACCEPT, method=method)
    assert reply.status == status
    jsonschema.validate(reply.json(), problem_schema)


def test_without_a_published_copy_the_api_is_unavailable(
    tmp_path: Path, problem_schema: dict
) -> None:
    with serve(create_app(tmp_path / "missing.duckdb", clock=lambda: NOW)) as base_url:
        reply = ask(base_url, "S", "FULFILMENT", LAST_WEEK)
    assert reply.status == 503
    jsonschema.validate(reply.json(), problem_schema)


def test_a_failure_inside_is_a_problem_without_a_stack_trace(
    tmp_path: Path, problem_schema: dict
) -> None:
    damaged = tmp_path / "servicenorms_marts.duckdb"
    damaged.write_bytes(b"not a database" * 100)
    with serve(create_app(damaged, clock=lambda: NOW)) as base_url:
        reply = ask(base_url, "S", "FULFILMENT", LAST_WEEK)
    assert reply.status == 500
    jsonschema.validate(reply.json(), problem_schema)
    assert "Traceback" not in reply.text and "duckdb" not in reply.text.lower()


def test_a_newly_published_copy_is_served_without_a_restart(
    published_demo: Path, tmp_path: Path
) -> None:
    served = tmp_path / "servicenorms_marts.duckdb"
    shutil.copyfile(published_demo, served)
    seller, numerator = marts(
        served,
        "select seller_id, numerator from marts.seller_week_indicators "
        "where week_start = ? and indicator = 'FULFILMENT' order by seller_id limit 1",
        [LAST_WEEK],
    )[0]
    with serve(create_app(served, clock=lambda: NOW)) as base_url:
        before = ask(base_url, seller, "FULFILMENT", LAST_WEEK).json()
        # The next run publishes: a new file renamed over the served one.
        following = tmp_path / "next.duckdb"
        shutil.copyfile(published_demo, following)
        con = duckdb.connect(str(following))
        con.execute(
            "update marts.seller_week_indicators set numerator = numerator - 1 "
            "where seller_id = ? and week_start = ? and indicator = 'FULFILMENT'",
            [seller, LAST_WEEK],
        )
        con.close()
        os.replace(following, served)
        after = ask(base_url, seller, "FULFILMENT", LAST_WEEK).json()
    score = lambda body: body["performanceIndicators"][0]["details"]["score"]  # noqa: E731
    assert score(before)["numerator"] == numerator
    assert score(after)["numerator"] == numerator - 1


def test_the_api_command_serves_the_published_copy_of_a_warehouse(
    published_demo: Path, indicators_schema: dict
) -> None:
    warehouse = published_demo.parent.parent / "servicenorms.duckdb"
    seller = marts(published_demo, "select min(seller_id) from marts.seller_trajectory_weeks")[0][0]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "api",
            "--warehouse",
            str(warehouse),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first_line = process.stdout.readline()
        assert "http://127.0.0.1:" in first_line, first_line
        base_url = "http://" + first_line.split("http://")[1].split()[0]
        reply = ask(base_url, seller, "REVIEWS", LAST_WEEK)
        assert reply.status == 200, reply.text
        jsonschema.validate(reply.json(), indicators_schema)
    finally:
        process.terminate()
        process.wait(timeout=20)


INCIDENTS = "/servicenorms/v1/insights/incidents"


def test_the_incidents_of_a_week_are_the_events_behind_its_incident_counts(
    api: str, published_demo: Path
) -> None:
    seller, indicator, count = marts(
        published_demo,
        "select seller_id, indicator, incident_count from marts.seller_week_indicators "
        "where week_start = ? and incident_count > 1 "
        "order by incident_count desc, seller_id, indicator limit 1",
        [LAST_WEEK],
    )[0]
    total = marts(
        published_demo,
        "select sum(incident_count) from marts.seller_week_indicators "
        "where seller_id = ? and week_start = ? and indicator <> 'REVIEWS'",
        [seller, LAST_WEEK],
    )[0][0]
    headers = {"Accept": "application/json", "X-Seller-Id": seller}
    every = request(api, f"{INCIDENTS}?year=2026&week=39", headers)
    assert every.status == 200, every.text
    assert every.content_type == "application/json"
    body = every.json()
    assert body["sellerId"] == seller and body["period"] == {"week": "39", "year": "2026"}
    assert len(body["incidents"]) == total
    one = request(api, f"{INCIDENTS}?year=2026&week=39&name={indicator}", headers).json()
    assert len(one["incidents"]) == count
    assert {i["indicator"] for i in one["incidents"]} == {indicator}
    first = one["incidents"][0]
    assert set(first) == {
        "indicator",
        "eventType",
        "eventId",
        "orderItemId",
        "eventDate",
        "eventAt",
        "reasonCode",
        "reason",
    }
    assert first["reason"] and date.fromisoformat(first["eventDate"]) >= LAST_WEEK


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("year=2026&week=39&name=REVIEWS", {}, 400),  # reviews have no incidents
        ("year=2026&week=39", {"X-Seller-Id": None}, 400),
        ("year=2026&week=39", {"X-Seller-Id": "NOBODY"}, 404),
        ("year=2026&week=40", {}, 400),
        ("year=2026&week=39", {"Accept": MEDIA_TYPE}, 406),  # not the Retailer API's shape
    ],
)
def test_bad_input_on_the_insight_path_is_a_problem_too(
    api: str, published_demo: Path, problem_schema: dict, query: str, headers: dict, status: int
) -> None:
    seller = marts(published_demo, "select min(seller_id) from marts.seller_trajectory_weeks")[0][0]
    sent = {"Accept": "application/json", "X-Seller-Id": seller, **headers}
    reply = request(api, f"{INCIDENTS}?{query}", {k: v for k, v in sent.items() if v})
    assert reply.status == status, reply.text
    jsonschema.validate(reply.json(), problem_schema)


OUTLOOK = "/servicenorms/v1/insights/outlook"


def test_the_outlook_says_what_it_takes_as_of_the_latest_finalised_week(
    api: str, published_demo: Path
) -> None:
    seller = marts(
        published_demo,
        "select min(seller_id) from marts.seller_outlook "
        "where allowed_failures_next_week is not null and trajectory_status = 'OPEN'",
    )[0][0]
    expected = marts(
        published_demo,
        "select indicator, allowed_failures_next_week, conforming_weeks_to_norm, "
        "strike_risk_next_week, strikes_until_temporary_closure, clean_weeks_to_complete "
        "from marts.seller_outlook where seller_id = ? order by indicator",
        [seller],
    )
    headers = {"Accept": "application/json", "X-Seller-Id": seller}
    reply = request(api, OUTLOOK, headers)
    assert reply.status == 200, reply.text
    body = reply.json()
    assert body["period"] == {"week": "39", "year": "2026"}
    assert [
        (
            i["name"],
            i["allowedFailuresNextWeek"],
            i["conformingWeeksToNorm"],
            i["strikeRiskNextWeek"],
            body["trajectory"]["strikesUntilTemporaryClosure"],
            body["trajectory"]["cleanWeeksToComplete"],
        )
        for i in body["indicators"]
    ] == expected
    assert body["trajectory"]["status"] == "OPEN"
    one = request(api, f"{OUTLOOK}?name={expected[0][0]}", headers).json()
    assert [i["name"] for i in one["indicators"]] == [expected[0][0]]


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("?name=NPS", {}, 400),
        ("", {"X-Seller-Id": "NOBODY"}, 404),
        ("", {"X-Seller-Id": None}, 400),
    ],
)
def test_bad_input_on_the_outlook_is_a_problem(
    api: str, published_demo: Path, problem_schema: dict, query: str, headers: dict, status: int
) -> None:
    seller = marts(published_demo, "select min(seller_id) from marts.seller_outlook")[0][0]
    sent = {"Accept": "application/json", "X-Seller-Id": seller, **headers}
    reply = request(api, f"{OUTLOOK}{query}", {k: v for k, v in sent.items() if v})
    assert reply.status == status, reply.text
    jsonschema.validate(reply.json(), problem_schema)
