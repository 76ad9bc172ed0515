"""A GitHub client that reads for real and prints its writes instead of making them."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from bot.trackers.github import CommentData, GitHubClient, IssueData, RepoFile
from bot.trackers.jira import JiraClient, JiraComment, JiraIssue


class DryRunGitHub:
    def __init__(self, real: GitHubClient, out: TextIO | None = None) -> None:
        self._real = real
        self._out = out

    def _say(self, text: str) -> None:
        print(f"[dry-run] {text}", file=self._out or sys.stdout, flush=True)

    def get_issue(self, repo: str, number: int) -> IssueData:
        return self._real.get_issue(repo, number)

    def list_comments(self, repo: str, number: int) -> list[CommentData]:
        return self._real.list_comments(repo, number)

    def parent_of(self, repo: str, number: int) -> int | None:
        return self._real.parent_of(repo, number)

    def issues_with_label(self, repo: str, label: str) -> list[IssueData]:
        return self._real.issues_with_label(repo, label)

    def read_file(self, repo: str, path: str, etag: str | None) -> RepoFile | None:
        return self._real.read_file(repo, path, etag)

    def permission(self, repo: str, user: str) -> str:
        return self._real.permission(repo, user)

    def whoami(self, repo: str) -> str:
        return self._real.whoami(repo)

    def create_comment(self, repo: str, number: int, body: str) -> CommentData:
        self._say(f"would comment on {repo}#{number}:\n{body}\n")
        return CommentData(id=0, body=body)

    def edit_comment(self, repo: str, comment_id: int, body: str) -> None:
        self._say(f"would edit comment {comment_id} in {repo}:\n{body}\n")

    def add_label(self, repo: str, number: int, label: str) -> None:
        self._say(f"would add label {label!r} to {repo}#{number}")

    def remove_label(self, repo: str, number: int, label: str) -> None:
        self._say(f"would remove label {label!r} from {repo}#{number}")

    def ensure_label(self, repo: str, name: str, color: str, description: str) -> None:
        self._say(f"would make sure label {name!r} exists in {repo}")

    def add_sub_issue(self, repo: str, parent: int, child_id: int) -> None:
        self._say(f"would make issue id {child_id} a sub-issue of {repo}#{parent}")

    def remove_sub_issue(self, repo: str, parent: int, child_id: int) -> None:
        self._say(f"would take issue id {child_id} out of the sub-issues of {repo}#{parent}")


class DryRunJira:
    def __init__(self, real: JiraClient, out: TextIO | None = None) -> None:
        self._real = real
        self._out = out
        self.api_version = real.api_version

    def _say(self, text: str) -> None:
        print(f"[dry-run] {text}", file=self._out or sys.stdout, flush=True)

    def get_issue(self, key_or_id: str) -> JiraIssue:
        return self._real.get_issue(key_or_id)

    def get_property(self, key: str) -> dict[str, Any] | None:
        return self._real.get_property(key)

    def project_property(self, project: str) -> Any:
        return self._real.project_property(project)

    def link_types(self) -> list[str]:
        return self._real.link_types()

    def comments(self, key: str) -> list[JiraComment]:
        return self._real.comments(key)

    def myself(self) -> str | None:
        return self._real.myself()

    def may_edit(self, key: str, user: str) -> bool:
        return self._real.may_edit(key, user)

    def remote_urls(self, key: str) -> list[str]:
        return self._real.remote_urls(key)

    def add_comment(self, key: str, body: Any) -> tuple[str, str | None]:
        self._say(f"would comment on {key}:\n{body}\n")
        return "0", None

    def edit_comment(self, key: str, comment_id: str, body: Any) -> None:
        self._say(f"would edit comment {comment_id} on {key}:\n{body}\n")

    def set_label(self, key: str, label: str, present: bool) -> None:
        self._say(f"would {'add' if present else 'remove'} label {label!r} on {key}")

    def set_property(self, key: str, value: dict[str, Any]) -> None:
        self._say(f"would store {value} in the usecase-bot property of {key}")

    def link(self, link_type: str, story: str, use_case: str) -> None:
        self._say(f"would link {story} to {use_case} ({link_type})")

    def remote_link(self, key: str, url: str, title: str) -> None:
        self._say(f"would add a remote link from {key} to {url}")
