"""Run every registered rule over a parsed use case, with the team's severities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.lint import rules as _rules  # noqa: F401  (registers the rules)
from bot.lint.registry import RULES, LintContext
from bot.usecase.model import Finding, Severity, UseCase
from bot.usecase.parse import Markup, parse
from bot.usecase.synonyms import Extra


@dataclass(frozen=True)
class LintPolicy:
    severities: Mapping[str, Severity] = field(default_factory=dict)
    required_sections: tuple[str, ...] = ()
    ignored: frozenset[str] = frozenset()
    # A team's own heading words (`synonyms.extra_words` of its `sections:` table).
    extra_headings: Extra = ()

    def severity(self, name: str) -> Severity:
        return self.severities.get(name, RULES[name].severity)


@dataclass(frozen=True)
class LintResult:
    use_case: UseCase
    findings: tuple[Finding, ...]

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2, Severity.OFF: 3}


def lint_use_case(uc: UseCase, problem: str | None, policy: LintPolicy) -> LintResult:
    findings: list[Finding] = []
    # Text that is no use case gets one clear finding, not a pile of consequences.
    names = ["unparseable"] if problem is not None else [n for n in RULES if n != "unparseable"]
    ctx = LintContext(required_sections=policy.required_sections)
    for name in names:
        severity = policy.severity(name)
        if severity is Severity.OFF or name in policy.ignored:
            continue
        if name == "unparseable":
            findings.append(Finding(rule=name, severity=severity, message=problem or ""))
            continue
        for message, line, subject in RULES[name].check(uc, ctx):
            findings.append(
                Finding(rule=name, severity=severity, message=message, line=line, subject=subject)
            )
    findings.sort(key=lambda f: (_ORDER[f.severity], f.line or 0))
    return LintResult(uc, tuple(findings))


def lint_text(
    text: str, markup: Markup = Markup.AUTO, policy: LintPolicy | None = None
) -> LintResult:
    policy = policy or LintPolicy()
    parsed = parse(text, markup, policy.extra_headings)
    return lint_use_case(parsed.use_case, parsed.problem, policy)
