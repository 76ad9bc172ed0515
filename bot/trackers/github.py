"""GitHub, through PyGithub and nothing else. Every call the bot makes to GitHub is here.

PyGithub's own retry is turned off: a 5xx or a rate limit becomes a `TrackerError` that
says when to try again, and the worker schedules the event for then instead of blocking.
Objects are created lazily, so building an issue or comment handle costs no request.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from github import Auth, Github, GithubException, GithubIntegration
from github.ContentFile import ContentFile
from github.IssueComment import IssueComment
from pydantic import BaseModel, ConfigDict
from requests.utils import parse_header_links

from bot.metrics import Metrics
from bot.trackers.calls import Gate, Limits, TrackerError, api_call, retry_after_header

log = logging.getLogger("usecase_bot.github")


class IssueData(BaseModel):
    model_config = ConfigDict(frozen=True)

    repo: str
    number: int
    id: int | None = None
    title: str = ""
    body: str = ""
    labels: tuple[str, ...] = ()
    state: str = "open"
    comments: int = 0

    @classmethod
    def from_json(cls, repo: str, raw: dict[str, Any]) -> IssueData:
        labels = raw.get("labels") or []
        return cls(
            repo=repo,
            number=int(raw["number"]),
            id=raw.get("id") if isinstance(raw.get("id"), int) else None,
            title=raw.get("title") or "",
            body=raw.get("body") or "",
            labels=tuple(
                lb["name"] if isinstance(lb, dict) else str(lb) for lb in labels
                if isinstance(lb, dict | str)
            ),
            state=raw.get("state") or "open",
            comments=int(raw.get("comments") or 0),
        )


class CommentData(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    body: str
    author: str | None = None


class RepoFile(BaseModel):
    """A file on a repository's default branch, as one read found it."""

    model_config = ConfigDict(frozen=True)

    # None: there is no such file.
    content: bytes | None = None
    # Makes the next read conditional: an unchanged file is a 304, free of rate limit.
    etag: str | None = None
    # Something is at the path that the contents API does not hand out as a file.
    problem: str | None = None


class GitHubClient(Protocol):
    """The narrow set of GitHub operations the bot needs; fakes and dry runs implement it."""

    def get_issue(self, repo: str, number: int) -> IssueData: ...
    def list_comments(self, repo: str, number: int) -> list[CommentData]: ...
    def create_comment(self, repo: str, number: int, body: str) -> CommentData: ...
    def edit_comment(self, repo: str, comment_id: int, body: str) -> None: ...
    def add_label(self, repo: str, number: int, label: str) -> None: ...
    def remove_label(self, repo: str, number: int, label: str) -> None: ...
    def ensure_label(self, repo: str, name: str, color: str, description: str) -> None: ...
    def add_sub_issue(self, repo: str, parent: int, child_id: int) -> None: ...
    def remove_sub_issue(self, repo: str, parent: int, child_id: int) -> None: ...
    def parent_of(self, repo: str, number: int) -> int | None: ...
    def permission(self, repo: str, user: str) -> str: ...
    def whoami(self, repo: str) -> str: ...
    def issues_with_label(self, repo: str, label: str) -> list[IssueData]: ...
    def read_file(self, repo: str, path: str, etag: str | None) -> RepoFile | None: ...


def _retry_after(exc: GithubException) -> float | None:
    """Seconds to wait before a retry can work, from GitHub's headers; None if never."""
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    wait = retry_after_header(headers)
    if wait is not None:
        return wait
    if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
        try:
            return max(float(headers["x-ratelimit-reset"]) - time.time(), 0.0) + 1.0
        except ValueError:
            return 60.0
    if exc.status in (403, 429) and "rate limit" in str(exc.data).lower():
        return 60.0
    if exc.status >= 500 or exc.status == 429:
        return 0.0  # the worker's own backoff decides
    return None


def _translate(exc: Exception) -> TrackerError | None:
    if not isinstance(exc, GithubException):
        return None
    return TrackerError(f"GitHub answered {exc.status}: {_message(exc)}", exc.status,
                        _retry_after(exc))


class PyGithubClient:
    """`GitHubClient` on PyGithub, for one token or one App installation."""

    # Shared rate-limit pauses and write pacing; client_factory sets it.
    gate: Gate | None = None

    def __init__(self, gh: Github, metrics: Metrics | None = None,
                 app: GithubIntegration | None = None) -> None:
        self._gh = gh
        self._metrics = metrics
        # A GitHub App's own view (JWT), which knows the App's name; None for a token.
        self._app = app

    def _call(self, method: str) -> AbstractContextManager[None]:
        return api_call(self._metrics, "github", method, _translate, self.gate)

    def _issue(self, repo: str, number: int) -> Any:
        return self._gh.get_repo(repo).get_issue(number)

    def get_issue(self, repo: str, number: int) -> IssueData:
        with self._call("GET"):
            raw = self._gh.requester.requestJsonAndCheck(
                "GET", f"/repos/{repo}/issues/{number}"
            )[1]
        return IssueData.from_json(repo, raw)

    def list_comments(self, repo: str, number: int) -> list[CommentData]:
        with self._call("GET"):
            return [
                CommentData(id=c.id, body=c.body or "", author=c.user.login if c.user else None)
                for c in self._issue(repo, number).get_comments()
            ]

    def create_comment(self, repo: str, number: int, body: str) -> CommentData:
        with self._call("POST"):
            c = self._issue(repo, number).create_comment(body)
        return CommentData(id=c.id, body=c.body or body, author=c.user.login if c.user else None)

    def edit_comment(self, repo: str, comment_id: int, body: str) -> None:
        url = f"{self._gh.requester.base_url}/repos/{repo}/issues/comments/{comment_id}"
        with self._call("PATCH"):
            IssueComment(self._gh.requester, url=url).edit(body)

    def add_label(self, repo: str, number: int, label: str) -> None:
        # `Issue.add_to_labels` sends a bare list; the documented body is {"labels": [...]}.
        with self._call("POST"):
            self._gh.requester.requestJsonAndCheck(
                "POST", f"/repos/{repo}/issues/{number}/labels", input={"labels": [label]}
            )

    def remove_label(self, repo: str, number: int, label: str) -> None:
        with self._call("DELETE"):
            try:
                self._issue(repo, number).remove_from_labels(label)
            except GithubException as exc:
                if exc.status != 404:  # already gone is what we wanted
                    raise

    def ensure_label(self, repo: str, name: str, color: str, description: str) -> None:
        handle = self._gh.get_repo(repo)
        with self._call("GET"):
            if any(lb.name == name for lb in handle.get_labels()):
                return
        with self._call("POST"):
            try:
                handle.create_label(name, color, description)
            except GithubException as exc:
                if exc.status != 422:  # 422: created meanwhile by someone else
                    raise

    def add_sub_issue(self, repo: str, parent: int, child_id: int) -> None:
        with self._call("POST"):
            self._issue(repo, parent).add_sub_issue(child_id)

    def remove_sub_issue(self, repo: str, parent: int, child_id: int) -> None:
        with self._call("DELETE"):
            self._issue(repo, parent).remove_sub_issue(child_id)

    def parent_of(self, repo: str, number: int) -> int | None:
        with self._call("GET"):
            try:
                raw = self._gh.requester.requestJsonAndCheck(
                    "GET", f"/repos/{repo}/issues/{number}/parent"
                )[1]
            except GithubException as exc:
                if exc.status == 404:
                    return None
                raise
        value = raw.get("number") if isinstance(raw, dict) else None
        return value if isinstance(value, int) else None

    def whoami(self, repo: str) -> str:
        """The login the bot writes as: `<app slug>[bot]` for an App, else the token's user
        (`GET /user` answers 403 to an installation token)."""
        with self._call("GET"):
            if self._app is not None:
                owner, name = repo.split("/", 1)
                return f"{self._app.get_repo_installation(owner, name).app_slug}[bot]"
            raw = self._gh.requester.requestJsonAndCheck("GET", "/user")[1]
        return str(raw["login"])

    def permission(self, repo: str, user: str) -> str:
        """The user's role in the repository: admin, maintain, write, triage, read or none."""
        with self._call("GET"):
            try:
                raw = self._gh.requester.requestJsonAndCheck(
                    "GET", f"/repos/{repo}/collaborators/{quote(user)}/permission"
                )[1]
            except GithubException as exc:
                if exc.status == 404:  # not a collaborator, or no such user
                    return "none"
                raise
        # `permission` folds maintain into write and triage into read; `role_name` keeps them.
        role = raw.get("role_name") or raw.get("permission") if isinstance(raw, dict) else None
        return role if isinstance(role, str) else "none"

    def issues_with_label(self, repo: str, label: str) -> list[IssueData]:
        with self._call("GET"):
            return [
                IssueData(repo=repo, number=i.number, id=i.id, title=i.title or "",
                          body=i.body or "", labels=tuple(lb.name for lb in i.labels),
                          state=i.state)
                for i in self._gh.get_repo(repo).get_issues(state="open", labels=[label])
            ]

    def read_file(self, repo: str, path: str, etag: str | None) -> RepoFile | None:
        """The file on the default branch; None when it has not changed since `etag`."""
        url = f"{self._gh.requester.base_url}/repos/{repo}/contents/{quote(path)}"
        # PyGithub's conditional read: `update` sends If-None-Match with the ETag it holds.
        handle = ContentFile(self._gh.requester, headers={"etag": etag} if etag else {},
                             attributes={"url": url}, completed=False)
        with self._call("GET"):
            try:
                if not handle.update():
                    return None
            except GithubException as exc:
                if exc.status == 404:
                    return RepoFile()
                raise
        raw = handle.raw_data
        found = RepoFile(etag=handle.etag)
        if not isinstance(raw, dict) or raw.get("type") != "file":
            return found.model_copy(update={"problem": "it is not a file"})
        if raw.get("encoding") != "base64":
            # GitHub leaves files over 1 MB out of this answer.
            return found.model_copy(update={"problem": "it is too large to read"})
        try:
            return found.model_copy(update={"content": base64.b64decode(raw.get("content", ""))})
        except binascii.Error:
            return found.model_copy(update={"problem": "GitHub sent it garbled"})

    # ------------------------------------------------------------ listing, for the reconcile

    def list_issues(self, repo: str, label: str, since: datetime | None) -> Iterator[IssueData]:
        """Open and closed issues with `label` updated at or after `since` (every one when
        None), 100 a page. Read from the listing's own JSON: PyGithub's issue objects fetch
        each issue again for `pull_request` or `raw_data`, and search stops at 1,000 hits.
        Oldest first, so the bot's own writes during the run move no issue across a page."""
        params: dict[str, Any] = {"labels": label, "state": "all", "sort": "created",
                                  "direction": "asc", "per_page": 100}
        if since is not None:
            params["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        url: str | None = f"/repos/{repo}/issues"
        while url is not None:
            with self._call("GET"):
                headers, page = self._gh.requester.requestJsonAndCheck(
                    "GET", url, parameters=params)
            for raw in page if isinstance(page, list) else []:
                if isinstance(raw, dict) and "pull_request" not in raw:
                    yield IssueData.from_json(repo, raw)
            url = _next_page(headers)
            params = {}  # the next link carries them


    # ------------------------------------------------------------ the report's living issue

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> IssueData:
        with self._call("POST"):
            raw = self._gh.requester.requestJsonAndCheck(
                "POST", f"/repos/{repo}/issues",
                input={"title": title, "body": body, "labels": labels})[1]
        return IssueData.from_json(repo, raw)

    def edit_issue_body(self, repo: str, number: int, body: str) -> None:
        with self._call("PATCH"):
            self._gh.requester.requestJsonAndCheck(
                "PATCH", f"/repos/{repo}/issues/{number}", input={"body": body})


def _message(exc: GithubException) -> str:
    data = exc.data
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else "no message"


def _next_page(headers: dict[str, Any]) -> str | None:
    for link in parse_header_links(str(headers.get("link") or "")):
        if link.get("rel") == "next" and link.get("url"):
            return link["url"]
    return None


def repo_installation(auth: GitHubAuth, repo: str, metrics: Metrics | None) -> int | None:
    """The installation of the App that holds `repo`, for work no event started (the
    reconcile); None when the bot uses a token."""
    if not (auth.app_id and auth.private_key):
        return None
    owner, name = repo.split("/", 1)
    app = GithubIntegration(auth=Auth.AppAuth(auth.app_id, auth.private_key),
                            base_url=auth.api_url.rstrip("/"), retry=None,
                            timeout=auth.timeout)
    with api_call(metrics, "github", "GET", _translate):
        return int(app.get_repo_installation(owner, name).id)


@dataclass(frozen=True)
class GitHubAuth:
    """How to reach GitHub: a token, or a GitHub App (id and private key)."""

    api_url: str
    token: str | None = None
    app_id: str | None = None
    private_key: str | None = None
    seconds_between_writes: float = 1.0
    # Seconds a call may take before it counts as failed (and is retried later).
    timeout: int = 20

    @property
    def configured(self) -> bool:
        return bool(self.token or (self.app_id and self.private_key))


def client_factory(auth: GitHubAuth, metrics: Metrics | None, limits: Limits | None = None,
                   writes_per_minute: int = 80) -> Callable[[int | None], PyGithubClient]:
    """A function from an event's installation id to a client, one per installation, whose
    calls wait for `limits` where they are given."""
    cache: dict[int | None, PyGithubClient] = {}

    def client_for(installation_id: int | None) -> PyGithubClient:
        if installation_id not in cache:
            app = GithubIntegration(auth=Auth.AppAuth(auth.app_id, auth.private_key),
                                    base_url=auth.api_url.rstrip("/")) \
                if auth.app_id and auth.private_key else None
            cache[installation_id] = PyGithubClient(_github(auth, installation_id), metrics,
                                                    app)
            if limits is not None:
                cache[installation_id].gate = Gate(limits, github_scope(installation_id),
                                                   writes_per_minute)
        return cache[installation_id]

    return client_for


def github_scope(installation_id: int | None) -> str:
    """What GitHub counts rate limits against: an App installation, or the one token."""
    return "github:token" if installation_id is None else f"github:installation:{installation_id}"


def _github(auth: GitHubAuth, installation_id: int | None) -> Github:
    credentials: Auth.Auth
    if auth.app_id and auth.private_key:
        if installation_id is None:
            raise TrackerError("a GitHub App needs the event's installation id")
        credentials = Auth.AppAuth(auth.app_id, auth.private_key).get_installation_auth(
            installation_id
        )
    elif auth.token:
        credentials = Auth.Token(auth.token)
    else:
        raise TrackerError("no GitHub credentials: set GITHUB_TOKEN or a GitHub App")
    # Deliberate pacing: no pause between reads, `seconds_between_writes` between writes
    # (GitHub's secondary limits punish bursts of comments); retries are the worker's job.
    return Github(
        auth=credentials,
        base_url=auth.api_url.rstrip("/"),
        retry=None,
        timeout=auth.timeout,
        seconds_between_requests=0,
        seconds_between_writes=auth.seconds_between_writes,
        lazy=True,
    )
