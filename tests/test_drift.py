"""The scope-drift report's pure core: each case is two snapshots and what the report says
of them. The core reads the snapshots as joined rows; `joined` joins them here the way the
database does (tests/test_report_snapshots.py checks the database's against it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from bot.report.drift import report, trend_point
from bot.report.model import StoryRow, StorySnap, TrendPoint, UseCaseRow, UseCaseSnap, scope_of
from bot.store.suspects import Suspect

DAY1, DAY2 = datetime(2026, 11, 23, 2), datetime(2026, 11, 24, 2)
CHANGED = datetime(2026, 11, 23, 14, 2)


def uc(n: int, steps: tuple[str, ...] = ("Customer pays.",), ext: tuple[str, ...] = (),
       closed: bool = False, incomplete: bool = False) -> UseCaseSnap:
    return UseCaseSnap(key=f"github:o/r#{n}", title=f"Use case {n}", closed=closed,
                       incomplete=incomplete, flows_hash=repr((steps, ext)), steps=steps,
                       extensions=ext)


def story(n: int, parent: int | str | None = None, closed: bool = False,
          title: str = "A story") -> StorySnap:
    key = f"github:o/r#{parent}" if isinstance(parent, int) else parent
    return StorySnap(key=f"github:o/r#{n}", title=title, closed=closed, parent=key)


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    use_cases: tuple[UseCaseSnap, ...]
    stories: tuple[StorySnap, ...]


def snap(at: datetime, *items: UseCaseSnap | StorySnap) -> Snapshot:
    return Snapshot(taken_at=at, use_cases=tuple(i for i in items if isinstance(i, UseCaseSnap)),
                    stories=tuple(i for i in items if isinstance(i, StorySnap)))


def joined(current: Snapshot, previous: Snapshot | None
           ) -> tuple[list[StoryRow], list[UseCaseRow]]:
    """The rows of `current` against `previous`: use cases by repository, each in turn."""
    now = {u.key: u for u in current.use_cases}
    then = {u.key: u for u in previous.use_cases} if previous else {}
    old = {s.key: s for s in previous.stories} if previous else {}
    stories = []
    for story in current.stories:
        parent = now.get(story.parent) if story.parent else None
        was = old.get(story.key)
        stories.append(StoryRow(story, None if parent is None else parent.closed,
                                was is not None and not was.closed and was.parent not in then))
    use_cases = []
    for uc in sorted(current.use_cases, key=lambda u: scope_of(u.key)):
        kids = [s for s in current.stories if s.parent == uc.key]
        kept = sum(s.key in old and old[s.key].parent == uc.key and uc.key in then
                   for s in kids)
        use_cases.append(UseCaseRow(then.get(uc.key), uc, len(kids), len(kids) - kept))
    return stories, use_cases


def drift(current: Snapshot, previous: Snapshot | None, suspects: Sequence[Suspect] = (),
          history: Sequence[TrendPoint] = ()) -> dict[str, Any]:
    stories, use_cases = joined(current, previous)
    return report(current.taken_at, previous.taken_at if previous else None, stories,
                  use_cases, suspects, history)


CASES: list[tuple[str, Snapshot | None, Snapshot, dict[str, Any]]] = [
    ("the first report has no previous and no change list", None,
     snap(DAY2, uc(3), uc(4), story(7, 3)),
     {"previous": None, "changed_use_cases": [], "new_use_cases": [],
      "uncovered_use_cases": ["o/r#4"],
      "totals": {"use_cases": 2, "stories": 1, "linked_stories": 1, "orphan_stories": 0,
                 "uncovered_use_cases": 1, "incomplete_use_cases": 0}}),
    ("a story naming nothing is an orphan, new when it was not one before",
     snap(DAY1, uc(3), story(7), story(8, 3)),
     snap(DAY2, uc(3), story(7), story(8), story(9, "jira:NOPE-1")),
     {"orphan_stories": [
         {"ref": "o/r#7", "title": "A story", "new": False, "suggested_parents": []},
         {"ref": "o/r#8", "title": "A story", "new": True, "suggested_parents": []},
         {"ref": "o/r#9", "title": "A story", "new": True, "suggested_parents": []}]}),
    ("an orphan gets the use cases of its repository that share its words",
     None, snap(DAY2, uc(3), uc(4, steps=("Clerk returns goods.",)),
                story(7, title="Customer pays by card")),
     {"orphan_stories": [{"ref": "o/r#7", "title": "Customer pays by card", "new": True,
                          "suggested_parents": ["o/r#3"]}]}),
    ("steps and extensions added and removed; a moved step is neither",
     snap(DAY1, uc(3, steps=("A.", "B.", "C."), ext=("2a",))),
     snap(DAY2, uc(3, steps=("B.", "A.", "D."), ext=("2b",))),
     {"changed_use_cases": [{"ref": "o/r#3", "steps_added": ["D."], "steps_removed": ["C."],
                             "extensions_added": ["2b"], "extensions_removed": ["2a"]}]}),
    ("a use case first seen now is new",
     snap(DAY1, uc(3)), snap(DAY2, uc(3), uc(10), uc(9)),
     {"new_use_cases": ["o/r#9", "o/r#10"], "changed_use_cases": []}),
    ("stories per use case count its stories and those added since the previous snapshot",
     snap(DAY1, uc(3), uc(4), story(7, 3), story(8, 4)),
     snap(DAY2, uc(3), uc(4), story(7, 3), story(8, 3), story(9, 3), story(10, 4)),
     {"stories_per_use_case": [{"ref": "o/r#3", "stories": 3, "added_since_previous": 2},
                               {"ref": "o/r#4", "stories": 1, "added_since_previous": 1}]}),
    ("open stories of a closed use case are listed; a closed use case is never uncovered",
     None, snap(DAY2, uc(3, closed=True), uc(5, closed=True), story(11, 3),
                story(12, 3, closed=True)),
     {"stories_on_closed_use_cases": ["o/r#11"], "uncovered_use_cases": []}),
    ("incomplete use cases are counted",
     None, snap(DAY2, uc(3, incomplete=True), uc(4)),
     {"totals": {"use_cases": 2, "stories": 0, "linked_stories": 0, "orphan_stories": 0,
                 "uncovered_use_cases": 2, "incomplete_use_cases": 1}}),
]


@pytest.mark.parametrize(("name", "previous", "current", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_report(name: str, previous: Snapshot | None, current: Snapshot,
                expected: dict[str, Any]) -> None:
    got = drift(current, previous)
    assert {k: got[k] for k in expected} == expected


def test_the_report_has_exactly_the_keys_of_the_contract() -> None:
    got = drift(snap(DAY2, uc(3), story(8, 3)), snap(DAY1, uc(3)),
                [Suspect(story="github:o/r#8", use_case="github:o/r#3",
                         use_case_changed=CHANGED)],
                [TrendPoint(date="2026-11-23", orphan_stories=3, stories=40, use_cases=9,
                            suspect_stories=2)])
    assert list(got) == ["generated_at", "previous", "totals", "orphan_stories",
                         "changed_use_cases", "new_use_cases", "uncovered_use_cases",
                         "stories_per_use_case", "stories_on_closed_use_cases",
                         "suspect_stories", "trend"]
    assert got["generated_at"] == "2026-11-24T02:00:00Z"
    assert got["previous"] == "2026-11-23T02:00:00Z"
    assert got["suspect_stories"] == [{"ref": "o/r#8", "use_case": "o/r#3",
                                       "use_case_changed": "2026-11-23T14:02:00Z"}]
    assert got["trend"] == [
        {"date": "2026-11-23", "orphan_stories": 3, "stories": 40, "use_cases": 9},
        {"date": "2026-11-24", "orphan_stories": 0, "stories": 1, "use_cases": 1}]


def test_suspects_are_shown_for_open_stories_of_the_snapshot_only() -> None:
    told = [Suspect(story=f"github:o/r#{n}", use_case="github:o/r#3", use_case_changed=CHANGED)
            for n in (8, 9, 10)]
    got = drift(snap(DAY2, uc(3), story(8, 3), story(9, 3, closed=True)), None, told)
    assert [s["ref"] for s in got["suspect_stories"]] == ["o/r#8"]
    assert got["trend"][-1] == {"date": "2026-11-24", "orphan_stories": 0, "stories": 2,
                                "use_cases": 1}


def test_a_trend_point_counts_the_snapshot() -> None:
    told = [Suspect(story="github:o/r#8", use_case="github:o/r#3", use_case_changed=CHANGED)]
    point = trend_point(drift(snap(DAY2, uc(3), story(7), story(8, 3)), None, told))
    assert point == TrendPoint(date="2026-11-24", orphan_stories=1, stories=2, use_cases=1,
                               suspect_stories=1)


def test_suggestions_stay_within_the_repository_of_the_orphan() -> None:
    other = UseCaseSnap(key="github:o/other#3", title="Customer pays by card",
                        steps=("Customer pays by card.",))
    got = drift(Snapshot(DAY2, (uc(3, steps=("Clerk returns goods.",)), other),
                         (story(7, title="Customer pays by card"),)), None)
    assert got["orphan_stories"][0]["suggested_parents"] == []


def test_the_use_cases_of_a_repository_must_come_together() -> None:
    rows = [UseCaseRow(None, UseCaseSnap(key=key), 0, 0)
            for key in ("github:o/r#1", "github:o/s#1", "github:o/r#2")]
    with pytest.raises(ValueError, match="o/r"):
        report(DAY2, None, [], rows, [], [])


def test_stories_per_use_case_are_most_first_then_in_ref_order() -> None:
    rows = [UseCaseRow(None, UseCaseSnap(key=f"github:{ref}"), stories, 0)
            for ref, stories in (("o/r#10", 2), ("o/r#9", 2), ("o/r#5", 3), ("o/q#11", 2))]
    got = report(DAY2, None, [], rows, [], [])["stories_per_use_case"]
    assert [row["ref"] for row in got] == ["o/r#5", "o/q#11", "o/r#9", "o/r#10"]
