"""Section headings in the words teams actually use, mapped to canonical keys.

The words themselves live in the language files of `bot.usecase.lexicon`. Matching is
case-, accent- and punctuation-insensitive; numbering (`2.`, `3.1`) and parenthetical
explanations are ignored; small misspellings ("Main Succece Scenario") still match.
Beyond the listed terms a label may qualify one ("Postconditions on success",
"Alternative flow 2: pay later") or name two sections at once ("Preconditions and
trigger", "Actors / Stakeholders"), which reads as the first.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from bot.usecase.lexicon.fold import fold, normalize
from bot.usecase.lexicon.headings import (
    ALTERNATIVE_HINTS,
    BY_FIRST,
    CONJUNCTIONS,
    EXCEPTION_HINTS,
    FAILURE_WORDS,
    HEADS,
    QUALIFIERS,
    TERMS,
)
from bot.usecase.lexicon.languages import IGNORED

__all__ = [
    "ALTERNATIVE_HINTS", "CONFIG_KEYS", "EXCEPTION_HINTS", "IGNORED", "Extra",
    "extension_hint", "extra_words", "normalize", "section_key",
]

# The actor reader folds names the same way.
_fold = fold

# A team's own heading words: (normalised words, key) pairs, checked before the built-in ones.
Extra = tuple[tuple[str, str], ...]

# The section keys a team's configuration may name, as the keys the reader uses.
CONFIG_KEYS = {
    "title": "title", "goal": "goal", "scope": "scope", "level": "level",
    "primary_actor": "primary_actor", "secondary_actors": "secondary_actors",
    "actors": "actors", "stakeholders": "stakeholders", "preconditions": "preconditions",
    "trigger": "trigger", "main_flow": "main_flow", "extensions": "extensions",
    "alternative_flows": "extensions", "exception_flows": "extensions",
    "postconditions": "success_guarantee", "success_guarantee": "success_guarantee",
    "minimal_guarantee": "minimal_guarantee",
}


def extra_words(headings: dict[str, list[str]] | None) -> Extra:
    """A team's `sections:` table (SPEC section keys to heading words) as lookup pairs."""
    if not headings:
        return ()
    return tuple(
        (normalize(word), CONFIG_KEYS[key])
        for key, words in headings.items()
        if key in CONFIG_KEYS
        for word in words
        if normalize(word)
    )


_PAREN = re.compile(r"\([^)]*\)?")
_SEPARATOR = re.compile(r"\s*[/,;+]\s*")
# "2", "3a", "A1", "UC7", "EF2": a number naming one flow or use case.
_ID = re.compile(r"\d+[a-z]?\d*|[a-z]{1,3}\d+[a-z]?")
_MAX_WORDS = 8  # a longer label is a sentence, not a heading
# Single words too plain to carry a qualifier: "System in maintenance mode" is prose.
_UNQUALIFIED = {"title", "scope", "level", IGNORED}
_LONGEST = max(len(term.split()) for term in TERMS)


@lru_cache(maxsize=4096)
def section_key(
    label: str, prefix_ok: bool = True, fuzzy: bool = True, extra: Extra = ()
) -> str | None:
    """The canonical key of a heading or field label, or None when it is not a known one.

    `prefix_ok` also accepts a label that starts with a known term and goes on
    ("Main success scenario – high level", "Postconditions on success"); `fuzzy` forgives
    small misspellings. Both are for text marked up as a label; a free-standing line
    could be prose. `extra` holds a team's own words.
    """
    if extra:
        norm = normalize(label)
        for words, key in extra:
            if norm == words or (prefix_ok and norm.startswith(words + " ")):
                return key
    quick = label.strip(" :*#_").lower()
    if quick in TERMS:
        return TERMS[quick]
    full = normalize(label)
    bare = re.sub(r"\s+", " ", _PAREN.sub(" ", full)).strip()
    candidates = [bare, full.replace("(", "").replace(")", "")]
    candidates += [m.strip("() ") for m in _PAREN.findall(full)]
    for cand in candidates:
        if cand in TERMS:
            return _on_failure(TERMS[cand], cand, full)
    if not bare:
        return None
    tokens = bare.split()
    if len(tokens) > _MAX_WORDS:
        return None
    found = _combined(label) or (_qualified(tokens, full) if prefix_ok else None)
    if found is None and fuzzy and len(bare) >= 10:
        found = _near(bare)
    return found


def _near(bare: str) -> str | None:
    """A term one or two typos away. A typo rarely touches both ends of a word, so only
    terms that share the label's first two or last two letters are compared."""
    near = [
        t for t in BY_FIRST.get(bare[0], ())
        if abs(len(t) - len(bare)) <= 3 and (t[1] == bare[1] or t[-2:] == bare[-2:])
    ]
    close = difflib.get_close_matches(bare, near, n=1, cutoff=0.88)
    return TERMS[close[0]] if close else None


def _on_failure(key: str, term: str, full: str) -> str:
    """"Postconditions on failure", "Nachbedingung (Fehlschlag)": the minimal guarantee."""
    words = set(full.replace("(", " ").replace(")", " ").split())
    if key == "success_guarantee" and words - set(term.split()) & FAILURE_WORDS:
        return "minimal_guarantee"
    return key


def _combined(label: str) -> str | None:
    """"Preconditions and trigger", "Actors / Stakeholders", "Alternative and exception
    flows", "Haupt- und Alternativabläufe": the first section named."""
    words = normalize(_SEPARATOR.sub(" and ", _PAREN.sub(" ", label))).split()
    parts: list[list[str]] = [[]]
    for word in words:
        if word in CONJUNCTIONS:
            parts.append([])
        else:
            parts[-1].append(word)
    parts = [p for p in parts if p]
    if len(parts) < 2 or " ".join(parts[-1]) not in TERMS:
        return None
    first = " ".join(parts[0])
    if first in TERMS:
        return TERMS[first]
    # The parts share their head noun: "alternative" + "flows", "haupt" + "ablaeufe".
    last = parts[-1][-1]
    for head in (last, HEADS.get(last)):
        for joined in (f"{first} {head}", f"{first}{head}") if head else ():
            if joined in TERMS:
                return TERMS[joined]
    return None


def _qualified(words: list[str], full: str) -> str | None:
    """A known term followed by more: "Main success scenario – high level",
    "Alternative flow 2: pay later", "Postcondition if the goal is reached"."""
    for n in range(min(len(words) - 1, _LONGEST), 0, -1):
        term = " ".join(words[:n])
        key = TERMS.get(term)
        if key is None:
            continue
        if n > 1 or (
            key not in _UNQUALIFIED and (words[n] in QUALIFIERS or _ID.fullmatch(words[n]))
        ):
            return _on_failure(key, term, full)
    return None


def extension_hint(label: str) -> str | None:
    """'exception' or 'alternative' when a section's own name says what its flows are."""
    norm = normalize(label)
    if EXCEPTION_HINTS.search(norm):
        return "exception"
    if ALTERNATIVE_HINTS.search(norm):
        return "alternative"
    return None
