"""A storm against the bot's own processes: a seeded script of what people do to a tracker's
issues (tests.chaos_github, tests.chaos_jira), its webhooks posted over HTTP to processes that
are SIGKILLed and started again at random, faults injected into a share of the fake
tracker's answers, and checks of what is left once the queue has drained.

`CHAOS_EVENTS` sets the number of events (a long run by hand: thousands), `CHAOS_SEED` replays
a run; a failure prints both, the fake's last requests and the events that did not finish."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests
from sqlalchemy import select

from bot.store.db import Database
from bot.store.models import Event
from tests.fake_http import RATE_LIMITS, FakeServer
from tests.github_harness import sign

EVENTS = int(os.environ.get("CHAOS_EVENTS", "80"))
# Slow enough that the pacing holds writes back when events queue up (while the issues are
# opened, after a restart), fast enough for a test.
WRITES_PER_MINUTE = 300
# The trackers' answers the bot waits for; the fake's slow answers sometimes outlast it.
CALL_TIMEOUT = 2
# Backoff short enough that a storm drains in seconds.
BACKOFF_ENV = {"USECASE_BOT_WORKER__FIRST_BACKOFF_SECONDS": "0.2",
               "USECASE_BOT_WORKER__MAX_BACKOFF_SECONDS": "2"}
EXE = Path(sys.executable).with_name("usecase-bot")
FIXTURES = Path(__file__).parent / "fixtures" / "usecases"


def seed() -> int:
    return int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(1 << 32))


# ------------------------------------------------------------------ what people do


@dataclass(frozen=True)
class Delivery:
    id: str
    event: str
    body: bytes


# ------------------------------------------------------------------ processes


class Processes:
    """The bot's processes, each in its own process group so that a SIGKILL takes the
    whole of it (gunicorn's master and workers at once), with output kept in files."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = env
        self.commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.kills = 0

    def add(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.commands[name] = (argv, env or {})

    def start(self, name: str) -> None:
        argv, extra = self.commands[name]
        with open(self.tmp / f"{name}.log", "ab") as out:
            self.running[name] = subprocess.Popen(
                argv, env={**self.env, **extra}, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)

    def kill(self, name: str) -> None:
        proc = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):  # died by itself: its log says why
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.kills += 1

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name)

    def exited(self) -> list[str]:
        """Processes that ended without being killed: a crash."""
        return [name for name, proc in self.running.items() if proc.poll() is not None]

    def output(self, lines: int | None = 30) -> str:
        """What the processes wrote, the last `lines` of each (all of it with None)."""
        parts = []
        for log in sorted(self.tmp.glob("*.log")):
            written = log.read_text(errors="replace").splitlines()
            parts.append(f"--- {log.name}\n" + "\n".join(written[-lines:] if lines else written))
        return "\n".join(parts)

    def troubles(self) -> list[str]:
        """Lines of the processes' output that tell of a bug rather than a tracker's fault:
        an error the bot logs, a traceback, a clash between workers over a row."""
        return [f"the bot wrote: {line[:300]}" for line in self.output(None).splitlines()
                if any(sign in line for sign in ("ERROR usecase_bot", "Traceback",
                                                  "IntegrityError"))]

    def leaked(self, secrets: list[str]) -> list[str]:
        """Secrets the processes gave away in their output, crashes and tracebacks included."""
        written = self.output(None)
        return [f"a secret ({s[:3]}...) in the processes' output" for s in secrets
                if s in written]


def wait_healthy(url: str, deadline_s: float = 90) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not become healthy")


class Sender:
    """Posts deliveries to the GitHub endpoint, signed (a subclass posts them elsewhere); one
    whose POST failed (the server down, killed mid-answer) is kept to be sent again, as an
    operator's Redeliver would."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.unsent: list[Delivery] = []
        self.accepted: set[str] = set()
        # Why each failed POST failed, for the report.
        self.refusals: list[str] = []

    def post(self, delivery: Delivery) -> requests.Response:
        headers = {"X-GitHub-Event": delivery.event, "X-GitHub-Delivery": delivery.id,
                   "X-Hub-Signature-256": sign(delivery.body),
                   "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/chaos"}
        return requests.post(f"{self.url}/webhooks/github", data=delivery.body,
                             headers=headers, timeout=10)

    def send(self, delivery: Delivery) -> bool:
        try:
            answer = self.post(delivery)
        except requests.RequestException as exc:
            answer = None
            self.refusals.append(f"{delivery.event} {delivery.id}: {type(exc).__name__}")
        if answer is None or answer.status_code >= 500:
            if answer is not None:
                self.refusals.append(f"{delivery.event} {delivery.id}: {answer.status_code}")
            self.unsent.append(delivery)
            return False
        assert answer.status_code in (200, 202), answer.text
        self.accepted.add(delivery.id)
        return True

    def resend(self) -> None:
        again, self.unsent = self.unsent, []
        for delivery in again:
            self.send(delivery)


# ------------------------------------------------------------------ the run


class People(Protocol):
    """A script of people's work: the issues opened, then one change after another."""

    rng: random.Random

    def opening(self) -> Iterable[Delivery]: ...
    def step(self) -> Delivery: ...


@dataclass
class Storm:
    """One run: the script's events sent while `kill_one` SIGKILLs a process now and then
    (and starts it again); then the queue drained, with a few more kills on the way."""

    script: People
    sender: Sender
    processes: Processes
    db_url: str
    # Kills one of the processes, calls the function it is given while the process is down,
    # and starts it again; given the generator.
    kill_one: Callable[[random.Random, Callable[[], object]], None]
    # Starts every process and waits until they answer.
    start: Callable[[], None]
    kills_while_draining: int = 1
    # Seconds spent sending and draining, for the report.
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, events: int) -> None:
        started = time.monotonic()
        self.start()
        rng = self.script.rng
        # Each start costs a process's imports: a few kills in a short run, more in a long one.
        kill_at = set(rng.sample(range(events), max(events // 60, 1)))
        for sent, delivery in enumerate(self._deliveries(events)):
            if sent in kill_at:
                # Posted while the process is down (failing where it was the web server),
                # then sent again once it is back.
                self.kill_one(rng, lambda d=delivery: self.sender.send(d))
                self.sender.resend()
            else:
                self.sender.send(delivery)
        for _ in range(self.kills_while_draining):
            time.sleep(rng.uniform(0.2, 2.0))
            self.kill_one(rng, lambda: None)
        self.sender.resend()
        self.timings["sending"] = time.monotonic() - started
        assert self.sender.unsent == [], "deliveries the bot never took"

    def _deliveries(self, events: int) -> Iterator[Delivery]:
        """The issues opened, then changes up to `events` deliveries in all; each made in
        the fake only when its turn comes."""
        sent = 0
        for delivery in self.script.opening():
            yield delivery
            sent += 1
        for _ in range(sent, events):
            yield self.script.step()

    def drain(self) -> list[Event]:
        """Every event once nothing is left to do; fails when the queue does not drain."""
        db = Database(self.db_url)
        started = time.monotonic()
        try:
            deadline = started + 120 + EVENTS
            while True:
                with db.session() as s:
                    events = list(s.scalars(select(Event).order_by(Event.id)))
                open_ = [e for e in events if e.status in ("pending", "processing")]
                crashed = self.processes.exited()
                assert crashed == [], f"processes ended by themselves: {crashed}"
                if not open_:
                    self.timings["draining"] = time.monotonic() - started
                    return events
                if time.monotonic() > deadline:
                    raise AssertionError(f"{len(open_)} events still open, e.g.\n"
                                         + "\n".join(_row(e) for e in open_[:10]))
                time.sleep(0.25)
        finally:
            db.dispose()


def _row(e: Event) -> str:
    return (f"  #{e.id} {e.event}.{e.action} {e.issue_key} {e.status} "
            f"attempts={e.attempts} error={e.last_error}")


def debug_report(seed_: int, fakes: list[FakeServer], storm: Storm) -> str:
    """What to read when a run fails: how to replay it, what the trackers saw last, and the
    events that died or failed."""
    processes, db_url = storm.processes, storm.db_url
    lines = [f"CHAOS_SEED={seed_} CHAOS_EVENTS={EVENTS}", f"kills: {processes.kills}",
             f"seconds: {storm.timings}", "deliveries sent again: "
             + ("; ".join(storm.sender.refusals) or "none")]
    for fake in fakes:
        lines.append(f"{type(fake).__name__}: {len(fake.log)} requests, "
                     f"{len(fake.injected)} faults; the last 25:")
        lines += [f"  {m} {p} {s}" for m, p, s in fake.log[-25:]]
    try:
        db = Database(db_url)
        with db.session() as s:
            bad = list(s.scalars(select(Event).where(
                (Event.status == "dead") | (Event.attempts > 1)).order_by(Event.id).limit(40)))
        db.dispose()
        lines.append("dead or retried events:")
        lines += [_row(e) for e in bad]
    except Exception as exc:  # the report must not hide the failure it reports
        lines.append(f"(events unreadable: {exc})")
    lines.append(processes.output())
    return "\n".join(lines)


# ------------------------------------------------------------------ what must hold after


def lint_all(tmp: Path, bodies: dict[Any, str], markup: str = "auto"
             ) -> dict[Any, list[dict[str, Any]]]:
    """`usecase-bot lint --format json` on every final body, as a user would run it."""
    folder = tmp / "final"
    folder.mkdir(exist_ok=True)
    paths = {}
    for number, body in bodies.items():
        paths[number] = folder / f"{number}.md"
        paths[number].write_text(body, encoding="utf-8")
    proc = subprocess.run([str(EXE), "lint", "--format", "json", "--markup", markup,
                           *(str(p) for p in paths.values())],
                          capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    by_path = {r["path"]: r["findings"] for r in json.loads(proc.stdout)}
    return {n: by_path[str(p)] for n, p in paths.items()}


def heading(findings: list[dict[str, Any]]) -> str:
    """The comment's heading for these findings, without its markup."""
    errors = sum(f["severity"] == "error" for f in findings)
    warnings = sum(f["severity"] == "warning" for f in findings)
    if errors:
        return (f"Use-case check: {errors} error{'s' * (errors != 1)}, "
                f"{warnings} warning{'s' * (warnings != 1)}")
    return "Use-case check: no errors" if findings else "Use-case check: all clear"


def events_problems(events: list[Event], accepted: set[str]) -> list[str]:
    """Every delivery stored once, and every event finished: done, or dead with a reason."""
    problems = []
    stored = [e.delivery for e in events if e.event != "reconcile"]
    if sorted(stored) != sorted(accepted):
        problems.append(f"{len(stored)} deliveries stored ({len(set(stored))} distinct) for "
                        f"{len(accepted)} accepted")
    for e in events:
        if e.status not in ("done", "dead") or (e.status == "dead" and not e.last_error):
            problems.append(f"unfinished: {_row(e)}")
    return problems


def busiest_writes(fake: FakeServer, window: float) -> tuple[int, float]:
    """The most writes that arrived within `window` seconds, and when the last of them did."""
    stamps = sorted(t for t, method, _ in fake.arrivals if method != "GET")
    most, at, start = 0, 0.0, 0
    for end, stamp in enumerate(stamps):
        while stamps[start] < stamp - window:
            start += 1
        if end - start + 1 > most:
            most, at = end - start + 1, stamp
    return most, at


def pace_problems(fake: FakeServer, per_minute: int, window: float = 5.0,
                  slack: float = 1.0) -> list[str]:
    """Writes never came faster than `per_minute`: in any `window` seconds, no more than the
    slots the window holds (with `slack` seconds for a write sent a moment after its slot)."""
    allowed = int((window + slack) * per_minute / 60) + 1
    most, at = busiest_writes(fake, window)
    if most > allowed:
        return [f"{most} writes within {window} s before {at:.2f}; the pace allows {allowed}"]
    return []


def pause_problems(fake: FakeServer, margin: float = 1.0) -> list[str]:
    """After a rate limit, no request until its wait is over (`margin` seconds allowed for
    requests already on their way and for the pause to be stored)."""
    problems = []
    for at, _method, _path, fault in fake.injected:
        if fault not in RATE_LIMITS:
            continue
        wait = fake.limit_waits.get(at)
        if wait is None or wait <= margin:
            continue
        early = [(t, m, p) for t, m, p in fake.arrivals if at + margin < t < at + wait - 0.1]
        if early:
            problems.append(f"{len(early)} requests within {wait} s of a rate limit at {at:.2f}"
                            f", first {early[0]}")
    return problems
