"""What the reconciler needs of a tracker, and the tracker-neutral view of an issue.

GitHub and Jira each implement `Tracker` over their client; everything the bot decides is
made of these types, so the decision is written once for both."""

from __future__ import annotations

import json
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from bot.config import Settings
from bot.lint.comment import Block
from bot.store.models import IssueRecord
from bot.store.state import State, labels_of
from bot.team_config import TeamSettings
from bot.usecase.parse import Markup

USE_CASE, STORY, OTHER = "use_case", "story", "other"


class Issue(BaseModel):
    """An issue as the reconciler sees it; `key` is `github:owner/repo#12` or `jira:PROJ-7`."""

    model_config = ConfigDict(frozen=True)

    key: str
    # The repository or the Jira project: what team settings and suggestions are scoped to.
    scope: str
    title: str = ""
    text: str = ""
    markup: Markup = Markup.MARKDOWN
    # The description without markup, where story references are looked for.
    plain: str = ""
    labels: tuple[str, ...] = ()
    closed: bool = False
    kind: str = OTHER
    # GitHub's issue id (sub-issues take it); Jira's numeric id.
    native_id: int | None = None
    # Keys of the issues this one is natively linked to (Jira issue links).
    linked: tuple[str, ...] = ()
    # The number of comments, where the event said (GitHub).
    comments: int | None = None


class Comment(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    author: str | None = None


class Tracker(Protocol):
    """One tracker, for the reconciler: read an issue, find and write the bot's comments,
    labels and links, and say who may give commands."""

    name: str
    settings: Settings
    state: State
    # What the bot's labels are called here (Jira labels cannot hold colons).
    orphan_label: str
    # The longest comment the tracker accepts, in characters.
    comment_limit: int

    def fetch(self, key: str) -> Issue | None:
        """The issue as the tracker holds it now; None when it is gone."""

    def team(self, scope: str) -> TeamSettings: ...

    def incomplete_label(self, team: TeamSettings) -> str: ...

    def render(self, doc: list[Block], marker: str) -> Any:
        """A comment body in this tracker's markup, carrying the marker."""

    def text_of(self, body: Any) -> str:
        """What a rendered body says, as `bot_comments` would read it back."""

    def bot_comments(self, issue: Issue, marker: str) -> list[Comment]:
        """Comments written by the bot (by author) that carry the marker, oldest first."""

    def create_comment(self, issue: Issue, body: Any) -> Comment: ...

    def edit_comment(self, issue: Issue, comment_id: str, body: Any) -> None:
        """Raises TrackerError 404 when the comment is gone."""

    def keep_comment_ids(self, issue: Issue) -> None:
        """Keep the ids of the bot's comments (as the database holds them now) beside the
        issue, where the tracker can (Jira's issue property): a lost database costs nothing."""

    def recorded_comment(self, issue: Issue, marker: str) -> str | None:
        """The id the tracker keeps for the bot's comment, if it keeps one."""

    def set_label(self, issue: Issue, label: str, present: bool) -> None: ...

    def link_natively(self, story: Issue, parent_key: str) -> None:
        """Link a story to a use case of the same tracker, unless it is linked already."""

    def unlink_natively(self, story: Issue, parent_key: str) -> None:
        """Undo `link_natively` where the tracker gives a story one parent only."""

    def link_remotely(self, story: Issue, parent_key: str, parent_title: str) -> None:
        """Record a parent on the other tracker, unless it is recorded already."""

    def may_command(self, issue: Issue, user: str) -> bool: ...

    def use_case_candidates(self, scope: str) -> list[Issue]:
        """Open use cases of the scope, for suggestions to a story naming none."""

    def reaches(self, key: str) -> bool:
        """Whether the bot can act on `key`, which may be an issue of the other tracker."""

    def job(self, key: str) -> dict[str, Any]:
        """The payload of a queued reconcile of `key`, with what this tracker needs to act."""


def record_of(tracker: str, issue: Issue) -> IssueRecord:
    """What the database keeps of an issue between events."""
    number = int(issue.key.rsplit("#", 1)[1]) if tracker == "github" else issue.native_id or 0
    return IssueRecord(
        key=issue.key, tracker=tracker, repo=issue.scope, number=number,
        issue_id=issue.native_id if tracker == "github" else None, title=issue.title,
        body=issue.text, labels=json.dumps(list(issue.labels)),
        state="closed" if issue.closed else "open", kind=issue.kind,
        comment_count=issue.comments or 0,
    )


def issue_from_record(record: IssueRecord) -> Issue:
    """An issue as the database last saw it: enough to list, suggest or classify it."""
    return Issue(key=record.key, scope=record.repo, title=record.title, text=record.body,
                 labels=tuple(labels_of(record)), closed=record.state == "closed",
                 kind=record.kind)
