"""Alembic's entry point: runs the revisions on the connection the caller holds under the
schema lock (see `bot.store.migrations.upgrade`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.store.migrations import METADATA

connection: Connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=METADATA)
with context.begin_transaction():
    context.run_migrations()
