"""The schema comes from the migrations: a fresh database and one made before migrations
both end at the newest revision with the schema the models describe, 64-bit ids hold
GitHub's ids, and processes that start together on one database all come up (the web
process then keeping what its start made out of the garbage collector's full passes)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect, select, text
from sqlalchemy.engine import Connection

from bot.cli import main
from bot.store import migrations, queue
from bot.store.db import Database
from bot.store.migrations.first_schema import TABLES
from bot.store.models import BotComment, Event, IssueRecord
from bot.store.state import State
from tests.databases import KINDS, drop_everything, empty_database
from tests.test_github_cli import free_port

ROOT = Path(__file__).parents[1]
BIG = 2**40
# The tables an early version made, as it left them: ids in 32 bits on PostgreSQL, no claim
# columns on events, and none of the tables added since.
EARLY_TABLES = [
    """CREATE TABLE events (
        id {serial} NOT NULL, tracker VARCHAR(16) NOT NULL, delivery VARCHAR(200) NOT NULL,
        event VARCHAR(64) NOT NULL, action VARCHAR(64), issue_key VARCHAR(300) NOT NULL,
        payload TEXT NOT NULL, status VARCHAR(16) NOT NULL, attempts INTEGER NOT NULL,
        next_attempt_at {timestamp} NOT NULL, locked_until {timestamp}, last_error TEXT,
        received_at {timestamp} NOT NULL, finished_at {timestamp},
        PRIMARY KEY (id), CONSTRAINT uq_event_delivery UNIQUE (tracker, delivery))""",
    "CREATE INDEX ix_events_issue_key ON events (issue_key)",
    "CREATE INDEX ix_events_status ON events (status)",
    """CREATE TABLE issues (
        key VARCHAR(300) NOT NULL, tracker VARCHAR(16) NOT NULL, repo VARCHAR(200) NOT NULL,
        number INTEGER NOT NULL, issue_id INTEGER, title TEXT NOT NULL, body TEXT NOT NULL,
        labels TEXT NOT NULL, state VARCHAR(16) NOT NULL, kind VARCHAR(16) NOT NULL,
        comment_count INTEGER NOT NULL, PRIMARY KEY (key))""",
    "CREATE INDEX ix_issues_repo ON issues (repo)",
    """CREATE TABLE bot_comments (
        issue_key VARCHAR(300) NOT NULL, marker VARCHAR(32) NOT NULL,
        comment_id INTEGER NOT NULL, body_hash VARCHAR(64) NOT NULL,
        PRIMARY KEY (issue_key, marker))""",
]
# Rows as any version before migrations wrote them.
EARLY_ROWS = [
    """INSERT INTO events (tracker, delivery, event, action, issue_key, payload, status,
        attempts, next_attempt_at, received_at) VALUES ('github', 'd-1', 'issues', 'opened',
        'github:acme/shop#1', '{{}}', 'pending', 0, '2026-01-02 03:04:05',
        '2026-01-02 03:04:05')""",
    """INSERT INTO issues (key, tracker, repo, number, issue_id, title, body, labels, state,
        kind, comment_count) VALUES ('github:acme/shop#1', 'github', 'acme/shop', 1,
        2000000000, 'Buy goods', 'body', '[]', 'open', 'use_case', 0)""",
    """INSERT INTO bot_comments (issue_key, marker, comment_id, body_hash)
        VALUES ('github:acme/shop#1', 'lint', 2100000000, 'abc')""",
]
DIALECT_WORDS = {
    "sqlite": {"serial": "INTEGER", "timestamp": "DATETIME"},
    "postgresql": {"serial": "SERIAL", "timestamp": "TIMESTAMP WITHOUT TIME ZONE"},
}


@pytest.fixture(params=KINDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database = empty_database(request.param, tmp_path)
    yield database
    drop_everything(database.engine)
    database.dispose()


def differences(db: Database) -> list[object]:
    """What Alembic would have to change for the database to match the models."""
    with db.engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), migrations.METADATA))


def version(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def make_first_schema_unversioned(db: Database) -> None:
    """The schema as `create_all` made it before migrations: the first revision's tables,
    with no record of a revision. (Not today's models: they move on, an old database does
    not.)"""
    with db.engine.begin() as conn:
        context = MigrationContext.configure(conn)
        with context.begin_transaction(), Operations.context(context):
            for make in TABLES.values():
                make()
        for statement in EARLY_ROWS:
            conn.exec_driver_sql(statement.format())


def run_early_version(db: Database) -> None:
    words = DIALECT_WORDS[db.engine.dialect.name]
    with db.engine.begin() as conn:
        for statement in EARLY_TABLES + EARLY_ROWS:
            conn.exec_driver_sql(statement.format(**words))


def assert_early_rows_kept(db: Database) -> None:
    with db.session() as s:
        old = s.execute(select(Event)).scalar_one()
        assert (old.delivery, old.status, old.worker) == ("d-1", "pending", None)
        assert s.get(IssueRecord, "github:acme/shop#1").issue_id == 2000000000
        assert s.get(BotComment, ("github:acme/shop#1", "lint")).comment_id == 2100000000
    claimed = queue.claim(db, "w")
    assert claimed is not None and claimed.delivery == "d-1"


def next_event_id_past(db: Database, floor: int) -> None:
    """Make the next event id the database hands out larger than `floor`."""
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('events', 'id'), :n)"),
                         {"n": floor})
        else:
            conn.execute(text(
                "INSERT INTO events (id, tracker, delivery, event, issue_key, payload, status, "
                "attempts, next_attempt_at, received_at) VALUES (:n, 'github', 'floor', "
                "'issues', 'github:acme/shop#9', '{}', 'done', 1, '2026-01-01', '2026-01-01')"),
                {"n": floor})


def assert_holds_64_bit_ids(db: Database) -> None:
    next_event_id_past(db, BIG)
    assert queue.enqueue(db, "github", "d-big", "issues", "opened", "github:acme/shop#2", "{}")
    state = State(db)
    state.save_comment("github:acme/shop#2", "lint", BIG + 7, "h")
    state.save_issue(IssueRecord(key="github:acme/shop#2", tracker="github", repo="acme/shop",
                                 number=2, issue_id=BIG + 9, title="t", body="b"))
    with db.session() as s:
        event_id = s.execute(select(Event.id).where(Event.delivery == "d-big")).scalar_one()
    assert event_id > BIG
    comment = state.comment("github:acme/shop#2", "lint")
    issue = state.issue("github:acme/shop#2")
    assert comment is not None and comment.comment_id == BIG + 7
    assert issue is not None and issue.issue_id == BIG + 9


def id_types(db: Database) -> dict[str, str]:
    columns = {"events": "id", "issues": "issue_id", "bot_comments": "comment_id"}
    found = inspect(db.engine)
    return {table: str(next(c["type"] for c in found.get_columns(table) if c["name"] == column))
            for table, column in columns.items()}


def test_a_fresh_database_is_migrated_to_the_schema_of_the_models(empty):
    assert migrations.upgrade(empty) is None
    assert version(empty) == migrations.head()
    assert differences(empty) == []


def test_a_database_made_by_create_all_is_adopted_with_its_rows(empty):
    make_first_schema_unversioned(empty)
    assert migrations.upgrade(empty) is None
    assert version(empty) == migrations.head()
    assert differences(empty) == []
    assert_early_rows_kept(empty)
    assert_holds_64_bit_ids(empty)


def test_a_database_of_an_early_version_gets_its_columns_tables_and_64_bit_ids(empty):
    run_early_version(empty)
    migrations.upgrade(empty)
    assert version(empty) == migrations.head()
    assert differences(empty) == []
    if empty.engine.dialect.name == "postgresql":
        assert id_types(empty) == {"events": "BIGINT", "issues": "BIGINT",
                                   "bot_comments": "BIGINT"}
    assert_early_rows_kept(empty)
    assert_holds_64_bit_ids(empty)


def test_a_database_at_head_is_only_read(empty):
    migrations.upgrade(empty)
    statements: list[str] = []

    def record(_conn: Connection, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(empty.engine, "before_cursor_execute", record)
    assert migrations.upgrade(empty) == migrations.head()
    event.remove(empty.engine, "before_cursor_execute", record)
    assert statements, "the revision is read"
    changing = [s for s in statements
                if s.split()[0].upper() in {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE"}
                or "advisory" in s]
    assert changing == []
    assert differences(empty) == []


@pytest.fixture
def newer(empty, monkeypatch):
    """The database as a newer version would leave it: at a revision this one does not ship,
    named by DATABASE_URL for the commands."""
    migrations.upgrade(empty)
    with empty.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    monkeypatch.setenv("DATABASE_URL", database_url(empty))
    return empty


def test_migrate_refuses_a_database_from_a_newer_version_in_one_line(newer, capsys):
    assert main(["migrate"]) == 1
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err.startswith("usecase-bot: migrate failed:") and "'ffff'" in said.err
    assert version(newer) == "ffff"


def test_every_command_refuses_a_database_from_a_newer_version_in_one_line(newer, capsys):
    assert main(["events"]) == 2
    said = capsys.readouterr().err
    assert said.startswith("usecase-bot: the database is at schema revision 'ffff'")
    assert "Traceback" not in said and len(said.splitlines()) == 1


def database_url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_four_migrate_commands_at_once_make_one_schema(empty):
    env = {**os.environ, "DATABASE_URL": database_url(empty)}
    started = [subprocess.Popen([sys.executable, "-m", "bot.cli", "migrate"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    done = [(*p.communicate(timeout=120), p.returncode) for p in started]
    assert [code for _, _, code in done] == [0, 0, 0, 0], [err for _, err, _ in done]
    said = sorted(out.strip() for out, _, _ in done)
    head = migrations.head()
    assert said == [f"database schema already at revision {head}"] * 3 + [
        f"database schema migrated to revision {head}"]
    assert version(empty) == head
    assert differences(empty) == []


def procfile_web_line() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("the Procfile has no web: line")


def answers_healthz(url: str, server: subprocess.Popen[str], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def start_web_line(db: Database) -> None:
    """The Procfile's web line on `db` answers /healthz, and stops cleanly when asked."""
    port = free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "DATABASE_URL": database_url(db), "PORT": str(port),
           "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    server = subprocess.Popen(["sh", "-c", f"exec {procfile_web_line()}"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        up = answers_healthz(f"http://127.0.0.1:{port}", server, within=60)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert up, output
    # A worker that failed to start makes the arbiter stop with a non-zero status.
    assert server.returncode == 0, output
    assert "Traceback" not in output


# How the two workers' starts interleave differs from one start to the next.
STARTS = 2


def make_fresh(db: Database) -> None:
    """No tables; for SQLite no file either, so that the workers make it (and switch it to
    WAL) themselves."""
    if db.is_sqlite:
        db.dispose()
        database = Path(str(db.engine.url.database))
        for path in (database, *(database.with_name(database.name + end)
                                 for end in ("-wal", "-shm"))):
            path.unlink(missing_ok=True)
    else:
        drop_everything(db.engine)


def test_the_procfiles_web_line_comes_up_on_a_fresh_database(empty):
    for _ in range(STARTS):
        make_fresh(empty)
        start_web_line(empty)
        assert version(empty) == migrations.head()


def open_at_once(url: str, start: threading.Barrier) -> str:
    """The journal mode a new process's first connection finds, or why it failed."""
    start.wait()
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return str(conn.execute(text("PRAGMA journal_mode")).scalar())
    except Exception as exc:
        return repr(exc)
    finally:
        db.dispose()


def test_processes_that_open_a_new_sqlite_file_at_once_all_open_it(tmp_path):
    # The first connection of each switches the new file to WAL; SQLite refuses all but one
    # of such switches at once, without waiting (about one start in four of four processes).
    processes = 4
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(processes) as pool:
        for attempt in range(20):
            start = manager.Barrier(processes)
            url = f"sqlite:///{tmp_path / f'new{attempt}.db'}"
            opened = [pool.apply_async(open_at_once, (url, start)) for _ in range(processes)]
            assert [result.get(timeout=60) for result in opened] == ["wal"] * processes


def test_the_web_process_keeps_what_its_start_made_out_of_full_collections(tmp_path):
    # A full pass over everything the start made pauses a request for tens of milliseconds.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    probe = ("import gc, bot.web.wsgi; "
             "print(gc.get_freeze_count(), sum(gc.get_count()), len(gc.get_objects()))")
    said = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout.split()
    frozen, young, collected = map(int, said)
    assert frozen > 50_000
    # What a full pass still walks: the few objects made since.
    assert collected < frozen / 100 and young < 1000
