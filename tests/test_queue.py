"""The durable queue on SQLite and on PostgreSQL: dedup, order per issue, leases, retries."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from bot.store import queue
from bot.store.db import Database
from bot.store.models import Base, Event


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            if os.environ.get("CI"):
                pytest.fail("TEST_DATABASE_URL is not set in CI: .ci/run starts PostgreSQL")
            pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (.ci/run sets it up)")
        database = Database(url)
        Base.metadata.drop_all(database.engine)
    database.create_schema()
    yield database
    if request.param == "postgresql":
        Base.metadata.drop_all(database.engine)
    database.dispose()


def put(db, delivery, key="github:o/r#1", event="issues"):
    return queue.enqueue(db, "github", delivery, event, "opened", key, "{}")


def test_sqlite_runs_in_wal_mode(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_same_delivery_is_stored_once(db):
    assert put(db, "d1") is True
    assert put(db, "d1") is False
    assert queue.stats(db).pending == 1


def test_events_of_one_issue_are_taken_in_order_and_one_at_a_time(db):
    put(db, "a1", key="k:a")
    put(db, "a2", key="k:a")
    put(db, "b1", key="k:b")
    first = queue.claim(db)
    second = queue.claim(db)
    assert (first.delivery, second.delivery) == ("a1", "b1")
    assert queue.claim(db) is None  # a2 waits for a1
    queue.complete(db, first.id)
    assert queue.claim(db).delivery == "a2"


def test_a_failed_event_blocks_its_issue_until_it_is_retried(db):
    put(db, "a1", key="k:a")
    put(db, "a2", key="k:a")
    taken = queue.claim(db)
    dead = queue.retry_later(db, taken.id, "boom", timedelta(seconds=60), max_attempts=5)
    assert dead is False
    assert queue.claim(db) is None
    assert queue.stats(db).failed == 1


def test_a_dead_event_no_longer_blocks_its_issue(db):
    put(db, "a1", key="k:a")
    put(db, "a2", key="k:a")
    taken = queue.claim(db)
    assert queue.retry_later(db, taken.id, "boom", timedelta(0), max_attempts=1) is True
    assert queue.claim(db).delivery == "a2"
    assert queue.stats(db).dead == 1


def test_an_event_whose_worker_died_is_taken_again_after_its_lease(db):
    put(db, "a1")
    taken = queue.claim(db)
    assert queue.claim(db) is None
    with db.session() as s:
        s.execute(update(Event).values(locked_until=taken.received_at - timedelta(seconds=1)))
    again = queue.claim(db)
    assert (again.id, again.attempts) == (taken.id, 2)


def test_concurrent_workers_never_take_the_same_event(db):
    for i in range(40):
        put(db, f"d{i}", key=f"k:{i}")
    taken: list[int] = []
    lock = threading.Lock()

    def work():
        while (claimed := queue.claim(db)) is not None:
            with lock:
                taken.append(claimed.id)
            queue.complete(db, claimed.id)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 40
