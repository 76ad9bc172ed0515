"""The schema of the first migrated version: every table the bot keeps.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

from alembic import op

from bot.store.migrations.first_schema import TABLES

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    for make in TABLES.values():
        make()


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
