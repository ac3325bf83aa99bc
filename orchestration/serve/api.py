"""A read-only HTTP API over the published marts (`servicenorms api`).

`GET /retailer/insights/performance/indicator?name=…&year=…&week=…` answers in
the bol.com Retailer API v10 shape (orchestration/serve/retailer_v10.py) for the seller
named by the `X-Seller-Id` header, where bol.com identifies the seller by the
caller's credentials. What that shape has no place for (the events behind the
incident counts, the outlook) is served under `/servicenorms/v1/insights/` in plain JSON
(orchestration/serve/insights.py). Every error is the API's `Problem` JSON with its
status code, never a stack trace.

Each request opens the published copy afresh (an in-memory DuckDB that attaches
the file read-only, a few milliseconds): the copy is replaced atomically by each
run, and a request always reads the latest whole copy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from orchestration.serve import insights
from orchestration.serve import retailer_v10 as v10
from orchestration.serve.retailer_v10 import MEDIA_TYPE, RequestProblem
from orchestration.sql_text import quote_literal

PROBLEM_TYPE = "https://api.bol.com/problems"  # the reference's fixed value
SELLER_HEADER = "X-Seller-Id"
PERFORMANCE_PATH = "/retailer/insights/performance/indicator"
# The answers the Retailer API has no shape for, under a path of their own.
INSIGHTS_PATH = "/servicenorms/v1/insights"
JSON_TYPE = "application/json"
# What a client may ask for in `Accept`; anything else is 406.
ACCEPTED_TYPES = {"*/*", "application/*", JSON_TYPE, MEDIA_TYPE}

log = logging.getLogger(__name__)


def problem_response(
    request: Request, problem: RequestProblem, media_type: str = MEDIA_TYPE
) -> JSONResponse:
    return JSONResponse(
        {
            "type": PROBLEM_TYPE,
            "title": problem.title,
            "status": problem.status,
            "detail": problem.detail,
            "instance": str(request.url),
            "violations": [{"name": n, "reason": r} for n, r in problem.violations],
        },
        status_code=problem.status,
        media_type=media_type,
    )


class PublishedMarts:
    """Opens the published copy for one request; 503 while there is none."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self.path.is_file():
            raise RequestProblem(
                503,
                "Service Unavailable",
                "No published marts yet: a run of the warehouse publishes them.",
            )
        con = duckdb.connect()
        try:
            con.execute(f"attach {quote_literal(str(self.path))} as published (read_only)")
            con.execute("use published")
            # Times in answers read as the rules read them (SPEC §2).
            con.execute("set TimeZone = 'Europe/Amsterdam'")
            yield con
        finally:
            con.close()


def _check_accept(request: Request, answered: str = MEDIA_TYPE) -> None:
    accept = request.headers.get("accept")
    if not accept:
        return
    offered = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if not offered & (ACCEPTED_TYPES if answered == MEDIA_TYPE else ACCEPTED_TYPES - {MEDIA_TYPE}):
        raise RequestProblem(
            406,
            "Not Acceptable",
            f"This resource answers {answered}; the request accepts only {accept}.",
            [("Accept", f"use {answered}")],
        )


def create_app(
    published: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Starlette:
    """The API over the published copy at `published`; `clock` says what time it
    is when deciding whether a week is finalised."""
    marts = PublishedMarts(published)

    def performance_indicator(request: Request) -> JSONResponse:
        try:
            _check_accept(request)
            query = request.query_params
            name = v10.parse_indicator(query.get("name"))
            week_start = v10.parse_period(query.get("year"), query.get("week"))
            with marts.connect() as con:
                seller = v10.check_seller_is_known(con, request.headers.get(SELLER_HEADER))
                v10.check_week_is_published(con, week_start, clock())
                body = v10.performance_indicators(con, [seller], week_start, [name])[seller]
        except RequestProblem as problem:
            return problem_response(request, problem)
        return JSONResponse(body, media_type=MEDIA_TYPE)

    def seller_incidents(request: Request) -> JSONResponse:
        try:
            _check_accept(request, JSON_TYPE)
            query = request.query_params
            name = insights.parse_incident_indicator(query.get("name"))
            week_start = v10.parse_period(query.get("year"), query.get("week"))
            with marts.connect() as con:
                seller = v10.check_seller_is_known(con, request.headers.get(SELLER_HEADER))
                v10.check_week_is_published(con, week_start, clock())
                body = insights.incidents(con, seller, week_start, name)
        except RequestProblem as problem:
            return problem_response(request, problem, JSON_TYPE)
        return JSONResponse(body, media_type=JSON_TYPE)

    def seller_outlook(request: Request) -> JSONResponse:
        try:
            _check_accept(request, JSON_TYPE)
            name = insights.parse_outlook_indicator(request.query_params.get("name"))
            with marts.connect() as con:
                seller = v10.check_seller_is_known(con, request.headers.get(SELLER_HEADER))
                body = insights.outlook(con, seller, name)
        except RequestProblem as problem:
            return problem_response(request, problem, JSON_TYPE)
        return JSONResponse(body, media_type=JSON_TYPE)

    async def http_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        title = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, "Error")
        detail = (
            f"No resource at {request.url.path}."
            if exc.status_code == 404
            else f"{request.method} is not allowed on {request.url.path}."
            if exc.status_code == 405
            else str(exc.detail)
        )
        return problem_response(request, RequestProblem(exc.status_code, title, detail))

    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        # The cause goes to the server's log, never to the client.
        log.error("request %s failed", request.url, exc_info=exc)
        return problem_response(
            request,
            RequestProblem(500, "Internal Server Error", "The request could not be answered."),
        )

    return Starlette(
        routes=[
            Route(PERFORMANCE_PATH, performance_indicator, methods=["GET"]),
            Route(f"{INSIGHTS_PATH}/incidents", seller_incidents, methods=["GET"]),
            Route(f"{INSIGHTS_PATH}/outlook", seller_outlook, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_problem, Exception: server_error},
    )
