"""The performance pages without a browser: what they show, where they go, how they are built.

The site of the session's published demo copy (the `demo_site` fixture: the
pages of its last week and of an earlier week) is written once; the browser
test (tests/e2e/test_pages_browser.py) opens the same site (the presentation
rules alone: tests/unit/test_page_rendering.py). The weekly job's pages
are those the session's operated warehouse run wrote.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest
from pages_site import LAST_WEEK, DemoSite

from orchestration.cli import main
from orchestration.serve import pages
from orchestration.serve.pages import (
    PagesError,
    build_site,
    seller_file_name,
    seller_href,
    weeks_to_build,
)
from orchestration.weeks import iso_week_key

LATEST = iso_week_key(LAST_WEEK)


# --------------------------------------------------------------------------- the site


def test_every_seller_of_the_week_gets_a_page_and_the_week_a_platform_page(
    demo_site: DemoSite,
) -> None:
    week = demo_site.latest.week
    spine = {
        r["seller_id"]
        for r in demo_site.rows(
            "select seller_id from marts.seller_trajectory_weeks where week_start = ?", [week]
        )
    }
    files = {p.name for p in (demo_site.site / LATEST / "sellers").iterdir()}
    assert files == {seller_file_name(s) for s in spine}
    assert demo_site.latest.seller_pages == len(spine)
    assert demo_site.latest.platform_page == (demo_site.site / LATEST / "index.html").resolve()
    # The seller list links every page.
    listing = (demo_site.site / LATEST / "sellers.html").read_text()
    assert sorted(re.findall(r'href="(sellers/[^"]+)"', listing)) == sorted(
        seller_href(s) for s in spine
    )


def test_each_week_has_its_folder_and_the_site_index_lists_every_week_built(
    demo_site: DemoSite,
) -> None:
    earlier = iso_week_key(demo_site.earlier.week)
    index = (demo_site.site / "index.html").read_text()
    assert f'href="{LATEST}/index.html"' in index and f'href="{earlier}/index.html"' in index
    assert index.index(LATEST) < index.index(earlier)  # newest first
    # The earlier week, written after the latest, links to it; the latest, written
    # first, knew no other week.
    earlier_page = (demo_site.site / earlier / "index.html").read_text()
    assert f'rel="next" href="../{LATEST}/index.html"' in earlier_page
    latest_page = (demo_site.site / LATEST / "index.html").read_text()
    assert 'rel="prev"' not in latest_page and 'rel="next"' not in latest_page


def test_the_weekly_job_writes_the_latest_published_week_and_prints_where(
    operated_warehouse,
) -> None:
    operated = operated_warehouse
    con = duckdb.connect(str(operated.published), read_only=True)
    try:
        latest = con.execute("select max(week_start) from marts.platform_week_summary").fetchone()
        spine = con.execute(
            "select count(*) from marts.seller_trajectory_weeks where week_start = ?", [latest[0]]
        ).fetchone()[0]
    finally:
        con.close()
    folder = operated.warehouse.parent / "pages" / iso_week_key(latest[0])
    printed = f"performance pages (open in a browser): {folder / 'index.html'}"
    assert printed in operated.output.splitlines()
    assert "performance_pages " in operated.output  # a step of the run
    assert len(list((folder / "sellers").iterdir())) == spine > 0


def test_a_week_folder_shows_nothing_later_than_its_week(demo_site: DemoSite) -> None:
    earlier = demo_site.earlier.week
    later_weeks = {iso_week_key(earlier + timedelta(weeks=n)) for n in range(1, 30)}
    folder = demo_site.site / iso_week_key(earlier)
    for page in [folder / "index.html", *sorted((folder / "sellers").iterdir())[:20]]:
        text = page.read_text()
        # Only the navigation may name a later week folder.
        text = re.sub(r'<nav aria-label="Weeks".*?</nav>', "", text, flags=re.S)
        shown = set(re.findall(r"\d{4}-W\d{2}", text))
        assert not shown & later_weeks, (page.name, shown & later_weeks)


def test_the_pages_need_no_network_and_no_script(demo_site: DemoSite) -> None:
    folder = demo_site.site / LATEST
    for page in [folder / "index.html", folder / "sellers.html", *(folder / "sellers").iterdir()]:
        text = page.read_text()
        assert "<script" not in text
        urls = re.findall(r'(?:href|src)="([^"]+)"', text)
        assert all("://" not in u for u in urls), page.name
        assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', ""), page.name


def test_building_the_same_week_again_writes_identical_pages(
    demo_site: DemoSite, tmp_path: Path
) -> None:
    again = build_site(demo_site.published, tmp_path / "site", demo_site.latest.week)
    for page in (tmp_path / "site" / LATEST).rglob("*.html"):
        original = demo_site.site / page.relative_to(tmp_path / "site")
        # The navigation differs (the fixture's site holds another week): compare the rest.
        strip = re.compile(r'<nav aria-label="Weeks".*?</nav>', re.S)
        assert strip.sub("", page.read_text()) == strip.sub("", original.read_text()), page
    assert again.seller_pages == demo_site.latest.seller_pages


def test_pages_of_some_sellers_leave_the_other_pages_and_link_only_existing_ones(
    demo_site: DemoSite, tmp_path: Path
) -> None:
    sellers = [
        r["seller_id"]
        for r in demo_site.rows(
            "select seller_id from marts.seller_trajectory_weeks "
            "where week_start = ? and trajectory_status = 'OPEN' order by seller_id limit 2",
            [demo_site.latest.week],
        )
    ]
    site = build_site(demo_site.published, tmp_path / "site", demo_site.latest.week, sellers)
    assert site.seller_pages == 2
    written = {p.name for p in (tmp_path / "site" / LATEST / "sellers").iterdir()}
    assert written == {seller_file_name(s) for s in sellers}
    platform = site.platform_page.read_text()
    linked = set(re.findall(r'href="sellers/([^"]+)"', platform))
    assert {unquote(name) for name in linked} <= written


def test_sellers_are_read_in_batches_not_one_query_per_seller(
    demo_site: DemoSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = pages._rows

    def counting(con, sql, params=()):
        calls.append(sql)
        return original(con, sql, params)

    monkeypatch.setattr(pages, "_rows", counting)
    sellers = [
        r["seller_id"]
        for r in demo_site.rows(
            "select seller_id from marts.seller_trajectory_weeks where week_start = ? "
            "order by seller_id",
            [demo_site.latest.week],
        )
    ]
    build_site(demo_site.published, tmp_path / "few", demo_site.latest.week, sellers[:3], 1)
    few = len(calls)
    calls.clear()
    build_site(demo_site.published, tmp_path / "all", demo_site.latest.week, sellers, 1)
    assert len(calls) == few
    # Chunks bound the memory at marketplace scale: a query per mart per chunk.
    calls.clear()
    monkeypatch.setattr(pages, "CHUNK_SELLERS", 50)
    build_site(demo_site.published, tmp_path / "chunked", demo_site.latest.week, sellers, 1)
    chunks = -(-len(sellers) // 50)
    per_chunk = sum(1 for sql in calls if "page_sellers" in sql) // chunks
    assert per_chunk == 8 and len(calls) == few + per_chunk * (chunks - 1)


def test_a_breach_lists_its_first_incidents_and_counts_the_others(
    demo_site: DemoSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page lists each indicator's latest breach: the one of those with most incidents.
    (busiest,) = demo_site.rows(
        """
        select * from (
            select seller_id, indicator, week_start, incident_count
            from marts.seller_week_indicators
            where is_breach and indicator <> 'REVIEWS' and week_start <= ?
            qualify row_number() over (
                partition by seller_id, indicator order by week_start desc
            ) = 1
        ) order by incident_count desc, seller_id, indicator limit 1
        """,
        [demo_site.latest.week],
    )
    assert busiest["incident_count"] > 2
    monkeypatch.setattr(pages, "INCIDENTS_LISTED", 2)
    build_site(
        demo_site.published, tmp_path, demo_site.latest.week, [busiest["seller_id"]], workers=1
    )
    page = (tmp_path / LATEST / "sellers" / seller_file_name(busiest["seller_id"])).read_text()
    more = busiest["incident_count"] - 2
    assert f"and {more} more incident{'s' if more != 1 else ''} that week" in page
    assert f"{busiest['incident_count']} incidents" in page


def test_worker_processes_write_the_same_pages_as_one_process(
    demo_site: DemoSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks, so that two workers share several of them.
    monkeypatch.setattr(pages, "MIN_SELLERS_PER_WORKER", 10)
    one = build_site(demo_site.published, tmp_path / "one", demo_site.latest.week, workers=1)
    two = build_site(demo_site.published, tmp_path / "two", demo_site.latest.week, workers=2)
    assert one.seller_pages == two.seller_pages == demo_site.latest.seller_pages
    for page in (tmp_path / "one").rglob("*.html"):
        assert (
            page.read_bytes()
            == (tmp_path / "two" / page.relative_to(tmp_path / "one")).read_bytes()
        )


def test_a_run_writes_the_latest_week_and_the_week_it_re_ran(demo_site: DemoSite) -> None:
    latest = demo_site.rows("select max(week_start) as w from marts.platform_week_summary")[0]["w"]
    assert weeks_to_build(demo_site.published, None) == [latest]
    assert weeks_to_build(demo_site.published, latest) == [latest]
    earlier = latest - timedelta(weeks=3)
    assert weeks_to_build(demo_site.published, earlier) == [earlier, latest]
    # A week the copy does not hold (a run for a week with no data yet) adds nothing.
    assert weeks_to_build(demo_site.published, latest + timedelta(weeks=5)) == [latest]


def test_a_missing_copy_an_unpublished_week_and_an_unknown_seller_are_named(
    demo_site: DemoSite, tmp_path: Path
) -> None:
    with pytest.raises(PagesError, match="no published marts"):
        build_site(tmp_path / "nowhere.duckdb", tmp_path / "site")
    with pytest.raises(PagesError, match=r"week 2020-W01 is not published \(published weeks: "):
        build_site(demo_site.published, tmp_path / "site", "2020-W01")
    with pytest.raises(PagesError, match="no seller NOBODY in week"):
        build_site(demo_site.published, tmp_path / "site", sellers=["NOBODY"])
    assert not (tmp_path / "site").exists()


def test_cli_pages_prints_the_platform_page_and_fails_with_one_line(
    demo_site: DemoSite,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SERVICENORMS_PUBLISHED", str(demo_site.published))
    seller = seller_id_with_a_trajectory(demo_site)
    code = main(["pages", "--out", str(tmp_path / "site"), "--week", LATEST, "--seller", seller])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"wrote the pages of week {LATEST}: 1 seller pages" in out
    assert f"platform page: {(tmp_path / 'site' / LATEST / 'index.html').resolve()}" in out
    code = main(["pages", "--out", str(tmp_path / "site"), "--week", "2026-W60"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "2026 has no ISO week 60" in err


def seller_id_with_a_trajectory(demo_site: DemoSite) -> str:
    return demo_site.rows(
        "select min(seller_id) as s from marts.seller_trajectory_weeks "
        "where week_start = ? and trajectory_status = 'OPEN'",
        [demo_site.latest.week],
    )[0]["s"]
