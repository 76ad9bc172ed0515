"""Suspect stories: a story whose use case's flows changed after the story was linked to it
or last reviewed. What is kept per use case is a digest of its flows and when it last
changed; per story, its parent, when it was linked and when someone last reviewed it.

Keys are the reconciler's (`github:owner/repo#8`, `jira:PROJ-8`). Times are stored as naive
UTC, like every time in this database, and handed out as aware UTC.

The tables live on the shared `Base`; importing this module is what adds them to the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import DateTime, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.store.db import Database
from bot.store.models import Base, Id, StoryLink

_T = TypeVar("_T")


class UseCaseFlows(Base):
    """The digest of a use case's flows as last reconciled."""

    __tablename__ = "use_case_flows"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    # None until the flows change after the bot first saw them: what a use case said when
    # the bot arrived is the baseline its stories were written against.
    changed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class StoryReview(Base):
    """When a story was linked to its parent, and when a person last said it still fits."""

    __tablename__ = "story_reviews"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    story_key: Mapped[str] = mapped_column(String(300), unique=True)
    parent_key: Mapped[str] = mapped_column(String(300), index=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Suspect(BaseModel):
    model_config = ConfigDict(frozen=True)

    story: str
    use_case: str
    # When the use case's flows last changed (aware, UTC).
    use_case_changed: datetime


def is_suspect(changed_at: datetime | None, linked_at: datetime | None,
               reviewed_at: datetime | None) -> bool:
    """Whether the use case changed after the story was last looked at against it. A story
    the bot knows no link time of was linked before the bot kept them, so before any change
    it has recorded."""
    if changed_at is None:
        return False
    looked = [t for t in (linked_at, reviewed_at) if t is not None]
    return not looked or changed_at > max(looked)


# ---------------------------------------------------------------- use cases


def record_flows(db: Database, key: str, digest: str, at: datetime) -> bool:
    """Keep the digest of a use case's flows; whether they changed since the last one (the
    first sighting is no change)."""
    def write(s: Session) -> bool:
        row = s.execute(select(UseCaseFlows).where(UseCaseFlows.key == key)).scalar_one_or_none()
        if row is None:
            s.add(UseCaseFlows(key=key, digest=digest, changed_at=None))
            return False
        if row.digest == digest:
            return False
        row.digest, row.changed_at = digest, at
        return True
    return _write(db, write)


# ---------------------------------------------------------------- stories


def note_link(db: Database, story: str, parent: str, at: datetime) -> None:
    """The story is linked to `parent`: a new link, or a moved one, was made at `at`; the
    same link seen again changes nothing."""
    def write(s: Session) -> None:
        row = _review(s, story)
        if row is None:
            s.add(StoryReview(story_key=story, parent_key=parent, linked_at=at))
        elif row.parent_key != parent:
            row.parent_key, row.linked_at, row.reviewed_at = parent, at, None
    _write(db, write)


def note_review(db: Database, story: str, at: datetime) -> str | None:
    """A person checked the story against its use case at `at` (edited it, or said
    `/usecase reviewed`); its parent, or None when it has none."""
    def write(s: Session) -> str | None:
        link = s.get(StoryLink, story)
        if link is None:
            return None
        row = _review(s, story)
        if row is None:
            s.add(StoryReview(story_key=story, parent_key=link.parent_key, linked_at=at,
                              reviewed_at=at))
        elif row.parent_key != link.parent_key:
            row.parent_key, row.linked_at, row.reviewed_at = link.parent_key, at, at
        else:
            row.reviewed_at = at
        return link.parent_key
    return _write(db, write)


def forget(db: Database, key: str) -> None:
    """The issue is gone, or a story lost its parent: a later link starts afresh."""
    with db.session() as s:
        s.execute(delete(UseCaseFlows).where(UseCaseFlows.key == key))
        s.execute(delete(StoryReview).where(StoryReview.story_key == key))


# ---------------------------------------------------------------- reading


def suspect_stories(db: Database) -> list[Suspect]:
    """Every suspect story, by use case, then story."""
    return _suspects(db, None)


def suspects_of(db: Database, use_case: str) -> dict[str, datetime]:
    """The suspect stories of one use case, with when its flows changed."""
    return {s.story: s.use_case_changed for s in _suspects(db, use_case)}


def _suspects(db: Database, use_case: str | None) -> list[Suspect]:
    query = (select(StoryLink.story_key, StoryLink.parent_key, UseCaseFlows.changed_at,
                    StoryReview.parent_key, StoryReview.linked_at, StoryReview.reviewed_at)
             .join(UseCaseFlows, UseCaseFlows.key == StoryLink.parent_key)
             .outerjoin(StoryReview, StoryReview.story_key == StoryLink.story_key)
             .where(UseCaseFlows.changed_at.is_not(None))
             .order_by(StoryLink.parent_key, StoryLink.story_key))
    if use_case is not None:
        query = query.where(StoryLink.parent_key == use_case)
    with db.session() as s:
        rows = list(s.execute(query))
    found = []
    for story, parent, changed, noted_parent, linked, reviewed in rows:
        if noted_parent is not None and noted_parent != parent:
            # Linked to this parent a moment ago; the story's own turn notes when.
            continue
        if changed is not None and is_suspect(changed, linked, reviewed):
            found.append(Suspect(story=story, use_case=parent,
                                 use_case_changed=changed.replace(tzinfo=UTC)))
    return found


def _review(s: Session, story: str) -> StoryReview | None:
    return s.execute(select(StoryReview).where(StoryReview.story_key == story)
                     ).scalar_one_or_none()


def _write(db: Database, write: Callable[[Session], _T]) -> _T:
    """Run `write` in a transaction; when another worker inserted the same row at the same
    moment, run it again over theirs."""
    try:
        with db.session() as s:
            return write(s)
    except IntegrityError:
        with db.session() as s:
            return write(s)
