"""What the fake trackers share: real HTTP on 127.0.0.1, a request log, failures on demand,
faults injected at random (`Chaos`), and a check of every request against the tracker's
OpenAPI description."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.serving import make_server

SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


class OpenApiCheck:
    """Path, method and request-body checks against an OpenAPI 3.0 description."""

    def __init__(self, spec: dict[str, Any]) -> None:
        from openapi_schema_validator import OAS30Validator

        self.spec = spec
        self._validator = OAS30Validator
        self.routes = []
        for template, ops in spec["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            self.routes.append((re.compile(pattern), template, ops))

    def problems(self, method: str, path: str, body: Any, check_body: bool = True) -> list[str]:
        for pattern, template, ops in self.routes:
            if not pattern.match(path):
                continue
            op = ops.get(method.lower())
            if op is None:
                continue
            if not check_body:
                return []
            schema = (((op.get("requestBody") or {}).get("content") or {})
                      .get("application/json") or {}).get("schema")
            if schema is None:
                return [] if body is None else [f"{method} {template} takes no JSON body"]
            if body is None:
                required = (op.get("requestBody") or {}).get("required", False)
                return [f"{method} {template} needs a JSON body"] if required else []
            validator = self._validator(
                {**schema, "components": self.spec.get("components", {})}
            )
            return [f"{method} {template}: {e.message}" for e in validator.iter_errors(body)]
        return [f"{method} {path} is not in GitHub's API description"]


def load_check(path: Path) -> OpenApiCheck | None:
    """The check for a description under ../shared, or None where it is absent."""
    if not path.is_file():
        if os.environ.get("CI"):
            raise FileNotFoundError(f"{path} is absent in CI: ../shared must sit beside us")
        return None
    return OpenApiCheck(json.loads(path.read_text()))


# The faults `Chaos` injects. A lost reply (a proxy's 502), a dropped connection and a slow
# answer come after the change is made: a client that gave up cannot tell it was. A server
# error, a reset and a rate limit come before, and change nothing. A write applied only after
# its client gave up (and after a retry looked for it) is left out: nothing could find it.
SERVER_ERROR = "server_error"
LOST_REPLY = "lost_reply"
DROPPED = "dropped"
RESET = "reset"
SLOW = "slow"
PRIMARY_LIMIT = "primary_limit"
SECONDARY_LIMIT = "secondary_limit"
JIRA_LIMIT = "jira_limit"
RATE_LIMITS = frozenset({PRIMARY_LIMIT, SECONDARY_LIMIT, JIRA_LIMIT})
# How often each fault is drawn, relative to the others. A rate limit stops every call for
# a second or more, so it is drawn rarely enough for a test to stay short.
_TRANSPORT = {SERVER_ERROR: 8.0, LOST_REPLY: 6.0, DROPPED: 4.0, RESET: 4.0, SLOW: 6.0}
GITHUB_FAULTS = {**_TRANSPORT, PRIMARY_LIMIT: 0.5, SECONDARY_LIMIT: 0.5}
JIRA_FAULTS = {**_TRANSPORT, JIRA_LIMIT: 1.0}
_GITHUB_LIMITS_DOC = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"


@dataclass
class Chaos:
    """Faults for a `share` of requests, drawn by weight from `kinds` with a generator seeded
    with `seed`, so that a failing run can be told again. `timeout` is the client's: a slow
    answer usually comes within it, and `past_timeout` of the time only after it. A rate
    limit lasts `limit_seconds` at most."""

    seed: int
    kinds: dict[str, float] = field(default_factory=lambda: dict(GITHUB_FAULTS))
    share: float = 0.2
    timeout: float = 20.0
    past_timeout: float = 0.1
    limit_seconds: int = 2

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        with self._lock:
            if self._rng.random() >= self.share:
                return None
            return self._rng.choices(list(self.kinds), list(self.kinds.values()))[0]

    def delay(self) -> float:
        with self._lock:
            if self._rng.random() < self.past_timeout:
                return self.timeout + 0.5
            return self._rng.uniform(0.05, min(0.5, self.timeout / 2))

    def wait(self) -> int:
        with self._lock:
            return self._rng.randint(1, self.limit_seconds)

    def pick(self, *choices: int) -> int:
        with self._lock:
            return self._rng.choice(choices)


def _github_primary_limit(chaos: Chaos, wait: int) -> Response:
    """What GitHub answers when an installation's hourly requests are used up."""
    reset = int(time.time()) + wait
    headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0",
               "x-ratelimit-used": "5000", "x-ratelimit-reset": str(reset),
               "x-ratelimit-resource": "core"}
    status = chaos.pick(403, 429)
    body = {"message": "API rate limit exceeded for installation ID 7.",
            "documentation_url": _GITHUB_LIMITS_DOC, "status": str(status)}
    return Response(json.dumps(body), status, headers=headers, mimetype="application/json")


def _github_secondary_limit(chaos: Chaos, wait: int) -> Response:
    """What GitHub answers to a burst of requests, with the seconds to wait."""
    body = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                       "before you try again.",
            "documentation_url": _GITHUB_LIMITS_DOC, "status": "403"}
    return Response(json.dumps(body), 403, headers={"retry-after": str(wait)},
                    mimetype="application/json")


def _jira_limit(chaos: Chaos, wait: int) -> Response:
    """What Jira answers to too many requests: a 429 with `Retry-After`."""
    reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + wait))
    headers = {"Retry-After": str(wait), "X-RateLimit-Limit": "100",
               "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset,
               "RateLimit-Reason": "jira-quota-tenant-based"}
    return Response(json.dumps({"errorMessages": ["Rate limit exceeded."]}), 429,
                    headers=headers, mimetype="application/json")


_REFUSALS = {PRIMARY_LIMIT: _github_primary_limit, SECONDARY_LIMIT: _github_secondary_limit,
             JIRA_LIMIT: _jira_limit}


def _drop_connection() -> None:
    """Close the client's connection with a reset and no answer. What the server then writes
    goes nowhere, which werkzeug takes as a client gone away."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):  # the client may have left first
        sock.shutdown(socket.SHUT_RDWR)


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    times: int


class FakeServer:
    """A Flask app served in a thread; subclasses add the tracker's routes in `routes()`."""

    def __init__(self, name: str, check: OpenApiCheck | None) -> None:
        self.check = check
        self.log: list[tuple[str, str, int]] = []
        self.violations: list[str] = []
        self.auth_headers: list[str] = []
        self.failures: list[Failure] = []
        # Requests that are carried out and whose answer is then lost (a 502 in its place).
        self.lost_replies: list[Failure] = []
        # Seconds every request waits before it is answered, as a distant tracker would.
        self.latency: float = 0.0
        # Faults at random, when a test sets it; what was injected, in order, as
        # (time, method, path, fault), and when each request arrived, as (time, method, path).
        self.chaos: Chaos | None = None
        self.injected: list[tuple[float, str, str, str]] = []
        self.arrivals: list[tuple[float, str, str]] = []
        # The seconds each injected rate limit asked for, by the time of its request.
        self.limit_waits: dict[float, int] = {}
        self._ids = 1000
        self._lock = threading.RLock()
        self.app = Flask(name)
        self.app.before_request(self._before)
        self.app.after_request(self._after)
        self.routes(self.app)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def routes(self, app: Flask) -> None:
        raise NotImplementedError

    def checked_path(self, path: str) -> str | None:
        """The path to check against the description; None to leave a request unchecked."""
        return path

    def start(self) -> Any:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    def fail_next(self, method: str, path_regex: str, status: int,
                  headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.append(Failure(method, re.compile(path_regex), status, headers or {},
                                     times))

    def lose_reply(self, method: str, path_regex: str, status: int = 502,
                   times: int = 1) -> None:
        """Make the change, then answer `status` as a proxy does when the tracker's answer
        never reached it: the caller cannot tell that the change was made."""
        self.lost_replies.append(Failure(method, re.compile(path_regex), status, {}, times))

    def writes(self) -> list[tuple[str, str, int]]:
        return [entry for entry in self.log if entry[0] != "GET"]

    def calls(self, since: int = 0) -> list[tuple[str, str, int]]:
        return self.log[since:]

    def _before(self) -> Response | None:
        arrived = time.time()
        self.arrivals.append((arrived, request.method, request.path))
        if self.latency:
            time.sleep(self.latency)
        body = request.get_json(silent=True, force=True) if request.data else None
        self.auth_headers.append(request.headers.get("Authorization", ""))
        path = self.checked_path(request.path)
        if self.check is not None and path is not None:
            problems = self.check.problems(request.method, path, body,
                                           check_body=path == request.path)
            self.violations += problems
        for failure in self.failures:
            if failure.times > 0 and failure.method == request.method and \
                    failure.path.search(request.path):
                failure.times -= 1
                message = "API rate limit exceeded" if failure.status in (403, 429) else \
                    "Server Error"
                return Response(json.dumps({"message": message}), failure.status,
                                headers=failure.headers, mimetype="application/json")
        chaos = self.chaos
        fault = chaos.draw() if chaos is not None else None
        if chaos is None or fault is None:
            return None
        g.fault = fault
        self.injected.append((arrived, request.method, request.path, fault))
        if fault == SERVER_ERROR:
            status = chaos.pick(500, 502, 503)
            return Response(json.dumps({"message": "Server Error"}), status,
                            mimetype="application/json")
        if fault == RESET:
            _drop_connection()
            return Response(status=599)  # never sent; the log shows the reset as 599
        if fault in _REFUSALS:
            wait = chaos.wait()
            self.limit_waits[arrived] = wait
            return _REFUSALS[fault](chaos, wait)
        return None  # the rest happen once the request is carried out

    def _after(self, response: Response) -> Response:
        for lost in self.lost_replies:
            if lost.times > 0 and lost.method == request.method and \
                    lost.path.search(request.path) and response.status_code < 300:
                lost.times -= 1
                response = Response(json.dumps({"message": "Bad Gateway"}), lost.status,
                                    mimetype="application/json")
                break
        fault = g.get("fault")
        if fault == SLOW and self.chaos is not None:
            time.sleep(self.chaos.delay())
        elif fault == LOST_REPLY:
            response = Response(json.dumps({"message": "Bad Gateway"}), 502,
                                mimetype="application/json")
        elif fault == DROPPED:
            _drop_connection()
            response = Response(status=599)
        self.log.append((request.method, request.path, response.status_code))
        return response


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, mimetype="application/json")
