"""What each rule reports, and what it leaves alone."""

from __future__ import annotations

from bot.lint.engine import LintPolicy, lint_text
from bot.lint.registry import RULES
from bot.usecase.model import Severity

COMPLETE = """\
**Primary actor:** Customer
**Supporting actors:** Bank
**Preconditions:** The ATM has cash.
**Trigger:** Customer inserts a card.

## Main success scenario
1. Customer inserts a card.
2. System asks the Bank to check the card.
3. Customer takes the cash.

## Extensions
2a. The card is invalid:
  2a1. System returns the card.
  2a2. Use case ends.

## Success guarantee
Customer has the cash.
"""

CONTRACT_RULES = {
    "missing-primary-actor": Severity.ERROR,
    "missing-main-flow": Severity.ERROR,
    "missing-exception-flows": Severity.ERROR,
    "undeclared-actor": Severity.WARNING,
    "unused-actor": Severity.INFO,
    "dangling-extension-ref": Severity.ERROR,
    "unparseable": Severity.ERROR,
}


def rules_of(text: str, policy: LintPolicy | None = None) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in lint_text(text, policy=policy).findings:
        out.setdefault(f.rule, []).append(f)
    return out


def test_every_contract_rule_exists_with_its_default_severity():
    for name, severity in CONTRACT_RULES.items():
        assert RULES[name].severity is severity
        assert RULES[name].summary and RULES[name].advice


def test_a_complete_use_case_has_no_findings():
    assert rules_of(COMPLETE) == {}


def test_missing_primary_actor():
    found = rules_of(COMPLETE.replace("**Primary actor:** Customer\n", ""))
    assert "missing-primary-actor" in found


def test_missing_main_flow_points_at_the_empty_section():
    text = COMPLETE.split("1. Customer inserts")[0] + "\n## Extensions\nNone.\n"
    (finding,) = rules_of(text)["missing-main-flow"]
    assert finding.line == 6


def test_alternatives_alone_do_not_count_as_exception_flows():
    text = COMPLETE.replace("The card is invalid", "Customer wants a receipt")
    text = text.replace("System returns the card.", "System prints a receipt.")
    (finding,) = rules_of(text)["missing-exception-flows"]
    assert finding.severity is Severity.ERROR
    assert "alternatives" in finding.message


def test_undeclared_actor_names_the_party_and_its_line():
    text = COMPLETE.replace("3. Customer takes the cash.", "3. The Teller hands over the cash.")
    (finding,) = rules_of(text)["undeclared-actor"]
    assert finding.subject == "Teller"
    assert finding.line == 9


def test_unused_supporting_actor():
    text = COMPLETE.replace("Supporting actors:** Bank", "Supporting actors:** Bank, Auditor")
    (finding,) = rules_of(text)["unused-actor"]
    assert finding.subject == "Auditor"


def test_dangling_extension_ref_names_the_extension():
    found = rules_of(COMPLETE.replace("2a.", "7a.").replace("2a1", "7a1").replace("2a2", "7a2"))
    (finding,) = found["dangling-extension-ref"]
    assert finding.subject == "7a"
    assert finding.line == 12


def test_lazy_numbering_counts_rendered_steps_for_references():
    text = COMPLETE.replace("2. System", "1. System")
    text = text.replace("3. Customer takes", "1. Customer takes")
    assert "dangling-extension-ref" not in rules_of(text)


def test_dangling_resume_target():
    found = rules_of(COMPLETE.replace("2a2. Use case ends.", "2a2. Resume at step 8."))
    assert found["dangling-step-reference"][0].subject == "8"


def test_unparseable_text_gets_only_that_finding():
    found = rules_of("Hello! The build is broken, please have a look.\n")
    assert list(found) == ["unparseable"]


def test_configured_severity_and_off():
    policy = LintPolicy(
        severities={"unused-actor": Severity.ERROR, "missing-primary-actor": Severity.OFF}
    )
    text = COMPLETE.replace("**Primary actor:** Customer\n", "")
    text = text.replace("Bank\n", "Bank, Auditor\n")
    found = rules_of(text, policy)
    assert "missing-primary-actor" not in found
    assert found["unused-actor"][0].severity is Severity.ERROR


def test_required_sections():
    policy = LintPolicy(required_sections=("minimal_guarantee", "trigger"))
    (finding,) = rules_of(COMPLETE, policy)["missing-required-section"]
    assert finding.subject == "minimal_guarantee"


def test_placeholder_and_branching_in_main_flow():
    text = COMPLETE.replace("3. Customer takes the cash.", "3. If the cash is ready, TBD.")
    found = rules_of(text)
    assert "placeholder-text" in found
    assert "conditional-in-main-flow" in found


def test_a_supporting_actor_named_inside_unspaced_chinese_text_is_used():
    text = ("主要参与者：顾客\n次要参与者：支付网关\n基本事件流：\n1. 顾客选择商品。\n"
            "2. 支付网关确认付款。\n")
    assert "unused-actor" not in rules_of(text)
    assert "unused-actor" in rules_of(text.replace("2. 支付网关确认付款。", "2. 系统确认付款。"))
