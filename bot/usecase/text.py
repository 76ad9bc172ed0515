"""Lines of a use case in one common shape, and the inline clean-up every markup shares.

Every markup's block tree is laid out as `Line`s (see `read.blocks.to_lines`) that remember
where they came from, so the section and flow readers need to know one form.
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
    # The title of one flow inside a flows section ("Alternative flow 2: Pay later").
    flow_title: bool = False
    # 1–6 for a heading of that level (its text without markup), 0 for any other line.
    heading: int = 0

    @property
    def blank(self) -> bool:
        return not self.text.strip()


# Bounded and without nested brackets, so a run of `[` cannot make a search quadratic.
_IMG = re.compile(r"<\s*img\b[^>]*>|!\[[^\]\[]{0,500}\]\([^()\s]{0,2000}\)", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]\[]{0,500})\]\((?:[^()\[\]]|\([^()]{0,200}\)){0,2000}\)")
_TAG = re.compile(r"</?\s*[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_EMPH = re.compile(r"(\*\*|__|~~)")
_CODE = re.compile(r"`+")
_LONE_EMPH = re.compile(r"(?<![\w*])[*_](?=\S)|(?<=\S)[*_](?![\w*])")
_SPACES = re.compile(r"\s+")


_MARKUP_CHARS = frozenset("<[*_`&\\~!：")


# Keyed by a line's text, which seldom recurs beyond its own use case: the bound holds
# about a use case's lines, not those of the thousands a report parses.
@lru_cache(maxsize=256)
def clean_inline(text: str) -> str:
    """Text as a reader sees it: no links, tags, emphasis or entities; spaces folded."""
    if _MARKUP_CHARS.isdisjoint(text):
        return " ".join(text.split())
    text = text.replace("：", ": ")  # the full-width colon of Chinese and Japanese labels
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
