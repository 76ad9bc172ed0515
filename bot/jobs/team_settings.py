"""Which settings apply to the issues of a repository or a Jira project: the team's own
configuration (`bot.team_config`) over the service's. What the tracker holds is kept in the
database, so every worker and process shares one copy and asks only whether it changed."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.config import Settings
from bot.store.models import TeamSource
from bot.store.queue import now
from bot.store.state import State
from bot.team_config import GITHUB_PATH, TeamSettings, resolve
from bot.trackers.calls import TrackerError
from bot.trackers.github import GitHubClient, RepoFile
from bot.trackers.jira import JiraClient

# A source without an ETag (no file on GitHub, any Jira project property) cannot be asked
# "changed?" for free, so it is read again after this long rather than on every event.
RECHECK = timedelta(minutes=5)


def _due(known: TeamSource) -> bool:
    return known.etag is not None or now() - known.checked_at >= RECHECK


def _refused(exc: TrackerError) -> str:
    """Why the tracker will not hand the source out; re-raises what a retry may cure."""
    if exc.struggling:
        raise exc
    return str(exc)


def for_repo(settings: Settings, state: State, client: GitHubClient, repo: str) -> TeamSettings:
    known = state.team_source("github", repo)
    if known is None or _due(known):
        known = _read_file(state, client, repo, known)
    return resolve(settings, "github", known.content, known.problem)


def _read_file(state: State, client: GitHubClient, repo: str,
               known: TeamSource | None) -> TeamSource:
    try:
        found = client.read_file(repo, GITHUB_PATH, known.etag if known else None)
    except TrackerError as exc:  # e.g. a GitHub App without read access to contents
        found = RepoFile(problem=_refused(exc))
    if found is None:  # unchanged since the ETag we sent, which `known` holds
        assert known is not None
        return known
    fresh = TeamSource(tracker="github", scope=repo, content=found.content, etag=found.etag,
                       problem=found.problem, checked_at=now())
    state.save_team_source(fresh)
    return fresh


def for_project(settings: Settings, state: State, client: JiraClient,
                project: str) -> TeamSettings:
    known = state.team_source("jira", project)
    if known is None or _due(known):
        content, problem = None, None
        try:
            value = client.project_property(project)
            content = None if value is None else json.dumps(value).encode()
        except TrackerError as exc:
            problem = _refused(exc)
        known = TeamSource(tracker="jira", scope=project, content=content, problem=problem,
                           checked_at=now())
        state.save_team_source(known)
    return resolve(settings, "jira", known.content, known.problem)
