"""The queue's partial indexes: the claim and the check for an issue's earlier events read
only unfinished events, pruning only finished ones, so a backlog of millions of finished
events costs neither; the plain index on issue_key, which only those checks used, goes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_UNFINISHED = sa.text("status IN ('pending', 'processing')")
_FINISHED = sa.text("status = 'done'")
_INDEXES = (
    ("ix_events_unfinished", ["id"], _UNFINISHED),
    ("ix_events_unfinished_issue", ["issue_key", "id"], _UNFINISHED),
    ("ix_events_finished_at", ["finished_at"], _FINISHED),
)


def upgrade() -> None:
    for name, columns, where in _INDEXES:
        op.create_index(name, "events", columns, postgresql_where=where, sqlite_where=where)
    op.drop_index("ix_events_issue_key", "events")


def downgrade() -> None:
    op.create_index("ix_events_issue_key", "events", ["issue_key"])
    for name, _, _ in _INDEXES:
        op.drop_index(name, "events")
