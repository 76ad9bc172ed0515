"""Rate limits shared through the database: a limit one worker met pauses every worker's
calls for that token or installation until the reset, and content-creating writes of all
workers together stay under the per-minute budget."""

from __future__ import annotations

import threading
import time

import pytest

from bot.store.db import Database
from bot.store.limits import Limits
from bot.trackers.calls import Gate, TrackerError
from tests import github_payloads as gh
from tests.databases import KINDS, open_database
from tests.github_harness import INCOMPLETE, REPO, lint_comments


@pytest.fixture(params=KINDS)
def db(request, tmp_path):
    yield from open_database(request.param, tmp_path)


def second_process(db):
    """Another process's view of the same database: its own engine and connections."""
    return Database(db.url)


def test_a_pause_set_by_one_process_holds_for_every_other(db):
    other = second_process(db)
    try:
        Limits(db).pause("github:installation:7", 120)
        assert 110 < Limits(other).paused_for("github:installation:7") <= 120
        assert Limits(other).paused_for("github:installation:8") == 0
        Limits(other).pause("github:installation:7", 5)  # a shorter pause does not shorten
        assert Limits(db).paused_for("github:installation:7") > 110
    finally:
        other.dispose()


def test_writes_of_many_workers_together_stay_under_the_budget(db):
    other = second_process(db)
    frozen = time.time()
    waits: list[float] = []
    lock = threading.Lock()

    def worker(database):
        limits = Limits(database, clock=lambda: frozen)
        for _ in range(20):
            wait = limits.reserve_write("github:installation:7", per_minute=80)
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker, args=(d,)) for d in (db, other, db, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.dispose()
    # 80 writes, each in its own slot 0.75 s after the one before: one minute's budget.
    assert sorted(round(w, 6) for w in waits) == [round(i * 0.75, 6) for i in range(80)]


def test_a_paused_scope_gets_no_call_and_a_write_waits_for_its_slot(db):
    slept: list[float] = []
    limits = Limits(db)
    gate = Gate(limits, "github:token", writes_per_minute=60, sleep=slept.append)
    gate.admit("github", "POST")
    gate.admit("github", "PATCH")
    gate.admit("github", "GET")
    assert len(slept) == 1 and 0.9 < slept[0] <= 1.0
    gate.refused(TrackerError("GitHub answered 403: rate limit", 403, 300.0))
    with pytest.raises(TrackerError) as paused:
        gate.admit("github", "GET")
    assert paused.value.retry_after > 290 and paused.value.fault == "transient"


def test_a_rate_limit_pauses_every_queued_event_instead_of_one_request_each(fake, bot):
    reset = int(time.time()) + 3600
    # GitHub refuses every write until the reset.
    fake.fail_next("POST", r"/issues/\d+/comments$", 403, times=10,
                   headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    for number in range(1, 11):
        issue = fake.add_issue(REPO, number, "Buy goods", INCOMPLETE, labels=["use-case"])
        bot.deliver("issues", gh.issues("opened", REPO, issue))
    bot.drain()
    limited = [i for i, (_, _, status) in enumerate(fake.log) if status == 403]
    assert len(limited) == 1 and limited[0] == len(fake.log) - 1  # nothing after it
    events = bot.events()
    assert [e.status for e in events] == ["pending"] * 10
    for event in events:
        waits = (event.next_attempt_at - event.received_at).total_seconds()
        assert 3500 < waits < 3700
    fake.failures.clear()  # the reset has come
    bot.make_due()
    bot.drain()
    assert [e.status for e in bot.events()] == ["done"] * 10
    assert all(len(lint_comments(fake, n)) == 1 for n in range(1, 11))
