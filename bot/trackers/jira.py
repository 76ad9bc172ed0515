"""Jira, through python-jira and nothing else. Every call the bot makes to Jira is here.

The client is built on first use, in the worker: python-jira asks for `serverInfo` when it
is constructed, and an unreachable Jira must delay events, not stop the web endpoint.
python-jira's own retries are off (the worker retries, honouring Retry-After), and writes
go through its session directly where its helpers would read the resource back.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from jira import JIRA, JIRAError
from pydantic import BaseModel, ConfigDict

from bot.metrics import Metrics
from bot.trackers.calls import Gate, TrackerError, api_call, retry_after_header

log = logging.getLogger("usecase_bot.jira")

PROPERTY = "usecase-bot"
# Comments asked for per request; Jira Cloud hands out at most this many by default.
COMMENT_PAGE = 100


class JiraIssue(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    id: str
    project: str
    summary: str = ""
    # Wiki markup (REST v2) or an ADF document (REST v3), as Jira holds it.
    description: Any = None
    labels: tuple[str, ...] = ()
    issue_type: str = ""
    status: str = ""
    resolved: bool = False
    # (link type name, other issue key) for every issue link.
    links: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> JiraIssue:
        fields = raw.get("fields") or {}
        links = []
        for link in fields.get("issuelinks") or []:
            other = link.get("outwardIssue") or link.get("inwardIssue") or {}
            name = (link.get("type") or {}).get("name", "")
            if other.get("key"):
                links.append((name, other["key"]))
        status = (fields.get("status") or {})
        return cls(
            key=raw["key"], id=str(raw.get("id", "")),
            project=((fields.get("project") or {}).get("key") or raw["key"].split("-")[0]),
            summary=fields.get("summary") or "",
            description=fields.get("description"),
            labels=tuple(fields.get("labels") or []),
            issue_type=(fields.get("issuetype") or {}).get("name", ""),
            status=status.get("name", ""),
            resolved=bool(fields.get("resolution")) or
            (status.get("statusCategory") or {}).get("key") == "done",
            links=tuple(links),
        )


class JiraComment(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    # Wiki markup (REST v2) or an ADF document (REST v3).
    body: Any = None
    author: str | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> JiraComment:
        author = raw.get("author") or {}
        return cls(id=str(raw.get("id")), body=raw.get("body"),
                   author=author.get("accountId") or author.get("name"))


class JiraClient(Protocol):
    """The Jira operations the bot needs; fakes and dry runs implement it."""

    api_version: int

    def get_issue(self, key_or_id: str) -> JiraIssue: ...
    def add_comment(self, key: str, body: Any) -> tuple[str, str | None]: ...
    def edit_comment(self, key: str, comment_id: str, body: Any) -> None: ...
    def set_label(self, key: str, label: str, present: bool) -> None: ...
    def get_property(self, key: str) -> dict[str, Any] | None: ...
    def set_property(self, key: str, value: dict[str, Any]) -> None: ...
    def project_property(self, project: str) -> Any: ...
    def link_types(self) -> list[str]: ...
    def link(self, link_type: str, story: str, use_case: str) -> None: ...
    def remote_link(self, key: str, url: str, title: str) -> None: ...
    def comments(self, key: str) -> list[JiraComment]: ...
    def myself(self) -> str | None: ...
    def may_edit(self, key: str, user: str) -> bool: ...
    def remote_urls(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class JiraAuth:
    url: str | None
    email: str | None = None
    api_token: str | None = None
    pat: str | None = None
    api_version: int = 2
    # Seconds a call may take before it counts as failed (and is retried later).
    timeout: int = 20

    @property
    def configured(self) -> bool:
        return bool(self.url and ((self.email and self.api_token) or self.pat))


def _translate(exc: Exception) -> TrackerError | None:
    if not isinstance(exc, JIRAError):
        return None
    status = exc.status_code or 0
    response = exc.response
    wait = retry_after_header(dict(response.headers) if response is not None else {})
    if wait is None and (status == 429 or status >= 500):
        wait = 0.0  # the worker's own backoff decides
    return TrackerError(f"Jira answered {exc.status_code}: {exc.text}", exc.status_code, wait)


class PythonJiraClient:
    """`JiraClient` on python-jira: Cloud (email + API token) or Data Center (PAT)."""

    # Shared rate-limit pauses; the runtime sets it.
    gate: Gate | None = None

    def __init__(self, auth: JiraAuth, metrics: Metrics | None = None) -> None:
        if not auth.configured:
            raise TrackerError("no Jira credentials: set JIRA_URL and JIRA_EMAIL + "
                               "JIRA_API_TOKEN (Cloud) or JIRA_PAT (Data Center)")
        self.api_version = auth.api_version
        self._auth = auth
        self._metrics = metrics
        self._jira: JIRA | None = None
        self._lock = threading.Lock()

    @property
    def jira(self) -> JIRA:
        with self._lock:
            if self._jira is None:
                with self._call("GET"):
                    self._jira = self._connect()
            return self._jira

    def _connect(self) -> JIRA:
        options: dict[str, Any] = {"rest_api_version": str(self.api_version),
                                   "check_update": False}
        common: dict[str, Any] = {"options": options, "max_retries": 0,
                                  "timeout": self._auth.timeout}
        if self._auth.pat:
            return JIRA(self._auth.url, token_auth=self._auth.pat, **common)
        return JIRA(self._auth.url, basic_auth=(self._auth.email or "", self._auth.api_token or ""),
                    **common)

    def _call(self, method: str) -> AbstractContextManager[None]:
        return api_call(self._metrics, "jira", method, _translate, self.gate)

    def _url(self, path: str) -> str:
        return str(self.jira._get_url(path))

    def _send(self, method: str, path: str, body: Any = None) -> requests.Response:
        session = self.jira._session
        data = json.dumps(body) if body is not None else None
        with self._call(method):
            response: requests.Response = session.request(method, self._url(path), data=data)
        return response

    def get_issue(self, key_or_id: str) -> JiraIssue:
        fields = "summary,description,labels,issuetype,status,resolution,issuelinks,project"
        with self._call("GET"):
            issue = self.jira.issue(key_or_id, fields=fields)
        return JiraIssue.from_json(issue.raw)

    def add_comment(self, key: str, body: Any) -> tuple[str, str | None]:
        with self._call("POST"):
            comment = self.jira.add_comment(key, body)
        author = comment.raw.get("author") or {}
        return str(comment.id), author.get("accountId") or author.get("name")

    def edit_comment(self, key: str, comment_id: str, body: Any) -> None:
        self._send("PUT", f"issue/{key}/comment/{comment_id}", {"body": body})

    def set_label(self, key: str, label: str, present: bool) -> None:
        verb = "add" if present else "remove"
        self._send("PUT", f"issue/{key}", {"update": {"labels": [{verb: label}]}})

    def get_property(self, key: str) -> dict[str, Any] | None:
        try:
            with self._call("GET"):
                prop = self.jira.issue_property(key, PROPERTY)
        except TrackerError as exc:
            if exc.status == 404:
                return None
            raise
        value = prop.raw.get("value")
        return value if isinstance(value, dict) else None

    def set_property(self, key: str, value: dict[str, Any]) -> None:
        self._send("PUT", f"issue/{key}/properties/{PROPERTY}", value)

    def project_property(self, project: str) -> Any:
        """The value of the project's `usecase-bot` property; None when it has none."""
        # python-jira has no call for project properties; its own JSON getter fetches one.
        try:
            with self._call("GET"):
                raw = self.jira._get_json(f"project/{project}/properties/{PROPERTY}")
        except TrackerError as exc:
            if exc.status == 404:
                return None
            raise
        return raw.get("value") if isinstance(raw, dict) else None

    def comments(self, key: str) -> list[JiraComment]:
        """Every comment of the issue: Jira answers a page at a time, and the bot's own comment
        may sit below a first page of people's."""
        found: list[JiraComment] = []
        while True:
            with self._call("GET"):
                page = self.jira.comments(key, start_at=len(found), max_results=COMMENT_PAGE)
            found.extend(JiraComment.from_json(c.raw) for c in page)
            if len(page) < COMMENT_PAGE:
                return found

    def myself(self) -> str | None:
        """The bot's own account id (Cloud) or user name (Data Center)."""
        with self._call("GET"):
            me = self.jira.myself()
        return me.get("accountId") or me.get("name")

    def may_edit(self, key: str, user: str) -> bool:
        """Whether the user holds EDIT_ISSUES on the issue (Jira's user permission search)."""
        who = "username" if self.jira.deploymentType != "Cloud" else "accountId"
        with self._call("GET"):
            found = self.jira._get_json("user/permission/search", params={
                "permissions": "EDIT_ISSUES", "issueKey": key, who: user})
        return any(user in (u.get("accountId"), u.get("name"))
                   for u in found if isinstance(u, dict)) if isinstance(found, list) else False

    def remote_urls(self, key: str) -> list[str]:
        with self._call("GET"):
            links = self.jira.remote_links(key)
        return [str((link.raw.get("object") or {}).get("url")) for link in links]

    def link_types(self) -> list[str]:
        with self._call("GET"):
            return [t.name for t in self.jira.issue_link_types()]

    def link(self, link_type: str, story: str, use_case: str) -> None:
        self._send("POST", "issueLink", {"type": {"name": link_type},
                                         "inwardIssue": {"key": story},
                                         "outwardIssue": {"key": use_case}})

    def remote_link(self, key: str, url: str, title: str) -> None:
        with self._call("POST"):
            self.jira.add_simple_link(key, {"url": url, "title": title})

    # ------------------------------------------------------------ searching, for the reconcile

    def search(self, jql: str) -> Iterator[JiraIssue]:
        """Every issue `jql` finds, 100 a page, each with the fields the bot reads (no
        per-issue reads). Jira Cloud answers only `search/jql`, paged by token; Data Center
        only `search`, paged by offset; python-jira knows which from serverInfo."""
        jira = self.jira
        fields = "summary,description,labels,issuetype,status,resolution,issuelinks,project"
        cloud = jira.deploymentType == "Cloud"
        token: str | None = None
        start = 0
        while True:
            with self._call("GET"):
                if cloud:
                    page = jira.enhanced_search_issues(jql, nextPageToken=token, maxResults=100,
                                                       fields=fields, json_result=True)
                else:
                    page = jira.search_issues(jql, startAt=start, maxResults=100, fields=fields,
                                              json_result=True)
            assert isinstance(page, dict)  # json_result=True answers the JSON itself
            issues = [raw for raw in page.get("issues") or [] if isinstance(raw, dict)]
            yield from (JiraIssue.from_json(raw) for raw in issues)
            start += len(issues)
            token = page.get("nextPageToken") if cloud else None
            done = (not token or page.get("isLast") is True) if cloud else (
                not issues or start >= int(page.get("total") or 0))
            if done:
                return


def check_link_type(client: JiraClient, name: str) -> None:
    """Fail with a clear message when the configured link type does not exist in Jira."""
    names = client.link_types()
    if name not in names:
        raise TrackerError(
            f"jira.link_type {name!r} does not exist in Jira; it has: {', '.join(names)}"
        )
