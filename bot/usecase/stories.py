"""Which use case a user story names as its parent. Pure text in, references out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.usecase.text import clean_inline


@dataclass(frozen=True)
class ParentRef:
    """A reference to a parent: a GitHub issue (`repo` may be None: the story's own repo)
    or a Jira key."""

    repo: str | None = None
    number: int | None = None
    jira_key: str | None = None

    def display(self, home_repo: str | None = None) -> str:
        if self.jira_key:
            return self.jira_key
        if self.repo is None or self.repo == home_repo:
            return f"#{self.number}"
        return f"{self.repo}#{self.number}"


_REF = (
    r"(?P<url>https?://[^\s/]+/(?P<url_repo>[\w.-]+/[\w.-]+)/issues/(?P<url_number>\d+))"
    r"|(?P<full>(?P<full_repo>[\w.-]+/[\w.-]+)#(?P<full_number>\d+))"
    r"|(?:(?<![\w/])#|\bGH-)(?P<number>\d+)\b"
    r"|\b(?P<jira>[A-Z][A-Z0-9_]+-\d+)\b"
)
_LABELLED = re.compile(
    r"(?i)\b(?:use[- ]?case|parent|implements?|slice of|part of|refs?|relates? to|traces? to)"
    r"\b(?:\s*\([^)]*\))?\s*[:#-]?\s*(?:" + _REF + ")"
)
_ANY = re.compile(_REF)
# "### Use case" then the value on its own line, as issue forms write it.
_FORM_FIELD = re.compile(r"(?im)^#{1,6}\s*(?:parent\s+)?use[- ]?case\s*$\n+\s*(?P<value>.+)$")


def _ref(m: re.Match[str]) -> ParentRef | None:
    if m.group("url"):
        return ParentRef(repo=m.group("url_repo"), number=int(m.group("url_number")))
    if m.group("full"):
        return ParentRef(repo=m.group("full_repo"), number=int(m.group("full_number")))
    if m.group("number"):
        return ParentRef(number=int(m.group("number")))
    if m.group("jira") and not m.group("jira").startswith(("UTF-", "ISO-", "SHA-", "RFC-")):
        return ParentRef(jira_key=m.group("jira"))
    return None


def parent_references(body: str) -> list[ParentRef]:
    """References the story gives for its parent, most explicit first, without repeats.

    A labelled reference ("Use case: #12", "Implements PROJ-7") or the issue form's field
    counts; a bare `#12` counts only when it is the one reference in the text, since stories
    mention other issues for other reasons.
    """
    text = body.replace("\r\n", "\n")
    found: list[ParentRef] = []
    for m in _FORM_FIELD.finditer(text):
        value = clean_inline(m.group("value"))
        found += [r for r in (_ref(x) for x in _ANY.finditer(value)) if r is not None]
    found += [r for r in (_ref(m) for m in _LABELLED.finditer(text)) if r is not None]
    if not found:
        bare = [r for r in (_ref(m) for m in _ANY.finditer(text)) if r is not None]
        if len(set(bare)) == 1:
            found = bare
    unique: list[ParentRef] = []
    for ref in found:
        if ref not in unique:
            unique.append(ref)
    return unique


# One command a line: the verb and its argument never reach into the next line.
_COMMAND = re.compile(
    r"(?im)^[ \t]*/usecase(?![\w-])(?:[ \t]+(?P<verb>[\w-]+))?(?:[ \t]+(?P<arg>\S+))?"
)


@dataclass(frozen=True)
class Command:
    verb: str
    argument: str | None


def commands(comment: str) -> list[Command]:
    """Every `/usecase ...` line of a comment, in order (`/usecase` alone asks for help)."""
    return [
        Command((m.group("verb") or "help").lower(), m.group("arg"))
        for m in _COMMAND.finditer(comment.replace("\r\n", "\n"))
    ]
