"""Wiring: configuration, database, metrics, tracker clients and handlers for a process."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from bot.config import Secrets, Settings
from bot.jobs.github_handler import GitHubHandler
from bot.jobs.jira_handler import JiraHandler
from bot.jobs.worker import Handler, HandlerFor, Worker
from bot.metrics import Metrics
from bot.store import queue
from bot.store.db import Database
from bot.store.state import State
from bot.trackers.calls import TrackerError
from bot.trackers.dry_run import DryRunGitHub, DryRunJira
from bot.trackers.github import GitHubAuth, GitHubClient, client_factory
from bot.trackers.jira import JiraAuth, JiraClient, PythonJiraClient, check_link_type


def setup_logging() -> None:
    level = os.environ.get("USECASE_BOT_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO), stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def github_web_url(api_url: str) -> str:
    """Where people see issues: github.com for the public API, the host for GHES."""
    api = api_url.rstrip("/")
    if api == "https://api.github.com":
        return "https://github.com"
    return api.removesuffix("/api/v3")


def private_key(raw: str | None) -> str | None:
    """`GITHUB_APP_PRIVATE_KEY` is the PEM text itself or a path to it."""
    if not raw or "BEGIN" in raw:
        return raw
    with open(raw, encoding="utf-8") as fh:
        return fh.read()


@dataclass
class Runtime:
    settings: Settings
    secrets: Secrets
    db: Database
    metrics: Metrics
    dry_run: bool = False
    _jira: JiraClient | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, secrets: Secrets, dry_run: bool = False) -> Runtime:
        db = Database(secrets.database_url)
        db.create_schema()
        return cls(settings, secrets, db, Metrics(lambda: queue.stats(db)), dry_run)

    def github_auth(self) -> GitHubAuth:
        s = self.secrets
        return GitHubAuth(
            api_url=s.github_api_url,
            token=s.github_token.get_secret_value() if s.github_token else None,
            app_id=s.github_app_id,
            private_key=private_key(
                s.github_app_private_key.get_secret_value() if s.github_app_private_key else None
            ),
            seconds_between_writes=self.settings.github.seconds_between_writes,
        )

    def jira_auth(self) -> JiraAuth:
        s = self.secrets
        return JiraAuth(
            url=s.jira_url, email=s.jira_email,
            api_token=s.jira_api_token.get_secret_value() if s.jira_api_token else None,
            pat=s.jira_pat.get_secret_value() if s.jira_pat else None,
            api_version=self.settings.jira.api_version,
        )

    def handler_factory(self) -> HandlerFor:
        github_for = client_factory(self.github_auth(), self.metrics)
        state = State(self.db)
        if self.dry_run:
            # Plan against GitHub as it is, never against what a dry run pretended to write.
            scratch = Database("sqlite://")
            scratch.create_schema()
            state = State(scratch)

        web_url = github_web_url(self.secrets.github_api_url)
        jira_client = self.jira_client

        def handler_for(tracker: str, payload: dict[str, Any]) -> Handler:
            if tracker == "jira":
                return JiraHandler(self.settings, state, jira_client(), web_url)
            installation = (payload.get("installation") or {}).get("id")
            client: GitHubClient = github_for(installation)
            if self.dry_run:
                client = DryRunGitHub(client)
            cross = jira_client() if self.jira_auth().configured else None
            return GitHubHandler(self.settings, state, client, cross, web_url)

        return handler_for

    def jira_client(self) -> JiraClient:
        """The process's one Jira client (python-jira reads serverInfo once, on first use)."""
        if self._jira is None:
            real = PythonJiraClient(self.jira_auth(), self.metrics)
            self._jira = DryRunJira(real) if self.dry_run else real
        return self._jira

    def startup_checks(self) -> None:
        """Say at start what will not work; an unreachable Jira is only a warning."""
        log = logging.getLogger("usecase_bot")
        if not self.github_auth().configured:
            log.warning("no GitHub credentials (GITHUB_TOKEN or GITHUB_APP_ID + "
                        "GITHUB_APP_PRIVATE_KEY): GitHub events will fail")
        if not self.jira_auth().configured:
            return
        try:
            check_link_type(self.jira_client(), self.settings.jira.link_type)
        except TrackerError as exc:
            if exc.status is None or exc.status >= 500:
                log.warning("Jira is not reachable yet (%s); events will wait for it", exc)
            else:
                log.error("%s", exc)

    def worker(self) -> Worker:
        return Worker(self.db, self.handler_factory(), self.metrics,
                      self.settings.worker.max_attempts)
