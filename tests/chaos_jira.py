"""The storm on Jira Data Center: people's work on a project's use cases and stories as Jira
webhooks (with the URL token), and what the fake Jira must hold once the queue drained."""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bot.lint.comment import LINK_MARKER, LINT_MARKER, REPLY_MARKER, answering_text, tag
from tests import jira_payloads as jp
from tests.chaos import FIXTURES, Delivery, Sender, heading, lint_all
from tests.fake_jira import FakeJira

TOKEN = "jira-chaos-token"
USE_CASES = [f"UC-{n}" for n in range(1, 7)]
STORIES = [f"UC-{n}" for n in range(7, 13)]
_STEPS = """*Primary actor:* Manager

h3. Main success scenario
# Employee submits an expense claim.
# Manager reviews the claim.
# Manager approves the claim.
"""
_EXTENSIONS = """
h3. Extensions
* 3a. The claim exceeds the manager's limit:
** 3a1. System forwards the claim to the director.
** 3a2. Use case ends.
"""
BODIES = [_STEPS, _STEPS + _EXTENSIONS, (FIXTURES / "wiki.txt").read_text()]
ALICE = {"accountId": "5c5f-alice", "name": "alice", "displayName": "Alice"}
BOB = {"accountId": "5c5f-bob", "name": "bob", "displayName": "Bob"}


class JiraSender(Sender):
    def post(self, delivery: Delivery) -> requests.Response:
        return requests.post(f"{self.url}/webhooks/jira", data=delivery.body,
                             params={"token": TOKEN}, timeout=10, headers={
                                 "Content-Type": "application/json",
                                 "X-Atlassian-Webhook-Identifier": delivery.id})


@dataclass
class JiraScript:
    fake: FakeJira
    rng: random.Random
    parents: dict[str, str | None] = field(default_factory=dict)
    ever_orphan: set[str] = field(default_factory=set)
    commands: dict[str, tuple[str, bool]] = field(default_factory=dict)
    extra_labels: dict[str, set[str]] = field(default_factory=dict)
    _at: int = 1700000000000

    def _delivery(self, payload: dict[str, Any]) -> Delivery:
        guid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return Delivery(guid, payload["webhookEvent"], json.dumps(payload).encode())

    def _issue_event(self, event: str, key: str, changed: list[str] | None = None) -> Delivery:
        if self.parents.get(key, "") is None:
            self.ever_orphan.add(key)
        self._at += 1000
        return self._delivery(jp.issue_event(event, self.fake.issues[key], changed,
                                             user=ALICE, at=self._at))

    def _story_body(self, key: str) -> str:
        parent = self.parents[key]
        said = f"As an employee I want claim {key} paid quickly."
        return said if parent is None else f"{said}\n\nUse case: {parent}"

    def opening(self) -> list[Delivery]:
        sent = []
        for key in USE_CASES:
            self.fake.add_issue(key, f"Approve expense {key}", self.rng.choice(BODIES))
            sent.append(self._issue_event("jira:issue_created", key))
        for key in STORIES:
            self.parents[key] = self.rng.choice(USE_CASES) if self.rng.random() < 0.7 else None
            self.fake.add_issue(key, f"Story {key}", self._story_body(key), issue_type="Story")
            sent.append(self._issue_event("jira:issue_created", key))
        return sent

    def step(self) -> Delivery:
        roll = self.rng.random()
        if roll < 0.35:
            key = self.rng.choice(USE_CASES)
            self.fake.issues[key]["fields"]["description"] = self.rng.choice(BODIES)
            return self._issue_event("jira:issue_updated", key, ["description"])
        if roll < 0.5:
            key = self.rng.choice(STORIES)
            fields = self.fake.issues[key]["fields"]
            if self.parents[key] is None:  # adopted; Jira keeps links, so no story moves
                self.parents[key] = self.rng.choice(USE_CASES)
                fields["description"] = self._story_body(key)
                return self._issue_event("jira:issue_updated", key, ["description"])
            fields["summary"] = f"Story {key}, take {self.rng.randrange(100)}"
            return self._issue_event("jira:issue_updated", key, ["summary"])
        if roll < 0.6:
            key = self.rng.choice(USE_CASES + STORIES)
            label = self.rng.choice(["team-a", "team-b"])
            labels = self.fake.issues[key]["fields"]["labels"]
            if label not in labels:
                labels.append(label)
                self.extra_labels.setdefault(key, set()).add(label)
            return self._issue_event("jira:issue_updated", key, ["labels"])
        return self._commented(self.rng.choice(USE_CASES + STORIES))

    def _commented(self, key: str) -> Delivery:
        text, author, reply = self.rng.choice([
            ("Looks right to me.", ALICE, False),
            ("/usecase check", ALICE, False),
            ("/usecase help", ALICE, True),
            ("/usecase check", BOB, True),
        ])
        note = str(self.fake.next_id())
        self.fake.comments.setdefault(key, []).append(
            {"id": note, "body": text, "author": author, "updateAuthor": author,
             "created": "2026-11-01T10:00:00.000+0000",
             "updated": "2026-11-01T10:00:00.000+0000"})
        if text.startswith("/"):
            self.commands[note] = (key, reply)
        self._at += 1000
        return self._delivery(jp.comment_created(self.fake.issues[key], text, author=author,
                                                 comment_id=note, at=self._at))


def jira_problems(script: JiraScript, tmp: Path) -> list[str]:
    """What the fake Jira holds that the script's final issues do not call for."""
    fake = script.fake
    problems: list[str] = []
    bodies = {key: fake.issues[key]["fields"]["description"] for key in USE_CASES}
    findings = lint_all(tmp, bodies, markup="jira")

    def mine(key: str, marker: str) -> list[dict[str, Any]]:
        return [c for c in fake.comments_on(key)
                if c["author"].get("accountId") == fake.bot["accountId"]
                and tag(marker) in str(c["body"])]

    links = Counter((link["inward"], link["outward"]) for link in fake.links)
    doubled = [pair for pair, n in links.items() if n > 1]
    if doubled:
        problems.append(f"issue links made more than once: {doubled}")
    for key in USE_CASES + STORIES:
        labels = set(fake.labels_on(key))
        extra = script.extra_labels.get(key, set())
        owed = {note for note, (on, reply) in script.commands.items() if on == key and reply}
        replies = mine(key, REPLY_MARKER)
        answered = {note for note, (on, _) in script.commands.items() if on == key
                    for c in replies if answering_text(note) in c["body"]}
        if answered != owed or len(replies) != len(owed):
            problems.append(f"{key}: {len(replies)} replies answering {sorted(answered)}, "
                            f"owed {sorted(owed)}")
        if key in USE_CASES:
            errors = any(f["severity"] == "error" for f in findings[key])
            wanted = extra | ({"use-case-incomplete"} if errors else set())
            lint = mine(key, LINT_MARKER)
            if len(lint) != 1:
                problems.append(f"{key}: {len(lint)} lint comments")
            else:
                body = lint[0]["body"]
                if f"h3. {heading(findings[key])}" not in body:
                    problems.append(f"{key}: heading is not {heading(findings[key])!r}")
                shown = Counter(ln.split("}}")[0].removeprefix("* {{")
                                for ln in body.split("h3. Stories")[0].splitlines()
                                if ln.startswith("* {{"))
                if shown != Counter(f["rule"] for f in findings[key]):
                    problems.append(f"{key}: rules shown {dict(shown)}, lint says "
                                    f"{[f['rule'] for f in findings[key]]}")
                kids = sorted(f"* {s} {fake.issues[s]['fields']['summary']}"
                              for s, p in script.parents.items() if p == key)
                listed = sorted(ln for ln in body.split("h3. Stories")[-1].splitlines()
                                if ln.startswith("* ")) if "h3. Stories" in body else []
                if listed != kids:
                    problems.append(f"{key}: stories listed {listed}, wanted {kids}")
        else:
            parent = script.parents[key]
            wanted = extra | ({"story-no-use-case"} if parent is None else set())
            if parent is not None and links[(key, parent)] != 1:
                problems.append(f"{key}: {links[(key, parent)]} links to {parent}")
            if len(mine(key, LINK_MARKER)) != (key in script.ever_orphan):
                problems.append(f"{key}: {len(mine(key, LINK_MARKER))} link comments")
        if labels != wanted:
            problems.append(f"{key}: labels {sorted(labels)}, wanted {sorted(wanted)}")
    return problems
