"""Which Jira webhook events the bot handles, their dedup key, and the issue each is about."""

from __future__ import annotations

from typing import Any

# Fields whose change can change what the bot writes; edits to any other field cost nothing.
READ_FIELDS = {"description", "labels", "issuetype", "summary", "status", "resolution",
               "link", "issue link"}


def issue_key(key: str) -> str:
    return f"jira:{key}"


def route(payload: dict[str, Any]) -> str | None:
    """The queue key of an event the bot acts on, or None."""
    event = payload.get("webhookEvent")
    raw = payload.get("issue")
    issue: dict[str, Any] = raw if isinstance(raw, dict) else {}
    key = issue.get("key") if isinstance(issue.get("key"), str) else None
    if event in ("jira:issue_created", "jira:issue_deleted", "comment_created"):
        return issue_key(key) if key else None
    if event == "jira:issue_updated":
        if key is None:
            return None
        if isinstance(payload.get("comment"), dict) and not payload.get("changelog"):
            return issue_key(key)  # Data Center reports a new comment this way
        items = (payload.get("changelog") or {}).get("items") or []
        changed = {str(i.get("field", "")).lower() for i in items if isinstance(i, dict)}
        return issue_key(key) if changed & READ_FIELDS else None
    if event in ("issuelink_created", "issuelink_deleted"):
        link = payload.get("issueLink") or {}
        destination = link.get("destinationIssueId")
        return f"jira:id:{destination}" if destination is not None else None
    return None


def dedup_key(headers_identifier: str | None, payload: dict[str, Any]) -> str:
    """Jira's retries keep `X-Atlassian-Webhook-Identifier`; without it, event, issue, time."""
    if headers_identifier:
        return headers_identifier
    issue = payload.get("issue") or {}
    subject = issue.get("id") or (payload.get("issueLink") or {}).get("id") or ""
    return f"{payload.get('webhookEvent')}:{subject}:{payload.get('timestamp')}"
