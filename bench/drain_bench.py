"""How fast the workers drain the queue when every GitHub call takes 50 ms, with the write
pace the bot ships with (`github.writes_per_minute`, `github.seconds_between_writes`), and
how many calls each kind of event makes against the fewest it could.

    python bench/drain_bench.py                          # SQLite only
    python bench/drain_bench.py postgresql+psycopg://user:pw@host/db
    python bench/drain_bench.py URL --issues 8 --edits 4 --workers 1 4 --latency 0.05

A PostgreSQL database given is EMPTIED FIRST: give it one of its own. The drain runs real
`usecase-bot worker` processes; events/s is counted from the first event finished to the
last, so that the workers' start-up is left out. The calls per event come from one worker in
this process, event by event, unpaced.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bot.config import Secrets, Settings
from bot.runtime import Runtime
from bot.store import migrations, queue
from bot.store.db import Database
from bot.store.models import DONE, PENDING, Event
from tests import github_payloads as gh
from tests.databases import drop_everything
from tests.fake_github import FakeGitHub
from tests.github_harness import FIXED, INCOMPLETE

ROOT = Path(__file__).resolve().parents[1]
REPO = "acme/shop"
# The fewest calls an event of each kind needs, from a payload that carries the issue:
# opened, a use case with findings: look for a comment the bot may already have made (so a
# lost reply never makes two), make it, put the incomplete label on (the repository's label
# itself is made once, by the first event). Edited so that the findings come or go: edit
# the comment whose id and text the bot keeps, put the label on or take it off.
FEWEST = {"issues.opened": 3, "issues.edited": 2}


def fresh(url: str) -> Database:
    db = Database(url)
    drop_everything(db.engine)
    migrations.upgrade(db)
    return db


def fill(fake: FakeGitHub, db: Database, issues: int, edits: int, tag: str) -> int:
    """Per issue: opened, then `edits` edits that take the extensions out and put them back;
    the issues interleaved as webhooks arrive. The number of events."""
    made = {n: fake.add_issue(REPO, n, f"Buy goods {n}", INCOMPLETE, labels=["use-case"])
            for n in range(1, issues + 1)}
    for edit in range(edits + 1):
        for number, issue in made.items():
            issue["body"] = FIXED if edit % 2 else INCOMPLETE
            action = "opened" if edit == 0 else "edited"
            queue.enqueue(db, "github", f"{tag}-{number}-{edit}", "issues", action,
                          f"github:{REPO}#{number}", json.dumps(gh.issues(action, REPO, issue)))
    return issues * (edits + 1)


def env_for(fake: FakeGitHub, url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "GITHUB_TOKEN": "ghp_bench",
            "GITHUB_API_URL": fake.url, "USECASE_BOT_LOG_LEVEL": "WARNING"}


def drain(url: str, workers: int, latency: float, issues: int, edits: int
          ) -> tuple[float, float]:
    """Events/s and writes/min through `workers` worker processes."""
    fake = FakeGitHub().start()
    fake.latency = latency
    db = fresh(url)
    total = fill(fake, db, issues, edits, f"drain{workers}")
    exe = Path(sys.executable).with_name("usecase-bot")
    procs = [subprocess.Popen([str(exe), "worker"], cwd=ROOT, env={
        **env_for(fake, url), "DYNO": f"bench.{n}"}) for n in range(workers)]
    try:
        while True:
            with db.session() as s:
                left = s.execute(select(func.count()).where(Event.status != DONE)
                                 ).scalar_one()
            if not left:
                break
            time.sleep(0.5)
        with db.session() as s:
            first, last = s.execute(select(func.min(Event.finished_at),
                                           func.max(Event.finished_at))).one()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        fake.stop()
        db.dispose()
    assert first is not None and last is not None
    seconds = (last - first).total_seconds()
    # The first event's writes came before the first finish, as its share of the total.
    return (total - 1) / seconds, len(fake.writes()) * (total - 1) / total / (seconds / 60)


def calls_per_event(url: str, latency: float) -> dict[str, list[int]]:
    """Calls to the fake made by each event, by kind, one event at a time."""
    fake = FakeGitHub().start()
    fake.latency = latency
    fresh(url).dispose()
    settings = Settings(github={"seconds_between_writes": 0, "writes_per_minute": 100_000})
    runtime = Runtime.build(settings, Secrets.from_env(env_for(fake, url)))
    worker = runtime.worker()
    fill(fake, runtime.db, 4, 4, "calls")
    calls: dict[str, list[int]] = {}
    while True:
        # One worker alone takes the oldest waiting event next.
        with runtime.db.session() as s:
            upcoming = s.execute(select(Event.event, Event.action).where(
                Event.status == PENDING).order_by(Event.id).limit(1)).first()
        if upcoming is None:
            break
        before = len(fake.log)
        assert worker.run_once()
        calls.setdefault(f"{upcoming[0]}.{upcoming[1]}", []).append(len(fake.log) - before)
    runtime.db.dispose()
    fake.stop()
    return calls


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per fake request
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--issues", type=int, default=8)
    parser.add_argument("--edits", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="drain-bench-")
    urls = [f"sqlite:///{scratch}/drain.db", *args.urls]
    pace = Settings().github
    shown = " ".join(Database(u).engine.url.render_as_string(hide_password=True)
                     for u in args.urls)
    given = " ".join(sys.argv[1 + len(args.urls):])
    print(" ".join(filter(None, ["command: python bench/drain_bench.py", shown, given])))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    print(f"fake GitHub latency {args.latency * 1000:.0f} ms a call; pace as shipped: "
          f"{pace.writes_per_minute} writes/min per installation, "
          f"{pace.seconds_between_writes} s between writes of one client; "
          f"{args.issues * (args.edits + 1)} events over {args.issues} issues")
    for url in urls:
        name = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        for workers in args.workers:
            rate, writes = drain(url, workers, args.latency, args.issues, args.edits)
            print(f"{name:<10} {workers} worker(s): {rate:5.2f} events/s, {writes:5.1f} "
                  f"writes/min = {writes / pace.writes_per_minute:4.0%} of the pace")
    for kind, counts in sorted(calls_per_event(urls[0], args.latency).items()):
        shown_counts = Counter(counts)
        print(f"calls per {kind}: " + ", ".join(f"{n} x{c}" for n, c in sorted(
            shown_counts.items())) + f"; fewest possible {FEWEST.get(kind, '?')}")


if __name__ == "__main__":
    main()
