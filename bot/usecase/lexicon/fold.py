"""Text folded for comparison: accents dropped the way writers drop them when a keyboard
lacks them (ä as ae, ø as oe, ł as l), case and punctuation ignored."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({
    "ø": "oe", "Ø": "Oe", "æ": "ae", "Æ": "Ae", "å": "aa", "Å": "Aa", "ß": "ss",
    "ł": "l", "Ł": "L", "œ": "oe", "Œ": "Oe", "đ": "d", "Đ": "D",
})
_UMLAUT = re.compile(r"[äöüÄÖÜ]")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    if text.isascii():
        return text
    text = _UMLAUT.sub(lambda m: unicodedata.normalize("NFD", m.group(0))[0] + "e", text)
    text = text.translate(_LETTERS)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


_CAMEL = re.compile(r"([a-z])([A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9()]+")
_NUMBERING = re.compile(r"^\s*(?:\d+[a-z]?\s+)+")


def normalize(label: str) -> str:
    """`**2.1 Main Success Scenario:**` -> `main success scenario`."""
    text = _CAMEL.sub(r"\1 \2", label)  # primaryActor -> primary Actor
    text = fold(text).lower().replace("&", " and ")
    text = _NON_WORD.sub(" ", text)
    text = _NUMBERING.sub("", text)  # leading numbering: "2 1 basic flow"
    return " ".join(text.split())
