"""Collect a snapshot from the trackers: every use case and story of the configured
repositories and Jira projects, read in pages of 100 through the reconcile's listings.

Between full reads only issues updated since the previous snapshot are read; the rest stay
in the stored snapshot, and a body whose hash is unchanged is not parsed again. Every
`reconcile.full_every_days` every issue is read, which is how deletions and transfers (an
issue that no listing shows any more) leave the snapshot. What is read goes to the
database a page at a time, beside the stored snapshot (`bot.store.snapshots`): the run holds
a page of issues, never the snapshot."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

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
from bot.report.model import StorySnap, UseCaseSnap, flows_of
from bot.store import snapshots
from bot.store.db import Database
from bot.store.snapshots import Stored
from bot.store.state import State
from bot.team_config import TeamSettings

# Issues read, parsed and staged at a time: a listing's page.
PAGE = 100
# What a story keeps of its text for suggesting parents: its opening says what it is about.
WORDS = 300

# Told after each page read: the repository or project, and how many were read there.
Progress = Callable[[str, int], None]


@dataclass
class Collected:
    taken_at: datetime
    # When the stored snapshot was taken: None before the first.
    previous: datetime | None
    full: bool
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
        stored = snapshots.begin(self.db)
        every = timedelta(days=self.settings.reconcile.full_every_days)
        full = full or stored.taken_at is None or stored.full_at is None or \
            started - stored.full_at >= every
        since = None if full or stored.taken_at is None else stored.taken_at - OVERLAP
        nightly = Nightly(self.settings, self.db, self.github, self.jira)
        state = State(self.db)
        repos, projects = nightly.repos(), nightly.projects()
        read = 0
        for repo in repos:
            read += self._github(state, repo, None if repo not in stored.scopes else since)
        for project in projects:
            read += self._jira(state, project,
                               None if project not in stored.scopes else since, started)
        snapshots.stage_gone(self.db, {*repos, *projects}, full)
        return Collected(started, stored.taken_at, full, read)

    def _github(self, state: State, repo: str, since: datetime | None) -> int:
        assert self.github is not None  # repos() lists none without GitHub
        client, installation = self.github(repo)
        tracker = GitHubTracker(self.settings, state, client, None, self.github_web_url,
                                installation)
        return self._read(repo, tracker.team(repo), "github",
                          github_listing(tracker, client, repo, since))

    def _jira(self, state: State, project: str, since: datetime | None,
              started: datetime) -> int:
        assert self.jira is not None
        tracker = JiraTracker(self.settings, state, self.jira, self.github_web_url)
        age = None if since is None else started - since
        return self._read(project, tracker.team(project), "jira",
                          jira_listing(tracker, self.jira, project, age))

    def _read(self, scope: str, team: TeamSettings, tracker: str,
              issues: Iterable[Issue]) -> int:
        read = 0
        wanted = (i for i in issues if i.kind in (USE_CASE, STORY))
        while page := list(islice(wanted, PAGE)):
            _stage(self.db, page, team, tracker)
            read += len(page)
            self.progress(scope, read)
        return read


def _stage(db: Database, page: list[Issue], team: TeamSettings, tracker: str) -> None:
    """One page of listed issues against their stored rows, staged."""
    # A use case also labelled a story may be listed twice: the last listing wins.
    issues = {issue.key: issue for issue in page}
    stored, links = snapshots.stored(db, list(issues))
    read, changed = [], set()
    for key, issue in issues.items():
        body_hash = hashlib.sha256(f"{issue.markup}\n{issue.text}".encode()).hexdigest()
        old = stored.get(key)
        if issue.kind == USE_CASE:
            item: UseCaseSnap | StorySnap = _use_case(issue, team, body_hash, old)
        else:
            item = _story(issue, tracker, body_hash, old, links.get(key))
        if old is None or old.item != item or old.body_hash != body_hash:
            changed.add(key)
        read.append(Stored(item, body_hash))
    snapshots.stage(db, read, changed)


def _use_case(issue: Issue, team: TeamSettings, body_hash: str,
              old: Stored | None) -> UseCaseSnap:
    before = old.item if old is not None and isinstance(old.item, UseCaseSnap) else None
    if before is not None and old is not None and old.body_hash == body_hash:
        return before.model_copy(update={"title": issue.title, "closed": issue.closed})
    linted = lint_text(issue.text, issue.markup, team.lint_policy())
    steps, extensions, flows_hash = flows_of(linted.use_case)
    return UseCaseSnap(key=issue.key, title=issue.title, closed=issue.closed,
                       incomplete=linted.has_errors, flows_hash=flows_hash, steps=steps,
                       extensions=extensions)


def _story(issue: Issue, tracker: str, body_hash: str, old: Stored | None,
           linked: str | None) -> StorySnap:
    before = old.item if old is not None and isinstance(old.item, StorySnap) else None
    same_text = before is not None and old is not None and old.body_hash == body_hash
    named = before.parent if same_text and before is not None else \
        named_parent(issue, tracker)
    parent = linked or named
    # Only a story naming nothing needs its words, for suggestions; most name a parent.
    return StorySnap(key=issue.key, title=issue.title, closed=issue.closed, parent=parent,
                     words="" if parent else issue.plain[:WORDS])
