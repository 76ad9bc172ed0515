"""GitHub as the reconciler sees it: `Tracker` over the PyGithub client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.jobs.team_settings import for_repo
from bot.lint import comment as render
from bot.reconcile.tracker import (
    OTHER,
    STORY,
    USE_CASE,
    Comment,
    Issue,
    issue_from_record,
    record_of,
)
from bot.store.state import State
from bot.team_config import TeamSettings
from bot.trackers.calls import TrackerError
from bot.trackers.github import GitHubClient, IssueData
from bot.trackers.github_events import issue_key
from bot.trackers.jira import JiraClient
from bot.usecase.parse import Markup

ORPHAN_LABEL = "story:no-use-case"
# How a label the bot adds looks when the bot has to create it in the repository.
LABEL_LOOK = {ORPHAN_LABEL: ("fbca04", "usecase-bot: this story names no use case")}
INCOMPLETE_LOOK = ("d93f0b", "usecase-bot: this use case has errors to fix")
# Roles that may give commands: write access or triage.
COMMANDERS = {"admin", "maintain", "write", "triage"}


def split_key(key: str) -> tuple[str, int]:
    repo, number = key.removeprefix("github:").rsplit("#", 1)
    return repo, int(number)


@dataclass
class GitHubTracker:
    settings: Settings
    state: State
    client: GitHubClient
    # For stories whose use case lives in Jira: the relation becomes a remote link there.
    jira: JiraClient | None = None
    web_url: str = "https://github.com"
    installation: int | None = None
    name: str = field(default="github", init=False)
    orphan_label: str = field(default=ORPHAN_LABEL, init=False)
    comment_limit: int = field(default=65_536, init=False)
    _teams: dict[str, TeamSettings] = field(default_factory=dict, init=False)

    # ------------------------------------------------------------ reading

    def fetch(self, key: str) -> Issue | None:
        repo, number = split_key(key)
        try:
            return self.issue_of(self.client.get_issue(repo, number))
        except TrackerError as exc:
            if exc.status in (404, 410):
                return None
            raise

    def issue_of(self, data: IssueData) -> Issue:
        labels = self.team(data.repo).labels
        kind = USE_CASE if labels.use_case in data.labels else \
            STORY if any(label in data.labels for label in labels.story) else OTHER
        return Issue(key=issue_key(data.repo, data.number), scope=data.repo, title=data.title,
                     text=data.body, markup=Markup.AUTO, plain=data.body, labels=data.labels,
                     closed=data.state == "closed", kind=kind, native_id=data.id,
                     comments=data.comments)

    def team(self, scope: str) -> TeamSettings:
        """The settings of a repository's issues, read at most once per event."""
        if scope not in self._teams:
            self._teams[scope] = for_repo(self.settings, self.state, self.client, scope)
        return self._teams[scope]

    def incomplete_label(self, team: TeamSettings) -> str:
        return team.labels.incomplete

    def use_case_candidates(self, scope: str) -> list[Issue]:
        known = self.state.issues_of_kind("github", scope, USE_CASE)
        if known:
            return [issue_from_record(r) for r in known]
        # A fresh database knows no use case yet: ask GitHub once for the open ones.
        found = [self.issue_of(data) for data in
                 self.client.issues_with_label(scope, self.team(scope).labels.use_case)]
        for issue in found:
            self.state.save_issue(record_of("github", issue))
        return found

    # ------------------------------------------------------------ comments

    def render(self, doc: list[render.Block], marker: str) -> Any:
        return render.markdown(doc, marker)

    def text_of(self, body: Any) -> str:
        return str(body)

    def _me(self, repo: str) -> str:
        me = self.state.identity("github")
        if me is None:
            me = self.client.whoami(repo)
            self.state.learn_identity("github", me)
        return me

    def bot_comments(self, issue: Issue, marker: str) -> list[Comment]:
        repo, number = split_key(issue.key)
        me = self._me(repo)
        return [Comment(id=str(c.id), text=c.body, author=c.author)
                for c in self.client.list_comments(repo, number)
                if c.author == me and c.body.lstrip().startswith(marker)]

    def create_comment(self, issue: Issue, body: Any) -> Comment:
        repo, number = split_key(issue.key)
        made = self.client.create_comment(repo, number, body)
        return Comment(id=str(made.id), text=made.body, author=made.author)

    def edit_comment(self, issue: Issue, comment_id: str, body: Any) -> None:
        self.client.edit_comment(split_key(issue.key)[0], int(comment_id), body)

    def keep_comment_ids(self, issue: Issue) -> None:
        """GitHub keeps nothing beside an issue for the bot: the database holds the id."""

    def recorded_comment(self, issue: Issue, marker: str) -> str | None:
        return None

    # ------------------------------------------------------------ labels and links

    def set_label(self, issue: Issue, label: str, present: bool) -> None:
        repo, number = split_key(issue.key)
        if not present:
            self.client.remove_label(repo, number, label)
            return
        if not self.state.label_known(repo, label):
            color, text = LABEL_LOOK.get(label, INCOMPLETE_LOOK)
            self.client.ensure_label(repo, label, color, text)
            self.state.save_known_label(repo, label)
        self.client.add_label(repo, number, label)

    def link_natively(self, story: Issue, parent_key: str) -> None:
        """A sub-issue; a sub-issue has one parent, so one elsewhere is moved."""
        repo, parent = split_key(parent_key)
        story_repo, number = split_key(story.key)
        if story.native_id is None or repo != story_repo:
            return  # sub-issues of another repository are made by hand
        current = self.client.parent_of(repo, number)
        if current == parent:
            return
        if current is not None:
            self.client.remove_sub_issue(repo, current, story.native_id)
        self.client.add_sub_issue(repo, parent, story.native_id)

    def unlink_natively(self, story: Issue, parent_key: str) -> None:
        repo, parent = split_key(parent_key)
        story_repo, number = split_key(story.key)
        if story.native_id is None or repo != story_repo:
            return
        # Asked afresh: someone may have moved it by hand, or a lost answer hidden that the
        # removal was made.
        if self.client.parent_of(repo, number) == parent:
            self.client.remove_sub_issue(repo, parent, story.native_id)

    def link_remotely(self, story: Issue, parent_key: str, parent_title: str) -> None:
        if self.jira is None:
            return
        jira_key = parent_key.removeprefix("jira:")
        url = f"{self.web_url}/{story.key.removeprefix('github:').replace('#', '/issues/')}"
        if url not in self.jira.remote_urls(jira_key):
            self.jira.remote_link(jira_key, url, f"Story {story.key.removeprefix('github:')}: "
                                                 f"{story.title}")

    # ------------------------------------------------------------ people and the queue

    def may_command(self, issue: Issue, user: str) -> bool:
        return self.client.permission(split_key(issue.key)[0], user) in COMMANDERS

    def reaches(self, key: str) -> bool:
        return key.startswith("github:") or self.jira is not None

    def job(self, key: str) -> dict[str, Any]:
        installation = {"installation": {"id": self.installation}} if self.installation else {}
        return {"key": key, **installation}
