"""The issue forms and the Jira template we ship produce bodies the bot reads cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.lint.engine import lint_text
from bot.usecase.model import Severity
from bot.usecase.parse import Markup, parse

CONFIG = Path(__file__).resolve().parents[1] / "config"
FORMS = CONFIG / "github" / "ISSUE_TEMPLATE"

ANSWERS = {
    "primary_actor": "Customer",
    "supporting_actors": "Payment service, Warehouse",
    "goal": "The customer buys the goods in the cart.",
    "scope": "Web shop",
    "level": "User goal",
    "stakeholders": "Customer: wants the goods quickly.\nShop: wants to be paid.",
    "preconditions": "The cart holds at least one item.",
    "trigger": "The customer presses checkout.",
    "main_success_scenario": (
        "1. Customer confirms the cart.\n2. System asks the Payment service to charge the card.\n"
        "3. System asks the Warehouse to ship the goods.\n4. System shows the order number."
    ),
    "extensions": (
        "2a. The card is declined:\n  2a1. System asks for another card.\n"
        "  2a2. Resume at step 2.\n3a. An item is out of stock:\n"
        "  3a1. System refunds the item.\n  3a2. Resume at step 4."
    ),
    "success_guarantee": "The order is paid and shipped.",
    "minimal_guarantee": "No money is taken without an order.",
}


def render_issue_body(form: dict, answers: dict[str, str]) -> str:
    """The body GitHub writes for a submitted issue form: `### label`, blank line, value."""
    parts = []
    for element in form["body"]:
        if element["type"] == "markdown":
            continue
        label = element["attributes"]["label"]
        value = answers.get(element.get("id", ""), "").strip()
        if element["type"] == "checkboxes":
            value = "\n".join(
                f"- [{'x' if answers.get(o['label']) else ' '}] {o['label']}"
                for o in element["attributes"]["options"]
            )
        parts.append(f"### {label}\n\n{value or '_No response_'}")
    return "\r\n\r\n".join(p.replace("\n", "\r\n") for p in parts)


def load(name: str) -> dict:
    return yaml.safe_load((FORMS / name).read_text())


def test_forms_are_well_formed_issue_forms():
    for name in ("use-case.yml", "user-story.yml"):
        form = load(name)
        assert form["name"] and form["description"] and form["labels"]
        ids = [e["id"] for e in form["body"] if "id" in e]
        assert len(ids) == len(set(ids))
        for element in form["body"]:
            assert element["type"] in {"markdown", "input", "textarea", "dropdown", "checkboxes"}
    assert load("use-case.yml")["labels"] == ["use-case"]
    assert load("user-story.yml")["labels"] == ["user-story"]


def test_a_completely_filled_use_case_form_lints_clean():
    body = render_issue_body(load("use-case.yml"), ANSWERS)
    result = lint_text(body)
    assert result.findings == ()
    uc = result.use_case
    assert uc.primary_actor == "Customer"
    assert uc.secondary_actors == ("Payment service", "Warehouse")
    assert len(uc.main_flow) == 4 and len(uc.extensions) == 2


def test_a_gutted_use_case_form_gets_the_right_findings():
    gutted = {k: v for k, v in ANSWERS.items() if k not in ("primary_actor", "extensions")}
    gutted["main_success_scenario"] = (
        "1. Customer confirms the cart.\n2. System charges the card.\n3. Courier ships the goods."
    )
    result = lint_text(render_issue_body(load("use-case.yml"), gutted))
    errors = {f.rule for f in result.findings if f.severity is Severity.ERROR}
    assert errors == {"missing-primary-actor", "missing-exception-flows"}
    assert any(f.rule == "unused-actor" and f.subject == "Warehouse" for f in result.findings)


def test_the_form_default_step_placeholders_do_not_count_as_steps():
    empty = {"primary_actor": "Customer", "main_success_scenario": "1. \n2. \n3. "}
    rules = {f.rule for f in lint_text(render_issue_body(load("use-case.yml"), empty)).findings}
    assert "missing-main-flow" in rules


def test_the_jira_template_filled_in_lints_clean():
    template = (CONFIG / "jira" / "use-case-template.txt").read_text()
    assert re.search(r"<[^>]+>", template)
    values = iter(
        ["Pay an invoice", "Accountant", "Bank", "Finance system", "An invoice is approved",
         "The due date is near", "Accountant", "opens the invoice", "asks the Bank to pay",
         "Accountant", "confirms the payment", "the Bank rejects the payment",
         "shows the reason", "The invoice is paid", "No payment is made twice"]
    )
    filled = re.sub(r"<[^>]+>", lambda m: next(values), template)
    result = lint_text(filled, Markup.JIRA)
    assert [f.rule for f in result.findings if f.severity is not Severity.INFO] == []
    assert parse(filled).markup is Markup.JIRA
