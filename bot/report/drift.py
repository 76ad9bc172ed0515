"""What drifted between two snapshots, as the JSON of `report --format json` (SPEC §8).

Pure functions: rows in, plain data out. The rows come one at a time, the stories first and
then the use cases grouped by repository or project, and nothing is kept of a row the report
does not list, so the report of 100,000 issues holds about what it says, not the issues."""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from bot.report.model import (
    StoryRow,
    Suspect,
    TrendPoint,
    UseCaseRow,
    UseCaseSnap,
    ref_of,
    scope_of,
)
from bot.usecase.similarity import Weights, best_parents, words

_NUMBER = re.compile(r"(\d+)$")


def ref_order(ref: str) -> tuple[str, int, str]:
    """`o/r#9` before `o/r#10`, `PROJ-9` before `PROJ-10`."""
    found = _NUMBER.search(ref)
    number = int(found.group(1)) if found else 0
    # One string per repository or project, however many refs sort under it.
    return (sys.intern(ref[: found.start()]) if found else ref, number, ref)


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def trend_point(report: dict[str, Any]) -> TrendPoint:
    """The snapshot's point on the trend, with its suspect stories."""
    totals = report["totals"]
    return TrendPoint(date=report["generated_at"][:10], orphan_stories=totals["orphan_stories"],
                      stories=totals["stories"], use_cases=totals["use_cases"],
                      suspect_stories=len(report["suspect_stories"]))


def changed_flows(old: UseCaseSnap, new: UseCaseSnap) -> dict[str, Any]:
    """Steps and extensions added and removed; a step that moved is neither."""
    before, after = Counter(old.steps), Counter(new.steps)
    return {"ref": ref_of(new.key),
            "steps_added": list((after - before).elements()),
            "steps_removed": list((before - after).elements()),
            "extensions_added": [e for e in new.extensions if e not in old.extensions],
            "extensions_removed": [e for e in old.extensions if e not in new.extensions]}


class _Stories:
    """What the report keeps of the stories streaming past: counts, and the few it lists."""

    def __init__(self, suspects: Sequence[Suspect]) -> None:
        self.count = self.linked = 0
        # Each orphan's key, title and whether it is new: what the report lists of it.
        self.orphans: list[tuple[str, str, bool]] = []
        # What the orphans of each repository or project say, until their parents are
        # suggested: by scope, then by key.
        self.said: dict[str, dict[str, str]] = {}
        self.on_closed: list[str] = []
        self.suspected = {s.story for s in suspects}
        self.open_suspected: set[str] = set()

    def take(self, row: StoryRow) -> None:
        story = row.story
        self.count += 1
        self.linked += row.parent_closed is not None
        if story.closed:
            return
        if row.parent_closed is None:
            self.orphans.append((story.key, story.title, not row.was_orphan))
            self.said.setdefault(scope_of(story.key), {})[story.key] = \
                f"{story.title}\n{story.words}"
        elif row.parent_closed:
            self.on_closed.append(story.key)
        if story.key in self.suspected:
            self.open_suspected.add(story.key)


# The open use cases of a repository or project, read again to score them against its
# orphans once their words' weights are known.
OpenUseCases = Callable[[str], Iterable[UseCaseSnap]]


class _UseCases:
    """What the report keeps of the use cases streaming past, and the suggestions for the
    orphans of each repository or project: the words of its open use cases are counted as
    they go by, and once they have, the use cases are read again and scored."""

    def __init__(self, orphans: dict[str, dict[str, str]], open_use_cases: OpenUseCases
                 ) -> None:
        self.count = self.incomplete = 0
        self.changed: list[dict[str, Any]] = []
        self.new: list[str] = []
        self.uncovered: list[str] = []
        self.suggested: dict[str, list[str]] = {}
        self._orphans = orphans
        self._open_use_cases = open_use_cases
        self._scope: str | None = None
        self._weights = Weights()
        self._done: set[str] = set()

    def take(self, row: UseCaseRow, compared: bool) -> None:
        uc = row.after
        scope = scope_of(uc.key)
        if scope != self._scope:
            self._suggest()
            if scope in self._done:
                raise ValueError(f"the use cases of {scope} must come one after another")
            self._scope = scope
        self.count += 1
        self.incomplete += uc.incomplete
        if row.before is None:
            if compared:
                self.new.append(uc.key)
        elif row.before.flows_hash != uc.flows_hash:
            self.changed.append(changed_flows(row.before, uc))
        if not row.stories and not uc.closed:
            self.uncovered.append(uc.key)
        if not uc.closed and scope in self._orphans:
            self._weights.add(_words(uc))

    def finish(self) -> None:
        self._suggest()

    def _suggest(self) -> None:
        """Score the finished scope's open use cases, for its orphans only."""
        if self._scope is None:
            return
        scope, self._scope = self._scope, None
        self._done.add(scope)
        # What they said is not needed once their parents are suggested.
        stories = self._orphans.pop(scope, None)
        if stories and self._weights:
            candidates = ((ref_of(uc.key), _words(uc)) for uc in self._open_use_cases(scope))
            self.suggested.update(best_parents(stories, candidates, self._weights))
        self._weights = Weights()


def _words(uc: UseCaseSnap) -> Counter[str]:
    """What a use case is about, for suggesting it as a story's parent."""
    return words(" ".join((uc.title, *uc.steps)))


def _by_ref(keys: Iterable[str]) -> list[str]:
    return sorted((ref_of(k) for k in keys), key=ref_order)


def per_use_case(rows: Iterable[tuple[str, int, int]], compared: bool
                 ) -> Iterator[tuple[str, int, int]]:
    """`stories_per_use_case`'s rows (ref, stories, added) from the use cases' keys with
    their stories and those added since the snapshot before; the first report has none
    added. The rows come in the report's order: most stories first, then by `ref_order`."""
    return ((ref_of(key), stories, added if compared else 0) for key, stories, added in rows)


def report(taken_at: datetime, previous_at: datetime | None, stories: Iterable[StoryRow],
           use_cases: Iterable[UseCaseRow], suspects: Sequence[Suspect],
           history: Sequence[TrendPoint], *, stories_per_use_case: Sequence[dict[str, Any]],
           open_use_cases: OpenUseCases) -> dict[str, Any]:
    """The report of the snapshot taken at `taken_at` against the one taken at `previous_at`
    (None for the first report). `use_cases` must bring each repository's or project's
    use cases one after another. `history`: the trend points of the snapshots before this
    one, oldest first. `stories_per_use_case` goes into the report as it is: it is as long
    as a fifth of the issues, so the caller streams it (`per_use_case`). `open_use_cases`
    reads a repository's open use cases again, to score them as its orphans' parents."""
    compared = previous_at is not None
    told = _Stories(suspects)
    for story_row in stories:
        told.take(story_row)
    seen = _UseCases(told.said, open_use_cases)
    for use_case_row in use_cases:
        seen.take(use_case_row, compared)
    seen.finish()

    listed = [s for s in suspects if s.story in told.open_suspected]
    totals = {"use_cases": seen.count, "stories": told.count, "linked_stories": told.linked,
              "orphan_stories": len(told.orphans), "uncovered_use_cases": len(seen.uncovered),
              "incomplete_use_cases": seen.incomplete}
    point = {"date": taken_at.strftime("%Y-%m-%d"), "orphan_stories": len(told.orphans),
             "stories": told.count, "use_cases": seen.count}
    return {
        "generated_at": stamp(taken_at),
        "previous": stamp(previous_at) if previous_at is not None else None,
        "totals": totals,
        "orphan_stories": [{"ref": ref_of(key), "title": title, "new": new,
                            "suggested_parents": seen.suggested.get(key, [])}
                           for key, title, new in sorted(told.orphans,
                                                         key=lambda o: ref_order(ref_of(o[0])))],
        "changed_use_cases": sorted(seen.changed, key=lambda c: ref_order(c["ref"])),
        "new_use_cases": _by_ref(seen.new),
        "uncovered_use_cases": _by_ref(seen.uncovered),
        "stories_per_use_case": stories_per_use_case,
        "stories_on_closed_use_cases": _by_ref(told.on_closed),
        "suspect_stories": [{"ref": ref_of(s.story), "use_case": ref_of(s.use_case),
                             "use_case_changed": stamp(s.use_case_changed)}
                            for s in sorted(listed, key=lambda s: ref_order(ref_of(s.story)))],
        "trend": [*(p.model_dump(exclude={"suspect_stories"}) for p in history), point],
    }
