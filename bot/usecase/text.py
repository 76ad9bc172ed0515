"""Lines of a use case in one common shape, and the inline clean-up every markup shares.

Every markup (Markdown, Jira wiki, ADF) is first turned into Markdown-like `Line`s that
remember where they came from, so the section and flow readers need to know one grammar.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    no: int | None
    # Leading spaces; a tab counts as four.
    indent: int = 0

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def split_source(text: str) -> list[Line]:
    """Physical lines of a text, CRLF and lone CR tolerated, numbered from 1."""
    out = []
    for no, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        expanded = raw.replace("\t", "    ").replace("\u00a0", " ")
        stripped = expanded.lstrip(" ")
        out.append(Line(stripped.rstrip(), no, len(expanded) - len(stripped)))
    return out


_BREAK_TAGS = re.compile(
    r"<\s*(?:br|/p|p|/li|/div|div|/h[1-6]|h[1-6]|/tr|hr)\b[^>]*>", re.IGNORECASE
)
_LIST_OPEN = re.compile(r"<\s*(ol|ul)\b[^>]*>|<\s*/\s*(ol|ul)\s*>|<\s*li\b[^>]*>", re.IGNORECASE)


def split_html_block(cell: str) -> list[str]:
    """Split text with HTML block tags (`<br>`, `<p>`, `<ol><li>`) into lines.

    List items become `1. x` or `* x` lines, so the flow reader sees them as list items.
    """
    if "<" not in cell:
        return [cell]
    pieces: list[str] = []
    stack: list[list[int]] = []  # per open list: [is_ordered, counter]
    pos = 0
    for m in _LIST_OPEN.finditer(cell):
        pieces.append(cell[pos : m.start()])
        opened, closed = m.group(1), m.group(2)
        if opened:
            stack.append([opened.lower() == "ol", 0])
            pieces.append("\n")
        elif closed:
            if stack:
                stack.pop()
            pieces.append("\n")
        else:
            depth = min(max(len(stack) - 1, 0), 8)  # deeper nesting reads the same
            marker = "*"
            if stack:
                stack[-1][1] += 1
                if stack[-1][0]:
                    marker = f"{stack[-1][1]}."
            pieces.append("\n" + "  " * depth + marker + " ")
        pos = m.end()
    pieces.append(cell[pos:])
    joined = _BREAK_TAGS.sub("\n", "".join(pieces))
    return joined.split("\n")


# Bounded and without nested brackets, so a run of `[` cannot make a search quadratic.
_IMG = re.compile(r"<\s*img\b[^>]*>|!\[[^\]\[]{0,500}\]\([^()\s]{0,2000}\)", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]\[]{0,500})\]\((?:[^()\[\]]|\([^()]{0,200}\)){0,2000}\)")
_TAG = re.compile(r"</?\s*[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_EMPH = re.compile(r"(\*\*|__|~~)")
_CODE = re.compile(r"`+")
_LONE_EMPH = re.compile(r"(?<![\w*])[*_](?=\S)|(?<=\S)[*_](?![\w*])")
_SPACES = re.compile(r"\s+")


_MARKUP_CHARS = frozenset("<[*_`&\\~!")


@lru_cache(maxsize=8192)
def clean_inline(text: str) -> str:
    """Text as a reader sees it: no links, tags, emphasis or entities; spaces folded."""
    if _MARKUP_CHARS.isdisjoint(text):
        return " ".join(text.split())
    text = _IMG.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _EMPH.sub("", text)
    text = _CODE.sub("", text)
    text = _LONE_EMPH.sub("", text)
    text = text.replace("\\", "")
    return _SPACES.sub(" ", text).strip()


# A full stop then a capital; also with no space ("page.A modal"), as list items run
# together when a converter drops their markup.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[A-ZÄÖÜÆØÅÉ\"'(])|(?<=[a-z0-9)\"'][.!?])(?=[A-Z][a-z])"
)
_ABBREV = re.compile(
    r"(?:\b\w\.){2,}$|\b(?:e\.g|i\.e|etc|vs|approx|no|nr|z\.B|bzw|ca|incl|Dr|Mr|Ms|Mrs)\.$"
)


def sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping abbreviations such as `e.g.` or `W.H.O.` whole."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        head = text[start : m.start()]
        if _ABBREV.search(head):
            continue
        out.append(head.strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


# Split on opening tags rather than matching pairs: unclosed rows stay linear to read.
_ROW_OPEN = re.compile(r"<tr\b[^>]*>", re.IGNORECASE)
_CELL_OPEN = re.compile(r"<t[dh]\b[^>]*>", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</\s*(?:t[dh]|tr|tbody|thead|tfoot|table)\s*>", re.IGNORECASE)


_HTML_HEADING = re.compile(r"^\s*<h([1-6])\b[^>]*>(.*?)</h\1\s*>\s*$", re.IGNORECASE)
_LIST_START = re.compile(r"<\s*(?:ol|ul)\b", re.IGNORECASE)
_LIST_END = re.compile(r"<\s*/\s*(?:ol|ul)\s*>", re.IGNORECASE)


def expand_html(lines: list[Line]) -> list[Line]:
    """HTML written into Markdown, as the Markdown it stands for: `<h2>` headings, `<ol>`
    and `<ul>` lists (also across lines) as list items, `<table>`s as pipe-table rows."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _HTML_HEADING.match(line.text)
        if heading:
            out.append(Line("#" * int(heading.group(1)) + " " + heading.group(2), line.no))
            i += 1
            continue
        if _LIST_START.search(line.text) and not line.text.lstrip().startswith("|") and \
                "<table" not in line.text.lower():
            depth, j = 0, i
            while j < len(lines):
                depth += len(_LIST_START.findall(lines[j].text))
                depth -= len(_LIST_END.findall(lines[j].text))
                if depth <= 0:
                    break
                j += 1
            block = " ".join(ln.text for ln in lines[i : min(j, len(lines) - 1) + 1])
            out += [Line(piece.strip(), line.no, len(piece) - len(piece.lstrip()))
                    for piece in split_html_block(block) if piece.strip()]
            i = j + 1
            continue
        if "<table" not in line.text.lower():
            out.append(line)
            i += 1
            continue
        j = i
        while j < len(lines) and "</table" not in lines[j].text.lower():
            j += 1
        block = "\n".join(ln.text for ln in lines[i : min(j, len(lines) - 1) + 1])
        before, _, rest = block.partition("<table")
        if before.strip():
            out.append(Line(before, line.no, line.indent))
        for row in _ROW_OPEN.split(rest)[1:]:
            cells = [
                _TABLE_CLOSE.sub("", c).strip().replace("|", "\\|").replace("\n", "<br>")
                for c in _CELL_OPEN.split(row)[1:]
            ]
            if cells:
                out.append(Line("| " + " | ".join(cells) + " |", line.no))
        i = j + 1
    return out


_INLINE_NUMBER = re.compile(
    r"(?:^|(?<=\s)|(?<=[^\d\s.])|(?<=[a-z)]\.))(\d{1,2})[.)](?:\s|(?=[A-Z]))"
)
_INLINE_BULLET = re.compile(r"\s*[·•▪]\s+")
_EXTENSION_LABEL = re.compile(r"(?:^|(?<=\s))(?:\d+\.?[a-z]|\*[a-z])[.):]?\s")
_BEFORE_ITEM = re.compile(r"(?<=[.!?:])\s+(?=(?:\d+\.?[a-z]?|\*[a-z])[.):]?\s)")


def split_inline_items(text: str) -> list[str]:
    """`1. Enter a name.  2. Confirm.` or `· a · b` written in one table cell, as items.

    Numbers count only as a run 1, 2, 3 … in order, so "version 2. Then" stays whole.
    """
    pieces = [p for p in _INLINE_BULLET.split(text) if p.strip()]
    if len(pieces) > 1 and _INLINE_BULLET.match(text):
        return ["* " + p.strip() for p in pieces]
    if _EXTENSION_LABEL.match(text) and len(_EXTENSION_LABEL.findall(text)) > 1:
        # "1.a Input is negative.  1. System asks again.  2.a ...": one line an item.
        return [p.strip() for p in _BEFORE_ITEM.split(text) if p.strip()]
    cuts: list[int] = []
    wanted = 1
    for m in _INLINE_NUMBER.finditer(text):
        if int(m.group(1)) == wanted and (wanted > 1 or not text[: m.start()].strip()):
            cuts.append(m.start())
            wanted += 1
    if len(cuts) < 2:
        return [text]
    return [text[a:b].strip() for a, b in zip(cuts, [*cuts[1:], len(text)], strict=True)]
