"""A fake Jira over real HTTP on 127.0.0.1, for python-jira to talk to, as Jira Cloud
(`deploymentType: Cloud`, REST v3 with ADF) or Data Center (`Server`, REST v2, wiki markup).

Requests under /rest/api/3 are checked against Jira Cloud's OpenAPI description (path,
method, body); /rest/api/2 requests are checked for path and method on the matching v3 path,
as the v2 bodies carry wiki markup where v3 carries ADF.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, request

from tests.descriptions import api_check
from tests.fake_http import FakeServer, OpenApiCheck
from tests.fake_http import json_response as _json

# What the search reads: when an issue without an `updated` field was last updated, and
# the one shape of JQL the bot sends.
_UPDATED = "2026-11-01T10:00:00.000+0000"
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_JQL = re.compile(
    r'project = "(?P<project>[^"]+)" AND \((?:issuetype in \((?P<types>[^)]*)\))?'
    r'(?: OR )?(?:labels in \((?P<labels>[^)]*)\))?\)'
    r'(?: AND updated >= "-(?P<minutes>\d+)m")? ORDER BY created ASC')


COMMENT_PAGE = 100


def jira_check() -> OpenApiCheck | None:
    return api_check("jira")


class FakeJira(FakeServer):
    def __init__(self, deployment: str = "Cloud", check: OpenApiCheck | None = None) -> None:
        self.deployment = deployment
        self.issues: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.properties: dict[tuple[str, str], Any] = {}
        # Project entity properties, by (project key, property key).
        self.project_properties: dict[tuple[str, str], Any] = {}
        self.links: list[dict[str, Any]] = []
        self.remote_links: dict[str, list[dict[str, Any]]] = {}
        self.link_type_names = ["Blocks", "Cloners", "Duplicate", "Relates"]
        # The query of every issue search, in order.
        self.searches: list[dict[str, str]] = []
        # Who holds EDIT_ISSUES (account ids on Cloud, user names on Data Center).
        self.editors: set[str] = {"5c5f-alice", "alice"}
        self.bot = {"accountId": "bot-account", "name": "usecase-bot",
                    "displayName": "usecase-bot"}
        super().__init__("fake_jira", check)

    def checked_path(self, path: str) -> str | None:
        return path.replace("/rest/api/2/", "/rest/api/3/", 1)

    # ------------------------------------------------------------ setup and reading

    def add_issue(self, key: str, summary: str, description: Any, issue_type: str = "Use Case",
                  labels: list[str] | None = None) -> dict[str, Any]:
        number = self.next_id()
        issue = {
            "id": str(number), "key": key, "self": f"{self.url}/rest/api/2/issue/{number}",
            "fields": {
                "summary": summary, "description": description, "labels": list(labels or []),
                "issuetype": {"id": "1", "name": issue_type, "subtask": False},
                "project": {"id": "10000", "key": key.split("-")[0], "name": "Project"},
                "status": {"name": "To Do", "statusCategory": {"key": "new"}},
                "resolution": None, "issuelinks": [],
            },
        }
        self.issues[key] = issue
        return issue

    def comments_on(self, key: str) -> list[dict[str, Any]]:
        return self.comments.get(key, [])

    def labels_on(self, key: str) -> list[str]:
        return list(self.issues[key]["fields"]["labels"])

    def _issue(self, key_or_id: str) -> dict[str, Any] | None:
        if key_or_id in self.issues:
            return self.issues[key_or_id]
        return next((i for i in self.issues.values() if i["id"] == key_or_id), None)

    # ------------------------------------------------------------ the API

    def routes(self, app: Flask) -> None:
        for v in ("2", "3"):
            base = f"/rest/api/{v}"
            app.add_url_rule(f"{base}/serverInfo", f"info{v}", self._server_info)
            app.add_url_rule(f"{base}/myself", f"me{v}", lambda: _json(self.bot))
            app.add_url_rule(f"{base}/issue/<key>", f"issue{v}", self._issue_view,
                             methods=["GET", "PUT"])
            app.add_url_rule(f"{base}/issue/<key>/comment", f"comments{v}", self._comments,
                             methods=["GET", "POST"])
            app.add_url_rule(f"{base}/issue/<key>/comment/<cid>", f"comment{v}", self._comment,
                             methods=["GET", "PUT"])
            app.add_url_rule(f"{base}/issue/<key>/properties/<name>", f"prop{v}",
                             self._property, methods=["GET", "PUT"])
            app.add_url_rule(f"{base}/project/<project>/properties/<name>", f"pprop{v}",
                             self._project_property)
            app.add_url_rule(f"{base}/issueLinkType", f"types{v}", self._link_types)
            app.add_url_rule(f"{base}/issueLink", f"link{v}", self._link, methods=["POST"])
            app.add_url_rule(f"{base}/field", f"field{v}", self._fields)
            app.add_url_rule(f"{base}/search", f"search{v}", self._search)
            app.add_url_rule(f"{base}/search/jql", f"searchjql{v}", self._search_jql)
            app.add_url_rule(f"{base}/issue/<key>/remotelink", f"remote{v}", self._remote,
                             methods=["GET", "POST"])
            app.add_url_rule(f"{base}/user/permission/search", f"perm{v}",
                             self._permission_search)

    def _server_info(self) -> Response:
        return _json({"baseUrl": self.url, "version": "10.3.0" if self.deployment != "Cloud"
                      else "1001.0.0", "versionNumbers": [10, 3, 0],
                      "deploymentType": self.deployment, "buildNumber": 100000,
                      "serverTitle": "Fake Jira"})

    def _issue_view(self, key: str) -> Response:
        issue = self._issue(key)
        if issue is None:
            return _json({"errorMessages": ["Issue does not exist"], "errors": {}}, 404)
        if request.method == "GET":
            return _json(issue)
        update = (request.get_json(silent=True, force=True) or {}).get("update") or {}
        for op in update.get("labels", []):
            labels = issue["fields"]["labels"]
            if "add" in op and op["add"] not in labels:
                labels.append(op["add"])
            if "remove" in op and op["remove"] in labels:
                labels.remove(op["remove"])
        return Response(status=204)

    def _comment_json(self, key: str, cid: str, body: Any) -> dict[str, Any]:
        return {"id": cid, "self": f"{self.url}/rest/api/2/issue/{key}/comment/{cid}",
                "author": self.bot, "updateAuthor": self.bot, "body": body,
                "created": "2026-11-01T10:00:00.000+0000",
                "updated": "2026-11-01T10:00:00.000+0000"}

    def _comments(self, key: str) -> Response:
        issue = self._issue(key)
        if issue is None:
            return _json({"errorMessages": ["Issue does not exist"]}, 404)
        listed = self.comments.setdefault(issue["key"], [])
        if request.method == "GET":
            # Jira hands out comments a page at a time (100 unless asked for fewer).
            start = int(request.args.get("startAt", 0))
            size = min(int(request.args.get("maxResults", COMMENT_PAGE)), COMMENT_PAGE)
            return _json({"comments": listed[start:start + size], "startAt": start,
                          "maxResults": size, "total": len(listed)})
        body = (request.get_json(silent=True, force=True) or {}).get("body")
        if "/rest/api/3/" in request.path and not isinstance(body, dict):
            return _json({"errorMessages": ["Comment body is not valid!"]}, 400)
        if "/rest/api/2/" in request.path and not isinstance(body, str):
            return _json({"errorMessages": ["Comment body must be a string"]}, 400)
        comment = self._comment_json(issue["key"], str(self.next_id()), body)
        listed.append(comment)
        return _json(comment, 201)

    def _comment(self, key: str, cid: str) -> Response:
        issue = self._issue(key)
        listed = self.comments.get(issue["key"], []) if issue else []
        comment = next((c for c in listed if c["id"] == cid), None)
        if comment is None:
            return _json({"errorMessages": ["Comment does not exist"]}, 404)
        if request.method == "PUT":
            comment["body"] = (request.get_json(silent=True, force=True) or {}).get("body")
        return _json(comment)

    def _property(self, key: str, name: str) -> Response:
        issue = self._issue(key)
        if issue is None:
            return _json({"errorMessages": ["Issue does not exist"]}, 404)
        slot = (issue["key"], name)
        if request.method == "PUT":
            created = slot not in self.properties
            self.properties[slot] = request.get_json(silent=True, force=True)
            return Response(status=201 if created else 200)
        if slot not in self.properties:
            return _json({"errorMessages": ["Property not found"]}, 404)
        return _json({"key": name, "value": self.properties[slot]})

    def _project_property(self, project: str, name: str) -> Response:
        """`getProjectProperty`: an `EntityProperty` ({key, value}), 404 for a project or
        property that does not exist."""
        known = {i["fields"]["project"]["key"] for i in self.issues.values()}
        known |= {p for p, _ in self.project_properties}
        if project not in known:
            return _json({"errorMessages": ["No project could be found with key "
                                            f"'{project}'."], "errors": {}}, 404)
        if (project, name) not in self.project_properties:
            return _json({"errorMessages": [f"The property with key '{name}' does not exist."],
                          "errors": {}}, 404)
        return _json({"key": name, "value": self.project_properties[(project, name)]})

    def _link_types(self) -> Response:
        return _json({"issueLinkTypes": [
            {"id": str(10000 + i), "name": n, "inward": f"{n.lower()} (in)",
             "outward": f"{n.lower()} (out)", "self": f"{self.url}/rest/api/2/issueLinkType/{i}"}
            for i, n in enumerate(self.link_type_names)]})

    def _link(self) -> Response:
        sent = request.get_json(silent=True, force=True) or {}
        name = (sent.get("type") or {}).get("name")
        inward = self._issue((sent.get("inwardIssue") or {}).get("key", ""))
        outward = self._issue((sent.get("outwardIssue") or {}).get("key", ""))
        if name not in self.link_type_names or inward is None or outward is None:
            return _json({"errorMessages": ["No issue link type or issue"]}, 404)
        self.links.append({"type": name, "inward": inward["key"], "outward": outward["key"]})
        kind = {"name": name}
        inward["fields"]["issuelinks"].append({"type": kind, "outwardIssue":
                                               {"key": outward["key"], "id": outward["id"]}})
        outward["fields"]["issuelinks"].append({"type": kind, "inwardIssue":
                                                {"key": inward["key"], "id": inward["id"]}})
        return Response(status=201)

    def _permission_search(self) -> Response:
        """`findUsersWithAllPermissions`: the users, among those asked about, who hold every
        permission named on the issue."""
        if not request.args.get("permissions") or not request.args.get("issueKey"):
            return _json({"errorMessages": ["permissions and issueKey are required"]}, 400)
        asked = request.args.get("accountId") or request.args.get("username") or ""
        if "EDIT_ISSUES" not in request.args["permissions"].split(",") or \
                asked not in self.editors:
            return _json([])
        return _json([{"accountId": asked, "name": asked, "displayName": asked,
                       "active": True, "self": f"{self.url}/rest/api/2/user?accountId={asked}"}])

    def _remote(self, key: str) -> Response:
        issue = self._issue(key)
        if issue is None:
            return _json({"errorMessages": ["Issue does not exist"]}, 404)
        if request.method == "GET":
            return _json([{"id": link["id"], "self": f"{self.url}/remotelink/{link['id']}",
                           "object": link.get("object", {})}
                          for link in self.remote_links.get(issue["key"], [])])
        link = {"id": self.next_id(), **(request.get_json(silent=True, force=True) or {})}

        self.remote_links.setdefault(issue["key"], []).append(link)
        return _json({"id": link["id"], "self": f"{self.url}/remotelink/{link['id']}"}, 201)

    # ------------------------------------------------------------ search

    def _fields(self) -> Response:
        """`getFields`: the system fields the bot asks for, with their JQL clause names."""
        names = {"summary": "summary", "description": "description", "labels": "labels",
                 "issuetype": "issuetype", "status": "status", "resolution": "resolution",
                 "issuelinks": "issueLink", "project": "project", "updated": "updated"}
        return _json([{"id": field, "key": field, "name": field.title(), "custom": False,
                       "clauseNames": [clause], "navigable": True, "orderable": True,
                       "searchable": True, "schema": {"type": "string", "system": field}}
                      for field, clause in names.items()])

    def _found(self) -> list[dict[str, Any]] | Response:
        """The issues the `jql` argument names, oldest first, or a 400 for JQL this fake
        does not read (only the shape the bot sends)."""
        jql = request.args.get("jql", "")
        self.searches.append(dict(request.args))
        match = _JQL.fullmatch(jql)
        if match is None:
            return _json({"errorMessages": [f"Error in the JQL Query: {jql}"]}, 400)
        types = set(_QUOTED.findall(match["types"] or ""))
        labels = set(_QUOTED.findall(match["labels"] or ""))
        since = (datetime.now(UTC) - timedelta(minutes=int(match["minutes"]))
                 if match["minutes"] else None)
        found = []
        for issue in self.issues.values():
            fields = issue["fields"]
            updated = datetime.strptime(fields.get("updated", _UPDATED), "%Y-%m-%dT%H:%M:%S.%f%z")
            if (fields["project"]["key"] == match["project"]
                    and (fields["issuetype"]["name"] in types or labels & set(fields["labels"]))
                    and (since is None or updated >= since)):
                found.append(issue)
        return found

    def _search(self) -> Response:
        """Data Center's `search`: pages by offset, with the total."""
        if self.deployment == "Cloud":
            return _json({"errorMessages": ["The requested API has been removed. Please "
                                            "migrate to the /rest/api/3/search/jql API."]}, 410)
        found = self._found()
        if isinstance(found, Response):
            return found
        start = int(request.args.get("startAt", 0))
        size = int(request.args.get("maxResults", 50))
        return _json({"startAt": start, "maxResults": size, "total": len(found),
                      "issues": found[start:start + size]})

    def _search_jql(self) -> Response:
        """Cloud's `search/jql`: pages by an opaque token, no total."""
        if self.deployment != "Cloud":
            return _json({"errorMessages": ["Not found"]}, 404)
        found = self._found()
        if isinstance(found, Response):
            return found
        start = int(request.args.get("nextPageToken") or 0)
        size = int(request.args.get("maxResults", 50))
        page: dict[str, Any] = {"issues": found[start:start + size],
                                "isLast": start + size >= len(found)}
        if not page["isLast"]:
            page["nextPageToken"] = str(start + size)
        return _json(page)
