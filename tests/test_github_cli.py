"""`usecase-bot replay`, `--dry-run` and `serve` as a user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.cli import main
from tests import github_payloads as gh
from tests.github_harness import INCOMPLETE, REPO, lint_comments


def env_for(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_cli_token")
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES", "0")


def saved_payload(fake, tmp_path) -> Path:
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    path = tmp_path / "opened.json"
    path.write_text(json.dumps(gh.issues("opened", REPO, issue)))
    return path


def test_replay_feeds_a_saved_payload_through_the_pipeline(fake, tmp_path, monkeypatch):
    env_for(fake, tmp_path, monkeypatch)
    assert main(["replay", str(saved_payload(fake, tmp_path)), "--event", "issues"]) == 0
    assert len(lint_comments(fake)) == 1


def test_dry_run_reads_but_prints_its_writes(fake, tmp_path, monkeypatch, capsys):
    env_for(fake, tmp_path, monkeypatch)
    path = saved_payload(fake, tmp_path)
    assert main(["replay", str(path), "--event", "issues", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "[dry-run] would comment on acme/shop#1" in out
    assert "[dry-run] would add label 'use-case:incomplete'" in out
    assert fake.writes() == []


def test_replay_of_a_file_that_is_not_json_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    assert main(["replay", str(bad), "--event", "issues"]) == 2
    assert "cannot read" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_web_and_worker_in_one_process(fake, tmp_path):
    from tests.github_harness import SECRET, sign

    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "GITHUB_TOKEN": "ghp_serve", "GITHUB_API_URL": fake.url,
           "GITHUB_WEBHOOK_SECRET": SECRET, "USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES": "0"}
    exe = Path(sys.executable).with_name("usecase-bot")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
        body = json.dumps(gh.issues("opened", REPO, issue)).encode()
        answer = requests.post(f"{base}/webhooks/github", data=body, timeout=5, headers={
            "X-GitHub-Event": "issues", "X-GitHub-Delivery": "serve-1",
            "X-Hub-Signature-256": sign(body), "Content-Type": "application/json"})
        assert answer.status_code == 202
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not lint_comments(fake):
            time.sleep(0.1)
        assert len(lint_comments(fake)) == 1
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert "ghp_serve" not in output and SECRET not in output
