"""The performance pages of the session's published demo copy (tests/conftest.py:
40 generated sellers over 2026-W30..W39, built and published as of W39, so the
outlook of the latest finalised week has data). The tests write the pages of the
last week, then of an earlier one, as `servicenorms pages --week` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.serve.pages import SiteResult, build_site

# The published copy's last week (2026-W39): the latest finalised week, with activity.
LAST_WEEK = date(2026, 9, 21)
EARLIER_WEEK = LAST_WEEK - timedelta(weeks=4)


@dataclass
class DemoSite:
    """A site of two weeks written from a published copy."""

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


def build_demo_site(published: Path, root: Path) -> DemoSite:
    site = root / "site"
    latest = build_site(published, site, LAST_WEEK)
    earlier = build_site(published, site, EARLIER_WEEK)
    return DemoSite(published, site, latest, earlier)
