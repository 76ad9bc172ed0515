"""Races the storm tests met between workers, each pinned down on its own."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bot.store.limits import Limits
from bot.store.models import IssueRecord
from bot.store.state import State
from bot.trackers.calls import Gate, TrackerError
from tests.databases import KINDS, open_database


@pytest.fixture(params=KINDS)
def db(request, tmp_path):
    yield from open_database(request.param, tmp_path)


def at_once(act: Callable[[], object], workers: int) -> list[BaseException]:
    """`workers` threads doing `act` at the same moment; what they raised."""
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            act()
        except BaseException as exc:  # reported to the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_workers_learning_the_bots_login_at_the_same_moment_all_succeed(db):
    state = State(db)
    errors = [e for n in range(15) for e in at_once(
        lambda n=n: state.learn_identity(f"tracker-{n}", "usecase-bot[bot]"), 4)]
    assert errors == []
    assert state.identity("tracker-0") == "usecase-bot[bot]"


def test_workers_noting_a_repositorys_new_label_at_the_same_moment_all_succeed(db):
    # Each worker made (or was told GitHub already has) the label, then notes it as known.
    state = State(db)
    errors = [e for n in range(15) for e in at_once(
        lambda n=n: state.save_known_label(f"acme/shop{n}", "use-case"), 4)]
    assert errors == []
    assert state.label_known("acme/shop0", "use-case")


def test_a_story_saved_by_its_use_cases_event_and_by_its_own_at_once_is_saved(db):
    # A sub-issue event of the use case reads the story and stores it, and links it, while
    # another worker handles the story's own event.
    state = State(db)

    def story(n: int) -> IssueRecord:
        return IssueRecord(key=f"github:acme/shop#{n}", tracker="github", repo="acme/shop",
                           number=n, title=f"Story {n}", kind="story")

    errors = [e for n in range(15) for e in at_once(lambda n=n: state.save_issue(story(n)), 4)]
    errors += [e for n in range(15) for e in at_once(
        lambda n=n: state.save_link(f"github:acme/shop#{n}", "github:acme/shop#100", "native",
                                    True), 4)]
    assert errors == []
    assert state.issue("github:acme/shop#3").title == "Story 3"
    assert state.link("github:acme/shop#3").parent_key == "github:acme/shop#100"


def test_a_write_that_waited_for_its_slot_while_a_rate_limit_was_met_is_not_sent(db):
    limits = Limits(db)

    def meanwhile_another_worker_is_limited(seconds: float) -> None:
        limits.pause("github:token", 60)

    gate = Gate(limits, "github:token", writes_per_minute=60,
                sleep=meanwhile_another_worker_is_limited)
    gate.admit("github", "POST")  # the first slot is free: no wait
    with pytest.raises(TrackerError) as paused:
        gate.admit("github", "POST")  # waits a second for its slot, then finds the pause
    assert paused.value.retry_after > 50 and paused.value.fault == "transient"
