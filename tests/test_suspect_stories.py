"""Suspect stories end to end: when a use case's flows change after a story was linked, the
use case's Stories list marks the story until a person edits it or says `/usecase reviewed`.
On the fake GitHub (over SQLite and PostgreSQL) and the fake Jira (Cloud and Data Center)."""

from __future__ import annotations

import json

import pytest

from bot.config import Settings
from bot.store.suspects import suspect_stories
from tests import github_payloads as gh
from tests import jira_payloads as jp
from tests.databases import KINDS, open_database
from tests.fake_jira import FakeJira, jira_check
from tests.github_harness import FIXED, REPO, BotUnderTest, lint_comments
from tests.test_jira_e2e import Deployment, description
from tests.test_jira_e2e import jira as jira

SUSPECT = "⚠ suspect: the use case's flows changed on "
REPLY = "<!-- usecase-bot:reply -->"
# The main flow with its second step reworded.
REWORDED = FIXED.replace("2. System shows the total.", "2. System shows the total with tax.")


@pytest.fixture(params=KINDS)
def bot(request, tmp_path, fake, settings):
    """The bot over SQLite or PostgreSQL: where the times of links and changes are kept."""
    database = open_database(request.param, tmp_path)
    url = next(database).url
    under_test = BotUnderTest(tmp_path, fake, settings, env={"DATABASE_URL": url})
    yield under_test
    under_test.stop()
    next(database, None)


def deliver(bot, action, issue, **extra):
    assert bot.deliver("issues", gh.issues(action, REPO, issue, **extra)).status_code == 202
    bot.drain()


def comment(bot, issue, body, user="alice", comment_id=77):
    bot.deliver("issue_comment", gh.issue_comment("created", REPO, issue, body, user=user,
                                                  comment_id=comment_id))
    bot.drain()


def stories_list(fake):
    (lint,) = lint_comments(fake, 1)
    return lint["body"].split("### Stories", 1)[1]


@pytest.fixture
def linked(fake, bot):
    """Use case #1 and its story #2, linked; then the use case's main flow was reworded."""
    parent = fake.add_issue(REPO, 1, "Buy goods in the web shop", FIXED, labels=["use-case"])
    deliver(bot, "opened", parent)
    child = fake.add_issue(REPO, 2, "Pay with a voucher", "Use case: #1", labels=["user-story"])
    deliver(bot, "opened", child)
    assert SUSPECT not in stories_list(fake)
    parent["body"] = REWORDED
    deliver(bot, "edited", parent)
    return parent, child


def test_a_changed_main_flow_marks_the_linked_story_suspect(fake, bot, linked):
    listed = stories_list(fake)
    assert "- #2 Pay with a voucher" in listed
    assert SUSPECT in listed and "`/usecase reviewed`" in listed
    (suspect,) = suspect_stories(bot.runtime.db)
    assert (suspect.story, suspect.use_case) == (f"github:{REPO}#2", f"github:{REPO}#1")
    assert f"on {suspect.use_case_changed.date().isoformat()} after" in listed


def test_reviewed_by_a_collaborator_clears_the_mark_with_one_reply(fake, bot, linked):
    _, child = linked
    fake.roles["carol"] = "write"
    comment(bot, child, "/usecase reviewed", user="carol")
    (reply,) = [c for c in fake.comments_on(REPO, 2) if c["body"].startswith(REPLY)]
    assert "still matches #1" in reply["body"]
    assert SUSPECT not in stories_list(fake)
    assert suspect_stories(bot.runtime.db) == []


def test_reviewed_by_a_stranger_is_refused_and_the_mark_stays(fake, bot, linked):
    _, child = linked
    comment(bot, child, "/usecase reviewed", user="mallory")
    (reply,) = [c for c in fake.comments_on(REPO, 2) if c["body"].startswith(REPLY)]
    assert "Sorry mallory" in reply["body"]
    assert SUSPECT in stories_list(fake)


def test_a_person_editing_the_story_clears_the_mark(fake, bot, linked):
    _, child = linked
    child["body"] = "Use case: #1\n\nThe voucher covers tax too."
    deliver(bot, "edited", child)
    assert SUSPECT not in stories_list(fake)


def test_the_bots_own_edits_are_no_review(fake, bot, linked):
    _, child = linked
    for sender in (fake.bot_login, "usecase-bot[bot]"):
        deliver(bot, "edited", child, sender=sender)
    assert SUSPECT in stories_list(fake)
    assert len(suspect_stories(bot.runtime.db)) == 1


def test_a_new_title_of_the_use_case_makes_no_story_suspect(fake, bot):
    parent = fake.add_issue(REPO, 1, "Buy goods", FIXED, labels=["use-case"])
    deliver(bot, "opened", parent)
    child = fake.add_issue(REPO, 2, "Pay with a voucher", "Use case: #1", labels=["user-story"])
    deliver(bot, "opened", child)
    (before,) = lint_comments(fake, 1)
    parent["title"] = "Buy goods in the web shop"
    parent["body"] = FIXED.replace("Customer pays.", "Customer  pays.")  # spacing only
    writes = len(fake.log)
    deliver(bot, "edited", parent)
    assert suspect_stories(bot.runtime.db) == []
    assert lint_comments(fake, 1) == [before]
    assert [m for m, _, _ in fake.log[writes:] if m != "GET"] == []


def test_a_story_linked_after_the_change_is_not_suspect(fake, bot):
    parent = fake.add_issue(REPO, 1, "Buy goods", FIXED, labels=["use-case"])
    deliver(bot, "opened", parent)
    parent["body"] = REWORDED
    deliver(bot, "edited", parent)
    child = fake.add_issue(REPO, 2, "Pay with a voucher", "Use case: #1", labels=["user-story"])
    deliver(bot, "opened", child)
    assert "- #2 Pay with a voucher" in stories_list(fake)
    assert SUSPECT not in stories_list(fake)


def test_a_story_moved_to_another_use_case_is_not_suspect_there(fake, bot, linked):
    _, child = linked
    other = fake.add_issue(REPO, 3, "Return goods", FIXED, labels=["use-case"])
    deliver(bot, "opened", other)
    other["body"] = REWORDED
    deliver(bot, "edited", other)
    child["body"] = "Use case: #3"
    deliver(bot, "edited", child, sender=fake.bot_login)  # not a review: a new link
    assert "#2" not in lint_comments(fake, 1)[0]["body"]
    (listed,) = lint_comments(fake, 3)
    assert "- #2 Pay with a voucher" in listed["body"] and SUSPECT not in listed["body"]


def test_a_closed_story_is_marked_no_more(fake, bot, linked):
    _, child = linked
    child["state"] = "closed"
    deliver(bot, "closed", child)
    listed = stories_list(fake)
    assert "- #2 (closed) Pay with a voucher" in listed and SUSPECT not in listed


def test_help_lists_reviewed(fake, bot, linked):
    _, child = linked
    comment(bot, child, "/usecase help")
    (reply,) = [c for c in fake.comments_on(REPO, 2) if c["body"].startswith(REPLY)]
    assert "`/usecase reviewed`" in reply["body"]


# ---------------------------------------------------------------- Jira


STEPS = ["Employee submits an expense claim.", "Manager reviews the claim.",
         "Manager approves the claim."]


def _use_case_text(api_version: int, steps: list[str]):
    """A use case as Jira holds it: wiki markup on REST v2, an ADF document on v3."""
    if api_version == 2:
        return "*Primary actor:* Manager\n\nh3. Main success scenario\n" + "".join(
            f"# {step}\n" for step in steps)

    def para(text):
        return {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [
        para("Primary actor: Manager"),
        {"type": "heading", "attrs": {"level": 3},
         "content": [{"type": "text", "text": "Main success scenario"}]},
        {"type": "orderedList", "content": [
            {"type": "listItem", "content": [para(step)]} for step in steps]}]}


def _jira_linked(jira: Deployment):
    parent = jira.fake.add_issue("UC-1", "Approve an expense",
                                 _use_case_text(jira.api_version, STEPS))
    jira.deliver(jp.issue_event("jira:issue_created", parent))
    story = jira.fake.add_issue("UC-2", "Forward big claims", description(
        jira.api_version, "As a manager I want big claims forwarded.\n\nUse case: UC-1"),
        issue_type="Story")
    jira.deliver(jp.issue_event("jira:issue_created", story))
    jira.bot.drain()
    assert SUSPECT not in _jira_list(jira)
    reworded = [STEPS[0], "Manager reviews the claim and the receipt.", STEPS[2]]
    parent["fields"]["description"] = _use_case_text(jira.api_version, reworded)
    jira.deliver(jp.issue_event("jira:issue_updated", parent, changed=["description"]))
    jira.bot.drain()
    return parent, story


def _jira_list(jira: Deployment) -> str:
    (lint,) = jira.fake.comments_on("UC-1")
    return json.dumps(lint["body"], ensure_ascii=False)


def test_jira_a_changed_flow_marks_the_story_and_reviewed_clears_it(jira):
    _, story = _jira_linked(jira)
    assert SUSPECT in _jira_list(jira) and "UC-2" in _jira_list(jira)
    stranger = {"accountId": "5c5f-mallory", "name": "mallory", "displayName": "Mallory"}
    jira.deliver(jp.comment_created(story, "/usecase reviewed", author=stranger))
    jira.bot.drain()
    assert SUSPECT in _jira_list(jira)
    jira.deliver(jp.comment_created(story, "/usecase reviewed", comment_id="20002"))
    jira.bot.drain()
    assert SUSPECT not in _jira_list(jira)
    replies = [json.dumps(c["body"]) for c in jira.fake.comments_on("UC-2")]
    assert sum("Sorry Mallory" in r for r in replies) == 1
    assert sum("still matches UC-1" in r for r in replies) == 1


def test_jira_a_person_editing_the_story_clears_the_mark_and_the_bot_does_not(jira):
    _, story = _jira_linked(jira)
    jira.deliver(jp.issue_event("jira:issue_updated", story, changed=["labels"]))
    jira.deliver(jp.issue_event("jira:issue_updated", story, changed=["summary"],
                                user=jira.fake.bot))
    jira.bot.drain()
    assert SUSPECT in _jira_list(jira)
    story["fields"]["summary"] = "Forward large claims"
    jira.deliver(jp.issue_event("jira:issue_updated", story, changed=["summary"]))
    jira.bot.drain()
    assert SUSPECT not in _jira_list(jira)


def test_a_github_story_of_a_jira_use_case_is_marked_there_and_cleared_from_github(
        tmp_path, fake, monkeypatch):
    monkeypatch.setenv("USECASE_BOT_JIRA__API_VERSION", "2")
    jira = FakeJira("Server", check=jira_check()).start()
    parent = jira.add_issue("REQ-7", "Approve an expense", _use_case_text(2, STEPS))
    bot = BotUnderTest(tmp_path, fake, Settings(),
                       env={"JIRA_URL": jira.url, "JIRA_PAT": "p", "JIRA_WEBHOOK_TOKEN": "t"})
    try:
        bot.deliver_jira(jp.issue_event("jira:issue_created", parent), token="t")
        story = fake.add_issue(REPO, 4, "Forward big claims", "Parent: REQ-7",
                               labels=["user-story"])
        deliver(bot, "opened", story)
        parent["fields"]["description"] = _use_case_text(2, STEPS[:2])
        bot.deliver_jira(jp.issue_event("jira:issue_updated", parent, changed=["description"]),
                         token="t")
        bot.drain()
        (lint,) = jira.comments_on("REQ-7")
        assert f"{REPO}#4" in lint["body"] and SUSPECT in lint["body"]
        comment(bot, story, "/usecase reviewed")
        (lint,) = jira.comments_on("REQ-7")
        assert f"{REPO}#4" in lint["body"] and SUSPECT not in lint["body"]
        (reply,) = [c for c in fake.comments_on(REPO, 4) if c["body"].startswith(REPLY)]
        assert "still matches REQ-7" in reply["body"]
    finally:
        bot.stop()
        jira.stop()
    assert jira.violations == []


def test_reviewed_on_a_story_that_is_not_suspect_says_so_and_writes_nothing_else(fake, bot):
    parent = fake.add_issue(REPO, 1, "Buy goods", FIXED, labels=["use-case"])
    deliver(bot, "opened", parent)
    child = fake.add_issue(REPO, 2, "Pay with a voucher", "Use case: #1", labels=["user-story"])
    deliver(bot, "opened", child)
    (before,) = lint_comments(fake, 1)
    comment(bot, child, "/usecase reviewed")
    (reply,) = [c for c in fake.comments_on(REPO, 2) if c["body"].startswith(REPLY)]
    assert "whose flows have not changed" in reply["body"]
    assert lint_comments(fake, 1) == [before]
