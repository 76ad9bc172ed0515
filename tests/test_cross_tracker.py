"""A GitHub story whose use case lives in Jira: the relation becomes a remote link in Jira."""

from __future__ import annotations

from bot.config import Settings
from tests import github_payloads as gh
from tests import jira_payloads as jp
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


def test_link_accepts_the_same_references_on_both_trackers(tmp_path, fake, monkeypatch):
    """GitHub's `/usecase link` takes a Jira key, Jira's takes `owner/repo#N`, and the
    orphan comment on each tracker shows a reference that tracker accepts."""
    monkeypatch.setenv("USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES", "0")
    monkeypatch.setenv("USECASE_BOT_JIRA__API_VERSION", "2")
    jira = FakeJira("Server", check=jira_check()).start()
    jira.add_issue("REQ-7", "Approve an expense", "h2. Use case")
    jira_story = jira.add_issue("REQ-8", "Ship it", "No parent named", issue_type="Story")
    fake.add_issue(REPO, 1, "Buy goods", "Buy goods", labels=["use-case"])
    bot = BotUnderTest(tmp_path, fake, Settings(),
                       env={"JIRA_URL": jira.url, "JIRA_PAT": "p", "JIRA_WEBHOOK_TOKEN": "t"})
    try:
        story = fake.add_issue(REPO, 4, "Forward big claims", "No parent named",
                               labels=["user-story"])
        bot.deliver("issues", gh.issues("opened", REPO, story))
        bot.deliver_jira(jp.issue_event("jira:issue_created", jira_story), token="t")
        bot.drain()
        assert "/usecase link #12" in fake.comments_on(REPO, 4)[0]["body"]
        assert "/usecase link PROJ-12" in jira.comments_on("REQ-8")[0]["body"]
        bot.deliver("issue_comment", gh.issue_comment("created", REPO, story,
                                                      "/usecase link REQ-7"))
        bot.deliver_jira(jp.comment_created(jira_story, f"/usecase link {REPO}#1"), token="t")
        bot.drain()
    finally:
        bot.stop()
        jira.stop()
    (link,) = jira.remote_links["REQ-7"]
    assert link["object"]["url"] == f"{fake.url}/acme/shop/issues/4"
    (back,) = jira.remote_links["REQ-8"]
    assert back["object"]["url"] == f"{fake.url}/acme/shop/issues/1"
    assert "story:no-use-case" not in fake.labels_on(REPO, 4)
    assert "story-no-use-case" not in jira.labels_on("REQ-8")
    assert jira.violations == []
