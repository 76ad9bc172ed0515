"""The session-wide secret check fails a session in which a secret reached a log line or a
subprocess's output, names the test, and never repeats the secret."""

from __future__ import annotations

from pathlib import Path

from tests.log_secrets import fragments

ROOT = Path(__file__).resolve().parents[1]

LEAKING_SESSION = '''
import logging
import subprocess
import sys

from bot.config import Secrets


def test_logs_a_webhook_secret():
    Secrets.from_env({"GITHUB_WEBHOOK_SECRET": "leaky-webhook-secret"})
    logging.getLogger("usecase_bot.web").info("signed with leaky-webhook-secret")


def test_a_server_prints_its_url_token():
    env = {"JIRA_WEBHOOK_TOKEN": "leaky-url-token", "PATH": ""}
    subprocess.run([sys.executable, "-c", "import sys; sys.stderr.write('?token=leaky-url-token')"],
                   env=env, capture_output=True, check=True)


def test_logs_nothing_secret():
    logging.getLogger("usecase_bot.web").warning("queued github issues.opened")
'''


def test_a_session_that_logged_a_secret_fails_and_names_its_tests(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(test_leaks=LEAKING_SESSION)
    result = pytester.runpytest_subprocess("-p", "tests.log_secrets", "-p", "no:cacheprovider")
    assert result.ret == 1
    report = result.stdout.str()
    result.assert_outcomes(passed=3)
    assert "test_logs_a_webhook_secret: a log line held the value of GITHUB_WEBHOOK_SECRET" \
        in report
    assert "test_a_server_prints_its_url_token: a log line held the value of " \
        "JIRA_WEBHOOK_TOKEN" in report
    assert "test_logs_nothing_secret:" not in report
    assert "leaky" not in report + result.stderr.str()


def test_a_pem_key_is_looked_for_line_by_line_and_in_the_file_a_path_names(tmp_path):
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\n" \
          "-----END PRIVATE KEY-----\n"
    key = tmp_path / "app.pem"
    key.write_text(pem)
    assert {"MIIEvQIBADANBgkq", "hkiG9w0BAQEFAASC"} <= set(fragments(str(key)))
    assert {"MIIEvQIBADANBgkq", "hkiG9w0BAQEFAASC"} <= set(fragments(pem.replace("\n", "\\n")))
    assert "-----BEGIN PRIVATE KEY-----" not in set(fragments(pem))
    assert {"old-secret", "new-secret"} <= set(fragments("old-secret, new-secret"))
