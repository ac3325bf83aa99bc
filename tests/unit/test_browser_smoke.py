"""The browser the page and UI tests drive starts, renders and reports console errors."""

from __future__ import annotations

from browser import artifact_path


def test_headless_chromium_renders_a_page_and_reports_console_errors(browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_content("<main><h1>servicenorms</h1><script>console.error('boom')</script></main>")
    assert page.inner_text("h1") == "servicenorms"
    assert errors == ["boom"]
    shot = artifact_path("browser-smoke.png")
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 0
