"""A storm against the bot's own processes: a seeded script of what people do to about thirty
GitHub issues, its webhooks signed and posted over HTTP to processes that are SIGKILLed and
started again at random, faults injected into a share of the fake GitHub's answers, and a
check of what the fake holds once the queue has drained.

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
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import requests
from sqlalchemy import select

from bot.lint.comment import LINK_MARKER, LINT_MARKER, REPLY_MARKER, answering_text
from bot.store.db import Database
from bot.store.models import Event
from tests import github_payloads as gh
from tests.fake_github import FakeGitHub
from tests.fake_http import RATE_LIMITS, FakeServer
from tests.github_harness import FIXED, INCOMPLETE, REPO, sign

EVENTS = int(os.environ.get("CHAOS_EVENTS", "100"))
USE_CASES = 15
STORIES = 15
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
BODIES = [INCOMPLETE, FIXED] + [(FIXTURES / name).read_text() for name in (
    "cockburn.md", "rup.md", "not-a-use-case.md", "table.md", "german.md", "wiki.txt")]
OUTSIDER = "bob"  # may read, so may not command


def seed() -> int:
    return int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(1 << 32))


# ------------------------------------------------------------------ what people do


@dataclass(frozen=True)
class Delivery:
    id: str
    event: str
    body: bytes


@dataclass
class Script:
    """People at work on the fake GitHub: each step changes the fake as a person would and
    gives the webhook GitHub would send for it."""

    fake: FakeGitHub
    rng: random.Random
    # A story's parent use case, None for a story that names none.
    parents: dict[int, int | None] = field(default_factory=dict)
    # Stories that were sent while naming no parent: they got the suggestion comment.
    ever_orphan: set[int] = field(default_factory=set)
    # People's comments holding commands, and whether each is owed a reply.
    commands: dict[int, tuple[int, bool]] = field(default_factory=dict)
    extra_labels: dict[int, set[str]] = field(default_factory=dict)

    @property
    def use_cases(self) -> range:
        return range(1, USE_CASES + 1)

    @property
    def stories(self) -> range:
        return range(USE_CASES + 1, USE_CASES + STORIES + 1)

    def _delivery(self, event: str, payload: dict[str, Any]) -> Delivery:
        guid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return Delivery(guid, event, json.dumps(payload).encode())

    def _issue(self, number: int) -> dict[str, Any]:
        return self.fake.repos[REPO].issues[number]

    def _issues_event(self, action: str, number: int, label: str | None = None) -> Delivery:
        if number in self.parents and self.parents[number] is None:
            self.ever_orphan.add(number)
        return self._delivery("issues", gh.issues(action, REPO, self._issue(number),
                                                  label=label))

    def _story_body(self, number: int) -> str:
        parent = self.parents[number]
        said = f"As a customer I want step {number} done quickly."
        return said if parent is None else f"{said}\n\nUse case: #{parent}"

    def opening(self) -> Iterator[Delivery]:
        """Every issue opened, use cases first (a story's parent exists before it is named);
        an issue opened with its label also sends `labeled` at once, as GitHub does."""
        for number in self.rng.sample(self.use_cases, len(self.use_cases)):
            self.fake.add_issue(REPO, number, f"Use case {number}", self.rng.choice(BODIES),
                                labels=["use-case"])
            yield self._issues_event("opened", number)
            if self.rng.random() < 0.5:
                yield self._issues_event("labeled", number, "use-case")
        for number in self.rng.sample(self.stories, len(self.stories)):
            self.parents[number] = (self.rng.choice(self.use_cases)
                                    if self.rng.random() < 0.8 else None)
            self.fake.add_issue(REPO, number, f"Story {number}", self._story_body(number),
                                labels=["user-story"])
            yield self._issues_event("opened", number)

    def step(self) -> Delivery:
        roll = self.rng.random()
        if roll < 0.3:
            number = self.rng.choice(self.use_cases)
            self._issue(number)["body"] = self.rng.choice(BODIES)
            return self._issues_event("edited", number)
        if roll < 0.5:
            return self._story_changed(self.rng.choice(self.stories))
        if roll < 0.6:
            return self._labelled(self.rng.choice([*self.use_cases, *self.stories]))
        return self._commented(self.rng.choice([*self.use_cases, *self.stories]))

    def _story_changed(self, number: int) -> Delivery:
        issue = self._issue(number)
        roll = self.rng.random()
        if roll < 0.4:
            self.parents[number] = (self.rng.choice(self.use_cases)
                                    if self.rng.random() < 0.85 else None)
            issue["body"] = self._story_body(number)
            return self._issues_event("edited", number)
        if roll < 0.7:
            issue["title"] = f"Story {number}, take {self.rng.randrange(100)}"
            return self._issues_event("edited", number)
        issue["state"] = "open" if issue["state"] == "closed" else "closed"
        return self._issues_event("reopened" if issue["state"] == "open" else "closed", number)

    def _labelled(self, number: int) -> Delivery:
        issue = self._issue(number)
        extra = self.extra_labels.setdefault(number, set())
        if extra and self.rng.random() < 0.5:
            label = extra.pop()
            issue["labels"] = [lb for lb in issue["labels"] if lb["name"] != label]
            return self._issues_event("unlabeled", number, label)
        label = self.rng.choice(["priority", "needs-design", "good first issue"])
        if label not in extra:
            extra.add(label)
            repo = self.fake.repo(REPO)
            repo.labels.setdefault(label, self.fake._label(REPO, label, "ededed", ""))
            issue["labels"].append(repo.labels[label])
        return self._issues_event("labeled", number, label)

    def _commented(self, number: int) -> Delivery:
        """A person's comment: words, or a command from someone who may or may not give one."""
        text, author, reply = self.rng.choice([
            ("Looks good to me.", "alice", False),
            ("/usecase check", "alice", False),
            ("/usecase help", "alice", True),
            ("Can we ship this?\n/usecase check\n/usecase help", "alice", True),
            ("/usecase check", OUTSIDER, True),
        ])
        note = self.fake.next_id()
        self.fake.comments[note] = {
            "id": note, "node_id": f"IC_{note}", "body": text,
            "user": {"login": author, "id": 9, "type": "User", "site_admin": False},
            "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:00:00Z",
            "author_association": "OWNER" if author == "alice" else "NONE",
            "_repo": REPO, "_issue": number}
        issue = self._issue(number)
        issue["comments"] += 1
        if text.startswith("/") or "\n/" in text:
            self.commands[note] = (number, reply)
        return self._delivery("issue_comment", gh.issue_comment(
            "created", REPO, issue, text, user=author,
            association="OWNER" if author == "alice" else "NONE", comment_id=note))


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


def wait_healthy(url: str, deadline_s: float = 30) -> None:
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
    """Posts signed deliveries; one whose POST failed (the server down, killed mid-answer)
    is kept to be sent again, as an operator's Redeliver would."""

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
    # Kills one of the processes and starts it again; given the generator.
    kill_one: Callable[[random.Random], None]
    kills_while_draining: int = 1
    # Seconds spent sending and draining, for the report.
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, events: int) -> None:
        started = time.monotonic()
        rng = self.script.rng
        # Each start costs a process's imports: a few kills in a short run, more in a long one.
        kill_at = set(rng.sample(range(events), max(events // 60, 1)))
        sent = 0
        for delivery in self.script.opening():
            self.sender.send(delivery)
            sent += 1
        while sent < events:
            if sent in kill_at:
                self.kill_one(rng)
                self.sender.resend()
            self.sender.send(self.script.step())
            sent += 1
        for _ in range(self.kills_while_draining):
            time.sleep(rng.uniform(0.2, 2.0))
            self.kill_one(rng)
        self.sender.resend()
        self.timings["sending"] = time.monotonic() - started
        assert self.sender.unsent == [], "deliveries the bot never took"

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


def _finding_line(f: dict[str, Any]) -> str:
    where = f" (line {f['line']})" if f["line"] else ""
    return f"- `{f['rule']}`{where}: {f['message']}"


def _stories_listed(body: str) -> list[str]:
    if "### Stories" not in body:
        return []
    listed = body.split("### Stories", 1)[1]
    return sorted(ln for ln in listed.splitlines() if ln.startswith("- "))


def final_state_problems(script: Script, tmp: Path) -> list[str]:
    """Everything in the fake GitHub that differs from what the script's final issues call
    for; empty when the bot did each thing once and nothing was lost."""
    fake = script.fake
    repo = fake.repos[REPO]
    problems: list[str] = []
    findings = lint_all(tmp, {n: repo.issues[n]["body"] for n in script.use_cases})
    replies = {note: number for note, (number, owed) in script.commands.items() if owed}

    def mine(number: int, marker: str) -> list[dict[str, Any]]:
        return [c for c in fake.comments_on(REPO, number)
                if c["user"]["login"] == fake.bot_login and c["body"].startswith(marker)]

    for number in [*script.use_cases, *script.stories]:
        issue = repo.issues[number]
        labels = set(fake.labels_on(REPO, number))
        extra = script.extra_labels.get(number, set())
        owed = [note for note, on in replies.items() if on == number]
        got = mine(number, REPLY_MARKER)
        for note in script.commands:
            if script.commands[note][0] != number:
                continue
            answers = [c for c in got if answering_text(str(note)) in c["body"]]
            if len(answers) != (note in owed):
                problems.append(f"#{number}: {len(answers)} replies to comment {note}, "
                                f"wanted {int(note in owed)}")
        if len(got) != len(owed):
            problems.append(f"#{number}: {len(got)} replies for {len(owed)} owed")
        if number in script.use_cases:
            errors = any(f["severity"] == "error" for f in findings[number])
            wanted_labels = {"use-case", *extra} | ({"use-case:incomplete"} if errors else set())
            lint = mine(number, LINT_MARKER)
            if len(lint) != 1:
                problems.append(f"#{number}: {len(lint)} lint comments")
                continue
            body = lint[0]["body"]
            if f"### {heading(findings[number])}" not in body:
                problems.append(f"#{number}: heading is not {heading(findings[number])!r}")
            shown = sorted(ln for ln in body.split("### Stories")[0].splitlines()
                           if ln.startswith("- `"))
            if shown != sorted(_finding_line(f) for f in findings[number]):
                problems.append(f"#{number}: findings shown {shown}, lint says "
                                f"{[_finding_line(f) for f in findings[number]]}")
            kids = [n for n, p in script.parents.items() if p == number]
            wanted_list = sorted(
                f"- #{n}{' (closed)' if repo.issues[n]['state'] == 'closed' else ''} "
                f"{repo.issues[n]['title']}" for n in kids)
            if _stories_listed(body) != wanted_list:
                problems.append(f"#{number}: stories listed {_stories_listed(body)}, "
                                f"wanted {wanted_list}")
            linked = sorted(repo.sub_issues.get(number, []))
            if linked != sorted(repo.issues[n]["id"] for n in kids):
                problems.append(f"#{number}: sub-issues {linked}, wanted those of {kids}")
        else:
            parent = script.parents[number]
            wanted_labels = {"user-story", *extra} | (
                {"story:no-use-case"} if parent is None else set())
            link = mine(number, LINK_MARKER)
            if len(link) != (number in script.ever_orphan):
                problems.append(f"#{number}: {len(link)} link comments")
            elif link and parent is not None and f"linked to its use case #{parent}." \
                    not in link[0]["body"]:
                problems.append(f"#{number}: link comment does not name #{parent}")
            elif link and parent is None and "does not name the use case" not in \
                    link[0]["body"]:
                problems.append(f"#{number}: link comment does not ask for a parent")
        if labels != wanted_labels:
            problems.append(f"#{number}: labels {sorted(labels)}, wanted "
                            f"{sorted(wanted_labels)}")
        del issue
    return problems


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
