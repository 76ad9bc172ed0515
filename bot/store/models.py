"""Tables: webhook events (the durable queue) and what the bot knows of the trackers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    SQLColumnExpression,
    String,
    Text,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite hands out row ids only to a column declared INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")

# An event's status: waiting (or waiting for another attempt), claimed by a worker, finished,
# or given up on until an operator retries it.
PENDING, PROCESSING, DONE, DEAD = "pending", "processing", "done", "dead"


class Base(DeclarativeBase):
    pass


class Event(Base):
    """One webhook delivery, stored before it is acknowledged."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("tracker", "delivery", name="uq_event_delivery"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    tracker: Mapped[str] = mapped_column(String(16))
    delivery: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    # Events of one issue are processed one at a time, in the order they arrived.
    issue_key: Mapped[str] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Who holds the claim: the process (so a restarted one takes its claims back at once)
    # and this one claim (so a worker whose lease was taken over cannot finish the event).
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


def _named(status: str) -> ColumnElement[str]:
    # Written into the SQL rather than bound: a planner uses a partial index only when it can
    # prove the query's condition implies the index's, which a parameter's value never does.
    return literal_column(f"'{status}'")


def unfinished(status: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """`status` is pending or processing, in the words of the partial indexes below."""
    return status.in_([_named(PENDING), _named(PROCESSING)])


def finished(status: SQLColumnExpression[str]) -> ColumnElement[bool]:
    return status == _named(DONE)


def _partial(name: str, where: ColumnElement[bool], *columns: Any) -> Index:
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


# The claim walks unfinished events in order and asks whether an issue has an earlier one;
# pruning looks for events finished long ago. Each index holds only the rows its query
# wants, so however many finished events pile up, neither query reads them.
_partial("ix_events_unfinished", unfinished(Event.status), Event.id)
_partial("ix_events_unfinished_issue", unfinished(Event.status), Event.issue_key, Event.id)
_partial("ix_events_finished_at", finished(Event.status), Event.finished_at)


class RatePause(Base):
    """A tracker said "no more calls until then" to one token or installation; every worker
    of every process waits instead of sending one more limited request."""

    __tablename__ = "rate_pauses"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Seconds since the epoch, so that the arithmetic is the same on every database.
    until: Mapped[float] = mapped_column(Float)


class WritePace(Base):
    """The next free slot for a content-creating write of one installation, shared by all
    workers so that together they stay under the tracker's per-minute limit."""

    __tablename__ = "write_pace"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_slot: Mapped[float] = mapped_column(Float)


class IssueRecord(Base):
    """The last state of an issue the bot saw, so handlers need not read it again."""

    __tablename__ = "issues"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    tracker: Mapped[str] = mapped_column(String(16))
    repo: Mapped[str] = mapped_column(String(200), index=True)
    number: Mapped[int] = mapped_column(Integer)
    issue_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    labels: Mapped[str] = mapped_column(Text, default="[]")
    state: Mapped[str] = mapped_column(String(16), default="open")
    kind: Mapped[str] = mapped_column(String(16), default="other")
    comment_count: Mapped[int] = mapped_column(Integer, default=0)


class BotComment(Base):
    """The bot's living comment of one kind (lint, link) on one issue."""

    __tablename__ = "bot_comments"

    issue_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    marker: Mapped[str] = mapped_column(String(32), primary_key=True)
    comment_id: Mapped[int] = mapped_column(BigInteger)
    body_hash: Mapped[str] = mapped_column(String(64))


class LabelState(Base):
    """Whether a label the bot manages is on an issue, as last written or seen."""

    __tablename__ = "label_state"

    issue_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    label: Mapped[str] = mapped_column(String(100), primary_key=True)
    present: Mapped[bool] = mapped_column(Integer)


class StoryLink(Base):
    """A story's parent use case, and whether the tracker holds the link natively."""

    __tablename__ = "story_links"

    story_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    parent_key: Mapped[str] = mapped_column(String(300), index=True)
    # "text": named in the body; "command": set by /usecase link; "native": tracker link.
    source: Mapped[str] = mapped_column(String(16))
    linked: Mapped[bool] = mapped_column(Integer, default=0)


class IgnoredRule(Base):
    __tablename__ = "ignored_rules"

    issue_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    rule: Mapped[str] = mapped_column(String(64), primary_key=True)


class KnownLabel(Base):
    """Labels the bot made sure exist in a repository."""

    __tablename__ = "known_labels"

    repo: Mapped[str] = mapped_column(String(200), primary_key=True)
    label: Mapped[str] = mapped_column(String(100), primary_key=True)


class BotIdentity(Base):
    """The bot's own login per tracker, learned from the answers to its writes."""

    __tablename__ = "bot_identity"

    tracker: Mapped[str] = mapped_column(String(16), primary_key=True)
    login: Mapped[str] = mapped_column(String(200))


class TeamSource(Base):
    """A team's own configuration as last read from its tracker: a repository's
    `.github/usecase-bot.yml` or a Jira project's `usecase-bot` property. Kept here so that
    every worker and process shares one copy and asks the tracker only whether it changed."""

    __tablename__ = "team_sources"

    tracker: Mapped[str] = mapped_column(String(16), primary_key=True)
    # owner/name on GitHub, the project key on Jira.
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    # The bytes as the tracker holds them; None when the team has none.
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # GitHub's ETag: the next read asks only whether the file changed.
    etag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Why the tracker would not hand it out (e.g. a 403), when it would not.
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime)
