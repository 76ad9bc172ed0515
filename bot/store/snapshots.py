"""The scope-drift report's snapshots: each use case and story as the last snapshot saw
it (one row per issue, replaced in place, so the next run reads only what changed), and one
row per snapshot with its trend point.

A run stages what it read beside the stored snapshot (`snapshot_staged`): the rows that
changed in full, the others as a mark that they were seen, the issues gone as a mark that
they are. The snapshot of the run is the stored one overlaid with the staged rows, read in
SQL; it replaces the stored one only when the run is saved, so a run that fails or is not
published leaves the stored snapshot as it was.

The tables live on the shared `Base`; importing this module is what adds them to the schema.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.report.model import StoryRow, StorySnap, TrendPoint, UseCaseRow, UseCaseSnap, scope_of
from bot.store.db import Database
from bot.store.models import Base, Id, StoryLink

USE_CASE, STORY = "use_case", "story"
# Rows fetched at a time from a stream.
_BATCH = 1000


class SnapshotItem(Base):
    """A use case or story as the latest snapshot holds it."""

    __tablename__ = "snapshot_items"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The text it was parsed from, hashed: an unchanged body is not parsed again.
    body_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)
    # Out of `data`, for the report's joins: the repository or project, whether it is
    # closed, and the use case a story names.
    scope: Mapped[str] = mapped_column(String(300), default="")
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    parent: Mapped[str | None] = mapped_column(String(300), nullable=True)


class StagedItem(Base):
    """A use case or story as the run in progress read it, or a mark that it is gone."""

    __tablename__ = "snapshot_staged"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    body_hash: Mapped[str] = mapped_column(String(64))
    # None: unchanged since the stored snapshot, whose row says the rest.
    data: Mapped[str | None] = mapped_column(Text, nullable=True)
    scope: Mapped[str] = mapped_column(String(300))
    closed: Mapped[bool] = mapped_column(Boolean)
    parent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    gone: Mapped[bool] = mapped_column(Boolean, default=False)


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
    """When the stored snapshot and its last full read were taken, and the repositories and
    projects it holds."""

    def __init__(self, taken_at: datetime | None, full_at: datetime | None,
                 scopes: set[str]) -> None:
        self.taken_at = taken_at
        self.full_at = full_at
        self.scopes = scopes


def begin(db: Database) -> Latest:
    """Start a run: what an unsaved run before staged is dropped."""
    with db.session() as s:
        s.execute(delete(StagedItem))
        taken = s.execute(select(func.max(ReportSnapshot.taken_at))).scalar()
        full = s.execute(select(func.max(ReportSnapshot.taken_at))
                         .where(ReportSnapshot.full.is_(True))).scalar()
        scopes = set(s.execute(select(SnapshotItem.scope).distinct()).scalars())
    return Latest(taken, full, scopes)


def stored(db: Database, keys: Sequence[str]) -> tuple[dict[str, Stored], dict[str, str]]:
    """The stored rows of these issues, and the parents the bot linked those stories to
    (commands and native links included)."""
    with db.session() as s:
        rows = s.execute(select(SnapshotItem.key, SnapshotItem.kind, SnapshotItem.body_hash,
                                SnapshotItem.data).where(SnapshotItem.key.in_(keys)))
        found = {key: Stored(_parsed(kind, data), body_hash)
                 for key, kind, body_hash, data in rows}
        links = s.execute(select(StoryLink.story_key, StoryLink.parent_key)
                          .where(StoryLink.story_key.in_(keys)))
        return found, {story: parent for story, parent in links}


def stage(db: Database, read: Sequence[Stored], changed: Collection[str]) -> None:
    """Issues the run read; those in `changed` differ from their stored row (or have none)."""
    if not read:
        return
    with db.session() as s:
        s.execute(delete(StagedItem).where(StagedItem.key.in_([r.item.key for r in read])))
        s.execute(insert(StagedItem), [
            {"key": r.item.key, "kind": _kind(r.item), "body_hash": r.body_hash,
             "data": r.item.model_dump_json() if r.item.key in changed else None,
             "scope": scope_of(r.item.key), "closed": r.item.closed,
             "parent": r.item.parent if isinstance(r.item, StorySnap) else None, "gone": False}
            for r in read])


def stage_gone(db: Database, served: Collection[str], full: bool) -> None:
    """Mark gone the stored issues of repositories and projects no longer served and, when
    every issue was read, those no listing showed."""
    item = SnapshotItem
    marks = select(item.key, item.kind, item.body_hash, item.scope, item.closed,
                   item.parent, literal(True)).where(~exists().where(StagedItem.key == item.key))
    if not full:
        marks = marks.where(item.scope.not_in(list(served)))
    with db.session() as s:
        s.execute(insert(StagedItem).from_select(
            ["key", "kind", "body_hash", "scope", "closed", "parent", "gone"], marks))


def _current() -> Any:
    """The run's snapshot: the staged rows not gone, over the stored rows not staged."""
    staged, item = StagedItem, SnapshotItem
    fresh = (select(staged.key, staged.kind, staged.scope, staged.closed, staged.parent,
                    func.coalesce(staged.data, item.data).label("data"))
             .select_from(staged).outerjoin(item, item.key == staged.key)
             .where(staged.gone.is_(False)))
    kept = (select(item.key, item.kind, item.scope, item.closed, item.parent, item.data)
            .where(~exists().where(staged.key == item.key)))
    return union_all(fresh, kept).cte("current")


def stories(db: Database) -> Iterator[StoryRow]:
    """The run's stories, each with its use case's state and whether it was an orphan."""
    current = _current()
    story, parent = current.alias("story"), current.alias("parent")
    before, its_parent = SnapshotItem.__table__.alias("before"), \
        SnapshotItem.__table__.alias("its_parent")
    query = (select(story.c.data, parent.c.closed, before.c.key, before.c.closed,
                    its_parent.c.key)
             .select_from(story)
             .outerjoin(parent, and_(parent.c.key == story.c.parent,
                                     parent.c.kind == USE_CASE))
             .outerjoin(before, and_(before.c.key == story.c.key, before.c.kind == STORY))
             .outerjoin(its_parent, and_(its_parent.c.key == before.c.parent,
                                         its_parent.c.kind == USE_CASE))
             .where(story.c.kind == STORY))
    with db.session() as s:
        for data, parent_closed, was, was_closed, had_parent in _streamed(s, query):
            yield StoryRow(StorySnap.model_validate_json(data),
                           None if parent_closed is None else bool(parent_closed),
                           was is not None and not was_closed and had_parent is None)


def use_cases(db: Database) -> Iterator[UseCaseRow]:
    """The run's use cases, a repository or project after another, each with its stored
    row and its stories now, and how many of those did not name it before."""
    current = _current()
    use_case, counts = current.alias("use_case"), _story_counts(current)
    before = SnapshotItem.__table__.alias("before")
    query = (select(use_case.c.data, before.c.data, counts.c.stories, counts.c.added)
             .select_from(use_case)
             .outerjoin(before, and_(before.c.key == use_case.c.key,
                                     before.c.kind == USE_CASE))
             .outerjoin(counts, counts.c.parent == use_case.c.key)
             .where(use_case.c.kind == USE_CASE)
             .order_by(use_case.c.scope))
    with db.session() as s:
        for data, old, count, added in _streamed(s, query):
            after = UseCaseSnap.model_validate_json(data)
            then = None if old is None else after if old == data else \
                UseCaseSnap.model_validate_json(old)
            yield UseCaseRow(then, after, count or 0, added or 0)


def per_use_case(db: Database) -> Iterator[tuple[str, int, int]]:
    """The run's use cases that stories name, each with its stories and how many of those
    did not name it in the stored snapshot, in the report's order: most stories first, then
    by `drift.ref_order` (the ref up to its number, the number, the ref). The database
    sorts them, so that the report never holds them all."""
    current = _current()
    use_case, counts = current.alias("use_case"), _story_counts(current)
    key, scope = use_case.c.key, use_case.c.scope
    # `github:owner/repo#12`, `jira:PROJ-12`: the ref follows the tracker's name, the
    # number the scope and its `#` or `-`.
    ref_at = case((key.like("github:%"), len("github:") + 1), else_=len("jira:") + 1)
    up_to_number = func.substr(key, ref_at, func.length(scope) + 1)
    number = cast(func.substr(key, ref_at + func.length(scope) + 1), Integer)
    query = (select(key, counts.c.stories, counts.c.added)
             .select_from(use_case).join(counts, counts.c.parent == key)
             .where(use_case.c.kind == USE_CASE)
             .order_by(counts.c.stories.desc(), _by_code_point(db, up_to_number), number,
                       _by_code_point(db, key)))
    with db.session() as s:
        for row_key, stories, added in _streamed(s, query):
            yield row_key, stories, added or 0


def _story_counts(current: Any) -> Any:
    """Per use case a story names: its stories, and how many of them did not name it in the
    stored snapshot (or named it when it was not in that snapshot)."""
    story = current.alias("story")
    items = SnapshotItem.__table__
    was, its_parent = items.alias("was"), items.alias("its_parent")
    # A story named the same use case before, and that use case was in the snapshot then.
    kept = and_(was.c.key.is_not(None), its_parent.c.key.is_not(None))
    return (select(story.c.parent, func.count().label("stories"),
                   func.sum(case((kept, 0), else_=1)).label("added"))
            .select_from(story)
            .outerjoin(was, and_(was.c.key == story.c.key, was.c.kind == STORY,
                                 was.c.parent == story.c.parent))
            .outerjoin(its_parent, and_(its_parent.c.key == was.c.parent,
                                        its_parent.c.kind == USE_CASE))
            .where(story.c.kind == STORY, story.c.parent.is_not(None))
            .group_by(story.c.parent).subquery("counts"))


def _by_code_point(db: Database, text: Any) -> Any:
    """`text` compared as Python compares strings. SQLite's default comparison already
    does (bytes of UTF-8); PostgreSQL's follows the database's locale unless told "C"."""
    return text.collate("C") if db.engine.dialect.name == "postgresql" else text


def open_use_cases(db: Database, scope: str) -> Iterator[UseCaseSnap]:
    """The run's open use cases of one repository or project."""
    current = _current()
    query = select(current.c.data).where(current.c.kind == USE_CASE, current.c.scope == scope,
                                         current.c.closed.is_(False))
    with db.session() as s:
        for (data,) in _streamed(s, query):
            yield UseCaseSnap.model_validate_json(data)


def _streamed(s: Any, query: Any) -> Iterator[Any]:
    # A server-side cursor on PostgreSQL: psycopg would otherwise fetch every row at once.
    return iter(s.execute(query.execution_options(yield_per=_BATCH)))


def trend(db: Database) -> list[TrendPoint]:
    """Every snapshot's trend point, oldest first."""
    with db.session() as s:
        rows = s.execute(select(ReportSnapshot).order_by(ReportSnapshot.taken_at)).scalars()
        return [TrendPoint(date=r.taken_at.strftime("%Y-%m-%d"), orphan_stories=r.orphan_stories,
                           stories=r.stories, use_cases=r.use_cases,
                           suspect_stories=r.suspect_stories) for r in rows]


def save(db: Database, taken_at: datetime, point: TrendPoint, full: bool) -> None:
    """Make the run's snapshot the stored one, with its trend point; in one transaction, so
    a failed save leaves the previous snapshot whole."""
    staged, item = StagedItem, SnapshotItem
    replaced = select(staged.key).where(or_(staged.gone.is_(True), staged.data.is_not(None)))
    fresh = select(staged.key, staged.kind, staged.body_hash, staged.data, staged.scope,
                   staged.closed, staged.parent).where(staged.gone.is_(False),
                                                       not_(staged.data.is_(None)))
    with db.session() as s:
        s.execute(delete(item).where(item.key.in_(replaced)))
        s.execute(insert(item).from_select(
            ["key", "kind", "body_hash", "data", "scope", "closed", "parent"], fresh))
        s.execute(delete(staged))
        s.add(ReportSnapshot(taken_at=taken_at, orphan_stories=point.orphan_stories,
                             stories=point.stories, use_cases=point.use_cases,
                             suspect_stories=point.suspect_stories, full=full))


def _parsed(kind: str, data: str) -> UseCaseSnap | StorySnap:
    model = UseCaseSnap if kind == USE_CASE else StorySnap
    return model.model_validate_json(data)


def _kind(item: UseCaseSnap | StorySnap) -> str:
    return USE_CASE if isinstance(item, UseCaseSnap) else STORY
