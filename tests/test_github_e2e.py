"""GitHub end to end: signed deliveries to the real server, the worker, PyGithub against the
fake GitHub, and what GitHub ends up holding."""

from __future__ import annotations

import json

import pytest
import requests

from tests import github_payloads as gh
from tests.github_harness import FIXED, INCOMPLETE, REPO, BotUnderTest, lint_comments


def open_use_case(fake, bot, body=INCOMPLETE, number=1):
    issue = fake.add_issue(REPO, number, "Buy goods", body, labels=["use-case"])
    assert bot.deliver("issues", gh.issues("opened", REPO, issue)).status_code == 202
    bot.drain()
    return issue


# ------------------------------------------------------------------ receiving


def test_a_new_incomplete_use_case_gets_one_comment_and_the_label(fake, bot):
    open_use_case(fake, bot)
    (comment,) = lint_comments(fake)
    assert "missing-exception-flows" in comment["body"]
    assert "To fix:" in comment["body"]
    assert "use-case:incomplete" in fake.labels_on(REPO, 1)
    writes = [(m, p) for m, p, _ in fake.writes()]
    assert writes == [
        ("POST", f"/repos/{REPO}/issues/1/comments"),
        ("POST", f"/repos/{REPO}/labels"),
        ("POST", f"/repos/{REPO}/issues/1/labels"),
    ]
    assert [p for m, p, _ in fake.log if m == "GET"] == [
        f"/repos/{REPO}/contents/.github/usecase-bot.yml",  # the team's own file: none
        "/user",  # who the bot is, once: only its own comments are ever adopted
        f"/repos/{REPO}/issues/1/comments",  # before creating: has it written one already?
        f"/repos/{REPO}/labels",
    ]


def test_the_second_use_case_in_a_repository_costs_one_look_one_comment_and_one_label(fake, bot):
    open_use_case(fake, bot)
    before = len(fake.log)
    open_use_case(fake, bot, number=2)
    assert [(m, p) for m, p, _ in fake.calls(before)] == [
        ("GET", f"/repos/{REPO}/issues/2/comments"),
        ("POST", f"/repos/{REPO}/issues/2/comments"),
        ("POST", f"/repos/{REPO}/issues/2/labels"),
    ]


def test_opened_and_labeled_at_the_same_instant_give_one_comment(fake, bot):
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    assert bot.deliver("issues", gh.issues("opened", REPO, issue)).status_code == 202
    labeled = gh.issues("labeled", REPO, issue, label="use-case")
    assert bot.deliver("issues", labeled).status_code == 202
    assert bot.drain() == 2
    assert len(lint_comments(fake)) == 1
    assert fake.labels_on(REPO, 1).count("use-case:incomplete") == 1


def test_an_edit_that_changes_nothing_costs_no_call(fake, bot):
    issue = open_use_case(fake, bot)
    before = len(fake.log)
    issue["body"] = INCOMPLETE + "\nA note that changes no finding.\n"
    bot.deliver("issues", gh.issues("edited", REPO, issue))
    bot.drain()
    assert fake.calls(before) == []


def test_a_fixed_use_case_gets_its_comment_edited_and_the_label_removed(fake, bot):
    issue = open_use_case(fake, bot)
    (comment,) = lint_comments(fake)
    issue["body"] = FIXED
    bot.deliver("issues", gh.issues("edited", REPO, issue))
    bot.drain()
    (edited,) = lint_comments(fake)
    assert edited["id"] == comment["id"]
    assert "no errors" in edited["body"] or "all clear" in edited["body"]
    assert "use-case:incomplete" not in fake.labels_on(REPO, 1)


def test_a_redelivery_is_a_duplicate_and_is_not_processed_twice(fake, bot):
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    payload = gh.issues("opened", REPO, issue)
    first = bot.deliver("issues", payload, delivery="d-1")
    assert first.status_code == 202
    assert first.json() == {"status": "queued", "delivery": "d-1"}
    again = bot.deliver("issues", payload, delivery="d-1")
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert bot.drain() == 1
    assert len(bot.events()) == 1


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_a_missing_or_wrong_signature_is_refused_and_nothing_is_stored(fake, bot, signature):
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    answer = bot.deliver("issues", gh.issues("opened", REPO, issue), signature=signature)
    assert answer.status_code == 401
    assert "error" in answer.json()
    assert bot.events() == []


def test_bad_requests_get_clear_json_errors(fake, bot):
    assert bot.deliver("issues", b"{not json").status_code == 400
    assert bot.deliver("issues", b"[1, 2]").status_code == 400
    assert bot.deliver("", b"{}").status_code == 400
    huge = b'{"a": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    answer = bot.deliver("issues", huge)
    assert answer.status_code == 413 and "error" in answer.json()
    assert bot.events() == []


def test_ping_and_unhandled_events(fake, bot):
    assert bot.deliver("ping", {"zen": "Keep it simple.", "hook_id": 1}).status_code == 200
    ignored = bot.deliver("star", {"action": "created", "repository": {"full_name": REPO}})
    assert (ignored.status_code, ignored.json()) == (202, {"status": "ignored"})
    assert bot.events() == []


def test_without_a_secret_the_endpoint_refuses_everything(tmp_path, fake, settings):
    closed = BotUnderTest(tmp_path, fake, settings, secret=None)
    try:
        answer = closed.deliver("ping", {"zen": "x"})
        assert answer.status_code == 503
        assert "GITHUB_WEBHOOK_SECRET" in answer.json()["error"]
    finally:
        closed.stop()


def test_form_encoded_deliveries_are_read(fake, bot):
    from urllib.parse import urlencode

    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    body = urlencode({"payload": json.dumps(gh.issues("opened", REPO, issue))}).encode()
    answer = bot.deliver("issues", body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 202


def test_rotated_secrets_are_all_accepted(tmp_path, fake, settings):
    from tests.github_harness import sign

    rotating = BotUnderTest(tmp_path, fake, settings, secret="old-secret, new-secret")
    try:
        body = json.dumps({"zen": "x"}).encode()
        for secret in ("old-secret", "new-secret"):
            assert rotating.deliver("ping", body, signature=sign(body, secret)).status_code == 200
        assert rotating.deliver("ping", body, signature=sign(body, "other")).status_code == 401
    finally:
        rotating.stop()


# ------------------------------------------------------------------ failures and retries


def test_server_errors_are_retried_and_still_one_comment(fake, bot):
    fake.fail_next("POST", r"/issues/1/comments$", 500, times=2)
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    bot.deliver("issues", gh.issues("opened", REPO, issue))
    for _ in range(3):
        bot.drain()
        bot.make_due()
    assert len(lint_comments(fake)) == 1
    (event,) = bot.events()
    assert (event.status, event.attempts) == ("done", 3)


def test_a_rate_limit_waits_until_the_reset_github_gives(fake, bot):
    import time

    reset = int(time.time()) + 120
    fake.fail_next("POST", r"/issues/1/comments$", 403,
                   headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    bot.deliver("issues", gh.issues("opened", REPO, issue))
    bot.drain()
    (event,) = bot.events()
    assert event.status == "pending" and event.attempts == 1
    waits = (event.next_attempt_at - event.received_at).total_seconds()
    assert 100 <= waits <= 130
    bot.make_due()
    bot.drain()
    assert len(lint_comments(fake)) == 1
    assert bot.events()[0].status == "done"


def test_retry_after_is_honoured(fake, bot):
    fake.fail_next("POST", r"/issues/1/comments$", 429, headers={"Retry-After": "42"})
    open_use_case(fake, bot)
    (event,) = bot.events()
    waits = (event.next_attempt_at - event.received_at).total_seconds()
    assert 41 <= waits <= 50


def test_an_event_github_will_never_accept_is_dead_at_once_and_visible(fake, bot):
    fake.fail_next("POST", r"/issues/1/comments$", 422, times=100)
    open_use_case(fake, bot)
    (event,) = bot.events()
    assert (event.status, event.attempts) == ("dead", 1)
    assert "422" in event.last_error
    health = requests.get(f"{bot.url}/healthz", timeout=5).json()
    assert health["status"] == "ok" and health["queue"]["failed"] >= 1
    metrics = requests.get(f"{bot.url}/metrics", timeout=5).text
    assert 'usecase_bot_queue_depth{state="dead"} 1.0' in metrics
    assert "usecase_bot_events_dead_total" in metrics


def test_the_bots_own_comment_event_is_ignored(fake, bot):
    issue = open_use_case(fake, bot)
    (comment,) = lint_comments(fake)
    before = len(fake.log)
    own = gh.issue_comment("created", REPO, issue, comment["body"], user="usecase-bot",
                           association="NONE", comment_id=comment["id"])
    bot.deliver("issue_comment", own)
    bot.drain()
    assert fake.calls(before) == []


def run_with_a_lost_database(tmp_path, fake, settings, before):
    """Open a use case with one bot, then edit it (fixed) with a second bot and new database."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = BotUnderTest(tmp_path / "a", fake, settings)
    try:
        issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
        before()
        first.deliver("issues", gh.issues("opened", REPO, issue))
        first.drain()
    finally:
        first.stop()
    issue["comments"] = len(fake.comments_on(REPO, 1))
    issue["body"] = FIXED
    second = BotUnderTest(tmp_path / "b", fake, settings)
    try:
        second.deliver("issues", gh.issues("edited", REPO, issue))
        second.drain()
    finally:
        second.stop()
    (comment,) = lint_comments(fake)
    assert "all clear" in comment["body"] or "no errors" in comment["body"]


def test_a_lost_database_finds_the_comment_again_by_its_marker(tmp_path, fake, settings):
    run_with_a_lost_database(tmp_path, fake, settings, lambda: None)


def test_the_marker_is_found_on_a_later_page_of_comments(tmp_path, fake, settings):
    fake.per_page = 5

    def human_comments():
        for n in range(12):
            cid = fake.next_id()
            fake.comments[cid] = {"id": cid, "body": f"human comment {n}", "_repo": REPO,
                                  "_issue": 1, "user": {"login": "alice", "id": 3}}

    run_with_a_lost_database(tmp_path, fake, settings, human_comments)
    pages = [p for m, p, _ in fake.log if m == "GET" and p.endswith("/issues/1/comments")]
    assert len(pages) == 6  # each bot reads the three pages once, before it writes


# ------------------------------------------------------------------ health and metrics


def test_healthz_and_metrics(fake, bot):
    open_use_case(fake, bot)
    health = requests.get(f"{bot.url}/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    assert health.json()["queue"] == {"pending": 0, "failed": 0, "dead": 0}
    text = requests.get(f"{bot.url}/metrics", timeout=5).text
    assert 'usecase_bot_events_received_total{event="issues",tracker="github"} 1.0' in text
    assert 'usecase_bot_events_processed_total{event="issues",tracker="github"} 1.0' in text
    assert 'usecase_bot_tracker_api_calls_total{method="POST",status="ok",tracker="github"}' \
        in text
    assert "usecase_bot_processing_seconds_bucket" in text


def test_healthz_is_503_when_the_database_is_gone(tmp_path, fake, settings):
    import shutil

    home = tmp_path / "db"
    home.mkdir()
    doomed = BotUnderTest(home, fake, settings)
    try:
        shutil.rmtree(home)
        doomed.runtime.db.engine.dispose()
        answer = requests.get(f"{doomed.url}/healthz", timeout=5)
        assert answer.status_code == 503
        assert answer.json()["database"] == "unreachable"
    finally:
        doomed.stop()
