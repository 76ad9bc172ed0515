"""Atlassian Document Format (Jira Cloud, REST v3) read into blocks.

ADF carries no source lines, so no block has a line number. Anything that is not a node of
the shape ADF documents have is skipped, never trusted.
"""

from __future__ import annotations

from typing import Any

from bot.usecase.read.blocks import (
    MAX_DEPTH,
    Block,
    Code,
    Heading,
    Item,
    ListBlock,
    Paragraph,
    Quote,
    Row,
    Rule,
    Table,
    Text,
    to_lines,
)


def read(doc: Any) -> list[Block]:
    return _blocks(_children(doc), 0) if isinstance(doc, dict) else []


def plain(doc: Any) -> str:
    """The document as plain lines, for a person to read (a story's text, a comment)."""
    return "\n".join(line.text for line in to_lines(read(doc)))


def _children(node: Any) -> list[Any]:
    content = node.get("content") if isinstance(node, dict) else None
    return [c for c in content if isinstance(c, dict)] if isinstance(content, list) else []


def _inline(node: Any) -> str:
    """Text of an inline run, with strong marks kept as `**` so bold labels stay visible."""
    parts: list[str] = []
    for child in _children(node):
        kind = child.get("type")
        if kind == "text":
            text = child.get("text")
            if not isinstance(text, str):
                continue
            marks = child.get("marks")
            strong = isinstance(marks, list) and any(
                isinstance(m, dict) and m.get("type") == "strong" for m in marks
            )
            parts.append(f"**{text}**" if strong and text.strip() else text)
        elif kind == "hardBreak":
            parts.append("\n")
        elif kind in ("mention", "emoji", "inlineCard", "status", "date"):
            attrs = child.get("attrs")
            if isinstance(attrs, dict):
                label = attrs.get("text") or attrs.get("shortName") or attrs.get("url") or ""
                parts.append(str(label))
        else:
            parts.append(_inline(child))
    return "".join(parts).replace("****", "")


def _texts(node: Any) -> tuple[Text, ...]:
    return tuple(Text(piece.strip(), None) for piece in _inline(node).split("\n"))


def _blocks(nodes: list[Any], depth: int) -> list[Block]:
    out: list[Block] = []
    for node in nodes:
        kind = node.get("type")
        if kind == "heading":
            attrs = node.get("attrs")
            level = attrs.get("level", 2) if isinstance(attrs, dict) else 2
            level = level if isinstance(level, int) and 1 <= level <= 6 else 2
            out.append(Heading(level, " ".join(_inline(node).split()), None))
        elif kind == "paragraph":
            out.append(Paragraph(_texts(node)))
        elif kind in ("orderedList", "bulletList"):
            out.append(_list(node, depth))
        elif kind in ("taskList", "decisionList"):
            # Their items hold text runs directly, not paragraphs.
            out.append(ListBlock(False, tuple(
                Item("-", (Paragraph(_texts(item)),), None) for item in _children(node)
            )))
        elif kind == "table":
            out.append(Table(tuple(
                Row(tuple(_cell(cell, depth) for cell in _children(row)), None)
                for row in _children(node)
            )))
        elif kind == "codeBlock":
            out.append(Code(_texts(node)))
        elif kind == "blockquote":
            out.append(Quote(tuple(_blocks(_children(node), depth))))
        elif kind == "rule":
            out.append(Rule(None))
        elif depth < MAX_DEPTH:
            out.extend(_blocks(_children(node), depth + 1))
    return out


def _list(node: Any, depth: int) -> ListBlock:
    ordered = node.get("type") == "orderedList"
    attrs = node.get("attrs")
    start = attrs.get("order", 1) if isinstance(attrs, dict) else 1
    number = start if isinstance(start, int) else 1
    items = []
    for item in _children(node):
        marker = f"{number}." if ordered else "-"
        number += 1
        inner = _blocks(_children(item), depth + 1) if depth < MAX_DEPTH else []
        items.append(Item(marker, tuple(inner), None))
    return ListBlock(ordered, tuple(items))


def _cell(cell: Any, depth: int) -> tuple[str, ...]:
    lines = [ln.text for ln in to_lines(_blocks(_children(cell), depth + 1)) if ln.text.strip()]
    if not lines:  # some writers put the text runs straight into the cell
        lines = [t.text for t in _texts(cell) if t.text]
    return tuple(lines) or ("",)
