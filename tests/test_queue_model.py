"""The queue against a model of it small enough to be obviously right: random runs of
deliveries (duplicates among them), claims by several workers, renewals, finishes, failures,
crashes that let leases run out, restarts, operators' retries and pruning, on SQLite and on
PostgreSQL, each step compared with what the model says must happen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select

from bot.store import queue
from bot.store.db import Database
from bot.store.models import Event
from tests.databases import open_database

DELIVERIES = [f"d{n}" for n in range(8)]
ISSUES = ["github:o/r#1", "github:o/r#2"]
WORKERS = ["host:1", "host:2", "host:3"]
# Time moves in steps of CRASH and TICK minutes, so no wait the queue is asked about (LEASE,
# RETRY, and what is kept when pruning) ever ends exactly at a step: the few milliseconds
# a run takes in real time never decide an outcome.
LEASE, RETRY, CRASH, TICK = 10, 60, 11, 120


@dataclass
class Modelled:
    """What the model knows of one stored delivery."""

    id: int
    issue: str
    status: str = queue.PENDING
    attempts: int = 0
    due: int = 0
    lease_until: int = 0
    # Who claimed it last: kept after the claim ends, for operators.
    worker: str | None = None
    token: str | None = None
    finished: int = 0


class QueueModel(RuleBasedStateMachine):
    db: Database

    claims = Bundle("claims")

    def __init__(self) -> None:
        super().__init__()
        self.minutes = 0
        self.events: dict[str, Modelled] = {}

    @initialize()
    def empty_queue(self) -> None:
        with self.db.session() as s:
            s.execute(delete(Event))

    def clock(self) -> datetime:
        # Ahead of real time, never behind it: what the queue stamps with the real clock
        # (a delivery, a release) is already due by this one.
        return queue.now() + timedelta(minutes=self.minutes)

    def unfinished(self) -> list[Modelled]:
        return [e for e in self.events.values()
                if e.status in (queue.PENDING, queue.PROCESSING)]

    def expected_claim(self) -> Modelled | None:
        def due(e: Modelled) -> bool:
            if e.status == queue.PENDING:
                return e.due <= self.minutes
            return e.status == queue.PROCESSING and e.lease_until < self.minutes

        first_of_issue = {}
        for e in sorted(self.unfinished(), key=lambda e: e.id):
            first_of_issue.setdefault(e.issue, e)
        ready = [e for e in first_of_issue.values() if due(e)]
        return min(ready, key=lambda e: e.id, default=None)

    def held(self, claimed: queue.Claimed) -> Modelled | None:
        event = self.events.get(claimed.delivery)
        if event and event.status == queue.PROCESSING and event.token == claimed.token:
            return event
        return None

    @rule(deliveries=st.lists(st.tuples(st.sampled_from(DELIVERIES), st.sampled_from(ISSUES)),
                              min_size=1, max_size=3))
    def deliver(self, deliveries: list[tuple[str, str]]) -> None:
        for delivery, issue in deliveries:
            self.deliver_one(delivery, issue)

    def deliver_one(self, delivery: str, issue: str) -> None:
        known = self.events.get(delivery)
        stored = queue.enqueue(self.db, "github", delivery, "issues", "edited", issue, "{}")
        if known is None:
            assert stored
            with self.db.session() as s:
                new_id = s.execute(select(Event.id).where(Event.delivery == delivery)
                                   ).scalar_one()
            self.events[delivery] = Modelled(new_id, issue, due=self.minutes)
        elif known.status == queue.DEAD:
            assert stored  # a redelivered dead event is the operator's retry
            self.revive(known)
        else:
            assert not stored

    def revive(self, event: Modelled) -> None:
        event.status, event.attempts, event.due = queue.PENDING, 0, self.minutes

    @rule(target=claims, worker=st.sampled_from(WORKERS), count=st.integers(1, 3))
    def claim(self, worker: str, count: int) -> object:
        """`count` claims one after another, as a worker's threads or a busy worker make."""
        return multiple(*filter(None, (self.claim_one(worker) for _ in range(count))))

    def claim_one(self, worker: str) -> queue.Claimed | None:
        expected = self.expected_claim()
        claimed = queue.claim(self.db, worker, timedelta(minutes=LEASE), self.clock())
        assert (claimed and claimed.id) == (expected and expected.id)
        if claimed is None or expected is None:
            return None
        earlier = [e for e in self.unfinished()
                   if e.issue == expected.issue and e.id < expected.id]
        assert earlier == [], "an event was claimed before its issue's earlier one finished"
        expected.status, expected.worker, expected.token = queue.PROCESSING, worker, claimed.token
        expected.attempts += 1
        expected.lease_until = self.minutes + LEASE
        assert claimed.attempts == expected.attempts
        return claimed

    @rule(claimed=claims)
    def renew(self, claimed: queue.Claimed) -> None:
        event = self.held(claimed)
        lease = timedelta(minutes=LEASE)
        assert queue.renew(self.db, claimed, lease, self.clock()) == (event is not None)
        if event:
            event.lease_until = self.minutes + LEASE

    @rule(claimed=claims, how=st.sampled_from(["complete", "fail", "bury"]))
    def finish(self, claimed: queue.Claimed, how: str) -> None:
        """The worker's handler is done with the event, however long ago it claimed it."""
        event = self.held(claimed)
        at = self.clock()
        done = {
            "complete": lambda: queue.complete(self.db, claimed, at),
            "fail": lambda: queue.retry_later(self.db, claimed, "502",
                                              at + timedelta(minutes=RETRY)),
            "bury": lambda: queue.bury(self.db, claimed, "422", at),
        }[how]()
        assert done == (event is not None), "a fenced-out worker changed the event"
        if event is None:
            return
        event.token = None
        if how == "fail":
            event.status, event.due = queue.PENDING, self.minutes + RETRY
        else:
            event.status = queue.DONE if how == "complete" else queue.DEAD
            event.finished = self.minutes

    @rule(minutes=st.sampled_from([CRASH, TICK]))
    def time_passes(self, minutes: int) -> None:
        """CRASH: long enough for a lease to run out when its worker stops renewing it."""
        self.minutes += minutes

    @rule(worker=st.sampled_from([*WORKERS, None]))
    def restart(self, worker: str | None) -> None:
        taken = [e for e in self.events.values() if e.status == queue.PROCESSING
                 and (worker is None or e.worker == worker)]
        assert queue.release(self.db, worker) == len(taken)
        for event in taken:
            event.status, event.token, event.due = queue.PENDING, None, self.minutes

    @rule(chosen=st.none() | st.lists(st.sampled_from(DELIVERIES), max_size=3))
    def retry_dead(self, chosen: list[str] | None) -> None:
        picked = self.events.values() if chosen is None else [
            self.events[d] for d in chosen if d in self.events]
        dead = {e.id: e for e in picked if e.status == queue.DEAD}
        ids = None if chosen is None else [e.id for e in picked]
        assert queue.retry_dead(self.db, ids) == len(dead)
        for event in dead.values():
            self.revive(event)

    @rule(keep=st.sampled_from([5, 100]))
    def prune(self, keep: int) -> None:
        gone = [d for d, e in self.events.items()
                if e.status == queue.DONE and e.finished < self.minutes - keep]
        before = self.clock() - timedelta(minutes=keep)
        assert queue.prune(self.db, before, batch=2) == len(gone)
        for delivery in gone:
            del self.events[delivery]

    @invariant()
    def every_delivery_is_stored_once_in_the_state_the_model_says(self) -> None:
        with self.db.session() as s:
            rows = s.execute(select(Event.delivery, Event.id, Event.status, Event.attempts,
                                    Event.worker, Event.claim_token)).all()
        assert sorted(rows) == sorted(
            (d, e.id, e.status, e.attempts, e.worker, e.token)
            for d, e in self.events.items())


@pytest.fixture(params=[("sqlite", 30), ("postgresql", 8)], ids=["sqlite", "postgresql"])
def machine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[type, int]]:
    kind, examples = request.param
    for db in open_database(kind, tmp_path):
        yield type(f"QueueModelOn{kind}", (QueueModel,), {"db": db}), examples


def test_the_queue_behaves_as_its_model(machine: tuple[type[QueueModel], int]) -> None:
    model, examples = machine
    run_state_machine_as_test(model, settings=settings(
        max_examples=examples, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
