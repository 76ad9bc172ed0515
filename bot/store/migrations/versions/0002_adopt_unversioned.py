"""A database made before migrations, brought to the first schema: the tables and columns
that later versions added at start, and 64-bit tracker ids and row ids on PostgreSQL.

A database such a version made is stamped at 0001 and then passes through here; on one
that 0001 made there is nothing to do.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.store.migrations.first_schema import TABLES

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# Columns that versions before migrations added to an existing table without altering it.
_ADDED = {
    "events": [sa.Column("worker", sa.String(200), nullable=True),
               sa.Column("claim_token", sa.String(32), nullable=True)],
}
# Where a tracker's id or a row id lives: GitHub's ids are past 2**31.
_IDS = {
    "events": "id", "issues": "issue_id", "bot_comments": "comment_id",
    "use_case_flows": "id", "story_reviews": "id", "job_slots": "id", "read_marks": "id",
    "report_snapshots": "id",
}


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    for name, make in TABLES.items():
        if name not in present:
            make()
    for table, columns in _ADDED.items():
        have = {c["name"] for c in inspector.get_columns(table)}
        for added in columns:
            if added.name not in have:
                op.add_column(table, added)
    for table, column in _IDS.items():
        declared = {c["name"]: c["type"] for c in inspector.get_columns(table)}[column]
        if isinstance(declared, sa.BigInteger) or not isinstance(declared, sa.Integer):
            continue
        if bind.dialect.name == "postgresql":
            _widen_on_postgresql(table, column)
        elif column != "id":
            # SQLite stores every INTEGER in 64 bits; the declared type is changed only so
            # that the schema reads as the one a fresh database gets. A rowid stays INTEGER.
            with op.batch_alter_table(table) as batch:
                batch.alter_column(column, type_=sa.BigInteger())


def _widen_on_postgresql(table: str, column: str) -> None:
    op.alter_column(table, column, type_=sa.BigInteger())
    # A serial column's sequence was made AS integer and would stop at 2**31 - 1.
    sequence = op.get_bind().execute(
        sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
        {"table": table, "column": column},
    ).scalar()
    if sequence is not None:
        op.execute(f"ALTER SEQUENCE {sequence} AS BIGINT")


def downgrade() -> None:
    """Nothing: what this revision adds is the first schema itself."""
