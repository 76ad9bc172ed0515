"""Recognise list items and their labels in a flow: `3.`, `Step 3:`, `3a.`, `3a1.`, `*a.`,
`2-3a.`, `1.a`, `A1`, `E2`, `2.1`, `i.` and plain bullets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from bot.usecase.lexicon import STEP_WORDS
from bot.usecase.text import Line, clean_inline


class Label(Enum):
    NONE = "none"  # a bullet, or a line with no label
    STEP = "step"  # `Step 3:` written out
    NUMBER = "number"  # `3.` / `3)` / `3:`
    SUB = "sub"  # `2.1`, `2.3.1`, `i.`
    COCKBURN = "cockburn"  # `3a.`, `*a.`, `2-3a.`, `1.a`, `9-B`
    COCKBURN_SUB = "cockburn_sub"  # `3a1.`, `3a1a.`
    RUP = "rup"  # `A1`, `AF2`, `E1`, `EF3`, `Alt 1`, `Exc 2`
    LETTER = "letter"  # `a)`, `b)`: steps some templates letter instead of number


@dataclass(frozen=True, slots=True)
class Item:
    kind: Label
    label: str  # as written, without punctuation
    text: str  # cleaned text after the label
    indent: int
    bullet: bool
    line: Line

    @property
    def anchor(self) -> str | None:
        """The step a Cockburn label hangs on: `3a1` -> `3`, `*a` -> `*`, `2-3a` -> `2-3`."""
        m = _COCKBURN_PARTS.match(self.label)
        return m.group(1) if m else None


_BULLET = re.compile(r"^([*+\-•·▪◦]|o(?=\s))\s+")
# "Step", "Schritt", "paso", "krok" … in every language of the lexicon, longest first.
STEP_WORD = "(?:" + "|".join(sorted(map(re.escape, STEP_WORDS), key=len, reverse=True)) + ")"
_STEP = re.compile(rf"^{STEP_WORD}\s*(\d+(?:\.\d+)*)\s*[.):\-–]\s*(.*)$", re.IGNORECASE)
_COCKBURN = re.compile(
    r"^(\*|\d+(?:\s*[-–]\s*\d+)?)[.\-]?([a-zA-Zа-яА-Я])((?:\.?\d+[a-z]?)*)(?:[.):]|(?=\s))\s*(.*)$"
)
_COCKBURN_PARTS = re.compile(r"^(\*|\d+(?:-\d+)?)([a-zа-я])")
# RUP and house labels of whole flows: `A1`, `AF2`, `AL01`, `FA1`, `E1`, `EF3`, `EX01`,
# `FE2`, `Alt-1`, `Exc 2`. The exception prefixes say what kind of flow it is.
FLOW_LABEL = r"(?:AF|AL|FA|Alt|ALT|A|EF|EX|FE|Exc|EXC|E)[- ]?\d+(?:\.\d+)*"
EXCEPTION_LABEL = re.compile(r"^(?:E|EF|EX|FE|Exc|EXC)(?:[- ]?\d|$)")
_RUP = re.compile(rf"^({FLOW_LABEL})\b\s*[.:)\-–]?\s*(.*)$")
_NUMBER = re.compile(
    r"^(\d+)\s*[.):]\s*(.*)$|^(\d+)\.(?=[A-ZÄÖÜÆØÅ])(.*)$|^\((\d+)\)\s*(.*)$|"
    r"^(\d+)\s+[-–]\s+(.*)$"
)
_HIER = re.compile(r"^(\d+(?:\.\d+)+)\.?\s+(.*)$")
_ROMAN = re.compile(r"^([ivx]{1,4})[.)]\s+(.*)$")
_LETTER = re.compile(r"^([a-z])\)\s+(.*)$")
_LEADING_TAGS = re.compile(r"^(?:<[a-zA-Z][^>]*>\s*)+")
_LEADING_BOLD = re.compile(r"^(\*\*|__)(.*?)(\*\*|__)")
_OPEN_BOLD = re.compile(r"^(?:\*\*|__)")
_STEP_WORD_BEFORE_LABEL = re.compile(
    rf"^{STEP_WORD}\s+(?=(?:\d+(?:-\d+)?|\*)\.?[a-z]\d*\b)", re.IGNORECASE
)
_BARE_NUMBER = re.compile(r"^(\d+)\s+(?=[A-ZÄÖÜÆØÅ])(.*)$")


# Lines starting with any other character carry no label: most prose is decided at once.
_LABEL_STARTS = frozenset("0123456789(*+-•·▪◦oEeAaFivx<_") | {
    ch for word in STEP_WORDS for ch in (word[0], word[0].upper())
}


def read_item(line: Line, bare_numbers: bool = False) -> Item:
    """What kind of flow line this is. `bare_numbers` accepts `1 Text` as item 1."""
    text = line.text
    if text[:1] not in _LABEL_STARTS and text[1:2] != ")":
        return Item(Label.NONE, "", clean_inline(text), line.indent, False, line)
    bullet = False
    m = _BULLET.match(text)
    if m:
        bullet = True
        text = text[m.end() :]
    if text[:1] in "<*_":
        body = _LEADING_TAGS.sub("", text)
        body = _LEADING_BOLD.sub(r"\2", body).strip()
        body = _OPEN_BOLD.sub("", body)
    else:
        body = text.strip()
    body = _STEP_WORD_BEFORE_LABEL.sub("", body)  # "Step 3a. ..." is extension 3a
    for kind, pattern in (
        (Label.STEP, _STEP),
        (Label.SUB, _HIER),
        (Label.COCKBURN, _COCKBURN),
        (Label.RUP, _RUP),
        (Label.NUMBER, _NUMBER),
        (Label.SUB, _ROMAN),
        (Label.LETTER, _LETTER),
    ):
        hit = pattern.match(body)
        if not hit:
            continue
        if kind is Label.COCKBURN:
            anchor, letter, sub, rest = hit.groups()
            sub = sub.replace(".", "")  # Cockburn's own "2a.1" is step 2a1
            label = re.sub(r"\s+", "", anchor).replace("–", "-") + letter.lower() + sub
            real = Label.COCKBURN_SUB if sub else Label.COCKBURN
            return Item(real, label, clean_inline(rest), line.indent, bullet, line)
        groups = [g for g in hit.groups() if g is not None]
        label, rest = groups[0], groups[1] if len(groups) > 1 else ""
        return Item(kind, label, clean_inline(rest), line.indent, bullet, line)
    if bare_numbers:
        hit = _BARE_NUMBER.match(body)
        if hit:
            return Item(
                Label.NUMBER, hit.group(1), clean_inline(hit.group(2)), line.indent, bullet, line
            )
    return Item(Label.NONE, "", clean_inline(body), line.indent, bullet, line)
