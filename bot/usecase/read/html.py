"""HTML written into a use case (whole blocks, or inside table cells) read into blocks
through the standard library's forgiving parser: unclosed and misnested tags, every
spelling of a line break, and ordered lists of any numbering type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bot.usecase.read.blocks import (
    MAX_DEPTH,
    Block,
    Heading,
    Item,
    ListBlock,
    Paragraph,
    Row,
    Table,
    Text,
    to_lines,
)

# Reads one run of text (which may hold inline Markdown) as the lines a reader sees.
InlineReader = Callable[[str], list[str]]

_BREAKS = frozenset({"br", "p", "div", "hr", "dt", "dd", "blockquote", "pre", "section",
                     "article", "details", "summary", "center", "caption", "figure"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_STRONG = frozenset({"b", "strong", "u"})
_SKIPPED = frozenset({"script", "style", "template"})
_CELL_ENDS = frozenset({"td", "th", "tr", "table", "thead", "tbody", "tfoot"})


@dataclass
class _Container:
    """Where text lands: the document or one list item."""

    blocks: list[Block] = field(default_factory=list)
    lines: list[Text] = field(default_factory=list)
    marker: str | None = None
    line: int | None = None


@dataclass
class _List:
    ordered: bool
    numbering: str
    next_number: int
    items: list[Item] = field(default_factory=list)
    owner: _Container | None = None


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                       (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                       (4, "iv"), (1, "i")):
        while n >= value:
            out += sym
            n -= value
    return out


def _marker(lst: _List, value: int) -> str:
    if not lst.ordered:
        return "-"
    if lst.numbering in ("a", "A") and 1 <= value <= 26:
        letter = chr(ord("a") + value - 1)
        return f"{letter.upper() if lst.numbering == 'A' else letter}."
    if lst.numbering in ("i", "I"):
        return f"{_roman(value)}."
    return f"{value}."


class _Reader(HTMLParser):
    def __init__(self, line: int | None, inline: InlineReader) -> None:
        super().__init__(convert_charrefs=True)
        self.base = line
        self.inline = inline
        self.root = _Container()
        self.containers: list[_Container] = [self.root]
        self.lists: list[_List] = []
        self.run: list[str] = []
        self.heading: tuple[int, list[str]] | None = None
        self.skipping = 0
        # A table being read: its rows, the current row's cells, the raw source of the cell.
        self.rows: list[Row] = []
        self.cells: list[tuple[str, ...]] | None = None
        self.cell: list[str] | None = None
        self.cell_tables = 0
        self.in_table = 0

    @property
    def line(self) -> int | None:
        return None if self.base is None else self.base + self.getpos()[0] - 1

    # ---- text

    def flush(self) -> None:
        raw = "".join(self.run)
        self.run = []
        if not raw.strip():
            return
        target = self.containers[-1]
        for text in self.inline(raw):
            if text:
                target.lines.append(Text(text, self.line))

    def close_paragraph(self) -> None:
        self.flush()
        target = self.containers[-1]
        if target.lines:
            target.blocks.append(Paragraph(tuple(target.lines)))
            target.lines = []

    # ---- cells keep their raw source and are read on their own

    def in_cell(self) -> bool:
        return self.cell is not None

    def end_cell(self) -> None:
        if self.cell is not None and self.cells is not None:
            lines = cell_lines("".join(self.cell), self.inline)
            self.cells.append(tuple(ln for ln in lines if ln) or ("",))
        self.cell = None

    def end_row(self) -> None:
        self.end_cell()
        if self.cells:
            self.rows.append(Row(tuple(self.cells), self.line))
        self.cells = None

    def end_table(self) -> None:
        self.end_row()
        if self.rows:
            self.containers[-1].blocks.append(Table(tuple(self.rows)))
        self.rows = []
        self.in_table = 0

    # ---- lists

    def open_item(self, attrs: dict[str, str | None]) -> None:
        self.close_item()
        if not self.lists:
            self.lists.append(_List(False, "", 1, owner=self.containers[-1]))
        lst = self.lists[-1]
        value = attrs.get("value")
        number = int(value) if value and value.strip().isdigit() else lst.next_number
        lst.next_number = number + 1
        self.containers.append(_Container(marker=_marker(lst, number), line=self.line))

    def close_item(self) -> None:
        if len(self.containers) > 1 and self.lists and self.containers[-1] is not \
                self.lists[-1].owner:
            self.close_paragraph()
            item = self.containers.pop()
            self.lists[-1].items.append(
                Item(item.marker or "-", tuple(item.blocks), item.line)
            )

    def close_list(self) -> None:
        if not self.lists:
            return
        self.close_item()
        lst = self.lists.pop()
        target = self.containers[-1]
        self.flush()
        target.blocks.append(ListBlock(lst.ordered, tuple(lst.items)))

    # ---- the parser's callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in _SKIPPED:
            self.skipping += tag in _SKIPPED
            return
        if self.in_cell():
            if tag == "table":
                self.cell_tables += 1
            if self.cell_tables == 0 and tag in ("td", "th", "tr"):
                self.end_cell() if tag != "tr" else self.end_row()
            else:
                assert self.cell is not None
                self.cell.append(self.get_starttag_text() or "")
                return
        if tag == "table":
            self.close_paragraph()
            self.in_table = 1
            self.rows = []
        elif self.in_table and tag == "tr":
            self.end_row()
            self.cells = []
        elif self.in_table and tag in ("td", "th"):
            self.end_cell()
            if self.cells is None:
                self.cells = []
            self.cell = []
        elif tag in _HEADINGS:
            self.close_paragraph()
            self.heading = (int(tag[1]), [])
        elif tag in ("ul", "ol"):
            self.close_paragraph()
            if len(self.lists) < MAX_DEPTH:
                values = dict(attrs)
                start = values.get("start")
                self.lists.append(_List(
                    tag == "ol", values.get("type") or "1",
                    int(start) if start and start.strip().isdigit() else 1,
                    owner=self.containers[-1],
                ))
        elif tag == "li":
            self.close_paragraph()
            self.open_item(dict(attrs))
        elif tag in _BREAKS:
            self.flush()
        elif tag in _STRONG:
            self.text("**")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.in_cell():
            assert self.cell is not None
            self.cell.append(self.get_starttag_text() or "")
        elif tag in _BREAKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= tag in _SKIPPED
            return
        if self.in_cell():
            if tag == "table" and self.cell_tables:
                self.cell_tables -= 1
            elif self.cell_tables == 0 and tag in _CELL_ENDS:
                self.end_cell()
                if tag == "tr":
                    self.end_row()
                if tag == "table":
                    self.end_table()
                return
            assert self.cell is not None
            self.cell.append(f"</{tag}>")
            return
        if tag == "table" and self.in_table:
            self.end_table()
        elif tag == "tr" and self.in_table:
            self.end_row()
        elif tag in _HEADINGS and self.heading is not None:
            level, parts = self.heading
            self.heading = None
            text = " ".join(t for t in self.inline("".join(parts)) if t)
            if text:
                self.containers[-1].blocks.append(Heading(level, text, self.line))
        elif tag in ("ul", "ol"):
            self.close_list()
        elif tag == "li":
            self.close_item()
        elif tag in _BREAKS:
            self.flush()
        elif tag in _STRONG:
            self.text("**")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.text(data)

    def text(self, data: str) -> None:
        if self.in_cell():
            assert self.cell is not None
            self.cell.append(data.replace("&", "&amp;").replace("<", "&lt;"))
        elif self.heading is not None:
            self.heading[1].append(data)
        else:
            self.run.append(data)

    def finish(self) -> list[Block]:
        self.close()
        if self.in_table:
            self.end_table()
        while self.lists:
            self.close_list()
        while len(self.containers) > 1:
            self.containers.pop()
        self.close_paragraph()
        return self.root.blocks


def read(fragment: str, line: int | None, inline: InlineReader) -> list[Block]:
    reader = _Reader(line, inline)
    reader.feed(fragment)
    return reader.finish()


def cell_lines(raw: str, inline: InlineReader) -> list[str]:
    """A table cell's content as lines: line breaks kept, list items as `1. x` / `* x`."""
    blocks = read(raw, None, inline)
    return [" " * ln.indent + ln.text for ln in to_lines(blocks) if ln.text.strip()]
