"""Jira wiki markup (Data Center, REST v2) read into blocks, line numbers kept.

`h1.`–`h6.` headings, `*`/`#`/`-` lists nested by repeating the marker (numbered the way
Jira renders them), `||head||` and `|cell|` rows, `bq.` quotes and `----` rules. Macro lines
(`{code}`, `{quote}`, `{panel}`, `{noformat}`) only separate blocks: teams paste use cases
into them and they are read like the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.usecase.read.blocks import (
    MAX_DEPTH,
    Block,
    Heading,
    Item,
    ListBlock,
    Paragraph,
    Quote,
    Row,
    Rule,
    Table,
    Text,
)

_HEADING = re.compile(r"^h([1-6])\.\s*(.*)$")
_LIST = re.compile(r"^([*#-]+)\s+(.*)$")
_QUOTE = re.compile(r"^bq\.\s*(.*)$")
_RULE = re.compile(r"^-{4,}\s*$")
_ANCHOR = re.compile(r"\{anchor:[^}]*\}")
_MACRO = re.compile(r"^\{(?:code|noformat|quote|panel)(?::[^}]*)?\}\s*$")
_LINK = re.compile(r"\[([^|\]\[]{1,500})\|[^\]\[]{1,2000}\]")
_BARE_LINK = re.compile(r"\[(https?://[^\]\[]{1,2000})\]")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*]{1,500}?)(?<=\S)\*(?![\w*])")
_COLOR = re.compile(r"\{color(?::[^}]*)?\}")


def inline(text: str) -> str:
    text = _ANCHOR.sub("", text)
    text = _COLOR.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _BARE_LINK.sub(r"\1", text)
    return _BOLD.sub(r"**\1**", text).strip()


@dataclass(frozen=True)
class _Entry:
    depth: int
    ordered: bool
    text: str
    line: int
    indent: int


def read(text: str) -> list[Block]:
    out: list[Block] = []
    paragraph: list[Text] = []
    rows: list[Row] = []
    entries: list[_Entry] = []

    def close(keep: str = "") -> None:
        if paragraph and keep != "paragraph":
            out.append(Paragraph(tuple(paragraph)))
            paragraph.clear()
        if rows and keep != "rows":
            out.append(Table(tuple(rows)))
            rows.clear()
        if entries and keep != "entries":
            out.append(_nest(entries, 0, [0]))
            entries.clear()

    source = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for no, raw in enumerate(source, 1):
        expanded = raw.replace("\t", "    ").replace("\u00a0", " ")
        body = expanded.strip()
        indent = len(expanded) - len(expanded.lstrip(" "))
        if not body or _MACRO.match(body):
            close()
            continue
        if heading := _HEADING.match(body):
            close()
            out.append(Heading(int(heading.group(1)), inline(heading.group(2)), no))
        elif body.startswith("||") or (body.startswith("|") and body.endswith("|")):
            close("rows")
            rows.append(Row(tuple((inline(c),) for c in _cells(body)), no))
        elif _RULE.match(body):
            close()
            out.append(Rule(no))
        elif item := _LIST.match(body):
            close("entries")
            markers = item.group(1)
            entries.append(_Entry(min(len(markers) - 1, MAX_DEPTH), markers[-1] == "#",
                                  inline(item.group(2)), no, indent))
        elif quote := _QUOTE.match(body):
            close()
            out.append(Quote((Paragraph((Text(inline(quote.group(1)), no, indent),)),)))
        else:
            close("paragraph")
            paragraph.append(Text(inline(body), no, indent))
    close()
    return out


def _cells(row: str) -> list[str]:
    """The cells of `||a||b||` or `|a|[text|url]|`: a pipe inside a link divides nothing."""
    cells: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in row.replace("||", "|").strip().strip("|"):
        if ch == "|" and depth == 0:
            cells.append("".join(current))
            current = []
            continue
        depth += (ch == "[") - (ch == "]") if ch in "[]" else 0
        depth = max(depth, 0)
        current.append(ch)
    cells.append("".join(current))
    return cells


def _nest(entries: list[_Entry], depth: int, pos: list[int]) -> ListBlock:
    """The items at `depth` from `pos[0]` on, each with the deeper items after it nested
    inside; numbered items count from 1 at each depth, as Jira renders them."""
    items: list[Item] = []
    number = 0
    ordered = entries[pos[0]].ordered
    while pos[0] < len(entries) and entries[pos[0]].depth >= depth:
        entry = entries[pos[0]]
        if entry.depth > depth:
            inner = _nest(entries, entry.depth, pos)
            if items:
                last = items[-1]
                items[-1] = Item(last.marker, (*last.blocks, inner), last.line, last.indent)
            else:
                items.append(Item("-", (inner,), entry.line, entry.indent))
            continue
        pos[0] += 1
        number += entry.ordered
        marker = f"{number}." if entry.ordered else "-"
        items.append(Item(marker, (Paragraph((Text(entry.text, entry.line),)),), entry.line,
                          entry.indent))
    return ListBlock(ordered, tuple(items))
