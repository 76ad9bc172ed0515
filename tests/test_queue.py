"""The durable queue on SQLite and on PostgreSQL: dedup, order per issue, leases, retries."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select, text, update

from bot.store import queue
from bot.store.db import Database
from bot.store.models import Event
from tests.backlog import add_finished
from tests.databases import KINDS, open_database


@pytest.fixture(params=KINDS)
def db(request, tmp_path):
    yield from open_database(request.param, tmp_path)


def put(db, delivery, key="github:o/r#1", event="issues"):
    return queue.enqueue(db, "github", delivery, event, "opened", key, "{}")


def take(db, worker="w1"):
    return queue.claim(db, worker)


def test_sqlite_runs_in_wal_mode(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_same_delivery_is_stored_once(db):
    assert put(db, "d1") is True
    assert put(db, "d1") is False
    assert queue.stats(db).pending == 1


def test_a_delivery_stored_at_the_webhook_is_the_row_a_handler_would_have_queued(db, monkeypatch):
    # The webhook's insert goes to the driver directly; what it stores must read back, sort
    # and compare as the ORM's rows do, a timestamp on a whole second included.
    at = datetime(2026, 12, 2, 1, 30, 0)
    monkeypatch.setattr(queue, "now", lambda: at)
    queue.enqueue(db, "github", "d1", "issues", "opened", "github:o/r#7", '{"a": "\u00e9"}')
    with db.session() as s:
        queue.add(s, "github", "d2", "issues", "github:o/r#7", '{"a": "\u00e9"}')
    columns = "tracker, event, issue_key, payload, status, attempts, next_attempt_at, received_at"
    with db.engine.connect() as conn:
        # As stored, not as SQLAlchemy converts it back: SQLite keeps timestamps as text.
        stored = conn.execute(text(f"SELECT {columns} FROM events ORDER BY id")).all()
    assert stored[0] == stored[1]
    with db.session() as s:
        row = s.execute(select(Event).where(Event.delivery == "d1")).scalar_one()
    assert (row.received_at, row.action, row.payload) == (at, "opened", '{"a": "\u00e9"}')
    assert queue.claim(db, "w1", at=at + timedelta(seconds=1)).delivery == "d1"


def test_events_of_one_issue_are_taken_in_order_and_one_at_a_time(db):
    put(db, "a1", key="k:a")
    put(db, "a2", key="k:a")
    put(db, "b1", key="k:b")
    first = take(db)
    second = take(db)
    assert (first.delivery, second.delivery) == ("a1", "b1")
    assert take(db) is None  # a2 waits for a1
    assert queue.complete(db, first)
    assert take(db).delivery == "a2"


def test_a_failed_event_blocks_its_issue_until_it_is_retried(db):
    put(db, "a1", key="k:a")
    put(db, "a2", key="k:a")
    taken = take(db)
    assert queue.retry_later(db, taken, "boom", queue.now() + timedelta(seconds=60))
    assert take(db) is None
    assert queue.stats(db).failed == 1


def test_a_dead_event_no_longer_blocks_its_issue(db):
    put(db, "a1", key="k:a")
    put(db, "a2", key="k:a")
    assert queue.bury(db, take(db), "boom")
    assert take(db).delivery == "a2"
    assert queue.stats(db).dead == 1


def test_an_event_whose_worker_died_is_taken_again_after_its_lease(db):
    put(db, "a1")
    taken = take(db)
    assert take(db) is None
    expire_leases(db)
    again = take(db, "w2")
    assert (again.id, again.attempts) == (taken.id, 2)


def expire_leases(db):
    with db.session() as s:
        s.execute(update(Event).values(locked_until=queue.now() - timedelta(seconds=1)))


def test_a_stale_claim_can_neither_finish_nor_reschedule_the_event(db):
    put(db, "a1")
    stale = take(db, "w1")
    expire_leases(db)
    current = take(db, "w2")
    assert queue.complete(db, stale) is False
    assert queue.retry_later(db, stale, "late", queue.now()) is False
    assert queue.bury(db, stale, "late") is False
    assert queue.renew(db, stale) is False
    (row,) = rows(db)
    assert (row.status, row.claim_token, row.last_error) == ("processing", current.token, None)
    assert queue.complete(db, current) is True


def rows(db):
    with db.session() as s:
        return list(s.query(Event).order_by(Event.id))


def test_a_restarted_process_takes_back_its_own_claims_at_once(db):
    put(db, "a1", key="k:a")
    put(db, "b1", key="k:b")
    mine = take(db, "host:1")
    theirs = take(db, "host:2")
    assert queue.release(db, "host:1") == 1
    again = take(db, "host:1")
    assert (again.id, again.attempts) == (mine.id, 2)
    assert queue.complete(db, theirs) is True  # the other process's claim was left alone


def test_the_one_process_server_takes_back_every_claim(db):
    put(db, "a1", key="k:a")
    put(db, "b1", key="k:b")
    take(db, "old:1")
    take(db, "old:2")
    assert queue.release(db, None) == 2
    assert take(db, "new") is not None and take(db, "new") is not None


def test_a_renewed_lease_keeps_other_workers_off(db):
    put(db, "a1")
    taken = take(db, "w1")
    expire_leases(db)
    assert queue.renew(db, taken, timedelta(minutes=1)) is True
    assert take(db, "w2") is None


def test_a_redelivered_dead_event_is_queued_again_with_a_fresh_start(db):
    put(db, "a1")
    taken = take(db)
    assert queue.bury(db, taken, "GitHub answered 422")
    assert put(db, "a1") is True
    (row,) = rows(db)
    assert (row.status, row.attempts) == ("pending", 0)
    assert take(db).id == taken.id
    assert put(db, "a1") is False  # no longer dead: a duplicate again


def test_retrying_dead_events_by_id_or_all_of_them(db):
    for name in ("a", "b", "c"):
        put(db, name, key=f"k:{name}")
    for _ in range(3):
        queue.bury(db, take(db), "boom")
    first, *_ = rows(db)
    assert queue.retry_dead(db, [first.id, 999_999]) == 1
    assert [v.id for v in queue.listing(db, "dead", 10)] == [r.id for r in rows(db)][:0:-1]
    assert queue.retry_dead(db, None) == 2
    assert queue.listing(db, "dead", 10) == []
    assert len(queue.listing(db, "pending", 10)) == 3


def test_the_listing_shows_failed_events_with_their_last_error(db):
    put(db, "a1", key="k:a")
    put(db, "b1", key="k:b")
    queue.retry_later(db, take(db), "GitHub answered 502", queue.now() + timedelta(hours=1))
    (failed,) = queue.listing(db, "failed", 10)
    assert (failed.issue_key, failed.attempts, failed.last_error) == (
        "k:a", 1, "GitHub answered 502")
    assert [v.issue_key for v in queue.listing(db, None, 1)] == ["k:b"]


def test_concurrent_workers_never_take_the_same_event(db):
    for i in range(40):
        put(db, f"d{i}", key=f"k:{i}")
    taken: list[int] = []
    lock = threading.Lock()

    def work():
        while (claimed := take(db)) is not None:
            with lock:
                taken.append(claimed.id)
            queue.complete(db, claimed)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 40


def finish_at(db, delivery, at, key=None):
    put(db, delivery, key=key or f"k:{delivery}")
    claimed = take(db)
    assert claimed.delivery == delivery
    assert queue.complete(db, claimed, at)


def test_pruning_deletes_only_events_finished_before_the_cutoff_in_batches(db):
    old, cutoff = queue.now() - timedelta(days=20), queue.now() - timedelta(days=14)
    for n in range(5):
        finish_at(db, f"old{n}", old)
    finish_at(db, "recent", cutoff + timedelta(minutes=1))
    put(db, "dead", key="k:dead")
    queue.bury(db, take(db), "boom", at=old)
    put(db, "failed", key="k:failed")
    queue.retry_later(db, take(db), "502", queue.now() + timedelta(hours=1))
    put(db, "running", key="k:running")
    take(db)
    put(db, "waiting", key="k:waiting")
    assert queue.prune(db, cutoff, batch=2) == 5
    assert {(r.delivery, r.status) for r in rows(db)} == {
        ("recent", "done"), ("dead", "dead"), ("failed", "pending"),
        ("running", "processing"), ("waiting", "pending")}
    assert queue.prune(db, cutoff, batch=2) == 0


def test_one_pruning_deletes_its_share_and_leaves_the_rest_to_the_next(db):
    old = queue.now() - timedelta(days=20)
    for n in range(5):
        finish_at(db, f"old{n}", old)
    cutoff = queue.now() - timedelta(days=14)
    assert queue.prune(db, cutoff, batch=2, most=3) == 3
    assert queue.prune(db, cutoff, batch=2, most=3) == 2
    assert rows(db) == []


def explained(db, run):
    """The plans of the statements `run` sends, as the database would carry them out."""
    sent = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    plans = []
    with db.engine.connect() as conn:
        cursor = conn.connection.cursor()
        for statement, parameters in sent:
            if not statement.lstrip().upper().startswith(("SELECT", "DELETE")):
                continue
            cursor.execute(("EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN ") + statement,
                           parameters)
            plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


def test_the_claim_pruning_and_waiting_read_their_partial_indexes_not_the_finished_backlog(db):
    # A backlog the planners would rather scan by index than read whole.
    add_finished(db, 5_000, queue.now() - timedelta(days=1))
    add_finished(db, 50, queue.now() - timedelta(days=30), tag="old")
    put(db, "a1", key="k:a")
    put(db, "a2", key="k:a")
    (claim_plan,) = explained(db, lambda: take(db))
    assert "ix_events_unfinished" in claim_plan
    prune_plans = explained(db, lambda: queue.prune(db, queue.now() - timedelta(days=14)))
    assert prune_plans and all("ix_events_finished_at" in plan for plan in prune_plans)
    assert queue.stats(db).pending == 2

    def waiting():
        with db.session() as s:
            queue.waiting(s, "k:a", "reconcile")

    (waiting_plan,) = explained(db, waiting)
    assert "ix_events_unfinished" in waiting_plan


@pytest.fixture
def postgresql(tmp_path):
    yield from open_database("postgresql", tmp_path)


def test_a_connection_cut_during_the_webhooks_insert_is_dropped_and_the_next_one_stores(
        postgresql, caplog):
    # The server ends the connection after the pool's ping, as the insert is about to go.
    database = postgresql
    with database.engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # a connection waiting in the pool

    armed = [True]
    killer = Database(database.url)

    def cut(dbapi_connection, _record, _proxy):
        if armed:
            armed.clear()
            with killer.engine.begin() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                             {"pid": dbapi_connection.info.backend_pid})

    event.listen(database.engine, "checkout", cut)
    with pytest.raises(database.engine.dialect.loaded_dbapi.OperationalError):
        put(database, "d1")
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
    assert put(database, "d1") is True
    assert queue.stats(database).pending == 1
    killer.dispose()


def test_the_webhooks_insert_keeps_a_connection_per_thread_instead_of_a_checkout_each(db):
    # By thread name: an ended thread's ident is given to the next one.
    checkouts = []
    event.listen(db.engine, "checkout",
                 lambda *_: checkouts.append(threading.current_thread().name))

    def deliver(names):
        thread = threading.Thread(target=lambda: [put(db, name) for name in names])
        thread.start()
        thread.join()
        return thread.name

    for n in range(5):
        assert put(db, f"main{n}") is True
    assert put(db, "main0") is False  # a redelivery: its failed insert is rolled back
    other = deliver(["other1", "other2", "other3"])
    # A thread per request, as some servers run: each takes over the connection of one that
    # has ended instead of making another.
    later = [deliver([f"later{n}"]) for n in range(5)]
    # The redelivery's check is the one checkout of its own (a session).
    assert checkouts.count(threading.current_thread().name) == 2
    assert checkouts.count(other) == 1
    assert [checkouts.count(ident) for ident in later] == [0] * 5
    assert db.engine.pool.checkedout() == 0
    assert queue.stats(db).pending == 13
    kept, _ = db.kept.get()
    db.dispose()
    with pytest.raises(db.engine.dialect.loaded_dbapi.Error):  # closed, not left to the GC
        kept.cursor().execute("SELECT 1")


def test_a_kept_connection_cut_between_two_deliveries_is_replaced_and_the_second_stored(
        postgresql, caplog):
    database = postgresql
    assert put(database, "d1") is True
    kept, reused = database.kept.get()
    assert reused
    killer = Database(database.url)
    with killer.engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                     {"pid": kept.info.backend_pid})
    killer.dispose()
    with caplog.at_level(logging.INFO, logger="usecase_bot"):
        assert put(database, "d2") is True
    said = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert [message for level, message in said if level >= logging.WARNING] == []
    assert [message for _, message in said if "kept connection" in message]
    assert database.kept.get()[0] is not kept
    assert queue.stats(database).pending == 2


def test_an_event_not_yet_tried_is_waiting_and_one_being_handled_is_not(db):
    put(db, "r1", key="k:a", event="reconcile")
    put(db, "e1", key="k:b")
    with db.session() as s:
        assert queue.waiting(s, "k:a", "reconcile")
        assert not queue.waiting(s, "k:a", "issues")
        assert not queue.waiting(s, "k:b", "reconcile")
    assert take(db).delivery == "r1"
    with db.session() as s:
        assert not queue.waiting(s, "k:a", "reconcile")


def test_a_waiting_event_found_by_a_transaction_is_not_claimed_before_it_ends(postgresql):
    # The transaction's change is what the waiting event will act on: a worker that took it
    # earlier would read the state from before the change.
    database = postgresql
    put(database, "r1", key="k:a", event="reconcile")
    with database.session() as s:
        assert queue.waiting(s, "k:a", "reconcile")
        claimed = []
        worker = threading.Thread(target=lambda: claimed.append(take(database)))
        worker.start()
        worker.join()
        assert claimed == [None]
    assert take(database).delivery == "r1"
