"""Collect a snapshot from the trackers: every use case and story of the configured
repositories and Jira projects, read in pages of 100 through the reconcile's listings.

Between full reads only issues updated since the previous snapshot are read; the rest come
from the stored snapshot, and a body whose hash is unchanged is not parsed again. Every
`reconcile.full_every_days` every issue is read, which is how deletions and transfers (an
issue that no listing shows any more) leave the snapshot."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Settings
from bot.jobs.nightly import (
    OVERLAP,
    GitHubLister,
    JiraSearcher,
    Nightly,
    github_listing,
    jira_listing,
)
from bot.lint.engine import lint_text
from bot.reconcile import Issue
from bot.reconcile.desired import named_parent
from bot.reconcile.on_github import GitHubTracker
from bot.reconcile.on_jira import JiraTracker
from bot.reconcile.tracker import STORY, USE_CASE
from bot.report.drift import scope_of
from bot.report.model import Snapshot, StorySnap, UseCaseSnap, flows_of
from bot.store import snapshots
from bot.store.db import Database
from bot.store.snapshots import Stored
from bot.store.state import State
from bot.team_config import TeamSettings

# What a story keeps of its text for suggesting parents: its opening says what it is about.
WORDS = 300

# Told after each issue read: the repository or project, and how many were read there.
Progress = Callable[[str, int], None]


@dataclass
class Collected:
    snapshot: Snapshot
    previous: Snapshot | None
    full: bool
    # Issues whose stored row must be replaced, and keys no longer in the snapshot.
    changed: list[Stored]
    removed: list[str]
    read: int


@dataclass
class Collector:
    settings: Settings
    db: Database
    github: Callable[[str], tuple[GitHubLister, int | None]] | None
    jira: JiraSearcher | None
    github_web_url: str = "https://github.com"
    progress: Progress = field(default=lambda scope, read: None)

    def collect(self, started: datetime, full: bool = False) -> Collected:
        stored = snapshots.latest(self.db)
        every = timedelta(days=self.settings.reconcile.full_every_days)
        full = full or stored.taken_at is None or stored.full_at is None or \
            started - stored.full_at >= every
        since = None if full or stored.taken_at is None else stored.taken_at - OVERLAP
        run = _Run(started, stored, snapshots.links(self.db))
        nightly = Nightly(self.settings, self.db, self.github, self.jira)
        state = State(self.db)
        repos, projects = nightly.repos(), nightly.projects()
        for repo in repos:
            self._github(run, state, repo, None if repo not in run.scopes else since)
        for project in projects:
            self._jira(run, state, project, None if project not in run.scopes else since)
        return run.result({*repos, *projects}, full)

    def _github(self, run: _Run, state: State, repo: str, since: datetime | None) -> None:
        assert self.github is not None  # repos() lists none without GitHub
        client, installation = self.github(repo)
        tracker = GitHubTracker(self.settings, state, client, None, self.github_web_url,
                                installation)
        self._read(run, repo, since, tracker.team(repo), "github",
                   github_listing(tracker, client, repo, since))

    def _jira(self, run: _Run, state: State, project: str, since: datetime | None) -> None:
        assert self.jira is not None
        tracker = JiraTracker(self.settings, state, self.jira, self.github_web_url)
        age = None if since is None else run.started - since
        self._read(run, project, since, tracker.team(project), "jira",
                   jira_listing(tracker, self.jira, project, age))

    def _read(self, run: _Run, scope: str, since: datetime | None, team: TeamSettings,
              tracker: str, issues: Iterable[Issue]) -> None:
        seen: set[str] = set()
        for issue in issues:
            if issue.key in seen or issue.kind not in (USE_CASE, STORY):
                continue  # a use case also labelled a story is listed twice
            seen.add(issue.key)
            run.take(issue, team, tracker)
            self.progress(scope, len(seen))
        if since is None:
            run.forget_unseen(scope, seen)


class _Run:
    """One collection: the stored snapshot, overlaid with what the listings showed."""

    def __init__(self, started: datetime, stored: snapshots.Latest,
                 links: dict[str, str]) -> None:
        self.started = started
        self.taken_at = stored.taken_at
        self.stored = stored.items
        self.links = links
        self.current = dict(self.stored)
        self.changed: list[Stored] = []
        self.removed: list[str] = []
        self.read = 0
        self.scopes = {scope_of(key) for key in self.stored}

    def take(self, issue: Issue, team: TeamSettings, tracker: str) -> None:
        self.read += 1
        body_hash = hashlib.sha256(f"{issue.markup}\n{issue.text}".encode()).hexdigest()
        old = self.stored.get(issue.key)
        if issue.kind == USE_CASE:
            item: UseCaseSnap | StorySnap = self._use_case(issue, team, body_hash, old)
        else:
            item = self._story(issue, tracker, body_hash, old)
        fresh = Stored(item, body_hash)
        if old is None or old.item != item or old.body_hash != body_hash:
            self.changed.append(fresh)
        self.current[issue.key] = fresh

    def _use_case(self, issue: Issue, team: TeamSettings, body_hash: str,
                  old: Stored | None) -> UseCaseSnap:
        before = old.item if old is not None and isinstance(old.item, UseCaseSnap) else None
        if before is not None and old is not None and old.body_hash == body_hash:
            return before.model_copy(update={"title": issue.title, "closed": issue.closed})
        linted = lint_text(issue.text, issue.markup, team.lint_policy())
        steps, extensions, flows_hash = flows_of(linted.use_case)
        return UseCaseSnap(key=issue.key, title=issue.title, closed=issue.closed,
                           incomplete=linted.has_errors, flows_hash=flows_hash, steps=steps,
                           extensions=extensions)

    def _story(self, issue: Issue, tracker: str, body_hash: str,
               old: Stored | None) -> StorySnap:
        before = old.item if old is not None and isinstance(old.item, StorySnap) else None
        same_text = before is not None and old is not None and old.body_hash == body_hash
        named = before.parent if same_text and before is not None else \
            named_parent(issue, tracker)
        parent = self.links.get(issue.key, named)
        # Only a story naming nothing needs its words, for suggestions; most name a parent.
        return StorySnap(key=issue.key, title=issue.title, closed=issue.closed, parent=parent,
                         words="" if parent else issue.plain[:WORDS])

    def forget_unseen(self, scope: str, seen: set[str]) -> None:
        for key in [k for k in self.current if scope_of(k) == scope and k not in seen]:
            del self.current[key]
            self.removed.append(key)

    def result(self, scopes: set[str], full: bool) -> Collected:
        for key in [k for k in self.current if scope_of(k) not in scopes]:
            del self.current[key]  # a repository or project no longer served
            self.removed.append(key)
        items = [s.item for s in self.current.values()]
        previous = None if self.taken_at is None else Snapshot(
            taken_at=self.taken_at, **_split(s.item for s in self.stored.values()))
        return Collected(Snapshot(taken_at=self.started, **_split(items)), previous, full,
                         self.changed, self.removed, self.read)


def _split(items: Iterable[UseCaseSnap | StorySnap]) -> dict[str, tuple[object, ...]]:
    listed = list(items)
    return {"use_cases": tuple(i for i in listed if isinstance(i, UseCaseSnap)),
            "stories": tuple(i for i in listed if isinstance(i, StorySnap))}
