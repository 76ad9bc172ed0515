"""Configuration from the file and the environment, checked at start."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Secrets, load_settings
from bot.usecase.model import Severity


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "bot.toml"
    monkeypatch.setenv("USECASE_BOT_CONFIG", str(path))
    return path


def test_defaults_from_the_shipped_file_match_the_contract(monkeypatch):
    monkeypatch.delenv("USECASE_BOT_CONFIG", raising=False)
    s = load_settings()
    assert s.labels.use_case == "use-case"
    assert s.labels.incomplete == "use-case:incomplete"
    assert s.jira.incomplete_label == "use-case-incomplete"
    assert s.jira.link_type == "Relates"
    assert s.report.cron == "0 2 * * *" and s.report.timezone == "UTC"
    assert s.report.output_dir == "reports/"
    assert s.max_payload_bytes == 5 * 1024 * 1024


def test_file_keys_and_rule_severities(config_file):
    config_file.write_text(
        '[github]\nrepos = ["acme/shop"]\n[rules]\nrequired_sections = ["trigger"]\n'
        '[rules.step-count]\nseverity = "off"\n[jira]\napi_version = 3\n'
    )
    s = load_settings()
    assert s.github.repos == ["acme/shop"]
    assert s.jira.api_version == 3
    policy = s.lint_policy()
    assert policy.severity("step-count") is Severity.OFF
    assert policy.required_sections == ("trigger",)


def test_environment_overrides_the_file(config_file, monkeypatch):
    config_file.write_text('[report]\ncron = "0 3 * * *"\n')
    monkeypatch.setenv("USECASE_BOT_REPORT__CRON", "30 1 * * *")
    monkeypatch.setenv("USECASE_BOT_GITHUB__REPOS", '["a/b", "c/d"]')
    s = load_settings()
    assert s.report.cron == "30 1 * * *"
    assert s.github.repos == ["a/b", "c/d"]


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("[rules.no-such-rule]\nseverity = 'error'\n", "no-such-rule"),
        ("[rules.step-count]\nseverity = 'loud'\n", "step-count"),
        ("[rules]\nrequired_sections = ['colour']\n", "required_sections"),
        ("[worker]\nmax_attempts = 0\n", "worker.max_attempts"),
        ("[jira]\napi_version = 4\n", "jira.api_version"),
        ("[jira]\nincomplete_label = 'use case incomplete'\n", "jira.incomplete_label"),
        ("[github]\nrepos = ['noslash']\n", "github.repos"),
        ("[report]\ncron = 'every night'\n", "report.cron"),
        ("[typo]\nx = 1\n", "typo"),
        ("not toml at all [", "invalid configuration"),
    ],
)
def test_bad_configuration_names_the_key(config_file, content, named):
    config_file.write_text(content)
    with pytest.raises(ConfigError) as exc:
        load_settings()
    assert named in str(exc.value)


def test_a_missing_config_file_named_explicitly_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("USECASE_BOT_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigError, match=r"absent\.toml"):
        load_settings()


def test_secrets_come_from_the_environment_and_hide_in_reprs():
    secrets = Secrets.from_env({"GITHUB_TOKEN": "ghp_abc123", "DATABASE_URL": "sqlite:///x.db"})
    assert secrets.github_token is not None
    assert secrets.github_token.get_secret_value() == "ghp_abc123"
    assert "ghp_abc123" not in repr(secrets) and "ghp_abc123" not in str(secrets.model_dump())
    assert Secrets.from_env({}).database_url == "sqlite:///usecase-bot.db"
