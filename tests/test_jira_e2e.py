"""Jira end to end, as Cloud (REST v3, ADF, email + API token, signed webhooks) and as
Data Center (REST v2, wiki markup, personal access token, URL token): real server, real
worker, python-jira against the fake Jira, and what Jira ends up holding."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from bot.config import Settings
from tests import jira_payloads as jp
from tests.fake_jira import FakeJira, jira_check
from tests.github_harness import BotUnderTest

SECRET = "jira-webhook-secret"
TOKEN = "jira-url-token"
INCOMPLETE = """h2. Use case: Approve an expense

*Primary actor:* Manager

h3. Main success scenario
# Employee submits an expense claim.
# Manager reviews the claim.
# Manager approves the claim.
"""
FIXED = INCOMPLETE + """
h3. Extensions
* 3a. The claim exceeds the manager's limit:
** 3a1. System forwards the claim to the director.
** 3a2. Use case ends.
"""


@dataclass
class Deployment:
    name: str
    fake: FakeJira
    bot: BotUnderTest
    api_version: int

    def deliver(self, payload, **kw):
        if self.name == "Cloud":
            return self.bot.deliver_jira(payload, secret=SECRET, **kw)
        return self.bot.deliver_jira(payload, token=TOKEN, **kw)


def description(api_version: int, wiki: str):
    """As Jira holds it: wiki markup on REST v2; on v3 an ADF document."""
    if api_version == 2:
        return wiki
    lines = [ln for ln in wiki.splitlines() if ln.strip()]
    return {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": ln}]} for ln in lines]}


@pytest.fixture(params=["Cloud", "Server"])
def jira(request, tmp_path, monkeypatch, database_url):
    cloud = request.param == "Cloud"
    fake = FakeJira(request.param, check=jira_check()).start()
    monkeypatch.setenv("USECASE_BOT_JIRA__API_VERSION", "3" if cloud else "2")
    env = {"JIRA_URL": fake.url, "DATABASE_URL": database_url}
    if cloud:
        env.update(JIRA_EMAIL="bot@example.test", JIRA_API_TOKEN="atlassian-token",
                   JIRA_WEBHOOK_SECRET=SECRET)
    else:
        env.update(JIRA_PAT="dc-personal-token", JIRA_WEBHOOK_TOKEN=TOKEN)
    bot = BotUnderTest(tmp_path, None, Settings(), secret=None, env=env)
    yield Deployment(request.param, fake, bot, 3 if cloud else 2)
    bot.stop()
    fake.stop()
    assert fake.violations == [], "requests Jira does not document"


def use_case(d: Deployment, key="UC-1", body=INCOMPLETE):
    issue = d.fake.add_issue(key, "Approve an expense", body, labels=[])
    assert d.deliver(jp.issue_event("jira:issue_created", issue)).status_code == 202
    d.bot.drain()
    return issue


def test_a_new_incomplete_use_case_gets_one_comment_in_its_markup_and_the_label(jira):
    use_case(jira)
    (comment,) = jira.fake.comments_on("UC-1")
    if jira.api_version == 3:
        assert comment["body"]["type"] == "doc"
        assert "missing-exception-flows" in json.dumps(comment["body"])
    else:
        assert "{{missing-exception-flows}}" in comment["body"]
    assert jira.fake.labels_on("UC-1") == ["use-case-incomplete"]
    assert jira.fake.properties[("UC-1", "usecase-bot")] == {"lint_comment_id": comment["id"]}
    auth = jira.fake.auth_headers[-1]
    assert auth.startswith("Basic ") if jira.name == "Cloud" else auth == "Bearer dc-personal-token"
    writes = [(m, p.split("/api/")[1]) for m, p, _ in jira.fake.writes()]
    v = jira.api_version
    assert writes == [("POST", f"{v}/issue/UC-1/comment"),
                      ("PUT", f"{v}/issue/UC-1/properties/usecase-bot"),
                      ("PUT", f"{v}/issue/UC-1")]


def test_an_update_of_a_field_the_bot_does_not_read_costs_nothing(jira):
    issue = use_case(jira)
    answer = jira.deliver(jp.issue_event("jira:issue_updated", issue, changed=["assignee"]))
    assert (answer.status_code, answer.json()) == (202, {"status": "ignored"})
    before = len(jira.fake.log)
    issue["fields"]["description"] = INCOMPLETE + "\nA sentence that changes no finding.\n"
    jira.deliver(jp.issue_event("jira:issue_updated", issue, changed=["description"],
                                at=1700000000500))
    jira.bot.drain()
    assert jira.fake.calls(before) == []


def test_a_fixed_use_case_gets_its_comment_edited_and_the_label_removed(jira):
    issue = use_case(jira)
    (comment,) = jira.fake.comments_on("UC-1")
    issue["fields"]["description"] = FIXED
    jira.deliver(jp.issue_event("jira:issue_updated", issue, changed=["description"]))
    jira.bot.drain()
    (edited,) = jira.fake.comments_on("UC-1")
    assert edited["id"] == comment["id"]
    assert "no errors" in json.dumps(edited["body"]) or "all clear" in json.dumps(edited["body"])
    assert jira.fake.labels_on("UC-1") == []


def test_jira_retries_keep_the_identifier_and_are_duplicates(jira):
    issue = jira.fake.add_issue("UC-1", "Approve an expense", INCOMPLETE)
    payload = jp.issue_event("jira:issue_created", issue)
    assert jira.deliver(payload, identifier="w-1").status_code == 202
    again = jira.deliver(payload, identifier="w-1")
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})


def test_without_the_identifier_the_event_issue_and_time_deduplicate(jira):
    issue = jira.fake.add_issue("UC-1", "Approve an expense", INCOMPLETE)
    body = json.dumps(jp.issue_event("jira:issue_created", issue)).encode()
    from tests.github_harness import sign

    def send():
        import requests

        headers = {"Content-Type": "application/json"}
        params = {}
        if jira.name == "Cloud":
            headers["X-Hub-Signature"] = sign(body, SECRET)
        else:
            params["token"] = TOKEN
        return requests.post(f"{jira.bot.url}/webhooks/jira", data=body, headers=headers,
                             params=params, timeout=5)

    assert send().status_code == 202
    assert send().json() == {"status": "duplicate"}


def test_bad_credentials_are_refused_and_nothing_is_stored(jira):
    issue = jira.fake.add_issue("UC-1", "Approve an expense", INCOMPLETE)
    payload = jp.issue_event("jira:issue_created", issue)
    assert jira.bot.deliver_jira(payload, secret="wrong").status_code == 401
    assert jira.bot.deliver_jira(payload, token="wrong").status_code == 401
    assert jira.bot.deliver_jira(payload).status_code == 401
    assert jira.bot.events() == []


def test_without_secret_or_token_the_endpoint_answers_503(tmp_path):
    closed = BotUnderTest(tmp_path, None, Settings(), secret=None)
    try:
        answer = closed.deliver_jira({"webhookEvent": "jira:issue_created"})
        assert answer.status_code == 503 and "JIRA_WEBHOOK" in answer.json()["error"]
    finally:
        closed.stop()


def test_server_errors_and_rate_limits_are_retried_and_still_one_comment(jira):
    jira.fake.fail_next("POST", r"/issue/UC-1/comment$", 500)
    jira.fake.fail_next("POST", r"/issue/UC-1/comment$", 429, headers={"Retry-After": "30"})
    use_case(jira)
    jira.bot.make_due()
    jira.bot.drain()
    (event,) = jira.bot.events()
    waits = (event.next_attempt_at - event.received_at).total_seconds()
    assert event.status == "pending" and 29 <= waits <= 40
    jira.bot.make_due()
    jira.bot.drain()
    assert len(jira.fake.comments_on("UC-1")) == 1
    assert jira.bot.events()[0].status == "done"


def test_the_bots_own_comment_event_is_ignored(jira):
    issue = use_case(jira)
    (comment,) = jira.fake.comments_on("UC-1")
    before = len(jira.fake.log)
    own = jp.comment_created(issue, comment["body"], author=jira.fake.bot,
                             comment_id=comment["id"])
    jira.deliver(own)
    jira.bot.drain()
    assert jira.fake.calls(before) == []


def test_a_story_is_linked_to_its_use_case_once(jira):
    use_case(jira, body=FIXED)
    story = jira.fake.add_issue("UC-2", "Forward big claims", description(
        jira.api_version, "As a manager I want big claims forwarded.\n\nUse case: UC-1"),
        issue_type="Story")
    jira.deliver(jp.issue_event("jira:issue_created", story))
    jira.bot.drain()
    assert jira.fake.links == [{"type": "Relates", "inward": "UC-2", "outward": "UC-1"}]
    story["fields"]["summary"] = "Forward large claims"
    jira.deliver(jp.issue_event("jira:issue_updated", story, changed=["summary"]))
    jira.bot.drain()
    assert len(jira.fake.links) == 1
    (comment,) = jira.fake.comments_on("UC-1")
    assert "UC-2" in json.dumps(comment["body"])


def test_a_jira_story_naming_a_github_use_case_gets_a_remote_link(jira):
    story = jira.fake.add_issue("UC-3", "Pay by card", description(
        jira.api_version, "Implements acme/shop#12"), issue_type="Story")
    jira.deliver(jp.issue_event("jira:issue_created", story))
    jira.bot.drain()
    (remote,) = jira.fake.remote_links["UC-3"]
    assert remote["object"]["url"] == "https://github.com/acme/shop/issues/12"


def test_a_missing_link_type_is_a_clear_error(jira):
    jira.fake.link_type_names = ["Blocks"]
    use_case(jira, body=FIXED)
    story = jira.fake.add_issue("UC-2", "Forward", "Use case: UC-1", issue_type="Story")
    jira.deliver(jp.issue_event("jira:issue_created", story))
    jira.bot.drain()
    event = jira.bot.events()[-1]
    assert event.status == "dead"
    assert "jira.link_type 'Relates' does not exist" in event.last_error


def test_commands_in_comments(jira):
    issue = use_case(jira)
    jira.deliver(jp.comment_created(issue, "/usecase ignore missing-exception-flows"))
    jira.bot.drain()
    (comment,) = jira.fake.comments_on("UC-1")
    assert "missing-exception-flows" in json.dumps(comment["body"])
    assert "Ignored on this issue" in json.dumps(comment["body"])
    assert jira.fake.labels_on("UC-1") == []


def test_an_unreachable_jira_delays_events_and_never_stops_the_endpoint(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    bot = BotUnderTest(tmp_path, None, Settings(), secret=None, env={
        "JIRA_URL": f"http://127.0.0.1:{closed_port}", "JIRA_PAT": "pat",
        "JIRA_WEBHOOK_TOKEN": TOKEN})
    try:
        issue = {"id": "1", "key": "UC-1", "self": "x", "fields": {
            "summary": "s", "description": INCOMPLETE, "labels": [],
            "issuetype": {"name": "Use Case"}, "project": {"key": "UC"}}}
        answer = bot.deliver_jira(jp.issue_event("jira:issue_created", issue), token=TOKEN)
        assert answer.status_code == 202
        bot.drain()
        (event,) = bot.events()
        assert event.status == "pending" and "unreachable" in event.last_error
    finally:
        bot.stop()


def test_a_link_made_by_hand_in_jira_lists_the_story_on_the_use_case(jira):
    parent = use_case(jira, body=FIXED)
    story = jira.fake.add_issue("UC-5", "Approve on mobile", "no reference", issue_type="Story")
    jira.deliver(jp.issuelink("issuelink_created", 501, story, parent))
    jira.bot.drain()
    (comment,) = jira.fake.comments_on("UC-1")
    assert "UC-5" in json.dumps(comment["body"])
    jira.deliver(jp.issuelink("issuelink_deleted", 501, story, parent, at=1700000000900))
    jira.bot.drain()
    (comment,) = jira.fake.comments_on("UC-1")
    assert "UC-5" not in json.dumps(comment["body"])


def test_a_lost_database_finds_the_comment_through_the_issue_property(jira, tmp_path):
    issue = use_case(jira)
    jira.bot.stop()
    fresh_home = tmp_path / "fresh"
    fresh_home.mkdir()
    env = {"JIRA_URL": jira.fake.url, "JIRA_PAT": "p", "JIRA_EMAIL": "a@b",
           "JIRA_API_TOKEN": "t", "JIRA_WEBHOOK_SECRET": SECRET, "JIRA_WEBHOOK_TOKEN": TOKEN}
    if jira.name == "Cloud":
        del env["JIRA_PAT"]
    jira.bot = BotUnderTest(fresh_home, None, Settings(), secret=None, env=env)
    issue["fields"]["description"] = FIXED
    jira.deliver(jp.issue_event("jira:issue_updated", issue, changed=["description"]))
    jira.bot.drain()
    (comment,) = jira.fake.comments_on("UC-1")
    assert "all clear" in json.dumps(comment["body"]) or "no errors" in json.dumps(
        comment["body"])


def test_a_story_that_names_another_use_case_leaves_the_first_ones_list(jira):
    use_case(jira, "UC-1", body=FIXED)
    use_case(jira, "UC-4", body=FIXED)
    story = jira.fake.add_issue("UC-2", "Forward", description(jira.api_version,
                                "Use case: UC-1"), issue_type="Story")
    jira.deliver(jp.issue_event("jira:issue_created", story))
    jira.bot.drain()
    story["fields"]["description"] = description(jira.api_version, "Use case: UC-4")
    jira.deliver(jp.issue_event("jira:issue_updated", story, changed=["description"]))
    jira.bot.drain()
    assert "UC-2" not in json.dumps(jira.fake.comments_on("UC-1")[0]["body"])
    assert "UC-2" in json.dumps(jira.fake.comments_on("UC-4")[0]["body"])
