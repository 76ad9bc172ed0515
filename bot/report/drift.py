"""What drifted between two snapshots, as the JSON of `report --format json` (SPEC §8).
Pure functions: snapshots in, plain data out."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.report.model import Snapshot, StorySnap, Suspect, TrendPoint, UseCaseSnap, ref_of
from bot.usecase.similarity import Candidate, Index

_NUMBER = re.compile(r"(\d+)$")


def ref_order(ref: str) -> tuple[str, int, str]:
    """`o/r#9` before `o/r#10`, `PROJ-9` before `PROJ-10`."""
    found = _NUMBER.search(ref)
    number = int(found.group(1)) if found else 0
    return (ref[: found.start()] if found else ref, number, ref)


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def scope_of(key: str) -> str:
    """The repository or Jira project of an issue key: suggestions stay within it."""
    ref = ref_of(key)
    return ref.rsplit("#", 1)[0] if key.startswith("github:") else ref.rsplit("-", 1)[0]


def parent_use_case(story: StorySnap, use_cases: dict[str, UseCaseSnap]) -> UseCaseSnap | None:
    return use_cases.get(story.parent) if story.parent else None


def orphans(snapshot: Snapshot) -> list[StorySnap]:
    """Open stories that name no use case the snapshot knows."""
    known = {u.key: u for u in snapshot.use_cases}
    return [s for s in snapshot.stories if not s.closed and parent_use_case(s, known) is None]


def trend_point(snapshot: Snapshot, suspects: int) -> TrendPoint:
    return TrendPoint(date=snapshot.taken_at.strftime("%Y-%m-%d"),
                      orphan_stories=len(orphans(snapshot)), stories=len(snapshot.stories),
                      use_cases=len(snapshot.use_cases), suspect_stories=suspects)


def changed_flows(old: UseCaseSnap, new: UseCaseSnap) -> dict[str, Any]:
    """Steps and extensions added and removed; a step that moved is neither."""
    before, after = Counter(old.steps), Counter(new.steps)
    return {"ref": ref_of(new.key),
            "steps_added": list((after - before).elements()),
            "steps_removed": list((before - after).elements()),
            "extensions_added": [e for e in new.extensions if e not in old.extensions],
            "extensions_removed": [e for e in old.extensions if e not in new.extensions]}


def _suggested(story: StorySnap, by_scope: dict[str, Index]) -> list[str]:
    index = by_scope.get(scope_of(story.key))
    return index.best(f"{story.title}\n{story.words}") if index else []


def report(current: Snapshot, previous: Snapshot | None, suspects: Sequence[Suspect],
           history: Sequence[TrendPoint]) -> dict[str, Any]:
    """The report of `current` against `previous` (None for the first report); `history`:
    the trend points of the snapshots before this one, oldest first."""
    use_cases = {u.key: u for u in current.use_cases}
    before = {u.key: u for u in previous.use_cases} if previous else {}
    old_stories = {s.key: s for s in previous.stories} if previous else {}
    old_orphans = {s.key for s in orphans(previous)} if previous else set()
    lost = orphans(current)

    children: dict[str, list[StorySnap]] = {}
    for story in current.stories:
        parent = parent_use_case(story, use_cases)
        if parent is not None:
            children.setdefault(parent.key, []).append(story)

    candidates: dict[str, list[Candidate]] = {}
    for uc in current.use_cases:
        if not uc.closed:
            candidates.setdefault(scope_of(uc.key), []).append(
                Candidate(ref_of(uc.key), " ".join((uc.title, *uc.steps))))
    # Weighed once per repository or project, and only where a story needs suggestions.
    indexes = {scope: Index(found) for scope, found in candidates.items()
               if any(scope_of(s.key) == scope for s in lost)}

    def was_child(story: StorySnap, parent: str) -> bool:
        old = old_stories.get(story.key)
        return old is not None and old.parent == parent and parent in before

    def by_ref(keys: Sequence[str]) -> list[str]:
        return sorted((ref_of(k) for k in keys), key=ref_order)

    uncovered = [u.key for u in current.use_cases if not u.closed and u.key not in children]
    per_use_case: list[dict[str, Any]] = [{"ref": ref_of(key), "stories": len(kids),
                     "added_since_previous": sum(not was_child(s, key) for s in kids)
                     if previous else 0}
                    for key, kids in children.items()]
    per_use_case.sort(key=lambda row: (-row["stories"], ref_order(row["ref"])))
    closed_parents = [s.key for s in current.stories if not s.closed and
                      (p := parent_use_case(s, use_cases)) is not None and p.closed]
    changed = [changed_flows(before[u.key], u) for u in current.use_cases
               if u.key in before and before[u.key].flows_hash != u.flows_hash]
    stories = {s.key: s for s in current.stories}
    suspects = [s for s in suspects if s.story in stories and not stories[s.story].closed]
    point = trend_point(current, len(suspects))
    return {
        "generated_at": stamp(current.taken_at),
        "previous": stamp(previous.taken_at) if previous else None,
        "totals": {"use_cases": len(use_cases), "stories": len(current.stories),
                   "linked_stories": sum(len(kids) for kids in children.values()),
                   "orphan_stories": len(lost), "uncovered_use_cases": len(uncovered),
                   "incomplete_use_cases": sum(u.incomplete for u in current.use_cases)},
        "orphan_stories": [{"ref": ref_of(s.key), "title": s.title,
                            "new": s.key not in old_orphans,
                            "suggested_parents": _suggested(s, indexes)}
                           for s in sorted(lost, key=lambda s: ref_order(ref_of(s.key)))],
        "changed_use_cases": sorted(changed, key=lambda c: ref_order(c["ref"])),
        "new_use_cases": by_ref([k for k in use_cases if k not in before]) if previous else [],
        "uncovered_use_cases": by_ref(uncovered),
        "stories_per_use_case": per_use_case,
        "stories_on_closed_use_cases": by_ref(closed_parents),
        "suspect_stories": [{"ref": ref_of(s.story), "use_case": ref_of(s.use_case),
                             "use_case_changed": stamp(s.use_case_changed)}
                            for s in sorted(suspects, key=lambda s: ref_order(ref_of(s.story)))],
        "trend": [p.model_dump(exclude={"suspect_stories"}) for p in (*history, point)],
    }
