"""Every real Jira delivery in ../shared/fixtures is accepted, routed by the contract, and
processed against the fake Jira without a crash."""

from __future__ import annotations

import json

from bot.config import Settings
from bot.trackers import jira_events
from tests.conftest import shared_or_skip
from tests.fake_jira import FakeJira, jira_check
from tests.github_harness import BotUnderTest

TOKEN = "dc-token"


def test_real_jira_deliveries(tmp_path):
    folder = shared_or_skip("fixtures", "jira", "webhooks")
    fake = FakeJira("Server", check=jira_check()).start()
    bot = BotUnderTest(tmp_path, None, Settings(), secret=None,
                       env={"JIRA_URL": fake.url, "JIRA_PAT": "pat", "JIRA_WEBHOOK_TOKEN": TOKEN})
    try:
        for path in sorted(folder.glob("*.json")):
            payload = json.loads(path.read_text())
            issue = payload.get("issue") or {}
            if issue.get("key"):
                fake.add_issue(issue["key"], "summary", "text", issue_type="Task")
                fake.issues[issue["key"]]["id"] = str(issue.get("id"))
            answer = bot.deliver_jira(payload, token=TOKEN, identifier=path.name)
            expected = "ignored" if jira_events.route(payload) is None else "queued"
            assert answer.status_code == 202 and answer.json()["status"] == expected, path.name
        bot.drain()
        stuck = [(e.event, e.last_error) for e in bot.events()
                 if e.status != "done" and "does not exist" not in (e.last_error or "")]
        assert stuck == []
    finally:
        bot.stop()
        fake.stop()
    assert fake.violations == []


def test_an_update_with_only_unread_fields_is_not_stored():
    path = shared_or_skip("fixtures", "jira", "webhooks", "jira.issue_updated.assigned.json")
    assert jira_events.route(json.loads(path.read_text())) is None
    described = shared_or_skip("fixtures", "jira", "webhooks",
                               "jira.issue_updated.description.json")
    assert jira_events.route(json.loads(described.read_text())) == "jira:TES-41"
