"""The storm on GitHub: people's work on a repository's use cases and stories as GitHub
webhooks, and what the fake GitHub must hold once the queue drained."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.lint.comment import LINK_MARKER, LINT_MARKER, REPLY_MARKER, answering_text
from tests import github_payloads as gh
from tests.chaos import FIXTURES, Delivery, heading, lint_all
from tests.fake_github import FakeGitHub
from tests.github_harness import FIXED, INCOMPLETE, REPO

USE_CASES = 15
STORIES = 15
BODIES = [INCOMPLETE, FIXED] + [(FIXTURES / name).read_text() for name in (
    "cockburn.md", "rup.md", "not-a-use-case.md", "table.md", "german.md", "wiki.txt")]
OUTSIDER = "bob"  # may read, so may not command


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
    repo = script.fake.repos[REPO]
    findings = lint_all(tmp, {n: repo.issues[n]["body"] for n in script.use_cases})
    problems = []
    for number in [*script.use_cases, *script.stories]:
        problems += _reply_problems(script, number)
        if number in script.use_cases:
            problems += _use_case_problems(script, number, findings[number])
        else:
            problems += _story_problems(script, number)
    return problems


def _mine(fake: FakeGitHub, number: int, marker: str) -> list[dict[str, Any]]:
    return [c for c in fake.comments_on(REPO, number)
            if c["user"]["login"] == fake.bot_login and c["body"].startswith(marker)]


def _labels_problems(script: Script, number: int, wanted: set[str]) -> list[str]:
    wanted = wanted | script.extra_labels.get(number, set())
    labels = set(script.fake.labels_on(REPO, number))
    return [] if labels == wanted else [
        f"#{number}: labels {sorted(labels)}, wanted {sorted(wanted)}"]


def _reply_problems(script: Script, number: int) -> list[str]:
    """One reply to each command comment that is owed one, none to the others."""
    got = _mine(script.fake, number, REPLY_MARKER)
    problems = []
    owed = 0
    for note, (on, reply) in script.commands.items():
        if on != number:
            continue
        owed += reply
        answers = [c for c in got if answering_text(str(note)) in c["body"]]
        if len(answers) != reply:
            problems.append(f"#{number}: {len(answers)} replies to comment {note}, "
                            f"wanted {int(reply)}")
    if len(got) != owed:
        problems.append(f"#{number}: {len(got)} replies for {owed} owed")
    return problems


def _use_case_problems(script: Script, number: int, findings: list[dict[str, Any]]
                       ) -> list[str]:
    """One lint comment with lint's findings and the stories, their sub-issues, the label."""
    repo = script.fake.repos[REPO]
    errors = any(f["severity"] == "error" for f in findings)
    problems = _labels_problems(script, number, {"use-case"} |
                                ({"use-case:incomplete"} if errors else set()))
    lint = _mine(script.fake, number, LINT_MARKER)
    if len(lint) != 1:
        return [*problems, f"#{number}: {len(lint)} lint comments"]
    body = lint[0]["body"]
    if f"### {heading(findings)}" not in body:
        problems.append(f"#{number}: heading is not {heading(findings)!r}")
    shown = sorted(ln for ln in body.split("### Stories")[0].splitlines() if ln.startswith("- `"))
    if shown != sorted(_finding_line(f) for f in findings):
        problems.append(f"#{number}: findings shown {shown}, lint says "
                        f"{[_finding_line(f) for f in findings]}")
    kids = [n for n, p in script.parents.items() if p == number]
    wanted = sorted(f"- #{n}{' (closed)' if repo.issues[n]['state'] == 'closed' else ''} "
                    f"{repo.issues[n]['title']}" for n in kids)
    if _stories_listed(body) != wanted:
        problems.append(f"#{number}: stories listed {_stories_listed(body)}, wanted {wanted}")
    linked = sorted(repo.sub_issues.get(number, []))
    if linked != sorted(repo.issues[n]["id"] for n in kids):
        problems.append(f"#{number}: sub-issues {linked}, wanted those of {kids}")
    return problems


def _story_problems(script: Script, number: int) -> list[str]:
    """The orphan label while it names no use case; the link comment, once, where it was
    ever an orphan, saying what is true now."""
    parent = script.parents[number]
    problems = _labels_problems(script, number, {"user-story"} |
                                ({"story:no-use-case"} if parent is None else set()))
    link = _mine(script.fake, number, LINK_MARKER)
    if len(link) != (number in script.ever_orphan):
        problems.append(f"#{number}: {len(link)} link comments")
    elif link and parent is not None and \
            f"linked to its use case #{parent}." not in link[0]["body"]:
        problems.append(f"#{number}: link comment does not name #{parent}")
    elif link and parent is None and "does not name the use case" not in link[0]["body"]:
        problems.append(f"#{number}: link comment does not ask for a parent")
    return problems
