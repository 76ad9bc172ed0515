"""Jira wiki markup (Data Center, REST v2) read as Markdown-like lines, line numbers kept."""

from __future__ import annotations

import re

from bot.usecase.text import Line, split_source

_HEADING = re.compile(r"^h([1-6])\.\s*(.*)$")
_LIST = re.compile(r"^([*#-]+)\s+(.*)$")
_ANCHOR = re.compile(r"\{anchor:[^}]*\}")
_MACRO = re.compile(r"^\{(?:code|noformat|quote|panel)(?::[^}]*)?\}\s*$")
_LINK = re.compile(r"\[([^|\]\[]{1,500})\|[^\]\[]{1,2000}\]")
_BARE_LINK = re.compile(r"\[(https?://[^\]\[]{1,2000})\]")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*]{1,500}?)(?<=\S)\*(?![\w*])")
_COLOR = re.compile(r"\{color(?::[^}]*)?\}")


def _inline(text: str) -> str:
    text = _ANCHOR.sub("", text)
    text = _COLOR.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _BARE_LINK.sub(r"\1", text)
    return _BOLD.sub(r"**\1**", text)


def to_lines(text: str) -> list[Line]:
    out: list[Line] = []
    for line in split_source(text):
        body = line.text
        if _MACRO.match(body):
            out.append(Line("", line.no))
            continue
        heading = _HEADING.match(body)
        if heading:
            level = int(heading.group(1))
            out.append(Line("#" * level + " " + _inline(heading.group(2)), line.no))
            continue
        if body.startswith("||") or (body.startswith("|") and body.endswith("|")):
            cells = [c.strip() for c in body.replace("||", "|").strip("|").split("|")]
            out.append(Line("| " + " | ".join(_inline(c) for c in cells) + " |", line.no))
            continue
        item = _LIST.match(body)
        if item:
            markers, rest = item.group(1), item.group(2)
            depth = len(markers) - 1
            bullet = "1." if markers[-1] == "#" else "*"
            out.append(Line(f"{bullet} {_inline(rest)}", line.no, line.indent + 2 * depth))
            continue
        out.append(Line(_inline(body), line.no, line.indent))
    return _renumber(out)


def _renumber(lines: list[Line]) -> list[Line]:
    """Give `#` items their rendered ordinals, the way Jira shows them, per nesting depth."""
    counters: dict[int, int] = {}
    out: list[Line] = []
    for line in lines:
        if line.text.startswith("1. "):
            for depth in [d for d in counters if d > line.indent]:
                del counters[depth]
            counters[line.indent] = counters.get(line.indent, 0) + 1
            out.append(Line(f"{counters[line.indent]}. {line.text[3:]}", line.no, line.indent))
            continue
        if line.text.startswith("* "):
            for depth in [d for d in counters if d > line.indent]:
                del counters[depth]
        elif line.text.strip():
            counters.clear()
        out.append(line)
    return out
