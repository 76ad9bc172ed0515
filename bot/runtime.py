"""Wiring: configuration, database, metrics, tracker clients and handlers for a process."""

from __future__ import annotations

import gc
import logging
import os
import re
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.config import ConfigError, Secrets, Settings
from bot.jobs.nightly import JOB as RECONCILE_JOB
from bot.jobs.nightly import GitHubLister, Nightly
from bot.jobs.on_github import GitHubEvents
from bot.jobs.on_jira import JiraEvents
from bot.jobs.pruning import Pruner
from bot.jobs.worker import Handler, HandlerFor, RetryPolicy, Worker
from bot.metrics import Metrics
from bot.reconcile import Tracker
from bot.reconcile.on_github import GitHubTracker, split_key
from bot.reconcile.on_jira import JiraTracker
from bot.store import migrations, queue, schedule
from bot.store.db import Database
from bot.store.limits import Limits
from bot.store.state import State
from bot.trackers.calls import Gate, TrackerError
from bot.trackers.dry_run import DryRunGitHub, DryRunJira
from bot.trackers.github import GitHubAuth, GitHubClient, client_factory, repo_installation
from bot.trackers.jira import JiraAuth, JiraClient, PythonJiraClient, check_link_type

TrackerFor = Callable[[str, int | None], Tracker]


def keep_started() -> None:
    """What the start made lives as long as the process: kept out of the garbage collector's
    full passes from now on, which would otherwise walk all of it (some 130,000 objects, a
    pause of about 60 ms) every few thousand requests, on a request that waits for it."""
    gc.collect()
    gc.freeze()


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


# Longer than any path an operating system accepts.
MAX_PATH = 4096
# A key's base64 body without its PEM lines: nobody's path looks like that.
_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/=]{200,}")


def private_key(raw: str | None) -> str | None:
    """`GITHUB_APP_PRIVATE_KEY` is the PEM text itself or a path to it. Whatever goes wrong
    is told by the variable's name: the value may be the key, and must not be shown."""
    if not raw:
        return raw
    if "-----BEGIN" in raw:
        # A key pasted into a one-line variable often carries its line breaks as `\n`.
        return raw.replace("\\n", "\n") if "\n" not in raw else raw
    if "\n" in raw or "\0" in raw or len(raw) > MAX_PATH or _KEY_MATERIAL.fullmatch(raw):
        raise ConfigError("GITHUB_APP_PRIVATE_KEY is neither PEM text (-----BEGIN ...) nor a "
                          "file path")
    try:
        with open(raw, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeError):
        raise ConfigError("GITHUB_APP_PRIVATE_KEY is not PEM text and names no readable "
                          "file") from None
    if "-----BEGIN" not in text:
        raise ConfigError("the file GITHUB_APP_PRIVATE_KEY names holds no PEM key") from None
    return text


def worker_id() -> str:
    """This process's name on its claims, the same after a restart where the platform gives
    one (Heroku's `DYNO`, a container's host name with pid 1); otherwise host and pid, and
    a restarted process's orphans wait out their short lease."""
    return os.environ.get("DYNO") or f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Runtime:
    settings: Settings
    secrets: Secrets
    db: Database
    metrics: Metrics
    dry_run: bool = False
    worker_id: str = field(default_factory=worker_id)
    _jira: JiraClient | None = field(default=None, init=False, repr=False)
    _python_jira: PythonJiraClient | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, secrets: Secrets, dry_run: bool = False) -> Runtime:
        db = Database(secrets.database_url)
        migrations.upgrade(db)
        metrics = Metrics(lambda: queue.stats(db), lambda: schedule.stats(db, RECONCILE_JOB))
        return cls(settings, secrets, db, metrics, dry_run)

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
            timeout=self.settings.github.timeout_seconds,
        )

    def jira_auth(self) -> JiraAuth:
        s = self.secrets
        return JiraAuth(
            url=s.jira_url, email=s.jira_email,
            api_token=s.jira_api_token.get_secret_value() if s.jira_api_token else None,
            pat=s.jira_pat.get_secret_value() if s.jira_pat else None,
            api_version=self.settings.jira.api_version,
            timeout=self.settings.jira.timeout_seconds,
        )

    def tracker_factory(self) -> TrackerFor:
        """A function from a tracker's name ("github", "jira") and, for a GitHub App, the
        installation id, to the `Tracker` that `bot.reconcile.reconcile_issue` works with."""
        github_for = client_factory(self.github_auth(), self.metrics, self.limits,
                                    self.settings.github.writes_per_minute)
        state = State(self.db)
        if self.dry_run:
            # Plan against GitHub as it is, never against what a dry run pretended to write.
            scratch = Database("sqlite://")
            migrations.upgrade(scratch)
            state = State(scratch)
        web_url = github_web_url(self.secrets.github_api_url)
        jira_client = self.jira_client

        def tracker_for(name: str, installation: int | None = None) -> Tracker:
            if name == "jira":
                return JiraTracker(self.settings, state, jira_client(), web_url,
                                   self.github_auth().configured)
            client: GitHubClient = github_for(installation)
            if self.dry_run:
                client = DryRunGitHub(client)
            cross = jira_client() if self.jira_auth().configured else None
            return GitHubTracker(self.settings, state, client, cross, web_url, installation)

        return tracker_for

    def _installation_of(self, payload: dict[str, Any]) -> int | None:
        """For a reconcile that a Jira story queued for its GitHub use case: no webhook
        named the App's installation, so GitHub is asked which one holds the repository."""
        key = payload.get("key")
        if not isinstance(key, str) or not key.startswith("github:"):
            return None
        repo, _ = split_key(key)
        return repo_installation(self.github_auth(), repo, self.metrics)

    def handler_factory(self) -> HandlerFor:
        tracker_for = self.tracker_factory()

        def handler_for(tracker: str, payload: dict[str, Any]) -> Handler:
            if tracker == "jira":
                jira = tracker_for("jira", None)
                assert isinstance(jira, JiraTracker)
                return JiraEvents(jira)
            installation = (payload.get("installation") or {}).get("id")
            if not isinstance(installation, int):
                installation = self._installation_of(payload)
            github = tracker_for("github", installation)
            assert isinstance(github, GitHubTracker)
            return GitHubEvents(github)

        return handler_for

    @property
    def limits(self) -> Limits:
        """Rate-limit pauses and write pacing, shared with every other worker."""
        return Limits(self.db)

    def jira_client(self) -> JiraClient:
        """The process's Jira client for handlers: writes are only printed in a dry run."""
        if self._jira is None:
            real = self.python_jira()
            self._jira = DryRunJira(real) if self.dry_run else real
        return self._jira

    def python_jira(self) -> PythonJiraClient:
        """The process's one python-jira client (it reads serverInfo once, on first use)."""
        if self._python_jira is None:
            self._python_jira = PythonJiraClient(self.jira_auth(), self.metrics)
            self._python_jira.gate = Gate(self.limits, "jira")
        return self._python_jira

    def nightly(self) -> Nightly:
        """The reconcile, with clients of its own: it lists issues, which the worker's
        `GitHubClient` and `JiraClient` need not know how to do."""
        github: Callable[[str], tuple[GitHubLister, int | None]] | None = None
        if self.github_auth().configured:
            auth = self.github_auth()
            client_for = client_factory(auth, self.metrics, self.limits,
                                        self.settings.github.writes_per_minute)

            def github_for(repo: str) -> tuple[GitHubLister, int | None]:
                installation = repo_installation(auth, repo, self.metrics)
                return client_for(installation), installation

            github = github_for
        jira = self.python_jira() if self.jira_auth().configured else None
        return Nightly(self.settings, self.db, github, jira,
                       github_web_url(self.secrets.github_api_url))

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
            if exc.struggling:  # down, or busy (a 5xx, a rate limit): not misconfigured
                log.warning("Jira is not reachable yet (%s); events will wait for it", exc)
            else:
                log.error("%s", exc)

    def worker(self) -> Worker:
        w = self.settings.worker
        return Worker(self.db, self.handler_factory(), self.metrics,
                      RetryPolicy(retry_hours=w.retry_hours, max_attempts=w.max_attempts,
                                  first_backoff=timedelta(seconds=w.first_backoff_seconds),
                                  max_backoff=timedelta(seconds=w.max_backoff_seconds)),
                      self.worker_id, scrub=self.secrets.scrub,
                      pruner=Pruner(self.db, timedelta(days=w.keep_days)))

    def take_back_claims(self, every_claim: bool) -> None:
        """At start: events this process had claimed before it stopped are due again now,
        not when their lease runs out; `every_claim` for the one-process `serve`, which is
        the only worker there is."""
        released = queue.release(self.db, None if every_claim else self.worker_id)
        if released:
            logging.getLogger("usecase_bot").info(
                "took back %s event(s) claimed before the restart", released)
