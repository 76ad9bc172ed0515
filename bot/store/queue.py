"""The durable event queue: store on receipt, claim per issue in order under a short lease
that the worker renews, and finish or reschedule an event only while holding its claim."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, aliased

from bot.store.db import Database
from bot.store.models import DEAD, DONE, PENDING, PROCESSING, Event, finished, unfinished

log = logging.getLogger("usecase_bot.queue")

# Short, because a worker that died holds its issue's events back for this long; a live
# worker renews it while its handler runs.
LEASE = timedelta(seconds=30)
MAX_ERROR = 2000
# Events deleted per transaction when pruning: few enough that no transaction grows large
# or holds the table for long.
PRUNE_BATCH = 1000
# Events deleted by one pruning at the most (seconds of work), so that a first pruning of a
# large backlog does not hold its worker for minutes; the next hour takes the next share.
PRUNE_MOST = 100_000


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
    # Proves the claim is still ours when the event is finished or rescheduled.
    token: str


@dataclass(frozen=True)
class QueueStats:
    pending: int
    failed: int
    dead: int


@dataclass(frozen=True)
class EventView:
    """An event as an operator sees it."""

    id: int
    tracker: str
    event: str
    action: str | None
    issue_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


@dataclass(frozen=True)
class _Receipt:
    """The webhook's insert as its driver takes it, compiled once per database. The answer to
    GitHub waits on it, and a Core execution costs more than the insert itself (a third of the
    request); the statement, parameter order and value conversions are still SQLAlchemy's."""

    sql: str
    # The parameters' order for a driver that takes them by position (SQLite's `?`).
    order: tuple[str, ...] | None
    converters: Mapping[str, Callable[[Any], Any]]

    def parameters(self, values: dict[str, object]) -> Sequence[object] | dict[str, object]:
        """`values` (a fresh row, converted in place) as the driver takes them."""
        for name, convert in self.converters.items():
            values[name] = convert(values[name])
        return values if self.order is None else [values[name] for name in self.order]


@functools.cache
def _receipt(dialect: Dialect) -> _Receipt:
    columns = list(_fresh("", "", "", None, "", ""))
    # inline(): nothing to read back, so no RETURNING for the driver to send and fetch.
    compiled = insert(Event).inline().compile(dialect=dialect, column_keys=columns)
    table = Event.__table__.columns
    converters = {name: convert for name in columns
                  if (convert := table[name].type.dialect_impl(dialect).bind_processor(dialect))
                  is not None}
    order = tuple(compiled.positiontup or ()) if dialect.positional else None
    return _Receipt(compiled.string, order, converters)


def enqueue(
    db: Database, tracker: str, delivery: str, event: str, action: str | None, issue_key: str,
    payload: str,
) -> bool:
    """Store an event; False when the same delivery was stored before (a redelivery), unless
    that one is dead: then it is queued again, so a redelivery is an operator's retry."""
    dialect = db.engine.dialect
    receipt = _receipt(dialect)
    parameters = receipt.parameters(_fresh(tracker, delivery, event, action, issue_key, payload))
    while True:
        connection, reused = db.kept.get()
        cursor = None
        try:
            cursor = connection.cursor()
            # Committed as it returns: the connection is in autocommit.
            cursor.execute(receipt.sql, parameters)
            stored = True
        except dialect.loaded_dbapi.IntegrityError:
            # Also when a cut after the commit made the insert go again by a new connection:
            # stored once, and answered as a redelivery.
            stored = False
        except dialect.loaded_dbapi.Error as exc:
            # One kept from an earlier request may have been cut while it waited, unlike one
            # the pool has just pinged: then the delivery goes by a new one.
            cut = reused and dialect.is_disconnect(exc, connection, cursor)
            # The connection may be gone (a server restart, a cut): closed for good.
            db.kept.drop()
            if cut:
                log.info("the database closed a kept connection; storing the delivery by "
                         "a new one")
                continue
            raise
        return stored or _revive(db, (Event.tracker == tracker) & (Event.delivery == delivery)) == 1


def add(session: Session, tracker: str, delivery: str, event: str, issue_key: str,
        payload: str) -> None:
    """Queue an event in the caller's transaction: it is stored if and only if the change
    that calls for it is, so a crash between the two cannot lose it."""
    session.add(Event(**_fresh(tracker, delivery, event, None, issue_key, payload)))


def waiting(session: Session, issue_key: str, event: str) -> bool:
    """Whether an event of this kind is queued for the issue and no worker has tried it yet:
    then it does what one queued now would do. On PostgreSQL it stays locked until the
    caller's transaction ends, so no worker claims it (and reads the issue's state) before
    the change that called for it can be seen; on SQLite that change holds the write lock a
    claim needs."""
    # unfinished(): the partial index's own words, so the planner reads only the issue's
    # unfinished events; of those, the ones not yet tried.
    query = (select(Event.id)
             .where(unfinished(Event.status), Event.issue_key == issue_key,
                    Event.status == PENDING, Event.event == event, Event.attempts == 0)
             .limit(1).with_for_update())
    return session.execute(query).first() is not None


def _fresh(tracker: str, delivery: str, event: str, action: str | None, issue_key: str,
           payload: str) -> dict[str, object]:
    stamp = now()
    return {"tracker": tracker, "delivery": delivery, "event": event, "action": action,
            "issue_key": issue_key, "payload": payload, "status": PENDING, "attempts": 0,
            "next_attempt_at": stamp, "received_at": stamp}


def claim(db: Database, worker: str, lease: timedelta = LEASE,
          at: datetime | None = None) -> Claimed | None:
    """The oldest event that is due and is the first unfinished event of its issue."""
    stamp = at or now()
    earlier = aliased(Event)
    blocked = exists().where(
        unfinished(earlier.status), earlier.issue_key == Event.issue_key, earlier.id < Event.id,
    )
    # An unfinished event is due when it is waiting, or when its worker's lease ran out.
    due = and_(
        unfinished(Event.status),
        Event.next_attempt_at <= stamp,
        (Event.status == PENDING) | (Event.locked_until < stamp),
    )
    with db.session() as s:
        query = select(Event).where(due, ~blocked).order_by(Event.id).limit(1)
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        row = s.execute(query).scalar_one_or_none()
        if row is None:
            return None
        claimed = Claimed(row.id, row.tracker, row.delivery, row.event, row.action,
                          row.issue_key, row.payload, row.attempts + 1, row.received_at,
                          secrets.token_hex(16))
        # Compare-and-set, so two workers never take the same event.
        taken = s.execute(  # type: ignore[attr-defined]
            update(Event)
            .where(Event.id == row.id, Event.status == row.status,
                   Event.attempts == row.attempts)
            .values(status=PROCESSING, attempts=claimed.attempts, locked_until=stamp + lease,
                    worker=worker, claim_token=claimed.token)
            .execution_options(synchronize_session=False)
        ).rowcount
        return claimed if taken == 1 else None


def _held(claimed: Claimed) -> ColumnElement[bool]:
    return and_(Event.id == claimed.id, Event.status == PROCESSING,
                Event.claim_token == claimed.token)


def _fenced_update(db: Database, claimed: Claimed, **values: object) -> bool:
    """Apply `values` only while the claim is still ours; whether it was."""
    with db.session() as s:
        changed: int = s.execute(  # type: ignore[attr-defined]
            update(Event).where(_held(claimed)).values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
    return changed == 1


def renew(db: Database, claimed: Claimed, lease: timedelta = LEASE,
          at: datetime | None = None) -> bool:
    """Extend the lease; False when another worker has taken the event over."""
    return _fenced_update(db, claimed, locked_until=(at or now()) + lease)


def complete(db: Database, claimed: Claimed, at: datetime | None = None) -> bool:
    return _fenced_update(db, claimed, status=DONE, finished_at=at or now(),
                          locked_until=None, claim_token=None, last_error=None)


def retry_later(db: Database, claimed: Claimed, error: str, when: datetime) -> bool:
    return _fenced_update(db, claimed, status=PENDING, next_attempt_at=when,
                          locked_until=None, claim_token=None, last_error=error[:MAX_ERROR])


def bury(db: Database, claimed: Claimed, error: str, at: datetime | None = None) -> bool:
    """Mark the event dead: it no longer blocks its issue and waits for an operator."""
    return _fenced_update(db, claimed, status=DEAD, finished_at=at or now(),
                          locked_until=None, claim_token=None, last_error=error[:MAX_ERROR])


def release(db: Database, worker: str | None) -> int:
    """Give back at once what a restarted process had claimed (every claim when `worker` is
    None); the number of events released. Their attempt still counts."""
    held = Event.status == PROCESSING
    if worker is not None:
        held = held & (Event.worker == worker)
    with db.session() as s:
        released: int = s.execute(  # type: ignore[attr-defined]
            update(Event).where(held).values(status=PENDING, locked_until=None,
                                             claim_token=None, next_attempt_at=now())
            .execution_options(synchronize_session=False)
        ).rowcount
    return released


def _revive(db: Database, which: ColumnElement[bool]) -> int:
    """Queue dead events again with a fresh retry window; how many there were."""
    stamp = now()
    with db.session() as s:
        revived: int = s.execute(  # type: ignore[attr-defined]
            update(Event).where(which, Event.status == DEAD).values(
                status=PENDING, attempts=0, next_attempt_at=stamp, received_at=stamp,
                finished_at=None,
            ).execution_options(synchronize_session=False)
        ).rowcount
    return revived


def retry_dead(db: Database, ids: Sequence[int] | None) -> int:
    """Queue the dead events with these ids (every dead event when None) again."""
    return _revive(db, Event.id.in_(ids) if ids is not None else Event.id.is_not(None))


def listing(db: Database, status: str | None, limit: int) -> list[EventView]:
    """Unfinished events, newest first: `pending` (waiting or running), `failed` (waiting
    for another attempt after a failure), `dead`, or all three when `status` is None."""
    where = {
        None: Event.status.in_((PENDING, PROCESSING, DEAD)),
        "pending": Event.status.in_((PENDING, PROCESSING)),
        "failed": (Event.status == PENDING) & (Event.attempts > 0),
        "dead": Event.status == DEAD,
    }[status]
    with db.session() as s:
        rows = s.execute(select(Event).where(where).order_by(Event.id.desc()).limit(limit))
        return [EventView(r.id, r.tracker, r.event, r.action, r.issue_key, r.status,
                          r.attempts, r.next_attempt_at, r.last_error) for r in rows.scalars()]


def stats(db: Database) -> QueueStats:
    with db.session() as s:
        # Finished events are left out: there may be millions, and nobody asks for their number.
        rows = dict(s.execute(
            select(Event.status, func.count()).where(Event.status.in_((PENDING, PROCESSING, DEAD)))
            .group_by(Event.status)
        ).all())
        failed = s.execute(
            select(func.count()).where(Event.status == PENDING, Event.attempts > 0)
        ).scalar_one()
    return QueueStats(
        pending=rows.get(PENDING, 0) + rows.get(PROCESSING, 0),
        failed=failed + rows.get(DEAD, 0),
        dead=rows.get(DEAD, 0),
    )


def queued(db: Database, issue_key: str) -> bool:
    """Whether the issue has events the worker has yet to finish."""
    with db.session() as s:
        return s.execute(select(Event.id).where(
            unfinished(Event.status), Event.issue_key == issue_key
        ).limit(1)).first() is not None


def prune(db: Database, before: datetime, batch: int = PRUNE_BATCH,
          most: int = PRUNE_MOST) -> int:
    """Delete the events finished before `before`, a batch per transaction, `most` at the
    most; how many. Dead events are not finished: they wait for an operator."""
    pruned = 0
    while pruned < most:
        batch = min(batch, most - pruned)
        with db.session() as s:
            old = select(Event.id).where(finished(Event.status), Event.finished_at < before)
            deleted: int = s.execute(  # type: ignore[attr-defined]
                delete(Event).where(Event.id.in_(old.limit(batch).scalar_subquery()))
                .execution_options(synchronize_session=False)
            ).rowcount
        pruned += deleted
        if deleted < batch:
            break
    return pruned
