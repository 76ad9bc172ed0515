"""Is an extension a failure being handled (exception) or another way to succeed
(alternative)? And how does it end? Evidence is weighed as the rules document orders it:
labels, then the ending, then the words of the condition, then how it is handled."""

from __future__ import annotations

import re

from bot.usecase.items import EXCEPTION_LABEL
from bot.usecase.model import Kind, Outcome

_W = r"(?<![\w-])"

EXCEPTION_WORDS = re.compile(
    _W + r"(?:invalid|incorrect|wrong|errors?|erroneous|fail\w*|den(?:y|ies|ied)|declin\w*|"
    r"reject\w*|"
    r"expired|locked|blocked|banned|unavailable|not available|not found|cannot be found|"
    r"can ?not|can't|couldn't|unable|missing|insufficient|not enough|too (?:many|much|long|"
    r"few|large|small)|exceed\w*|limit|out of stock|out of|out of bounds?|times? out|timed? ?out|"
    r"timeout|no response|does not respond|no acknowledge?ment|offline|unreachable|"
    r"duplicat\w*|already|mismatch\w*|unauthori[sz]ed|forbidden|corrupt\w*|cancel\w*|"
    r"abort\w*|interrupt\w*|crash\w*|outage|lost|problem|exception|malformed|illegal|"
    r"negative|non[- ]?numer\w*|incomplete|unknown|empty|refuse[sd]?|refut\w*|"
    r"violat\w*|unsuccessful\w*|no internet|below|disconnect\w*|(?:is|are|goes|went) down|"
    # German, Dutch, Danish, French, Spanish
    r"ungültig\w*|falsch\w*|fehler\w*|fehlgeschlagen|unerlaubt\w*|abgebrochen|"
    r"nicht (?:gefunden|vorhanden|verfügbar|erlaubt|möglich|erreichbar|korrekt)|"
    r"ongeldig\w*|fout\w*|mislukt|niet (?:gevonden|beschikbaar|geldig)|"
    r"ugyldig\w*|fejl\w*|forkert\w*|negativ\w*|ikke (?:gyldig|fundet|tilgængelig)|"
    r"invalide|erreur|échec|refusé\w*|introuvable|inválid\w*|fallo|rechazad\w*|"
    r"no encontrad\w*|incorrect\w*)(?![\w-])",
    re.IGNORECASE,
)
# "is not valid", "does not exist", "has not been paid", "was not specified"
_NEGATED_STATE = re.compile(
    _W + r"(?:is|are|was|were|has|have|had|does|do|did)(?:n't| not| no longer)\s+"
    r"(?:\w+ly\s+)?(?:been\s+)?(?:exist\w*|have|has|match\w*|contain\w*|valid|present|"
    r"allowed|permitted|possible|supported|specified|provided|given|entered|selected|"
    r"received|found|correct|registered|authori[sz]ed|paid|accepted|recogni[sz]ed|"
    r"available|reachable|responding|respond|confirm\w*|in\b)|"
    r"\b(?:did|has|have)(?:n't| not)\s+(?:\w+ly\s+)?\w+",
    re.IGNORECASE,
)
# "No table is free", "No seat can be found": nothing there to succeed with.
_NOTHING_THERE = re.compile(
    r"^\W*no\s+\w+(?:\s+\w+)?\s+(?:is|are|was|were|can|could|exists?|remains?)\b",
    re.IGNORECASE,
)
_NEGATION_BEFORE = re.compile(r"(?:\bnot|n't|\bnever|\bno)\s+(?:\w+\s+)?$", re.IGNORECASE)
ALTERNATIVE_WORDS = re.compile(
    _W + r"(?:chooses?|choose to|selects?|opts?|prefers?|wants? to|wishes to|instead|"
    r"alternatively|optionally|rather than|decides? to|can choose|may choose|"
    r"has (?:a|an) (?:saved|existing|stored)|is (?:a|an) (?:returning|registered|premium|new)|"
    r"pays? (?:\w+ )?(?:by|with|in)|uses? (?:a|an) (?:voucher|coupon|gift card)|"
    r"successfully|sondern|stattdessen|anderen weg|alternativ\w*|in case of (?:an?|the) \w+ "
    r"scenario|en lugar de|au lieu de|i stedet)(?![\w-])",
    re.IGNORECASE,
)
# An empty result is a legitimate state unless the handling treats it as an error.
EMPTY_RESULT = re.compile(
    r"\b(?:list|result|results|search|collection|inbox|cart|queue|selection|catalog(?:ue)?)\s+"
    r"(?:is|are)\s+empty\b|\bno (?:results|matches|items|records|entries)\b",
    re.IGNORECASE,
)
HANDLING_FAILURE = re.compile(
    _W + r"(?:error|warning|invalid|rejects?|refuses?|retr(?:y|ies)|roll(?:s|ed)? back|"
    r"releases? the|alert|fail\w*|terminates?|abort\w*|cannot|not allowed|fehlermeldung|"
    r"fejl|oplyser at|beder om et nyt|asks? (?:\w+ ){0,3}to (?:alter|re-?enter|correct|fix)|"
    r"prompts? (?:\w+ )?again|try (?:again )?later|apologi[sz]es|"
    r"not (?:a function|in the requirements|possible))(?![\w-])",
    re.IGNORECASE,
)
_STRONG_FAIL = re.compile(
    r"\babort\b|\bABORT\b|use case (?:fails|terminates)|ends? (?:in failure|unsuccessfully)|"
    r"goal (?:is )?abandoned|anwendungsfall (?:scheitert|bricht ab)",
    re.IGNORECASE,
)
_ENDS = re.compile(
    r"use case (?:ends|terminates|stops|is (?:over|finished))|(?:^|\s)ends?\.?$|"
    r"anwendungsfall endet|ende des szenarios|le cas d'utilisation se termine|"
    r"el caso de uso termina|use casen? slutter|process(?:en)? (?:ends|stopper)",
    re.IGNORECASE,
)
RESUME = re.compile(
    r"(?:resumes?|continues?|restarts?|returns?|goes back|go back|rejoins?|proceeds?|"
    r"forsætter|fortsætter|weiter|retour|vuelve|continúa|gaat verder)\b"
    r"[^.;]{0,40}?\b(?:steps?|schritt|étape|etape|paso|stap|pkt\.?|punkt)\s*(\d+(?:\.\d+)*[a-z]?)",
    re.IGNORECASE,
)
STEP_MENTION = re.compile(
    r"(?:\b(?:in|at|after|during|from|on|of|tbv|bei|dans|en|im|à)\s+"
    r"(?:the\s+|el\s+|la\s+|l'|le\s+)?|\(\s*)"
    r"(?:steps?|schritt|stap|étape|paso|trin)\s+(\d+(?:\.\d+)*)",
    re.IGNORECASE,
)
POINTER = re.compile(
    r"\b(?:all|general|ubiquitous|standard|common|global)\b.{0,40}\bexceptions?\b.{0,40}"
    r"\b(?:apply|applies|are handled|handled|see)\b",
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
