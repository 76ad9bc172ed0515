""".pre-commit-hooks.yaml: the hook other repositories use, run the way pre-commit runs it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import write_use_case_tree

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # where the installed `usecase-bot` console script lives
STAGED = [
    "docs/use-cases/borrow.md",
    "docs/use-cases/library/return.md",
    "docs/use-cases/diagram.png",
    "docs/guide.md",
    "README.md",
]


@pytest.fixture(scope="module")
def hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["usecase-bot-lint"]
    found: dict[str, Any] = hooks[0]
    return found


def commit(hook: dict[str, Any], repo: Path, staged: list[str]) -> subprocess.CompletedProcess[str]:
    """What pre-commit runs: the entry, the hook's args, then the staged files it selects."""
    chosen = [name for name in staged if re.search(hook["files"], name)]
    program, *words = shlex.split(hook["entry"])
    command = [str(BIN / program), *words, *hook.get("args", []), *chosen]
    env = {k: v for k, v in os.environ.items() if not k.startswith("USECASE_BOT_")}
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    cases = write_use_case_tree(tmp_path)
    (cases / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n")
    (tmp_path / "README.md").write_text("# Not a use case\n")
    return tmp_path


def test_the_hook_is_a_python_hook_running_lint_on_the_files_it_is_given(hook):
    assert hook["name"] and hook["description"]
    assert hook["language"] == "python"
    assert hook["entry"] == "usecase-bot lint"
    assert hook["pass_filenames"] is True


def test_it_selects_markdown_below_docs_use_cases_only(hook):
    chosen = [name for name in STAGED if re.search(hook["files"], name)]
    assert chosen == ["docs/use-cases/borrow.md", "docs/use-cases/library/return.md"]


def test_an_error_finding_blocks_the_commit_and_names_file_and_line(hook, repo):
    proc = commit(hook, repo, STAGED)
    assert proc.returncode == 1, proc.stderr
    assert "docs/use-cases/library/return.md:27: error:" in proc.stdout
    assert "README.md" not in proc.stdout and "guide.md" not in proc.stdout


def test_a_commit_of_sound_use_cases_passes(hook, repo):
    proc = commit(hook, repo, ["docs/use-cases/borrow.md", "README.md"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "1 file(s), 0 error(s), 0 warning(s)"
