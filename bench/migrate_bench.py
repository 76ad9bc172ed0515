"""What the schema costs a start: migrating a fresh database to head, and the check a start
makes on a database already there (the common case, paid by every process and every
gunicorn worker).

    python bench/migrate_bench.py [--url URL] [--starts N]

URL defaults to a fresh SQLite file in a temporary directory; a PostgreSQL URL is emptied
first (every table in it is dropped), so give it a database of its own. Prints one line per
measurement.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import MetaData

from bot.store import migrations
from bot.store.db import Database


def seconds(db: Database) -> float:
    started = time.perf_counter()
    migrations.upgrade(db)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--starts", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        found = MetaData()
        found.reflect(db.engine)
        found.drop_all(db.engine)
        migrations.head()  # reading the revisions once per process is not a start's cost
        print(f"{db.engine.dialect.name}: fresh database to {migrations.head()}: "
              f"{seconds(db) * 1000:.0f} ms")
        at_head = [seconds(db) for _ in range(args.starts)]
        print(f"{db.engine.dialect.name}: start on a database at head, median of "
              f"{args.starts}: {statistics.median(at_head) * 1000:.2f} ms, "
              f"max {max(at_head) * 1000:.2f} ms")
        db.dispose()


if __name__ == "__main__":
    main()
