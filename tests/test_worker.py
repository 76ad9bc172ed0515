"""The worker against real databases and the fake GitHub: a slow handler keeps its lease,
outages are waited out, what the tracker will never accept is dead at once with the reason."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from bot.config import Secrets
from bot.jobs.pruning import JOB as PRUNE_JOB
from bot.jobs.pruning import Pruner, hour_of
from bot.jobs.worker import RetryPolicy, Worker
from bot.metrics import Metrics
from bot.store import queue, schedule
from bot.store.models import Event
from bot.trackers.calls import Fault, TrackerError
from tests import github_payloads as gh
from tests.databases import KINDS, open_database
from tests.github_harness import INCOMPLETE, REPO, lint_comments


@pytest.fixture(params=KINDS)
def db(request, tmp_path):
    yield from open_database(request.param, tmp_path)


def worker_on(db, handler, lease=queue.LEASE, scrub=str):
    return Worker(db, lambda _tracker, _payload: handler, Metrics(lambda: queue.stats(db)),
                  RetryPolicy(), "host:1", lease, scrub)


def put(db, delivery="d1"):
    queue.enqueue(db, "github", delivery, "issues", "opened", "github:o/r#1", "{}")


def only_event(db):
    (view,) = queue.listing(db, None, 10) or [None]
    return view


class Blocking:
    """A handler that runs until the test lets it finish."""

    def __init__(self) -> None:
        self.runs = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def handle(self, event, payload):
        self.runs += 1
        self.started.set()
        assert self.release.wait(10)


def test_a_handler_slower_than_its_lease_runs_once(db):
    put(db)
    handler = Blocking()
    lease = timedelta(seconds=1)
    first, second = worker_on(db, handler, lease), worker_on(db, handler, lease)
    running = threading.Thread(target=first.run_once)
    running.start()
    assert handler.started.wait(10)
    # Three leases long, another worker looks for work and finds none.
    deadline = time.monotonic() + 3 * lease.total_seconds()
    while time.monotonic() < deadline:
        assert second.run_once() is False
        handler.release.wait(0.05)
    handler.release.set()
    running.join()
    assert handler.runs == 1
    assert queue.stats(db).pending == 0 and only_event(db) is None


def test_a_worker_whose_claim_was_taken_over_drops_its_result(db):
    put(db)
    handler = Blocking()
    slow = worker_on(db, handler, lease=timedelta(hours=1))
    running = threading.Thread(target=slow.run_once)
    running.start()
    assert handler.started.wait(10)
    # As if its lease had run out: a restarted process took the event back.
    queue.release(db, None)
    other = queue.claim(db, "host:2")
    handler.release.set()
    running.join()
    assert other is not None and queue.complete(db, other) is True


class Failing:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def handle(self, event, payload):
        raise self.exc


@pytest.mark.parametrize("exc", [
    TrackerError("GitHub answered 502: Server Error", 502, 0.0),
    TrackerError("GitHub answered 401: Bad credentials", 401),
    TrackerError("GitHub answered 409: Conflict", 409),
    TrackerError("github unreachable: ConnectTimeout", None, 0.0),
    OperationalError("UPDATE issues SET body=?", {}, Exception("database is locked")),
    ConnectionResetError("connection reset by peer"),
])
def test_transient_failures_are_retried(db, exc):
    put(db)
    worker_on(db, Failing(exc)).run_once()
    view = only_event(db)
    assert (view.status, view.attempts) == ("pending", 1)
    assert view.last_error.startswith("transient: ")
    assert view.next_attempt_at > queue.now()


@pytest.mark.parametrize("exc, reason", [
    (TrackerError("GitHub answered 422: Validation Failed", 422), "422: Validation Failed"),
    (TrackerError("jira.link_type 'Relates' does not exist"), "does not exist"),
    (KeyError("issue"), "KeyError: 'issue'"),
])
def test_what_the_tracker_will_never_accept_is_dead_at_once_with_the_reason(db, exc, reason):
    put(db)
    worker_on(db, Failing(exc)).run_once()
    view = only_event(db)
    assert (view.status, view.attempts) == ("dead", 1)
    assert view.last_error.startswith("permanent: ") and reason in view.last_error


def test_a_not_found_is_retried_up_to_max_attempts_then_dead():
    policy = RetryPolicy(max_attempts=3)
    at = queue.now()
    claimed = queue.Claimed(1, "github", "d", "issues", None, "k", "{}", 2, at, "t")
    assert policy.next_attempt(Fault.DOUBTFUL, claimed, None, at) is not None
    last = queue.Claimed(1, "github", "d", "issues", None, "k", "{}", 3, at, "t")
    assert policy.next_attempt(Fault.DOUBTFUL, last, None, at) is None
    assert TrackerError("GitHub answered 404", 404).fault is Fault.DOUBTFUL
    assert TrackerError("rate limited", 403, 120.0).fault is Fault.TRANSIENT


def test_error_text_is_stored_and_logged_without_secrets(db, caplog):
    secrets = Secrets(github_token="ghp_supersecret123", jira_webhook_token="url-tok-42")
    put(db)
    boom = RuntimeError("sent ghp_supersecret123 to https://u:pw1@db.example/x?token=url-tok-42")
    worker_on(db, Failing(boom), scrub=secrets.scrub).run_once()
    stored = only_event(db).last_error
    for secret in ("ghp_supersecret123", "url-tok-42", "pw1"):
        assert secret not in stored and secret not in caplog.text
    assert "[secret]" in stored


class Clock:
    def __init__(self) -> None:
        self.at = queue.now()

    def __call__(self) -> datetime:
        return self.at


def attempt_until(bot, clock, stop):
    """Run the worker each time the event is due by the fake clock, until `stop(event)`."""
    while True:
        bot.drain()
        (event,) = bot.events()
        if event.status != "pending" or stop(event):
            return event
        clock.at = max(clock.at, event.next_attempt_at)


def test_a_four_minute_outage_no_longer_kills_an_event(fake, bot, settings):
    clock = Clock()
    bot.worker.clock = clock
    fake.fail_next("POST", r"/issues/1/comments$", 502, times=10_000)
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    bot.deliver("issues", gh.issues("opened", REPO, issue))
    outage_end = clock.at + timedelta(minutes=4)
    # Both: with the backoff's jitter, seven attempts may already span the four minutes.
    event = attempt_until(bot, clock, lambda e: e.next_attempt_at > outage_end
                          and e.attempts >= settings.worker.max_attempts)
    # The attempt count alone used to kill it here.
    assert event.status == "pending"
    fake.failures.clear()
    clock.at = event.next_attempt_at
    bot.drain()
    (event,) = bot.events()
    assert event.status == "done"
    assert len(lint_comments(fake)) == 1


def test_an_outage_longer_than_retry_hours_kills_the_event_at_its_deadline(fake, bot, settings):
    clock = Clock()
    bot.worker.clock = clock
    fake.fail_next("POST", r"/issues/1/comments$", 503, times=10_000)
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    bot.deliver("issues", gh.issues("opened", REPO, issue))
    event = attempt_until(bot, clock, lambda e: False)
    assert event.status == "dead" and "503" in event.last_error
    assert event.finished_at - event.received_at >= timedelta(hours=settings.worker.retry_hours)
    assert lint_comments(fake) == []


@pytest.mark.parametrize("claimed_by, every_claim", [
    ("self", False),        # `usecase-bot worker` restarted under the same name
    ("host:gone", True),    # `usecase-bot serve`, the only worker there is
])
def test_a_restarted_bot_finishes_an_orphaned_event_at_once(fake, bot, claimed_by, every_claim):
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    bot.deliver("issues", gh.issues("opened", REPO, issue))
    owner = bot.runtime.worker_id if claimed_by == "self" else claimed_by
    assert queue.claim(bot.runtime.db, owner) is not None  # then the process died
    assert bot.drain() == 0  # its lease still holds the event
    bot.runtime.take_back_claims(every_claim)
    assert bot.drain() == 1
    assert len(lint_comments(fake)) == 1 and "use-case:incomplete" in fake.labels_on(REPO, 1)


def test_a_single_401_is_retried_not_fatal(fake, bot):
    fake.fail_next("POST", r"/issues/1/comments$", 401)
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    bot.deliver("issues", gh.issues("opened", REPO, issue))
    bot.drain()
    (event,) = bot.events()
    assert event.status == "pending" and "401" in event.last_error
    bot.make_due()
    bot.drain()
    assert bot.events()[0].status == "done" and len(lint_comments(fake)) == 1


def finished_long_ago(db, count, at):
    for n in range(count):
        queue.enqueue(db, "github", f"old{n}", "issues", "opened", f"github:o/r#{n}", "{}")
        assert queue.complete(db, queue.claim(db, "host:1"), at)


def test_of_the_workers_sharing_a_database_one_prunes_each_hour(db):
    at = datetime(2026, 12, 1, 10, 5)
    finished_long_ago(db, 3, at - timedelta(days=15))
    queue.enqueue(db, "github", "dead", "issues", "opened", "github:o/r#9", "{}")
    queue.bury(db, queue.claim(db, "host:1"), "422", at - timedelta(days=15))
    pruners = [Pruner(db, timedelta(days=14)) for _ in range(4)]
    results: list[int | None] = []
    threads = [threading.Thread(target=lambda p=p: results.append(p.run_if_due(at)))
               for p in pruners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == [3, None, None, None]
    assert [v.status for v in queue.listing(db, None, 10)] == ["dead"]
    # Later the same hour nobody prunes again; the next hour one of them does.
    finished_long_ago(db, 1, at - timedelta(days=15))
    assert [p.run_if_due(at + timedelta(minutes=50)) for p in pruners] == [None] * 4
    next_hour = [p.run_if_due(at + timedelta(minutes=55 + n)) for n, p in enumerate(pruners)]
    assert next_hour == [1, None, None, None]
    # Each hour's slot is forgotten once it is older than what is kept.
    assert Pruner(db, timedelta(minutes=30)).run_if_due(at + timedelta(hours=2)) == 0
    assert schedule.slot(db, PRUNE_JOB, hour_of(at)) is None
    assert schedule.slot(db, PRUNE_JOB, hour_of(at + timedelta(hours=2))) is not None


def test_a_running_worker_prunes_what_finished_before_keep_days(db):
    finished_long_ago(db, 2, queue.now() - timedelta(days=3))
    worker = worker_on(db, Failing(KeyError("never called")))
    worker.pruner = Pruner(db, timedelta(days=2))
    stop = threading.Event()
    running = threading.Thread(target=worker.run_forever, args=(stop, 0.05))
    running.start()
    try:
        deadline = time.monotonic() + 10
        while stored(db) and time.monotonic() < deadline:
            stop.wait(0.05)
    finally:
        stop.set()
        running.join()
    assert stored(db) == 0


def stored(db):
    with db.session() as s:
        return s.query(Event).count()
