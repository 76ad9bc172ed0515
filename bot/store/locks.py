"""Work that one process at a time may do on a database: changing its schema (the processes
of a deployment start together, and each would otherwise try to make the same tables), and
a scope-drift report (two runs would stage their snapshots over each other)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text

# Any numbers work that every process uses; these spell the names in ASCII.
_ADVISORY_KEYS = {"schema": int.from_bytes(b"usecase", "big"),
                  "report": int.from_bytes(b"ucreport", "big")}


@contextmanager
def held(conn: Connection, name: str = "schema", wait: bool = True) -> Iterator[bool]:
    """The named lock of the connection's database for the block; whether this process
    holds it (always, when it waits its turn). On PostgreSQL an advisory lock of this
    connection's session; on an SQLite file a lock on a file beside it, because SQLite's
    own locks last one transaction and the work is several; an in-memory database belongs
    to one process and needs none."""
    if conn.dialect.name == "postgresql":
        with _advisory(conn, _ADVISORY_KEYS[name], wait) as mine:
            yield mine
        return
    database = conn.engine.url.database
    if conn.dialect.name != "sqlite" or not database or database == ":memory:":
        yield True
        return
    with Path(f"{database}-{'migrate' if name == 'schema' else name}.lock").open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


@contextmanager
def _advisory(conn: Connection, key: int, wait: bool) -> Iterator[bool]:
    if wait:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
    elif not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
        conn.rollback()
        yield False
        return
    try:
        yield True
    finally:
        # The lock belongs to the session, which outlives a transaction: a failed run must
        # not hand a locked connection back to the pool.
        conn.rollback()
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        conn.commit()
