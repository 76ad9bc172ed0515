"""The database schema, made and changed by Alembic revisions (`versions/`), at every start
of every process and by `usecase-bot migrate`.

A database made before migrations (tables, but no `alembic_version`) is adopted: stamped
at the first revision and brought up from there by the revision that follows it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from bot.config import ConfigError

# Importing schedule, snapshots and suspects, which define tables, puts them on the metadata.
from bot.store import locks, schedule, snapshots, suspects  # noqa: F401
from bot.store.db import Database
from bot.store.migrations.first_schema import TABLES
from bot.store.models import Base

METADATA = Base.metadata
FIRST = "0001"


class SchemaError(ConfigError):
    """The configured database holds a schema this version cannot work with: every command
    says so in one line, as of any other setting it cannot use."""


def upgrade(db: Database) -> str | None:
    """Bring the database to the newest revision and return the revision it was at before
    (None for a fresh one). Processes starting together take turns under the schema lock;
    on a database already there this only reads its revision."""
    with db.engine.connect() as conn:
        before = _revision(conn)
        if before == head():
            return before
        if before is not None and before not in _shipped():
            raise SchemaError(f"the database is at schema revision '{before}', which this "
                              f"version does not know (newest: '{head()}'): a newer "
                              "usecase-bot migrated it; run that version")
        with locks.held(conn):
            # Another process may have migrated while this one waited for the lock.
            before = _revision(conn)
            if before != head():
                _upgrade(conn, before)
            conn.commit()
        return before


@cache
def head() -> str:
    """The newest revision shipped with this version."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    if revision is None:
        raise RuntimeError(f"no revisions in {Path(__file__).parent / 'versions'}")
    return revision


@cache
def _shipped() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions())


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _upgrade(conn: Connection, before: str | None) -> None:
    config = _config(conn)
    if before is None and set(inspect(conn).get_table_names()) & TABLES.keys():
        command.stamp(config, FIRST)
    command.upgrade(config, "head")


def _config(conn: Connection | None = None) -> Config:
    """Alembic's configuration, made here so that an installed copy needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = conn
    return config
