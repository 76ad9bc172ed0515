"""A team's own template: `.github/usecase-bot.yml` in a repository, or the `usecase-bot`
property of a Jira project holding the same keys as JSON. It is checked strictly, with a
reason that names the key, and laid over the service's configuration for that team's issues
only. Pure: the trackers' adapters fetch the text and `bot.jobs.team_settings` decides when.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot.config import JiraConfig, LabelsConfig, SectionList, Settings, jira_label
from bot.lint.engine import LintPolicy
from bot.lint.registry import RULES
from bot.usecase.model import Severity
from bot.usecase.synonyms import CONFIG_KEYS, extra_words

GITHUB_PATH = ".github/usecase-bot.yml"
JIRA_PROPERTY = "usecase-bot"
# Far beyond any real template: a larger file is a mistake, not a configuration.
MAX_BYTES = 64 * 1024
# A reason quotes the team's own keys; a runaway one must not crowd the findings out.
MAX_REASON = 500


Tracker = Literal["github", "jira"]


class TeamConfigError(ValueError):
    """The team's configuration cannot be used; the message names the key and says why."""


Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamLabels(_Strict):
    use_case: Word | None = None
    # One label or several, like the service's own `labels.story`.
    story: Annotated[list[Word] | None, BeforeValidator(_one_or_many)] = None
    incomplete: Word | None = None


class TeamConfig(_Strict):
    labels: TeamLabels = Field(default_factory=TeamLabels)
    sections: dict[str, list[Word]] = Field(default_factory=dict)
    rules: dict[str, Severity] = Field(default_factory=dict)
    required_sections: SectionList | None = None

    @field_validator("sections", mode="before")
    @classmethod
    def _section_keys(cls, sections: Any) -> Any:
        if isinstance(sections, dict):
            for key in sections:
                _known(f"sections.{key}", key, CONFIG_KEYS, "a section key")
        return sections

    @field_validator("rules", mode="before")
    @classmethod
    def _rule_names(cls, rules: Any) -> Any:
        if not isinstance(rules, dict):
            return rules
        for name in rules:
            _known(f"rules.{name}", name, RULES, "a rule")
        # YAML 1.1 reads a bare `off` as false, and `off` is what the author meant.
        return {name: "off" if value is False else value for name, value in rules.items()}

    def policy_over(self, base: LintPolicy) -> LintPolicy:
        """The service's lint policy with this team's severities, sections and words."""
        required = base.required_sections if self.required_sections is None else tuple(
            self.required_sections)
        return replace(base, severities={**base.severities, **self.rules},
                       required_sections=required,
                       extra_headings=extra_words(dict(self.sections)))


def _known(key: str, name: object, known: Iterable[str], what: str) -> None:
    """ValueError naming `key` when `name` is not among `known`, with the nearest one."""
    names = list(known)
    if name in names:
        return
    near = difflib.get_close_matches(str(name), names, n=1)
    hint = f" (did you mean {near[0]}?)" if near else f" (known: {', '.join(names)})"
    raise ValueError(f"{key} is not {what}{hint}")


def _reason(exc: ValidationError) -> str:
    reasons = []
    for err in exc.errors():
        loc = err["loc"]
        key = ".".join(str(part) for part in loc)
        if err["type"] == "extra_forbidden":
            model = TeamLabels if loc[:1] == ("labels",) else TeamConfig
            try:
                _known(key, loc[-1], model.model_fields, "a key this file can have")
            except ValueError as unknown:
                reasons.append(str(unknown))
            continue
        message = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
        reasons.append(message if message.startswith(key) else f"{key}: {message}")
    return "; ".join(reasons)


def validate(value: Any) -> TeamConfig:
    """A parsed file or property value as a team configuration, or TeamConfigError."""
    if value is None:
        return TeamConfig()
    if not isinstance(value, dict):
        raise TeamConfigError("it must be a mapping with the keys labels, sections, rules "
                              "and required_sections")
    try:
        return TeamConfig.model_validate(value)
    except ValidationError as exc:
        raise TeamConfigError(_reason(exc)) from None


def parse_text(data: bytes) -> TeamConfig:
    """YAML text, or JSON, which YAML reads too, as a team configuration."""
    if len(data) > MAX_BYTES:
        raise TeamConfigError(f"it is larger than {MAX_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TeamConfigError("it is not UTF-8 text") from None
    try:
        value = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        where = f"line {exc.problem_mark.line + 1}: " if exc.problem_mark else ""
        raise TeamConfigError(f"it is not valid YAML ({where}{exc.problem})") from None
    except yaml.YAMLError:
        raise TeamConfigError("it is not valid YAML") from None
    return validate(value)


@dataclass(frozen=True)
class TeamSettings:
    """What applies to the issues of one repository or Jira project."""

    labels: LabelsConfig
    jira: JiraConfig
    policy: LintPolicy
    # The team's own configuration and why it could not be used, when it could not.
    problem: tuple[str, str] | None = None

    def lint_policy(self, ignored: frozenset[str] = frozenset()) -> LintPolicy:
        return replace(self.policy, ignored=ignored)


def _over(settings: Settings, team: TeamConfig, tracker: Tracker) -> TeamSettings:
    """The team's settings over the service's. In Jira its labels are the Jira labels,
    which must be ones Jira can hold."""
    chosen = team.labels.model_dump(exclude_none=True)
    jira = settings.jira
    if tracker == "jira":
        names = {"use_case": "use_case_label", "incomplete": "incomplete_label"}
        update = {}
        for key, field in names.items():
            if key in chosen:
                try:
                    update[field] = jira_label(chosen[key])
                except ValueError as exc:
                    raise TeamConfigError(f"labels.{key}: {exc}") from None
        jira = jira.model_copy(update=update)
    return TeamSettings(settings.labels.model_copy(update=chosen), jira,
                        team.policy_over(settings.lint_policy()))


def resolve(settings: Settings, tracker: Tracker, source: bytes | None,
            problem: str | None = None) -> TeamSettings:
    """The settings for a team whose configuration reads `source` (None: it has none), or
    the service's own with the reason when the team's cannot be used. `problem` says why
    the tracker would not hand it out."""
    where = JIRA_PROPERTY if tracker == "jira" else GITHUB_PATH
    if problem is None and source is not None:
        try:
            return _over(settings, parse_text(source), tracker)
        except TeamConfigError as exc:
            problem = str(exc)
    if problem is not None and len(problem) > MAX_REASON:
        problem = problem[:MAX_REASON - 1] + "…"
    return TeamSettings(settings.labels, settings.jira, settings.lint_policy(),
                        None if problem is None else (where, problem))
