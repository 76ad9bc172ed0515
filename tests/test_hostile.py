"""Hostile and malformed requests against the bot as it runs in production: `usecase-bot serve`
(waitress) and the Procfile's gunicorn line, each a real process on a real port. Every
request gets the status SPEC §4 gives it, stores nothing it should not, crashes nothing, and
the server answers the next request. The access log names the path, never the query string."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from bot.store.db import Database
from bot.store.models import Event
from tests import github_payloads as gh
from tests import jira_payloads as jp
from tests.github_harness import REPO, SECRET, sign
from tests.log_secrets import record_output

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("usecase-bot")
JIRA_TOKEN = "dc-hostile-url-token"
# GitHub's cap on an issue's body, in characters.
MAX_ISSUE_BODY = 65_536


class Served:
    """A server process whose merged output is read as it comes (a full pipe would stall
    it), and which says where it listens."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, seconds: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            assert self.proc.poll() is None, f"the server exited:\n{self.output()}"
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} within {seconds}s:\n{self.output()}")

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(how)
        code = self.proc.wait(timeout=60)
        self._reader.join(timeout=10)
        record_output(self.output())
        return code


def bot_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'hostile.db'}",
            "GITHUB_WEBHOOK_SECRET": SECRET, "JIRA_WEBHOOK_TOKEN": JIRA_TOKEN,
            "PATH": f"{EXE.parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def serve(tmp: Path, *flags: str) -> tuple[Served, str]:
    server = Served([str(EXE), "serve", "--port", "0", *flags], bot_env(tmp))
    url = server.wait_for(r"usecase-bot listening on (http://\S+)").group(1)
    return server, url


class Bot:
    def __init__(self, url: str, database: Database, server: Served) -> None:
        self.url, self.database, self.server = url, database, server

    def stored(self) -> int:
        with self.database.session() as s:
            return s.query(Event).count()

    def alive(self) -> bool:
        return requests.get(f"{self.url}/healthz", timeout=10).status_code == 200 \
            and self.server.proc.poll() is None

    def github(self, body: bytes | Iterator[bytes], event: str = "issues",
               signature: str | None = "auto",
               headers: dict[str, str] | None = None) -> requests.Response:
        sent = {"X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
                "Content-Type": "application/json"}
        if signature is not None:
            auto = signature == "auto" and isinstance(body, bytes)
            sent["X-Hub-Signature-256"] = sign(body) if auto else signature
        sent.update(headers or {})
        return requests.post(f"{self.url}/webhooks/github", data=body, headers=sent,
                             timeout=30)


@pytest.fixture(scope="module")
def bot(tmp_path_factory) -> Iterator[Bot]:
    tmp = tmp_path_factory.mktemp("hostile")
    server, url = serve(tmp, "--no-worker", "--no-scheduler")
    database = Database(f"sqlite:///{tmp / 'hostile.db'}")
    yield Bot(url, database, server)
    database.dispose()
    assert server.stop() == 0


def opened(body: str = "### Primary actor\n\nCustomer") -> dict[str, Any]:
    issue = {"number": 1, "id": 77, "title": "Buy goods", "body": body, "state": "open",
             "labels": [{"name": "use-case"}], "comments": 0, "user": {"login": "alice"}}
    return gh.issues("opened", REPO, issue)


GOOD = json.dumps(opened()).encode()

REFUSED = {
    "no signature": (GOOD, None, {}, 401),
    "a signature of another body": (GOOD, sign(b"{}"), {}, 401),
    "a signature under another secret": (GOOD, sign(GOOD, "not the secret"), {}, 401),
    "a signature that is not hex": (GOOD, "sha256=" + "z" * 64, {}, 401),
    "only the old sha1 signature": (
        GOOD, None, {"X-Hub-Signature": "sha1=" + hmac.new(SECRET.encode(), GOOD,
                                                           hashlib.sha1).hexdigest()}, 401),
    "truncated JSON": (GOOD[: len(GOOD) // 2], "auto", {}, 400),
    "100,000 nested arrays": (b"[" * 100_000 + b"]" * 100_000, "auto", {}, 400),
    "100,000 nested objects": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "auto", {}, 400),
    "nesting deep in a payload of the right shape": (
        json.dumps({**opened(), "extra": 0}).encode().replace(
            b'"extra": 0', b'"extra": ' + b"[" * 100_000 + b"]" * 100_000), "auto", {}, 400),
    "Latin-1 text": (json.dumps(opened("Café")).encode().replace(b"Caf\\u00e9", b"Caf\xe9"),
                     "auto", {}, 400),
    "a form without its payload field": (
        b"other=1", "auto", {"Content-Type": "application/x-www-form-urlencoded"}, 400),
    "a form whose payload is not JSON": (
        urlencode({"payload": "{oops"}).encode(), "auto",
        {"Content-Type": "application/x-www-form-urlencoded"}, 400),
    "multipart form data": (
        b"--b\r\nContent-Disposition: form-data; name=\"payload\"\r\n\r\n" + GOOD
        + b"\r\n--b--\r\n", "auto", {"Content-Type": "multipart/form-data; boundary=b"}, 400),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_github_delivery_is_answered_and_stores_nothing(bot, case):
    body, signature, headers, status = REFUSED[case]
    before = bot.stored()
    answer = bot.github(body, signature=signature, headers=headers)
    assert answer.status_code == status
    assert answer.json()["error"]
    assert bot.stored() == before
    assert bot.alive()


def test_a_body_over_max_payload_bytes_is_413_declared_or_chunked(bot):
    big = b'{"pad": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    before = bot.stored()
    assert bot.github(big).status_code == 413

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 1 << 20):
            yield big[start:start + (1 << 20)]

    # Without a Content-Length the body is read only up to the limit.
    assert bot.github(chunks(), signature=sign(big)).status_code == 413
    assert bot.stored() == before
    assert bot.alive()


def test_a_delivery_cut_off_mid_body_stores_nothing(bot):
    before = bot.stored()
    host, port = bot.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: issues\r\n"
                     b"X-GitHub-Delivery: cut-1\r\nContent-Type: application/json\r\n"
                     b"X-Hub-Signature-256: " + sign(GOOD).encode() + b"\r\n"
                     + f"Content-Length: {len(GOOD)}\r\n\r\n".encode() + GOOD[:100])
    assert bot.alive()
    assert bot.stored() == before


def test_github_events_the_bot_does_not_handle_are_ignored(bot):
    before = bot.stored()
    for event, body in [("made_up", GOOD), ("issues", json.dumps({**opened(),
                                                               "action": "locked"}).encode())]:
        answer = bot.github(body, event=event)
        assert (answer.status_code, answer.json()) == (202, {"status": "ignored"})
    assert bot.stored() == before
    assert bot.alive()


def test_a_delivery_without_event_or_delivery_header_is_400(bot):
    before = bot.stored()
    assert bot.github(GOOD, headers={"X-GitHub-Event": ""}).status_code == 400
    assert bot.github(GOOD, headers={"X-GitHub-Delivery": ""}).status_code == 400
    assert bot.stored() == before


def test_an_issue_body_at_githubs_maximum_is_stored_whole(bot):
    # Two-byte characters: the cap counts characters, and the body is twice as many bytes.
    body = "é" * MAX_ISSUE_BODY
    before = bot.stored()
    answer = bot.github(json.dumps(opened(body), ensure_ascii=False).encode())
    assert (answer.status_code, answer.json()["status"]) == (202, "queued")
    with bot.database.session() as s:
        stored = s.query(Event).order_by(Event.id.desc()).first()
        assert stored is not None
        assert json.loads(stored.payload)["issue"]["body"] == body
    assert bot.stored() == before + 1


def test_a_form_encoded_delivery_is_signed_over_the_form_and_stored_as_its_json(bot):
    form = urlencode({"payload": GOOD.decode()}).encode()
    answer = bot.github(form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (answer.status_code, answer.json()["status"]) == (202, "queued")
    with bot.database.session() as s:
        stored = s.query(Event).order_by(Event.id.desc()).first()
        assert stored is not None and json.loads(stored.payload) == json.loads(GOOD)
    signed_over_the_json = bot.github(
        form, signature=sign(GOOD), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert signed_over_the_json.status_code == 401


def jira_body() -> bytes:
    issue = {"id": "10001", "key": "UC-1", "self": "https://jira.test/rest/api/2/issue/10001",
             "fields": {"summary": "Buy goods", "description": "x", "labels": [],
                        "issuetype": {"name": "Use Case"}, "project": {"key": "UC"}}}
    return json.dumps(jp.issue_event("jira:issue_updated", issue, changed=["description"])
                      ).encode()


@pytest.mark.parametrize("query", [{}, {"token": ""}, {"token": "wrong-token"},
                                   {"token": JIRA_TOKEN[:-1]}, {"token": JIRA_TOKEN + "x"},
                                   {"Token": JIRA_TOKEN}])
def test_jira_without_the_right_token_is_401_and_stores_nothing(bot, query):
    before = bot.stored()
    answer = requests.post(f"{bot.url}/webhooks/jira", data=jira_body(), params=query,
                           headers={"Content-Type": "application/json"}, timeout=30)
    assert answer.status_code == 401
    assert bot.stored() == before
    assert bot.alive()


def test_the_access_log_shows_a_jira_delivery_without_its_token(bot):
    identifier = str(uuid.uuid4())
    answer = requests.post(f"{bot.url}/webhooks/jira?token={JIRA_TOKEN}&x=1", data=jira_body(),
                           headers={"Content-Type": "application/json",
                                    "X-Atlassian-Webhook-Identifier": identifier}, timeout=30)
    assert (answer.status_code, answer.json()["status"]) == (202, "queued")
    bot.server.wait_for(r"usecase_bot\.access: POST /webhooks/jira 202 [\d.]+ms")
    assert JIRA_TOKEN not in bot.server.output()
    assert "?token" not in bot.server.output()
    # Werkzeug's development server, which quoted the whole request line, is not in use.
    assert "HTTP/1.1\"" not in bot.server.output()


def test_a_path_with_a_line_break_is_logged_on_one_line(bot):
    answer = requests.get(f"{bot.url}/nowhere%0Aforged%3Ftoken={JIRA_TOKEN}", timeout=30)
    assert answer.status_code == 404 and answer.json()["error"]
    line = bot.server.wait_for(r"usecase_bot\.access: GET /nowhere.* 404").group(0)
    assert line.endswith(r"/nowhere\x0aforged 404")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_its_worker_and_scheduler_and_exits_0(tmp_path, how):
    server, url = serve(tmp_path)
    assert requests.get(f"{url}/healthz", timeout=10).status_code == 200
    server.wait_for(r"worker started")
    assert server.stop(how) == 0
    assert "worker stopped" in server.output()
    assert "Scheduler has been shut down" in server.output()
    assert "KeyboardInterrupt" not in server.output()


def test_the_procfile_web_line_logs_paths_without_their_query(tmp_path):
    line = next(entry for entry in (ROOT / "Procfile").read_text().splitlines()
                if entry.startswith("web:"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**bot_env(tmp_path), "PORT": str(port)}
    # `exec`, so that the signal reaches gunicorn and not a shell around it.
    server = Served(["bash", "-c", "exec " + line.removeprefix("web:").strip()], env)
    try:
        # gunicorn listens before it boots its workers: requests wait in the backlog.
        server.wait_for(r"Booting worker")
        url = f"http://127.0.0.1:{port}"
        answer = requests.post(f"{url}/webhooks/jira", params={"token": JIRA_TOKEN},
                               data=jira_body(), timeout=30,
                               headers={"Content-Type": "application/json"})
        assert answer.status_code == 202
        deep = b"[" * 100_000 + b"]" * 100_000
        assert requests.post(f"{url}/webhooks/github", data=deep, timeout=30, headers={
            "X-GitHub-Event": "issues", "X-GitHub-Delivery": "deep-1",
            "X-Hub-Signature-256": sign(deep)}).status_code == 400
        server.wait_for(r"POST /webhooks/jira 202 \d+ms")
        assert requests.get(f"{url}/healthz", timeout=10).status_code == 200
    finally:
        assert server.stop() == 0
    assert JIRA_TOKEN not in server.output() and "?token" not in server.output()
