"""The webhook endpoints against payloads of every wrong shape: each is a 400 or an ignored
202, never a 5xx, logged as one line that quotes nothing of the payload. And GitHub's
Redeliver of a dead delivery (or Jira's retry of one) queues it again."""

from __future__ import annotations

import json
import logging

import pytest

from bot.config import Settings
from tests import github_payloads as gh
from tests import jira_payloads as jp
from tests.github_harness import INCOMPLETE, REPO, BotUnderTest, lint_comments

MARK = "PAYLOAD-MARK-7f3a"
TOKEN = "jira-url-token"


def github_issue(number=1):
    return {"number": number, "id": 77, "title": MARK, "body": MARK, "labels": [],
            "state": "open", "comments": 0, "user": {"login": "alice"}}


def good_github():
    return gh.issues("opened", REPO, github_issue())


def changed(**fields):
    payload = good_github()
    payload.update(fields)
    return payload


GITHUB_SHAPES = {
    "action as a list": changed(action=["opened"]),
    "action as an object": changed(action={"name": "opened"}),
    "issue as a string": changed(issue=MARK),
    "number as a boolean": changed(issue={**github_issue(), "number": True}),
    "number as a string": changed(issue={**github_issue(), "number": "1"}),
    "repository as a string": changed(repository=MARK),
    "full_name as a list": changed(repository={"full_name": [REPO]}),
    "full_name far too long": changed(repository={"full_name": "a/" + "b" * 5000}),
    "no action at all": {"issue": github_issue(), "repository": {"full_name": REPO}},
}


@pytest.fixture
def both(tmp_path, fake, settings):
    bot = BotUnderTest(tmp_path, fake, settings, env={"JIRA_WEBHOOK_TOKEN": TOKEN})
    yield bot
    bot.stop()


def assert_logged_quietly(caplog):
    for record in caplog.records:
        assert record.exc_info is None, "a traceback was logged"
        assert MARK not in record.getMessage() and "\n" not in record.getMessage()


@pytest.mark.parametrize("shape", sorted(GITHUB_SHAPES))
def test_github_json_of_the_wrong_shape_is_ignored_not_a_crash(both, caplog, shape):
    caplog.set_level(logging.DEBUG, logger="usecase_bot")
    answer = both.deliver("issues", GITHUB_SHAPES[shape])
    assert (answer.status_code, answer.json()) == (202, {"status": "ignored"})
    assert both.events() == []
    assert_logged_quietly(caplog)


BAD_BODIES = {
    "UTF-16": json.dumps(good_github()).encode("utf-16"),
    "fifty thousand brackets": b"[" * 50_000,
    "an array": b"[1, 2]",
    "not JSON": MARK.encode(),
}


@pytest.mark.parametrize("shape", sorted(BAD_BODIES))
def test_github_bodies_that_are_not_a_json_object_are_400(both, caplog, shape):
    caplog.set_level(logging.DEBUG, logger="usecase_bot")
    answer = both.deliver("issues", BAD_BODIES[shape])
    assert answer.status_code == 400 and answer.json()["error"]
    assert both.events() == []
    assert_logged_quietly(caplog)


def test_a_delivery_id_longer_than_any_github_sends_is_400(both):
    answer = both.deliver("issues", good_github(), delivery="d" * 500)
    assert answer.status_code == 400


def jira_issue():
    return {"id": "10001", "key": "UC-1", "self": "https://jira.test/rest/api/2/issue/10001",
            "fields": {"summary": MARK, "description": MARK, "labels": [],
                       "issuetype": {"name": "Use Case"}, "project": {"key": "UC"}}}


def jira_changed(event="jira:issue_updated", **fields):
    payload = jp.issue_event(event, jira_issue(), changed=["description"])
    payload.update(fields)
    return payload


JIRA_IGNORED = {
    "webhookEvent as a list": jira_changed(webhookEvent=["jira:issue_updated"]),
    "issue as a string": jira_changed(issue=MARK),
    "key as a number": jira_changed(issue={**jira_issue(), "key": 12}),
    "key with a payload in it": jira_changed(issue={**jira_issue(), "key": MARK + " x"}),
    "changelog as a list": jira_changed(changelog=[MARK]),
    "changelog items as an object": jira_changed(changelog={"items": {"field": "labels"}}),
    "issueLink as a string": {"webhookEvent": "issuelink_created", "issueLink": MARK},
    "destination id as an object": {"webhookEvent": "issuelink_created",
                                    "issueLink": {"id": 1, "sourceIssueId": 10001,
                                                  "destinationIssueId": {"x": MARK}}},
    "no source id": {"webhookEvent": "issuelink_created",
                     "issueLink": {"id": 1, "destinationIssueId": 10002}},
}


@pytest.mark.parametrize("shape", sorted(JIRA_IGNORED))
def test_jira_json_of_the_wrong_shape_is_ignored_not_a_crash(both, caplog, shape):
    caplog.set_level(logging.DEBUG, logger="usecase_bot")
    answer = both.deliver_jira(JIRA_IGNORED[shape], token=TOKEN)
    assert (answer.status_code, answer.json()) == (202, {"status": "ignored"})
    assert both.events() == []
    assert_logged_quietly(caplog)


def test_a_jira_event_type_name_that_is_an_object_is_stored_without_it(both, caplog):
    caplog.set_level(logging.DEBUG)
    payload = jira_changed(issue_event_type_name={"name": MARK})
    answer = both.deliver_jira(payload, token=TOKEN)
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    (event,) = both.events()
    assert (event.issue_key, event.action) == ("jira:UC-1", None)
    assert MARK not in caplog.text


@pytest.mark.parametrize("shape", sorted(BAD_BODIES))
def test_jira_bodies_that_are_not_a_json_object_are_400(both, caplog, shape):
    caplog.set_level(logging.DEBUG, logger="usecase_bot")
    body = BAD_BODIES[shape] if shape != "UTF-16" else \
        json.dumps(jira_changed()).encode("utf-16")
    answer = both.deliver_jira(body, token=TOKEN)
    assert answer.status_code == 400
    assert both.events() == []
    assert_logged_quietly(caplog)


def test_sql_errors_are_logged_without_their_parameters(tmp_path, caplog):
    from sqlalchemy import text

    from bot.store.db import Database

    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(Exception) as failure, db.session() as s:
        s.execute(text("INSERT INTO nowhere VALUES (:v)"), {"v": MARK})
    assert MARK not in str(failure.value)


def test_a_jira_issue_link_event_is_queued_under_its_destination_id(both):
    source, destination = jira_issue(), {**jira_issue(), "id": "10002", "key": "UC-2"}
    answer = both.deliver_jira(jp.issuelink("issuelink_created", 5, source, destination),
                               token=TOKEN)
    assert answer.status_code == 202
    (event,) = both.events()
    assert (event.issue_key, event.event) == ("jira:id:10002", "issuelink_created")


def test_without_the_identifier_two_different_updates_at_one_instant_are_two_events(both):
    import requests

    def send(payload):
        return requests.post(f"{both.url}/webhooks/jira", json=payload,
                             params={"token": TOKEN}, timeout=5)

    first = jira_changed()
    second = jira_changed(changelog={"id": "10101", "items": [{"field": "labels"}]})
    assert send(first).json()["status"] == "queued"
    assert send(second).json()["status"] == "queued"
    assert send(first).json() == {"status": "duplicate"}


# ------------------------------------------------------------------ redelivery


def test_github_redeliver_of_a_dead_delivery_queues_it_again(fake, both):
    fake.fail_next("POST", r"/issues/1/comments$", 422)
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    payload = gh.issues("opened", REPO, issue)
    assert both.deliver("issues", payload, delivery="guid-1").status_code == 202
    both.drain()
    assert both.events()[0].status == "dead"
    again = both.deliver("issues", payload, delivery="guid-1")
    assert (again.status_code, again.json()) == (202, {"status": "queued",
                                                       "delivery": "guid-1"})
    both.drain()
    (event,) = both.events()
    assert event.status == "done"
    assert len(lint_comments(fake)) == 1
    duplicate = both.deliver("issues", payload, delivery="guid-1")
    assert (duplicate.status_code, duplicate.json()) == (200, {"status": "duplicate"})


def test_jira_resending_a_dead_identifier_queues_it_again(tmp_path):
    bot = BotUnderTest(tmp_path, None, Settings(), secret=None,
                       env={"JIRA_WEBHOOK_TOKEN": TOKEN})
    try:
        payload = jira_changed()
        assert bot.deliver_jira(payload, token=TOKEN, identifier="w-1").status_code == 202
        bot.drain()  # no Jira credentials: the event cannot be handled and dies
        assert bot.events()[0].status == "dead"
        again = bot.deliver_jira(payload, token=TOKEN, identifier="w-1")
        assert (again.status_code, again.json()["status"]) == (202, "queued")
        assert bot.events()[0].status == "pending"
    finally:
        bot.stop()
