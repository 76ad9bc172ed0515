from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import Settings
from tests.databases import KINDS, open_database
from tests.fake_github import FakeGitHub, load_check
from tests.fake_jira import FakeJira, jira_check
from tests.github_harness import BotUnderTest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"
# log_secrets fails the session when a log line holds a secret the tests gave the bot.
pytest_plugins = ("pytester", "tests.log_secrets")


@pytest.fixture
def usecase_text():
    def read(name: str) -> str:
        return (FIXTURES / "usecases" / name).read_bytes().decode("utf-8")

    return read


def shared_or_skip(*parts: str) -> Path:
    """A path under ../shared (the labelled corpus and its scorer), when it sits beside us."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        # The GitHub Actions job has no ../shared (the corpus is not published) and says so;
        # `.ci/run` never does, so there a missing corpus fails.
        if os.environ.get("CI") and not os.environ.get("USECASE_BOT_TEST_NO_SHARED"):
            pytest.fail(f"{path} is absent in CI: ../shared must sit beside the checkout")
        pytest.skip(f"{path} is absent: the labelled corpus is not beside this checkout")
    return path


def write_use_case_tree(root: Path) -> Path:
    """A repository's use cases under the folder the action and the hook look in by default:
    one clean (`borrow.md`) and one with an error (`library/return.md`)."""
    cases = root / "docs" / "use-cases"
    (cases / "library").mkdir(parents=True)
    (cases / "borrow.md").write_text((FIXTURES / "usecases" / "cockburn.md").read_text())
    (cases / "library" / "return.md").write_text((FIXTURES / "usecases" / "rup.md").read_text())
    return cases


@pytest.fixture(autouse=True)
def _unpaced_writes(monkeypatch):
    """GitHub writes paced at 80 a minute would make each test wait; tests of the pacing
    give their own rate."""
    monkeypatch.setenv("USECASE_BOT_GITHUB__WRITES_PER_MINUTE", "100000")


@pytest.fixture
def fake():
    """The fake GitHub; any request GitHub's API description lacks fails the test."""
    server = FakeGitHub(check=load_check()).start()
    yield server
    server.stop()
    assert server.violations == [], "requests GitHub does not document"


@pytest.fixture
def settings(monkeypatch):
    monkeypatch.setenv("USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES", "0")
    return Settings()


@pytest.fixture(params=KINDS)
def database_url(request, tmp_path):
    """A fresh SQLite file, or the PostgreSQL server of TEST_DATABASE_URL emptied before and
    after: the handler and end-to-end tests run on both."""
    databases = open_database(request.param, tmp_path)
    yield next(databases).engine.url.render_as_string(hide_password=False)
    next(databases, None)


@pytest.fixture
def bot(tmp_path, fake, settings, database_url):
    under_test = BotUnderTest(tmp_path, fake, settings, env={"DATABASE_URL": database_url})
    yield under_test
    under_test.stop()


@pytest.fixture
def jira_dc(tmp_path, monkeypatch):
    """A fake Jira Data Center and the bot connected to it with a personal access token; a
    test sets further `USECASE_BOT_*` variables with monkeypatch before asking for it."""
    fake = FakeJira("Server", check=jira_check()).start()
    monkeypatch.setenv("USECASE_BOT_JIRA__API_VERSION", "2")
    under_test = BotUnderTest(tmp_path, None, Settings(), secret=None,
                              env={"JIRA_URL": fake.url, "JIRA_PAT": "dc-personal-token",
                                   "JIRA_WEBHOOK_TOKEN": "t"})
    yield fake, under_test
    under_test.stop()
    fake.stop()
    assert fake.violations == [], "requests Jira does not document"
