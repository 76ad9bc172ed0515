"""A fake GitHub REST API over real HTTP on 127.0.0.1, for PyGithub to talk to.

It holds repositories, issues, comments, labels and sub-issues and paginates with Link
headers; `FakeServer` adds the request log, failures on demand and the OpenAPI check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request

from tests.descriptions import api_check
from tests.fake_http import FakeServer, OpenApiCheck
from tests.fake_http import json_response as _json


def load_check() -> OpenApiCheck | None:
    return api_check("github")


@dataclass
class Repo:
    full_name: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    sub_issues: dict[int, list[int]] = field(default_factory=dict)
    # Files on the default branch, by path.
    files: dict[str, bytes] = field(default_factory=dict)


class FakeGitHub(FakeServer):
    def __init__(self, check: OpenApiCheck | None = None, per_page: int = 30) -> None:
        self.per_page = per_page
        self.repos: dict[str, Repo] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.bot_login = "usecase-bot"
        # Roles by login (admin, maintain, write, triage, read); anyone else may read.
        self.roles: dict[str, str] = {"alice": "admin"}
        # (path, If-None-Match header or None) of every contents request, in order.
        self.content_reads: list[tuple[str, str | None]] = []
        # The query of every issue listing, in order.
        self.listings: list[dict[str, str]] = []
        super().__init__("fake_github", check)
        # GitHub's issue and comment ids are past 2**32 by now; 32-bit columns must fail here.
        self._ids = 4_300_000_000

    def checked_path(self, path: str) -> str | None:
        if path == "/user":
            return None  # documented by GitHub (users/get-authenticated), outside the subset
        # The description marks the contents `path` as `x-multi-segment`: its slashes are
        # one parameter, which the check's one-segment pattern reads as one escaped segment.
        match = _CONTENTS.match(path)
        if match:
            return f"{match.group(1)}{match.group(2).replace('/', '%2F')}"
        return path

    # ------------------------------------------------------------ setup

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

    def put_file(self, full_name: str, path: str, text: str) -> None:
        self.repo(full_name).files[path] = text.encode()

    # ------------------------------------------------------------ what the tests read

    def comments_on(self, full_name: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values()
                if c["_repo"] == full_name and c["_issue"] == number]

    def labels_on(self, full_name: str, number: int) -> list[str]:
        return [lb["name"] for lb in self.repos[full_name].issues[number]["labels"]]

    # ------------------------------------------------------------ the API

    def _label(self, full_name: str, name: str, color: str, description: str) -> dict[str, Any]:
        return {"id": self.next_id(), "node_id": f"L_{name}", "name": name, "color": color,
                "description": description, "default": False,
                "url": f"{self.url}/repos/{full_name}/labels/{name}"}

    def routes(self, app: Flask) -> None:
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
        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>/sub_issue",
                         view_func=self._remove_sub_issue, methods=["DELETE"])
        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>/parent",
                         view_func=self._parent, methods=["GET"])
        app.add_url_rule("/repos/<owner>/<name>/issues", view_func=self._issues,
                         methods=["GET"])
        app.add_url_rule("/repos/<owner>/<name>/issues", "create_issue",
                         view_func=self._create_issue, methods=["POST"])
        app.add_url_rule("/repos/<owner>/<name>/issues/<int:number>", "edit_issue",
                         view_func=self._edit_issue, methods=["PATCH"])
        app.add_url_rule("/repos/<owner>/<name>/contents/<path:path>", view_func=self._contents,
                         methods=["GET"])
        app.add_url_rule("/user", view_func=lambda: _json(_user(self.bot_login)),
                         methods=["GET"])
        app.add_url_rule("/repos/<owner>/<name>/installation", view_func=self._installation,
                         methods=["GET"])
        app.add_url_rule("/repos/<owner>/<name>/collaborators/<user>/permission",
                         view_func=self._permission, methods=["GET"])
        app.add_url_rule("/app/installations/<int:installation>/access_tokens",
                         view_func=self._token, methods=["POST"])

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
        self.listings.append(dict(request.args))
        since = request.args.get("since", "")
        items = [i for i in repo.issues.values()
                 if (state == "all" or i["state"] == state)
                 and all(w in [lb["name"] for lb in i["labels"]] for w in wanted)
                 and i["updated_at"] >= since]
        return self._page(items)

    def _create_issue(self, owner: str, name: str) -> Response:
        """`issues/create`: the next number in the repository, labels created on the fly."""
        sent = request.get_json(silent=True) or {}
        if not isinstance(sent.get("title"), str):
            return _json({"message": "Validation Failed"}, 422)
        repo = self.repo(f"{owner}/{name}")
        number = max(repo.issues, default=0) + 1
        issue = self.add_issue(repo.full_name, number, sent["title"], sent.get("body") or "",
                               [str(lb) for lb in sent.get("labels") or []])
        return _json(issue, 201)

    def _edit_issue(self, owner: str, name: str, number: int) -> Response:
        """`issues/update`, for the fields the bot sends."""
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        sent = request.get_json(silent=True) or {}
        for key in ("title", "body", "state"):
            if isinstance(sent.get(key), str):
                found[1][key] = sent[key]
        return _json(found[1])

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

    def _remove_sub_issue(self, owner: str, name: str, number: int) -> Response:
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        repo, _ = found
        child_id = (request.get_json(silent=True, force=True) or {}).get("sub_issue_id")
        kids = repo.sub_issues.get(number, [])
        if child_id not in kids:
            return _json({"message": "Not Found"}, 404)
        kids.remove(child_id)
        child = next(i for i in repo.issues.values() if i["id"] == child_id)
        return _json(child)

    def _parent(self, owner: str, name: str, number: int) -> Response:
        found = self._find(owner, name, number)
        if found is None:
            return _json({"message": "Not Found"}, 404)
        repo, issue = found
        for parent_number, kids in repo.sub_issues.items():
            if issue["id"] in kids:
                return _json(repo.issues[parent_number])
        return _json({"message": "Not Found"}, 404)

    def _contents(self, owner: str, name: str, path: str) -> Response:
        """A file as `repos/get-content` answers (the `content-file` schema), with an ETag
        that turns a repeated read of an unchanged file into a 304."""
        sent_etag = request.headers.get("If-None-Match")
        self.content_reads.append((path, sent_etag))
        repo = self.repos.get(f"{owner}/{name}")
        data = repo.files.get(path) if repo else None
        if data is None:
            return _json({"message": "Not Found",
                          "documentation_url": "https://docs.github.com/rest/repos/contents"},
                         404)
        sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        etag = f'W/"{sha}"'
        if sent_etag == etag:
            return Response(status=304, headers={"ETag": etag})
        encoded = base64.b64encode(data).decode()
        content = "".join(encoded[i:i + 60] + "\n" for i in range(0, len(encoded), 60))
        self_url = f"{self.url}/repos/{owner}/{name}/contents/{path}?ref=main"
        git_url = f"{self.url}/repos/{owner}/{name}/git/blobs/{sha}"
        html_url = f"https://github.test/{owner}/{name}/blob/main/{path}"
        body = {
            "type": "file", "encoding": "base64", "size": len(data),
            "name": path.rsplit("/", 1)[-1], "path": path, "content": content, "sha": sha,
            "url": self_url, "git_url": git_url, "html_url": html_url,
            "download_url": f"https://raw.github.test/{owner}/{name}/main/{path}",
            "_links": {"self": self_url, "git": git_url, "html": html_url},
        }
        return Response(json.dumps(body), 200, headers={"ETag": etag},
                        mimetype="application/json")

    def _installation(self, owner: str, name: str) -> Response:
        return _json({"id": 7, "app_id": 1, "app_slug": self.bot_login.removesuffix("[bot]"),
                      "target_type": "Organization", "account": _user(owner),
                      "access_tokens_url": f"{self.url}/app/installations/7/access_tokens",
                      "repositories_url": f"{self.url}/installation/repositories",
                      "html_url": "https://github.test/apps/usecase-bot", "permissions": {},
                      "events": [], "created_at": "2026-11-01T10:00:00Z",
                      "updated_at": "2026-11-01T10:00:00Z", "single_file_name": None,
                      "repository_selection": "all", "target_id": 1})

    def _permission(self, owner: str, name: str, user: str) -> Response:
        """`repos/get-collaborator-permission-level`: `permission` folds maintain into
        write and triage into read, as GitHub does; `role_name` keeps them apart."""
        role = self.roles.get(user, "read")
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        return _json({"permission": legacy, "role_name": role, "user": _user(user)})

    def _token(self, installation: int) -> Response:
        return _json({"token": f"ghs_installation{installation}",
                      "expires_at": "2099-01-01T00:00:00Z", "permissions": {}}, 201)


_CONTENTS = re.compile(r"^(/repos/[^/]+/[^/]+/contents/)(.+)$")


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if not k.startswith("_")}


def _user(login: str) -> dict[str, Any]:
    return {"login": login, "id": abs(hash(login)) % 100000, "node_id": f"U_{login}",
            "type": "Bot" if login.endswith("[bot]") else "User", "site_admin": False,
            "url": f"https://api.github.test/users/{login}"}
