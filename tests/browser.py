"""Headless Chromium for the browser tests (Debian's `chromium`, driven by Playwright).

Playwright's own browser download does not work offline, so the tests drive the
system Chromium. Without it, only the browser tests are skipped, saying why.
Screenshots go to `test-artifacts/` (git-ignored) so a CI run keeps them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = (
    os.environ.get("SERVICENORMS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Without these the browser tries to reach Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def browser_unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set SERVICENORMS_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium browser; skips the calling test when there is none."""
    reason = browser_unavailable_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def artifact_path(name: str) -> Path:
    """Where a test keeps a screenshot or other artefact for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
