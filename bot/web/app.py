"""Flask application: verify, store, answer. No tracker call happens on a request."""

from __future__ import annotations

import json
import logging
import traceback
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr, TypeAdapter
from werkzeug.exceptions import HTTPException

from bot.config import Secrets, Settings
from bot.metrics import Metrics
from bot.store import queue
from bot.store.db import Database
from bot.trackers import github_events, jira_events
from bot.web.reports import reports
from bot.web.signatures import split_secrets, valid_signature, valid_token

log = logging.getLogger("usecase_bot.web")
# The column that holds it; GitHub's delivery ids are 36-character GUIDs.
MAX_DELIVERY = 200


@dataclass(frozen=True)
class WebContext:
    settings: Settings
    db: Database
    metrics: Metrics
    github_secrets: list[bytes]
    jira_secrets: list[bytes]
    jira_tokens: list[bytes]


def _ctx() -> WebContext:
    ctx: WebContext = current_app.extensions["usecase_bot"]
    return ctx


def answer(code: int, /, **fields: object) -> tuple[Response, int]:
    """A JSON answer, written as `jsonify` writes it at half its cost (it looks up the
    application's JSON settings on every call), on the path every delivery waits on."""
    text = json.dumps(fields, separators=(",", ":"), sort_keys=True) + "\n"
    return Response(text, mimetype="application/json"), code


def error(status: int, message: str) -> tuple[Response, int]:
    return answer(status, error=message)


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def read_body(max_bytes: int) -> bytes:
    """The raw body, refused with 413 before it is read when it is too large."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise BadRequest(413, f"payload is larger than {max_bytes} bytes")
    body = request.stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise BadRequest(413, f"payload is larger than {max_bytes} bytes")
    return body


def decode_json(body: bytes, routing: TypeAdapter[Any]) -> tuple[dict[str, Any], str]:
    """What `routing` reads of a delivery's JSON object, and the JSON's text as sent; GitHub's
    form-encoded deliveries carry it in `payload`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        # Both trackers send UTF-8; what is stored must be read back the same way.
        raise BadRequest(400, "body is not UTF-8") from None
    if request.mimetype == "application/x-www-form-urlencoded":
        values = parse_qs(text).get("payload")
        if not values:
            raise BadRequest(400, "form-encoded delivery without a payload field")
        text = values[0]
    return read_payload(text, routing), text


def read_payload(text: str, routing: TypeAdapter[Any]) -> dict[str, Any]:
    """The fields `routing` names, read as the worker's `json.loads` will read them. pydantic
    (installed for the settings) checks the whole text but builds only those fields: a fifth
    of the standard parser's time on the path every delivery waits on, and little for the
    garbage collector. Whatever it refuses (not JSON to it, a field of another shape, a lone
    surrogate, nesting past its limit) the standard parser judges."""
    try:
        fields: dict[str, Any] = routing.validate_json(text)
        return fields
    except ValueError:
        pass
    try:
        payload = json.loads(text)
    except ValueError:
        raise BadRequest(400, "body is not valid JSON") from None
    except RecursionError:
        raise BadRequest(400, "body is JSON nested too deeply") from None
    if not isinstance(payload, dict):
        raise BadRequest(400, "body is not a JSON object")
    return payload


webhooks = Blueprint("webhooks", __name__)


@webhooks.post("/webhooks/github")
def github_webhook() -> tuple[Response, int]:
    ctx = _ctx()
    if not ctx.github_secrets:
        return error(503, "GitHub webhooks are off: GITHUB_WEBHOOK_SECRET is not set")
    try:
        body = read_body(ctx.settings.max_payload_bytes)
        if not valid_signature(body, request.headers.get("X-Hub-Signature-256"),
                               ctx.github_secrets):
            raise BadRequest(401, "missing or invalid X-Hub-Signature-256")
        event = request.headers.get("X-GitHub-Event", "")
        delivery = request.headers.get("X-GitHub-Delivery", "")
        if not event or not delivery:
            raise BadRequest(400, "X-GitHub-Event and X-GitHub-Delivery are required")
        if len(delivery) > MAX_DELIVERY:
            raise BadRequest(400, "X-GitHub-Delivery is too long")
        payload, raw = decode_json(body, github_events.ROUTING)
    except BadRequest as exc:
        log.warning("github webhook refused: %s %s", exc.status, exc.message)
        return error(exc.status, exc.message)
    known = event if event in github_events.HANDLED or event == "ping" else "other"
    ctx.metrics.received.labels("github", known).inc()
    if event == "ping":
        return answer(200, status="pong")
    key = github_events.route(event, payload)
    repo = github_events.repo_of(payload)
    wanted = ctx.settings.github.repos
    if key is None or (wanted and repo not in wanted):
        return answer(202, status="ignored")
    # route() accepted the action: a string GitHub names among the handled ones.
    action = str(payload["action"])
    stored = queue.enqueue(ctx.db, "github", delivery, event, action, key, raw)
    if not stored:
        return answer(200, status="duplicate")
    # DEBUG: the access log has the request and the events table the rest; a line more per
    # delivery was a measurable share of the answer's time.
    log.debug("queued github %s.%s for %s (delivery %s)", event, action, key, delivery)
    return answer(202, status="queued", delivery=delivery)


@webhooks.post("/webhooks/jira")
def jira_webhook() -> tuple[Response, int]:
    ctx = _ctx()
    if not ctx.jira_secrets and not ctx.jira_tokens:
        return error(503, "Jira webhooks are off: set JIRA_WEBHOOK_SECRET (Cloud) or "
                          "JIRA_WEBHOOK_TOKEN (Data Center)")
    try:
        body = read_body(ctx.settings.max_payload_bytes)
        signed = bool(ctx.jira_secrets) and valid_signature(
            body, request.headers.get("X-Hub-Signature"), ctx.jira_secrets)
        tokened = bool(ctx.jira_tokens) and valid_token(request.args.get("token"),
                                                         ctx.jira_tokens)
        if not (signed or tokened):
            raise BadRequest(401, "missing or invalid X-Hub-Signature or token")
        payload, raw = decode_json(body, jira_events.ROUTING)
    except BadRequest as exc:
        log.warning("jira webhook refused: %s %s", exc.status, exc.message)
        return error(exc.status, exc.message)
    event = jira_events.event_name(payload)
    ctx.metrics.received.labels("jira", event).inc()
    key = jira_events.route(payload)
    project = jira_events.project_of(payload)
    wanted = ctx.settings.jira.projects
    # Link events carry no project; their handler filters them once it has read the issues.
    if key is None or (wanted and project and project not in wanted):
        return answer(202, status="ignored")
    delivery = jira_events.dedup_key(request.headers.get("X-Atlassian-Webhook-Identifier"),
                                     payload, body)
    stored = queue.enqueue(ctx.db, "jira", delivery, event, jira_events.action_of(payload),
                           key, raw)
    if not stored:
        return answer(200, status="duplicate")
    log.debug("queued jira %s for %s (delivery %s)", event, key, delivery)
    return answer(202, status="queued", delivery=delivery)


ops = Blueprint("ops", __name__)


@ops.get("/healthz")
def healthz() -> tuple[Response, int]:
    ctx = _ctx()
    if not ctx.db.ping():
        return answer(503, status="error", database="unreachable")
    try:
        stats = queue.stats(ctx.db)
    except Exception:  # reported as unhealthy, not raised
        return answer(503, status="error", database="unreachable")
    return answer(200, status="ok", database="ok",
                  queue={"pending": stats.pending, "failed": stats.failed, "dead": stats.dead})


@ops.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(_ctx().metrics.registry), mimetype=CONTENT_TYPE_LATEST)


def _secret_list(value: SecretStr | None) -> list[bytes]:
    return split_secrets(value.get_secret_value() if value is not None else None)


def create_app(settings: Settings, secrets: Secrets, db: Database, metrics: Metrics) -> Flask:
    app = Flask("usecase_bot")
    github_secrets = _secret_list(secrets.github_webhook_secret)
    if not github_secrets:
        log.warning("GITHUB_WEBHOOK_SECRET is not set: /webhooks/github refuses every delivery")
    jira_secrets = _secret_list(secrets.jira_webhook_secret)
    jira_tokens = _secret_list(secrets.jira_webhook_token)
    if not jira_secrets and not jira_tokens:
        log.info("no JIRA_WEBHOOK_SECRET or JIRA_WEBHOOK_TOKEN: /webhooks/jira answers 503")
    app.extensions["usecase_bot"] = WebContext(settings, db, metrics, github_secrets,
                                               jira_secrets, jira_tokens)
    app.register_blueprint(webhooks)
    app.register_blueprint(ops)
    app.register_blueprint(reports)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        return error(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> tuple[Response, int]:
        # One line, without the exception's text: it may quote the payload or a secret.
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        place = f" at {where.filename}:{where.lineno}" if where else ""
        log.error("%s %s failed: %s%s", request.method, request.path, type(exc).__name__,
                  place)
        return error(500, "internal error; the delivery was not stored, please redeliver")

    return app
