"""Text folded for comparison: accents dropped the way writers drop them when a keyboard
lacks them (ä as ae, ø as oe, ł as l), case and punctuation ignored. Letters of other
scripts (Cyrillic, Greek, Chinese, ...) stay, without their accents: "Актёр" folds as
"Актер", "Σενάριο" as "Σεναριο"."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that Unicode does not decompose into a base letter and a mark. Turkish dotless
# ı is i to writers on other keyboards ("aktor", "islem"), as dotted İ is I.
_LETTERS = str.maketrans({
    "ø": "oe", "Ø": "Oe", "æ": "ae", "Æ": "Ae", "å": "aa", "Å": "Aa", "ß": "ss",
    "ł": "l", "Ł": "L", "œ": "oe", "Œ": "Oe", "đ": "d", "Đ": "D", "ı": "i",
})
_UMLAUT = re.compile(r"[äöüÄÖÜ]")
# A letter of the scripts written without spaces between words: kana, CJK ideographs.
UNSPACED = "[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]"
_ACCENTS = re.compile("[\u0300-\u036f]")  # the marks Latin, Greek and Cyrillic letters take
_NON_ASCII = re.compile("[^\x00-\x7f]+")
# Kana voicing marks make another word ("ゴール" goal, "コール" call), not an accent.
VOICING = {"\u3099", "\u309a"}


@lru_cache(maxsize=1024)
def other_script(ch: str) -> bool:
    """A letter or digit of a script other than Latin. A Latin letter left over after
    decomposition has no plain form ("ð", "ŋ") and is dropped, as it always was."""
    name = unicodedata.name(ch, "LATIN")
    return unicodedata.category(ch)[0] in "LN" and not name.startswith(("LATIN", "MODIFIER"))


# Keyed by a line's text, which seldom recurs beyond its own use case: the bound holds
# about a use case's lines, not those of the thousands a report parses.
@lru_cache(maxsize=256)
def fold(text: str) -> str:
    if text.isascii():
        return text
    text = _UMLAUT.sub(lambda m: unicodedata.normalize("NFD", m.group(0))[0] + "e", text)
    text = _ACCENTS.sub("", unicodedata.normalize("NFKD", text.translate(_LETTERS)))
    if text.isascii():
        return text
    text = _NON_ASCII.sub(_other_letters, text)
    # Voiced kana and Hangul syllables whole again.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _other_letters(run: re.Match[str]) -> str:
    return "".join(ch for ch in run.group(0) if other_script(ch) or ch in VOICING)


_CAMEL = re.compile(r"([a-z])([A-Z])")
# Folded text holds no other character beyond ASCII than the letters and digits of other
# scripts, so only ASCII is sifted.
_NON_WORD = re.compile(r"[^a-z0-9()\u0080-\U0010ffff]+")
_NUMBERING = re.compile(r"^\s*(?:\d+[a-z]?\s+)+")
# Chinese and Japanese write no spaces, but a number or Latin label beside a term is a
# word of its own: "备选事件流1" is "备选事件流 1".
_SCRIPT_CHANGE = re.compile(rf"(?<={UNSPACED})(?=[a-z0-9])|(?<=[a-z0-9])(?={UNSPACED})")


def normalize(label: str) -> str:
    """`**2.1 Main Success Scenario:**` -> `main success scenario`."""
    text = _CAMEL.sub(r"\1 \2", label)  # primaryActor -> primary Actor
    text = fold(text).casefold().replace("&", " and ")
    if not text.isascii():
        text = _SCRIPT_CHANGE.sub(" ", text)
    text = _NON_WORD.sub(" ", text)
    text = _NUMBERING.sub("", text)  # leading numbering: "2 1 basic flow"
    return " ".join(text.split())
