"""The one place where the desired look of an issue is written: compare with what the
tracker holds (or what the bot remembers of it) and write only the difference.

Exactly once: before a comment is created, the bot looks for one it already wrote (its own
comments, by author and marker, and the id the tracker keeps), whatever the event says of
the issue's comments; so a comment whose creation succeeded but whose answer was lost is
found by the retry instead of being made again.
"""

from __future__ import annotations

from typing import Any

from bot.lint.comment import body_hash
from bot.reconcile.tracker import Comment, Issue, Tracker
from bot.trackers.calls import TrackerError


def ensure_comment(tracker: Tracker, issue: Issue, marker: str, body: Any,
                   create: bool) -> None:
    state = tracker.state
    digest = body_hash(tracker.text_of(body))
    known = state.comment(issue.key, marker)
    if known is not None and known.body_hash == digest:
        return
    target = str(known.comment_id) if known is not None else None
    if target is None and not create and issue.comments is None:
        # Nothing to create, only an existing comment to bring up to date: where the
        # tracker keeps its id (Jira), that one read says whether there is one.
        target = tracker.recorded_comment(issue, marker)
    elif target is None and (create or issue.comments):
        found = _find(tracker, issue, marker)
        if found is not None:
            if body_hash(found.text) == digest:
                state.save_comment(issue.key, marker, int(found.id), digest)
                tracker.keep_comment_ids(issue)
                return
            target = found.id
    if target is not None:
        try:
            tracker.edit_comment(issue, target, body)
        except TrackerError as exc:
            if exc.status != 404:
                raise
            state.forget_comment_id(int(target))  # deleted by someone: write it anew
        else:
            fresh = known is None or str(known.comment_id) != target
            state.save_comment(issue.key, marker, int(target), digest)
            if fresh:
                tracker.keep_comment_ids(issue)
            return
    if not create:
        return
    created = tracker.create_comment(issue, body)
    state.save_comment(issue.key, marker, int(created.id), digest)
    state.learn_identity(tracker.name, created.author)
    tracker.keep_comment_ids(issue)


def _find(tracker: Tracker, issue: Issue, marker: str) -> Comment | None:
    """The bot's comment with this marker, if it wrote one: the one whose id the tracker
    keeps, else the oldest."""
    recorded = tracker.recorded_comment(issue, marker)
    mine = tracker.bot_comments(issue, marker)
    for comment in mine:
        if comment.id == recorded:
            return comment
    return mine[0] if mine else None


def ensure_reply(tracker: Tracker, issue: Issue, marker: str, note: str, body: Any) -> None:
    """One reply to the comment `note`, also when the answer to the first try was lost:
    the try is recorded before it is made, and a retry looks for a reply that names the
    comment (`note` must appear in `body`) before it writes one."""
    state = tracker.state
    slot = f"{issue.key}>{note}"  # `State.forget_issue` knows this shape
    tried = state.comment(slot, marker)
    if tried is not None and tried.comment_id:
        return
    if tried is not None:
        for comment in tracker.bot_comments(issue, marker):
            if note in comment.text:
                state.save_comment(slot, marker, int(comment.id), tried.body_hash)
                return
    digest = body_hash(tracker.text_of(body))
    state.save_comment(slot, marker, 0, digest)
    created = tracker.create_comment(issue, body)
    state.save_comment(slot, marker, int(created.id), digest)


def ensure_label(tracker: Tracker, issue: Issue, label: str, wanted: bool) -> None:
    state = tracker.state
    if state.label_on(issue.key, label, issue.labels) != wanted:
        tracker.set_label(issue, label, wanted)
    state.save_label(issue.key, label, wanted)
