"""What the bot remembers of the trackers between events, so it reads as little as it can."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.db import Database
from bot.store.models import (
    BotComment,
    BotIdentity,
    IgnoredRule,
    IssueRecord,
    KnownLabel,
    LabelState,
    StoryLink,
    TeamSource,
)

# What else a change writes in its own transaction: the reconciles it calls for, which a
# crash between two transactions would lose (the retried event finds the change made).
Also = Callable[[Session], None]


class State:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _save(self, record: object, then: Also | None = None) -> None:
        """Insert or update `record`. Two workers may insert one key at the same moment (a
        story read during its use case's event while its own event runs): the one that
        loses finds the row on its second try and updates it."""
        for last_try in (False, True):
            try:
                with self.db.session() as s:
                    s.merge(record)
                    if then is not None:
                        then(s)
                return
            except IntegrityError:
                if last_try:
                    raise

    # ------------------------------------------------------------ issues

    def save_issue(self, record: IssueRecord) -> None:
        self._save(record)

    def issue(self, key: str) -> IssueRecord | None:
        with self.db.session() as s:
            return s.get(IssueRecord, key)

    def issues_of_kind(self, tracker: str, repo: str | None, kind: str) -> list[IssueRecord]:
        with self.db.session() as s:
            query = select(IssueRecord).where(IssueRecord.tracker == tracker,
                                              IssueRecord.kind == kind)
            if repo is not None:
                query = query.where(IssueRecord.repo == repo)
            return list(s.execute(query.order_by(IssueRecord.key)).scalars())

    def forget_issue(self, key: str, then: Also | None = None) -> None:
        with self.db.session() as s:
            if then is not None:
                then(s)
            for model, column in ((IssueRecord, IssueRecord.key),
                                  (BotComment, BotComment.issue_key),
                                  (LabelState, LabelState.issue_key),
                                  (StoryLink, StoryLink.story_key),
                                  (IgnoredRule, IgnoredRule.issue_key)):
                s.execute(delete(model).where(column == key))
            # Replies to its comments are kept under `<key>><comment id>`.
            replies = BotComment.issue_key.startswith(f"{key}>", autoescape=True)
            s.execute(delete(BotComment).where(replies))

    # ------------------------------------------------------------ the bot's comments

    def comment(self, key: str, marker: str) -> BotComment | None:
        with self.db.session() as s:
            return s.get(BotComment, (key, marker))

    def save_comment(self, key: str, marker: str, comment_id: int, body_hash: str) -> None:
        self._save(BotComment(issue_key=key, marker=marker, comment_id=comment_id,
                              body_hash=body_hash))

    def forget_comment_id(self, comment_id: int) -> None:
        with self.db.session() as s:
            s.execute(delete(BotComment).where(BotComment.comment_id == comment_id))

    # ------------------------------------------------------------ labels

    def label(self, key: str, label: str) -> bool | None:
        with self.db.session() as s:
            row = s.get(LabelState, (key, label))
            return None if row is None else bool(row.present)

    def label_on(self, key: str, label: str, tracker_labels: tuple[str, ...]) -> bool:
        """Whether the label is on the issue: as the bot last wrote or saw it, else as the
        event says (an event can predate the bot's own write)."""
        known = self.label(key, label)
        return label in tracker_labels if known is None else known

    def save_label(self, key: str, label: str, present: bool) -> None:
        self._save(LabelState(issue_key=key, label=label, present=present))

    def label_known(self, repo: str, label: str) -> bool:
        with self.db.session() as s:
            return s.get(KnownLabel, (repo, label)) is not None

    def save_known_label(self, repo: str, label: str) -> None:
        self._save(KnownLabel(repo=repo, label=label))

    # ------------------------------------------------------------ stories

    def link(self, story_key: str) -> StoryLink | None:
        with self.db.session() as s:
            return s.get(StoryLink, story_key)

    def save_link(self, story_key: str, parent_key: str, source: str, linked: bool,
                  then: Also | None = None) -> None:
        self._save(StoryLink(story_key=story_key, parent_key=parent_key, source=source,
                             linked=linked), then)

    def drop_link(self, story_key: str, then: Also | None = None) -> None:
        with self.db.session() as s:
            s.execute(delete(StoryLink).where(StoryLink.story_key == story_key))
            if then is not None:
                then(s)

    def stories_of(self, parent_key: str) -> list[StoryLink]:
        with self.db.session() as s:
            return list(s.execute(select(StoryLink).where(StoryLink.parent_key == parent_key)
                                  .order_by(StoryLink.story_key)).scalars())

    # ------------------------------------------------------------ per-issue settings

    def ignored(self, key: str) -> list[str]:
        with self.db.session() as s:
            return list(s.execute(select(IgnoredRule.rule).where(IgnoredRule.issue_key == key)
                                  .order_by(IgnoredRule.rule)).scalars())

    def ignore(self, key: str, rule: str) -> None:
        self._save(IgnoredRule(issue_key=key, rule=rule))

    # ------------------------------------------------------------ teams' own configuration

    def team_source(self, tracker: str, scope: str) -> TeamSource | None:
        with self.db.session() as s:
            return s.get(TeamSource, (tracker, scope))

    def save_team_source(self, record: TeamSource) -> None:
        self._save(record)

    # ------------------------------------------------------------ the bot itself

    def identity(self, tracker: str) -> str | None:
        with self.db.session() as s:
            row = s.get(BotIdentity, tracker)
            return row.login if row else None

    def learn_identity(self, tracker: str, login: str | None) -> None:
        """Remember the bot's login, seen as the author of something it wrote."""
        if login and self.identity(tracker) != login:
            self.save_identity(tracker, login)

    def save_identity(self, tracker: str, login: str) -> None:
        self._save(BotIdentity(tracker=tracker, login=login))


def labels_of(record: IssueRecord) -> list[str]:
    try:
        value = json.loads(record.labels)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []
