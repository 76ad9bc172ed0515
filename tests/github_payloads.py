"""Webhook payloads shaped like GitHub's (the fields GitHub sends that the bot reads, in
GitHub's structure), built from the fake server's issues."""

from __future__ import annotations

import copy
from typing import Any


def _repository(full_name: str) -> dict[str, Any]:
    owner, name = full_name.split("/")
    return {"id": 1296269, "node_id": "R_1", "name": name, "full_name": full_name,
            "private": False, "owner": {"login": owner, "id": 1, "type": "Organization"},
            "html_url": f"https://github.test/{full_name}", "default_branch": "main"}


def _sender(login: str) -> dict[str, Any]:
    return {"login": login, "id": 5, "node_id": f"U_{login}",
            "type": "Bot" if login.endswith("[bot]") else "User", "site_admin": False}


def issues(action: str, repo: str, issue: dict[str, Any], sender: str = "alice",
           label: str | None = None, installation: int | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"action": action, "issue": copy.deepcopy(issue),
                               "repository": _repository(repo), "sender": _sender(sender)}
    if label is not None:
        payload["label"] = {"id": 9, "name": label, "color": "ededed", "default": False}
    if action == "edited":
        payload["changes"] = {"body": {"from": "an earlier text"}}
    if installation is not None:
        payload["installation"] = {"id": installation, "node_id": "INST"}
    return payload


def issue_comment(action: str, repo: str, issue: dict[str, Any], body: str,
                  user: str = "alice", association: str = "OWNER",
                  comment_id: int = 77) -> dict[str, Any]:
    return {
        "action": action, "issue": copy.deepcopy(issue), "repository": _repository(repo),
        "sender": _sender(user),
        "comment": {"id": comment_id, "node_id": f"IC_{comment_id}", "body": body,
                    "user": _sender(user), "author_association": association,
                    "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:00:00Z"},
    }


def sub_issues(action: str, repo: str, parent: dict[str, Any], child: dict[str, Any],
               sender: str = "alice") -> dict[str, Any]:
    return {"action": action, "sub_issue_id": child["id"], "sub_issue": copy.deepcopy(child),
            "sub_issue_repo": _repository(repo), "parent_issue_id": parent["id"],
            "parent_issue": copy.deepcopy(parent), "repository": _repository(repo),
            "sender": _sender(sender)}
