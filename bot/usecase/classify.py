"""Is an extension a failure being handled (exception) or another way to succeed
(alternative)? And how does it end? Evidence is weighed as the rules document orders it:
labels, then the ending, then the words of the condition, then how it is handled."""

from __future__ import annotations

import re

from bot.usecase.items import EXCEPTION_LABEL
from bot.usecase.lexicon.languages import ENGLISH, LANGUAGES, Language
from bot.usecase.lexicon.phrases import alternation
from bot.usecase.model import Kind, Outcome

_W = r"(?<![\w-])"  # no word, and no hyphenated word, goes on before
_END = r"(?![\w-])"


def _all(name: str) -> str:
    """The phrases every language lists under [classify] `name`, as one group."""
    return alternation(p for lang in LANGUAGES for p in lang.words("classify", name))


def _english(name: str) -> str:
    return alternation(ENGLISH.words("classify", name))


def _in_sequence(*names: str, sep: str) -> str:
    """Each language's lists `names` one after another ("kein" ... "ist"), never one
    language's first word with another's second."""
    return "(?:" + "|".join(
        sep.join(alternation(lang.words("classify", n)) for n in names)
        for lang in LANGUAGES
        if all(lang.words("classify", n) for n in names)
    ) + ")"


def _step_mention(lang: Language) -> str:
    """"in step", "after the step", "à l'étape", "w kroku": one language's prepositions,
    an optional article and its step words."""
    articles = lang.words("classify", "step_articles")
    article = "|".join(
        alternation([a]) + ("" if a.endswith(("'", "’")) else r"\s+") for a in articles
    )
    return (
        alternation(lang.words("classify", "step_prepositions")) + r"\s+"
        + (f"(?:{article})?" if articles else "") + alternation(lang.words("steps", "words"))
    )


_STEP = alternation(w for lang in LANGUAGES for w in lang.words("steps", "words"))

EXCEPTION_WORDS = re.compile(_W + _all("exception") + _END, re.IGNORECASE)
# "is not valid", "does not exist", "has not been paid", "did not pay"
_NEGATED_STATE = re.compile(
    _W + _english("negated_aux") + r"(?:n't| not| no longer)\s+(?:\w+ly\s+)?(?:been\s+)?"
    + _english("negatable_states") + r"(?!\w)"
    + r"|\b" + _english("negated_any_aux") + r"(?:n't| not)\s+(?:\w+ly\s+)?\w+",
    re.IGNORECASE,
)
# "No table is free", "No seat can be found": nothing there to succeed with.
_NOTHING_THERE = re.compile(
    r"^\W*" + _in_sequence("nothing", "nothing_verbs", sep=r"\s+\w+(?:\s+\w+)?\s+") + r"\b",
    re.IGNORECASE,
)
_NEGATION_BEFORE = re.compile(_W + _all("negation") + r"\s+(?:\w+\s+)?$", re.IGNORECASE)
ALTERNATIVE_WORDS = re.compile(_W + _all("alternative") + _END, re.IGNORECASE)
# An empty result is a legitimate state unless the handling treats it as an error.
EMPTY_RESULT = re.compile(r"\b" + _all("empty_result") + r"\b", re.IGNORECASE)
HANDLING_FAILURE = re.compile(_W + _all("handling_failure") + _END, re.IGNORECASE)
_STRONG_FAIL = re.compile(r"\b" + _all("abort") + r"\b", re.IGNORECASE)
_ENDS = re.compile(
    r"\b" + _all("ends") + r"|(?:^|\s)" + _all("end_words") + r"\.?$", re.IGNORECASE
)
RESUME = re.compile(
    r"\b" + _all("resume") + r"\b[^.;]{0,40}?\b" + _STEP + r"\s*(\d+(?:\.\d+)*[a-z]?)",
    re.IGNORECASE,
)
STEP_MENTION = re.compile(
    r"(?:\b(?:" + "|".join(_step_mention(lang) for lang in LANGUAGES)
    + r")|\(\s*" + _STEP + r")\s+(\d+(?:\.\d+)*)",
    re.IGNORECASE,
)
# "All general exceptions apply": a pointer to shared handling, not a flow.
POINTER = re.compile(
    r"\b" + _in_sequence("pointer_general", "pointer_subject", "pointer_verb", sep=r"\b.{0,40}\b")
    + r"\b",
    re.IGNORECASE,
)


def classify(condition: str, handling: str, hint: str | None, label: str) -> tuple[Kind, str]:
    """The extension's kind and a short note of the evidence that decided it."""
    if EXCEPTION_LABEL.match(label):
        return Kind.EXCEPTION, "label"
    alt = next(
        (
            m
            for m in ALTERNATIVE_WORDS.finditer(condition)
            if not _NEGATION_BEFORE.search(condition[: m.start()])
        ),
        None,
    )
    exc = (EXCEPTION_WORDS.search(condition) or _NEGATED_STATE.search(condition)
           or _NOTHING_THERE.search(condition))
    handled_as_failure = HANDLING_FAILURE.search(handling)
    if EMPTY_RESULT.search(condition) and not handled_as_failure:
        return Kind.ALTERNATIVE, "empty result"
    if _STRONG_FAIL.search(handling):
        return Kind.EXCEPTION, "outcome"
    if alt and not exc:
        return Kind.ALTERNATIVE, f"condition: {alt.group(0)}"
    if exc:
        return Kind.EXCEPTION, f"condition: {exc.group(0)}"
    if handled_as_failure:
        return Kind.EXCEPTION, f"handling: {handled_as_failure.group(0)}"
    if hint == "exception":
        return Kind.EXCEPTION, "section"
    return Kind.ALTERNATIVE, "no failure signalled"


def outcome(texts: list[str], kind: Kind) -> tuple[Outcome, str | None]:
    """How the flow ends: the last ending it states wins."""
    for text in reversed(texts):
        resume = RESUME.search(text)
        if resume:
            return Outcome.RESUME, resume.group(1)
        if _STRONG_FAIL.search(text):
            return Outcome.FAIL, None
        if _ENDS.search(text.strip()):
            return (Outcome.FAIL if kind is Kind.EXCEPTION else Outcome.SUCCESS), None
    return Outcome.UNSPECIFIED, None
