"""The nightly reconcile: read the use cases and stories of every repository and Jira project
the bot serves and hand each to the reconciler, which writes only what drifted. It is the
cure for webhooks that never arrived (GitHub does not redeliver a failed delivery).

Between full reads it asks each tracker only for issues updated since its last good read;
every `reconcile.full_every_days` it reads them all, which also catches changes that do not
move an issue's update time."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from pydantic import BaseModel, ConfigDict

from bot.config import Settings
from bot.lint import comment as render
from bot.reconcile import Issue, Tracker, reconcile_issue
from bot.reconcile.on_github import GitHubTracker
from bot.reconcile.on_jira import JiraTracker
from bot.store import queue, schedule
from bot.store.db import Database
from bot.store.queue import now as utc_now
from bot.store.state import State
from bot.trackers.calls import TrackerError
from bot.trackers.github import GitHubClient, IssueData
from bot.trackers.jira import JiraClient, JiraIssue

log = logging.getLogger("usecase_bot.reconcile")

# The job's name in the database, where its slots and their outcomes are kept.
JOB = "reconcile"

# Read a little before the last run began: the trackers' clocks and ours differ slightly.
OVERLAP = timedelta(minutes=5)

GITHUB_WRITES = frozenset({"create_comment", "edit_comment", "add_label", "remove_label",
                           "ensure_label", "add_sub_issue", "remove_sub_issue"})
JIRA_WRITES = frozenset({"add_comment", "edit_comment", "set_label", "set_property", "link",
                         "remote_link"})


class GitHubLister(GitHubClient, Protocol):
    def list_issues(self, repo: str, label: str, since: datetime | None
                    ) -> Iterator[IssueData]: ...


class JiraSearcher(JiraClient, Protocol):
    def search(self, jql: str) -> Iterator[JiraIssue]: ...


def reconcile(tracker: Tracker, issue: Issue) -> None:
    """The one call into the reconciler, with the issue as the listing showed it."""
    reconcile_issue(tracker, issue.key, issue)


def trust_listing(tracker: Tracker, issue: Issue) -> None:
    """What the bot remembers of an issue, corrected by what the listing shows the tracker
    holds now. The reconciler believes its memory over an event, which may predate the
    bot's own write; but a listing is read now, and it sees what people changed by hand
    while their webhooks were lost: a label of the bot's taken off or put on, or every
    comment deleted (GitHub counts them in the listing)."""
    state = tracker.state
    for label in (tracker.incomplete_label(tracker.team(issue.scope)), tracker.orphan_label):
        state.save_label(issue.key, label, label in issue.labels)
    if issue.comments == 0:
        for marker in (render.LINT_MARKER, render.LINK_MARKER):
            known = state.comment(issue.key, marker)
            if known is not None:
                state.forget_comment_id(known.comment_id)


class ScopeResult(BaseModel):
    """What the run did in one repository or project."""

    model_config = ConfigDict(frozen=True)

    tracker: str
    scope: str
    full: bool
    read: int = 0
    changed: int = 0
    # Issues the tracker refused to change (a 4xx): logged, and the run goes on.
    refused: int = 0
    # Issues with events in the queue: the worker reconciles them in their own turn.
    deferred: int = 0
    # Why the scope could not be read to the end; its mark then stays where it was.
    error: str | None = None


class RunResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    started_at: datetime
    scopes: tuple[ScopeResult, ...]

    @property
    def ok(self) -> bool:
        return all(s.error is None for s in self.scopes)

    @property
    def read(self) -> int:
        return sum(s.read for s in self.scopes)

    @property
    def changed(self) -> int:
        return sum(s.changed for s in self.scopes)

    @property
    def error(self) -> str | None:
        failed = [f"{s.tracker} {s.scope}: {s.error}" for s in self.scopes if s.error]
        return "; ".join(failed) or None


class _Writes:
    """A tracker client that counts its write calls: an issue the reconciler handled
    without one had not drifted."""

    def __init__(self, client: object, writes: frozenset[str]) -> None:
        self._client = client
        self._writes = writes
        self.count = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name not in self._writes:
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return attr(*args, **kwargs)

        return counted


@dataclass
class Nightly:
    settings: Settings
    db: Database
    # The client for a repository and, for a GitHub App, the installation it belongs to.
    github: Callable[[str], tuple[GitHubLister, int | None]] | None
    jira: JiraSearcher | None
    github_web_url: str = "https://github.com"
    now: Callable[[], datetime] = utc_now
    _state: State = field(init=False)

    def __post_init__(self) -> None:
        self._state = State(self.db)

    def run(self, full: bool = False, repos: Iterable[str] | None = None,
            projects: Iterable[str] | None = None) -> RunResult:
        """Reconcile the given repositories and projects, or, given neither, all of them."""
        started = self.now()
        if repos is None and projects is None:
            repos, projects = self.repos(), self.projects()
        results = [self._github_scope(repo, started, full) for repo in repos or ()]
        results += [self._jira_scope(project, started, full) for project in projects or ()]
        return RunResult(started_at=started, scopes=tuple(results))

    def repos(self) -> list[str]:
        """The configured repositories; with none configured, those the bot has heard from."""
        if self.github is None:
            return []
        return self.settings.github.repos or self._known("github")

    def projects(self) -> list[str]:
        if self.jira is None:
            return []
        return self.settings.jira.projects or self._known("jira")

    def _known(self, tracker: str) -> list[str]:
        seen = {r.repo for kind in ("use_case", "story")
                for r in self._state.issues_of_kind(tracker, None, kind)}
        return sorted(seen)

    def _since(self, tracker: str, scope: str, started: datetime, full: bool
               ) -> datetime | None:
        """Where this read starts: None for a full read."""
        mark = schedule.mark(self.db, tracker, scope)
        if full or mark is None or mark.full_read_at is None:
            return None
        if started - mark.full_read_at >= timedelta(days=self.settings.reconcile.full_every_days):
            return None
        return mark.read_at - OVERLAP

    # ------------------------------------------------------------ GitHub

    def _github_scope(self, repo: str, started: datetime, full: bool) -> ScopeResult:
        since = self._since("github", repo, started, full)
        result = ScopeResult(tracker="github", scope=repo, full=since is None)
        if self.github is None:
            return self._done(result.model_copy(update={"error": "GitHub is not configured"}),
                              since)
        try:
            client, installation = self.github(repo)
            writes = _Writes(client, GITHUB_WRITES)
            cross = cast(JiraClient, _Writes(self.jira, JIRA_WRITES)) if self.jira else None
            tracker = GitHubTracker(self.settings, self._state, cast(GitHubClient, writes),
                                    cross, self.github_web_url, installation)
            for issue in github_listing(tracker, client, repo, since):
                result = self._one(result, writes, tracker, issue)
        except TrackerError as exc:
            result = result.model_copy(update={"error": str(exc)})
        return self._done(result, since, started)

    # ------------------------------------------------------------ Jira

    def _jira_scope(self, project: str, started: datetime, full: bool) -> ScopeResult:
        since = self._since("jira", project, started, full)
        result = ScopeResult(tracker="jira", scope=project, full=since is None)
        if self.jira is None:
            return self._done(result.model_copy(update={"error": "Jira is not configured"}),
                              since)
        try:
            writes = _Writes(self.jira, JIRA_WRITES)
            tracker = JiraTracker(self.settings, self._state, cast(JiraClient, writes),
                                  self.github_web_url)
            age = None if since is None else started - since
            for issue in jira_listing(tracker, self.jira, project, age):
                result = self._one(result, writes, tracker, issue)
        except TrackerError as exc:
            result = result.model_copy(update={"error": str(exc)})
        return self._done(result, since, started)

    # ------------------------------------------------------------ both

    def _one(self, result: ScopeResult, writes: _Writes, tracker: Tracker,
             issue: Issue) -> ScopeResult:
        if queue.queued(self.db, issue.key):
            # Writing beside the worker would race it; its turn will bring the issue
            # up to date from fresher news than this listing.
            return result.model_copy(update={"read": result.read + 1,
                                             "deferred": result.deferred + 1})
        before = writes.count
        try:
            trust_listing(tracker, issue)
            reconcile(tracker, issue)
        except TrackerError as exc:
            if exc.struggling:
                raise  # stop here and retry the run later
            log.warning("reconcile %s: %s", issue.key, exc)
            return result.model_copy(update={"read": result.read + 1,
                                             "refused": result.refused + 1})
        changed = writes.count > before
        return result.model_copy(update={"read": result.read + 1,
                                         "changed": result.changed + changed})

    def _done(self, result: ScopeResult, since: datetime | None,
              started: datetime | None = None) -> ScopeResult:
        read = "every issue" if since is None else f"issues updated since {since:%Y-%m-%d %H:%M}Z"
        if result.error is None and started is not None:
            schedule.save_mark(self.db, result.tracker, result.scope, started, result.full)
            log.info("reconcile %s %s: %d read, %d changed, %d refused, %d left to the "
                     "worker (%s)", result.tracker, result.scope, result.read, result.changed,
                     result.refused, result.deferred, read)
        else:
            log.error("reconcile %s %s failed after %d read, %d changed (%s): %s",
                      result.tracker, result.scope, result.read, result.changed, read,
                      result.error)
        return result


def github_listing(tracker: GitHubTracker, client: GitHubLister, repo: str,
                   since: datetime | None) -> Iterator[Issue]:
    """A repository's use cases and stories, each once (a use case may carry a story label)."""
    labels = tracker.team(repo).labels
    seen: set[int] = set()
    for label in dict.fromkeys((labels.use_case, *labels.story)):
        for data in client.list_issues(repo, label, since):
            if data.number not in seen:
                seen.add(data.number)
                yield tracker.issue_of(data)


def jira_listing(tracker: JiraTracker, searcher: JiraSearcher, project: str,
                 age: timedelta | None) -> Iterator[Issue]:
    """A project's use cases and stories, updated within `age` when given."""
    team = tracker.team(project)
    jql = jira_query(project, team.jira.use_case_types + team.jira.story_types,
                     [team.jira.use_case_label, *team.labels.story], age)
    return (tracker.issue_of(data) for data in searcher.search(jql))


def jira_query(project: str, types: Iterable[str], labels: Iterable[str],
               age: timedelta | None) -> str:
    """The JQL of a project's use cases and stories, updated within `age` when given.
    The age is relative ("-90m"): an absolute JQL date is read in the searching user's
    time zone, which the bot does not know."""
    kinds = [f"{name} in ({_listed(values)})"
             for name, values in (("issuetype", list(types)), ("labels", list(labels)))
             if values]
    clauses = [f"project = {_quoted(project)}", f"({' OR '.join(kinds)})"]
    if age is not None:
        minutes = math.ceil(age.total_seconds() / 60)
        clauses.append(f'updated >= "-{minutes}m"')
    return " AND ".join(clauses) + " ORDER BY created ASC"


def _listed(values: Iterable[str]) -> str:
    return ", ".join(_quoted(v) for v in dict.fromkeys(values))


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
