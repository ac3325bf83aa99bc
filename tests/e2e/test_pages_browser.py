"""The performance pages in a real browser (headless Chromium): a seller page and the
platform page of a generated run show the marts' numbers, draw their charts, log no
console error and fetch nothing from the network. Screenshots of both pages are kept
in test-artifacts/.

The numbers are formatted here by the pages' documented rule (one decimal for
percentages, two for the per-item ratios, one for grades), independently of the
code under test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser import artifact_path
from pages_site import LAST_WEEK, DemoSite

from orchestration.serve.pages import INCIDENTS_LISTED, TREND_WEEKS, seller_href
from orchestration.weeks import iso_week_key

FINE = {"CASE_ITEM_RATIO", "RETURNS"}


def shown(indicator: str, value: float) -> str:
    if indicator == "REVIEWS":
        return f"{value:.1f}"
    if indicator in FINE:
        return f"{value * 100:.2f} %"
    return f"{value * 100:.1f} %"


def chance(p: float) -> str:
    return "< 0.1 %" if 0 < p < 0.0005 else f"{p * 100:.1f} %"


class Visit:
    """A page opened in the browser, with what it logged and requested."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)

    def close(self) -> None:
        self.page.close()

    def cell_texts(self, selector: str) -> list[str]:
        return [t.strip() for t in self.page.locator(selector).all_inner_texts()]

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.requests and all(u.startswith("file://") for u in self.requests), [
            u for u in self.requests if not u.startswith("file://")
        ]

    def assert_accessible_markup(self) -> None:
        """One h1, every chart named and described, every table captioned with headers."""
        problems = self.page.evaluate(
            """() => {
              const out = [];
              if (document.querySelectorAll('h1').length !== 1) out.push('h1 count');
              if (!document.documentElement.lang) out.push('no lang');
              for (const svg of document.querySelectorAll('svg.chart, svg.smiley')) {
                if (svg.getAttribute('role') !== 'img') out.push('chart without role img');
                const ids = (svg.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
                const label = svg.getAttribute('aria-label') ||
                  ids.map(id => (document.getElementById(id) || {}).textContent || '').join(' ');
                if (!label.trim()) out.push('unnamed chart ' + svg.dataset.chart);
              }
              for (const t of document.querySelectorAll('table')) {
                if (!t.querySelector('caption')) out.push('table without caption');
                if (!t.querySelector('th')) out.push('table without headers');
              }
              for (const th of document.querySelectorAll('thead th')) {
                if (th.getAttribute('scope') !== 'col') out.push('column header without scope');
              }
              return out;
            }"""
        )
        assert problems == []

    def chart_box(self, selector: str) -> dict:
        box = self.page.locator(selector).bounding_box()
        assert box is not None, selector
        return box


@pytest.fixture(scope="module")
def seller(demo_site: DemoSite) -> str:
    """An open-trajectory seller with strikes in the page's trend window, notifications
    and NPS months (the generated data has several)."""
    first = LAST_WEEK - timedelta(weeks=TREND_WEEKS - 1)
    found = demo_site.rows(
        """
        select t.seller_id
        from marts.seller_trajectory_weeks as t
        join marts.seller_week_indicators as i
          on i.seller_id = t.seller_id and i.week_start between ? and ? and i.is_strike
        where t.week_start = ? and t.trajectory_status = 'OPEN'
          and exists (select 1 from marts.seller_monthly_nps as n where n.seller_id = t.seller_id)
        group by t.seller_id order by count(*) desc, t.seller_id limit 1
        """,
        [first, LAST_WEEK, LAST_WEEK],
    )
    assert found, "the generated data has no open trajectory with strikes"
    return found[0]["seller_id"]


def test_seller_page_shows_the_marts_numbers_and_draws_the_trend_charts(
    browser, demo_site: DemoSite, seller: str
) -> None:
    week = LAST_WEEK
    page_file = demo_site.site / iso_week_key(week) / seller_href(seller)
    visit = Visit(browser, page_file.resolve().as_uri())
    try:
        visit.assert_clean()
        visit.assert_accessible_markup()
        assert seller in visit.page.locator("h1").inner_text()

        # Six-week scores: value, norm and smiley of each indicator, as in the mart.
        scores = demo_site.rows(
            "select indicator, value_6w, norm_value, conforms_6w "
            "from marts.seller_six_week_scores where seller_id = ? and week_start = ?",
            [seller, week],
        )
        assert scores
        for s in scores:
            row = f'#scores tr[data-indicator="{s["indicator"]}"]'
            assert visit.page.locator(f"{row} .value-6w").inner_text() == shown(
                s["indicator"], s["value_6w"]
            )
            assert (
                visit.page.locator(f"{row} .norm")
                .inner_text()
                .endswith(shown(s["indicator"], s["norm_value"]))
            )
            face = visit.page.locator(f"{row} svg.smiley").get_attribute("aria-label")
            assert face == ("Green: meets the norm" if s["conforms_6w"] else "Red: below the norm")
        unmeasured = visit.page.locator("#scores tr.none").count()
        assert unmeasured == 9 - len(scores)

        # One trend chart per indicator measured in the window, a mark per measured
        # week, the strikes as strike marks; each chart drawn with a real size.
        weekly = demo_site.rows(
            "select indicator, week_start, is_strike from marts.seller_week_indicators "
            "where seller_id = ? and week_start between ? and ?",
            [seller, week - timedelta(weeks=TREND_WEEKS - 1), week],
        )
        indicators = {r["indicator"] for r in weekly}
        assert visit.page.locator("figure.trend").count() == len(indicators)
        for indicator in indicators:
            chart = f'figure.trend[data-indicator="{indicator}"] svg.chart'
            box = visit.chart_box(chart)
            assert box["width"] > 300 and box["height"] > 80
            rows = [r for r in weekly if r["indicator"] == indicator]
            marks = visit.page.locator(f"{chart} .mark")
            assert marks.count() == len(rows)
            drawn = {
                visit.page.locator(f"{chart} .mark.strike").nth(i).get_attribute("data-week")
                for i in range(visit.page.locator(f"{chart} .mark.strike").count())
            }
            assert drawn == {r["week_start"].isoformat() for r in rows if r["is_strike"]}
            # Marks lie inside their chart.
            mark = marks.nth(0).bounding_box()
            assert box["x"] <= mark["x"] <= box["x"] + box["width"]
        assert sum(1 for r in weekly if r["is_strike"]) > 0

        # The weekly table names each strike in words, not by colour alone.
        visit.page.locator("section[aria-labelledby=trend-h] details summary").click()
        strike_cells = visit.page.locator("#weekly td.strike")
        assert strike_cells.count() == sum(1 for r in weekly if r["is_strike"])
        assert "strike" in strike_cells.nth(0).inner_text().lower()

        # Per indicator its latest breach of the window, and the first incidents behind it.
        breaches = demo_site.rows(
            "select indicator, max(week_start) as week_start from marts.seller_week_indicators "
            "where seller_id = ? and is_breach and indicator <> 'REVIEWS' "
            "and week_start between ? and ? group by indicator",
            [seller, week - timedelta(weeks=TREND_WEEKS - 1), week],
        )
        assert breaches and visit.page.locator("table.incidents").count() == len(breaches)
        for b in breaches:
            table = f'table.incidents[data-indicator="{b["indicator"]}"]'
            assert visit.page.locator(table).get_attribute("data-week") == (
                b["week_start"].isoformat()
            )
            events = demo_site.rows(
                "select event_id from marts.seller_week_incidents where seller_id = ? "
                "and indicator = ? and week_start = ? order by event_date, event_id",
                [seller, b["indicator"], b["week_start"]],
            )
            listed = visit.cell_texts(f"{table} tbody td:nth-child(2) .code")
            assert listed == [e["event_id"] for e in events[:INCIDENTS_LISTED]]
            more = len(events) - INCIDENTS_LISTED
            footer = visit.page.locator(f"{table} tfoot")
            assert footer.count() == (1 if more > 0 else 0)

        # What it takes: the outlook of the latest finalised week, the page's week.
        outlook = demo_site.rows(
            "select * from marts.seller_outlook where seller_id = ? and week_start = ?",
            [seller, week],
        )
        assert outlook
        assert visit.page.locator("#strike-chance strong").inner_text() == chance(
            outlook[0]["seller_strike_risk_next_week"]
        )
        for o in outlook:
            if o["indicator"] == "REVIEWS":
                continue
            row = f'#outlook tr[data-indicator="{o["indicator"]}"]'
            assert visit.page.locator(f"{row} .breach-risk").inner_text() == chance(
                o["breach_risk_next_week"]
            )
            if o["median_weekly_denominator"]:
                allowed = o["allowed_failures_next_week"]
                volume = o["median_weekly_denominator"]
                text = visit.page.locator(f"{row} .next-week").inner_text()
                assert f"{allowed} of {volume} " in text or (
                    f"{volume} items ordered may bring at most {allowed} " in text
                ), text
            weeks_back = o["conforming_weeks_to_norm"]
            if not o["conforms_6w"] and weeks_back is not None:
                assert (
                    visit.page.locator(f"{row} .back")
                    .inner_text()
                    .startswith(f"{weeks_back} conforming week")
                )

        # Where the seller stands, and the timeline's strikes.
        (now,) = demo_site.rows(
            "select trajectory_status, trajectory_strike_count from marts.seller_trajectory_weeks "
            "where seller_id = ? and week_start = ?",
            [seller, week],
        )
        standing = visit.page.locator("#standing")
        assert standing.get_attribute("data-status") == now["trajectory_status"]
        assert int(standing.get_attribute("data-strikes")) == now["trajectory_strike_count"]
        assert visit.page.locator("ol.steps li.done").count() == now["trajectory_strike_count"]
        strike_weeks = demo_site.rows(
            "select count(*) as n from marts.seller_trajectory_weeks "
            "where seller_id = ? and week_start <= ? and is_strike_week",
            [seller, week],
        )[0]["n"]
        timeline = "svg[data-chart=timeline-chart]"
        assert visit.chart_box(timeline)["width"] > 300
        assert (
            visit.page.locator(f"{timeline} g.event:not(.groeistart_end)").count() == strike_weeks
        )

        # Every notification of the window, and every NPS month.
        notifications = demo_site.rows(
            "select count(*) as n from marts.seller_notifications "
            "where seller_id = ? and week_start between ? and ?",
            [seller, week - timedelta(weeks=TREND_WEEKS - 1), week],
        )[0]["n"]
        assert visit.page.locator("#notifications tbody tr").count() == notifications
        months = demo_site.rows(
            "select nps from marts.seller_monthly_nps where seller_id = ? and month_start <= ? "
            "order by month_start desc limit 12",
            [seller, week + timedelta(days=6)],
        )
        assert visit.page.locator("#nps tbody tr").count() == len(months)
        assert visit.cell_texts("#nps tbody tr td:nth-child(3)") == [
            f"{m['nps']:.1f}" for m in months
        ]
        visit.page.screenshot(path=str(artifact_path("pages-seller.png")), full_page=True)
    finally:
        visit.close()


def test_platform_page_shows_the_platform_summary_and_draws_its_charts(
    browser, demo_site: DemoSite
) -> None:
    week = LAST_WEEK
    visit = Visit(browser, demo_site.latest.platform_page.as_uri())
    try:
        visit.assert_clean()
        visit.assert_accessible_markup()
        (summary,) = demo_site.rows(
            "select * from marts.platform_week_summary where week_start = ?", [week]
        )
        headline = dict(
            zip(
                visit.cell_texts("#headline th"),
                visit.cell_texts("#headline td"),
                strict=True,
            )
        )
        assert headline["Sellers measured"] == str(summary["sellers_measured"])
        assert headline["Sellers with a strike"] == str(summary["strikes"])
        assert headline["Breaches"] == str(summary["breaches"])
        assert headline["Open trajectories"] == str(summary["open_trajectories"])
        assert headline["Sellers closed (to date)"] == str(summary["closed_sellers"])

        per_indicator = demo_site.rows(
            "select indicator, count(*) as measured, count(*) filter (where conforms) as meeting,"
            " count(*) filter (where is_strike) as strikes "
            "from marts.seller_week_indicators where week_start = ? group by indicator",
            [week],
        )
        for r in per_indicator:
            cells = visit.cell_texts(f'#per-indicator tr[data-indicator="{r["indicator"]}"] td')
            assert cells[0] == str(r["measured"]) and cells[1] == str(r["meeting"])
            assert cells[3] == str(r["strikes"])

        # A share chart per indicator with a mark per week that measured it.
        history = demo_site.rows(
            "select * from marts.platform_week_summary where week_start <= ? order by week_start",
            [week],
        )
        for indicator in ("FULFILMENT", "CANCELLATIONS", "REVIEWS"):
            chart = f'figure.share[data-indicator="{indicator}"] svg.chart'
            assert visit.chart_box(chart)["width"] > 200
            measured = [
                h for h in history if h[f"share_conforming_{indicator.lower()}"] is not None
            ]
            assert visit.page.locator(f"{chart} .mark").count() == len(measured)
        # The actions chart: one bar segment per week and action that happened.
        actions = ("mail_actions", "temporary_closures", "final_warnings", "definitive_closures")
        segments = sum(1 for h in history for a in actions if h[a])
        assert visit.page.locator("svg[data-chart=actions] rect.bar").count() == segments
        assert visit.chart_box("svg[data-chart=actions]")["width"] > 600

        # The six-week score distribution counts every scored seller once.
        scored = demo_site.rows(
            "select indicator, count(*) filter (where conforms_6w) as meets, "
            "count(*) filter (where not conforms_6w) as misses "
            "from marts.seller_six_week_scores where week_start = ? group by indicator",
            [week],
        )
        for r in scored:
            figure = f'figure.histogram[data-indicator="{r["indicator"]}"]'
            assert visit.chart_box(f"{figure} svg.chart")["height"] > 50
            caption = visit.page.locator(f"{figure} figcaption .counts").inner_text()
            assert caption == f"{r['meets']} meet, {r['misses']} below"

        # The sellers most likely to strike next week, from the outlook.
        likeliest = demo_site.rows(
            """
            select seller_id, max(seller_strike_risk_next_week) as risk,
                   any_value(strikes_until_definitive_closure) as until_closure
            from marts.seller_outlook where week_start = ? group by seller_id
            having max(seller_strike_risk_next_week) > 0
               and any_value(trajectory_status) <> 'CLOSED'
            order by risk desc, until_closure nulls last, seller_id limit 25
            """,
            [week],
        )
        assert likeliest
        rows = visit.page.locator("#likeliest tbody tr")
        assert rows.count() == len(likeliest)
        assert [rows.nth(i).get_attribute("data-seller") for i in range(rows.count())] == [
            r["seller_id"] for r in likeliest
        ]
        assert visit.cell_texts("#likeliest tbody td.chance") == [
            chance(r["risk"]) for r in likeliest
        ]

        # The sellers closest to closure link to their pages, which open cleanly.
        closest = demo_site.rows(
            "select seller_id from marts.seller_trajectory_weeks where week_start = ? "
            "and trajectory_status = 'OPEN' "
            "order by trajectory_strike_count desc, consecutive_clean_weeks, seller_id limit 1",
            [week],
        )
        visit.page.screenshot(path=str(artifact_path("pages-platform.png")), full_page=True)
        first = visit.page.locator("#at-risk tbody tr").first
        assert first.get_attribute("data-seller") == closest[0]["seller_id"]
        first.locator("a").click()
        visit.page.wait_for_load_state()
        assert closest[0]["seller_id"] in visit.page.locator("h1").inner_text()
        visit.assert_clean()
    finally:
        visit.close()
