"""The report's snapshot in SQL: each stored row says its repository or project, whether it
is closed and the use case a story names, for the report's joins; a run stages what it read
in `snapshot_staged` until it is saved. Stored rows get the new columns from their data.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_ITEMS = sa.table("snapshot_items", sa.column("key", sa.String), sa.column("data", sa.Text),
                  sa.column("scope", sa.String), sa.column("closed", sa.Boolean),
                  sa.column("parent", sa.String))
_BATCH = 1000


def _scope(key: str) -> str:
    # `github:owner/repo#3` is in owner/repo, `jira:PROJ-3` in PROJ.
    tracker, ref = key.split(":", 1)
    return ref.rsplit("#", 1)[0] if tracker == "github" else ref.rsplit("-", 1)[0]


def upgrade() -> None:
    op.add_column("snapshot_items", sa.Column("scope", sa.String(300), nullable=False,
                                              server_default=""))
    op.add_column("snapshot_items", sa.Column("closed", sa.Boolean(), nullable=False,
                                              server_default=sa.false()))
    op.add_column("snapshot_items", sa.Column("parent", sa.String(300), nullable=True))
    conn = op.get_bind()
    last = ""
    # A thousand rows at a time, by key: a snapshot may hold a hundred thousand.
    while rows := conn.execute(sa.select(_ITEMS.c.key, _ITEMS.c.data)
                               .where(_ITEMS.c.key > last).order_by(_ITEMS.c.key)
                               .limit(_BATCH)).all():
        values = []
        for key, data in rows:
            item = json.loads(data)
            values.append({"k": key, "scope": _scope(key), "closed": bool(item.get("closed")),
                           "parent": item.get("parent")})
        conn.execute(_ITEMS.update().where(_ITEMS.c.key == sa.bindparam("k")), values)
        last = rows[-1][0]
    op.create_table(
        "snapshot_staged",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("scope", sa.String(300), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("parent", sa.String(300), nullable=True),
        sa.Column("gone", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("snapshot_staged")
    with op.batch_alter_table("snapshot_items") as table:
        for column in ("parent", "closed", "scope"):
            table.drop_column(column)
