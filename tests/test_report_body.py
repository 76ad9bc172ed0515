"""The report as a tracker shows it: under the tracker's limit however long the lists, and
summarised rather than cut."""

from __future__ import annotations

import gc
import json
import warnings
from datetime import datetime
from typing import Any

from bot.report import summary
from bot.report.drift import per_use_case, report
from bot.report.json_out import json_text
from bot.report.model import PerUseCase, StoryRow, StorySnap, TrendPoint, UseCaseRow, UseCaseSnap
from bot.store.suspects import Suspect
from tests.test_drift import DAY1, DAY2, drift, per_case_rows, snap, story, uc


def big_report(orphans: int, covered: int = 0) -> dict[str, Any]:
    """`orphans` orphan stories, one use case no story covers and `covered` with a story
    each."""
    use_cases = [UseCaseRow(None, UseCaseSnap(key=f"github:o/r#{n}", title="Pay"),
                            int(n > 1), int(n > 1)) for n in range(1, covered + 2)]
    stories = [StoryRow(StorySnap(key=f"github:o/r#{n}",
                                  title=f"A story with a long title {n} " * 3), None, False)
               for n in range(covered + 2, covered + orphans + 2)]
    return report(datetime(2026, 11, 24, 2), None, stories, use_cases, [], [],
                  stories_per_use_case=PerUseCase(per_use_case(per_case_rows(use_cases), False)),
                  open_use_cases=lambda scope: [row.after for row in use_cases])


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


def test_tens_of_thousands_of_use_cases_are_summarised_too() -> None:
    body = summary.markdown(big_report(3, covered=30_000), None)
    assert len(body) <= 65_536 and "Stories per use case (30000)" in body
    assert "- o/r#2: 1" in body and "and 29800 more" in body


def test_the_json_is_written_as_json_dumps_writes_it() -> None:
    """Piece by piece, yet the same text, stories per use case and all."""
    changed = drift(snap(DAY2, uc(3, steps=("B.", "Ä.")), uc(4), story(7, 3), story(8)),
                    snap(DAY1, uc(3, steps=("A.",)), story(8)),
                    [Suspect(story="github:o/r#7", use_case="github:o/r#3",
                             use_case_changed=DAY1)],
                    [TrendPoint(date="2026-11-23", orphan_stories=1, stories=1, use_cases=1)])
    for got in (big_report(3, covered=4), big_report(0), changed):
        plain = {key: list(value) if isinstance(value, PerUseCase) else value
                 for key, value in got.items()}
        assert json_text(got) == json.dumps(plain, indent=2, ensure_ascii=False)
        assert json.loads(json_text(got))["stories_per_use_case"] == got["stories_per_use_case"]


def test_stories_per_use_case_leave_no_file_open_behind_them() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = PerUseCase([("o/r#1", 2, 1), ("o/r#2", 1, 0)])
        assert rows[1:] == [{"ref": "o/r#2", "stories": 1, "added_since_previous": 0}]
        assert rows[-2]["ref"] == "o/r#1" and len(rows) == 2
        del rows
        gc.collect()
    assert [w.message for w in caught if issubclass(w.category, ResourceWarning)] == []
