"""Configuration: `config/usecase-bot.toml` (or `$USECASE_BOT_CONFIG`), overridden by
`USECASE_BOT_*` environment variables, validated once at start with messages that name the
key. Secrets are read only from the environment and are never printed."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.lint.engine import LintPolicy
from bot.lint.registry import RULES
from bot.usecase.model import Severity

DEFAULT_CONFIG = Path("config/usecase-bot.toml")
SECTION_KEYS = (
    "title",
    "goal",
    "scope",
    "level",
    "primary_actor",
    "secondary_actors",
    "stakeholders",
    "preconditions",
    "trigger",
    "main_flow",
    "extensions",
    "success_guarantee",
    "postconditions",
    "minimal_guarantee",
)


class ConfigError(Exception):
    """The configuration is unusable; the message says which key and why."""


def _known_sections(sections: list[str]) -> list[str]:
    unknown = [s for s in sections if s not in SECTION_KEYS]
    if unknown:
        raise ValueError(f"unknown section(s) {unknown}; known: {', '.join(SECTION_KEYS)}")
    return sections


# Sections a use case must have: the service's `rules.required_sections` and a team's own.
SectionList = Annotated[list[str], AfterValidator(_known_sections)]


def jira_label(label: str) -> str:
    """The label itself when Jira can hold it; ValueError saying why not otherwise."""
    if not label or any(c.isspace() for c in label):
        raise ValueError("Jira labels cannot be empty or contain spaces")
    return label


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GithubConfig(_Section):
    repos: list[str] = Field(default_factory=list)
    # Pause between two writes to GitHub; its secondary rate limits punish bursts.
    seconds_between_writes: float = Field(default=1.0, ge=0, le=60)
    # Content-creating writes per installation and minute, across every worker and process
    # (GitHub's secondary limit is about 80).
    writes_per_minute: int = Field(default=80, ge=1, le=100_000)
    # Seconds a call may take before it counts as failed and its event is retried later.
    timeout_seconds: int = Field(default=20, ge=1, le=300)

    @field_validator("repos")
    @classmethod
    def _owner_slash_name(cls, repos: list[str]) -> list[str]:
        for repo in repos:
            if repo.count("/") != 1 or not all(repo.split("/")):
                raise ValueError(f"{repo!r} is not of the form owner/name")
        return repos


class LabelsConfig(_Section):
    use_case: str = "use-case"
    story: list[str] = Field(default_factory=lambda: ["user-story", "story"])
    incomplete: str = "use-case:incomplete"


class JiraConfig(_Section):
    projects: list[str] = Field(default_factory=list)
    use_case_types: list[str] = Field(default_factory=lambda: ["Use Case"])
    story_types: list[str] = Field(default_factory=lambda: ["Story"])
    use_case_label: str = "use-case"
    incomplete_label: str = "use-case-incomplete"
    link_type: str = "Relates"
    api_version: int = 2
    # Seconds a call may take before it counts as failed and its event is retried later.
    timeout_seconds: int = Field(default=20, ge=1, le=300)

    @field_validator("api_version")
    @classmethod
    def _two_or_three(cls, version: int) -> int:
        if version not in (2, 3):
            raise ValueError("must be 2 (wiki markup, Data Center) or 3 (ADF, Cloud)")
        return version

    @field_validator("incomplete_label", "use_case_label")
    @classmethod
    def _jira_label(cls, label: str) -> str:
        return jira_label(label)


class RuleConfig(_Section):
    severity: Severity


class RulesConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    required_sections: SectionList = Field(default_factory=list)

    def severities(self) -> dict[str, Severity]:
        out: dict[str, Severity] = {}
        for name, value in (self.model_extra or {}).items():
            if name not in RULES:
                raise ValueError(f"unknown rule {name!r}; `usecase-bot rules` lists them")
            try:
                out[name] = RuleConfig.model_validate(value).severity
            except ValidationError as exc:
                reason = exc.errors()[0]["msg"]
                raise ValueError(f"rules.{name}: {reason}") from None
        return out


class ReportConfig(_Section):
    cron: str = "0 2 * * *"
    timezone: str = "UTC"
    github_repo: str | None = None
    jira_issue: str | None = None
    output_dir: str = "reports/"

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, cron: str) -> str:
        if len(cron.split()) != 5:
            raise ValueError("cron needs five fields: minute hour day month weekday")
        return cron


class ReconcileConfig(_Section):
    """The nightly reconcile: when it runs and how often it reads every issue."""

    cron: str = "30 1 * * *"
    timezone: str = "UTC"
    # Between full reads only issues updated since the last run are read; a full read
    # also catches what an incremental one cannot see (a label changed by hand, say).
    full_every_days: int = Field(default=7, ge=1, le=365)

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, cron: str) -> str:
        return ReportConfig._five_fields(cron)


class WorkerConfig(_Section):
    concurrency: int = Field(default=1, ge=1, le=64)
    # Attempts for a failure that may heal when someone acts (a 403 or 404); outages and
    # rate limits are waited out for `retry_hours` however many attempts that takes.
    max_attempts: int = Field(default=8, ge=1, le=100)
    retry_hours: float = Field(default=24.0, gt=0, le=24 * 14)
    # The wait before the first retry, doubled for each further one up to the maximum
    # (with jitter); a tracker that names its own wait is waited for instead.
    first_backoff_seconds: float = Field(default=2.0, gt=0, le=3600)
    max_backoff_seconds: float = Field(default=1800.0, gt=0, le=24 * 3600)
    # Finished events are kept this long for operators, then deleted by the workers; dead
    # ones stay until an operator retries them.
    keep_days: int = Field(default=14, ge=1, le=3660)


class Settings(BaseSettings):
    """Every file key of the contract, all optional."""

    model_config = SettingsConfigDict(
        env_prefix="USECASE_BOT_", env_nested_delimiter="__", extra="forbid"
    )

    github: GithubConfig = Field(default_factory=GithubConfig)
    labels: LabelsConfig = Field(default_factory=LabelsConfig)
    jira: JiraConfig = Field(default_factory=JiraConfig)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    worker: WorkerConfig = Field(default_factory=WorkerConfig)
    reconcile: ReconcileConfig = Field(default_factory=ReconcileConfig)
    max_payload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = Path(os.environ.get("USECASE_BOT_CONFIG", str(DEFAULT_CONFIG)))
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, path)

    def lint_policy(self, ignored: frozenset[str] = frozenset()) -> LintPolicy:
        return LintPolicy(
            severities=self.rules.severities(),
            required_sections=tuple(self.rules.required_sections),
            ignored=ignored,
        )


_URL_PASSWORD = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")
_URL_TOKEN = re.compile(r"((?:token|key|secret|password)=)[^&\s'\"]+", re.IGNORECASE)


class Secrets(BaseModel):
    """Credentials from the environment only. `SecretStr` keeps them out of reprs and logs."""

    database_url: str = "sqlite:///usecase-bot.db"
    github_token: SecretStr | None = None
    github_app_id: str | None = None
    github_app_private_key: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_webhook_secret: SecretStr | None = None
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_pat: SecretStr | None = None
    jira_webhook_secret: SecretStr | None = None
    jira_webhook_token: SecretStr | None = None

    def scrub(self, text: str) -> str:
        """`text` with every secret value, and credentials written into URLs, blanked out."""
        for value in self._values():
            text = text.replace(value, "[secret]")
        text = _URL_PASSWORD.sub(r"\1[secret]@", text)
        return _URL_TOKEN.sub(r"\1[secret]", text)

    def _values(self) -> list[str]:
        found: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                raw = value.get_secret_value()
                # Comma-separated rotating secrets, each of which may show alone.
                found += [raw, *(p.strip() for p in raw.split(","))]
        # The longest first, so that no part of a longer secret is left behind.
        return sorted({v for v in found if len(v) >= 4}, key=len, reverse=True)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Secrets:
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = source.get(name.upper())
            if raw:
                values[name] = raw
        return cls.model_validate(values)


def load_settings() -> Settings:
    """Settings from file and environment, or a `ConfigError` naming every bad key."""
    path = Path(os.environ.get("USECASE_BOT_CONFIG", str(DEFAULT_CONFIG)))
    if "USECASE_BOT_CONFIG" in os.environ and not path.is_file():
        raise ConfigError(f"USECASE_BOT_CONFIG points at {path}, which is not a readable file")
    try:
        settings = Settings()
        settings.rules.severities()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            problems.append(f"  {key}: {err['msg']}")
        raise ConfigError("invalid configuration:\n" + "\n".join(problems)) from None
    except ValueError as exc:  # a TOML syntax error or an unknown rule name
        raise ConfigError(f"invalid configuration: {exc}") from None
    return settings
