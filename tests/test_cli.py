"""`usecase-bot lint`, `rules` and `check-config` as a user runs them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "usecases"
CLEAN = FIXTURES / "cockburn.md"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_output_has_the_contract_shape(capsys):
    code, out, err = run(capsys, "lint", "--format", "json", str(CLEAN), str(FIXTURES / "wiki.txt"))
    assert code == 0 and err == ""
    first, second = json.loads(out)
    assert first["path"] == str(CLEAN)
    assert set(first["use_case"]) == {
        "title", "primary_actor", "secondary_actors", "goal", "preconditions", "trigger",
        "main_flow", "extensions", "postconditions",
    }
    step = first["use_case"]["main_flow"][0]
    assert set(step) == {"id", "text", "actor"}
    ext = first["use_case"]["extensions"][2]
    assert ext["outcome"] == "resume" and ext["resume_at"] == "5"
    assert set(first["use_case"]["extensions"][0]) == {
        "ref", "step", "condition", "kind", "steps", "outcome"
    }
    finding = second["findings"][0]
    assert set(finding) == {"rule", "severity", "message", "line", "subject"}


def test_exit_1_when_an_error_finding_remains(capsys):
    code, out, _ = run(capsys, "lint", str(FIXTURES / "rup.md"))
    assert code == 1
    assert "dangling-step-reference" in out
    assert "fix:" in out


def test_unreadable_file_exits_2_with_one_line_and_no_output(capsys, tmp_path):
    missing = tmp_path / "nope.md"
    code, out, err = run(capsys, "lint", str(CLEAN), str(missing))
    assert code == 2
    assert out == ""
    assert err.strip().count("\n") == 0 and "cannot read" in err and "nope.md" in err


def test_binary_file_exits_2(capsys, tmp_path):
    blob = tmp_path / "blob.md"
    blob.write_bytes(b"\xff\xfe\x00garbage\x80")
    code, _, err = run(capsys, "lint", str(blob))
    assert code == 2 and "not UTF-8" in err


def test_bad_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["lint", "--format", "yaml", str(CLEAN)])
    assert exc.value.code == 2


def test_stdin_with_forced_markup(capsys, monkeypatch):
    text = (FIXTURES / "wiki.txt").read_text()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, _ = run(capsys, "lint", "--format", "json", "--markup", "jira", "-")
    assert code == 0
    assert json.loads(out)[0]["use_case"]["primary_actor"] == "Manager"


def test_github_annotations(capsys):
    _, out, _ = run(capsys, "lint", "--format", "github", str(FIXTURES / "rup.md"))
    line = next(ln for ln in out.splitlines() if "dangling-step-reference" in ln)
    assert line.startswith("::error file=")
    assert ",line=27," in line


def test_rules_lists_every_rule_with_advice(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0
    for name in ("missing-primary-actor", "dangling-extension-ref", "unparseable"):
        assert name in out
    assert "advice:" in out


def test_bad_configuration_stops_with_the_key_named(capsys, monkeypatch):
    monkeypatch.setenv("USECASE_BOT_WORKER__MAX_ATTEMPTS", "0")
    code, out, err = run(capsys, "lint", str(CLEAN))
    assert code == 2 and out == ""
    assert "worker.max_attempts" in err


def test_check_config_never_prints_secrets(capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_supersecretvalue123")
    monkeypatch.setenv("JIRA_API_TOKEN", "atlassian-secret-456")
    code, out, err = run(capsys, "check-config")
    assert code == 0
    assert "github: token" in out
    assert "supersecret" not in out + err and "atlassian-secret" not in out + err


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("usecase-bot")
    proc = subprocess.run([str(exe), "lint", str(CLEAN)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "0 error(s)" in proc.stdout


def test_explain_prints_each_line_with_what_it_became_before_the_findings(capsys):
    code, out, err = run(capsys, "lint", "--explain", str(CLEAN))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"{CLEAN}: read as markdown"
    assert any("section main_flow" in ln for ln in lines)
    assert any("step 1, acted by Member" in ln for ln in lines)


def test_explain_with_another_format_is_bad_usage(capsys):
    code, out, err = run(capsys, "lint", "--explain", "--format", "json", str(CLEAN))
    assert (code, out) == (2, "")
    assert "--explain" in err
