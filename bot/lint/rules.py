"""The checks. Each is a pure function of the parsed use case."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

from bot.lint.registry import Hit, LintContext, rule
from bot.usecase import actors
from bot.usecase.model import Kind, Outcome, Severity, UseCase

UNPARSEABLE = "unparseable"

rule(
    UNPARSEABLE,
    Severity.ERROR,
    "The text does not follow any known use-case layout.",
    "Use the use-case template: headings such as Primary Actor, Main Success Scenario and "
    "Extensions, with numbered steps.",
)(lambda uc, ctx: iter(()))


@rule(
    "missing-primary-actor",
    Severity.ERROR,
    "No primary actor is declared.",
    "Add a 'Primary Actor' section naming the role whose goal this use case serves.",
)
def _missing_primary_actor(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    if not uc.primary_actor:
        yield "No primary actor is declared." + _found_instead(uc, "primary_actor"), None, None


def _found_instead(uc: UseCase, key: str) -> str:
    """What was found instead of a section, and how a team teaches the bot its own word."""
    if not uc.unknown_headings:
        return ""
    shown = ", ".join(uc.unknown_headings[:6]) + (" …" if len(uc.unknown_headings) > 6 else "")
    return (
        f" Headings found: {shown} — none reads as this section. If one of them is, add it"
        f" under `sections.{key}` in the team's configuration (.github/usecase-bot.yml or"
        " the Jira project property usecase-bot)."
    )


@rule(
    "missing-main-flow",
    Severity.ERROR,
    "There is no main success scenario with steps.",
    "Add a 'Main Success Scenario' with numbered steps from the trigger to the goal.",
)
def _missing_main_flow(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    if not uc.main_flow:
        where = uc.sections.get("main_flow")
        if where is not None or "main_flow" in uc.sections:
            yield "The main flow section has no steps.", where, None
        else:
            yield "No main flow was found." + _found_instead(uc, "main_flow"), None, None


@rule(
    "missing-exception-flows",
    Severity.ERROR,
    "No extension or section handles a failure; alternatives alone do not count.",
    "Add an extension for what can go wrong, e.g. '3a. Card is invalid: 3a1. System "
    "rejects it. 3a2. Use case ends.'",
)
def _missing_exception_flows(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    if not uc.main_flow or any(e.kind is Kind.EXCEPTION for e in uc.extensions):
        return
    where = uc.sections.get("extensions")
    if uc.extensions:
        why = "; ".join(f"{e.ref}: {e.evidence}" for e in uc.extensions[:5])
        yield (
            f"All {len(uc.extensions)} extension(s) are alternatives ({why}); "
            "none handles a failure.",
            where,
            None,
        )
    else:
        yield "No extension handles a failure.", where, None


@rule(
    "undeclared-actor",
    Severity.WARNING,
    "Someone other than the declared actors and the system acts in a step.",
    "Declare this party as a primary or supporting actor, or name a declared actor instead.",
)
def _undeclared_actor(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    for name, line in uc.undeclared_actors:
        yield f"'{name}' acts in a step but is not a declared actor.", line, name


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@rule(
    "unused-actor",
    Severity.INFO,
    "A declared supporting actor never appears in any flow.",
    "Mention the supporting actor in the step where it takes part, or remove it.",
)
def _unused_actor(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    texts = [s.text for s in uc.main_flow]
    for ext in uc.extensions:
        texts.append(ext.condition)
        texts.extend(s.text for s in ext.steps)
    flow_text = actors.fold(" ".join(texts))
    # Searching the whole flow once per word of every actor is quadratic in a long actor
    # list; a word of letters starts a word of the flow exactly when it is a prefix of the
    # first word of the flow sorted at or after it.
    flow_words = sorted(set(re.findall(r"\w+", flow_text)))

    def appears(w: str) -> bool:
        if _UNSPACED.search(w):
            return w in flow_text  # Chinese and Japanese write no spaces between words
        if not re.fullmatch(r"\w+", w):
            return re.search(rf"\b{re.escape(w)}", flow_text) is not None
        i = bisect_left(flow_words, w)
        return i < len(flow_words) and flow_words[i].startswith(w)

    for name in uc.secondary_actors:
        wanted = actors.words(name)
        if wanted and not any(appears(w) for w in wanted):
            yield (
                f"Supporting actor '{name}' never appears in a flow.",
                uc.sections.get("secondary_actors"),
                name,
            )


def _step_ids(uc: UseCase) -> set[str]:
    ids = set()
    for step in uc.main_flow:
        ids.add(step.id)
        ids.update(step.sub_ids)
    return ids


def _exists(ref: str, ids: set[str]) -> bool:
    if ref == "*":
        return True
    if "-" in ref:
        return all(part in ids for part in ref.split("-"))
    return ref in ids


@rule(
    "dangling-extension-ref",
    Severity.ERROR,
    "An extension names a step the main flow does not have.",
    "Attach the extension to an existing step number, or add the missing step.",
)
def _dangling_extension_ref(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    if not uc.main_flow:
        return
    ids = _step_ids(uc)
    for ext in uc.extensions:
        if ext.step and not _exists(ext.step, ids):
            subject = ext.ref if re.search(r"[a-z]", ext.ref) else ext.step
            yield (
                f"Extension {ext.ref} refers to step {ext.step}, "
                "which the main flow does not have.",
                ext.line,
                subject,
            )


@rule(
    "dangling-step-reference",
    Severity.ERROR,
    "A flow resumes at or goes to a step that does not exist.",
    "Point the 'resume at step N' to an existing step.",
)
def _dangling_step_reference(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    if not uc.main_flow:
        return
    ids = _step_ids(uc) | {e.ref for e in uc.extensions}
    for target, line in uc.step_references:
        if target not in ids and target.rstrip("abcdefgh") not in ids:
            yield f"Step {target} is referred to but does not exist.", line, target


@rule(
    "extension-without-ending",
    Severity.INFO,
    "An extension does not say how it ends.",
    "End each extension with 'Use case ends.' or 'Resume at step N.'",
)
def _extension_without_ending(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    for ext in uc.extensions:
        if ext.steps and ext.outcome is Outcome.UNSPECIFIED:
            yield f"Extension {ext.ref} does not say whether it resumes or ends.", ext.line, ext.ref


@rule(
    "step-count",
    Severity.INFO,
    "The main flow has fewer than 3 or more than 9 steps.",
    "Aim for 3 to 9 goal-directed steps; merge tiny steps or split off a sub-use case.",
)
def _step_count(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    n = len(uc.main_flow)
    if 0 < n < 3:
        yield f"The main flow has only {n} step(s).", uc.main_flow[0].line, None
    elif n > 9:
        yield f"The main flow has {n} steps.", uc.main_flow[0].line, None


@rule(
    "missing-conditions",
    Severity.WARNING,
    "Preconditions, success guarantee or trigger are missing.",
    "State what must hold before the use case starts, what holds after it succeeds, and what "
    "starts it.",
)
def _missing_conditions(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    missing = [
        name
        for name, present in (
            ("preconditions", uc.preconditions or "preconditions" in uc.sections),
            ("success guarantee", uc.postconditions),
            ("trigger", uc.trigger),
        )
        if not present
    ]
    if missing and uc.main_flow:
        yield "Missing: " + ", ".join(missing) + ".", None, None


_PLACEHOLDER = re.compile(
    r"\b(?:TBD|TBC|TBA|TBR|TODO|FIXME)\b|\?\?\?|to be (?:defined|determined|confirmed)|"
    r"\[(?:insert|enter|describe)[^\]]*\]|lorem ipsum",
    re.IGNORECASE,
)


@rule(
    "placeholder-text",
    Severity.WARNING,
    "Template text or TBD is left in the use case.",
    "Replace the placeholder with the real content, or remove the section.",
)
def _placeholder_text(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    texts: list[tuple[str, int | None]] = [(uc.primary_actor or "", None), (uc.title or "", None)]
    texts += [(s.text, s.line) for s in uc.main_flow]
    texts += [(e.condition, e.line) for e in uc.extensions]
    for text, line in texts:
        m = _PLACEHOLDER.search(text)
        if m:
            yield f"Placeholder '{m.group(0)}' left in: {text[:60]}", line, None


_CONDITIONAL = re.compile(r"\b(?:if|unless|otherwise|in case|depending on|whether)\b", re.I)


@rule(
    "conditional-in-main-flow",
    Severity.WARNING,
    "A main-flow step branches ('if', 'otherwise', 'whether').",
    "Keep the main flow straight; move the branch into an extension ('3a. ...').",
)
def _conditional_in_main_flow(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    for step in uc.main_flow:
        m = _CONDITIONAL.search(step.text)
        if m:
            yield f"Step {step.id} branches with '{m.group(0)}'.", step.line, step.id


@rule(
    "missing-required-section",
    Severity.ERROR,
    "A section the team requires (rules.required_sections) is missing.",
    "Add the section named in the finding.",
)
def _missing_required_section(uc: UseCase, ctx: LintContext) -> Iterator[Hit]:
    present = {
        "title": bool(uc.title),
        "goal": bool(uc.goal),
        "scope": bool(uc.scope),
        "level": bool(uc.level),
        "primary_actor": bool(uc.primary_actor),
        "secondary_actors": bool(uc.secondary_actors),
        "stakeholders": bool(uc.stakeholders),
        "preconditions": bool(uc.preconditions),
        "trigger": bool(uc.trigger),
        "main_flow": bool(uc.main_flow),
        "extensions": bool(uc.extensions),
        "success_guarantee": bool(uc.postconditions),
        "postconditions": bool(uc.postconditions),
        "minimal_guarantee": bool(uc.minimal_guarantees),
    }
    for section in ctx.required_sections:
        if not present.get(section, section in uc.sections):
            yield f"Required section '{section}' is missing or empty.", None, section
