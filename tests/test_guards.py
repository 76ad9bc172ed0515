"""Who may command the bot and how much one comment may ask, on both trackers; comments
that stay within the trackers' limits; the Jira project filter on link events."""

from __future__ import annotations

import json

import pytest

from tests import github_payloads as gh
from tests import jira_payloads as jp
from tests.github_harness import INCOMPLETE, REPO, lint_comments

REPLY = "<!-- usecase-bot:reply -->"
# 1,600 extensions of steps the main flow does not have: 1,602 findings.
HUGE = ("### Primary actor\n\nCustomer\n\n### Main success scenario\n\n1. Customer pays.\n"
        "2. System confirms.\n\n### Extensions\n\n"
        + "".join(f"{n}a. Card declined.\n" for n in range(100, 1700)))


def opened(fake, bot, body=INCOMPLETE):
    issue = fake.add_issue(REPO, 1, "Buy goods", body, labels=["use-case"])
    assert bot.deliver("issues", gh.issues("opened", REPO, issue)).status_code == 202
    bot.drain()
    return issue


def comment(bot, issue, body, user="alice"):
    payload = gh.issue_comment("created", REPO, issue, body, user=user, association="NONE")
    assert bot.deliver("issue_comment", payload).status_code == 202
    bot.drain()


def replies(fake):
    return [c for c in fake.comments_on(REPO, 1) if c["body"].startswith(REPLY)]


def test_commands_run_one_per_line(fake, bot):
    issue = opened(fake, bot)
    comment(bot, issue, "/usecase check\n/usecase ignore missing-exception-flows\n")
    (lint,) = lint_comments(fake)
    assert "Ignored on this issue: `missing-exception-flows`" in lint["body"]
    assert "use-case:incomplete" not in fake.labels_on(REPO, 1)
    assert replies(fake) == []


def test_fifty_commands_in_one_comment_get_one_reply_and_only_ten_run(fake, bot):
    issue = opened(fake, bot)
    comment(bot, issue, "\n".join(f"/usecase ignore no-such-rule-{n}" for n in range(50)))
    (reply,) = replies(fake)
    assert reply["body"].count("There is no rule") == 10
    assert "40 more were left alone" in reply["body"]


def test_a_reply_whose_answer_was_lost_is_not_posted_again(fake, bot):
    issue = opened(fake, bot)
    fake.lose_reply("POST", r"/issues/1/comments$")
    comment(bot, issue, "/usecase help")
    for _ in range(3):
        bot.make_due()
        bot.drain()
    (reply,) = replies(fake)
    assert "usecase-bot commands" in reply["body"]
    assert [e.status for e in bot.events()] == ["done", "done"]


@pytest.mark.parametrize(("role", "obeyed"), [("triage", True), ("maintain", True),
                                              ("write", True), ("read", False)])
def test_github_commands_follow_the_collaborator_permission(fake, bot, role, obeyed):
    issue = opened(fake, bot)
    fake.roles["carol"] = role
    comment(bot, issue, "/usecase ignore missing-exception-flows\n/usecase help", user="carol")
    (reply,) = replies(fake)
    assert ("Sorry carol" in reply["body"]) is not obeyed
    assert ("use-case:incomplete" in fake.labels_on(REPO, 1)) is not obeyed
    asked = [p for m, p, _ in fake.log if "/collaborators/" in p]
    assert asked == [f"/repos/{REPO}/collaborators/carol/permission"]


def test_a_use_case_with_1600_findings_gets_a_summary_within_githubs_limit(fake, bot):
    opened(fake, bot, HUGE)
    (lint,) = lint_comments(fake)
    assert len(lint["body"]) <= 65_536
    assert "`dangling-extension-ref`: 1600 findings" in lint["body"]
    assert "more" in lint["body"] and "`step-count`" in lint["body"]
    assert "use-case:incomplete" in fake.labels_on(REPO, 1)
    assert bot.events()[0].status == "done"


# ------------------------------------------------------------------ Jira


@pytest.fixture
def jira_projects(monkeypatch):
    monkeypatch.setenv("USECASE_BOT_JIRA__PROJECTS", '["UC"]')


@pytest.fixture
def jira(jira_projects, jira_dc):
    return jira_dc


JIRA_INCOMPLETE = INCOMPLETE.replace("###", "h3.")


def jira_opened(fake, bot, key="UC-1", body=JIRA_INCOMPLETE):
    issue = fake.add_issue(key, "Buy goods", body)
    assert bot.deliver_jira(jp.issue_event("jira:issue_created", issue), token="t") \
        .status_code == 202
    bot.drain()
    return issue


def test_a_jira_stranger_is_refused_once_and_changes_nothing(jira):
    fake, bot = jira
    issue = jira_opened(fake, bot)
    stranger = {"accountId": "x-mallory", "name": "mallory", "displayName": "Mallory"}
    bot.deliver_jira(jp.comment_created(issue, "/usecase ignore missing-exception-flows\n"
                                               "/usecase check", author=stranger), token="t")
    bot.drain()
    lint, refusal = fake.comments_on("UC-1")
    assert "Sorry Mallory" in refusal["body"]
    assert "use-case-incomplete" in fake.labels_on("UC-1")
    assert "Ignored" not in json.dumps(lint["body"])


def test_a_jira_editor_is_obeyed(jira):
    fake, bot = jira
    issue = jira_opened(fake, bot)
    bot.deliver_jira(jp.comment_created(issue, "/usecase ignore missing-exception-flows"),
                     token="t")
    bot.drain()
    (lint,) = fake.comments_on("UC-1")
    assert "Ignored on this issue" in lint["body"]
    assert "use-case-incomplete" not in fake.labels_on("UC-1")
    asked = [p for m, p, _ in fake.log if p.endswith("/user/permission/search")]
    assert len(asked) == 1


def test_a_jira_link_between_issues_of_another_project_writes_nothing(jira):
    fake, bot = jira
    use_case = fake.add_issue("OTHER-1", "Buy goods", JIRA_INCOMPLETE)
    story = fake.add_issue("OTHER-2", "Pay", "Use case: OTHER-1", issue_type="Story")
    before = len(fake.log)
    bot.deliver_jira(jp.issuelink("issuelink_created", 1, story, use_case), token="t")
    bot.drain()
    assert fake.writes()[before:] == [] and fake.comments == {}
    assert [m for m, _, _ in fake.calls(before)] in ([], ["GET", "GET", "GET"])


def test_a_jira_link_is_reconciled_under_the_issues_keys(jira):
    fake, bot = jira
    use_case = jira_opened(fake, bot)
    story = fake.add_issue("UC-2", "Pay", "A story", issue_type="Story")
    bot.deliver_jira(jp.issuelink("issuelink_created", 1, story, use_case), token="t")
    bot.drain()
    keys = [e.issue_key for e in bot.events()]
    link = next(i for i, k in enumerate(keys) if k.startswith("jira:id:"))
    assert {"jira:UC-1", "jira:UC-2"} <= set(keys[link + 1:])
    (lint,) = fake.comments_on("UC-1")
    assert "UC-2 Pay" in lint["body"]


def test_a_jira_use_case_with_1600_findings_gets_a_summary_within_jiras_limit(jira):
    fake, bot = jira
    huge = HUGE.replace("### ", "h3. ")
    jira_opened(fake, bot, body=huge)
    (lint,) = fake.comments_on("UC-1")
    assert len(lint["body"]) <= 32_767
    assert "and " in lint["body"] and "more" in lint["body"]
