"""The bot's comments, built once as a small document and written out as GitHub Markdown,
Jira wiki markup or Atlassian Document Format. Deterministic: the same findings and stories
always give the same text, so an unchanged issue costs no write."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.lint.registry import RULES
from bot.usecase.model import Finding, Severity

LINT_MARKER = "<!-- usecase-bot:lint -->"
LINK_MARKER = "<!-- usecase-bot:link -->"
REPLY_MARKER = "<!-- usecase-bot:reply -->"
MARKERS = (LINT_MARKER, LINK_MARKER, REPLY_MARKER)

_HEADINGS = ((Severity.ERROR, "Errors"), (Severity.WARNING, "Warnings"), (Severity.INFO, "Notes"))

# A segment of text: plain, "code" or "strong".
Segment = tuple[str, str | None]


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "para", "label" (a bold line), "item", "fix", "small"
    segments: tuple[Segment, ...]


def doc_block(kind: str, *parts: str | Segment) -> Block:
    """A block of a comment document; plain strings are text without a link."""
    return Block(kind, tuple(p if isinstance(p, tuple) else (p, None) for p in parts))


@dataclass(frozen=True)
class StoryLine:
    ref: str
    title: str
    closed: bool = False
    # When the use case's flows changed after the story was linked or last reviewed.
    suspect_since: date | None = None


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def is_bot_comment(body: str) -> bool:
    return body.lstrip().startswith(MARKERS)


def tag(marker: str) -> str:
    """The marker as visible text, for markups that cannot hide a comment (Jira)."""
    return marker.removeprefix("<!-- ").removesuffix(" -->")


def tagged(doc: Sequence[Block], marker: str) -> list[Block]:
    return [*doc, doc_block("small", tag(marker))]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- what the comments say


def lint_doc(findings: Sequence[Finding], stories: Sequence[StoryLine],
             ignored: Sequence[str], config_problem: tuple[str, str] | None = None,
             per_rule: int | None = None) -> list[Block]:
    """`config_problem`: the team's own configuration file and why it could not be used.
    `per_rule`: a summary for a comment that would pass the tracker's limit: the count of
    each rule's findings, its first `per_rule` findings and how many more there are."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    if errors:
        doc = [
            doc_block("heading", f"Use-case check: {_count(len(errors), 'error')}, "
                          f"{_count(len(warnings), 'warning')}"),
            doc_block("para", "This use case is missing something its readers will need. "
                       "Edit the issue and this comment updates itself."),
        ]
    elif findings:
        doc = [doc_block("heading", "Use-case check: no errors"),
               doc_block("para", "Every error is fixed. What is left are suggestions.")]
    else:
        doc = [doc_block("heading", "Use-case check: all clear"),
               doc_block("para", "Every error is fixed and nothing else stands out.")]
    if config_problem is not None:
        source, reason = config_problem
        doc.append(doc_block("para", "The team's configuration ", (source, "code"),
                      f" could not be used: {reason}; the defaults apply."))
    for severity, heading in _HEADINGS:
        group = [f for f in findings if f.severity is severity]
        if group:
            doc.append(doc_block("label", heading))
        doc += _findings(group) if per_rule is None else _summary(group, per_rule)
    if ignored:
        parts: list[str | Segment] = ["Ignored on this issue: "]
        for i, rule in enumerate(sorted(ignored)):
            parts += [", "] if i else []
            parts.append((rule, "code"))
        doc.append(doc_block("para", *parts))
    if stories:
        doc.append(doc_block("heading", "Stories"))
        for s in stories:
            state = " (closed)" if s.closed else ""
            doc.append(doc_block("item", f"{s.ref}{state} {s.title}".rstrip()))
            if s.suspect_since is not None:
                doc.append(_suspect(s.suspect_since))
    doc.append(doc_block("small", "Commands: ", ("/usecase check", "code"), " · ",
                  ("/usecase ignore <rule>", "code"), " · ", ("/usecase help", "code")))
    return doc


def _suspect(since: date) -> Block:
    return doc_block("fix", f"⚠ suspect: the use case's flows changed on {since.isoformat()} after "
                     "this story was linked or last reviewed; comment ",
              ("/usecase reviewed", "code"), " on the story once it is checked")


def _findings(group: Sequence[Finding]) -> list[Block]:
    doc = []
    for f in group:
        where = f" (line {f.line})" if f.line else ""
        doc.append(doc_block("item", (f.rule, "code"), f"{where}: {f.message}"))
        doc.append(doc_block("fix", ("To fix:", "strong"), f" {RULES[f.rule].advice}"))
    return doc


def _summary(group: Sequence[Finding], per_rule: int) -> list[Block]:
    by_rule: dict[str, list[Finding]] = {}
    for f in group:
        by_rule.setdefault(f.rule, []).append(f)
    doc = []
    for rule, found in by_rule.items():
        doc.append(doc_block("item", (rule, "code"), f": {_count(len(found), 'finding')}"))
        doc.append(doc_block("fix", ("To fix:", "strong"), f" {RULES[rule].advice}"))
        for f in found[:per_rule]:
            where = f"line {f.line}: " if f.line else ""
            doc.append(doc_block("fix", f"{where}{f.message}"))
        if len(found) > per_rule:
            doc.append(doc_block("fix", f"and {len(found) - per_rule} more"))
    return doc


def link_doc(suggestions: Sequence[str], problem: str | None,
             linked_to: str | None = None, example: str = "#12") -> list[Block]:
    """`example`: how a use case is named in this tracker (`#12`, `PROJ-12`)."""
    if linked_to:
        return [doc_block("para", f"This story is linked to its use case {linked_to}.")]
    doc = [
        doc_block("para", problem or "This story does not name the use case it belongs to."),
        doc_block("para", "Name it in the description, e.g. ", (f"Use case: {example}", "code"),
           ", or comment ", (f"/usecase link {example}", "code"), "."),
    ]
    if suggestions:
        doc.append(doc_block("para", "Likely parents: " + ", ".join(suggestions)))
    return doc


def help_doc(verbs: Sequence[tuple[str, str]]) -> list[Block]:
    doc = [doc_block("label", "usecase-bot commands")]
    doc += [doc_block("item", (verb, "code"), f": {what}") for verb, what in verbs]
    doc.append(doc_block("label", "Rules"))
    doc += [doc_block("item", (r.name, "code"), f" ({r.severity.value}): {r.summary}")
            for r in RULES.values()]
    return doc


def text_doc(text: str) -> list[Block]:
    return [doc_block("para", text)]


def answering_text(note: str) -> str:
    return f"in answer to comment {note}"


def answering(note: str) -> list[Block]:
    """The line that ties a reply to the comment it answers, so a retry can find it."""
    return [doc_block("small", answering_text(note))]


# ---------------------------------------------------------------- GitHub Markdown


def _md(segments: tuple[Segment, ...]) -> str:
    marks = {"code": "`{}`", "strong": "*{}*", None: "{}"}
    return "".join(marks[mark].format(text) for text, mark in segments)


# How each kind of block is laid out, as lines around its text ("{}").
_MARKDOWN_LAYOUT = {"heading": ("", "### {}"), "label": ("", "**{}**", ""), "item": ("- {}",),
                    "fix": ("  {}",), "small": ("", "<sub>{}</sub>"), "para": ("", "{}")}
_WIKI_LAYOUT = {"heading": ("", "h3. {}"), "label": ("", "*{}*"), "item": ("* {}",),
                "fix": ("** {}",), "small": ("", "_{}_"), "para": ("", "{}")}


def _lay_out(doc: Sequence[Block], layout: dict[str, tuple[str, ...]],
             inline: Callable[[tuple[Segment, ...]], str]) -> list[str]:
    lines: list[str] = []
    for block in doc:
        text = inline(block.segments)
        lines += [line.format(text) if "{}" in line else line for line in layout[block.kind]]
    return lines


def markdown(doc: Sequence[Block], marker: str) -> str:
    body = "\n".join(_lay_out(doc, _MARKDOWN_LAYOUT, _md)).strip("\n")
    return f"{marker}\n{body}"


# ---------------------------------------------------------------- Jira wiki markup


def _wiki_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "{}[]|*_^~" else ch for ch in text)


def _wiki(segments: tuple[Segment, ...]) -> str:
    out = []
    for text, mark in segments:
        if mark == "code":
            out.append("{{" + text + "}}")
        elif mark == "strong":
            out.append(f"*{_wiki_escape(text)}*")
        else:
            out.append(_wiki_escape(text))
    return "".join(out)


def wiki(doc: Sequence[Block]) -> str:
    return "\n".join(_lay_out(doc, _WIKI_LAYOUT, _wiki)).strip()


# ---------------------------------------------------------------- Atlassian Document Format


def _adf_text(segments: tuple[Segment, ...]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for text, mark in segments:
        if not text:
            continue
        node: dict[str, Any] = {"type": "text", "text": text}
        if mark is not None:
            node["marks"] = [{"type": mark}]
        nodes.append(node)
    return nodes


def adf(doc: Sequence[Block]) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    items: list[dict[str, Any]] | None = None
    for block in doc:
        para = {"type": "paragraph", "content": _adf_text(block.segments)}
        if block.kind in ("item", "fix"):
            if block.kind == "fix" and items:
                items[-1]["content"].append(para)
                continue
            if items is None:
                items = []
                content.append({"type": "bulletList", "content": items})
            items.append({"type": "listItem", "content": [para]})
            continue
        items = None
        if block.kind == "heading":
            content.append({"type": "heading", "attrs": {"level": 3},
                            "content": _adf_text(block.segments)})
        elif block.kind == "label":
            content.append({"type": "paragraph", "content": _adf_text(
                tuple((t, "strong") for t, _ in block.segments))})
        else:
            content.append(para)
    return {"type": "doc", "version": 1, "content": content}


def body_text(body: Any) -> str:
    """A written comment body as text to measure and search: ADF as its JSON."""
    return json.dumps(body, sort_keys=True) if isinstance(body, dict) else str(body or "")
