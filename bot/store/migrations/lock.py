"""One process at a time changes the schema: the processes of a deployment start together,
and each would otherwise try to make the same tables."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text

# Any number works that every process uses; this one spells "usecase" in ASCII.
_ADVISORY_KEY = int.from_bytes(b"usecase", "big")


@contextmanager
def held(conn: Connection) -> Iterator[None]:
    """The schema lock of the connection's database, held until the block ends. On
    PostgreSQL an advisory lock of this connection's session; on an SQLite file a lock on a
    file beside it, because SQLite's own locks last one transaction and a migration there
    is several; an in-memory database belongs to one process and needs none."""
    if conn.dialect.name == "postgresql":
        with _advisory(conn):
            yield
        return
    database = conn.engine.url.database
    if conn.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with Path(f"{database}-migrate.lock").open("a") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


@contextmanager
def _advisory(conn: Connection) -> Iterator[None]:
    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
    try:
        yield
    finally:
        # The lock belongs to the session, which outlives a transaction: a failed migration
        # must not hand a locked connection back to the pool.
        conn.rollback()
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
        conn.commit()
