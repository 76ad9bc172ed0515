"""The scope-drift report over many issues on the fake GitHub: time, tracker requests and
peak memory of a full run (the first), then of an incremental one after 1 % of the issues
changed.

    python bench/report_bench.py              # 10,000 and 100,000 issues
    python bench/report_bench.py 10000 30000  # other sizes

The fake is seeded directly (no HTTP); the issues are spread over ten repositories, a fifth
of them use cases, the rest stories naming one, a few in a hundred naming none. Peak memory
is what Python allocated during the run (tracemalloc), the seeded fake excluded.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
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


def measured(runtime: Runtime, fake: FakeGitHub, at: datetime) -> dict[str, float]:
    job = for_runtime(runtime)
    job.now = lambda: at
    mark = len(fake.log)
    tracemalloc.start()
    began = time.perf_counter()
    outcome = job.run()
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    calls = fake.log[mark:]
    return {"seconds": seconds, "read": outcome.read,
            "reads": sum(c[0] == "GET" for c in calls),
            "writes": sum(c[0] != "GET" for c in calls), "peak_mib": peak / 2**20}


def bench(size: int) -> None:
    fake = FakeGitHub().start()
    seed(fake, size)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({
            "USECASE_BOT_GITHUB__REPOS": "[" + ", ".join(f'"{r}"' for r in REPOS) + "]",
            "USECASE_BOT_REPORT__GITHUB_REPO": REPOS[0],
            "USECASE_BOT_REPORT__OUTPUT_DIR": str(Path(tmp) / "reports"),
            "USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES": "0",
            "USECASE_BOT_GITHUB__WRITES_PER_MINUTE": "100000",
        })
        env = {"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "GITHUB_TOKEN": "ghp_bench",
               "GITHUB_API_URL": fake.url}
        runtime = Runtime.build(Settings(), Secrets.from_env(env))
        full = measured(runtime, fake, START)
        change_one_in_a_hundred(fake)
        incremental = measured(runtime, fake, START + timedelta(days=1))
        runtime.db.dispose()
    fake.stop()
    for name, got in (("full", full), ("incremental, 1% changed", incremental)):
        print(f"{size:>7} issues, {name:<24} {got['seconds']:7.1f} s  "
              f"{got['read']:>7.0f} issues read  {got['reads']:>5.0f} GET  "
              f"{got['writes']:>2.0f} writes  peak {got['peak_mib']:7.1f} MiB", flush=True)


if __name__ == "__main__":
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per fake request
    for size in [int(a) for a in sys.argv[1:]] or [10_000, 100_000]:
        bench(size)
