"""Lint rules as data plus a function: name, default severity, summary and the advice shown to
authors live beside the check, so comments, `usecase-bot rules` and help come from one place."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.usecase.model import Severity, UseCase

# What a check yields: the message, the line it is about, and its subject where there is one.
Hit = tuple[str, int | None, str | None]
Check = Callable[[UseCase, "LintContext"], Iterator[Hit]]


@dataclass(frozen=True)
class LintContext:
    required_sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    summary: str
    advice: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(name: str, severity: Severity, summary: str, advice: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if name in RULES:
            raise ValueError(f"rule {name!r} registered twice")
        RULES[name] = Rule(name, severity, summary, advice, check)
        return check

    return register
