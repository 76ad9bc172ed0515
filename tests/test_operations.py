"""What an operator touches: `usecase-bot events` to see and retry the queue, and a GitHub
App key that is reported by its variable's name, never by its value."""

from __future__ import annotations

import subprocess
import sys
import traceback
from datetime import timedelta

import pytest

from bot.cli import main
from bot.config import ConfigError
from bot.runtime import private_key
from bot.store import migrations, queue
from bot.store.db import Database

TOKEN = "ghp_operator_visible_never_123"


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    database = Database(url)
    migrations.upgrade(database)
    yield database
    database.dispose()


def put(db, delivery, key):
    queue.enqueue(db, "github", delivery, "issues", "opened", key, "{}")


def fail(db, error, dead):
    claimed = queue.claim(db, "w")
    if dead:
        queue.bury(db, claimed, error)
    else:
        queue.retry_later(db, claimed, error, queue.now() + timedelta(hours=1))


def test_events_list_shows_what_failed_and_why_without_secrets(db, capsys):
    put(db, "a", "github:acme/shop#1")
    put(db, "b", "github:acme/shop#2")
    fail(db, f"transient: GitHub answered 502 (token {TOKEN})\nsecond line", dead=False)
    fail(db, "permanent: GitHub answered 422: Validation Failed", dead=True)
    assert main(["events"]) == 0
    out = capsys.readouterr().out
    assert TOKEN not in out and "second line" not in out
    header, first, second = out.splitlines()
    assert header.split()[:4] == ["ID", "TRACKER", "EVENT", "ISSUE"]
    assert "acme/shop#2" in first and "dead" in first and "422: Validation Failed" in first
    assert "acme/shop#1" in second and "pending" in second and "[secret]" in second
    assert main(["events", "list", "--status", "dead"]) == 0
    (_, only) = capsys.readouterr().out.splitlines()
    assert "acme/shop#2" in only


def test_events_retry_queues_dead_events_again(db, capsys):
    for n in (1, 2, 3):
        put(db, f"d{n}", f"github:acme/shop#{n}")
        fail(db, "permanent: GitHub answered 422", dead=True)
    first = queue.listing(db, "dead", 10)[-1].id
    assert main(["events", "retry", str(first)]) == 0
    assert "1 dead event(s) queued again" in capsys.readouterr().out
    assert main(["events", "retry", str(first)]) == 1  # no longer dead
    assert main(["events", "retry", "--dead"]) == 0
    assert queue.listing(db, "dead", 10) == []
    assert queue.stats(db).pending == 3


@pytest.mark.parametrize("argv", [["events", "retry"], ["events", "list", "3"],
                                  ["events", "--dead"], ["events", "retry", "1", "--dead"],
                                  ["events", "--limit", "0"]])
def test_events_usage_errors(db, argv, capsys):
    assert main(argv) == 2
    assert "usecase-bot:" in capsys.readouterr().err


KEY_BODY = "MIIEowIBAAKCAQEAsecretkeymaterial" + "Q" * 300


@pytest.mark.parametrize("value", [
    KEY_BODY,                              # the base64 body without its PEM lines
    KEY_BODY[:60] + "\n" + KEY_BODY[60:],  # the body with its line breaks
    "/run/secrets/no-such-key.pem",        # a path that does not exist
])
def test_a_bad_app_key_is_reported_by_the_variables_name_only(value):
    with pytest.raises(ConfigError) as failure:
        private_key(value)
    shown = "".join(traceback.format_exception(failure.value))
    assert "GITHUB_APP_PRIVATE_KEY" in shown
    assert value not in shown and KEY_BODY[:40] not in shown


def test_a_pem_key_with_escaped_line_breaks_is_read_as_pem():
    pem = "-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA PRIVATE KEY-----"
    assert private_key(pem) == pem.replace("\\n", "\n")


def test_a_key_file_is_read(tmp_path):
    path = tmp_path / "app.pem"
    path.write_text("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n")
    assert private_key(str(path)) == path.read_text()


def test_the_worker_refuses_to_start_on_a_bad_key_without_showing_it(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
           "GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY": KEY_BODY}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "worker"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "GITHUB_APP_PRIVATE_KEY" in done.stderr
    assert KEY_BODY[:40] not in done.stderr + done.stdout
