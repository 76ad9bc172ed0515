"""Which GitHub webhook events the bot handles, and the issue each one is about."""

from __future__ import annotations

from typing import Any

HANDLED = {
    "issues": {"opened", "edited", "labeled", "unlabeled", "closed", "reopened", "deleted",
               "transferred"},
    "issue_comment": {"created", "edited", "deleted"},
    "sub_issues": {"sub_issue_added", "sub_issue_removed", "parent_issue_added",
                   "parent_issue_removed"},
}


def repo_of(payload: dict[str, Any]) -> str | None:
    repo = payload.get("repository")
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) else None


def issue_key(repo: str, number: int) -> str:
    return f"github:{repo}#{number}"


def route(event: str, payload: dict[str, Any]) -> str | None:
    """The issue key the event belongs to, or None when the bot does not act on it."""
    action = payload.get("action")
    if action not in HANDLED.get(event, ()):
        return None
    repo = repo_of(payload)
    holder = payload.get("parent_issue") if event == "sub_issues" else payload.get("issue")
    number = holder.get("number") if isinstance(holder, dict) else None
    if repo is None or not isinstance(number, int):
        return None
    return issue_key(repo, number)
