"""Jira as the reconciler sees it: `Tracker` over the python-jira client. The bot's comment
ids are kept in the issue property `usecase-bot` too, and its comments carry the marker as
a small visible line, since Jira's markups cannot hide one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.jobs.team_settings import for_project
from bot.lint import comment as render
from bot.reconcile.tracker import OTHER, STORY, USE_CASE, Comment, Issue, issue_from_record
from bot.store.state import State
from bot.team_config import TeamSettings
from bot.trackers.calls import TrackerError
from bot.trackers.jira import JiraClient, JiraIssue, check_link_type
from bot.trackers.jira_events import issue_key
from bot.usecase.parse import Markup
from bot.usecase.read import adf

ORPHAN_LABEL = "story-no-use-case"


def description_text(description: Any) -> tuple[str, Markup]:
    """The description as text the parser reads, and its markup."""
    if isinstance(description, dict):
        return json.dumps(description), Markup.ADF
    return (description or "") if isinstance(description, str) else "", Markup.JIRA


def plain(body: Any) -> str:
    """Text without markup: ADF flattened, wiki markup as it is."""
    if isinstance(body, dict):
        return adf.plain(body)
    return body if isinstance(body, str) else ""


def _slot(marker: str) -> str:
    """The key in the issue property that holds the comment's id: `lint_comment_id`."""
    return f"{render.tag(marker).rsplit(':', 1)[1]}_comment_id"


@dataclass
class JiraTracker:
    settings: Settings
    state: State
    client: JiraClient
    web_url: str = "https://github.com"
    # Whether the bot holds GitHub credentials, for use cases a Jira story names there.
    github: bool = True
    name: str = field(default="jira", init=False)
    orphan_label: str = field(default=ORPHAN_LABEL, init=False)
    comment_limit: int = field(default=32_767, init=False)
    _teams: dict[str, TeamSettings] = field(default_factory=dict, init=False)
    _link_type_checked: bool = field(default=False, init=False)

    # ------------------------------------------------------------ reading

    def fetch(self, key: str) -> Issue | None:
        try:
            return self.issue_of(self.client.get_issue(key.removeprefix("jira:")))
        except TrackerError as exc:
            if exc.status == 404:
                return None
            raise

    def issue_of(self, raw: JiraIssue) -> Issue:
        team = self.team(raw.project)
        cfg = team.jira
        if raw.issue_type in cfg.use_case_types or cfg.use_case_label in raw.labels:
            kind = USE_CASE
        elif raw.issue_type in cfg.story_types or any(lb in raw.labels
                                                      for lb in team.labels.story):
            kind = STORY
        else:
            kind = OTHER
        text, markup = description_text(raw.description)
        return Issue(key=issue_key(raw.key), scope=raw.project, title=raw.summary, text=text,
                     markup=markup, plain=plain(raw.description), labels=raw.labels,
                     closed=raw.resolved, kind=kind,
                     native_id=int(raw.id) if raw.id.isdigit() else None,
                     linked=tuple(issue_key(other) for _, other in raw.links))

    def team(self, scope: str) -> TeamSettings:
        """The settings of a project's issues, read at most once per event."""
        if scope not in self._teams:
            self._teams[scope] = for_project(self.settings, self.state, self.client, scope)
        return self._teams[scope]

    def incomplete_label(self, team: TeamSettings) -> str:
        return team.jira.incomplete_label

    def use_case_candidates(self, scope: str) -> list[Issue]:
        return [issue_from_record(r) for r in self.state.issues_of_kind("jira", scope, USE_CASE)]

    # ------------------------------------------------------------ comments

    def render(self, doc: list[render.Block], marker: str) -> Any:
        signed = render.tagged(doc, marker)
        return render.adf(signed) if self.client.api_version == 3 else render.wiki(signed)

    def text_of(self, body: Any) -> str:
        return render.body_text(body)

    def _me(self) -> str | None:
        me = self.state.identity("jira")
        if me is None:
            me = self.client.myself()
            self.state.learn_identity("jira", me)
        return me

    def bot_comments(self, issue: Issue, marker: str) -> list[Comment]:
        tag = render.tag(marker)
        me = self._me()
        return [Comment(id=c.id, text=self.text_of(c.body), author=c.author)
                for c in self.client.comments(issue.key.removeprefix("jira:"))
                if c.author == me and tag in plain(c.body)]

    def create_comment(self, issue: Issue, body: Any) -> Comment:
        comment_id, author = self.client.add_comment(issue.key.removeprefix("jira:"), body)
        return Comment(id=comment_id, text=self.text_of(body), author=author)

    def edit_comment(self, issue: Issue, comment_id: str, body: Any) -> None:
        self.client.edit_comment(issue.key.removeprefix("jira:"), comment_id, body)

    def recorded_comment(self, issue: Issue, marker: str) -> str | None:
        stored = self.client.get_property(issue.key.removeprefix("jira:")) or {}
        found = stored.get(_slot(marker))
        return str(found) if found else None

    def keep_comment_ids(self, issue: Issue) -> None:
        value = {}
        for kind in (render.LINT_MARKER, render.LINK_MARKER):
            mine = self.state.comment(issue.key, kind)
            if mine is not None and mine.comment_id:
                value[_slot(kind)] = str(mine.comment_id)
        self.client.set_property(issue.key.removeprefix("jira:"), value)

    # ------------------------------------------------------------ labels and links

    def set_label(self, issue: Issue, label: str, present: bool) -> None:
        self.client.set_label(issue.key.removeprefix("jira:"), label, present)

    def link_natively(self, story: Issue, parent_key: str) -> None:
        # Asked afresh, not from the event: a retry after a lost answer carries the same
        # event, which cannot show the link its first try made.
        fresh = self.fetch(story.key)
        if fresh is None or parent_key in fresh.linked:
            return
        link_type = self.settings.jira.link_type
        if not self._link_type_checked:
            check_link_type(self.client, link_type)
            self._link_type_checked = True
        self.client.link(link_type, story.key.removeprefix("jira:"),
                         parent_key.removeprefix("jira:"))

    def unlink_natively(self, story: Issue, parent_key: str) -> None:
        """Jira's issue links stay, as they do when a story names another use case: an
        issue may relate to many, and people add links of their own."""

    def link_remotely(self, story: Issue, parent_key: str, parent_title: str) -> None:
        repo_ref = parent_key.removeprefix("github:")
        url = f"{self.web_url}/{repo_ref.replace('#', '/issues/')}"
        key = story.key.removeprefix("jira:")
        if url not in self.client.remote_urls(key):
            self.client.remote_link(key, url, f"Use case {repo_ref}")

    # ------------------------------------------------------------ people and the queue

    def may_command(self, issue: Issue, user: str) -> bool:
        return self.client.may_edit(issue.key.removeprefix("jira:"), user)

    def reaches(self, key: str) -> bool:
        return key.startswith("jira:") or self.github

    def job(self, key: str) -> dict[str, Any]:
        return {"key": key}
