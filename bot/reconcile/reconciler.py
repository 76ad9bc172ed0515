"""Bring one issue to the look it should have: its lint comment and label when it is a use
case; its parent link, and the suggestion comment when it names none, when it is a story.

A use case's comment lists its stories, but a story's turn never writes its parent: it
queues a reconcile under the parent's key, so every write to an issue happens in that
issue's own order in the queue."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.lint import comment as render
from bot.reconcile import desired
from bot.reconcile.apply import ensure_comment, ensure_label
from bot.reconcile.tracker import (
    STORY,
    USE_CASE,
    Issue,
    Tracker,
    issue_from_record,
    record_of,
)
from bot.store import queue, suspects
from bot.store.models import IssueRecord
from bot.store.state import Also, State

RECONCILE = "reconcile"
# Findings shown per rule when a comment would pass the tracker's limit; None: all of them.
SUMMARY_STEPS = (None, 20, 5, 1, 0)


def reconcile_issue(tracker: Tracker, key: str, seen: Issue | None = None) -> None:
    """Make the issue `key` (`github:owner/repo#12`, `jira:PROJ-7`) look as it should.
    `seen`: the issue as an event just showed it, which saves reading it again."""
    issue = seen if seen is not None else tracker.fetch(key)
    state = tracker.state
    if issue is None:
        gone(tracker, key)
        return
    previous = state.issue(key)
    state.save_issue(record_of(tracker.name, issue))
    _relist(tracker, key, previous, issue)
    if issue.kind == USE_CASE:
        _use_case(tracker, issue)
        return
    if issue.kind == STORY:
        _story(tracker, issue)
        return
    team = tracker.team(issue.scope)
    # No longer a use case: take our label away, leave the comment as a record.
    ensure_label(tracker, issue, tracker.incomplete_label(team), False)
    _unlink(tracker, issue)


def forget_link(tracker: Tracker, story: str, then: Also | None = None) -> None:
    """The story names no parent any more: its link and what was noted of it go together."""
    tracker.state.drop_link(story, then)
    suspects.forget(tracker.state.db, story)


def gone(tracker: Tracker, key: str) -> None:
    """The issue was deleted or moved away: forget it; its parent loses it from the list."""
    link = tracker.state.link(key)
    tracker.state.forget_issue(key, reconciles(tracker, link.parent_key if link else None))
    suspects.forget(tracker.state.db, key)


def request_reconcile(tracker: Tracker, key: str) -> None:
    """Queue a reconcile of `key`, to run in that issue's own turn."""
    with tracker.state.db.session() as s:
        reconciles(tracker, key)(s)


def reconciles(tracker: Tracker, *keys: str | None) -> Also:
    """What queues reconciles of `keys` in a transaction of the caller's, for a change of
    links that calls for them: saved together, no crash can leave the one without the
    other (a retried event would find the change made and never ask again)."""

    def queued(session: Session) -> None:
        # In one order, so that two transactions locking the same waiting reconciles cannot
        # wait for each other.
        for key in sorted({key for key in keys if key is not None}):
            # Not reached: the other tracker is not configured, nothing there to keep current.
            # Waiting: a storm of story events asks for one reconcile of their use case.
            if not tracker.reaches(key) or queue.waiting(session, key, RECONCILE):
                continue
            payload = tracker.job(key) if key.startswith(f"{tracker.name}:") else {"key": key}
            queue.add(session, key.split(":", 1)[0], f"{RECONCILE}:{uuid.uuid4()}",
                      RECONCILE, key, json.dumps(payload))

    return queued


# ---------------------------------------------------------------- use cases


def _use_case(tracker: Tracker, issue: Issue) -> None:
    state = tracker.state
    team = tracker.team(issue.scope)
    ignored = state.ignored(issue.key)
    look = desired.use_case_look(issue, team, ignored)
    suspects.record_flows(state.db, issue.key, look.flows, queue.now())
    stories = story_lines(state, issue.key, issue.scope,
                          suspects.suspects_of(state.db, issue.key))

    def doc(per_rule: int | None) -> list[render.Block]:
        return render.lint_doc(look.findings, stories, ignored, team.problem, per_rule)

    body = fit(tracker, render.LINT_MARKER, doc)
    ensure_comment(tracker, issue, render.LINT_MARKER, body, look.comment_needed(bool(stories)))
    ensure_label(tracker, issue, tracker.incomplete_label(team), look.incomplete)


def fit(tracker: Tracker, marker: str, doc: Callable[[int | None], list[render.Block]]
        ) -> object:
    """The fullest rendering of the comment that the tracker accepts."""
    body: object = None
    for per_rule in SUMMARY_STEPS:
        body = tracker.render(doc(per_rule), marker)
        if len(tracker.text_of(body)) <= tracker.comment_limit:
            break
    return body


def story_lines(state: State, parent_key: str, home_scope: str,
                suspect: Mapping[str, datetime]) -> list[render.StoryLine]:
    """`suspect`: the stories written against flows that changed since, and when. A closed
    story is marked no more, as the scope drift report leaves it out."""
    lines = []
    for link in state.stories_of(parent_key):
        story = state.issue(link.story_key)
        if story is not None:
            closed = story.state == "closed"
            changed = None if closed else suspect.get(story.key)
            lines.append(render.StoryLine(desired.display(story.key, home_scope), story.title,
                                          closed, changed.date() if changed else None))
    return lines


# ---------------------------------------------------------------- stories


def _story(tracker: Tracker, issue: Issue) -> None:
    state = tracker.state
    existing = state.link(issue.key)
    if existing is not None and existing.source in ("command", "native"):
        parent_key: str | None = existing.parent_key
    else:
        parent_key = desired.named_parent(issue, tracker.name)
    if parent_key is None:
        _unlink(tracker, issue)
        _orphan(tracker, issue, None)
        return
    same_tracker = parent_key.startswith(f"{tracker.name}:")
    parent = _parent(tracker, parent_key) if same_tracker else None
    if same_tracker and (parent is None or parent.kind != USE_CASE):
        _unlink(tracker, issue)
        shown = desired.display(parent_key, issue.scope)
        _orphan(tracker, issue, f"This story names {shown}, which is not a use case.")
        return
    done = existing is not None and existing.parent_key == parent_key and existing.linked
    if not done:
        if same_tracker:
            tracker.link_natively(issue, parent_key)
        else:
            title = parent.title if parent is not None else ""
            tracker.link_remotely(issue, parent_key, title)
    source = existing.source if existing is not None else "text"
    moved_from = existing.parent_key if existing is not None and \
        existing.parent_key != parent_key else None
    state.save_link(issue.key, parent_key, source, True,
                    reconciles(tracker, moved_from, None if done else parent_key))
    suspects.note_link(state.db, issue.key, parent_key, queue.now())
    _adopted(tracker, issue, desired.display(parent_key, issue.scope))


@dataclass(frozen=True)
class Review:
    parent: str
    was_suspect: bool


def review_story(tracker: Tracker, key: str) -> Review | None:
    """A person checked the story against its use case (edited it, or said `/usecase
    reviewed`): it is suspect no more, and its parent's Stories list says so in the parent's
    own turn. None when the story has no parent."""
    db = tracker.state.db
    link = tracker.state.link(key)
    if link is None:
        return None
    was_suspect = key in suspects.suspects_of(db, link.parent_key)
    parent = suspects.note_review(db, key, queue.now())
    if parent is None:
        return None
    if was_suspect:
        request_reconcile(tracker, parent)
    return Review(parent, was_suspect)


def _relist(tracker: Tracker, key: str, previous: IssueRecord | None, issue: Issue) -> None:
    """A linked story whose title or state changed is shown anew on its use case, queued as
    soon as the change is saved and before any call that may fail: a retry of the event
    finds the change saved already, and would not queue it."""
    link = tracker.state.link(key)
    if link is not None and _listed_differently(previous, issue):
        request_reconcile(tracker, link.parent_key)


def _listed_differently(previous: IssueRecord | None, issue: Issue) -> bool:
    """Whether the parent's Stories list would show the story otherwise than before."""
    return previous is None or previous.title != issue.title or \
        (previous.state == "closed") != issue.closed


def _parent(tracker: Tracker, key: str) -> Issue | None:
    record = tracker.state.issue(key)
    if record is not None:
        return issue_from_record(record)
    found = tracker.fetch(key)
    if found is not None:
        tracker.state.save_issue(record_of(tracker.name, found))
    return found


def _unlink(tracker: Tracker, issue: Issue) -> None:
    link = tracker.state.link(issue.key)
    if link is None:
        return
    if link.linked and link.source != "native" and \
            link.parent_key.startswith(f"{tracker.name}:"):
        # The bot made it from the story's words: it goes with them, as it moves when they
        # name another use case. One made by hand stays.
        tracker.unlink_natively(issue, link.parent_key)
    forget_link(tracker, issue.key, reconciles(tracker, link.parent_key))


def _orphan(tracker: Tracker, issue: Issue, problem: str | None) -> None:
    picks = desired.suggestions(issue, tracker.use_case_candidates(issue.scope))
    doc = render.link_doc(picks, problem, example=desired.link_example(tracker.name))
    body = tracker.render(doc, render.LINK_MARKER)
    ensure_comment(tracker, issue, render.LINK_MARKER, body, True)
    ensure_label(tracker, issue, tracker.orphan_label, True)


def _adopted(tracker: Tracker, issue: Issue, parent_shown: str) -> None:
    if tracker.state.comment(issue.key, render.LINK_MARKER) is not None:
        doc = render.link_doc([], None, linked_to=parent_shown)
        body = tracker.render(doc, render.LINK_MARKER)
        ensure_comment(tracker, issue, render.LINK_MARKER, body, False)
    ensure_label(tracker, issue, tracker.orphan_label, False)
