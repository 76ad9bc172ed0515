"""The two databases the queue runs on: a fresh SQLite file, and the PostgreSQL server that
`.ci/run` starts (TEST_DATABASE_URL), emptied before and after. Both get their schema the
way a deployment does, from the migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from bot.store import migrations
from bot.store.db import Database

KINDS = ["sqlite", "postgresql"]


def postgresql_url() -> str:
    """TEST_DATABASE_URL; the test is skipped without it, and fails without it in CI."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TEST_DATABASE_URL is not set in CI: .ci/run starts PostgreSQL")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (.ci/run sets it up)")
    return url


def empty_database(kind: str, tmp_path: Path) -> Database:
    """A database of this kind with no tables at all."""
    if kind == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'queue.db'}")
    database = Database(postgresql_url())
    drop_everything(database.engine)
    return database


def drop_everything(engine: Engine) -> None:
    """Every table there is, the migrations' version table included. By name, not by
    reflecting them first: no table has a foreign key, and reading each one's columns would
    double the time every PostgreSQL test spends here."""
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        for name in inspect(conn).get_table_names():
            conn.execute(text(f"DROP TABLE {quote(name)}"))


def open_database(kind: str, tmp_path: Path) -> Iterator[Database]:
    database = empty_database(kind, tmp_path)
    migrations.upgrade(database)
    yield database
    if kind == "postgresql":
        drop_everything(database.engine)
    database.dispose()
