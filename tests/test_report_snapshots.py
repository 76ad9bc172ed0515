"""The report's snapshot in the database: the rows the drift reads, joined in SQL, are those
tests/test_drift.py joins by hand for the same two snapshots; a staged run leaves the stored
snapshot as it was until it is saved."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.report.model import StorySnap, TrendPoint, UseCaseSnap
from bot.store import snapshots
from bot.store.db import Database
from bot.store.snapshots import Stored
from tests.databases import KINDS, open_database
from tests.test_drift import CASES, DAY1, Snapshot, joined, snap, story, uc

POINT = TrendPoint(date="2026-11-23", orphan_stories=0, stories=0, use_cases=0)


@pytest.fixture(scope="module", params=KINDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
       ) -> Iterator[Database]:
    # One database for the module: each test starts by emptying the snapshot.
    opened = open_database(request.param, tmp_path_factory.mktemp(request.param))
    yield next(opened)
    next(opened, None)


def items(of: Snapshot) -> list[UseCaseSnap | StorySnap]:
    return [*of.use_cases, *of.stories]


def stage(db: Database, of: Snapshot, stored: Snapshot | None, full: bool = True) -> None:
    """A run that read `of`, over the stored snapshot `stored`: rows it did not change are
    staged without their data, as a run stages them."""
    snapshots.begin(db)
    before = {i.key: i for i in items(stored)} if stored else {}
    snapshots.stage(db, [Stored(i, "hash") for i in items(of)],
                    {i.key for i in items(of) if before.get(i.key) != i})
    snapshots.stage_gone(db, {"o/r", "o/other"}, full)


def store(db: Database, of: Snapshot | None) -> None:
    """Make `of` the stored snapshot, whatever was stored before."""
    stage(db, of or snap(DAY1), None)
    snapshots.save(db, DAY1, POINT, True)


def from_database(db: Database) -> tuple[list[Any], list[Any]]:
    return (sorted(snapshots.stories(db), key=lambda r: r.story.key),
            sorted(snapshots.use_cases(db), key=lambda r: r.after.key))


def from_database_of(db: Database, stored: Snapshot, read: Snapshot) -> Any:
    """What the database says of a run that read `read` over `stored`, not in full."""
    stories, use_cases = joined(Snapshot(DAY1, stored.use_cases,
                                         stored.stories + read.stories), stored)
    return (sorted(stories, key=lambda r: r.story.key),
            sorted(use_cases, key=lambda r: r.after.key))


@pytest.mark.parametrize(("name", "previous", "current"), [c[:3] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_the_database_joins_the_rows_as_the_drift_expects(db: Database, name: str,
                                                          previous: Snapshot | None,
                                                          current: Snapshot) -> None:
    store(db, previous)
    stage(db, current, previous)
    stories, use_cases = joined(current, previous)
    assert from_database(db) == (sorted(stories, key=lambda r: r.story.key),
                                 sorted(use_cases, key=lambda r: r.after.key))


def test_use_cases_come_a_repository_after_another(db: Database) -> None:
    store(db, None)
    stage(db, snap(DAY1, *(uc(n) for n in (1, 2, 3)),
                   *(UseCaseSnap(key=f"github:o/other#{n}") for n in (1, 2))), None)
    scopes = [row.after.key.split("#")[0] for row in snapshots.use_cases(db)]
    assert scopes in (["github:o/r"] * 3 + ["github:o/other"] * 2,
                      ["github:o/other"] * 2 + ["github:o/r"] * 3)


def test_the_stored_snapshot_changes_only_when_the_run_is_saved(db: Database) -> None:
    first = snap(DAY1, uc(3), story(7, 3), story(8, 3))
    store(db, first)
    second = snap(DAY1, uc(3, steps=("Customer pays twice.",)), story(7, 3))
    stage(db, second, first)  # story 8 is gone: every issue was read
    assert [r.story.key for r in snapshots.stories(db)] == ["github:o/r#7"]
    stage(db, snap(DAY1, story(9)), first, full=False)  # the run before was never saved
    assert from_database(db) == from_database_of(db, first, snap(DAY1, story(9)))
    snapshots.save(db, DAY1, POINT, False)
    stories, use_cases = from_database(db)
    assert [r.story.key for r in stories] == ["github:o/r#7", "github:o/r#8", "github:o/r#9"]
    assert [r.after for r in use_cases] == [uc(3)] and use_cases[0].before == uc(3)


def test_a_repository_no_longer_served_leaves_the_snapshot(db: Database) -> None:
    store(db, snap(DAY1, uc(3), UseCaseSnap(key="github:o/gone#1")))
    snapshots.begin(db)
    snapshots.stage_gone(db, {"o/r"}, False)
    assert [r.after.key for r in snapshots.use_cases(db)] == ["github:o/r#3"]

