"""Every real GitHub delivery in ../shared/fixtures goes through the endpoint and the worker
without a crash, and lands where the contract says."""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared_or_skip

EXPECTED_STORED = {"issues", "issue_comment", "sub_issues"}


def real_fixtures():
    folder = shared_or_skip("fixtures", "github", "webhooks")
    return sorted(folder.glob("*.json"))


def test_real_deliveries_are_stored_or_ignored_and_processed(fake, bot):
    for path in real_fixtures():
        event = path.name.split(".")[0]
        payload = json.loads(path.read_text())
        answer = bot.deliver(event, payload, delivery=path.name)
        expected = 200 if event == "ping" else 202
        assert answer.status_code == expected, (path.name, answer.text)
        status = answer.json()["status"]
        if event in EXPECTED_STORED and payload.get("action") in {
            "opened", "edited", "labeled", "unlabeled", "closed", "reopened", "deleted",
            "transferred", "created", "sub_issue_added", "sub_issue_removed",
            "parent_issue_added", "parent_issue_removed",
        }:
            assert status == "queued", path.name
        elif event != "ping":
            assert status == "ignored", path.name
    bot.drain()
    dead = [(e.event, e.action, e.last_error) for e in bot.events() if e.status != "done"]
    assert dead == []


def test_the_signature_example_from_githubs_documentation():
    from bot.web.signatures import valid_signature

    path = shared_or_skip("fixtures", "github", "webhook-delivery.docs-example.json")
    vector = json.loads(path.read_text())["signature_test_vector"]
    body, secret = vector["payload"].encode(), vector["secret"].encode()
    assert valid_signature(body, vector["X-Hub-Signature-256"], [secret])
    assert valid_signature(body, vector["X-Hub-Signature-256"], [b"old", secret])
    assert not valid_signature(body, vector["X-Hub-Signature-256"], [b"another secret"])


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha1=01ab", "sha256=zz"])
def test_malformed_signature_headers_are_invalid(header):
    from bot.web.signatures import valid_signature

    assert not valid_signature(b"{}", header, [b"secret"])
