"""Where the report goes: the living `Scope drift report` issue (its body replaced in place,
never a second issue), an optional comment on a Jira issue (edited in place), and the JSON
and HTML files under `report.output_dir`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

from bot.lint import comment as render
from bot.report.summary import LABEL, REPORT_MARKER, TITLE
from bot.trackers.calls import TrackerError
from bot.trackers.github import IssueData
from bot.trackers.jira import JiraClient


class IssueWriter(Protocol):
    """What publishing needs of GitHub: the issue listing and writing one issue."""

    def list_issues(self, repo: str, label: str, since: datetime | None
                    ) -> Iterator[IssueData]: ...
    def create_issue(self, repo: str, title: str, body: str, labels: list[str]
                     ) -> IssueData: ...
    def edit_issue_body(self, repo: str, number: int, body: str) -> None: ...


def living_issue(client: IssueWriter, repo: str, body: str) -> int:
    """Put `body` on the report issue of `repo`, creating it the first time; its number."""
    found = _find(client, repo)
    if found is None:
        try:
            return client.create_issue(repo, TITLE, body, [LABEL]).number
        except TrackerError:
            # GitHub may have made it and lost the answer: a second one must not follow.
            found = _find(client, repo)
            if found is None:
                raise
    if found.body != body:
        client.edit_issue_body(repo, found.number, body)
    return found.number


def _find(client: IssueWriter, repo: str) -> IssueData | None:
    """The oldest issue with the report's label and title, open or closed."""
    return next((i for i in client.list_issues(repo, LABEL, None) if i.title == TITLE), None)


def jira_comment(client: JiraClient, key: str, body: Any, text: str) -> None:
    """Keep the bot's one report comment on `key` saying `text` (`body` in its markup)."""
    me = client.myself()
    tag = render.tag(REPORT_MARKER)

    def mine() -> list[tuple[str, str]]:
        return [(c.id, said) for c in client.comments(key)
                if c.author == me and tag in (said := render.body_text(c.body))]

    found = mine()
    if not found:
        try:
            client.add_comment(key, body)
            return
        except TrackerError:
            found = mine()  # made, and the answer lost: edit it instead of adding another
            if not found:
                raise
    comment_id, said = found[0]
    if said != text:
        client.edit_comment(key, comment_id, body)


def write_files(output_dir: Path, day: str,
                files: dict[str, Callable[[TextIO], None]]) -> list[Path]:
    """Each `{suffix: writer}` as `<day>.<suffix>` and `latest.<suffix>`, each file replaced
    whole so that a reader never sees half of one. A writer writes its file piece by piece,
    so a long report is never one string."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, write in files.items():
        day_file, latest = output_dir / f"{day}.{suffix}", output_dir / f"latest.{suffix}"
        with _replacing(day_file) as partial, partial.open("w", encoding="utf-8") as out:
            write(out)
        with _replacing(latest) as partial:
            shutil.copyfile(day_file, partial)
        written += [day_file, latest]
    return written


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A file beside `path` to write, put in its place once written."""
    partial = path.with_name(f".{path.name}.partial")
    yield partial
    os.replace(partial, path)
