"""The faults the fake trackers inject at random, each as the tracker or the network would
give it: the bot's storm tests rely on them being what they claim."""

from __future__ import annotations

import time

import pytest
import requests

from tests.fake_github import FakeGitHub
from tests.fake_http import (
    DROPPED,
    JIRA_LIMIT,
    LOST_REPLY,
    PRIMARY_LIMIT,
    RESET,
    SECONDARY_LIMIT,
    SERVER_ERROR,
    SLOW,
    Chaos,
)
from tests.fake_jira import FakeJira

REPO = "acme/shop"


@pytest.fixture
def github():
    server = FakeGitHub().start()
    server.add_issue(REPO, 1, "Buy goods", "Customer pays.")
    yield server
    server.stop()


def always(kind: str, **options) -> Chaos:
    return Chaos(seed=7, kinds={kind: 1.0}, share=1.0, **options)


def comment(fake: FakeGitHub) -> requests.Response:
    return requests.post(f"{fake.url}/repos/{REPO}/issues/1/comments", json={"body": "hi"},
                         timeout=5)


def test_no_fault_without_chaos_and_about_the_share_asked_for_with_it(github):
    assert comment(github).status_code == 201
    github.chaos = Chaos(seed=11, kinds={SERVER_ERROR: 1.0}, share=0.2)
    statuses = [requests.get(f"{github.url}/repos/{REPO}/issues/1", timeout=5).status_code
                for _ in range(200)]
    assert 20 <= sum(s >= 500 for s in statuses) <= 60
    assert len(github.injected) == sum(s >= 500 for s in statuses)


def test_the_same_seed_draws_the_same_faults():
    first, second = (Chaos(seed=3) for _ in range(2))
    assert [first.draw() for _ in range(100)] == [second.draw() for _ in range(100)]


def test_a_server_error_changes_nothing(github):
    github.chaos = always(SERVER_ERROR)
    assert comment(github).status_code in (500, 502, 503)
    assert github.comments == {}


def test_a_lost_reply_is_a_502_after_the_change_is_made(github):
    github.chaos = always(LOST_REPLY)
    assert comment(github).status_code == 502
    assert [c["body"] for c in github.comments.values()] == ["hi"]


def test_a_dropped_connection_gives_no_answer_after_the_change_is_made(github):
    github.chaos = always(DROPPED)
    with pytest.raises(requests.ConnectionError):
        comment(github)
    assert [c["body"] for c in github.comments.values()] == ["hi"]


def test_a_reset_gives_no_answer_and_changes_nothing(github):
    github.chaos = always(RESET)
    with pytest.raises(requests.ConnectionError):
        comment(github)
    assert github.comments == {}


def test_a_slow_answer_sometimes_outlasts_the_clients_timeout(github):
    github.chaos = always(SLOW, timeout=1, past_timeout=1.0)
    with pytest.raises(requests.Timeout):
        requests.post(f"{github.url}/repos/{REPO}/issues/1/comments", json={"body": "hi"},
                      timeout=1)
    deadline = time.monotonic() + 5
    while not github.comments and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [c["body"] for c in github.comments.values()] == ["hi"]


def test_githubs_primary_rate_limit_names_its_reset(github):
    github.chaos = always(PRIMARY_LIMIT, limit_seconds=3)
    answer = comment(github)
    assert answer.status_code in (403, 429)
    assert answer.headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(answer.headers["x-ratelimit-reset"]) - time.time() <= 3
    assert "rate limit" in answer.json()["message"]
    assert github.comments == {}


def test_githubs_secondary_rate_limit_says_how_long_to_wait(github):
    github.chaos = always(SECONDARY_LIMIT, limit_seconds=3)
    answer = comment(github)
    assert answer.status_code == 403 and 1 <= int(answer.headers["retry-after"]) <= 3
    assert "secondary rate limit" in answer.json()["message"]
    assert list(github.limit_waits.values()) == [int(answer.headers["retry-after"])]


def test_jiras_rate_limit_is_a_429_with_retry_after():
    fake = FakeJira().start()
    try:
        fake.add_issue("UC-1", "Approve", "text")
        fake.chaos = always(JIRA_LIMIT)
        answer = requests.get(f"{fake.url}/rest/api/2/issue/UC-1", timeout=5)
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1
        assert answer.json()["errorMessages"]
    finally:
        fake.stop()
