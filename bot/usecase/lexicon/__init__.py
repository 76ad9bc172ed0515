"""The words of use-case templates, one data file per language beside this module
(`en.toml`, `de.toml`, ...): section headings, step words, the phrases that classify an
extension, and the function words the actor reader steps over.

The actor reader does not know a step's language, so its word sets below are shared by
all languages. A word that English uses in another role stays out of a shared set
("i" is an Italian article but the English "I"; "a" is French "has" but the English
article): English is the language most texts are written in.
"""

from __future__ import annotations

from bot.usecase.lexicon.fold import fold
from bot.usecase.lexicon.languages import ENGLISH, LANGUAGES, Language

__all__ = [
    "AUX", "CLAUSE_STARTERS", "COPULAS", "DETERMINERS", "ENGLISH_DETERMINERS",
    "GENERIC_MODIFIERS", "GENERIC_ROLES", "IRREGULAR_PARTICIPLES", "LANGUAGES", "NOT_PERSON",
    "PASSIVE_AUX", "PERSON_WORDS", "PREPOSITIONS", "PRONOUNS", "STEP_WORDS", "SYSTEM_WORDS",
    "VERBS", "Language",
]

_FUNCTION_WORDS = ("determiners", "pronouns", "auxiliaries", "prepositions", "clause_starters")


def _with_folded(words: set[str]) -> frozenset[str]:
    # Some readers compare raw lowercase tokens, others folded ones ("użytkownik").
    return frozenset(words | {fold(w) for w in words})


def _shared(table: str) -> frozenset[str]:
    english_elsewhere = {
        w for other in _FUNCTION_WORDS if other != table for w in ENGLISH.words("actors", other)
    }
    words = set(ENGLISH.words("actors", table))
    for language in LANGUAGES[1:]:
        words |= {
            w for w in language.words("actors", table)
            if w not in english_elsewhere and fold(w) not in english_elsewhere
        }
    return _with_folded(words)


DETERMINERS = _shared("determiners")
ENGLISH_DETERMINERS = frozenset(ENGLISH.words("actors", "determiners"))
PRONOUNS = _shared("pronouns")
AUX = _shared("auxiliaries") | frozenset(ENGLISH.words("actors", "verb_adverbs"))
COPULAS = _shared("copulas")
PASSIVE_AUX = _shared("passive_auxiliaries")
PREPOSITIONS = _shared("prepositions")
CLAUSE_STARTERS = _shared("clause_starters")
GENERIC_ROLES = _shared("generic_roles")
SYSTEM_WORDS = _shared("system_words")
PERSON_WORDS = _shared("person_words")
# English only: the verb heuristics (`-s`, `-ed`, participles) are English ones.
VERBS = frozenset(ENGLISH.words("actors", "verbs"))
GENERIC_MODIFIERS = frozenset(ENGLISH.words("actors", "generic_modifiers"))
IRREGULAR_PARTICIPLES = frozenset(ENGLISH.words("actors", "irregular_participles"))
NOT_PERSON = frozenset(ENGLISH.words("actors", "not_person"))

STEP_WORDS = frozenset(w for language in LANGUAGES for w in language.words("steps", "words"))
