"""Jira events, one named handler per event. Each hands the issue to the reconciler or a
command to the registry; none writes to Jira itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.jobs import commands
from bot.lint import comment as render
from bot.reconcile import reconcile_issue
from bot.reconcile.on_jira import JiraTracker, plain
from bot.reconcile.reconciler import RECONCILE, forget_link, gone, reconciles, review_story
from bot.reconcile.tracker import STORY, USE_CASE
from bot.trackers.jira import JiraIssue
from bot.trackers.jira_events import is_comment, issue_key

log = logging.getLogger("usecase_bot.jira")

Payload = dict[str, Any]


def issue_changed(tracker: JiraTracker, payload: Payload) -> None:
    if is_comment(payload):
        comment_created(tracker, payload)
        return
    raw = payload["issue"]
    fields = raw.get("fields") or {}
    if _rewritten(payload):
        # Events of the bot itself never get here: whoever edits a story has read it.
        review_story(tracker, issue_key(raw["key"]))
    # Comment-less events may carry a trimmed issue: then Jira is asked for all of it.
    if "description" in fields and "labels" in fields:
        reconcile_issue(tracker, issue_key(raw["key"]), tracker.issue_of(JiraIssue.from_json(raw)))
    else:
        reconcile_issue(tracker, issue_key(raw["key"]))


def _rewritten(payload: Payload) -> bool:
    """Whether a person changed what the issue says, not only its labels or its status."""
    if payload.get("webhookEvent") != "jira:issue_updated":
        return False
    items = (payload.get("changelog") or {}).get("items") or []
    return any(item.get("field") in ("description", "summary") for item in items)


def issue_gone(tracker: JiraTracker, payload: Payload) -> None:
    gone(tracker, issue_key(payload["issue"]["key"]))


def comment_created(tracker: JiraTracker, payload: Payload) -> None:
    note = payload["comment"]
    text = plain(note.get("body"))
    if not commands.asks(text):
        return
    author = note.get("author") or {}
    user = author.get("accountId") or author.get("name") or ""
    issue = tracker.fetch(issue_key(payload["issue"]["key"]))
    if issue is not None:
        commands.answer(tracker, issue, str(note.get("id")), user, text,
                        author.get("displayName"))


def link_changed(tracker: JiraTracker, payload: Payload) -> None:
    """The payload names the issues by id only: read them, then let the use case be
    reconciled in its own turn, under its key."""
    link = payload["issueLink"]
    ends = [tracker.client.get_issue(str(link[side]))
            for side in ("sourceIssueId", "destinationIssueId")]
    wanted = tracker.settings.jira.projects
    if wanted and not any(end.project in wanted for end in ends):
        return
    source, destination = (tracker.issue_of(end) for end in ends)
    for story, use_case in ((source, destination), (destination, source)):
        if story.kind != STORY or use_case.kind != USE_CASE:
            continue
        both = reconciles(tracker, story.key, use_case.key)
        if payload["webhookEvent"] == "issuelink_created":
            tracker.state.save_link(story.key, use_case.key, "native", True, both)
        else:
            forget_link(tracker, story.key, both)


def reconcile_requested(tracker: JiraTracker, payload: Payload) -> None:
    reconcile_issue(tracker, payload["key"])


Handler = Callable[[JiraTracker, Payload], None]
HANDLERS: dict[str, Handler] = {
    "jira:issue_created": issue_changed,
    "jira:issue_updated": issue_changed,
    "jira:issue_deleted": issue_gone,
    "comment_created": comment_created,
    "issuelink_created": link_changed,
    "issuelink_deleted": link_changed,
    RECONCILE: reconcile_requested,
}


@dataclass
class JiraEvents:
    tracker: JiraTracker

    def handle(self, event: str, payload: Payload) -> None:
        kind = RECONCILE if event == RECONCILE else str(payload.get("webhookEvent"))
        handler = HANDLERS.get(kind)
        if handler is None:
            return
        if self._caused_by_bot(payload):
            log.info("ignored %s caused by the bot", kind)
            return
        handler(self.tracker, payload)

    def _caused_by_bot(self, payload: Payload) -> bool:
        me = self.tracker.state.identity("jira")
        note = payload.get("comment") if isinstance(payload.get("comment"), dict) else None
        if note is not None:
            author = note.get("author") or {}
            if me and me in (author.get("accountId"), author.get("name")):
                return True
            key = (payload.get("issue") or {}).get("key")
            known = self.tracker.state.comment(issue_key(key), render.LINT_MARKER) \
                if key else None
            return known is not None and str(known.comment_id) == str(note.get("id"))
        user = payload.get("user") or {}
        return bool(me) and me in (user.get("accountId"), user.get("name"))
