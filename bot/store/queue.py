"""The durable event queue: store on receipt, claim per issue in order, retry with backoff,
and mark dead after too many attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from bot.store.db import Database
from bot.store.models import Event

PENDING, PROCESSING, DONE, DEAD = "pending", "processing", "done", "dead"
# A claimed event whose worker died is offered again once its lease runs out.
LEASE = timedelta(minutes=5)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Claimed:
    id: int
    tracker: str
    delivery: str
    event: str
    action: str | None
    issue_key: str
    payload: str
    attempts: int
    received_at: datetime


@dataclass(frozen=True)
class QueueStats:
    pending: int
    failed: int
    dead: int


def enqueue(
    db: Database, tracker: str, delivery: str, event: str, action: str | None, issue_key: str,
    payload: str,
) -> bool:
    """Store an event; False when the same delivery was stored before (a redelivery)."""
    stamp = now()
    try:
        with db.session() as s:
            s.add(Event(
                tracker=tracker, delivery=delivery, event=event, action=action,
                issue_key=issue_key, payload=payload, status=PENDING, attempts=0,
                next_attempt_at=stamp, received_at=stamp,
            ))
    except IntegrityError:
        return False
    return True


def claim(db: Database) -> Claimed | None:
    """The oldest event that is due and is the first unfinished event of its issue."""
    stamp = now()
    earlier = aliased(Event)
    blocked = exists().where(
        and_(
            earlier.issue_key == Event.issue_key,
            earlier.id < Event.id,
            earlier.status.in_((PENDING, PROCESSING)),
        )
    )
    due = and_(
        Event.next_attempt_at <= stamp,
        ((Event.status == PENDING) | (
            (Event.status == PROCESSING) & (Event.locked_until < stamp)
        )),
    )
    with db.session() as s:
        query = select(Event).where(due, ~blocked).order_by(Event.id).limit(1)
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        row = s.execute(query).scalar_one_or_none()
        if row is None:
            return None
        claimed = Claimed(row.id, row.tracker, row.delivery, row.event, row.action,
                          row.issue_key, row.payload, row.attempts + 1, row.received_at)
        # Compare-and-set, so two workers never take the same event.
        taken = s.execute(  # type: ignore[attr-defined]
            update(Event)
            .where(Event.id == row.id, Event.status == row.status,
                   Event.attempts == row.attempts)
            .values(status=PROCESSING, attempts=claimed.attempts, locked_until=stamp + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        return claimed if taken == 1 else None


def complete(db: Database, event_id: int) -> None:
    with db.session() as s:
        s.execute(update(Event).where(Event.id == event_id).values(
            status=DONE, finished_at=now(), locked_until=None, last_error=None
        ))


def retry_later(db: Database, event_id: int, error: str, delay: timedelta,
                max_attempts: int) -> bool:
    """Schedule another attempt, or mark the event dead; True when it is dead."""
    with db.session() as s:
        attempts = s.execute(select(Event.attempts).where(Event.id == event_id)).scalar_one()
        dead = attempts >= max_attempts
        s.execute(update(Event).where(Event.id == event_id).values(
            status=DEAD if dead else PENDING,
            next_attempt_at=now() + delay,
            locked_until=None,
            last_error=error[:2000],
            finished_at=now() if dead else None,
        ))
    return dead


def stats(db: Database) -> QueueStats:
    with db.session() as s:
        rows = dict(s.execute(
            select(Event.status, func.count()).group_by(Event.status)
        ).all())
        failed = s.execute(
            select(func.count()).where(Event.status == PENDING, Event.attempts > 0)
        ).scalar_one()
    return QueueStats(
        pending=rows.get(PENDING, 0) + rows.get(PROCESSING, 0),
        failed=failed + rows.get(DEAD, 0),
        dead=rows.get(DEAD, 0),
    )
