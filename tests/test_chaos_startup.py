"""What a starting process says of a tracker that is busy: a warning that events will wait,
not an error that reads as a configuration mistake."""

from __future__ import annotations

import logging

from bot.config import Secrets, Settings
from bot.runtime import Runtime
from tests.fake_jira import FakeJira


def test_a_rate_limited_jira_at_start_is_a_warning_not_an_error(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("USECASE_BOT_JIRA__API_VERSION", "2")
    fake = FakeJira("Server").start()
    fake.fail_next("GET", r"/issueLinkType$", 429, headers={"Retry-After": "30"})
    runtime = Runtime.build(Settings(), Secrets.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "JIRA_URL": fake.url,
        "JIRA_PAT": "dc-token"}))
    try:
        with caplog.at_level(logging.WARNING, logger="usecase_bot"):
            runtime.startup_checks()
    finally:
        runtime.db.dispose()
        fake.stop()
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "usecase_bot"]
    assert [message for level, message in said if level >= logging.ERROR] == []
    (busy,) = [message for _, message in said if "429" in message]
    assert "events will wait" in busy
