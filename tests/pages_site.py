"""The performance pages of the session's operated warehouse (tests/conftest.py:
generated sellers built by `servicenorms run`, whose pages asset wrote the latest
week's pages beside the warehouse). The tests write the pages of the last
generated week, then of an earlier one, from its published copy into a site of
their own, as `servicenorms pages --week` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
from conftest import OPERATED_FIRST_WEEK, OPERATED_WEEKS, OperatedWarehouse

from orchestration.pages import SiteResult, build_site
from orchestration.weeks import parse_iso_week

# The generator's last week: the last week with activity.
LAST_WEEK: date = parse_iso_week(OPERATED_FIRST_WEEK) + timedelta(weeks=OPERATED_WEEKS - 1)
EARLIER_WEEK = LAST_WEEK - timedelta(weeks=4)


@dataclass
class DemoSite:
    """A site of two weeks written from the operated warehouse's published copy."""

    operated: OperatedWarehouse
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


def build_demo_site(operated: OperatedWarehouse, root: Path) -> DemoSite:
    site = root / "site"
    latest = build_site(operated.published, site, LAST_WEEK)
    earlier = build_site(operated.published, site, EARLIER_WEEK)
    return DemoSite(operated, operated.published, site, latest, earlier)
