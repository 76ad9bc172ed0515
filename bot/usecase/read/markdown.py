"""Markdown (CommonMark with GFM tables and YAML front matter) read into blocks through
markdown-it-py, so setext headings, `__bold__`, entities, lazy continuation lines, quotes
and indented code are what the specification says they are."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from bot.usecase.read import html, rst
from bot.usecase.read.blocks import (
    Block,
    Code,
    FrontMatter,
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


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 40})
    return md.enable(["table", "strikethrough"]).use(front_matter_plugin)


_QUOTE_PREFIX = re.compile(r"^(?: {0,3}>[ \t]?)+")
_STRONG_TAGS = re.compile(r"^</?\s*(?:b|strong|u)\s*>$", re.IGNORECASE)
_BREAK_TAG = re.compile(r"^<\s*br\s*/?\s*>$", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


def read(text: str) -> list[Block]:
    source = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tokens = _parser().parse("\n".join(rst.as_markdown(source)))
    reader = _Reader(tokens, source)
    return reader.blocks(len(tokens), 0)


def inline_lines(raw: str) -> list[str]:
    """Inline Markdown (a table cell, an HTML text run) as the lines a reader sees."""
    tokens = _parser().parseInline(raw)
    return _inline(tokens[0].children or []) if tokens else []


def _inline(children: list[Token]) -> list[str]:
    return [text for _, text in _inline_rows(children)]


def _inline_rows(children: list[Token]) -> list[tuple[int, str]]:
    """Each line of an inline run, with how many source lines below the run's first it
    starts: a `<br>` starts a line on the same source line, a tag may span lines."""
    lines: list[list[str]] = [[]]
    starts = [0]
    row = 0
    for tok in children:
        kind = tok.type
        if kind in ("softbreak", "hardbreak"):
            row += 1
            lines.append([])
            starts.append(row)
        elif kind in ("text", "code_inline"):
            lines[-1].append(tok.content)
        elif kind in ("strong_open", "strong_close"):
            lines[-1].append("**")
        elif kind in ("em_open", "em_close"):
            # Kept: a whole line in italics is how templates write their prompts.
            lines[-1].append("_")
        elif kind == "html_inline":
            row += tok.content.count("\n")
            if _BREAK_TAG.match(tok.content):
                lines.append([])
                starts.append(row)
            elif _STRONG_TAGS.match(tok.content):
                lines[-1].append("**")
            else:
                lines[-1].append(" ")
        elif kind == "image":
            lines[-1].append(" ")
    out = []
    for start, parts in zip(starts, lines, strict=True):
        joined = _SPACES.sub(" ", "".join(parts)).strip()
        out.append((start, joined.replace("****", "")))
    return out


class _Reader:
    def __init__(self, tokens: list[Token], source: list[str]) -> None:
        self.tokens = tokens
        self.source = source
        self.pos = 0
        self.quoted = 0

    def indent_of(self, line: int) -> int:
        raw = self.source[line] if 0 <= line < len(self.source) else ""
        raw = raw.expandtabs(4)
        if self.quoted:
            raw = _QUOTE_PREFIX.sub("", raw)
        return len(raw) - len(raw.lstrip(" "))

    def texts(self, tok: Token) -> tuple[Text, ...]:
        start = tok.map[0] if tok.map else None
        out = []
        for row, text in _inline_rows(tok.children or []):
            no = None if start is None else start + row
            out.append(Text(text, None if no is None else no + 1,
                            0 if no is None else self.indent_of(no)))
        return tuple(out)

    def blocks(self, end: int, level: int) -> list[Block]:
        """Blocks until a closing token of a container at `level` (or `end`)."""
        out: list[Block] = []
        while self.pos < end:
            tok = self.tokens[self.pos]
            if tok.nesting == -1 and tok.level < level:
                return out
            block = self.block(tok)
            if block is not None:
                out.append(block)
        return out

    def block(self, tok: Token) -> Block | None:
        kind = tok.type
        line = tok.map[0] + 1 if tok.map else None
        self.pos += 1
        if kind == "heading_open":
            inline = self.tokens[self.pos]
            self.pos += 2
            return Heading(int(tok.tag[1]), " ".join(t for t in _inline(inline.children or [])
                                                      if t), line)
        if kind == "paragraph_open":
            inline = self.tokens[self.pos]
            self.pos += 2
            return self.pipe_rows(inline) or Paragraph(self.texts(inline))
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(tok, kind == "ordered_list_open")
        if kind == "blockquote_open":
            self.quoted += 1
            inner = self.blocks(len(self.tokens), tok.level + 1)
            self.quoted -= 1
            self.pos += 1  # blockquote_close
            return Quote(tuple(inner))
        if kind in ("fence", "code_block"):
            first = tok.map[0] + (1 if kind == "fence" else 0) if tok.map else None
            # An empty fence has no line of content: one at the end of the text has no line
            # after its opener at all.
            body = tok.content.rstrip("\n").split("\n") if tok.content else []
            return Code(tuple(
                Text(ln.strip(), None if first is None else first + i + 1,
                     len(ln.expandtabs(4)) - len(ln.expandtabs(4).lstrip()))
                for i, ln in enumerate(body)
            ))
        if kind == "html_block":
            return Quote(tuple(html.read(tok.content, line, inline_lines)))
        if kind == "hr":
            return Rule(line)
        if kind == "table_open":
            return self.table()
        if kind == "front_matter":
            first = (tok.map[0] + 2) if tok.map else None
            return FrontMatter(tuple(
                Text(ln.strip(), None if first is None else first + i,
                     len(ln) - len(ln.lstrip()))
                for i, ln in enumerate(tok.content.split("\n"))
            ))
        return None

    def pipe_rows(self, tok: Token) -> Table | None:
        """Rows written with pipes but without the line of dashes a GFM table needs."""
        if not tok.map or not all(
            ln.count("|") >= 2 for ln in tok.content.split("\n")
        ):
            return None
        rows = []
        for no in range(tok.map[0], tok.map[1]):
            raw = _QUOTE_PREFIX.sub("", self.source[no]) if self.quoted else self.source[no]
            if raw.strip():
                cells = tuple(_cell(c) for c in _split_row(raw))
                rows.append(Row(cells, no + 1))
        return Table(tuple(rows))

    def list_block(self, opener: Token, ordered: bool) -> ListBlock:
        items: list[Item] = []
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            closing = tok.type in ("bullet_list_close", "ordered_list_close")
            if closing and tok.level == opener.level:
                self.pos += 1
                break
            self.pos += 1
            if tok.type != "list_item_open":
                continue
            marker = f"{tok.info}{tok.markup}" if ordered else "-"
            no = tok.map[0] if tok.map else None
            inner = _unchecked(self.blocks(len(self.tokens), tok.level + 1))
            self.pos += 1  # list_item_close
            items.append(Item(marker, tuple(inner), None if no is None else no + 1,
                              0 if no is None else self.indent_of(no)))
        return ListBlock(ordered, tuple(items))

    def table(self) -> Table:
        rows: list[Row] = []
        cells: list[tuple[str, ...]] = []
        line: int | None = None
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            self.pos += 1
            if tok.type == "table_close":
                break
            if tok.type == "tr_open":
                line = tok.map[0] + 1 if tok.map else None
            elif tok.type == "tr_close":
                rows.append(Row(tuple(cells), line))
                cells = []
            elif tok.type == "inline":
                cells.append(_cell(tok.content, tok.children))
        return Table(tuple(rows))


_TASK_BOX = re.compile(r"^\[[ xX]\]\s+")


def _unchecked(blocks: list[Block]) -> list[Block]:
    """A GFM task-list item (`- [ ] Admin opens the list`) without its box: the box is the
    tracker's checkbox, not part of the step."""
    if blocks and isinstance(blocks[0], Paragraph) and blocks[0].lines:
        head, *rest = blocks[0].lines
        if _TASK_BOX.match(head.text):
            text = _TASK_BOX.sub("", head.text)
            first = Paragraph((Text(text, head.line, head.indent), *rest))
            return [first, *blocks[1:]]
    return blocks


_PIPE = re.compile(r"(?<!\\)\|")


def _split_row(raw: str) -> list[str]:
    body = raw.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.replace("\\|", "|") for c in _PIPE.split(body)]


def _cell(raw: str, parsed: list[Token] | None = None) -> tuple[str, ...]:
    """A cell's lines; `parsed` are its inline tokens when markdown-it has read them."""
    if "<" in raw:
        lines = html.cell_lines(raw, inline_lines)
    else:
        lines = _inline(parsed) if parsed is not None else inline_lines(raw)
    return tuple(ln for ln in lines if ln) or ("",)
