"""What the fake trackers share: real HTTP on 127.0.0.1, a request log, failures on demand,
and a check of every request against the tracker's OpenAPI description."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
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
        return None

    def _after(self, response: Response) -> Response:
        for lost in self.lost_replies:
            if lost.times > 0 and lost.method == request.method and \
                    lost.path.search(request.path) and response.status_code < 300:
                lost.times -= 1
                response = Response(json.dumps({"message": "Bad Gateway"}), lost.status,
                                    mimetype="application/json")
                break
        self.log.append((request.method, request.path, response.status_code))
        return response


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, mimetype="application/json")
