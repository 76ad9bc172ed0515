"""The report as a tracker shows it: under the tracker's limit however long the lists, and
summarised rather than cut."""

from __future__ import annotations

from datetime import datetime

from bot.report import summary
from bot.report.drift import report
from bot.report.model import Snapshot, StorySnap, UseCaseSnap


def big_report(orphans: int) -> dict[str, object]:
    use_case = UseCaseSnap(key="github:o/r#1", title="Pay")
    stories = tuple(StorySnap(key=f"github:o/r#{n}", title=f"A story with a long title {n} " * 3)
                    for n in range(2, orphans + 2))
    return report(Snapshot(taken_at=datetime(2026, 11, 24, 2), use_cases=(use_case,),
                           stories=stories), None, [], [])


def test_a_short_report_lists_everything() -> None:
    body = summary.markdown(big_report(3), None)
    assert body.startswith(summary.REPORT_MARKER)
    assert "Orphan stories (3)" in body and "more: see" not in body
    assert all(f"o/r#{n}" in body for n in (2, 3, 4))


def test_a_long_report_is_summarised_under_githubs_limit() -> None:
    body = summary.markdown(big_report(5000), None)
    assert len(body) <= 65_536
    assert "Orphan stories (5000)" in body
    assert "more: see the whole report" in body
    assert "- o/r#201 " in body and "- o/r#202 " not in body


def test_the_jira_comment_fits_jiras_limit_in_both_markups() -> None:
    for version in (2, 3):
        _, text = summary.jira_body(big_report(5000), None, version)
        assert len(text) <= 32_767 and "usecase-bot:report" in text


def test_totals_show_the_change_since_the_snapshot_before() -> None:
    body = summary.markdown(big_report(3), {"orphan_stories": 5, "stories": 3, "use_cases": 1})
    assert "Orphan stories: *3* (-2)" in body and "Stories: *3* (+0)" in body
