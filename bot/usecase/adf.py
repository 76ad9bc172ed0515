"""Atlassian Document Format (Jira Cloud, REST v3) read as Markdown-like lines.

ADF carries no source lines, so every line it yields has `no=None`. Anything that is not
a node of the shape ADF documents have is skipped, never trusted.
"""

from __future__ import annotations

from typing import Any

from bot.usecase.text import Line


def to_lines(doc: Any) -> list[Line]:
    out: list[Line] = []
    if isinstance(doc, dict):
        _blocks(_children(doc), 0, out)
    return out


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


def _emit(text: str, indent: int, out: list[Line], prefix: str = "") -> None:
    first = True
    for piece in text.split("\n"):
        out.append(Line((prefix if first else "") + piece, None, indent))
        first = False


def _blocks(nodes: list[Any], indent: int, out: list[Line]) -> None:
    for node in nodes:
        kind = node.get("type")
        if kind == "heading":
            attrs = node.get("attrs")
            level = attrs.get("level", 2) if isinstance(attrs, dict) else 2
            level = level if isinstance(level, int) and 1 <= level <= 6 else 2
            out.append(Line("#" * level + " " + _inline(node), None, 0))
        elif kind == "paragraph":
            _emit(_inline(node), indent, out)
        elif kind in ("orderedList", "bulletList"):
            _list(node, indent, out)
        elif kind == "table":
            for row in _children(node):
                cells = [_cell_text(cell) for cell in _children(row)]
                out.append(Line("| " + " | ".join(cells) + " |", None, indent))
        elif kind == "codeBlock":
            _emit(_inline(node), indent, out)
        elif kind == "blockquote":
            start = len(out)
            _blocks(_children(node), indent, out)
            out[start:] = [Line("> " + line.text, None, line.indent) for line in out[start:]]
        elif kind == "rule":
            out.append(Line("", None, 0))
        else:
            _blocks(_children(node), indent, out)
        out.append(Line("", None, 0))


def _list(node: Any, indent: int, out: list[Line]) -> None:
    ordered = node.get("type") == "orderedList"
    attrs = node.get("attrs")
    start = attrs.get("order", 1) if isinstance(attrs, dict) else 1
    number = start if isinstance(start, int) else 1
    for item in _children(node):
        marker = f"{number}. " if ordered else "* "
        number += 1
        body = _children(item)
        first = True
        for child in body:
            if child.get("type") == "paragraph" and first:
                _emit(_inline(child), indent, out, marker)
                first = False
            elif child.get("type") in ("orderedList", "bulletList"):
                _list(child, indent + 3, out)
            else:
                if first:
                    out.append(Line(marker.strip(), None, indent))
                    first = False
                _blocks([child], indent + 3, out)


def _cell_text(cell: Any) -> str:
    lines: list[Line] = []
    _blocks(_children(cell), 0, lines)
    kept = [line.text for line in lines if line.text.strip()]
    if not kept and cell.get("content"):
        kept = [_inline(cell)]
    return "<br>".join(kept).replace("|", "\\|")
