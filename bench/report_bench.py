"""The scope-drift report over many issues on the fake GitHub: tracker requests, peak memory
and time of a full run (the first), then of an incremental one after 1 % of the issues
changed.

    nice python bench/report_bench.py              # 10,000 and 100,000 issues
    nice python bench/report_bench.py 10000 30000  # other sizes

The issues are spread over ten repositories, a fifth of them use cases, the rest stories
naming one, a few in a hundred naming none. The fake GitHub runs in a process of its own, so
that what it holds and serves is not counted. Each size is run twice on a fresh database:
once under tracemalloc for the peak of what Python allocated during the run, once without
it for the time (tracemalloc slows the run several times), each in a fresh process. The
last line gives the ratio of
the largest size's peak to the smallest's.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Secrets, Settings
from bot.report.run import for_runtime
from bot.runtime import Runtime
from tests.fake_github import FakeGitHub

REPOS = [f"acme/shop{n}" for n in range(10)]
START = datetime(2026, 12, 1, 2, 0)
USE_CASE = """### Primary actor

Customer

### Main success scenario

1. Customer picks item {n}.
2. System shows the price of item {n}.
3. Customer pays for item {n}.

### Extensions

3a. The payment is declined:
  3a1. System shows the reason.
"""


def seed(fake: FakeGitHub, size: int) -> None:
    per_repo = size // len(REPOS)
    for repo in REPOS:
        use_cases = per_repo // 5
        for n in range(1, per_repo + 1):
            if n <= use_cases:
                fake.add_issue(repo, n, f"Buy item {n}", USE_CASE.format(n=n), ["use-case"])
            else:
                named = "" if n % 100 == 0 else f"Use case: #{n % use_cases + 1}\n"
                fake.add_issue(repo, n, f"Story {n}", f"{named}As a customer I want item "
                               f"{n % use_cases + 1} wrapped.", ["user-story"])
            fake.repos[repo].issues[n]["updated_at"] = "2026-10-01T10:00:00Z"


def change_one_in_a_hundred(fake: FakeGitHub) -> None:
    for repo in REPOS:
        for n, issue in fake.repos[repo].issues.items():
            if n % 100 == 7 and "scope-drift-report" not in str(issue["labels"]):
                issue["body"] += "\n4. System says thank you."
                issue["updated_at"] = "2026-12-01T12:00:00Z"


def serve(size: int, orders: Connection) -> None:
    """The fake GitHub's process: seeded, then told what to do until told to stop."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request
    fake = FakeGitHub()
    seed(fake, size)
    fake.start()
    orders.send(fake.url)
    while (order := orders.recv()) != "stop":
        if order == "change":
            change_one_in_a_hundred(fake)
            orders.send(None)
        else:  # the requests from the `order`th on
            calls = fake.log[order:]
            orders.send((len(fake.log), sum(c[0] == "GET" for c in calls),
                         sum(c[0] != "GET" for c in calls)))
    fake.stop()


def measured(runtime: Runtime, fake: Connection, at: datetime, traced: bool
             ) -> dict[str, float]:
    job = for_runtime(runtime)
    job.now = lambda: at
    fake.send(0)
    mark = fake.recv()[0]
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    outcome = job.run()
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    fake.send(mark)
    _, reads, writes = fake.recv()
    return {"seconds": seconds, "read": outcome.read, "reads": reads, "writes": writes,
            "peak_mib": peak / 2**20}


def scenario(size: int, traced: bool) -> tuple[dict[str, float], dict[str, float]]:
    """A full run on a fresh database, then an incremental one after 1 % changed."""
    orders, theirs = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=serve, args=(size, theirs))
    fake.start()
    url = orders.recv()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({
            "USECASE_BOT_GITHUB__REPOS": "[" + ", ".join(f'"{r}"' for r in REPOS) + "]",
            "USECASE_BOT_REPORT__GITHUB_REPO": REPOS[0],
            "USECASE_BOT_REPORT__OUTPUT_DIR": str(Path(tmp) / "reports"),
            "USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES": "0",
            "USECASE_BOT_GITHUB__WRITES_PER_MINUTE": "100000",
        })
        env = {"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "GITHUB_TOKEN": "ghp_bench",
               "GITHUB_API_URL": url}
        runtime = Runtime.build(Settings(), Secrets.from_env(env))
        full = measured(runtime, orders, START, traced)
        orders.send("change")
        orders.recv()
        incremental = measured(runtime, orders, START + timedelta(days=1), traced)
        runtime.db.dispose()
    orders.send("stop")
    fake.join()
    return full, incremental


def isolated(size: int, traced: bool) -> tuple[dict[str, float], dict[str, float]]:
    """The scenario in a process of its own, so that every size starts alike: nothing
    imported or cached by a run before it."""
    context = multiprocessing.get_context("spawn")
    results, theirs = context.Pipe()
    child = context.Process(target=_scenario_to, args=(size, traced, theirs))
    child.start()
    got: tuple[dict[str, float], dict[str, float]] = results.recv()
    child.join()
    return got


def _scenario_to(size: int, traced: bool, results: Connection) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    results.send(scenario(size, traced))


def bench(size: int) -> dict[str, float]:
    """Each run's figures printed; the peaks returned by run."""
    peaks = isolated(size, traced=True)
    times = isolated(size, traced=False)
    for name, peak, timed in zip(("full", "incremental, 1% changed"), peaks, times,
                                 strict=True):
        print(f"{size:>7} issues, {name:<24} {timed['seconds']:7.1f} s  "
              f"{timed['read']:>7.0f} issues read  {timed['reads']:>5.0f} GET  "
              f"{timed['writes']:>2.0f} writes  peak {peak['peak_mib']:7.1f} MiB", flush=True)
    return {"full": peaks[0]["peak_mib"], "incremental": peaks[1]["peak_mib"]}


if __name__ == "__main__":
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    print(f"$ python {' '.join(sys.argv)}")
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite", flush=True)
    peaks = [bench(size) for size in sizes]
    if len(sizes) > 1:
        for run in ("full", "incremental"):
            print(f"peak at {sizes[-1]:,} / peak at {sizes[0]:,} issues, {run}: "
                  f"{peaks[-1][run] / peaks[0][run]:.2f}x")
