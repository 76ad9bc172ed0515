"""Section headings in the words teams actually use, mapped to canonical keys.

Matching is case- and punctuation-insensitive; numbering (`2.`, `3.1`) and parenthetical
explanations are ignored; small misspellings ("Main Succece Scenario") still match.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

IGNORED = "ignored"

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": (
        "use case", "use case name", "usecase name", "usecase navn", "use case navn", "name",
        "title", "titel", "use case title", "use case specification", "anwendungsfall",
        "cas d utilisation", "caso de uso", "use case id and name", "nombre", "nom",
    ),
    "goal": (
        "goal", "goal in context", "brief description", "description", "summary", "purpose",
        "ziel", "kurzbeschreibung", "beschreibung", "objectif", "objetivo", "descripcion breve",
        "descripcion", "doel", "doel van de gebruiker", "korte omschrijving", "omschrijving",
        "beskrivelse", "formal", "malsaetning", "user goal",
    ),
    "scope": (
        "scope", "system", "system under design", "sud", "system under discussion",
        "systemgrenze", "portee", "alcance",
    ),
    "level": ("level", "goal level", "ebene", "niveau", "nivel", "niveauet"),
    "primary_actor": (
        "primary actor", "primary actors", "main actor", "initiating actor", "primaerakteur",
        "hauptakteur", "acteur principal", "actor principal", "primaire actor", "primaer aktoer",
        "primaer akteur",
    ),
    "actors": (
        "actor", "actors", "actors involved", "participating actors", "akteur", "akteure",
        "acteur", "acteurs", "actores", "actoren", "aktoer", "aktoerer", "involved actors",
    ),
    "secondary_actors": (
        "secondary actor", "secondary actors", "supporting actor", "supporting actors",
        "other actors", "sekundaerakteur", "sekundaerakteure", "acteurs secondaires",
        "acteur secondaire", "actores secundarios", "actor secundario", "secundaire actoren",
        "sekundaere aktoerer",
    ),
    "stakeholders": (
        "stakeholders", "stakeholders and interests", "stakeholder", "interessenten",
        "parties prenantes", "partes interesadas", "belanghebbenden", "interessenter",
        "interessenters interesse",
    ),
    "preconditions": (
        "preconditions", "precondition", "pre conditions", "pre condition", "entry conditions",
        "entry condition", "assumptions", "vorbedingung", "vorbedingungen", "preconditions",
        "precondiciones", "condiciones previas", "precondities", "voorafgaande vereisten",
        "aannames", "technische precondities", "forudsaetninger", "forudsaetning",
        "voorwaarden",
    ),
    "trigger": (
        "trigger", "triggering event", "starting event", "ausloeser", "ausloesendes ereignis",
        "declencheur", "disparador", "aanleiding", "udloeser",
    ),
    "success_guarantee": (
        "postconditions", "postcondition", "post conditions", "post condition",
        "success guarantee", "success guarantees", "succes guarantee", "success end condition",
        "success postconditions", "success postcondition", "guarantees", "guarantee",
        "nachbedingung", "nachbedingungen", "nachbedingung erfolg", "postcondiciones",
        "condiciones posteriores", "postcondities", "succes garanti", "efterbetingelser",
        "post conditions the success criteria", "success criteria",
    ),
    "minimal_guarantee": (
        "minimal guarantee", "minimal guarantees", "failed end condition", "failure end condition",
        "failure postconditions", "failure postcondition", "nachbedingung fehlschlag",
        "andere nachbedingung", "garanties minimales", "garantias minimas",
    ),
    "main_flow": (
        "main success scenario", "mss", "basic flow", "basic course", "basic course of events",
        "main flow", "normal flow", "primary flow", "happy path", "flow of events",
        "basic flow of events", "main scenario", "normal course", "nominal scenario",
        "main course", "scenario", "success scenario", "main succes scenario",
        "hauptszenario", "erfolgsszenario", "standardablauf", "ablauf", "scenario nominal",
        "flot de base", "flujo basico", "flujo principal", "escenario principal de exito",
        "escenario principal", "stappen en verantwoordelijkheden", "stappen", "steps",
        "hovedscenarie", "hovedforloeb", "basis flow", "main succeskriterier", "basisflow",
        "normal course of events", "typical course of events", "main path", "basic path",
        "primary scenario", "normal scenario", "standard flow", "main sequence",
        "happy day scenario",
    ),
    "extensions": (
        "extensions", "extension", "alternative flows", "alternative flow", "alternate flows",
        "alternate flow", "alternative courses", "alternative course", "alternate courses",
        "alternate course", "alternatives", "alternative paths", "alternative scenarios",
        "alternative scenario", "alternative steps", "alternative success scenario",
        "exceptions", "exception", "exception flows", "exception flow", "error flows",
        "error flow", "exceptional flows", "variations", "variants", "erweiterungen",
        "alternativablaeufe", "alternativszenario", "alternativszenarien", "ausnahmen",
        "ausnahmeszenario", "ausnahmeszenarien", "fehlerfall", "fehlerfaelle",
        "scenarios alternatifs", "scenario alternatif", "scenarios d exception",
        "scenario d erreur", "flujos alternativos", "flujos alternos", "flujo alternativo",
        "flujos de excepcion", "flujo de excepcion", "excepciones", "udvidelser",
        "alternatieve scenarios", "uitzonderingen", "undtagelser",
        "alternative and exception flows",
        "exceptions and alternatives", "alternate scenarios", "error scenarios",
    ),
    "subflows": ("subflows", "sub flows", "included use cases", "subordinate use cases"),
    "tech_data_variations": (
        "technology and data variations", "technology and data variations list",
        "sub variations", "subvariations", "technology variations", "data variations",
    ),
    IGNORED: (
        "special requirements", "business rules", "frequency", "frequency of occurrence",
        "frequency of use", "open issues", "extension points", "priority", "puntos de extension",
        "related information", "characteristic information", "schedule", "due date",
        "performance target", "channel to primary actor", "channels to secondary actors",
        "channel to actor", "channels to secondary", "channel to secondary actors",
        "superordinate use case", "miscellaneous", "notes", "revision history",
        "table of contents", "id", "version", "date", "author", "when available",
        "resources used", "invoked by", "rationale", "data inputs", "data output",
        "related bbs", "sequence diagram", "function points", "story", "opmerkingen",
        "systeemcomponenten", "datasets", "bemerkungen", "references", "use case step",
    ),
}


@lru_cache(maxsize=8192)
def _fold(text: str) -> str:
    if text.isascii():
        return text
    text = text.replace("ø", "oe").replace("Ø", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    text = text.replace("å", "aa").replace("Å", "Aa").replace("ß", "ss")
    text = re.sub(r"([äöüÄÖÜ])", lambda m: unicodedata.normalize("NFD", m.group(1))[0] + "e", text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


_CAMEL = re.compile(r"([a-z])([A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9()]+")
_NUMBERING = re.compile(r"^\s*(?:\d+[a-z]?\s+)+")


def normalize(label: str) -> str:
    """`**2.1 Main Success Scenario:**` -> `main success scenario`."""
    text = _CAMEL.sub(r"\1 \2", label)  # primaryActor -> primary Actor
    text = _fold(text).lower().replace("&", " and ")
    text = _NON_WORD.sub(" ", text)
    text = _NUMBERING.sub("", text)  # leading numbering: "2 1 basic flow"
    return " ".join(text.split())


_LOOKUP = {syn: key for key, syns in _SYNONYMS.items() for syn in syns}
_BY_LENGTH = sorted(_LOOKUP, key=len, reverse=True)
_BY_FIRST: dict[str, list[str]] = {}
for _syn in _LOOKUP:
    _BY_FIRST.setdefault(_syn[0], []).append(_syn)
_PAREN = re.compile(r"\([^)]*\)?")


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


@lru_cache(maxsize=4096)
def section_key(
    label: str, prefix_ok: bool = True, fuzzy: bool = True, extra: Extra = ()
) -> str | None:
    """The canonical key of a heading or field label, or None when it is not a known one.

    `prefix_ok` also accepts a label that starts with a synonym ("Main success scenario –
    high level"); `fuzzy` forgives small misspellings. Both are for text marked up as a
    label; a free-standing line could be prose. `extra` holds a team's own words.
    """
    if extra:
        norm = normalize(label)
        for words, key in extra:
            if norm == words or (prefix_ok and norm.startswith(words + " ")):
                return key
    quick = label.strip(" :*#_").lower()
    if quick in _LOOKUP:
        return _LOOKUP[quick]
    full = normalize(label)
    bare = re.sub(r"\s+", " ", _PAREN.sub(" ", full)).strip()
    candidates = [bare, full.replace("(", "").replace(")", "")]
    candidates += [m.strip("() ") for m in _PAREN.findall(full)]
    for cand in candidates:
        if cand in _LOOKUP:
            return _LOOKUP[cand]
    if not bare:
        return None
    if prefix_ok:
        for syn in _BY_LENGTH:
            if " " in syn and bare.startswith(syn + " ") and len(bare.split()) <= 8:
                return _LOOKUP[syn]
    if fuzzy and len(bare) >= 10:
        near = [syn for syn in _BY_FIRST.get(bare[0], ()) if abs(len(syn) - len(bare)) <= 3]
        close = difflib.get_close_matches(bare, near, n=1, cutoff=0.88)
        if close:
            return _LOOKUP[close[0]]
    return None


EXCEPTION_HINTS = re.compile(
    r"exception|error|fail|ausnahme|fehler|excepcion|erreur|fout|uitzonder|undtagel|fejl",
)
ALTERNATIVE_HINTS = re.compile(r"alternat|variant|variation|alterno")


def extension_hint(label: str) -> str | None:
    """'exception' or 'alternative' when a section's own name says what its flows are."""
    norm = normalize(label)
    if EXCEPTION_HINTS.search(norm):
        return "exception"
    if ALTERNATIVE_HINTS.search(norm):
        return "alternative"
    return None
