"""What each line of a use case was read as, and which rule of reading decided it
(`usecase-bot lint --explain`), so a team whose template is read wrong can see why."""

from __future__ import annotations

from bot.usecase.interpret import main_flow_fields
from bot.usecase.parse import Parsed
from bot.usecase.sections import PSEUDO_LEVEL, Field
from bot.usecase.synonyms import IGNORED

_WIDTH = 48


def _markup_of(source: str) -> str:
    text = source.lstrip("> \t")
    if text.startswith("|"):
        return "table row"
    if text.startswith(("**", "__", "*")):
        return "bold label"
    if text.startswith("<"):
        return "HTML"
    return "label line"


def _section(field: Field, source: str) -> str:
    how = "heading" if 0 < field.level < PSEUDO_LEVEL else _markup_of(source)
    if field.key is None:
        return f"no known section: {field.label!r} ({how})" if field.label else "text"
    if field.key == IGNORED:
        return f"ignored section {field.label!r} ({how})"
    return f"section {field.key} ({how} {field.label!r})"


def explain(parsed: Parsed, text: str) -> list[str]:
    """One line of output per non-blank source line: the line, then what it became."""
    source = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    said: dict[int, list[str]] = {}

    def say(no: int | None, what: str) -> None:
        if no is not None:
            said.setdefault(no, []).append(what)

    uc = parsed.use_case
    owner: dict[int, Field] = {}
    for field in parsed.fields:
        if field.no is not None and field.label:
            say(field.no, _section(field, source[field.no - 1] if field.no <= len(source) else ""))
        for line in field.lines:
            if line.no is not None:
                owner.setdefault(line.no, field)
    chosen, how = main_flow_fields(list(parsed.fields))
    for field in chosen:
        say(field.no, f"main flow: {how.value}")
    for step in uc.main_flow:
        say(step.line, f"step {step.id}" + (f", acted by {step.actor}" if step.actor else ""))
    for ext in uc.extensions:
        at = f" at step {ext.step}" if ext.step else ""
        why = f" ({ext.evidence})" if ext.evidence else ""
        say(ext.line, f"extension {ext.ref}{at}: {ext.kind.value}{why}, ends {ext.outcome.value}")
        for step in ext.steps:
            say(step.line, f"step {step.id} of extension {ext.ref}")
    for name, no in uc.undeclared_actors:
        say(no, f"{name!r} acts here but is not declared")
    out: list[str] = []
    for no, raw in enumerate(source, 1):
        if not raw.strip():
            continue
        what = said.get(no)
        if not what and no in owner:
            key = owner[no].key
            what = [f"in {key}" if key and key != IGNORED else "not read"]
        shown = raw.strip()
        shown = shown if len(shown) <= _WIDTH else shown[: _WIDTH - 1] + "…"
        out.append(f"{no:4}  {shown:<{_WIDTH}}  {'; '.join(what or ['not read'])}")
    if parsed.problem:
        out.append(f"      {parsed.problem}")
    return out
