"""Which Jira webhook events the bot handles, their dedup key, and the queue key of each.
Payloads are authenticated but their shape is not trusted: anything unexpected is "not for
us", never an error.

Queue keys: events of an issue are queued under `jira:<KEY>` and run in the order they
arrived. Issue-link events name their issues by id only, so they are queued under
`jira:id:<destination issue id>`; their handler reads both issues and queues whatever
follows from the link under each issue's own `jira:<KEY>`, in that issue's turn.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pydantic import TypeAdapter
from typing_extensions import TypedDict

# Fields whose change can change what the bot writes; edits to any other field cost nothing.
READ_FIELDS = {"description", "labels", "issuetype", "summary", "status", "resolution",
               "link", "issue link"}
ISSUE_EVENTS = {"jira:issue_created", "jira:issue_deleted", "comment_created"}
LINK_EVENTS = {"issuelink_created", "issuelink_deleted"}
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,49}-[0-9]{1,18}")
_ID = re.compile(r"[0-9]{1,18}")
# Longest identifier header kept as it is; a longer one is kept as its hash.
MAX_IDENTIFIER = 200


class _Keyed(TypedDict, total=False):
    key: Any


class _Routing(TypedDict, total=False):
    """What `route`, `event_name`, `project_of`, `action_of` and `dedup_key` read of a
    payload; the rest is the worker's."""

    webhookEvent: Any
    issue_event_type_name: Any
    timestamp: Any
    issue: _Keyed
    comment: Any
    changelog: Any
    issueLink: Any


ROUTING = TypeAdapter(_Routing)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def issue_key(key: str) -> str:
    return f"jira:{key}"


_KNOWN = ISSUE_EVENTS | LINK_EVENTS | {"jira:issue_updated"}


def event_name(payload: dict[str, Any]) -> str:
    """The event as a metrics label: one the bot knows, else `other`."""
    event = payload.get("webhookEvent")
    return event if isinstance(event, str) and event in _KNOWN else "other"


def key_of(payload: dict[str, Any]) -> str | None:
    """The issue's key (`PROJ-12`) when the payload carries a well-formed one."""
    key = _obj(payload.get("issue")).get("key")
    return key if isinstance(key, str) and _KEY.fullmatch(key) else None


def project_of(payload: dict[str, Any]) -> str | None:
    key = key_of(payload)
    return key.rsplit("-", 1)[0] if key else None


def action_of(payload: dict[str, Any]) -> str | None:
    """`issue_event_type_name`, kept when it is a short string."""
    name = payload.get("issue_event_type_name")
    return name if isinstance(name, str) and len(name) <= 64 else None


def is_comment(payload: dict[str, Any]) -> bool:
    """Data Center reports a new comment as an issue update with a comment and no changes."""
    return isinstance(payload.get("comment"), dict) and not payload.get("changelog")


def route(payload: dict[str, Any]) -> str | None:
    """The queue key of an event the bot acts on, or None."""
    event = event_name(payload)
    key = key_of(payload)
    if event in ISSUE_EVENTS:
        return issue_key(key) if key else None
    if event == "jira:issue_updated":
        if key is None:
            return None
        if is_comment(payload):
            return issue_key(key)
        items = _obj(payload.get("changelog")).get("items")
        changed = {str(i.get("field", "")).lower()
                   for i in (items if isinstance(items, list) else []) if isinstance(i, dict)}
        return issue_key(key) if changed & READ_FIELDS else None
    if event in LINK_EVENTS:
        link = _obj(payload.get("issueLink"))
        ends = [str(link.get(side)) for side in ("sourceIssueId", "destinationIssueId")]
        return f"jira:id:{ends[1]}" if all(_ID.fullmatch(end) for end in ends) else None
    return None


def dedup_key(headers_identifier: str | None, payload: dict[str, Any], body: bytes) -> str:
    """Jira's retries keep `X-Atlassian-Webhook-Identifier`. Without it: event, issue, time
    and a hash of the body, so that two different updates of one issue in the same
    millisecond are two events while a resent body is the same one."""
    if headers_identifier:
        if len(headers_identifier) <= MAX_IDENTIFIER:
            return headers_identifier
        return "sha256:" + hashlib.sha256(headers_identifier.encode()).hexdigest()
    subject = (key_of(payload) or str(_obj(payload.get("issueLink")).get("id", "")))[:60]
    stamp = str(payload.get("timestamp", ""))[:20]
    digest = hashlib.sha256(body).hexdigest()[:32]
    return f"{event_name(payload)}:{subject}:{stamp}:{digest}"
