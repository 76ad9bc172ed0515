"""Labelled sections in, one structured `UseCase` out: the main flow (by its name, by the
section it points at, or by its shape), the extensions, the actors and who acts undeclared."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.usecase import actors, flows
from bot.usecase.items import Label, read_item
from bot.usecase.model import Extension, Step, UseCase
from bot.usecase.sections import SCENARIO, Field
from bot.usecase.synonyms import extension_hint, normalize
from bot.usecase.text import Line, clean_inline


def _values(field: Field) -> list[str]:
    """A field's content as items: list items and lines, continuation lines joined."""
    out: list[str] = []
    for line in flows.usable(field.lines):
        text = clean_inline(line.text)
        if not text or line.flow_title:
            continue
        is_item = bool(re.match(r"^(?:[-*+•·o]\s|\d+[.)]\s)", line.text))
        if out and not is_item and line.indent > 0 and not out[-1].endswith((".", ":")):
            out[-1] = f"{out[-1]} {text}"
        else:
            out.append(re.sub(r"^(?:[-*+•·o]\s+|\d+[.)]\s+)", "", text))
    return [v for v in out if not flows.is_empty_text(v)]


def _first_line(field: Field) -> int | None:
    for line in field.lines:
        if line.text.strip():
            return line.no
    return field.no


class _Reader:
    def __init__(self, fields: list[Field]) -> None:
        self.fields = fields
        self.by_key: dict[str, list[Field]] = {}
        for f in fields:
            if f.key:
                self.by_key.setdefault(f.key, []).append(f)

    def values(self, key: str) -> list[str]:
        for f in self.by_key.get(key, []):
            vals = _values(f)
            if vals:
                return vals
        return []

    def text(self, key: str) -> str | None:
        vals = self.values(key)
        return " ".join(vals) if vals else None


def _title(reader: _Reader, fields: list[Field]) -> str | None:
    for f in reader.by_key.get("title", []):
        label = f.label
        if ":" in label and label.split(":", 1)[1].strip():
            return label.split(":", 1)[1].strip()
        rest = re.sub(r"(?i)^use ?case(?: specification| name)?\s*[:\-]?\s*", "", label).strip()
        if rest and rest.lower() != label.lower():
            return rest  # "Use case UC07 - Delete a book"
        vals = _values(f)
        if vals and len(vals[0]) < 200:
            return vals[0]
    for f in fields:
        if f.label and f.key is None and f.level < 7:
            return re.sub(r"(?i)^use ?case(?: specification)?\s*[:\-]?\s*", "", f.label) or None
    return None


_ROLE_MARK = re.compile(r"\((?:primary|main|secondary|supporting)(?: actor)?\)", re.IGNORECASE)


def _actors(reader: _Reader) -> tuple[str | None, list[str]]:
    primary, secondary = _declared(reader)
    # "System (Mister Ed)" among the supporting actors is the system under discussion.
    return primary, [n for n in secondary if not actors.names_the_system(n)]


def _declared(reader: _Reader) -> tuple[str | None, list[str]]:
    primary_names = actors.split_names(reader.values("primary_actor"))
    secondary = actors.split_names(reader.values("secondary_actors"))
    if primary_names:
        first = (
            re.split(r"(?<=[a-z])\.\s", primary_names[0])[0] if len(primary_names) == 1 else None
        )
        primary = first or "; ".join(primary_names)
        return primary, secondary
    values = [
        part
        for v in reader.values("actors")
        for part in (actors.split_roles(v) if _ROLE_MARK.search(v) else [v])
    ]
    marked = [v for v in values if re.match(r"(?i)\s*(?:primary|main)(?: actors?)?\s*:", v)]
    if marked:
        rest = [v for v in values if v not in marked]
        return "; ".join(actors.split_names(marked)), secondary or actors.split_names(rest)
    listed = actors.split_names(values)
    if listed:
        labels = [f.label for f in reader.by_key.get("actors", [])]
        # "Actor: Alumno, Profesor" names one role in several words; "Actors: Clerk, Bank"
        # lists every party, the first one primary.
        others = listed[1:] if not all(map(_singular_label, labels)) else []
        return listed[0], secondary or others
    return None, secondary


# "Actor" in the singular, in the languages of the lexicon (folded: "Aktör" is "aktoer").
_ONE_ACTOR = frozenset(("actor", "akteur", "acteur", "aktor", "aktoer", "attore", "ator",
                        "akter", "актор", "актер", "toimija", "szereplo"))


def _singular_label(label: str) -> bool:
    words = normalize(label).split()
    return bool(words) and words[-1] in _ONE_ACTOR


_NUMBERED = re.compile(r"^\d+\.\s")


def _scenarios(reader: _Reader, nominal: str | None) -> tuple[list[Step], list[Extension]]:
    """Scenario tables (`Scenario 5.1` with Step#/Description rows): the nominal one is the
    main flow, every other one is an extension with its description as condition."""
    blocks = [f for f in reader.by_key.get(SCENARIO, []) if f.lines]
    if not blocks:
        return [], []
    described = []
    for block in blocks:
        title = next(
            (
                clean_inline(ln.text)
                for ln in block.lines
                if ln.text.strip() and not _NUMBERED.match(ln.text)
            ),
            block.label,
        )
        described.append((block, title))
    main_index = 0
    if nominal:
        for i, (_, title) in enumerate(described):
            if clean_inline(title).lower() == nominal.lower():
                main_index = i
                break
    main_block = described[main_index][0]
    main_steps, _ = flows.main_flow([ln for ln in main_block.lines if _NUMBERED.match(ln.text)])
    exts: list[Extension] = []
    for i, (block, title) in enumerate(described):
        if i == main_index:
            continue
        steps, _ = flows.main_flow([ln for ln in block.lines if _NUMBERED.match(ln.text)])
        exts.append(flows.build_extension(block.label.split()[-1], None, title, steps, [],
                                          None, "", block.no))
    return main_steps, exts


class FlowFound(StrEnum):
    NAMED = "a heading or label names it"
    LINKED = "the main-flow field names the section that holds it"
    SHAPE = "no heading names one: the longest run of numbered steps, by its shape"


def main_flow_fields(fields: list[Field]) -> tuple[list[Field], FlowFound]:
    """The sections the main flow is read from, and the rule of reading that chose them."""
    named = [f for f in fields if f.key == "main_flow"]
    if named:
        followed = _followed(named, fields)
        return followed, FlowFound.NAMED if followed is named else FlowFound.LINKED
    return _unnamed_flow(fields), FlowFound.SHAPE


def _followed(named: list[Field], fields: list[Field]) -> list[Field]:
    """A main-flow field that only names the section holding the steps ("Main flow: [PR:
    Register a customer](#pr-register)") stands for that section."""
    titles = {_title_words(f.label): f for f in fields if f.label and f not in named}
    targets = []
    for f in named:
        values = [clean_inline(ln.text) for ln in f.lines if not ln.blank]
        found = [titles.get(_title_words(v)) for v in values]
        if not values or None in found:
            return named
        targets += [t for t in found if t is not None]
    return targets


def _title_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _unnamed_flow(fields: list[Field]) -> list[Field]:
    """No section is named a main flow: the unnamed section with the longest run of numbered
    steps is one, whatever its heading says ("Procedure", "Ablauf", a team's own word)."""
    best: list[Field] = []
    most = 1
    for f in fields:
        if f.key is not None:
            continue
        numbered = sum(read_item(ln).kind in _STEP_LABELS for ln in f.lines if not ln.blank)
        if numbered > most:
            best, most = [f], numbered
    return best


_STEP_LABELS = frozenset({Label.NUMBER, Label.STEP})


def interpret(fields: list[Field]) -> UseCase:
    reader = _Reader(fields)
    primary, secondary = _actors(reader)
    main_steps, exts, refs = _flows(reader, fields)
    declared = [n for name in ([primary] if primary else []) for n in name.split("; ")]
    declared += secondary
    stakeholders = actors.split_names(reader.values("stakeholders"))
    scope = reader.text("scope")
    cast = actors.Cast(
        declared=tuple(tuple(actors.words(n)) for n in declared if actors.words(n)),
        stakeholder_text=" ".join(" ".join(actors.words(s)) for s in stakeholders),
        scope=tuple(actors.words(scope)) if scope and len(scope.split()) <= 4 else (),
        has_primary=primary is not None,
        product_names_in_text=actors.is_product_name(_flow_text(main_steps, exts)),
    )
    casting = _Casting(declared, primary, cast.scope)
    main_steps = [s.model_copy(update={"actor": casting.actor_of(s)}) for s in main_steps]
    title = _title(reader, fields)
    return UseCase(
        title=title,
        primary_actor=primary,
        secondary_actors=tuple(secondary),
        stakeholders=tuple(stakeholders),
        goal=reader.text("goal"),
        scope=scope,
        level=reader.text("level"),
        preconditions=tuple(reader.values("preconditions")),
        trigger=reader.text("trigger"),
        main_flow=tuple(main_steps),
        extensions=tuple(exts),
        postconditions=tuple(reader.values("success_guarantee")),
        minimal_guarantees=tuple(reader.values("minimal_guarantee")),
        sections=_section_lines(fields),
        step_references=tuple(refs),
        undeclared_actors=tuple(actors.undeclared(
            _subjects(main_steps, exts, [] if main_steps or declared else _intro(fields)), cast
        )),
        unknown_headings=tuple(
            f.label for f in fields[1:] if f.key is None and f.label and f.label != title
        ),
    )


def _flows(
    reader: _Reader, fields: list[Field]
) -> tuple[list[Step], list[Extension], list[tuple[str, int | None]]]:
    """The main flow's steps, every extension, and the step references they make."""
    main_steps, scenario_exts = _scenarios(reader, reader.text("main_flow"))
    refs: list[tuple[str, int | None]] = []
    exts: list[Extension] = []
    if not main_steps:
        lines: list[Line] = []
        chosen, how = main_flow_fields(fields)
        for f in chosen:
            lines.extend(f.lines)
            lines.append(Line("", None))
        lines, others = flows.split_at_restart(lines) if how is FlowFound.SHAPE else (lines, [])
        lines, trailing = flows.split_off_extensions(lines)
        main_steps, refs = flows.main_flow(lines)
        exts.extend(flows.extensions(trailing + others, None))
    for f in reader.by_key.get("extensions", []):
        if scenario_exts and re.search(r"(?i)variant", f.label):
            continue
        exts.extend(flows.extensions(f.lines, extension_hint(f.label)))
    exts = flows.anchored_by_mention([*exts, *scenario_exts], main_steps)
    return main_steps, exts, refs + flows.step_references(exts)


def _subjects(
    steps: list[Step], exts: list[Extension], prose: list[tuple[str, int | None]]
) -> list[tuple[actors.Subject, int | None]]:
    """Who acts, and where: the subject of every step, of every extension's condition and
    of the prose given when there are no steps."""
    found = []
    texts = [(s.text, s.line) for s in [*steps, *[s for e in exts for s in e.steps]]]
    for text, no in [*texts, *[(e.condition, e.line) for e in exts], *prose]:
        subject = actors.subject_of(text)
        if subject:
            found.append((subject, no))
    return found


def _intro(fields: list[Field]) -> list[tuple[str, int | None]]:
    """The sentences before the first section, and the goal's: with no steps and no actor
    declared, they are the only place a reader sees who acts ("User has arrived and
    parks.")."""
    intro = [f for f in fields[:2] if f.key is None] + [f for f in fields if f.key == "goal"]
    return [(clean_inline(ln.text), ln.no) for f in intro for ln in f.lines if not ln.blank]


def _flow_text(steps: list[Step], exts: list[Extension]) -> str:
    parts = [s.text for s in steps]
    parts += [e.condition + " " + " ".join(s.text for s in e.steps) for e in exts]
    return " ".join(parts)


def _section_lines(fields: list[Field]) -> dict[str, int | None]:
    sections: dict[str, int | None] = {}
    for f in fields:
        if f.key and f.key not in sections:
            sections[f.key] = f.no if f.no is not None else _first_line(f)
    return sections


class _Casting:
    """Who acts in a step, named as the use case declares them; the declared names are
    indexed once, so a long actor list stays linear."""

    def __init__(self, declared: list[str], primary: str | None, scope: tuple[str, ...]):
        self.declared = declared
        self.primary = primary
        self.scope = scope
        self.roster = actors.Roster([tuple(actors.words(n)) for n in declared])
        # Reversed, so the first name spelled the same way wins.
        self.spelled = {tuple(actors.words(n)): n for n in reversed(declared)}

    def actor_of(self, step: Step) -> str | None:
        subject = actors.subject_of(step.text)
        if subject is None:
            return None
        if subject.words in self.spelled:
            return self.spelled[subject.words]
        if actors.is_system(subject.words, self.scope) or actors.is_product_name(subject.text):
            return subject.text
        same = self.roster.first(subject.words)
        if same is not None:
            return self.declared[same]
        if self.primary and actors.is_generic_role(subject.words):
            return self.primary.split("; ")[0]
        return subject.text
