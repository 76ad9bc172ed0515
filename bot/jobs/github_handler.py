"""What the bot does for one GitHub event: compute how the issue should look (comment,
labels, links), compare with what GitHub holds, and write only the difference."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.jobs.team_settings import for_repo
from bot.lint import comment as render
from bot.lint.engine import lint_text
from bot.lint.registry import RULES
from bot.store.models import IssueRecord
from bot.store.state import State, labels_of
from bot.team_config import TeamSettings
from bot.trackers.calls import TrackerError
from bot.trackers.github import GitHubClient, IssueData
from bot.trackers.github_events import issue_key
from bot.trackers.jira import JiraClient
from bot.usecase.similarity import Candidate, suggest, use_case_words
from bot.usecase.stories import ParentRef, commands, parent_references

log = logging.getLogger("usecase_bot.github")

INCOMPLETE_COLOR, INCOMPLETE_TEXT = "d93f0b", "usecase-bot: this use case has errors to fix"
ORPHAN_LABEL, ORPHAN_COLOR = "story:no-use-case", "fbca04"
ORPHAN_TEXT = "usecase-bot: this story names no use case"
ALLOWED = {"OWNER", "MEMBER", "COLLABORATOR"}
COMMAND_HELP = (
    ("/usecase check", "lint this issue again now"),
    ("/usecase link #12", "make this story part of use case #12"),
    ("/usecase ignore <rule>", "stop reporting a rule on this issue"),
    ("/usecase help", "show this list"),
)


@dataclass
class GitHubHandler:
    settings: Settings
    state: State
    client: GitHubClient
    # For stories whose use case lives in Jira: the relation becomes a remote link there.
    jira: JiraClient | None = None
    github_web_url: str = "https://github.com"
    _teams: dict[str, TeamSettings] = field(default_factory=dict, init=False)

    # ------------------------------------------------------------ entry point

    def handle(self, event: str, payload: dict[str, Any]) -> None:
        repo = payload["repository"]["full_name"]
        if self._caused_by_bot(event, payload):
            log.info("ignored %s.%s caused by the bot", event, payload.get("action"))
            return
        if event == "issues":
            self._issue_event(repo, payload)
        elif event == "issue_comment":
            self._comment_event(repo, payload)
        elif event == "sub_issues":
            self._sub_issue_event(repo, payload)

    def _team(self, repo: str) -> TeamSettings:
        """The settings of a repository's issues, read at most once per event."""
        if repo not in self._teams:
            self._teams[repo] = for_repo(self.settings, self.state, self.client, repo)
        return self._teams[repo]

    def _caused_by_bot(self, event: str, payload: dict[str, Any]) -> bool:
        """Our comments carry a marker; our comments, labels and links come from our login."""
        if event == "issue_comment" and render.is_bot_comment(
            (payload.get("comment") or {}).get("body") or ""
        ):
            return True
        me = self.state.identity("github")
        if not me or (payload.get("sender") or {}).get("login") != me:
            return False
        return event in ("issue_comment", "sub_issues") or payload.get("action") in (
            "labeled", "unlabeled"
        )

    # ------------------------------------------------------------ issues

    def _issue_event(self, repo: str, payload: dict[str, Any]) -> None:
        action = payload["action"]
        raw = payload["issue"]
        key = issue_key(repo, raw["number"])
        if action in ("deleted", "transferred"):
            previous = self.state.issue(key)
            parent = self.state.link(key)
            self.state.forget_issue(key)
            if previous is not None and parent is not None:
                self._refresh_parent(parent.parent_key)
            return
        issue = IssueData.from_json(repo, raw)
        if action in ("labeled", "unlabeled"):
            label = (payload.get("label") or {}).get("name")
            if label in (self._team(repo).labels.incomplete, ORPHAN_LABEL):
                self.state.save_label(key, label, action == "labeled")
        self._remember(issue)
        self.reconcile(issue)

    def _remember(self, issue: IssueData) -> IssueRecord:
        record = IssueRecord(
            key=issue_key(issue.repo, issue.number), tracker="github", repo=issue.repo,
            number=issue.number, issue_id=issue.id, title=issue.title, body=issue.body,
            labels=json.dumps(list(issue.labels)), state=issue.state, kind=self._kind(issue),
            comment_count=issue.comments,
        )
        previous = self.state.issue(record.key)
        self.state.save_issue(record)
        if previous is not None and previous.kind == "story" and record.kind != "story":
            link = self.state.link(record.key)
            self.state.drop_link(record.key)
            if link is not None:
                self._refresh_parent(link.parent_key)
        return record

    def _kind(self, issue: IssueData) -> str:
        labels = self._team(issue.repo).labels
        if labels.use_case in issue.labels:
            return "use_case"
        if any(label in issue.labels for label in labels.story):
            return "story"
        return "other"

    def reconcile(self, issue: IssueData) -> None:
        kind = self._kind(issue)
        key = issue_key(issue.repo, issue.number)
        if kind == "use_case":
            self._reconcile_use_case(issue)
        elif kind == "story":
            self._reconcile_story(issue)
            link = self.state.link(key)
            if link is not None:
                self._refresh_parent(link.parent_key)
        else:
            # No longer a use case: take our label away, leave the comment as a record.
            self._set_label(issue, self._team(issue.repo).labels.incomplete, False)

    # ------------------------------------------------------------ use cases

    def _reconcile_use_case(self, issue: IssueData) -> None:
        key = issue_key(issue.repo, issue.number)
        ignored = self.state.ignored(key)
        team = self._team(issue.repo)
        result = lint_text(issue.body, policy=team.lint_policy(frozenset(ignored)))
        stories = self._story_lines(key, issue.repo)
        body = render.markdown(render.lint_doc(result.findings, stories, ignored, team.problem),
                               render.LINT_MARKER)
        wanted = bool(result.findings or stories or team.problem)
        self._put_comment(issue, render.LINT_MARKER, body, create=wanted)
        self._set_label(issue, team.labels.incomplete, result.has_errors)

    def _story_lines(self, parent_key: str, home_repo: str) -> list[render.StoryLine]:
        lines = []
        for link in self.state.stories_of(parent_key):
            story = self.state.issue(link.story_key)
            if story is None:
                continue
            ref = f"#{story.number}" if story.repo == home_repo else f"{story.repo}#{story.number}"
            lines.append(render.StoryLine(ref, story.title, story.state == "closed"))
        return lines

    def _refresh_parent(self, parent_key: str) -> None:
        """Keep the Stories list of a use case's comment current."""
        record = self.state.issue(parent_key)
        if record is None or record.kind != "use_case":
            return
        self._reconcile_use_case(_issue_of(record))

    # ------------------------------------------------------------ stories

    def _reconcile_story(self, issue: IssueData) -> None:
        key = issue_key(issue.repo, issue.number)
        existing = self.state.link(key)
        if existing is not None and existing.source in ("command", "native"):
            parent_key = existing.parent_key
            refs: list[ParentRef] = []
        else:
            refs = parent_references(issue.body)
            parent_key = None
        if parent_key is None and refs:
            ref = refs[0]
            if ref.jira_key:
                parent_key = f"jira:{ref.jira_key}"
            else:
                parent_key = issue_key(ref.repo or issue.repo, ref.number or 0)
        if parent_key is None:
            self._orphan(issue, None)
            return
        if parent_key.startswith("jira:"):
            self._remote_parent(issue, key, parent_key)
            return
        parent = self._parent_record(parent_key)
        if parent is None or parent.kind != "use_case":
            shown = parent_key.split(":", 1)[1].replace(f"{issue.repo}#", "#")
            self._orphan(issue, f"This story names {shown}, which is not a use case.")
            self.state.drop_link(key)
            return
        source = existing.source if existing is not None else "text"
        linked = bool(existing and existing.linked and existing.parent_key == parent_key)
        if not linked and parent.repo == issue.repo and issue.id is not None:
            current = self.client.parent_of(issue.repo, issue.number)
            if current != parent.number:
                if current is not None:  # a sub-issue has one parent: move it
                    self.client.remove_sub_issue(issue.repo, current, issue.id)
                self.client.add_sub_issue(issue.repo, parent.number, issue.id)
            linked = True
        self.state.save_link(key, parent_key, source, linked)
        if existing is not None and existing.parent_key != parent_key:
            self._refresh_parent(existing.parent_key)
        shown = f"#{parent.number}" if parent.repo == issue.repo else parent_key.split(":", 1)[1]
        self._adopted(issue, shown)

    def _remote_parent(self, issue: IssueData, key: str, parent_key: str) -> None:
        jira_key = parent_key.split(":", 1)[1]
        known = self.state.link(key)
        linked = bool(known and known.parent_key == parent_key and known.linked)
        if not linked and self.jira is not None:
            url = f"{self.github_web_url}/{issue.repo}/issues/{issue.number}"
            self.jira.remote_link(jira_key, url, f"Story {issue.repo}#{issue.number}: "
                                                 f"{issue.title}")
            linked = True
        self.state.save_link(key, parent_key, "text", linked)
        self._adopted(issue, jira_key)

    def _parent_record(self, parent_key: str) -> IssueRecord | None:
        record = self.state.issue(parent_key)
        if record is not None:
            return record
        repo, number = parent_key.split(":", 1)[1].rsplit("#", 1)
        try:
            fetched = self.client.get_issue(repo, int(number))
        except TrackerError as exc:
            if exc.status == 404:
                return None
            raise
        return self._remember(fetched)

    def _orphan(self, issue: IssueData, problem: str | None) -> None:
        known = self.state.issues_of_kind("github", issue.repo, "use_case")
        if not known:
            # A fresh database knows no use case yet: ask GitHub once for the open ones.
            use_case = self._team(issue.repo).labels.use_case
            for found in self.client.issues_with_label(issue.repo, use_case):
                known.append(self._remember(found))
        candidates = [
            Candidate(f"#{r.number}", f"{r.title}\n{use_case_words(r.body)}")
            for r in known if r.state == "open"
        ]
        picks = suggest(f"{issue.title}\n{issue.body}", candidates)
        self._put_comment(issue, render.LINK_MARKER,
                          render.markdown(render.link_doc(picks, problem), render.LINK_MARKER))
        self._set_label(issue, ORPHAN_LABEL, True)

    def _adopted(self, issue: IssueData, parent_shown: str) -> None:
        key = issue_key(issue.repo, issue.number)
        if self.state.comment(key, render.LINK_MARKER) is not None:
            doc = render.link_doc([], None, linked_to=parent_shown)
            self._put_comment(issue, render.LINK_MARKER, render.markdown(doc, render.LINK_MARKER))
        self._set_label(issue, ORPHAN_LABEL, False)

    # ------------------------------------------------------------ sub-issue events

    def _sub_issue_event(self, repo: str, payload: dict[str, Any]) -> None:
        parent = payload["parent_issue"]
        child = payload["sub_issue"]
        child_repo = (payload.get("sub_issue_repo") or {}).get("full_name") or repo
        parent_key = issue_key(repo, parent["number"])
        child_key = issue_key(child_repo, child["number"])
        if payload["action"] in ("sub_issue_added", "parent_issue_added"):
            if self.state.issue(child_key) is None:
                self._remember(IssueData.from_json(child_repo, child))
            known = self.state.link(child_key)
            if known is None or known.parent_key != parent_key:
                # Made by hand in GitHub: it holds until someone changes it there.
                self.state.save_link(child_key, parent_key, "native", True)
        else:
            link = self.state.link(child_key)
            if link is not None and link.parent_key == parent_key:
                self.state.drop_link(child_key)
        self._refresh_parent(parent_key)

    # ------------------------------------------------------------ commands

    def _comment_event(self, repo: str, payload: dict[str, Any]) -> None:
        action = payload["action"]
        note = payload.get("comment") or {}
        if action == "deleted":
            if render.is_bot_comment(note.get("body") or ""):
                self.state.forget_comment_id(int(note["id"]))
            return
        if action != "created":
            return
        found = commands(note.get("body") or "")
        if not found:
            return
        issue = IssueData.from_json(repo, payload["issue"])
        if note.get("author_association") not in ALLOWED:
            user = (note.get("user") or {}).get("login", "there")
            self._reply(issue, render.text_doc(
                f"Sorry @{user}, only people with write or triage access to this repository "
                "can give usecase-bot commands."))
            return
        for command in found:
            self._command(issue, command.verb, command.argument)

    def _command(self, issue: IssueData, verb: str, argument: str | None) -> None:
        key = issue_key(issue.repo, issue.number)
        if verb == "help":
            self._reply(issue, render.help_doc(COMMAND_HELP))
        elif verb == "check":
            fresh = self.client.get_issue(issue.repo, issue.number)
            self._remember(fresh)
            self.reconcile(fresh)
        elif verb == "ignore":
            if argument not in RULES:
                self._reply(issue, render.text_doc(
                    f"There is no rule `{argument}`; `/usecase help` lists them."))
                return
            self.state.ignore(key, argument)
            self._remember(issue)
            self.reconcile(issue)
        elif verb == "link":
            refs = parent_references(f"Use case: {argument or ''}")
            number = refs[0].number if refs else None
            if number is None:
                self._reply(issue, render.text_doc("Give the use case as `/usecase link #12`."))
                return
            ref = refs[0]
            self.state.save_link(key, issue_key(ref.repo or issue.repo, number), "command",
                                 False)
            self._remember(issue)
            self.reconcile(issue)
        else:
            self._reply(issue, render.text_doc(
                f"`/usecase {verb}` is not a command; `/usecase help` lists them."))

    def _reply(self, issue: IssueData, doc: list[render.Block]) -> None:
        body = render.markdown(doc, render.REPLY_MARKER)
        created = self.client.create_comment(issue.repo, issue.number, body)
        self.state.learn_identity("github", created.author)

    # ------------------------------------------------------------ writing the difference

    def _put_comment(self, issue: IssueData, marker: str, body: str, create: bool = True) -> None:
        key = issue_key(issue.repo, issue.number)
        digest = render.body_hash(body)
        known = self.state.comment(key, marker)
        if known is not None and known.body_hash == digest:
            return
        if known is None and issue.comments > 0:
            # The database may have been lost: the marker finds our comment again.
            for c in self.client.list_comments(issue.repo, issue.number):
                if c.body.lstrip().startswith(marker):
                    self.state.save_comment(key, marker, c.id, render.body_hash(c.body))
                    known = self.state.comment(key, marker)
                    break
            if known is not None and known.body_hash == digest:
                return
        if known is not None:
            try:
                self.client.edit_comment(issue.repo, known.comment_id, body)
            except TrackerError as exc:
                if exc.status != 404:
                    raise
                known = None  # deleted behind our back: write it anew
            else:
                self.state.save_comment(key, marker, known.comment_id, digest)
                return
        if not create:
            return
        created = self.client.create_comment(issue.repo, issue.number, body)
        self.state.save_comment(key, marker, created.id, digest)
        self.state.learn_identity("github", created.author)

    def _set_label(self, issue: IssueData, label: str, wanted: bool) -> None:
        key = issue_key(issue.repo, issue.number)
        have = self.state.label_on(key, label, issue.labels)
        if have == wanted:
            self.state.save_label(key, label, wanted)
            return
        if wanted:
            if not self.state.label_known(issue.repo, label):
                color, text = ((INCOMPLETE_COLOR, INCOMPLETE_TEXT) if label != ORPHAN_LABEL
                               else (ORPHAN_COLOR, ORPHAN_TEXT))
                self.client.ensure_label(issue.repo, label, color, text)
                self.state.save_known_label(issue.repo, label)
            self.client.add_label(issue.repo, issue.number, label)
        else:
            self.client.remove_label(issue.repo, issue.number, label)
        self.state.save_label(key, label, wanted)


def _issue_of(record: IssueRecord) -> IssueData:
    return IssueData(repo=record.repo, number=record.number, id=record.issue_id,
                     title=record.title, body=record.body, labels=tuple(labels_of(record)),
                     state=record.state, comments=record.comment_count)

