"""GitHub events, one named handler per event and action. Each hands the issue to the
reconciler or a command to the registry; none writes to GitHub itself."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.jobs import commands
from bot.lint import comment as render
from bot.reconcile import reconcile_issue
from bot.reconcile.on_github import GitHubTracker
from bot.reconcile.reconciler import RECONCILE, forget_link, gone, reconciles, review_story
from bot.store import suspects
from bot.store.queue import now
from bot.trackers.github import IssueData
from bot.trackers.github_events import issue_key, repo_of

log = logging.getLogger("usecase_bot.github")

Payload = dict[str, Any]


def issue_changed(tracker: GitHubTracker, repo: str, payload: Payload) -> None:
    """Opened, edited, labelled, closed, reopened: the issue as the event shows it."""
    issue = tracker.issue_of(IssueData.from_json(repo, payload["issue"]))
    if payload["action"] in ("labeled", "unlabeled"):
        # Someone else changed a label the bot keeps: what GitHub holds is what counts now.
        label = (payload.get("label") or {}).get("name")
        if label in (tracker.incomplete_label(tracker.team(repo)), tracker.orphan_label):
            tracker.state.save_label(issue.key, label, payload["action"] == "labeled")
    if payload["action"] == "edited" and _by_person(tracker, payload):
        review_story(tracker, issue.key)  # whoever edits a story has read it
    reconcile_issue(tracker, issue.key, issue)


def _by_person(tracker: GitHubTracker, payload: Payload) -> bool:
    sender = payload.get("sender") or {}
    me = tracker.state.identity("github")
    return sender.get("type") != "Bot" and not (me and sender.get("login") == me)


def issue_gone(tracker: GitHubTracker, repo: str, payload: Payload) -> None:
    gone(tracker, issue_key(repo, payload["issue"]["number"]))


def comment_created(tracker: GitHubTracker, repo: str, payload: Payload) -> None:
    note = payload.get("comment") or {}
    author = (note.get("user") or {}).get("login") or ""
    issue = tracker.issue_of(IssueData.from_json(repo, payload["issue"]))
    commands.answer(tracker, issue, str(note.get("id")), author, note.get("body") or "")


def comment_deleted(tracker: GitHubTracker, repo: str, payload: Payload) -> None:
    note = payload.get("comment") or {}
    if render.is_bot_comment(note.get("body") or ""):
        tracker.state.forget_comment_id(int(note["id"]))


def sub_issue_changed(tracker: GitHubTracker, repo: str, payload: Payload) -> None:
    """A sub-issue made or removed by hand holds until someone changes it in GitHub."""
    child = payload["sub_issue"]
    child_repo = (payload.get("sub_issue_repo") or {}).get("full_name") or repo
    parent_key = issue_key(repo, payload["parent_issue"]["number"])
    child_key = issue_key(child_repo, child["number"])
    known = tracker.state.link(child_key)
    if payload["action"] in ("sub_issue_added", "parent_issue_added"):
        if tracker.state.issue(child_key) is None:
            story = tracker.issue_of(IssueData.from_json(child_repo, child))
            reconcile_issue(tracker, child_key, story)
        if known is None or known.parent_key != parent_key:
            # Moved by hand from another use case: that one's list loses it in its own turn,
            # whether or not its own removal event comes.
            moved_from = known.parent_key if known is not None else None
            tracker.state.save_link(child_key, parent_key, "native", True,
                                    reconciles(tracker, moved_from))
        suspects.note_link(tracker.state.db, child_key, parent_key, now())
    elif known is not None and known.parent_key == parent_key:
        forget_link(tracker, child_key)
    # Queued under the parent's key: this is the parent's own turn.
    reconcile_issue(tracker, parent_key)


def reconcile_requested(tracker: GitHubTracker, repo: str, payload: Payload) -> None:
    reconcile_issue(tracker, payload["key"])


Handler = Callable[[GitHubTracker, str, Payload], None]
HANDLERS: dict[tuple[str, str | None], Handler] = {
    **{("issues", a): issue_changed for a in ("opened", "edited", "labeled", "unlabeled",
                                              "closed", "reopened")},
    ("issues", "deleted"): issue_gone,
    ("issues", "transferred"): issue_gone,
    ("issue_comment", "created"): comment_created,
    ("issue_comment", "deleted"): comment_deleted,
    **{("sub_issues", a): sub_issue_changed for a in ("sub_issue_added", "sub_issue_removed",
                                                      "parent_issue_added",
                                                      "parent_issue_removed")},
    (RECONCILE, None): reconcile_requested,
}


@dataclass
class GitHubEvents:
    tracker: GitHubTracker

    def handle(self, event: str, payload: Payload) -> None:
        handler = HANDLERS.get((event, payload.get("action")))
        if handler is None:
            return
        if self._caused_by_bot(event, payload):
            log.info("ignored %s.%s caused by the bot", event, payload.get("action"))
            return
        handler(self.tracker, repo_of(payload) or "", payload)

    def _caused_by_bot(self, event: str, payload: Payload) -> bool:
        """Our comments carry a marker; our comments, labels and links come from our login."""
        me = self.tracker.state.identity("github")
        by_me = bool(me) and (payload.get("sender") or {}).get("login") == me
        if event == "issue_comment" and payload.get("action") != "deleted":
            note = payload.get("comment") or {}
            mine = (note.get("user") or {}).get("login") == me if me else \
                render.is_bot_comment(note.get("body") or "")
            return by_me or mine
        return by_me and (event == "sub_issues" or
                          payload.get("action") in ("labeled", "unlabeled"))
