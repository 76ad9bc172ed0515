"""Lint results as a SARIF 2.1.0 log, the format GitHub code scanning takes as uploads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from urllib.parse import quote

from bot.lint.engine import LintResult
from bot.lint.registry import RULES
from bot.usecase.model import Finding, Severity

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# Standard input has no path; a name that cannot be mistaken for a file in the repository.
STDIN_URI = "stdin"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    # Code scanning matches alerts across runs by path, so `./docs/a.md` and `docs/a.md`
    # must come out the same; spaces and other reserved characters are percent-encoded.
    return STDIN_URI if path == "-" else quote(PurePath(path).as_posix())


def _rule(name: str) -> dict[str, object]:
    rule = RULES[name]
    return {
        "id": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": rule.advice},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
    }


def _result(path: str, finding: Finding) -> dict[str, object]:
    # GitHub code scanning needs a start line to place and fingerprint an alert; a finding
    # about the whole use case (no section, no single line) is shown at its first line.
    return {
        "ruleId": finding.rule,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(path)},
                    "region": {"startLine": finding.line or 1},
                }
            }
        ],
    }


def as_sarif(results: Sequence[tuple[str, LintResult]], version: str) -> str:
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "usecase-bot",
                        "version": version,
                        "rules": [_rule(name) for name in RULES],
                    }
                },
                "results": [
                    _result(path, f)
                    for path, result in results
                    for f in result.findings
                    if f.severity is not Severity.OFF
                ],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)
