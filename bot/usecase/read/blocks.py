"""The one block tree every markup is read into, and its layout as lines for the readers
of sections and flows.

Readers of a markup (Markdown, HTML, Jira wiki, ADF) build these blocks; structure such as
list nesting, table cells, quotes and code is decided there, once, by a real parser. The
layout then writes each block as lines in one canonical form (headings marked as such, `1. ` and
`- ` items indented by depth, `| a | b |` rows whose cells join their lines with a line
break), remembering the source line of each.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.usecase.text import Line

# Nesting deeper than this reads the same; it also bounds the work on hostile input.
MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Text:
    """One line of running text as a reader sees it (inline markup reduced to `**bold**`)."""

    text: str
    line: int | None
    indent: int = 0


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    line: int | None


@dataclass(frozen=True, slots=True)
class Paragraph:
    lines: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class Item:
    # As written: "3." for a numbered item, "-" for a bullet.
    marker: str
    blocks: tuple[Block, ...]
    line: int | None
    indent: int = 0


@dataclass(frozen=True, slots=True)
class ListBlock:
    ordered: bool
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Row:
    # Each cell holds its own lines, so steps written one per line in a cell stay apart.
    cells: tuple[tuple[str, ...], ...]
    line: int | None


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Quote:
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Code:
    """Literal text (fenced or indented code): its lines are read as plain text lines."""

    lines: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    line: int | None


@dataclass(frozen=True, slots=True)
class FrontMatter:
    lines: tuple[Text, ...]


Block = Heading | Paragraph | ListBlock | Table | Quote | Code | Rule | FrontMatter


def walk(blocks: Sequence[Block]) -> Iterator[Block]:
    """Every block, depth first, containers before their content."""
    for block in blocks:
        yield block
        if isinstance(block, Quote):
            yield from walk(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from walk(item.blocks)


# ---------------------------------------------------------------- layout as lines


def to_lines(blocks: Sequence[Block]) -> list[Line]:
    out: list[Line] = []
    _lay(blocks, out, 0)
    return out


def _lay(blocks: Sequence[Block], out: list[Line], depth: int) -> None:
    for block in blocks:
        if isinstance(block, Heading):
            out.append(Line(block.text, block.line, heading=block.level))
        elif isinstance(block, Paragraph):
            out.extend(Line(t.text, t.line, t.indent) for t in block.lines)
        elif isinstance(block, ListBlock):
            for item in block.items:
                _lay_item(item, out, depth)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = ["\n".join(c.replace("|", "\\|") for c in cell) for cell in row.cells]
                out.append(Line("| " + " | ".join(cells) + " |", row.line))
        elif isinstance(block, Quote):
            _lay(block.blocks, out, depth)
        elif isinstance(block, Code):
            out.extend(Line(t.text, t.line, t.indent) for t in block.lines)
        elif isinstance(block, FrontMatter):
            out.append(Line("---", None))
            out.extend(Line(t.text, t.line, t.indent) for t in block.lines)
            out.append(Line("---", None))
        out.append(Line("", None))


def _lay_item(item: Item, out: list[Line], depth: int) -> None:
    indent = item.indent if item.indent else 2 * min(depth, MAX_DEPTH)
    first, *rest = item.blocks or (Paragraph((Text("", item.line),)),)
    if isinstance(first, Paragraph) and first.lines:
        head, *more = first.lines
        out.append(Line(f"{item.marker} {head.text}".rstrip(), head.line, indent))
        out.extend(Line(t.text, t.line, max(t.indent, indent + 2)) for t in more)
    else:
        out.append(Line(item.marker, item.line, indent))
        rest = [first, *rest]
    for block in rest:
        if isinstance(block, ListBlock):
            for sub in block.items:
                _lay_item(sub, out, min(depth + 1, MAX_DEPTH))
        else:
            _lay([block], out, depth + 1)
