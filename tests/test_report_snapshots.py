"""The report's snapshot in the database: the rows the drift reads, joined in SQL, are those
tests/test_drift.py joins by hand for the same two snapshots; a staged run leaves the stored
snapshot as it was until it is saved."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from bot.report.model import StorySnap, TrendPoint, UseCaseSnap
from bot.store import snapshots
from bot.store.db import Database
from bot.store.snapshots import Stored
from tests.databases import KINDS, open_database
from tests.test_drift import CASES, DAY1, Snapshot, joined, per_case_rows, snap, story, uc

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
    assert list(snapshots.per_use_case(db)) == per_case_rows(use_cases)


# Refs whose order a locale's collation would change: case, punctuation before the number,
# a scope that starts another, numbers of more digits.
TRICKY = ["github:o/r#10", "github:o/r#9", "github:o/r#5", "github:o/q#11", "github:o/R#2",
          "github:o/r-x#2", "github:o/r.x#2", "github:o/r_x#1", "github:o/rx#3",
          "github:O/r#1", "github:o/r#100", "github:a-b/c#7", "jira:AB-2", "jira:AB-10",
          "jira:AB2-1", "jira:A_B-1", "jira:ABC-1", "jira:Z-1"]


def covering(counts: dict[str, int]) -> Snapshot:
    """Use cases with as many stories naming each as `counts` says."""
    stories, n = [], 1
    for key, count in counts.items():
        for _ in range(count):
            stories.append(StorySnap(key=f"github:o/stories#{n}", parent=key))
            n += 1
    return Snapshot(DAY1, tuple(UseCaseSnap(key=key) for key in counts), tuple(stories))


def test_stories_per_use_case_come_most_stories_first_then_in_ref_order(db: Database) -> None:
    store(db, None)
    stage(db, covering({"github:o/r#10": 2, "github:o/r#9": 2, "github:o/r#5": 3,
                        "github:o/q#11": 2}), None)
    assert [ref for ref, _, _ in snapshots.per_use_case(db)] == [
        "github:o/r#5", "github:o/q#11", "github:o/r#9", "github:o/r#10"]


@pytest.mark.parametrize("seed", range(5))
def test_the_database_sorts_stories_per_use_case_as_python_does(db: Database,
                                                                seed: int) -> None:
    draw = random.Random(seed)
    keys = draw.sample(TRICKY, 12) + [f"github:o/r#{draw.randrange(1, 10**6)}"
                                      for _ in range(8)]
    current = covering({key: draw.randint(1, 3) for key in dict.fromkeys(keys)})
    store(db, None)
    stage(db, current, None)
    assert list(snapshots.per_use_case(db)) == per_case_rows(joined(current, None)[1])


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


# PostgreSQL only: SQLite compares the bytes of UTF-8 whatever the locale.
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_postgresql_sorts_them_by_code_point_whatever_the_keys_collation(db: Database
                                                                         ) -> None:
    def collate(collation: str) -> None:
        with db.engine.begin() as conn:
            for table in ("snapshot_items", "snapshot_staged"):
                conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN key "
                                  f'TYPE varchar(300) COLLATE "{collation}"'))

    # A database made with a locale's collation (ICU's English here) orders "o/r#" after
    # "o/r-x#" and "o/r#2" before "o/R#2".
    collate("en-US-x-icu")
    try:
        current = covering({key: 1 for key in TRICKY})
        store(db, None)
        stage(db, current, None)
        assert list(snapshots.per_use_case(db)) == per_case_rows(joined(current, None)[1])
    finally:
        collate("default")
