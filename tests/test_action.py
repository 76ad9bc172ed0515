"""`action.yml`: the composite GitHub Action, read as GitHub reads it and its steps run in bash."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import write_use_case_tree

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # where the installed `usecase-bot` console script lives
INPUT = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return loaded


def step(action: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in action["runs"]["steps"] if s["name"] == name)
    return found


def run_step(action: dict[str, Any], name: str, cwd: Path, env: dict[str, str],
             **inputs: str) -> subprocess.CompletedProcess[str]:
    """The step's script in bash, its `${{ inputs.x }}` variables set as GitHub would set them."""
    values = {key: spec.get("default", "") for key, spec in action["inputs"].items()}
    values.update({key.replace("_", "-"): value for key, value in inputs.items()})
    this = step(action, name)
    variables = {key: INPUT.sub(lambda m: values[m.group(1)], value)
                 for key, value in this.get("env", {}).items()}
    variables.update(env)
    assert this["shell"] == "bash"
    base = {k: v for k, v in os.environ.items() if not k.startswith("USECASE_BOT_")}
    # GitHub runs a `shell: bash` step as `bash --noprofile --norc -eo pipefail {0}`.
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", this["run"]],
                          cwd=cwd, env={**base, **variables}, capture_output=True, text=True,
                          timeout=60)


def lint(action: dict[str, Any], cwd: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    # The install step puts its virtual environment first on PATH; the project's stands in.
    path = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    return run_step(action, "Lint use cases", cwd, {"PATH": path}, **inputs)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with use cases under the default folder, one of them with an error."""
    write_use_case_tree(tmp_path)
    (tmp_path / "README.md").write_text("# Not a use case\n")
    return tmp_path


def test_it_is_a_composite_action_whose_inputs_reach_the_scripts_only_as_variables(action):
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "format", "sarif-file"}
    assert action["inputs"]["format"]["default"] == "github"
    used = set()
    for each in action["runs"]["steps"]:
        assert each["shell"] == "bash"
        # An expression inside `run:` would be spliced into the script before bash sees it.
        assert not EXPRESSION.search(each["run"]), each["name"]
        for value in each.get("env", {}).values():
            used.update(INPUT.findall(value))
    assert used == set(action["inputs"])


def test_the_install_step_installs_the_action_checkout_and_puts_it_on_path(action, tmp_path):
    # A stand-in python3 records each call and makes the virtual environment's python.
    shims = tmp_path / "shims"
    shims.mkdir()
    calls = tmp_path / "calls"
    shim = shims / "python3"
    shim.write_text('#!/bin/sh\necho "$0 $*" >> "$CALLS"\n'
                    'if [ "$2" = venv ]; then\n'
                    '  mkdir -p "$3/bin" && ln -s "$0" "$3/bin/python"\n'
                    'fi\n')
    shim.chmod(0o755)
    github_path = tmp_path / "github_path"
    env = {"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "CALLS": str(calls),
           "RUNNER_TEMP": str(tmp_path / "runner"), "GITHUB_PATH": str(github_path)}
    install = step(action, "Install usecase-bot")
    assert install["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    proc = run_step(action, "Install usecase-bot", tmp_path,
                    {**env, "ACTION_PATH": "/actions/usecase-bot"})
    assert proc.returncode == 0, proc.stderr
    venv = tmp_path / "runner" / "usecase-bot"
    made, installed = calls.read_text().splitlines()
    assert made == f"{shim} -m venv {venv}"
    assert installed.startswith(f"{venv}/bin/python -m pip install ")
    assert installed.endswith(" /actions/usecase-bot")
    assert github_path.read_text() == f"{venv}/bin\n"


def test_default_paths_lint_every_use_case_below_docs_use_cases(action, repo):
    proc = lint(action, repo)
    assert proc.returncode == 1, proc.stderr
    annotations = proc.stdout.splitlines()
    assert all(line.startswith("::") for line in annotations)
    error = next(line for line in annotations if "dangling-step-reference" in line)
    assert error.startswith("::error file=docs/use-cases/library/return.md,line=27,")
    assert any(line.startswith("::notice file=docs/use-cases/borrow.md,") for line in annotations)
    assert "README.md" not in proc.stdout


def test_clean_use_cases_pass_with_their_notices(action, repo):
    proc = lint(action, repo, paths="docs/use-cases/*.md")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("::notice file=docs/use-cases/borrow.md,")


def test_patterns_on_several_lines_and_plain_file_names(action, repo):
    proc = lint(action, repo, paths="docs/use-cases/borrow.md\n  docs/**/return.md ",
                format="json")
    assert proc.returncode == 1, proc.stderr
    linted = [doc["path"] for doc in json.loads(proc.stdout)]
    assert linted == ["docs/use-cases/borrow.md", "docs/use-cases/library/return.md"]


def test_a_pattern_matching_nothing_fails_and_is_named(action, repo):
    proc = lint(action, repo, paths="docs/use-cases/*.md specs/**/*.md")
    assert proc.returncode == 2
    assert proc.stdout.strip() == "::error::usecase-bot: no file matches 'specs/**/*.md'"


def test_empty_paths_fail(action, repo):
    proc = lint(action, repo, paths=" \n ")
    assert proc.returncode == 2
    assert proc.stdout.strip() == "::error::usecase-bot: the paths input is empty"


def test_sarif_file_is_written_even_when_findings_fail_the_step(action, repo):
    proc = lint(action, repo, sarif_file="out/usecase-bot.sarif")
    assert proc.returncode == 1, proc.stderr
    log = json.loads((repo / "out" / "usecase-bot.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]}
    assert uris == {"docs/use-cases/borrow.md", "docs/use-cases/library/return.md"}
    assert "::error file=docs/use-cases/library/return.md,line=27," in proc.stdout


def test_a_sarif_file_that_cannot_be_written_stops_before_linting(action, repo):
    proc = lint(action, repo, sarif_file="README.md/usecase-bot.sarif")
    assert proc.returncode != 0 and proc.stdout == ""
    assert "README.md" in proc.stderr
