"""What the bot does for one Jira event: the same colleague as on GitHub, in Jira's terms —
one comment in the issue's markup (its id kept in the issue property `usecase-bot`), the
label `use-case-incomplete`, and issue links from stories to their use cases."""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.jobs.team_settings import for_project
from bot.lint import comment as render
from bot.lint.engine import lint_text
from bot.lint.registry import RULES
from bot.store.models import IssueRecord
from bot.store.state import State, labels_of
from bot.team_config import TeamSettings
from bot.trackers.calls import TrackerError
from bot.trackers.jira import JiraClient, JiraIssue, check_link_type
from bot.trackers.jira_events import issue_key
from bot.usecase.parse import Markup
from bot.usecase.read import adf
from bot.usecase.similarity import Candidate, suggest, use_case_words
from bot.usecase.stories import commands, parent_references

log = logging.getLogger("usecase_bot.jira")

ORPHAN_LABEL = "story-no-use-case"
COMMAND_HELP = (
    ("/usecase check", "lint this issue again now"),
    ("/usecase link PROJ-12", "make this story part of use case PROJ-12"),
    ("/usecase ignore <rule>", "stop reporting a rule on this issue"),
    ("/usecase help", "show this list"),
)


def description_text(description: Any) -> tuple[str, Markup]:
    """The description as text the parser reads, and its markup."""
    if isinstance(description, dict):
        return json.dumps(description), Markup.ADF
    return (description or "") if isinstance(description, str) else "", Markup.JIRA


def plain(description: Any) -> str:
    text, markup = description_text(description)
    if markup is Markup.ADF:
        return adf.plain(description)
    return text


@dataclass
class JiraHandler:
    settings: Settings
    state: State
    client: JiraClient
    github_web_url: str = "https://github.com"
    _link_type_checked: bool = field(default=False, init=False)
    _teams: dict[str, TeamSettings] = field(default_factory=dict, init=False)

    # ------------------------------------------------------------ entry point

    def handle(self, event: str, payload: dict[str, Any]) -> None:
        kind = payload.get("webhookEvent")
        if self._caused_by_bot(payload):
            log.info("ignored %s caused by the bot", kind)
            return
        if kind in ("jira:issue_created", "jira:issue_updated"):
            if isinstance(payload.get("comment"), dict) and not payload.get("changelog"):
                self._comment_event(payload)
                return
            raw = payload["issue"]
            fields = raw.get("fields") or {}
            issue = (JiraIssue.from_json(raw) if "description" in fields and "labels" in fields
                     else self.client.get_issue(raw["key"]))
            self._remember(issue)
            self.reconcile(issue, fresh=kind == "jira:issue_created")
        elif kind == "jira:issue_deleted":
            key = issue_key(payload["issue"]["key"])
            link = self.state.link(key)
            self.state.forget_issue(key)
            if link is not None:
                self._refresh_parent(link.parent_key)
        elif kind == "comment_created":
            self._comment_event(payload)
        elif kind in ("issuelink_created", "issuelink_deleted"):
            self._link_event(kind, payload["issueLink"])

    def _team(self, project: str) -> TeamSettings:
        """The settings of a project's issues, read at most once per event."""
        if project not in self._teams:
            self._teams[project] = for_project(self.settings, self.state, self.client, project)
        return self._teams[project]

    def _caused_by_bot(self, payload: dict[str, Any]) -> bool:
        me = self.state.identity("jira")
        note = payload.get("comment") if isinstance(payload.get("comment"), dict) else None
        if note is not None:
            author = note.get("author") or {}
            if me and me in (author.get("accountId"), author.get("name")):
                return True
            key = (payload.get("issue") or {}).get("key")
            known = self.state.comment(issue_key(key), "lint") if key else None
            return known is not None and str(known.comment_id) == str(note.get("id"))
        user = payload.get("user") or {}
        return bool(me) and me in (user.get("accountId"), user.get("name"))

    # ------------------------------------------------------------ issues

    def _kind(self, issue: JiraIssue) -> str:
        team = self._team(issue.project)
        cfg = team.jira
        if issue.issue_type in cfg.use_case_types or cfg.use_case_label in issue.labels:
            return "use_case"
        if issue.issue_type in cfg.story_types or any(
            label in issue.labels for label in team.labels.story
        ):
            return "story"
        return "other"

    def _remember(self, issue: JiraIssue) -> IssueRecord:
        description, _ = description_text(issue.description)
        record = IssueRecord(
            key=issue_key(issue.key), tracker="jira", repo=issue.project,
            number=int(issue.id) if issue.id.isdigit() else 0, issue_id=None,
            title=issue.summary, body=description, labels=json.dumps(list(issue.labels)),
            state="closed" if issue.resolved else "open", kind=self._kind(issue),
        )
        self.state.save_issue(record)
        return record

    def reconcile(self, issue: JiraIssue, fresh: bool = False) -> None:
        kind = self._kind(issue)
        if kind == "use_case":
            self._reconcile_use_case(issue, fresh)
        elif kind == "story":
            self._reconcile_story(issue, fresh)
            link = self.state.link(issue_key(issue.key))
            if link is not None:
                self._refresh_parent(link.parent_key)
        else:
            self._set_label(issue, self._team(issue.project).jira.incomplete_label, False)

    def _reconcile_use_case(self, issue: JiraIssue, fresh: bool = False) -> None:
        key = issue_key(issue.key)
        ignored = self.state.ignored(key)
        team = self._team(issue.project)
        text, markup = description_text(issue.description)
        result = lint_text(text, markup, team.lint_policy(frozenset(ignored)))
        stories = [
            render.StoryLine(link.story_key.split(":", 1)[1], record.title,
                             record.state == "closed")
            for link in self.state.stories_of(key)
            if (record := self.state.issue(link.story_key)) is not None
        ]
        doc = render.lint_doc(result.findings, stories, ignored, team.problem)
        self._put_comment(issue, "lint", doc, create=bool(result.findings or stories or
                                                          team.problem), fresh=fresh)
        self._set_label(issue, team.jira.incomplete_label, result.has_errors)

    def _refresh_parent(self, parent_key: str) -> None:
        record = self.state.issue(parent_key)
        if record is None or record.kind != "use_case" or record.tracker != "jira":
            return
        self._reconcile_use_case(_issue_of(record))

    # ------------------------------------------------------------ stories

    def _reconcile_story(self, issue: JiraIssue, fresh: bool = False) -> None:
        key = issue_key(issue.key)
        existing = self.state.link(key)
        if existing is not None and existing.source in ("command", "native"):
            target = existing.parent_key
        else:
            refs = parent_references(plain(issue.description))
            ref = refs[0] if refs else None
            if ref is None:
                target = None
            elif ref.jira_key:
                target = issue_key(ref.jira_key)
            else:
                target = f"github:{ref.repo}#{ref.number}" if ref.repo else None
        if target is None:
            self._orphan(issue, None, fresh)
            return
        if target.startswith("github:"):
            self._remote(issue, target)
            return
        parent = self._parent(target)
        if parent is None:
            self._orphan(issue, f"This story names {target.split(':', 1)[1]}, "
                                "which is not a use case.", fresh)
            self.state.drop_link(key)
            return
        link_type = self.settings.jira.link_type
        if not any(other == parent.key for _, other in issue.links):
            if not self._link_type_checked:
                check_link_type(self.client, link_type)
                self._link_type_checked = True
            self.client.link(link_type, issue.key, parent.key)
        source = existing.source if existing is not None else "text"
        self.state.save_link(key, target, source, True)
        if existing is not None and existing.parent_key != target:
            self._refresh_parent(existing.parent_key)
        self._adopted(issue, parent.key)

    def _remote(self, issue: JiraIssue, target: str) -> None:
        """A use case on GitHub: Jira holds the relation as a remote link."""
        key = issue_key(issue.key)
        known = self.state.link(key)
        if known is None or known.parent_key != target or not known.linked:
            repo, number = target.split(":", 1)[1].rsplit("#", 1)
            url = f"{self.github_web_url}/{repo}/issues/{number}"
            self.client.remote_link(issue.key, url, f"Use case {repo}#{number}")
            self.state.save_link(key, target, "text", True)
        self._adopted(issue, target.split(":", 1)[1])

    def _parent(self, target: str) -> JiraIssue | None:
        """The named parent when it is a use case; None when it is missing or no use case."""
        record = self.state.issue(target)
        if record is None:
            try:
                record = self._remember(self.client.get_issue(target.split(":", 1)[1]))
            except TrackerError as exc:
                if exc.status == 404:
                    return None
                raise
        return _issue_of(record) if record.kind == "use_case" else None

    def _orphan(self, issue: JiraIssue, problem: str | None, fresh: bool) -> None:
        candidates = [
            Candidate(r.key.split(":", 1)[1], f"{r.title}\n{use_case_words(r.body)}")
            for r in self.state.issues_of_kind("jira", issue.project, "use_case")
            if r.state == "open"
        ]
        picks = suggest(f"{issue.summary}\n{plain(issue.description)}", candidates)
        self._put_comment(issue, "link", render.link_doc(picks, problem), fresh=fresh)
        self._set_label(issue, ORPHAN_LABEL, True)

    def _adopted(self, issue: JiraIssue, parent_shown: str) -> None:
        if self.state.comment(issue_key(issue.key), "link") is not None:
            self._put_comment(issue, "link", render.link_doc([], None, linked_to=parent_shown))
        self._set_label(issue, ORPHAN_LABEL, False)

    def _link_event(self, kind: str, link: dict[str, Any]) -> None:
        source = self.client.get_issue(str(link["sourceIssueId"]))
        destination = self.client.get_issue(str(link["destinationIssueId"]))
        for a, b in ((source, destination), (destination, source)):
            if self._kind(a) == "story" and self._kind(b) == "use_case":
                self._remember(a)
                self._remember(b)
                if kind == "issuelink_created":
                    self.state.save_link(issue_key(a.key), issue_key(b.key), "native", True)
                else:
                    self.state.drop_link(issue_key(a.key))
                self._refresh_parent(issue_key(b.key))

    # ------------------------------------------------------------ commands

    def _comment_event(self, payload: dict[str, Any]) -> None:
        note = payload["comment"]
        body = note.get("body")
        text = plain(body) if isinstance(body, dict) else str(body or "")
        found = commands(text)
        if not found:
            return
        issue = self.client.get_issue(payload["issue"]["key"])
        self._remember(issue)
        for command in found:
            self._command(issue, command.verb, command.argument)

    def _command(self, issue: JiraIssue, verb: str, argument: str | None) -> None:
        key = issue_key(issue.key)
        if verb == "help":
            self._reply(issue, render.help_doc(COMMAND_HELP))
        elif verb == "check":
            self.reconcile(issue)
        elif verb == "ignore":
            if argument not in RULES:
                self._reply(issue, render.text_doc(
                    f"There is no rule {argument!r}; /usecase help lists them."))
                return
            self.state.ignore(key, argument)
            self.reconcile(issue)
        elif verb == "link":
            refs = parent_references(f"Use case: {argument or ''}")
            if not refs or not (refs[0].jira_key or refs[0].repo):
                self._reply(issue, render.text_doc("Give the use case as /usecase link PROJ-12."))
                return
            ref = refs[0]
            target = issue_key(ref.jira_key) if ref.jira_key else f"github:{ref.repo}#{ref.number}"
            self.state.save_link(key, target, "command", False)
            self.reconcile(issue)
        else:
            self._reply(issue, render.text_doc(
                f"/usecase {verb} is not a command; /usecase help lists them."))

    def _reply(self, issue: JiraIssue, doc: list[render.Block]) -> None:
        _, author = self.client.add_comment(issue.key, self._body(doc))
        self.state.learn_identity("jira", author)

    # ------------------------------------------------------------ writing the difference

    def _body(self, doc: list[render.Block]) -> Any:
        return render.adf(doc) if self.client.api_version == 3 else render.wiki(doc)

    def _put_comment(self, issue: JiraIssue, kind: str, doc: list[render.Block],
                     create: bool = True, fresh: bool = False) -> None:
        key = issue_key(issue.key)
        body = self._body(doc)
        digest = render.body_hash(json.dumps(body, sort_keys=True))
        known = self.state.comment(key, kind)
        if known is None and not fresh:
            # The database may have been lost: Jira keeps the comment's id for us.
            stored = self.client.get_property(issue.key) or {}
            if stored.get(f"{kind}_comment_id"):
                # The text it holds is unknown, so the next difference is written once.
                self.state.save_comment(key, kind, int(stored[f"{kind}_comment_id"]), "")
                known = self.state.comment(key, kind)
        if known is not None and known.body_hash == digest:
            return
        if known is not None:
            try:
                self.client.edit_comment(issue.key, str(known.comment_id), body)
            except TrackerError as exc:
                if exc.status != 404:
                    raise
            else:
                self._remember_comment(issue, kind, known.comment_id, digest)
                return
        if not create:
            return
        comment_id, author = self.client.add_comment(issue.key, body)
        self.state.learn_identity("jira", author)
        self._remember_comment(issue, kind, int(comment_id), digest)

    def _remember_comment(self, issue: JiraIssue, kind: str, comment_id: int,
                          digest: str) -> None:
        key = issue_key(issue.key)
        known = self.state.comment(key, kind)
        self.state.save_comment(key, kind, comment_id, digest)
        if known is not None and known.comment_id == comment_id:
            return  # Jira already holds this id; only a new comment costs a property write
        value = {}
        for other in ("lint", "link"):
            mine = self.state.comment(key, other)
            if mine is not None:
                value[f"{other}_comment_id"] = str(mine.comment_id)
        self.client.set_property(issue.key, value)

    def _set_label(self, issue: JiraIssue, label: str, wanted: bool) -> None:
        key = issue_key(issue.key)
        if self.state.label_on(key, label, issue.labels) != wanted:
            self.client.set_label(issue.key, label, wanted)
        self.state.save_label(key, label, wanted)


def _issue_of(record: IssueRecord) -> JiraIssue:
    body: Any = record.body
    if body.startswith("{"):
        with contextlib.suppress(ValueError):
            body = json.loads(body)
    return JiraIssue(key=record.key.split(":", 1)[1], id=str(record.number),
                     project=record.repo, summary=record.title, description=body,
                     labels=tuple(labels_of(record)),
                     status="Done" if record.state == "closed" else "",
                     resolved=record.state == "closed")

