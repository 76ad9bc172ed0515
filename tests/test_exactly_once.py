"""Every effect exactly once: a lost reply and its retry, a user's comment that looks like
the bot's, and two stories of one use case handled at the same moment by two workers."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests import github_payloads as gh
from tests import jira_payloads as jp
from tests.github_harness import FIXED, INCOMPLETE, LINT, REPO, lint_comments

# Nothing to say about it: no comment until a story is listed on it.
CLEAN = ("### Preconditions\n\nThe cart holds goods.\n\n### Trigger\n\nCustomer presses Buy."
         "\n\n" + FIXED + "\n### Success guarantee\n\nThe order is placed.\n")
JIRA_INCOMPLETE = """*Primary actor:* Manager

h3. Main success scenario
# Employee submits an expense claim.
# Manager approves the claim.
"""


def open_use_case(fake, bot, number=1, body=INCOMPLETE):
    issue = fake.add_issue(REPO, number, "Buy goods", body, labels=["use-case"])
    assert bot.deliver("issues", gh.issues("opened", REPO, issue)).status_code == 202
    return issue


def drain_with_retries(bot, rounds=5):
    for _ in range(rounds):
        bot.drain()
        bot.make_due()


def test_a_comment_whose_reply_was_lost_is_found_by_the_retry_not_made_twice(fake, bot):
    fake.lose_reply("POST", r"/issues/1/comments$")
    open_use_case(fake, bot)
    drain_with_retries(bot)
    assert [s for m, p, s in fake.log if m == "POST" and p.endswith("/1/comments")] == [502]
    (comment,) = lint_comments(fake)
    assert "missing-exception-flows" in comment["body"]
    assert "use-case:incomplete" in fake.labels_on(REPO, 1)
    assert bot.events()[0].status == "done"


def test_a_lost_reply_to_an_edit_then_a_retry_leaves_one_comment(fake, bot):
    issue = open_use_case(fake, bot)
    bot.drain()
    fake.lose_reply("PATCH", r"/issues/comments/\d+$")
    issue["body"] = FIXED
    bot.deliver("issues", gh.issues("edited", REPO, issue))
    drain_with_retries(bot)
    (comment,) = lint_comments(fake)
    assert "no errors" in comment["body"] or "all clear" in comment["body"]


def test_a_users_comment_that_starts_with_the_marker_is_never_adopted(fake, bot):
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    cid = fake.next_id()
    fake.comments[cid] = {"id": cid, "body": f"{LINT}\nI copied the bot's comment.",
                          "_repo": REPO, "_issue": 1, "user": {"login": "mallory", "id": 9}}
    issue["comments"] = 1
    bot.deliver("issues", gh.issues("opened", REPO, issue))
    bot.drain()
    assert fake.comments[cid]["body"] == f"{LINT}\nI copied the bot's comment."
    mine = [c for c in lint_comments(fake) if c["user"]["login"] == "usecase-bot"]
    assert len(mine) == 1 and "missing-exception-flows" in mine[0]["body"]


def run_workers(bot, count):
    """Drain the queue with `count` worker threads at once, as `worker.concurrency` does."""
    workers = [bot.runtime.worker() for _ in range(count)]
    errors: list[BaseException] = []

    def loop(worker):
        deadline = time.monotonic() + 30
        idle = 0
        try:
            while idle < 20 and time.monotonic() < deadline:
                if worker.run_once():
                    idle = 0
                else:
                    idle += 1
                    time.sleep(0.02)
        except BaseException as exc:  # reported to the test below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.parametrize("run", range(3))
def test_two_stories_of_one_use_case_handled_by_two_workers_give_one_current_parent_comment(
        fake, bot, run):
    # A clean use case has no comment yet: its first story's turn is what makes one.
    parent = fake.add_issue(REPO, 1, "Buy goods", CLEAN, labels=["use-case"])
    bot.deliver("issues", gh.issues("opened", REPO, parent))
    bot.drain()
    assert lint_comments(fake, 1) == []
    for number, title in ((2, "Pay by card"), (3, "Pay with a voucher")):
        story = fake.add_issue(REPO, number, title, "Use case: #1", labels=["user-story"])
        bot.deliver("issues", gh.issues("opened", REPO, story))
    run_workers(bot, 2)
    (comment,) = lint_comments(fake, 1)
    assert "- #2 Pay by card" in comment["body"]
    assert "- #3 Pay with a voucher" in comment["body"]
    assert sorted(fake.repos[REPO].sub_issues[1]) == sorted(
        fake.repos[REPO].issues[n]["id"] for n in (2, 3))
    assert {e.status for e in bot.events()} == {"done"}


# ------------------------------------------------------------------ Jira


@pytest.fixture
def jira(jira_dc):
    return jira_dc


def test_a_jira_comment_whose_reply_was_lost_is_found_by_the_retry_not_made_twice(jira):
    fake, bot = jira
    fake.lose_reply("POST", r"/issue/UC-1/comment$")
    issue = fake.add_issue("UC-1", "Approve an expense", JIRA_INCOMPLETE)
    bot.deliver_jira(jp.issue_event("jira:issue_created", issue), token="t")
    drain_with_retries(bot)
    (comment,) = fake.comments_on("UC-1")
    assert "missing-exception-flows" in comment["body"]
    assert fake.properties[("UC-1", "usecase-bot")] == {"lint_comment_id": comment["id"]}
    assert "use-case-incomplete" in fake.labels_on("UC-1")


def test_a_lost_jira_reply_is_found_below_a_first_page_of_other_comments(jira):
    fake, bot = jira
    issue = fake.add_issue("UC-1", "Approve an expense", JIRA_INCOMPLETE)
    people = {"name": "alice", "displayName": "Alice"}
    fake.comments["UC-1"] = [{**fake._comment_json("UC-1", str(n), f"Remark {n}"),
                              "author": people} for n in range(1, 131)]
    fake.lose_reply("POST", r"/issue/UC-1/comment$")
    bot.deliver_jira(jp.issue_event("jira:issue_created", issue), token="t")
    drain_with_retries(bot)
    ours = [c for c in fake.comments_on("UC-1") if c["author"] != people]
    assert len(ours) == 1 and "missing-exception-flows" in ours[0]["body"]


def test_a_jira_users_comment_carrying_the_marker_is_never_adopted(jira):
    fake, bot = jira
    issue = fake.add_issue("UC-1", "Approve an expense", JIRA_INCOMPLETE)
    fake.comments["UC-1"] = [{"id": "5", "body": "_usecase-bot:lint_ copied",
                              "author": {"accountId": "5c5f-alice", "name": "alice"}}]
    bot.deliver_jira(jp.issue_event("jira:issue_created", issue), token="t")
    bot.drain()
    user, mine = fake.comments_on("UC-1")
    assert user["body"] == "_usecase-bot:lint_ copied"
    assert "missing-exception-flows" in json.dumps(mine["body"])


def test_a_clean_jira_use_case_asks_only_the_property_and_writes_nothing(jira):
    fake, bot = jira
    clean = CLEAN.replace("### ", "h3. ")
    issue = fake.add_issue("UC-1", "Buy goods", clean)
    bot.deliver_jira(jp.issue_event("jira:issue_created", issue), token="t")
    bot.drain()
    assert fake.writes() == [] and fake.comments_on("UC-1") == []
    paths = [p for _, p, _ in fake.log]
    assert "/rest/api/2/issue/UC-1/properties/usecase-bot" in paths
    assert "/rest/api/2/issue/UC-1/comment" not in paths


def test_a_jira_issue_link_whose_reply_was_lost_is_not_made_twice(jira):
    fake, bot = jira
    use_case = fake.add_issue("UC-1", "Approve an expense", JIRA_INCOMPLETE)
    bot.deliver_jira(jp.issue_event("jira:issue_created", use_case), token="t")
    bot.drain()
    fake.lose_reply("POST", r"/issueLink$")
    story = fake.add_issue("UC-2", "Forward big claims", "Use case: UC-1", issue_type="Story")
    bot.deliver_jira(jp.issue_event("jira:issue_created", story), token="t")
    drain_with_retries(bot)
    assert fake.links == [{"type": "Relates", "inward": "UC-2", "outward": "UC-1"}]
    assert "UC-2 Forward big claims" in fake.comments_on("UC-1")[0]["body"]
