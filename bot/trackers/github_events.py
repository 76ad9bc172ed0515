"""Which GitHub webhook events the bot handles, and the issue each one is about. Payloads
are signed but their shape is not trusted: anything unexpected is "not for us"."""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter
from typing_extensions import TypedDict

HANDLED = {
    "issues": {"opened", "edited", "labeled", "unlabeled", "closed", "reopened", "deleted",
               "transferred"},
    "issue_comment": {"created", "edited", "deleted"},
    "sub_issues": {"sub_issue_added", "sub_issue_removed", "parent_issue_added",
                   "parent_issue_removed"},
}
# GitHub's own limits: owner up to 39 characters, repository name up to 100.
_REPO = re.compile(r"[A-Za-z0-9_.-]{1,39}/[A-Za-z0-9._-]{1,100}")
MAX_NUMBER = 2**53


class _Named(TypedDict, total=False):
    full_name: Any


class _Numbered(TypedDict, total=False):
    number: Any


class _Routing(TypedDict, total=False):
    """What `route` and `repo_of` read of a payload; the rest is the worker's."""

    action: Any
    repository: _Named
    issue: _Numbered
    parent_issue: _Numbered


ROUTING = TypeAdapter(_Routing)


def repo_of(payload: dict[str, Any]) -> str | None:
    repo = payload.get("repository")
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) and _REPO.fullmatch(name) else None


def issue_key(repo: str, number: int) -> str:
    return f"github:{repo}#{number}"


def route(event: str, payload: dict[str, Any]) -> str | None:
    """The issue key the event belongs to, or None when the bot does not act on it."""
    action = payload.get("action")
    if not isinstance(action, str) or action not in HANDLED.get(event, ()):
        return None
    repo = repo_of(payload)
    holder = payload.get("parent_issue") if event == "sub_issues" else payload.get("issue")
    number = holder.get("number") if isinstance(holder, dict) else None
    # bool is an int to Python, never to GitHub.
    if repo is None or type(number) is not int or not 0 < number < MAX_NUMBER:
        return None
    return issue_key(repo, number)
