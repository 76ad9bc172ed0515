"""The report page: what a person reads in it, and how the web app serves it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from bot.config import Secrets, Settings
from bot.report.page import issue_url, render_html, trend_chart
from bot.runtime import Runtime
from bot.web.app import create_app


def sample_report(snapshots: int) -> dict[str, Any]:
    """A report after `snapshots` nights, with every kind of row and a hostile title."""
    first = date(2026, 11, 1)
    trend = [
        {"date": (first + timedelta(days=n)).isoformat(), "orphan_stories": 2 + n % 3,
         "suspect_stories": n % 2, "stories": 30 + 2 * n, "use_cases": 8 + n // 2}
        for n in range(snapshots)
    ]
    return {
        "generated_at": f"{trend[-1]['date']}T02:00:00Z",
        "previous": f"{trend[-2]['date']}T02:00:00Z" if snapshots > 1 else None,
        "totals": {"use_cases": trend[-1]["use_cases"], "stories": trend[-1]["stories"],
                   "linked_stories": 30, "orphan_stories": trend[-1]["orphan_stories"],
                   "uncovered_use_cases": 1, "incomplete_use_cases": 2},
        "orphan_stories": [
            {"ref": "acme/shop#71", "title": "<script>alert('x')</script> Gift cards",
             "new": True, "suggested_parents": ["acme/shop#3", "SHOP-12"]},
            {"ref": "SHOP-40", "title": "Receipts as PDF", "new": False,
             "suggested_parents": []},
        ],
        "changed_use_cases": [{"ref": "acme/shop#3", "steps_added": ["Customer picks a card."],
                               "steps_removed": [], "extensions_added": ["3b"],
                               "extensions_removed": []}],
        "new_use_cases": ["acme/shop#90"],
        "uncovered_use_cases": ["SHOP-2"],
        "stories_per_use_case": [{"ref": "acme/shop#3", "stories": 5,
                                  "added_since_previous": 2}],
        "stories_on_closed_use_cases": ["acme/shop#11"],
        "suspect_stories": [{"ref": "acme/shop#8", "use_case": "acme/shop#3",
                             "use_case_changed": "2026-11-23T14:02:00Z"}],
        "trend": trend,
    }


JIRA = "https://acme.atlassian.net"


def page(snapshots: int = 5, **links: str) -> str:
    report = sample_report(snapshots)
    return render_html(report, report["trend"], **links)


def test_the_stories_per_use_case_table_shows_the_use_cases_with_the_most():
    report = sample_report(3)
    report["stories_per_use_case"] = [{"ref": f"acme/shop#{n}", "stories": 300 - n,
                                       "added_since_previous": 0} for n in range(1, 251)]
    html = render_html(report, report["trend"])
    assert "acme/shop/issues/200" in html and "acme/shop/issues/201" not in html
    assert "The 200 use cases with the most stories; all 250" in html
    assert "<code>2026-11-03.json</code>" in html


def test_github_refs_and_jira_keys_link_to_the_issue_pages():
    assert issue_url("acme/shop#12") == "https://github.com/acme/shop/issues/12"
    assert issue_url("acme/shop#12", "https://ghe.example/") == (
        "https://ghe.example/acme/shop/issues/12")
    assert issue_url("SHOP-12", jira_url=JIRA + "/") == JIRA + "/browse/SHOP-12"
    assert issue_url("SHOP-12") is None
    assert issue_url("not a ref") is None


def test_every_table_links_its_issues():
    html = page(jira_url=JIRA)
    hrefs = set(re.findall(r'href="([^"]+)"', html))
    assert {"https://github.com/acme/shop/issues/71", "https://github.com/acme/shop/issues/3",
            "https://github.com/acme/shop/issues/8", "https://github.com/acme/shop/issues/90",
            "https://github.com/acme/shop/issues/11", JIRA + "/browse/SHOP-12",
            JIRA + "/browse/SHOP-40", JIRA + "/browse/SHOP-2"} <= hrefs


def test_without_a_jira_site_keys_are_shown_unlinked():
    html = page()
    assert "SHOP-40" in html and "/browse/" not in html


def test_a_title_written_as_markup_is_shown_as_text():
    html = page()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Gift cards" in html


def test_the_page_runs_no_script_and_loads_nothing():
    html = page(jira_url=JIRA)
    assert "<script" not in html.lower()
    assert not re.search(r"\bsrc=|xlink:href|@import|url\(", html)
    assert all(h.startswith(("https://github.com/", JIRA)) for h in re.findall(r'href="([^"]+)"',
                                                                              html))
    assert '<meta name="viewport"' in html


def test_the_chart_has_one_dot_per_snapshot_in_each_series_and_a_legend():
    svg = trend_chart(sample_report(9)["trend"])
    series = re.findall(r'<g class="series serie-\d+ color-\d+"><g class="dots">.*?</g></g>',
                        svg)
    assert [s.count('class="dot ') for s in series] == [9, 9, 9, 9]
    for label in ("Orphan stories", "Suspect stories", "Stories", "Use cases"):
        assert f">{label}" in svg
    assert 'class="axis x' in svg and 'class="axis y' in svg
    assert 'role="img" aria-label="Trend over the nightly snapshots: Orphan stories' in svg


def test_totals_show_the_change_between_the_last_two_snapshots():
    html = page(4)
    # Between the last two nights stories went from 34 to 36 and orphan stories from 4 to 2.
    assert re.search(r"Stories</span>\s*<span class=\"value\">36</span>\s*"
                     r"<span class=\"change\">\s*▲ 2 since 3 Nov", html)
    assert re.search(r"Orphan stories</span>\s*<span class=\"value\">2</span>\s*"
                     r"<span class=\"change better\">\s*▼ 2 since 3 Nov", html)


def test_the_first_report_says_there_is_nothing_to_compare_with():
    html = page(1)
    assert "the first report" in html and "no earlier figure" in html


@pytest.fixture
def reports_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Flask, Path]:
    folder = tmp_path / "reports"
    folder.mkdir()
    monkeypatch.setenv("USECASE_BOT_REPORT__OUTPUT_DIR", str(folder))
    settings = Settings()
    runtime = Runtime.build(settings, Secrets.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}))
    return create_app(settings, runtime.secrets, runtime.db, runtime.metrics), folder


def test_latest_and_dated_reports_are_served_as_html(reports_app):
    app, folder = reports_app
    (folder / "latest.html").write_text("<p>latest</p>", encoding="utf-8")
    (folder / "2026-11-24.html").write_text("<p>24th</p>", encoding="utf-8")
    client = app.test_client()
    latest = client.get("/reports/latest")
    assert latest.status_code == 200 and latest.mimetype == "text/html"
    assert latest.text == "<p>latest</p>"
    assert "default-src 'none'" in latest.headers["Content-Security-Policy"]
    assert client.get("/reports/2026-11-24").text == "<p>24th</p>"


def test_a_missing_report_is_a_json_404(reports_app):
    app, _ = reports_app
    client = app.test_client()
    for path in ("/reports/latest", "/reports/2026-11-25"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert "error" in answer.get_json()


@pytest.mark.parametrize("day", ["2026-02-30", "26-11-24", "latest.html", "..%2Fsecret",
                                 "2026-11-24.html", "%2e%2e", "2026-11-24%2F..%2F..%2Fsecret"])
def test_anything_but_a_date_is_a_json_404_and_never_reads_outside(reports_app, day):
    app, folder = reports_app
    (folder / "latest.html").write_text("latest", encoding="utf-8")
    (folder.parent / "secret.html").write_text("secret", encoding="utf-8")
    answer = app.test_client().get(f"/reports/{day}")
    assert answer.status_code == 404
    assert "error" in answer.get_json()


def test_a_series_no_snapshot_counted_is_left_out_of_the_chart_not_drawn_as_zero():
    trend = [{"date": "2026-11-01", "orphan_stories": 1, "stories": 4, "use_cases": 2},
             {"date": "2026-11-02", "orphan_stories": 2, "stories": 5, "use_cases": 2}]
    svg = trend_chart(trend)
    assert "Suspect stories" not in svg and ">Orphan stories" in svg
    assert svg.count('class="dot ') == 6


def test_each_dot_names_its_series_date_and_count_on_hover():
    svg = trend_chart(sample_report(2)["trend"])
    assert "<title>Stories (right scale), 2 Nov: 32</title>" in svg


def test_a_year_of_snapshots_keeps_every_dot_and_shrinks_them():
    svg = trend_chart(sample_report(365)["trend"])
    assert svg.count('class="dot ') == 4 * 365
    assert 'r="3.5"' not in svg
