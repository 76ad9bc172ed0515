"""Four `usecase-bot worker` processes on one PostgreSQL database and the fake GitHub drain a
queue of a few hundred events over twenty use cases; one of them is killed while it holds an
event and a replacement under its name takes the event back at once. Every event is handled
once, each issue's events in the order they arrived."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store import queue
from bot.store.db import Database
from bot.store.models import Event
from tests import github_payloads as gh
from tests.databases import open_database
from tests.fake_github import FakeGitHub
from tests.github_harness import FIXED, INCOMPLETE, REPO, lint_comments

ROOT = Path(__file__).resolve().parents[1]
ISSUES = 20
EDITS = 9
WORKERS = 4
# Generous, for a loaded machine: a worker takes seconds to start, and the whole run takes
# about twenty on two idle cores.
DEADLINE = 90.0
REPO_LABELS = f"/repos/{REPO}/labels"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    # Migrated here once, before any worker starts.
    yield from open_database("postgresql", tmp_path)


def body_after(edit: int) -> str:
    """The use case's text after its `edit`th edit: it gains and loses its extensions."""
    return FIXED if edit % 2 else INCOMPLETE


def fill_queue(fake: FakeGitHub, db: Database) -> None:
    """Per issue: opened, then EDITS edits, all queued before any worker runs, issues
    interleaved as webhooks arrive."""
    issues = {n: fake.add_issue(REPO, n, f"Buy goods {n}", INCOMPLETE, labels=["use-case"])
              for n in range(1, ISSUES + 1)}
    for edit in range(EDITS + 1):
        for number, issue in issues.items():
            issue["body"] = body_after(edit)
            action = "opened" if edit == 0 else "edited"
            payload = gh.issues(action, REPO, issue)
            assert queue.enqueue(db, "github", f"{number}-{edit}", "issues", action,
                                 f"github:{REPO}#{number}", json.dumps(payload))


def start_worker(name: str, env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("usecase-bot")
    with (logs / f"{name}.log").open("ab") as log:
        return subprocess.Popen([str(exe), "worker"], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, env={**env, "DYNO": name})


# `usecase-bot worker` as its console script runs it, under the name that arrives on its
# input: a replacement started this way is ready the moment it is needed, where a cold start
# could outlast the dead worker's lease on a busy machine and leave nothing to take back.
SPARE = ("import os, sys; import bot.cli, bot.runtime; "
         "os.environ['DYNO'] = sys.stdin.readline().strip(); sys.exit(bot.cli.main(['worker']))")


def spare_worker(env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    with (logs / "spare.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-c", SPARE], cwd=ROOT, stdin=subprocess.PIPE,
                                stdout=log, stderr=subprocess.STDOUT, env=env)


def holding(db: Database, name: str) -> list[int]:
    with db.session() as s:
        return list(s.execute(select(Event.id).where(
            Event.status == queue.PROCESSING, Event.worker == name)).scalars())


def unfinished(db: Database) -> int:
    with db.session() as s:
        return len(s.execute(select(Event.id).where(Event.status != queue.DONE)).all())


def kill_one_holding_an_event(db: Database, workers: dict[str, subprocess.Popen[bytes]]
                              ) -> tuple[str, list[int]]:
    """Freeze workers in turn until one is caught holding an event, and kill that one."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        for name, proc in workers.items():
            proc.send_signal(signal.SIGSTOP)
            held = holding(db, name)
            if held:
                proc.kill()
                proc.wait()
                return name, held
            proc.send_signal(signal.SIGCONT)
        time.sleep(0.05)
    raise AssertionError("no worker was ever caught holding an event")


def wait_until_drained(db: Database) -> None:
    deadline = time.monotonic() + DEADLINE
    while unfinished(db) and time.monotonic() < deadline:
        time.sleep(0.2)


def test_four_worker_processes_one_killed_handle_every_event_once_in_order(
        fake: FakeGitHub, database: Database, tmp_path: Path) -> None:
    fake.latency = 0.01  # so that events take long enough to be caught in the middle
    fill_queue(fake, database)
    env = {**os.environ, "DATABASE_URL": database.engine.url.render_as_string(False),
           "GITHUB_TOKEN": "ghp_test_token", "GITHUB_API_URL": fake.url,
           "USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES": "0",
           "USECASE_BOT_WORKER__CONCURRENCY": "1"}
    workers = {f"worker.{n}": start_worker(f"worker.{n}", env, tmp_path)
               for n in range(1, WORKERS + 1)}
    spare = spare_worker(env, tmp_path)
    try:
        killed, held = kill_one_holding_an_event(database, workers)
        # The replacement runs under the dead worker's name, as a restarted dyno does.
        assert spare.stdin is not None
        spare.stdin.write(f"{killed}\n".encode())
        spare.stdin.close()
        wait_until_drained(database)
    finally:
        for proc in [*workers.values(), spare]:
            proc.terminate()
        for proc in [*workers.values(), spare]:
            proc.wait(timeout=30)
    replacement_log = (tmp_path / "spare.log").read_text()
    # Taken back by the replacement at its start, not after the lease ran out.
    assert f"took back {len(held)} event(s)" in replacement_log
    # Nothing failed along the way: a retried event would hide a race between the workers.
    troubles = [line for log in sorted(tmp_path.glob("*.log"))
                for line in log.read_text().splitlines()
                if " WARNING " in line or " ERROR " in line]
    assert troubles == []

    with database.session() as s:
        events = list(s.execute(select(Event).order_by(Event.id)).scalars())
    assert [e.status for e in events] == ["done"] * ISSUES * (EDITS + 1)
    assert next(e for e in events if e.id == held[0]).attempts == 2
    by_issue: dict[str, list[Event]] = {}
    for e in events:
        by_issue.setdefault(e.issue_key, []).append(e)
    for issue_events in by_issue.values():
        finished = [e.finished_at for e in issue_events]
        assert finished == sorted(finished), "an issue's events finished out of order"
    assert len({e.worker for e in events}) == WORKERS

    interrupted = next(e.issue_key for e in events if e.id == held[0])
    # Workers racing to make the repository's label: one makes it, the others are told it
    # exists.
    made = [status for method, path, status in fake.log if path == REPO_LABELS and method == "POST"]
    assert made.count(201) == 1 and set(made) <= {201, 422}
    every_write = writes_by_issue(fake)
    assert sorted(every_write) == list(range(1, ISSUES + 1))
    for number, writes in every_write.items():
        # One comment made, then edited once per edit; the label put on and taken off as the
        # extensions go and come. Only the event the kill cut short may repeat a write.
        expected = Counter({"POST comments": 1, "PATCH comment": EDITS,
                            "POST labels": EDITS // 2 + 1, "DELETE labels": (EDITS + 1) // 2})
        repeated = writes - expected
        assert writes - repeated == expected, f"#{number}: {writes}"
        assert not repeated or (f"github:{REPO}#{number}" == interrupted
                                and sum(repeated.values()) == 1), f"#{number}: {writes}"
        (comment,) = lint_comments(fake, number)
        # What the comment says is about the issue's last text, not an earlier one.
        lacking = "missing-exception-flows" in comment["body"]
        assert lacking == (body_after(EDITS) == INCOMPLETE)
    assert [status for method, path, status in fake.log
            if method != "GET" and path != REPO_LABELS and status >= 400] == []


def writes_by_issue(fake: FakeGitHub) -> dict[int, Counter[str]]:
    found: dict[int, Counter[str]] = {}
    for method, path, _ in fake.writes():
        comment = re.search(r"/issues/comments/(\d+)$", path)
        if comment:
            number, what = fake.comments[int(comment.group(1))]["_issue"], "comment"
        elif path == REPO_LABELS:
            continue
        else:
            match = re.search(r"/issues/(\d+)/(comments|labels)", path)
            assert match, f"an unexpected write: {method} {path}"
            number, what = int(match.group(1)), match.group(2)
        found.setdefault(number, Counter())[f"{method} {what}"] += 1
    return found
