"""A team's own template on GitHub: `.github/usecase-bot.yml` on the default branch, read
through PyGithub from the fake GitHub, asked again with its ETag, and applied to that
repository's issues only. Also the file's own checks, and `usecase-bot lint --config`."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import requests
from openapi_schema_validator import OAS30Validator
from sqlalchemy import update

from bot.cli import main
from bot.config import Settings
from bot.store.models import TeamSource
from bot.team_config import TeamConfigError, parse_text, resolve
from bot.usecase.model import Severity
from tests import github_payloads as gh
from tests.github_harness import FIXED, REPO, BotUnderTest, lint_comments

PATH = ".github/usecase-bot.yml"
CONTENTS = f"/repos/{REPO}/contents/{PATH}"
TEAM_FILE = """\
labels: {use_case: "spec:use-case", story: "story", incomplete: "spec:incomplete"}
sections:                      # extra heading words, added to the built-in ones
  primary_actor: ["Who wants this"]
  main_flow: ["The happy road"]
rules:
  missing-exception-flows: "off"
required_sections: [trigger]
"""
# The team's template: headings the bot does not know by itself, and no extensions.
BODY = """### Who wants this

Customer

### The happy road

1. Customer puts goods in the cart.
2. System shows the total.
3. Customer pays.
"""
WITH_TRIGGER = BODY + "\n### Trigger\n\nCustomer opens the cart.\n"
# Nothing to say about it with the service's defaults.
CLEAN = FIXED + """
### Preconditions

The cart holds goods.

### Trigger

Customer opens the cart.

### Success guarantee

The order is paid.
"""


def open_use_case(fake, bot, body=BODY, number=1, label="spec:use-case"):
    issue = fake.add_issue(REPO, number, "Buy goods", body, labels=[label])
    assert bot.deliver("issues", gh.issues("opened", REPO, issue)).status_code == 202
    bot.drain()
    return issue


def edit(fake, bot, issue, body):
    issue["body"] = body
    bot.deliver("issues", gh.issues("edited", REPO, issue))
    bot.drain()


def findings_in(fake, number=1) -> str:
    (comment,) = lint_comments(fake, number)
    return comment["body"]


# ------------------------------------------------------------------ on GitHub


def test_the_teams_headings_rules_and_required_sections_apply_to_its_issues(fake, bot):
    fake.put_file(REPO, PATH, TEAM_FILE)
    open_use_case(fake, bot)
    body = findings_in(fake)
    assert "missing-primary-actor" not in body  # "Who wants this" was read as the actor
    assert "missing-main-flow" not in body
    assert "missing-exception-flows" not in body  # turned off by the team
    assert "missing-required-section" in body and "trigger" in body
    assert "could not be used" not in body
    assert fake.labels_on(REPO, 1) == ["spec:use-case", "spec:incomplete"]


def test_the_same_body_without_the_file_gets_the_services_defaults(fake, bot):
    open_use_case(fake, bot, label="use-case")
    body = findings_in(fake)
    assert "missing-primary-actor" in body and "missing-exception-flows" in body
    assert "missing-required-section" not in body
    assert "use-case:incomplete" in fake.labels_on(REPO, 1)


def test_the_teams_labels_decide_what_is_a_use_case(fake, bot):
    fake.put_file(REPO, PATH, TEAM_FILE)
    open_use_case(fake, bot, label="use-case", number=1)  # the service's label, not theirs
    assert fake.comments_on(REPO, 1) == []
    assert fake.labels_on(REPO, 1) == ["use-case"]
    issue = open_use_case(fake, bot, label="spec:use-case", number=2)
    assert "spec:incomplete" in fake.labels_on(REPO, 2)
    edit(fake, bot, issue, WITH_TRIGGER)
    assert "spec:incomplete" not in fake.labels_on(REPO, 2)
    assert "no errors" in findings_in(fake, 2)
    assert "spec:incomplete" in fake.repos[REPO].labels  # created for the team, once


def test_an_unchanged_file_is_asked_with_its_etag_and_answered_304(fake, bot):
    fake.put_file(REPO, PATH, TEAM_FILE)
    issue = open_use_case(fake, bot)
    before = len(fake.log)
    edit(fake, bot, issue, WITH_TRIGGER)
    (first, sent), (second, resent) = fake.content_reads
    assert (first, sent) == (PATH, None)
    assert second == PATH and resent is not None and resent.startswith('W/"')
    assert ("GET", CONTENTS, 304) in fake.calls(before)
    assert "no errors" in findings_in(fake)  # the team's settings still apply


def test_a_changed_file_has_a_new_etag_and_its_new_settings_apply(fake, bot):
    fake.put_file(REPO, PATH, TEAM_FILE)
    issue = open_use_case(fake, bot)
    assert "missing-exception-flows" not in findings_in(fake)
    fake.put_file(REPO, PATH, TEAM_FILE.replace('"off"', "warning"))
    edit(fake, bot, issue, BODY + "\nA line that changes no finding by itself.\n")
    body = findings_in(fake)
    assert "missing-exception-flows" in body and "**Warnings**" in body
    edit(fake, bot, issue, BODY)
    (_, none), (_, old_etag), (_, new_etag) = fake.content_reads
    assert none is None and old_etag and new_etag and old_etag != new_etag
    assert [status for _, path, status in fake.log if path == CONTENTS] == [200, 200, 304]


def test_workers_share_one_read_through_the_database(fake, bot, tmp_path, settings,
                                                     database_url):
    fake.put_file(REPO, PATH, TEAM_FILE)
    open_use_case(fake, bot)
    # Another process on the same database.
    other = BotUnderTest(tmp_path, fake, settings, env={"DATABASE_URL": database_url})
    try:
        open_use_case(fake, other, number=2)
    finally:
        other.stop()
    assert [sent is None for _, sent in fake.content_reads] == [True, False]
    assert "missing-required-section" in findings_in(fake, 2)


def test_an_unknown_rule_is_named_in_the_comment_and_the_defaults_apply(fake, bot):
    fake.put_file(REPO, PATH, "rules:\n  missing-exceptoin-flows: off\n")
    open_use_case(fake, bot, label="use-case")
    body = findings_in(fake)
    assert ("The team's configuration `.github/usecase-bot.yml` could not be used: "
            "rules.missing-exceptoin-flows is not a rule (did you mean "
            "missing-exception-flows?); the defaults apply.") in body
    assert "missing-exception-flows" in body.split("the defaults apply.")[1]
    assert "use-case:incomplete" in fake.labels_on(REPO, 1)


def test_broken_yaml_is_named_in_the_comment_and_the_defaults_apply(fake, bot):
    fake.put_file(REPO, PATH, "rules: [missing-exception-flows: off\n")
    open_use_case(fake, bot, label="use-case")
    body = findings_in(fake)
    assert "`.github/usecase-bot.yml` could not be used: it is not valid YAML (line 2" in body
    assert "missing-primary-actor" in body


def test_a_broken_file_is_named_even_on_a_use_case_with_nothing_to_fix(fake, bot):
    fake.put_file(REPO, PATH, "labels: {use_case: [two, labels]}\n")
    open_use_case(fake, bot, body=CLEAN, label="use-case")
    body = findings_in(fake)
    assert "labels.use_case: Input should be a valid string; the defaults apply." in body
    assert "all clear" in body


def test_fixing_the_file_takes_the_notice_out_of_the_same_comment(fake, bot):
    fake.put_file(REPO, PATH, "rules: {no-such-rule: off}\n")
    issue = open_use_case(fake, bot, label="use-case")
    (broken,) = lint_comments(fake)
    assert "could not be used" in broken["body"]
    fake.put_file(REPO, PATH, TEAM_FILE.replace("spec:use-case", "use-case"))
    edit(fake, bot, issue, WITH_TRIGGER)
    (fixed,) = lint_comments(fake)
    assert fixed["id"] == broken["id"]
    assert "could not be used" not in fixed["body"] and "no errors" in fixed["body"]


def test_without_a_file_the_defaults_apply_and_it_is_asked_again_only_after_a_while(fake, bot):
    issue = open_use_case(fake, bot, label="use-case")
    assert ("GET", CONTENTS, 404) in fake.log
    assert "could not be used" not in findings_in(fake)
    before = len(fake.log)
    edit(fake, bot, issue, BODY + "\nMore words.\n")
    assert all(path != CONTENTS for _, path, _ in fake.calls(before))  # no ETag to ask with
    fake.put_file(REPO, PATH, TEAM_FILE.replace("spec:use-case", "use-case"))
    with bot.runtime.db.session() as s:  # the wait for a missing file runs out
        s.execute(update(TeamSource).values(checked_at=datetime(2026, 1, 1)))
    edit(fake, bot, issue, BODY)
    assert ("GET", CONTENTS, 200) in fake.calls(before)
    assert "missing-primary-actor" not in findings_in(fake)


def test_a_rate_limited_read_is_retried_not_taken_for_a_broken_file(fake, bot):
    fake.put_file(REPO, PATH, TEAM_FILE)
    fake.fail_next("GET", r"/contents/", 403, headers={"X-RateLimit-Remaining": "0",
                                                       "X-RateLimit-Reset": "1"})
    issue = fake.add_issue(REPO, 1, "Buy goods", BODY, labels=["spec:use-case"])
    bot.deliver("issues", gh.issues("opened", REPO, issue))
    bot.drain()
    assert fake.comments_on(REPO, 1) == []
    assert bot.events()[0].status == "pending"
    bot.make_due()
    bot.drain()
    assert "could not be used" not in findings_in(fake)
    assert "missing-required-section" in findings_in(fake)


def test_the_fakes_contents_answer_has_githubs_documented_shape(fake):
    fake.put_file(REPO, PATH, TEAM_FILE)
    answer = requests.get(f"{fake.url}{CONTENTS}", timeout=5)
    spec = fake.check.spec
    schema = {**spec["components"]["schemas"]["content-file"],
              "components": spec["components"]}
    assert list(OAS30Validator(schema).iter_errors(answer.json())) == []
    etag = answer.headers["ETag"]
    again = requests.get(f"{fake.url}{CONTENTS}", headers={"If-None-Match": etag}, timeout=5)
    assert (again.status_code, again.content) == (304, b"")


# ------------------------------------------------------------------ the file's own checks


@pytest.mark.parametrize(("text", "reason"), [
    ("colour: blue\n", "colour is not a key this file can have"),
    ("labels: {bug: x}\n", "labels.bug is not a key this file can have"),
    ("sections: {main_flw: [Road]}\n", "sections.main_flw is not a section key (did you mean "
                                       "main_flow?)"),
    ("sections: {main_flow: Road}\n", "sections.main_flow: Input should be a valid list"),
    ("rules: {missing-main-flow: never}\n", "rules.missing-main-flow: Input should be"),
    ("required_sections: [trigerr]\n", "required_sections: unknown section(s) ['trigerr']"),
    ("- just a list\n", "it must be a mapping"),
])
def test_each_mistake_is_named_by_its_key(text, reason):
    with pytest.raises(TeamConfigError) as exc:
        parse_text(text.encode())
    assert reason in str(exc.value)


def test_a_bare_off_in_yaml_means_off_and_one_story_label_is_a_list():
    team = parse_text(b"rules: {missing-exception-flows: off}\nlabels: {story: feature}\n")
    assert team.rules == {"missing-exception-flows": Severity.OFF}
    assert team.labels.story == ["feature"]


def test_jira_labels_with_spaces_are_refused_for_a_jira_project():
    settings = Settings()
    jira = resolve(settings, "jira", b"labels: {incomplete: needs work}\n")
    assert jira.problem == ("usecase-bot", "labels.incomplete: Jira labels cannot be empty or "
                                           "contain spaces")
    assert jira.jira.incomplete_label == settings.jira.incomplete_label
    github = resolve(settings, "github", b"labels: {incomplete: needs work}\n")
    assert github.problem is None and github.labels.incomplete == "needs work"


def test_an_empty_file_changes_nothing():
    settings = Settings()
    team = resolve(settings, "github", b"# nothing yet\n")
    assert team.problem is None and team.labels == settings.labels
    assert team.policy == settings.lint_policy()


# ------------------------------------------------------------------ lint --config


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_lint_config_applies_the_teams_headings_and_rules(capsys, tmp_path):
    use_case = tmp_path / "uc.md"
    use_case.write_text(WITH_TRIGGER)
    code, out, _ = run(capsys, "lint", "--format", "json", str(use_case))
    assert code == 1
    assert "missing-primary-actor" in {f["rule"] for f in json.loads(out)[0]["findings"]}
    config = tmp_path / "usecase-bot.yml"
    config.write_text(TEAM_FILE)
    code, out, err = run(capsys, "lint", "--format", "json", "--config", str(config),
                         str(use_case))
    assert (code, err) == (0, "")
    (result,) = json.loads(out)
    assert result["use_case"]["primary_actor"] == "Customer"
    assert not [f for f in result["findings"] if f["severity"] == "error"]


def test_lint_config_reads_json_too(capsys, tmp_path):
    use_case = tmp_path / "uc.md"
    use_case.write_text(BODY)
    config = tmp_path / "team.json"
    config.write_text(json.dumps({"rules": {"missing-exception-flows": "off",
                                            "missing-primary-actor": "info"}}))
    code, out, _ = run(capsys, "lint", "--format", "json", "--config", str(config),
                       str(use_case))
    assert code == 0
    rules = {f["rule"]: f["severity"] for f in json.loads(out)[0]["findings"]}
    assert rules["missing-primary-actor"] == "info" and "missing-exception-flows" not in rules


def test_lint_with_an_invalid_config_exits_2_with_one_line_naming_the_key(capsys, tmp_path):
    use_case = tmp_path / "uc.md"
    use_case.write_text(BODY)
    config = tmp_path / "usecase-bot.yml"
    config.write_text("rules:\n  missing-exceptoin-flows: off\n")
    code, out, err = run(capsys, "lint", "--config", str(config), str(use_case))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "rules.missing-exceptoin-flows is not a rule" in err


def test_lint_with_a_missing_config_exits_2(capsys, tmp_path):
    code, out, err = run(capsys, "lint", "--config", str(tmp_path / "nope.yml"), "-")
    assert (code, out) == (2, "")
    assert "cannot read" in err and "nope.yml" in err
