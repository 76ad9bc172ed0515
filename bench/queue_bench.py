"""The queue at scale: how long a claim takes with no finished events in the table and
with a million of them, and how long pruning the million takes.

    python bench/queue_bench.py sqlite:////tmp/queue-bench.db
    python bench/queue_bench.py postgresql+psycopg://user:pw@host/db
    python bench/queue_bench.py URL --without-indexes     # the schema before revision 0003
    python bench/queue_bench.py URL --finished 0 100000 --claims 200

THE DATABASE IS EMPTIED FIRST: give it one of its own. For each backlog size, that many done
events (finished 30 days ago, over 2,000 issues) are put in by the database itself; then
`--claims` events over 20 issues are enqueued and claimed and completed one at a time, each
claim timed; then the backlog is pruned (keep 14 days), timed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.store import migrations, queue
from bot.store.db import Database
from tests.backlog import add_finished
from tests.databases import drop_everything

ISSUES = 20
PARTIAL = ("ix_events_unfinished", "ix_events_unfinished_issue", "ix_events_finished_at")


def fresh(url: str, without_indexes: bool) -> Database:
    db = Database(url)
    drop_everything(db.engine)
    migrations.upgrade(db)
    if without_indexes:
        with db.engine.begin() as conn:
            for name in PARTIAL:
                conn.execute(text(f"DROP INDEX {name}"))
            conn.execute(text("CREATE INDEX ix_events_issue_key ON events (issue_key)"))
    return db


def claims(db: Database, count: int) -> list[float]:
    """Seconds per claim, of `count` events claimed and completed one after another."""
    tag = f"{time.time_ns()}"
    for n in range(count):
        queue.enqueue(db, "github", f"{tag}-{n}", "issues", "edited",
                      f"github:acme/live#{n % ISSUES}", "{}")
    took = []
    for _ in range(count):
        start = time.perf_counter()
        claimed = queue.claim(db, "bench")
        took.append(time.perf_counter() - start)
        assert claimed is not None and queue.complete(db, claimed)
    return took


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def machine(db: Database) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    with db.engine.connect() as conn:
        server = (f"SQLite {sqlite3.sqlite_version}" if db.is_sqlite else
                  conn.execute(text("SELECT version()")).scalar_one().split(" on ")[0])
    return (f"{platform.platform()}, {os.cpu_count()} cores ({cpu}), Python "
            f"{platform.python_version()}, {server}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--finished", type=int, nargs="+", default=[0, 1_000_000])
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--without-indexes", action="store_true")
    args = parser.parse_args()
    db = fresh(args.url, args.without_indexes)
    shown = db.engine.url.render_as_string(hide_password=True)
    print(f"command: python bench/queue_bench.py {shown} "
          f"{' '.join(sys.argv[2:])}".rstrip())
    print(f"machine: {machine(db)}")
    print(f"schema:  {'before 0003 (plain issue_key index)' if args.without_indexes else 'head'}")
    for size in args.finished:
        start = time.perf_counter()
        add_finished(db, size, queue.now() - timedelta(days=30), tag=f"backlog{size}")
        filled = time.perf_counter() - start
        took = claims(db, args.claims)
        print(f"{size:>9,} finished: {args.claims} claims, p50 "
              f"{percentile(took, 0.5) * 1000:8.2f} ms, p99 {percentile(took, 0.99) * 1000:8.2f} ms"
              f"  (backlog made in {filled:.1f} s)")
        start = time.perf_counter()
        pruned = queue.prune(db, queue.now() - timedelta(days=14))
        print(f"{'':>9}  pruned {pruned:,} in {time.perf_counter() - start:.1f} s")
    db.dispose()


if __name__ == "__main__":
    main()
