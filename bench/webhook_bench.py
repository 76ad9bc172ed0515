"""How fast the bot acknowledges a GitHub webhook, beside what any Flask app could do under the
same gunicorn line (the Procfile's `web:`): requests per second with many clients, and p50/p99
latency, then p99 at a steady 100 requests a second.

    python bench/webhook_bench.py           # the bot on SQLite, three rounds
    python bench/webhook_bench.py 1         # one round
    BENCH_DATABASE_URL=postgresql+psycopg://... python bench/webhook_bench.py   # and PostgreSQL,
                                            # whose tables it drops first

Each request is a signed `issues.opened` delivery (GitHub's own example payload) with a
delivery id of its own, so that every one is stored. The apps:

- bare:  Flask answering 202, nothing else;
- floor: Flask that checks the HMAC and commits one SQLite row (WAL, synchronous=FULL), the
         least any app can do that stores a delivery durably before answering;
- bot:   `bot.web.wsgi:app` on SQLite (and on PostgreSQL when BENCH_DATABASE_URL is set).

They run in turn, three rounds, so that other work on the machine falls on all of them alike;
the ratios are taken round by round. The load comes from threads in this process.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import platform
import shlex
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, request

ROOT = Path(__file__).resolve().parents[1]
# For `tests.databases` when run as a script.
sys.path.insert(0, str(ROOT))
PAYLOAD = ROOT.parent / "shared" / "fixtures" / "github" / "webhooks" / "issues.opened.json"
SECRET = "bench-webhook-secret"
CLIENTS = 8
BURST_SECONDS = 4.0
STEADY_RATE = 100
STEADY_SECONDS = 5.0
ROUNDS = 3


# ------------------------------------------------------------------ the apps gunicorn runs


def bare_app() -> Flask:
    app = Flask("bare")

    @app.post("/webhooks/github")
    def receive() -> tuple[str, int]:
        request.get_data()
        return "", 202

    return app


def floor_app() -> Flask:
    """HMAC over the raw body, then one row committed before the answer."""
    app = Flask("floor")
    secret = SECRET.encode()
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "db"):
            db = sqlite3.connect(os.environ["BENCH_FLOOR_DB"], isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, "
                       "delivery TEXT UNIQUE NOT NULL, payload TEXT NOT NULL)")
            local.db = db
        conn: sqlite3.Connection = local.db
        return conn

    @app.post("/webhooks/github")
    def receive() -> Response | tuple[str, int]:
        body = request.get_data()
        given = request.headers.get("X-Hub-Signature-256", "").removeprefix("sha256=")
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given):
            return "", 401
        connection().execute("INSERT INTO events (delivery, payload) VALUES (?, ?)",
                             (request.headers["X-GitHub-Delivery"], body.decode()))
        return "", 202

    return app


# ------------------------------------------------------------------ load


@dataclass(frozen=True)
class Run:
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def post(port: int, body: bytes, signature: str) -> int:
    # gunicorn's sync workers close every connection, so each request opens its own.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/webhooks/github", body, {
            "Content-Type": "application/json", "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": signature,
            "User-Agent": "GitHub-Hookshot/bench"})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    except OSError:
        return 0  # reset or refused: an error of the run, not the end of its client
    finally:
        conn.close()


def burst(port: int, body: bytes, signature: str, seconds: float) -> Run:
    """`CLIENTS` threads sending back to back for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    end = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < end:
            started = time.perf_counter()
            status = post(port, body, signature)
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                errors[0] += status != 202

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Run(len(latencies) / elapsed, percentile(latencies, 0.5) * 1000,
               percentile(latencies, 0.99) * 1000, errors[0])


def steady(port: int, body: bytes, signature: str, rate: int, seconds: float) -> Run:
    """Requests due at a fixed rate; a request's latency counts from when it was due, so a
    server that falls behind is charged for the wait."""
    count = int(rate * seconds)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.1
    due = iter(range(count))

    def sender() -> None:
        while True:
            with lock:
                n = next(due, None)
            if n is None:
                return
            when = start + n / rate
            time.sleep(max(0.0, when - time.perf_counter()))
            status = post(port, body, signature)
            took = time.perf_counter() - when
            with lock:
                latencies.append(took)
                errors[0] += status != 202

    threads = [threading.Thread(target=sender) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(count / seconds, percentile(latencies, 0.5) * 1000,
               percentile(latencies, 0.99) * 1000, errors[0])


# ------------------------------------------------------------------ servers


def procfile_web() -> list[str]:
    line = next(entry for entry in (ROOT / "Procfile").read_text().splitlines()
                if entry.startswith("web:"))
    return shlex.split(line.removeprefix("web:"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def gunicorn(target: str, env: dict[str, str],
             log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The Procfile's web line with only the app and the port changed; its output in `log`."""
    port = free_port()
    command = [f"127.0.0.1:{port}" if part.startswith("0.0.0.0:") else part
               for part in procfile_web()]
    command[-1] = target
    command[0] = str(Path(sys.executable).with_name("gunicorn"))
    with log.open("wb") as output:
        proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{target} did not start")


@dataclass(frozen=True)
class Target:
    name: str
    app: str
    env: Callable[[Path], dict[str, str]]


def bot_env(database_url: str | None) -> Callable[[Path], dict[str, str]]:
    def env(tmp: Path) -> dict[str, str]:
        return {"DATABASE_URL": database_url or f"sqlite:///{tmp / 'bot.db'}",
                "GITHUB_WEBHOOK_SECRET": SECRET, "USECASE_BOT_LOG_LEVEL": "INFO"}
    return env


def measure(target: Target, body: bytes, signature: str) -> tuple[Run, Run]:
    with tempfile.TemporaryDirectory() as tmp:
        env = target.env(Path(tmp))
        if target.name == "bot-postgresql":
            emptied(env["DATABASE_URL"])
        log = Path(tmp) / "gunicorn.log"
        proc, port = gunicorn(target.app, env, log)
        try:
            for _ in range(50):  # both workers warm, schema made
                if post(port, body, signature) != 202:
                    raise SystemExit(f"{target.name} does not answer 202")
            runs = (burst(port, body, signature, BURST_SECONDS),
                    steady(port, body, signature, STEADY_RATE, STEADY_SECONDS))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        if any(run.errors for run in runs):
            said = [line for line in log.read_text(errors="replace").splitlines()
                    if not line.startswith("POST ")]  # the access log's lines
            print(f"{target.name}: errors; gunicorn said:", *said[-20:], sep="\n  ",
                  file=sys.stderr)
        return runs


def emptied(url: str) -> None:
    """No table left, the migrations' version included: the bot starts on a fresh schema."""
    from bot.store.db import Database
    from tests.databases import drop_everything

    database = Database(url)
    drop_everything(database.engine)
    database.dispose()


def machine() -> str:
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return (f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"load average {load} at start")


def opened_payload() -> bytes:
    """GitHub's own example delivery where it sits beside the checkout; otherwise one shaped
    like it by the tests' payload builder."""
    if PAYLOAD.is_file():
        return PAYLOAD.read_bytes()
    from tests import github_payloads
    from tests.fake_github import FakeGitHub

    issue = FakeGitHub().add_issue("acme/shop", 1, "Buy goods", "1. Customer pays.")
    return json.dumps(github_payloads.issues("opened", "acme/shop", issue)).encode()


def main() -> None:
    body = opened_payload()
    payload = json.loads(body)
    # The fixture's issue carries no label; the bot stores every opened issue it can route.
    assert payload["action"] == "opened"
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    targets = [
        Target("bare", "bench.webhook_bench:bare_app()", lambda tmp: {}),
        Target("floor", "bench.webhook_bench:floor_app()",
               lambda tmp: {"BENCH_FLOOR_DB": str(tmp / "floor.db")}),
        Target("bot-sqlite", "bot.web.wsgi:app", bot_env(None)),
    ]
    if os.environ.get("BENCH_DATABASE_URL"):
        targets.append(Target("bot-postgresql", "bot.web.wsgi:app",
                              bot_env(os.environ["BENCH_DATABASE_URL"])))
    print("command: " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    print(f"server:  {' '.join(procfile_web())}  (app and port replaced)")
    print(f"machine: {machine()}")
    print(f"load:    {CLIENTS} client threads back to back for {BURST_SECONDS:.0f} s, then "
          f"{STEADY_RATE} req/s for {STEADY_SECONDS:.0f} s; {len(body):,}-byte payload\n")
    results: dict[str, list[tuple[Run, Run]]] = {t.name: [] for t in targets}
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    for round_ in range(1, rounds + 1):
        for target in targets:
            fast, even = measure(target, body, signature)
            results[target.name].append((fast, even))
            print(f"round {round_} {target.name:15} {fast.per_second:7.0f} req/s  "
                  f"p50 {fast.p50_ms:6.1f} ms  p99 {fast.p99_ms:6.1f} ms  |  at {STEADY_RATE}/s "
                  f"p50 {even.p50_ms:5.1f} ms  p99 {even.p99_ms:6.1f} ms  "
                  f"errors {fast.errors + even.errors}", flush=True)
    print()
    for name in [t.name for t in targets if t.name.startswith("bot")]:
        for other in ("floor", "bare"):
            ratios = [mine[0].per_second / theirs[0].per_second
                      for mine, theirs in zip(results[name], results[other], strict=True)]
            print(f"{name}/{other}: " + ", ".join(f"{r:.2f}" for r in ratios)
                  + f"  (median {statistics.median(ratios):.2f})")
        p99s = [even.p99_ms for _, even in results[name]]
        print(f"{name} p99 at {STEADY_RATE}/s: " + ", ".join(f"{p:.1f}" for p in p99s)
              + f" ms  (median {statistics.median(p99s):.1f} ms)")


if __name__ == "__main__":
    main()
