"""Generated sellers run through the whole weekly job, for the performance pages' tests.

`servicenorms run` in-process: landing, the dbt steps, the published copy and the
pages asset, which writes the latest week's pages beside the warehouse. The pages
of an earlier week are then written from the same copy, as `servicenorms pages
--week` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.generator import generate
from orchestration.pages import SiteResult, build_site
from orchestration.pipeline import RunResult, run
from orchestration.weeks import measurement_cutoff

SELLERS = 100
WEEKS = 26
START_WEEK = "2025-W40"
# The generator's last week (2025-W40 + 25 weeks): the run builds up to it.
LAST_WEEK = date(2026, 3, 23)
EARLIER_WEEK = LAST_WEEK - timedelta(weeks=4)


@dataclass
class DemoSite:
    """The performance pages of a generated warehouse's published copy."""

    run: RunResult
    published: Path
    site: Path
    latest: SiteResult
    earlier: SiteResult

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        con = duckdb.connect(str(self.published), read_only=True)
        try:
            cur = con.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            con.close()


def build_demo_site(root: Path) -> DemoSite:
    landing = root / "landing"
    generate(landing, sellers=SELLERS, weeks=WEEKS, start_week=START_WEEK, seed=7)
    result = run(
        landing, root / "warehouse" / "servicenorms.duckdb", now=measurement_cutoff(LAST_WEEK)
    )
    assert result.pages is not None and result.published is not None
    site = result.pages.site
    earlier = build_site(result.published, site, EARLIER_WEEK)
    return DemoSite(result, result.published, site, result.pages, earlier)
