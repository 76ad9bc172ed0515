"""Scheduled jobs in the database: one row per job and slot, so that of several schedulers
exactly one runs a slot, and per repository or project the time of the last good read.

The tables live on the shared `Base`; importing this module is what adds them to the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.db import Database
from bot.store.models import Base, Id

RUNNING, DONE, FAILED = "running", "done", "failed"


class JobSlot(Base):
    """A scheduled slot of a job, claimed by inserting it: the unique key lets one in."""

    __tablename__ = "job_slots"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_job_slot"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64))
    slot: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # What the last attempt did, for /metrics, which another process may serve.
    issues_read: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issues_changed: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ReadMark(Base):
    """When a repository's or project's issues were last read without a failure."""

    __tablename__ = "read_marks"
    __table_args__ = (UniqueConstraint("tracker", "scope", name="uq_read_mark"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    tracker: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(200))
    # The start of the last good read: the next one asks for what changed since then.
    read_at: Mapped[datetime] = mapped_column(DateTime)
    full_read_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


def claim(db: Database, job: str, slot: datetime, at: datetime) -> bool:
    """Whether this process runs the slot: False when another has claimed it."""
    try:
        with db.session() as s:
            s.add(JobSlot(job=job, slot=slot, status=RUNNING, attempts=1, started_at=at))
    except IntegrityError:
        return False
    return True


def reclaim_failed(db: Database, job: str, slot: datetime, attempts: int, at: datetime) -> bool:
    """Take a failed slot back for its next attempt; of racing retries only one wins,
    because the row changes only while it still shows the attempt that failed."""
    with db.session() as s:
        result = s.execute(
            update(JobSlot)
            .where(JobSlot.job == job, JobSlot.slot == slot, JobSlot.status == FAILED,
                   JobSlot.attempts == attempts)
            .values(status=RUNNING, attempts=attempts + 1, started_at=at)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def finish(db: Database, job: str, slot: datetime, at: datetime, error: str | None,
           read: int, changed: int) -> None:
    with db.session() as s:
        s.execute(update(JobSlot).where(JobSlot.job == job, JobSlot.slot == slot)
                  .values(status=FAILED if error else DONE, finished_at=at, last_error=error,
                          issues_read=read, issues_changed=changed))


@dataclass(frozen=True)
class JobStats:
    done: int = 0
    failed: int = 0
    last_success: datetime | None = None
    last_read: int = 0
    last_changed: int = 0


def stats(db: Database, job: str) -> JobStats:
    """Slots run and failed, and what the latest successful one did."""
    with db.session() as s:
        counts: dict[str, int] = {
            status: count for status, count in s.execute(
                select(JobSlot.status, func.count()).where(JobSlot.job == job)
                .group_by(JobSlot.status))}
        last = s.execute(select(JobSlot).where(JobSlot.job == job, JobSlot.status == DONE)
                         .order_by(JobSlot.finished_at.desc()).limit(1)).scalar_one_or_none()
    return JobStats(done=counts.get(DONE, 0), failed=counts.get(FAILED, 0),
                    last_success=last.finished_at if last else None,
                    last_read=(last.issues_read or 0) if last else 0,
                    last_changed=(last.issues_changed or 0) if last else 0)


def slot(db: Database, job: str, at: datetime) -> JobSlot | None:
    with db.session() as s:
        return s.execute(select(JobSlot).where(JobSlot.job == job, JobSlot.slot == at)
                         ).scalar_one_or_none()



def mark(db: Database, tracker: str, scope: str) -> ReadMark | None:
    with db.session() as s:
        return s.execute(select(ReadMark).where(ReadMark.tracker == tracker,
                                                ReadMark.scope == scope)).scalar_one_or_none()


def save_mark(db: Database, tracker: str, scope: str, read_at: datetime, full: bool) -> None:
    """Move the mark forward; a manual run racing the nightly one to the first mark of a
    scope loses the insert and moves the winner's row instead."""
    for _ in range(2):
        try:
            with db.session() as s:
                row = s.execute(select(ReadMark).where(
                    ReadMark.tracker == tracker, ReadMark.scope == scope)).scalar_one_or_none()
                if row is None:
                    row = ReadMark(tracker=tracker, scope=scope, read_at=read_at)
                    s.add(row)
                row.read_at = max(row.read_at, read_at)
                if full:
                    row.full_read_at = max(row.full_read_at or read_at, read_at)
            return
        except IntegrityError:
            continue
