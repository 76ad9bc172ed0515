"""The report page as a person sees it: served by the web app on a real local server and
opened in headless Chromium, the Debian build that CI installs (.ci/browser.sh)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from bot.config import Secrets, Settings
from bot.report.page import render_html
from bot.runtime import Runtime
from bot.web.app import create_app
from tests.test_report_page import JIRA, sample_report

ARTIFACTS = Path(__file__).parent / "artifacts"
SNAPSHOTS = 12


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must install it (.ci/browser.sh)")
    pytest.skip(f"{reason}: the report page was NOT checked in a browser")


def _chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if found is None:
        _unavailable("no chromium on PATH")
    assert found is not None
    return found


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    folder = tmp_path / "reports"
    folder.mkdir()
    report = sample_report(SNAPSHOTS)
    (folder / "latest.html").write_text(render_html(report, report["trend"], jira_url=JIRA),
                                        encoding="utf-8")
    monkeypatch.setenv("USECASE_BOT_REPORT__OUTPUT_DIR", str(folder))
    settings = Settings()
    runtime = Runtime.build(settings, Secrets.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}))
    server = make_server("127.0.0.1", 0, create_app(settings, runtime.secrets, runtime.db,
                                                    runtime.metrics), threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    executable = _chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable)
        yield chromium
        chromium.close()


def _open(browser: Any, url: str, width: int) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    answer = page.goto(url)
    assert answer is not None and answer.status == 200
    return page, requested


def _save(page: Any, tmp_path: Path, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(tmp_path / name), full_page=True)
    shutil.copyfile(tmp_path / name, ARTIFACTS / name)


@pytest.mark.parametrize(("width", "shown"), [(1280, "wide"), (390, "narrow")])
def test_the_report_page_shows_a_chart_with_a_dot_per_snapshot_and_linked_tables(
        browser, site, tmp_path, width, shown):
    page, requested = _open(browser, f"{site}/reports/latest", width)
    chart = page.locator(f".chart.{shown} svg")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    assert box["width"] <= width
    series = chart.locator("g.plot.overlay g.series")
    assert series.count() == 4
    for n in range(4):
        assert series.nth(n).locator("circle.dot").count() == SNAPSHOTS
    assert page.locator("svg:visible").count() == 1, "one chart at a time"
    legend = chart.locator("g.legends text").all_text_contents()
    assert legend == ["Orphan stories", "Suspect stories", "Stories (right scale)",
                      "Use cases (right scale)"]
    orphans = page.locator("table").first
    story = orphans.locator('a[href="https://github.com/acme/shop/issues/71"]')
    assert story.is_visible()
    assert orphans.locator(f'a[href="{JIRA}/browse/SHOP-12"]').is_visible()
    assert page.locator("td", has_text="<script>").count() == 1, "the title is shown as text"
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scroll"
    assert requested == [f"{site}/reports/latest"], "the page loads nothing else"
    _save(page, tmp_path, f"report-page-{width}.png")
