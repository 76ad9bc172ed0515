"""The bot's comments on GitHub issues, as Markdown. Deterministic: the same findings and
stories always give the same text, so an unchanged issue costs no write."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from bot.lint.registry import RULES
from bot.usecase.model import Finding, Severity

LINT_MARKER = "<!-- usecase-bot:lint -->"
LINK_MARKER = "<!-- usecase-bot:link -->"
REPLY_MARKER = "<!-- usecase-bot:reply -->"
MARKERS = (LINT_MARKER, LINK_MARKER, REPLY_MARKER)

_HEADINGS = ((Severity.ERROR, "Errors"), (Severity.WARNING, "Warnings"), (Severity.INFO, "Notes"))


@dataclass(frozen=True)
class StoryLine:
    ref: str
    title: str
    closed: bool = False


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def is_bot_comment(body: str) -> bool:
    return body.lstrip().startswith(MARKERS)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def lint_comment(findings: Sequence[Finding], stories: Sequence[StoryLine],
                 ignored: Sequence[str]) -> str:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    lines = [LINT_MARKER]
    if errors:
        lines.append(
            f"### Use-case check: {_count(len(errors), 'error')}, "
            f"{_count(len(warnings), 'warning')}"
        )
        lines.append("")
        lines.append("This use case is missing something its readers will need. "
                     "Edit the issue and this comment updates itself.")
    elif findings:
        lines.append("### Use-case check: no errors")
        lines.append("")
        lines.append("Every error is fixed. What is left are suggestions.")
    else:
        lines.append("### Use-case check: all clear")
        lines.append("")
        lines.append("Every error is fixed and nothing else stands out.")
    for severity, heading in _HEADINGS:
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        lines += ["", f"**{heading}**", ""]
        for f in group:
            where = f" (line {f.line})" if f.line else ""
            lines.append(f"- `{f.rule}`{where}: {f.message}")
            lines.append(f"  *To fix:* {RULES[f.rule].advice}")
    if ignored:
        lines += ["", "Ignored on this issue: " + ", ".join(f"`{r}`" for r in sorted(ignored))]
    if stories:
        lines += ["", "### Stories", ""]
        for s in stories:
            state = " (closed)" if s.closed else ""
            lines.append(f"- {s.ref}{state} {s.title}".rstrip())
    lines += ["", "<sub>Commands: `/usecase check` · `/usecase ignore <rule>` · "
              "`/usecase help`</sub>"]
    return "\n".join(lines)


def link_comment(suggestions: Sequence[str], problem: str | None,
                 linked_to: str | None = None) -> str:
    lines = [LINK_MARKER]
    if linked_to:
        lines.append(f"This story is linked to its use case {linked_to}.")
        return "\n".join(lines)
    lines.append(problem or "This story does not name the use case it belongs to.")
    lines.append("")
    lines.append("Name it in the body, e.g. `Use case: #12`, or comment `/usecase link #12`.")
    if suggestions:
        lines += ["", "Likely parents: " + ", ".join(suggestions)]
    return "\n".join(lines)


def help_comment(verbs: Sequence[tuple[str, str]]) -> str:
    lines = [REPLY_MARKER, "**usecase-bot commands** (for people with write or triage access)",
             ""]
    lines += [f"- `{verb}`: {what}" for verb, what in verbs]
    lines += ["", "**Rules**", ""]
    lines += [f"- `{r.name}` ({r.severity.value}): {r.summary}" for r in RULES.values()]
    return "\n".join(lines)


def reply(text: str) -> str:
    return f"{REPLY_MARKER}\n{text}"
