"""The scope-drift report's pure core: each case is two snapshots and what the report says
of them. The core reads the snapshots as joined rows; `joined` joins them here the way the
database does (tests/test_report_snapshots.py checks the database's against it)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.report.drift import OpenUseCases, per_use_case, ref_order, report, trend_point
from bot.report.model import (
    PerUseCase,
    StoryRow,
    StorySnap,
    TrendPoint,
    UseCaseRow,
    UseCaseSnap,
    ref_of,
    scope_of,
)
from bot.store.suspects import Suspect
from bot.usecase.similarity import (
    Candidate,
    Weights,
    _tokens,
    best_parents,
    suggest,
    words,
)

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
    """The rows of `current` against `previous`: use cases by repository, each in turn, with
    their stories now and how many of those did not name them before."""
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


def per_case_rows(use_cases: Sequence[UseCaseRow]) -> list[tuple[str, int, int]]:
    """The use cases stories name, with their counts, in the order the database gives them
    (`snapshots.per_use_case`): most stories first, then by ref."""
    rows = [(row.after.key, row.stories, row.added) for row in use_cases if row.stories]
    return sorted(rows, key=lambda row: (-row[1], ref_order(ref_of(row[0]))))


def open_use_cases_of(snapshot: Snapshot) -> OpenUseCases:
    return lambda scope: [u for u in snapshot.use_cases
                          if scope_of(u.key) == scope and not u.closed]


def drift(current: Snapshot, previous: Snapshot | None, suspects: Sequence[Suspect] = (),
          history: Sequence[TrendPoint] = ()) -> dict[str, Any]:
    stories, use_cases = joined(current, previous)
    per_case = PerUseCase(per_use_case(per_case_rows(use_cases), previous is not None))
    return report(current.taken_at, previous.taken_at if previous else None, stories,
                  use_cases, suspects, history, stories_per_use_case=per_case,
                  open_use_cases=open_use_cases_of(current))


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
    ("the first report counts no story as added",
     None, snap(DAY2, uc(3), uc(4, closed=True), story(7, 3), story(8, 4)),
     {"stories_per_use_case": [{"ref": "o/r#3", "stories": 1, "added_since_previous": 0},
                               {"ref": "o/r#4", "stories": 1, "added_since_previous": 0}]}),
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
        report(DAY2, None, [], rows, [], [], stories_per_use_case=[],
               open_use_cases=lambda scope: [])


class _WholeIndex:
    """Likely parents as they were weighed before the report streamed them: every
    candidate's weights held at once, each story scored against them all. The streaming
    scorer must say exactly what this said."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self._refs = [c.ref for c in candidates]
        docs = [Counter(_tokens(c.text)) for c in candidates]
        self._df = Counter(w for d in docs for w in d)
        self._n = len(docs)
        self._vectors = [self._vector(d) for d in docs]
        self._norms = [math.sqrt(sum(v * v for v in vec.values())) or 1.0
                       for vec in self._vectors]

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        n, df = self._n, self._df
        return {w: (1 + math.log(c)) * math.log((n + 1) / (df.get(w, 0) + 1) + 1)
                for w, c in counts.items()}

    def best(self, story: str, limit: int = 3) -> list[str]:
        if not self._n:
            return []
        query = self._vector(Counter(_tokens(story)))
        qnorm = math.sqrt(sum(v * v for v in query.values())) or 1.0
        scored = []
        for ref, vec, norm in zip(self._refs, self._vectors, self._norms, strict=True):
            dot = sum(query[w] * vec[w] for w in query.keys() & vec.keys())
            if dot > 0:
                scored.append((dot / (qnorm * norm), ref))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [ref for _, ref in scored[:limit]]


# Few words, so that texts share them, tie and repeat; plurals and stop words among them.
_WORDS = ["customer", "customers", "pays", "card", "cards", "refund", "the", "item", "items",
          "clerk", "returns", "goods", "receipt", "système", "42", "ship", "order", "a"]
_texts = st.lists(st.sampled_from(_WORDS), max_size=8).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(candidates=st.lists(_texts, max_size=12), stories=st.lists(_texts, min_size=1,
                                                                   max_size=5),
       limit=st.integers(min_value=0, max_value=4))
def test_streaming_suggestions_are_those_of_the_whole_index(candidates: list[str],
                                                            stories: list[str],
                                                            limit: int) -> None:
    # Refs out of order, so that ties are broken by ref and not by arrival.
    pool = [Candidate(f"o/r#{(n * 7) % 13}", text) for n, text in enumerate(candidates)]
    weights = Weights()
    for candidate in pool:
        weights.add(words(candidate.text))
    got = best_parents({f"s{n}": text for n, text in enumerate(stories)},
                       ((c.ref, words(c.text)) for c in pool), weights, limit)
    whole = _WholeIndex(pool)
    assert got == {f"s{n}": whole.best(text, limit) for n, text in enumerate(stories)}
    assert [suggest(text, pool, limit) for text in stories] == list(got.values())
