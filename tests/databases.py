"""The two databases the queue runs on: a fresh SQLite file, and the PostgreSQL server that
`.ci/run` starts (TEST_DATABASE_URL), emptied before and after."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.db import Database
from bot.store.models import Base

KINDS = ["sqlite", "postgresql"]


def open_database(kind: str, tmp_path: Path) -> Iterator[Database]:
    if kind == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    else:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            if os.environ.get("CI"):
                pytest.fail("TEST_DATABASE_URL is not set in CI: .ci/run starts PostgreSQL")
            pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (.ci/run sets it up)")
        database = Database(url)
        Base.metadata.drop_all(database.engine)
    database.create_schema()
    yield database
    if kind == "postgresql":
        Base.metadata.drop_all(database.engine)
    database.dispose()
