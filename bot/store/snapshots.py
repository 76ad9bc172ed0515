"""The scope-drift report's snapshots: each use case and story as the last snapshot saw
it (one row per issue, replaced in place, so the next run reads only what changed), and one
row per snapshot with its trend point.

The tables live on the shared `Base`; importing this module is what adds them to the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Boolean, DateTime, Integer, String, Text, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.report.model import Snapshot, StorySnap, TrendPoint, UseCaseSnap
from bot.store.db import Database
from bot.store.models import Base, Id, StoryLink

USE_CASE, STORY = "use_case", "story"
# Rows deleted or written per statement: PostgreSQL takes at most 65,535 parameters.
_BATCH = 1000
T = TypeVar("T")


class SnapshotItem(Base):
    """A use case or story as the latest snapshot holds it."""

    __tablename__ = "snapshot_items"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The text it was parsed from, hashed: an unchanged body is not parsed again.
    body_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)


class ReportSnapshot(Base):
    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    orphan_stories: Mapped[int] = mapped_column(Integer)
    stories: Mapped[int] = mapped_column(Integer)
    use_cases: Mapped[int] = mapped_column(Integer)
    suspect_stories: Mapped[int] = mapped_column(Integer)
    # Whether every issue was read (not only those updated since the snapshot before).
    full: Mapped[bool] = mapped_column(Boolean, default=False)


class Stored:
    """One issue of the stored snapshot, with the hash of the body it was read from."""

    __slots__ = ("body_hash", "item")

    def __init__(self, item: UseCaseSnap | StorySnap, body_hash: str) -> None:
        self.item = item
        self.body_hash = body_hash


class Latest:
    """The stored snapshot: when it and the last full read were taken, and its issues."""

    def __init__(self, taken_at: datetime | None, full_at: datetime | None,
                 items: dict[str, Stored]) -> None:
        self.taken_at = taken_at
        self.full_at = full_at
        self.items = items


def latest(db: Database) -> Latest:
    with db.session() as s:
        taken = s.execute(select(func.max(ReportSnapshot.taken_at))).scalar()
        full = s.execute(select(func.max(ReportSnapshot.taken_at))
                         .where(ReportSnapshot.full.is_(True))).scalar()
        items: dict[str, Stored] = {}
        rows = s.execute(select(SnapshotItem.key, SnapshotItem.kind, SnapshotItem.body_hash,
                                SnapshotItem.data)).yield_per(_BATCH)
        for key, kind, body_hash, data in rows:
            model = UseCaseSnap if kind == USE_CASE else StorySnap
            items[key] = Stored(model.model_validate_json(data), body_hash)
    return Latest(taken, full, items)


def links(db: Database) -> dict[str, str]:
    """Every story's parent as the bot linked it (commands and native links included)."""
    with db.session() as s:
        rows = s.execute(select(StoryLink.story_key, StoryLink.parent_key))
        return {story: parent for story, parent in rows}


def trend(db: Database) -> list[TrendPoint]:
    """Every snapshot's trend point, oldest first."""
    with db.session() as s:
        rows = s.execute(select(ReportSnapshot).order_by(ReportSnapshot.taken_at)).scalars()
        return [TrendPoint(date=r.taken_at.strftime("%Y-%m-%d"), orphan_stories=r.orphan_stories,
                           stories=r.stories, use_cases=r.use_cases,
                           suspect_stories=r.suspect_stories) for r in rows]


def save(db: Database, snapshot: Snapshot, point: TrendPoint, full: bool,
         changed: Iterable[Stored], removed: Sequence[str]) -> None:
    """Record a snapshot: its trend point, the issues that changed since the last one, and
    those gone; in one transaction, so a failed run leaves the previous snapshot whole."""
    with db.session() as s:
        fresh = list(changed)
        doomed = [*removed, *(c.item.key for c in fresh)]
        for chunk in _chunks(doomed):
            s.execute(delete(SnapshotItem).where(SnapshotItem.key.in_(chunk)))
        for rows in _chunks([{"key": c.item.key, "body_hash": c.body_hash,
                              "kind": USE_CASE if isinstance(c.item, UseCaseSnap) else STORY,
                              "data": c.item.model_dump_json()} for c in fresh]):
            s.execute(insert(SnapshotItem), rows)
        s.add(ReportSnapshot(taken_at=snapshot.taken_at, orphan_stories=point.orphan_stories,
                             stories=point.stories, use_cases=point.use_cases,
                             suspect_stories=point.suspect_stories, full=full))


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _BATCH):
        yield items[start:start + _BATCH]
