"""A GitHub story whose use case lives in Jira: the relation becomes a remote link in Jira."""

from __future__ import annotations

from bot.config import Settings
from tests import github_payloads as gh
from tests.fake_jira import FakeJira, jira_check
from tests.github_harness import REPO, BotUnderTest


def test_a_github_story_naming_a_jira_use_case_gets_a_remote_link_there(tmp_path, fake,
                                                                         monkeypatch):
    monkeypatch.setenv("USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES", "0")
    jira = FakeJira("Server", check=jira_check()).start()
    jira.add_issue("REQ-7", "Approve an expense", "h2. Use case")
    bot = BotUnderTest(tmp_path, fake, Settings(), env={"JIRA_URL": jira.url, "JIRA_PAT": "p"})
    try:
        story = fake.add_issue(REPO, 4, "Forward big claims", "Parent: REQ-7",
                               labels=["user-story"])
        bot.deliver("issues", gh.issues("opened", REPO, story))
        bot.drain()
        bot.deliver("issues", gh.issues("edited", REPO, story))
        bot.drain()
    finally:
        bot.stop()
        jira.stop()
    (link,) = jira.remote_links["REQ-7"]
    assert link["object"]["url"] == f"{fake.url}/acme/shop/issues/4"
    assert "story:no-use-case" not in fake.labels_on(REPO, 4)
    assert jira.violations == []
