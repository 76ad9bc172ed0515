"""The bot as it runs in production, wired to the fake GitHub: a real Flask server on
127.0.0.1, a real SQLite database, real signatures, and the worker drained in-process."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import delete, update
from werkzeug.serving import WSGIRequestHandler, make_server

from bot.config import Secrets, Settings
from bot.runtime import Runtime
from bot.store.models import Event, RatePause
from bot.web.access_log import AccessLog
from bot.web.app import create_app
from tests.fake_github import FakeGitHub

SECRET = "It's a Secret to Everybody"
REPO = "acme/shop"
INCOMPLETE = """### Primary actor

Customer

### Main success scenario

1. Customer puts goods in the cart.
2. System shows the total.
3. Customer pays.
"""
FIXED = INCOMPLETE + """
### Extensions

3a. The payment is declined:
  3a1. System shows the reason.
  3a2. Resume at step 3.
"""
LINT = "<!-- usecase-bot:lint -->"



def lint_comments(fake: FakeGitHub, number: int = 1) -> list[dict[str, Any]]:
    return [c for c in fake.comments_on(REPO, number) if c["body"].startswith(LINT)]




class _Unlogged(WSGIRequestHandler):
    """Requests are logged by `AccessLog`, as under `usecase-bot serve`; Werkzeug's own line
    would quote the query string, and with it Jira Data Center's `?token=`."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class BotUnderTest:
    def __init__(self, tmp: Path, fake: FakeGitHub | None, settings: Settings,
                 secret: str | None = SECRET, env: dict[str, str] | None = None) -> None:
        base = {"DATABASE_URL": f"sqlite:///{tmp / 'bot.db'}"}
        if fake is not None:
            base.update(GITHUB_TOKEN="ghp_test_token", GITHUB_API_URL=fake.url)
        if secret is not None:
            base["GITHUB_WEBHOOK_SECRET"] = secret
        env = {**base, **(env or {})}
        self.runtime = Runtime.build(settings, Secrets.from_env(env))
        self.worker = self.runtime.worker()
        app = create_app(settings, self.runtime.secrets, self.runtime.db, self.runtime.metrics)
        self._server = make_server("127.0.0.1", 0, AccessLog(app), threaded=True,
                                   request_handler=_Unlogged)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        self._server.shutdown()
        self.runtime.db.dispose()

    def deliver(self, event: str, payload: dict[str, Any] | bytes, delivery: str | None = None,
                signature: str | None = "auto", headers: dict[str, str] | None = None
                ) -> requests.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        sent = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
                "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/test"}
        if signature == "auto":
            sent["X-Hub-Signature-256"] = sign(body)
        elif signature is not None:
            sent["X-Hub-Signature-256"] = signature
        sent.update(headers or {})
        return requests.post(f"{self.url}/webhooks/github", data=body, headers=sent, timeout=10)

    def deliver_jira(self, payload: dict[str, Any] | bytes, secret: str | None = None,
                     token: str | None = None, identifier: str | None = None
                     ) -> requests.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json",
                   "X-Atlassian-Webhook-Identifier": identifier or str(uuid.uuid4())}
        if secret is not None:
            headers["X-Hub-Signature"] = sign(body, secret)
        params = {"token": token} if token is not None else {}
        return requests.post(f"{self.url}/webhooks/jira", data=body, headers=headers,
                             params=params, timeout=10)

    def drain(self, limit: int = 100) -> int:
        """Process every event that is due now; the number processed."""
        done = 0
        while done < limit and self.worker.run_once():
            done += 1
        return done

    def make_due(self) -> None:
        """Let events waiting for a retry run now (instead of sleeping through the backoff),
        and let calls go that a tracker's rate limit paused."""
        with self.runtime.db.session() as s:
            s.execute(update(Event).where(Event.status == "pending")
                      .values(next_attempt_at=Event.received_at))
            s.execute(delete(RatePause))

    def events(self) -> list[Event]:
        with self.runtime.db.session() as s:
            return list(s.query(Event).order_by(Event.id))
