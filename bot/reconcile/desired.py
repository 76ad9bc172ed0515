"""How an issue should look, computed from what it says and what the bot knows: pure
functions, no tracker and no database."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from bot.lint.engine import lint_text
from bot.reconcile.tracker import Issue
from bot.team_config import TeamSettings
from bot.usecase.model import Finding, UseCase
from bot.usecase.similarity import Candidate, suggest, use_case_words
from bot.usecase.stories import ParentRef, parent_references


class UseCaseLook(BaseModel):
    model_config = ConfigDict(frozen=True)

    findings: tuple[Finding, ...]
    incomplete: bool
    # The team's configuration could not be used: the comment says so.
    problem: bool
    flows: str

    def comment_needed(self, has_stories: bool) -> bool:
        # A clean use case with no stories and no problem needs no comment until it has one.
        return bool(self.findings or has_stories or self.problem)


def use_case_look(issue: Issue, team: TeamSettings, ignored: Sequence[str]) -> UseCaseLook:
    result = lint_text(issue.text, issue.markup, team.lint_policy(frozenset(ignored)))
    return UseCaseLook(findings=tuple(result.findings), incomplete=result.has_errors,
                       problem=team.problem is not None, flows=flows_digest(result.use_case))


def flows_digest(uc: UseCase) -> str:
    """What the stories of a use case are written against: its main flow's steps and its
    extensions' conditions. Spacing and capitals are no change; the title and the other
    sections are none of the stories' business."""
    def words(text: str) -> str:
        return " ".join(text.casefold().split())

    flows = {"main": [words(s.text) for s in uc.main_flow],
             "extensions": [[words(e.ref), words(e.condition)] for e in uc.extensions]}
    return hashlib.sha256(json.dumps(flows, ensure_ascii=False).encode()).hexdigest()


def display(key: str, home_scope: str) -> str:
    """A reference as people write it: `#12` at home, `owner/repo#12` elsewhere, `PROJ-7`."""
    ref = key.split(":", 1)[1]
    if key.startswith("github:") and ref.startswith(f"{home_scope}#"):
        return ref[len(home_scope):]
    return ref


def key_of(ref: ParentRef, home_tracker: str, home_scope: str) -> str | None:
    if ref.jira_key:
        return f"jira:{ref.jira_key}"
    if ref.number is None:
        return None
    repo = ref.repo or (home_scope if home_tracker == "github" else None)
    return f"github:{repo}#{ref.number}" if repo else None


def named_parent(issue: Issue, tracker: str) -> str | None:
    """The parent a story names in its description, as an issue key."""
    for ref in parent_references(issue.plain):
        key = key_of(ref, tracker, issue.scope)
        if key is not None:
            return key
    return None


def suggestions(story: Issue, use_cases: Sequence[Issue]) -> list[str]:
    candidates = [Candidate(display(u.key, story.scope), f"{u.title}\n{use_case_words(u.text)}")
                  for u in use_cases if not u.closed]
    return suggest(f"{story.title}\n{story.plain}", candidates)


def link_example(tracker: str) -> str:
    """What a user of this tracker writes to name a use case."""
    return "#12" if tracker == "github" else "PROJ-12"
