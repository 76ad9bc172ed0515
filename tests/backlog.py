"""Finished events in bulk, made by the database itself (a million in seconds rather than
the hour a million enqueues and claims would take), for tests and benches of the queue at
scale."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from bot.store.db import Database

_COLUMNS = ("tracker, delivery, event, action, issue_key, payload, status, attempts, "
            "next_attempt_at, received_at, finished_at")
_ROW = ("'github', :tag || '-' || n, 'issues', 'edited', 'github:acme/shop#' || (n % :issues), "
        "'{}', 'done', 1, :at, :at, :at")


def add_finished(db: Database, count: int, finished_at: datetime, issues: int = 2000,
                 tag: str = "backlog") -> None:
    """`count` done events spread over `issues` issues, all finished at `finished_at`;
    their deliveries start with `tag`, which must differ from one call to the next."""
    numbers = (f"WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq "
               f"WHERE n < {count}) SELECT {_ROW} FROM seq" if db.is_sqlite else
               f"SELECT {_ROW} FROM generate_series(1, {count}) AS n")
    with db.engine.begin() as conn:
        if count:
            conn.execute(text(f"INSERT INTO events ({_COLUMNS}) {numbers}"),
                         {"issues": issues, "at": finished_at, "tag": tag})
        # Planners choose by statistics; fresh ones, as autovacuum would gather.
        conn.execute(text("ANALYZE"))
