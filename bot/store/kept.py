"""Connections that request threads keep for the one insert every webhook waits on."""

from __future__ import annotations

import contextlib
import threading
from typing import cast

from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection


class KeptConnections:
    """One driver connection per thread, made by the engine's pool (so set up, and on
    PostgreSQL pinged, like any other) and then detached from it: a checkout and return per
    delivery cost half as much again as the insert. A connection left by a thread that has
    ended serves the next new thread, so a server that starts a thread per request keeps as
    many connections as it has requests at once, not as many as it has had.

    They run in autocommit: each statement is its own transaction, committed (durably) before
    it returns, without a BEGIN and a COMMIT sent around it (on PostgreSQL, two round trips)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._by_thread: dict[threading.Thread, DBAPIConnection] = {}
        self._lock = threading.Lock()

    def get(self) -> tuple[DBAPIConnection, bool]:
        """This thread's connection, and whether it served before: then the server may have
        closed it while it waited, which no ping has checked since."""
        me = threading.current_thread()
        kept = self._by_thread.get(me)
        if kept is not None:
            return kept, True
        with self._lock:
            ended = next((thread for thread in self._by_thread if not thread.is_alive()), None)
            kept = self._by_thread.pop(ended) if ended is not None else None
        served = kept is not None
        if kept is None:
            kept = self._new()
        with self._lock:
            self._by_thread[me] = kept
        return kept, served

    def _new(self) -> DBAPIConnection:
        pooled = self._engine.raw_connection()
        pooled.detach()
        # A connection just made has its driver's; detached, it is ours to close.
        driver = cast("DBAPIConnection", pooled.dbapi_connection)
        try:
            self._engine.dialect.set_isolation_level(driver, "AUTOCOMMIT")
        except BaseException:
            _close(driver)
            raise
        return driver

    def drop(self) -> None:
        """Close this thread's connection for good (it failed, or the server cut it); the
        thread's next `get` has a new one."""
        with self._lock:
            kept = self._by_thread.pop(threading.current_thread(), None)
        if kept is not None:
            _close(kept)

    def close(self) -> None:
        with self._lock:
            kept, self._by_thread = list(self._by_thread.values()), {}
        for connection in kept:
            _close(connection)


def _close(connection: DBAPIConnection) -> None:
    # One the server has cut may fail to close; it is gone either way, and the caller may be
    # handling the error that says so.
    with contextlib.suppress(Exception):
        connection.close()
