"""Webhook payloads shaped like Jira's, built from the fake Jira's issues."""

from __future__ import annotations

import copy
from typing import Any

_USER = {"accountId": "5c5f-alice", "name": "alice", "displayName": "Alice",
         "self": "https://jira.test/rest/api/2/user?accountId=5c5f-alice"}
_TIME = 1700000000000


def issue_event(event: str, issue: dict[str, Any], changed: list[str] | None = None,
                user: dict[str, Any] | None = None, at: int = _TIME) -> dict[str, Any]:
    kind = {"jira:issue_created": "issue_created", "jira:issue_updated": "issue_updated",
            "jira:issue_deleted": "issue_deleted"}[event]
    payload: dict[str, Any] = {"timestamp": at, "webhookEvent": event,
                               "issue_event_type_name": kind, "user": user or _USER,
                               "issue": copy.deepcopy(issue)}
    if changed is not None:
        payload["changelog"] = {"id": "10100", "items": [
            {"field": f, "fieldtype": "jira", "from": None, "fromString": "old", "to": None,
             "toString": "new"} for f in changed]}
    return payload


def comment_created(issue: dict[str, Any], body: Any, author: dict[str, Any] | None = None,
                    comment_id: str = "20001", at: int = _TIME) -> dict[str, Any]:
    fields = issue["fields"]
    return {
        "timestamp": at, "webhookEvent": "comment_created",
        "comment": {"id": comment_id, "self": "https://jira.test/comment", "body": body,
                    "author": author or _USER, "updateAuthor": author or _USER,
                    "created": "2026-11-01T10:00:00.000+0000",
                    "updated": "2026-11-01T10:00:00.000+0000"},
        "issue": {"id": issue["id"], "key": issue["key"], "self": issue["self"],
                  "fields": {"summary": fields["summary"], "issuetype": fields["issuetype"],
                             "project": fields["project"], "status": fields["status"]}},
    }


def issuelink(event: str, link_id: int, source: dict[str, Any], destination: dict[str, Any],
              type_name: str = "Relates", at: int = _TIME) -> dict[str, Any]:
    return {"timestamp": at, "webhookEvent": event, "issueLink": {
        "id": link_id, "sourceIssueId": int(source["id"]),
        "destinationIssueId": int(destination["id"]),
        "issueLinkType": {"id": 10003, "name": type_name, "outwardName": "relates to",
                          "inwardName": "relates to", "isSubTaskLinkType": False,
                          "isSystemLinkType": False}, "systemLink": False}}
