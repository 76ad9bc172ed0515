"""Every language's section heading terms, folded and indexed for `synonyms.section_key`:
the listed terms, the modifier-and-head compositions ("main" + "flow", "flujo" +
"principal"), and for compounding languages the same glued ("haupt" + "ablauf")."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from bot.usecase.lexicon.fold import normalize
from bot.usecase.lexicon.languages import LANGUAGES, Language


def _spellings(language: Language, words: tuple[str, ...]) -> list[str]:
    """Each word folded, and where the language's writers type ö as o, that way too."""
    out = [normalize(w) for w in words]
    if language.bare_umlauts:
        # Decomposed, an umlaut is a mark, and folding drops marks.
        out += [normalize(unicodedata.normalize("NFD", w)) for w in words]
    return list(dict.fromkeys(out))


def _terms(language: Language) -> Iterator[tuple[str, str, str | None]]:
    """(folded term, key, head of a glued compound or None)."""
    for key, words in language.tables["sections"].items():
        for word in _spellings(language, words):
            yield word, key, None
    for comp in language.compositions:
        heads = _spellings(language, comp.then)
        for first in _spellings(language, comp.first):
            for head in heads:
                yield f"{first} {head}", comp.key, None
                if language.compounds and " " not in first + head:
                    yield first + head, comp.key, head


def _index() -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    terms: dict[str, str] = {}
    heads: dict[str, str] = {}
    conflicts: dict[str, set[str]] = {}
    for language in LANGUAGES:  # English first: it keeps a term two languages share
        for term, key, head in _terms(language):
            if term in terms and terms[term] != key:
                conflicts.setdefault(term, {terms[term]}).add(key)
                continue
            terms[term] = key
            if head:
                heads[term] = head
    return terms, heads, conflicts


TERMS, HEADS, CONFLICTS = _index()


def _words(table: str, name: str) -> frozenset[str]:
    return frozenset(normalize(w) for language in LANGUAGES for w in language.words(table, name))


QUALIFIERS = _words("headings", "qualifiers")
CONJUNCTIONS = _words("headings", "conjunctions")
FAILURE_WORDS = _words("headings", "failure")

# Fuzzy matching compares a label with the terms of its first letter only.
BY_FIRST: dict[str, list[str]] = {}
for _term in TERMS:
    BY_FIRST.setdefault(_term[0], []).append(_term)


def _stems(name: str) -> re.Pattern[str]:
    stems = sorted(_words("headings", name), key=len, reverse=True)
    return re.compile("|".join(re.escape(s) for s in stems))


EXCEPTION_HINTS = _stems("exception_hints")
ALTERNATIVE_HINTS = _stems("alternative_hints")
