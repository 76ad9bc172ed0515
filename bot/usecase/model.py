"""The structured use case every markup is read into, and what the linter says about it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Kind(StrEnum):
    ALTERNATIVE = "alternative"
    EXCEPTION = "exception"


class Outcome(StrEnum):
    RESUME = "resume"
    SUCCESS = "success"
    FAIL = "fail"
    UNSPECIFIED = "unspecified"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OFF = "off"


class Step(_Frozen):
    id: str
    text: str
    actor: str | None = None
    line: int | None = None
    # Labels of folded sub-steps ("1.1", "2.3.1"): references to them are valid targets.
    sub_ids: tuple[str, ...] = ()


class Extension(_Frozen):
    ref: str
    step: str | None
    condition: str
    kind: Kind
    steps: tuple[Step, ...] = ()
    outcome: Outcome = Outcome.UNSPECIFIED
    resume_at: str | None = None
    line: int | None = None
    # How the kind was decided, so the linter can say why it counted a flow or not.
    evidence: str = ""


class UseCase(_Frozen):
    title: str | None = None
    primary_actor: str | None = None
    secondary_actors: tuple[str, ...] = ()
    stakeholders: tuple[str, ...] = ()
    goal: str | None = None
    scope: str | None = None
    level: str | None = None
    preconditions: tuple[str, ...] = ()
    trigger: str | None = None
    main_flow: tuple[Step, ...] = ()
    extensions: tuple[Extension, ...] = ()
    postconditions: tuple[str, ...] = ()
    minimal_guarantees: tuple[str, ...] = ()
    # Canonical section keys found in the text, and the line each starts on.
    sections: dict[str, int | None] = Field(default_factory=dict)
    # References to other steps made inside flows ("resumes at step 4"): (target, line).
    step_references: tuple[tuple[str, int | None], ...] = ()
    # Parties that act in a step but are not declared: (name as written, line).
    undeclared_actors: tuple[tuple[str, int | None], ...] = ()
    # Headings and labels that name no known section, as written, so a finding can say what
    # was found instead.
    unknown_headings: tuple[str, ...] = ()

    def spec_dict(self) -> dict[str, object]:
        """The `use_case` object of `lint --format json`, exactly as the contract shapes it."""
        return {
            "title": self.title,
            "primary_actor": self.primary_actor,
            "secondary_actors": list(self.secondary_actors),
            "goal": self.goal,
            "preconditions": list(self.preconditions),
            "trigger": self.trigger,
            "main_flow": [{"id": s.id, "text": s.text, "actor": s.actor} for s in self.main_flow],
            "extensions": [_extension_dict(e) for e in self.extensions],
            "postconditions": list(self.postconditions),
        }


def _extension_dict(ext: Extension) -> dict[str, object]:
    out: dict[str, object] = {
        "ref": ext.ref,
        "step": ext.step,
        "condition": ext.condition,
        "kind": ext.kind.value,
        "steps": [{"id": s.id, "text": s.text} for s in ext.steps],
        "outcome": ext.outcome.value,
    }
    if ext.outcome is Outcome.RESUME:
        out["resume_at"] = ext.resume_at
    return out


class Finding(_Frozen):
    rule: str
    severity: Severity
    message: str
    line: int | None = None
    subject: str | None = None

    def spec_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "line": self.line,
            "subject": self.subject,
        }
