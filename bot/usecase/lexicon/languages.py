"""The language files beside this module, read once and checked for every table the
readers rely on, so a file with a missing table fails at import, not halfway through a
lint."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

IGNORED = "ignored"

SECTION_KEYS = (
    "title", "goal", "scope", "level", "primary_actor", "secondary_actors", "actors",
    "stakeholders", "preconditions", "trigger", "main_flow", "extensions",
    "success_guarantee", "minimal_guarantee", IGNORED,
)
# Keys only some templates have (Cockburn's sub-variations, RUP's subflows).
OPTIONAL_SECTION_KEYS = ("subflows", "tech_data_variations")

REQUIRED: dict[str, tuple[str, ...]] = {
    "sections": SECTION_KEYS,
    "steps": ("words",),
    "headings": ("qualifiers", "conjunctions", "failure", "exception_hints",
                 "alternative_hints"),
    "classify": ("exception", "alternative", "negation", "handling_failure", "abort", "ends",
                 "resume", "step_prepositions"),
    "actors": ("determiners", "pronouns", "auxiliaries"),
}


@dataclass(frozen=True)
class Composition:
    """Every word of `first` followed by every word of `then` names section `key`:
    "main" + "flow", "flujo" + "principal"; glued too where the language compounds."""

    key: str
    first: tuple[str, ...]
    then: tuple[str, ...]


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    compounds: bool  # writes modifier and head as one word: "Hauptablauf", "huvudflöde"
    # Writers without the keys type ö and ü as o and u ("On kosullar" for "Ön koşullar"),
    # not as German oe and ue.
    bare_umlauts: bool
    tables: dict[str, dict[str, tuple[str, ...]]]
    compositions: tuple[Composition, ...]

    def words(self, table: str, name: str) -> tuple[str, ...]:
        return self.tables.get(table, {}).get(name, ())


def _words(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: expected a list of words")
    return tuple(value)


def parse_language(code: str, data: dict[str, Any]) -> Language:
    """One language file's content, checked: every required table present, words as lists."""
    tables: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, names in REQUIRED.items():
        raw = data.get(table)
        if not isinstance(raw, dict):
            raise ValueError(f"{code}: table [{table}] is missing")
        missing = [n for n in names if n not in raw]
        if missing:
            raise ValueError(f"{code}: [{table}] lacks {', '.join(missing)}")
        tables[table] = {n: _words(f"{code}: {table}.{n}", v) for n, v in raw.items()}
    unknown = set(tables["sections"]) - set(SECTION_KEYS) - set(OPTIONAL_SECTION_KEYS)
    if unknown:
        raise ValueError(f"{code}: unknown section keys {sorted(unknown)}")
    compositions = []
    for i, comp in enumerate(data.get("compose", [])):
        key = comp.get("key")
        if key not in tables["sections"]:
            raise ValueError(f"{code}: compose #{i + 1} names unknown key {key!r}")
        compositions.append(Composition(
            key,
            _words(f"{code}: compose #{i + 1}.first", comp.get("first")),
            _words(f"{code}: compose #{i + 1}.then", comp.get("then")),
        ))
    return Language(code, str(data.get("name", code)), bool(data.get("compounds", False)),
                    bool(data.get("bare_umlauts", False)), tables, tuple(compositions))


def _load() -> tuple[Language, ...]:
    files = sorted(
        (f for f in resources.files(__package__ or __name__).iterdir() if f.name.endswith(".toml")),
        key=lambda f: (f.name != "en.toml", f.name),  # English first: it wins a shared term
    )
    return tuple(
        parse_language(f.name.removesuffix(".toml"), tomllib.loads(f.read_text("utf-8")))
        for f in files
    )


LANGUAGES = _load()
ENGLISH = LANGUAGES[0]
