"""A fake GitHub REST API over real HTTP on 127.0.0.1, for PyGithub to talk to.

It holds repositories, issues, comments, labels and sub-issues; paginates with Link headers;
can be told to fail the next matching requests (500s, rate limits); logs every request; and,
when GitHub's OpenAPI description is available, checks each request's path, method and JSON
body against it and records anything undocumented as a violation.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import make_server

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "github" / (
    "openapi-subset.json"
)


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

    def problems(self, method: str, path: str, body: Any) -> list[str]:
        for pattern, template, ops in self.routes:
            if not pattern.match(path):
                continue
            op = ops.get(method.lower())
            if op is None:
                continue
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


def load_check() -> OpenApiCheck | None:
    if not SPEC_PATH.is_file():
        return None
    return OpenApiCheck(json.loads(SPEC_PATH.read_text()))


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    times: int


@dataclass
class Repo:
    full_name: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    sub_issues: dict[int, list[int]] = field(default_factory=dict)


class FakeGitHub:
    def __init__(self, check: OpenApiCheck | None = None, per_page: int = 30) -> None:
        self.check = check
        self.per_page = per_page
        self.repos: dict[str, Repo] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.log: list[tuple[str, str, int]] = []
        self.violations: list[str] = []
        self.auth_headers: list[str] = []
        self.failures: list[Failure] = []
        self.bot_login = "usecase-bot"
        self._ids = 1000
        self._lock = threading.RLock()
        self.app = self._build_app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # ------------------------------------------------------------ lifecycle and setup

    def start(self) -> FakeGitHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    def repo(self, full_name: str) -> Repo:
        return self.repos.setdefault(full_name, Repo(full_name))

    def add_issue(self, full_name: str, number: int, title: str, body: str,
                  labels: list[str] | None = None, state: str = "open") -> dict[str, Any]:
        repo = self.repo(full_name)
        for name in labels or []:
            repo.labels.setdefault(name, self._label(full_name, name, "ededed", ""))
        issue = {
            "id": self.next_id(), "node_id": f"I_{number}", "number": number, "title": title,
            "body": body, "state": state, "locked": False, "comments": 0,
            "labels": [repo.labels[n] for n in labels or []],
            "user": _user("author"), "url": f"{self.url}/repos/{full_name}/issues/{number}",
            "html_url": f"https://github.test/{full_name}/issues/{number}",
            "repository_url": f"{self.url}/repos/{full_name}",
            "created_at": "2026-11-01T10:00:00Z", "updated_at": "2026-11-01T10:00:00Z",
            "author_association": "OWNER",
        }
        repo.issues[number] = issue
        return issue

    def fail_next(self, method: str, path_regex: str, status: int,
                  headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.failures.append(Failure(method, re.compile(path_regex), status, headers or {},
                                     times))

    # ------------------------------------------------------------ what the tests read

    def comments_on(self, full_name: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values()
                if c["_repo"] == full_name and c["_issue"] == number]

    def labels_on(self, full_name: str, number: int) -> list[str]:
        return [lb["name"] for lb in self.repos[full_name].issues[number]["labels"]]

    def writes(self) -> list[tuple[str, str, int]]:
        return [entry for entry in self.log if entry[0] != "GET"]

    def calls(self, since: int = 0) -> list[tuple[str, str, int]]:
        return self.log[since:]

    # ------------------------------------------------------------ the API

    def _label(self, full_name: str, name: str, color: str, description: str) -> dict[str, Any]:
        return {"id": self.next_id(), "node_id": f"L_{name}", "name": name, "color": color,
                "description": description, "default": False,
                "url": f"{self.url}/repos/{full_name}/labels/{name}"}

    def _build_app(self) -> Flask:
        app = Flask("fake_github")
        fake = self

        @app.before_request
        def _check() -> Response | None:
            body = request.get_json(silent=True) if request.data else None
            fake.auth_headers.append(request.headers.get("Authorization", ""))
            if fake.check is not None:
                fake.violations += fake.check.problems(request.method, request.path, body)
            for failure in fake.failures:
                if failure.times > 0 and failure.method == request.method and \
                        failure.path.search(request.path):
                    failure.times -= 1
                    message = "API rate limit exceeded" if failure.status in (403, 429) else \
                        "Server Error"
                    return Response(json.dumps({"message": message}), failure.status,
                                    headers=failure.headers, mimetype="application/json")
            return None

        @app.after_request
        def _log(response: Response) -> Response:
            fake.log.append((request.method, request.path, response.status_code))
            return response

        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>", view_func=self._issue,
                         methods=["GET"])
        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>/comments",
                         view_func=self._issue_comments, methods=["GET", "POST"])
        app.add_url_rule("/repos/<owner>/<name>/issues/comments/<int:comment_id>",
                         view_func=self._comment, methods=["PATCH", "DELETE"])
        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>/labels",
                         view_func=self._add_labels, methods=["POST"])
        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>/labels/<label>",
                         view_func=self._remove_label, methods=["DELETE"])
        app.add_url_rule("/repos/<owner>/<name>/labels", view_func=self._labels,
                         methods=["GET", "POST"])
        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>/sub_issues",
                         view_func=self._sub_issues, methods=["GET", "POST"])
        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>/parent",
                         view_func=self._parent, methods=["GET"])
        app.add_url_rule("/repos/<owner>/<name>/issues", view_func=self._issues,
                         methods=["GET"])
        app.add_url_rule("/app/installations/<int:installation>/access_tokens",
                         view_func=self._token, methods=["POST"])
        return app

    def _find(self, owner: str, name: str, number: int) -> tuple[Repo, dict[str, Any]] | None:
        repo = self.repos.get(f"{owner}/{name}")
        if repo is None or number not in repo.issues:
            return None
        return repo, repo.issues[number]

    def _page(self, items: list[Any]) -> Response:
        per_page = int(request.args.get("per_page", self.per_page))
        page = int(request.args.get("page", 1))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []
        last = max((len(items) + per_page - 1) // per_page, 1)
        base = f"{self.url}{request.path}?per_page={per_page}"
        for k, v in request.args.items():
            if k not in ("page", "per_page"):
                base += f"&{k}={v}"
        if page < last:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
            links.append(f'<{base}&page={last}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return Response(json.dumps(chunk), 200, headers=headers, mimetype="application/json")

    def _issue(self, owner: str, name: str, number: int) -> Response:
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        return _json(found[1])

    def _issues(self, owner: str, name: str) -> Response:
        repo = self.repos.get(f"{owner}/{name}")
        if repo is None:
            return _json({"message": "Not Found"}, 404)
        wanted = [w for w in request.args.get("labels", "").split(",") if w]
        state = request.args.get("state", "open")
        items = [i for i in repo.issues.values()
                 if (state == "all" or i["state"] == state)
                 and all(w in [lb["name"] for lb in i["labels"]] for w in wanted)]
        return self._page(items)

    def _issue_comments(self, owner: str, name: str, number: int) -> Response:
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        _, issue = found
        full = f"{owner}/{name}"
        if request.method == "GET":
            return self._page([_public(c) for c in self.comments_on(full, number)])
        body = (request.get_json(silent=True) or {}).get("body")
        if not isinstance(body, str):
            return _json({"message": "Invalid request"}, 422)
        cid = self.next_id()
        comment = {
            "id": cid, "node_id": f"C_{cid}", "body": body, "user": _user(self.bot_login),
            "url": f"{self.url}/repos/{full}/issues/comments/{cid}",
            "html_url": f"https://github.test/{full}/issues/{number}#issuecomment-{cid}",
            "issue_url": issue["url"], "created_at": "2026-11-01T10:00:00Z",
            "updated_at": "2026-11-01T10:00:00Z", "author_association": "NONE",
            "_repo": full, "_issue": number,
        }
        self.comments[cid] = comment
        issue["comments"] += 1
        return _json(_public(comment), 201)

    def _comment(self, owner: str, name: str, comment_id: int) -> Response:
        comment = self.comments.get(comment_id)
        if comment is None or comment["_repo"] != f"{owner}/{name}":
            return _json({"message": "Not Found"}, 404)
        if request.method == "DELETE":
            del self.comments[comment_id]
            return Response(status=204)
        body = (request.get_json(silent=True) or {}).get("body")
        if not isinstance(body, str):
            return _json({"message": "Invalid request"}, 422)
        comment["body"] = body
        return _json(_public(comment))

    def _add_labels(self, owner: str, name: str, number: int) -> Response:
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        repo, issue = found
        sent = request.get_json(silent=True)
        names = sent.get("labels", []) if isinstance(sent, dict) else sent or []
        for label in names:
            label_name = label if isinstance(label, str) else label.get("name")
            if label_name not in repo.labels:  # GitHub creates unknown labels on the fly
                repo.labels[label_name] = self._label(repo.full_name, label_name, "ededed", "")
            if label_name not in [lb["name"] for lb in issue["labels"]]:
                issue["labels"].append(repo.labels[label_name])
        return _json(issue["labels"])

    def _remove_label(self, owner: str, name: str, number: int, label: str) -> Response:
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        _, issue = found
        if label not in [lb["name"] for lb in issue["labels"]]:
            return _json({"message": "Label does not exist"}, 404)
        issue["labels"] = [lb for lb in issue["labels"] if lb["name"] != label]
        return _json(issue["labels"])

    def _labels(self, owner: str, name: str) -> Response:
        repo = self.repo(f"{owner}/{name}")
        if request.method == "GET":
            return self._page(list(repo.labels.values()))
        sent = request.get_json(silent=True) or {}
        label_name = sent.get("name")
        if label_name in repo.labels:
            return _json({"message": "Validation Failed",
                          "errors": [{"code": "already_exists"}]}, 422)
        repo.labels[label_name] = self._label(repo.full_name, label_name,
                                              sent.get("color", "ededed"),
                                              sent.get("description", ""))
        return _json(repo.labels[label_name], 201)

    def _sub_issues(self, owner: str, name: str, number: int) -> Response:
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        repo, _ = found
        if request.method == "GET":
            kids = [i for i in repo.issues.values() if i["id"] in repo.sub_issues.get(number, [])]
            return self._page(kids)
        child_id = (request.get_json(silent=True) or {}).get("sub_issue_id")
        child = next((i for i in repo.issues.values() if i["id"] == child_id), None)
        if child is None:
            return _json({"message": "Validation Failed"}, 422)
        if any(child_id in kids for kids in repo.sub_issues.values()):
            return _json({"message": "Validation Failed: issue already has a parent"}, 422)
        repo.sub_issues.setdefault(number, []).append(child_id)
        return _json(child, 201)

    def _parent(self, owner: str, name: str, number: int) -> Response:
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        repo, issue = found
        for parent_number, kids in repo.sub_issues.items():
            if issue["id"] in kids:
                return _json(repo.issues[parent_number])
        return _json({"message": "Not Found"}, 404)

    def _token(self, installation: int) -> Response:
        return _json({"token": f"ghs_installation{installation}",
                      "expires_at": "2099-01-01T00:00:00Z", "permissions": {}}, 201)


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, mimetype="application/json")


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if not k.startswith("_")}


def _user(login: str) -> dict[str, Any]:
    return {"login": login, "id": abs(hash(login)) % 100000, "node_id": f"U_{login}",
            "type": "Bot" if login.endswith("[bot]") else "User", "site_admin": False,
            "url": f"https://api.github.test/users/{login}"}
