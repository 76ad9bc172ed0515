"""A team's own template in Jira: the project property `usecase-bot`, read through
python-jira from the fake Jira (Cloud, REST v3; Data Center, REST v2), for that project's
issues only."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import update

from bot.store.models import TeamSource
from tests import jira_payloads as jp
from tests import test_jira_e2e
from tests.test_jira_e2e import Deployment, use_case

# The same two deployments as the Jira end-to-end tests: Cloud and Data Center.
jira = test_jira_e2e.jira

TEAM = {
    "labels": {"use_case": "spec-use-case", "incomplete": "spec-incomplete"},
    "sections": {"primary_actor": ["Who approves"], "main_flow": ["The happy road"]},
    "rules": {"missing-exception-flows": "off"},
    "required_sections": ["trigger"],
}
STEPS = ("Employee submits an expense claim.", "Manager reviews the claim.",
         "Manager approves the claim.")


def template(api_version: int, note: str = "") -> object:
    """The team's template, with headings the bot does not know by itself, as Jira holds
    it: wiki markup on REST v2, an ADF document on v3."""
    if api_version == 2:
        steps = "".join(f"# {step}\n" for step in STEPS)
        return f"h3. Who approves\nManager\n\nh3. The happy road\n{steps}\n{note}"

    def para(text: str) -> dict[str, object]:
        return {"type": "paragraph", "content": [{"type": "text", "text": text}]}

    def heading(text: str) -> dict[str, object]:
        return {"type": "heading", "attrs": {"level": 3},
                "content": [{"type": "text", "text": text}]}

    steps_list = {"type": "orderedList", "content": [
        {"type": "listItem", "content": [para(step)]} for step in STEPS]}
    content = [heading("Who approves"), para("Manager"), heading("The happy road"), steps_list]
    return {"type": "doc", "version": 1, "content": content + ([para(note)] if note else [])}


def comment_text(d: Deployment, key: str = "UC-1") -> str:
    (comment,) = d.fake.comments_on(key)
    return json.dumps(comment["body"])


def team_issue(d: Deployment, key: str = "UC-1", labels: tuple[str, ...] = ("spec-use-case",)):
    issue = d.fake.add_issue(key, "Approve an expense", template(d.api_version),
                             issue_type="Task", labels=list(labels))
    assert d.deliver(jp.issue_event("jira:issue_created", issue)).status_code == 202
    d.bot.drain()
    return issue


def test_the_project_property_sets_headings_rules_and_labels(jira):
    jira.fake.project_properties[("UC", "usecase-bot")] = TEAM
    team_issue(jira)
    text = comment_text(jira)
    assert "missing-primary-actor" not in text and "missing-main-flow" not in text
    assert "missing-exception-flows" not in text
    assert "missing-required-section" in text
    assert jira.fake.labels_on("UC-1") == ["spec-use-case", "spec-incomplete"]
    v = jira.api_version
    assert ("GET", f"/rest/api/{v}/project/UC/properties/usecase-bot", 200) in jira.fake.log


def test_another_project_keeps_the_services_defaults(jira):
    jira.fake.project_properties[("UC", "usecase-bot")] = TEAM
    team_issue(jira, key="OPS-2")  # labelled spec-use-case, which means nothing in OPS
    assert jira.fake.comments_on("OPS-2") == []
    use_case(jira, key="OPS-3", body=template(jira.api_version))
    text = comment_text(jira, "OPS-3")
    assert "missing-exception-flows" in text and "missing-required-section" not in text
    assert "use-case-incomplete" in jira.fake.labels_on("OPS-3")


def test_without_the_property_the_defaults_apply(jira):
    issue = use_case(jira, body=template(jira.api_version))
    text = comment_text(jira)
    assert "missing-exception-flows" in text and "could not be used" not in text
    v = jira.api_version
    assert ("GET", f"/rest/api/{v}/project/UC/properties/usecase-bot", 404) in jira.fake.log
    before = len(jira.fake.log)
    issue["fields"]["description"] = template(jira.api_version, "More words.")
    jira.deliver(jp.issue_event("jira:issue_updated", issue, changed=["description"],
                                at=1700000000500))
    jira.bot.drain()
    assert jira.fake.calls(before) == []  # asked again only after a while


def test_an_invalid_property_is_named_in_the_comment_and_the_defaults_apply(jira):
    jira.fake.project_properties[("UC", "usecase-bot")] = {
        "rules": {"missing-exceptoin-flows": "off"}}
    use_case(jira, body=template(jira.api_version))
    text = comment_text(jira)
    assert "usecase-bot" in text
    assert ("could not be used: rules.missing-exceptoin-flows is not a rule (did you mean "
            "missing-exception-flows?); the defaults apply.") in text
    assert "missing-exception-flows" in text.split("the defaults apply.")[1]
    assert "use-case-incomplete" in jira.fake.labels_on("UC-1")


def test_a_label_jira_cannot_hold_is_refused(jira):
    jira.fake.project_properties[("UC", "usecase-bot")] = {
        "labels": {"incomplete": "needs work"}}
    use_case(jira)
    assert "labels.incomplete: Jira labels cannot be empty or contain spaces" in \
        comment_text(jira)
    assert jira.fake.labels_on("UC-1") == ["use-case-incomplete"]


def test_a_changed_property_applies_once_the_wait_runs_out(jira):
    issue = use_case(jira, body=template(jira.api_version))
    assert "missing-exception-flows" in comment_text(jira)
    jira.fake.project_properties[("UC", "usecase-bot")] = {
        "rules": {"missing-exception-flows": "off"}}
    with jira.bot.runtime.db.session() as s:
        s.execute(update(TeamSource).values(checked_at=datetime(2026, 1, 1)))
    issue["fields"]["description"] = template(jira.api_version, "More words.")
    jira.deliver(jp.issue_event("jira:issue_updated", issue, changed=["description"],
                                at=1700000000500))
    jira.bot.drain()
    assert "missing-exception-flows" not in comment_text(jira)
