"""The database: SQLite by default (WAL, so the web process and the worker share it),
PostgreSQL when `DATABASE_URL` says so."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from bot.store.kept import KeptConnections

# How long an SQLite connection waits for another's lock.
BUSY_SECONDS = 30


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # hide_parameters: an SQL error names the statement, never the payload it carried.
        # pre_ping: a PostgreSQL connection may have been cut while it sat in the pool; an
        # SQLite file cannot be, and the ping would cost a round trip.
        options: dict[str, Any] = {"future": True, "pool_pre_ping": not self.is_sqlite,
                                   "hide_parameters": True}
        if self.is_sqlite:
            options["connect_args"] = {"check_same_thread": False, "timeout": BUSY_SECONDS}
        self.engine: Engine = create_engine(url, **options)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # For the webhook's insert, outside the pool: see KeptConnections.
        self.kept = KeptConnections(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means "unreachable" to /healthz
            return False

    def dispose(self) -> None:
        self.kept.close()
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once; FULL sync makes a committed event
    # survive a power cut, which the 202 promises.
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """WAL is a lasting mode of the file. Switching a new file needs it to itself, and when
    processes that start together (gunicorn's workers) switch it at once, SQLite answers
    "locked" at once rather than wait, since the two would otherwise wait for each other:
    tried again until the busy timeout, by which time one of them has switched it for all."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(random.uniform(0.01, 0.05))
