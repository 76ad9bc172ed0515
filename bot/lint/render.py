"""Lint results as text for people, JSON for programs, and GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.lint.engine import LintResult
from bot.lint.registry import RULES
from bot.usecase.model import Severity

_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def as_json(results: Sequence[tuple[str, LintResult]]) -> str:
    return json.dumps(
        [
            {
                "path": path,
                "use_case": result.use_case.spec_dict(),
                "findings": [f.spec_dict() for f in result.findings],
            }
            for path, result in results
        ],
        indent=2,
        ensure_ascii=False,
    )


def as_text(results: Sequence[tuple[str, LintResult]]) -> str:
    out: list[str] = []
    for path, result in results:
        if not result.findings:
            out.append(f"{path}: ok")
            continue
        for f in result.findings:
            where = f"{path}:{f.line}" if f.line else path
            out.append(f"{where}: {f.severity.value}: {f.message} [{f.rule}]")
            out.append(f"    fix: {RULES[f.rule].advice}")
    errors = sum(1 for _, r in results for f in r.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for _, r in results for f in r.findings if f.severity is Severity.WARNING)
    out.append(f"{len(results)} file(s), {errors} error(s), {warnings} warning(s)")
    return "\n".join(out)


def _escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def as_github(results: Sequence[tuple[str, LintResult]]) -> str:
    out: list[str] = []
    for path, result in results:
        for f in result.findings:
            props = [f"file={_escape(path, True)}", f"title={_escape(f.rule, True)}"]
            if f.line:
                props.insert(1, f"line={f.line}")
            out.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_escape(f.message)}")
    return "\n".join(out)
