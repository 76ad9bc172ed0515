"""The tables as the first revision made them, one function a table. The first revision
makes them all; the revision that adopts a database from before migrations makes those it
lacks. Written out here rather than taken from the models, because a revision must keep
making the schema of its day after the models have moved on."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

# SQLite hands out row ids only to a column declared INTEGER (there it is 64-bit anyway).
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _row_id() -> sa.Column[int]:
    return sa.Column("id", ROW_ID, primary_key=True, autoincrement=True)


def events() -> None:
    op.create_table(
        "events",
        _row_id(),
        sa.Column("tracker", sa.String(16), nullable=False),
        sa.Column("delivery", sa.String(200), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=True),
        sa.Column("issue_key", sa.String(300), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("tracker", "delivery", name="uq_event_delivery"),
    )
    op.create_index("ix_events_issue_key", "events", ["issue_key"])
    op.create_index("ix_events_status", "events", ["status"])


def rate_pauses() -> None:
    op.create_table(
        "rate_pauses",
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("until", sa.Float(), nullable=False),
    )


def write_pace() -> None:
    op.create_table(
        "write_pace",
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("next_slot", sa.Float(), nullable=False),
    )


def issues() -> None:
    op.create_table(
        "issues",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("tracker", sa.String(16), nullable=False),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("labels", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
    )
    op.create_index("ix_issues_repo", "issues", ["repo"])


def bot_comments() -> None:
    op.create_table(
        "bot_comments",
        sa.Column("issue_key", sa.String(300), primary_key=True),
        sa.Column("marker", sa.String(32), primary_key=True),
        sa.Column("comment_id", sa.BigInteger(), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
    )


def label_state() -> None:
    op.create_table(
        "label_state",
        sa.Column("issue_key", sa.String(300), primary_key=True),
        sa.Column("label", sa.String(100), primary_key=True),
        sa.Column("present", sa.Integer(), nullable=False),
    )


def story_links() -> None:
    op.create_table(
        "story_links",
        sa.Column("story_key", sa.String(300), primary_key=True),
        sa.Column("parent_key", sa.String(300), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("linked", sa.Integer(), nullable=False),
    )
    op.create_index("ix_story_links_parent_key", "story_links", ["parent_key"])


def ignored_rules() -> None:
    op.create_table(
        "ignored_rules",
        sa.Column("issue_key", sa.String(300), primary_key=True),
        sa.Column("rule", sa.String(64), primary_key=True),
    )


def known_labels() -> None:
    op.create_table(
        "known_labels",
        sa.Column("repo", sa.String(200), primary_key=True),
        sa.Column("label", sa.String(100), primary_key=True),
    )


def bot_identity() -> None:
    op.create_table(
        "bot_identity",
        sa.Column("tracker", sa.String(16), primary_key=True),
        sa.Column("login", sa.String(200), nullable=False),
    )


def team_sources() -> None:
    op.create_table(
        "team_sources",
        sa.Column("tracker", sa.String(16), primary_key=True),
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("etag", sa.String(200), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
    )


def job_slots() -> None:
    op.create_table(
        "job_slots",
        _row_id(),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("slot", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("issues_read", sa.Integer(), nullable=True),
        sa.Column("issues_changed", sa.Integer(), nullable=True),
        sa.UniqueConstraint("job", "slot", name="uq_job_slot"),
    )


def read_marks() -> None:
    op.create_table(
        "read_marks",
        _row_id(),
        sa.Column("tracker", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.Column("full_read_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("tracker", "scope", name="uq_read_mark"),
    )


def use_case_flows() -> None:
    # The unique constraint is left unnamed, as the models' `unique=True` leaves it, so
    # that PostgreSQL names it the same way on a database made either way.
    op.create_table(
        "use_case_flows",
        _row_id(),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("key"),
    )


def story_reviews() -> None:
    op.create_table(
        "story_reviews",
        _row_id(),
        sa.Column("story_key", sa.String(300), nullable=False),
        sa.Column("parent_key", sa.String(300), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("story_key"),
    )
    op.create_index("ix_story_reviews_parent_key", "story_reviews", ["parent_key"])


def snapshot_items() -> None:
    op.create_table(
        "snapshot_items",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
    )


def report_snapshots() -> None:
    op.create_table(
        "report_snapshots",
        _row_id(),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("orphan_stories", sa.Integer(), nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
        sa.Column("use_cases", sa.Integer(), nullable=False),
        sa.Column("suspect_stories", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_report_snapshots_taken_at", "report_snapshots", ["taken_at"])


TABLES: dict[str, Callable[[], None]] = {
    make.__name__: make for make in (
        events, rate_pauses, write_pace, issues, bot_comments, label_state, story_links,
        ignored_rules, known_labels, bot_identity, team_sources, job_slots, read_marks,
        use_case_flows, story_reviews, snapshot_items, report_snapshots,
    )
}
