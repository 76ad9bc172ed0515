"""A GitHub client that reads for real and prints its writes instead of making them."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.trackers.github import CommentData, GitHubClient, IssueData


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
