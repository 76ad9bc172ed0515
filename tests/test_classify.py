"""Exception or alternative, and how a flow ends: the examples of the rules document."""

from __future__ import annotations

import pytest

from bot.usecase.model import Kind, Outcome
from bot.usecase.parse import parse


def _only_extension(extension_lines: str):
    text = (
        "Primary actor: Customer\n\n## Main success scenario\n\n"
        + "".join(f"{n}. Customer does step {n}.\n" for n in range(1, 8))
        + "\n## Extensions\n\n"
        + extension_lines
    )
    (ext,) = parse(text).use_case.extensions
    return ext


@pytest.mark.parametrize(
    ("lines", "kind", "outcome", "resume_at"),
    [
        ("4a. Card has expired:\n  4a1. System refuses it and tells Customer why.\n"
         "  4a2. Use case ends.\n", Kind.EXCEPTION, Outcome.FAIL, None),
        ("6a. Payment service silent for 30 s:\n  6a1. System retries once.\n"
         "  6a2. Resume at step 6.\n", Kind.EXCEPTION, Outcome.RESUME, "6"),
        ("3a. Customer has a saved address:\n  3a1. System fills it in.\n"
         "  3a2. Resume at step 5.\n", Kind.ALTERNATIVE, Outcome.RESUME, "5"),
        ("5b. Customer pays with a gift card:\n  5b1. System deducts the balance.\n"
         "  5b2. Resume at step 7.\n", Kind.ALTERNATIVE, Outcome.RESUME, "7"),
        ("*a. Customer abandons checkout:\n  *a1. System releases the reservation.\n"
         "  *a2. Use case ends.\n", Kind.EXCEPTION, Outcome.FAIL, None),
    ],
)
def test_rules_document_examples(lines, kind, outcome, resume_at):
    ext = _only_extension(lines)
    assert ext.kind is kind
    assert ext.outcome is outcome
    assert ext.resume_at == resume_at


def _clerk_extension(section: str, line: str):
    text = (
        "Primary actor: Clerk\n\n## Main flow\n1. Clerk files the form.\n2. System stores it.\n"
        f"\n## {section}\n{line}\n"
    )
    (ext,) = parse(text).use_case.extensions
    return ext


@pytest.mark.parametrize(
    ("section", "line", "kind"),
    [
        # an exception label decides even without failure words
        ("Alternative flows", "E1. Clerk reopens the form at step 2.", Kind.EXCEPTION),
        # an Exceptions heading counts when the condition says nothing either way
        ("Exceptions", "1. In step 2, the clerk is asked to call the office.", Kind.EXCEPTION),
        # a choice filed under Exceptions is still an alternative
        ("Exceptions", "1. In step 1, instead of the form the clerk uploads a scan.",
         Kind.ALTERNATIVE),
    ],
)
def test_labels_and_headings_weighed_against_the_condition(section, line, kind):
    assert _clerk_extension(section, line).kind is kind


def test_an_empty_result_is_a_variant_unless_handled_as_an_error():
    variant = _only_extension("2a. The list is empty.\n  Use case ends.\n")
    error = _only_extension("2a. The list is empty.\n  2a1. System shows an error.\n")
    assert variant.kind is Kind.ALTERNATIVE
    assert error.kind is Kind.EXCEPTION


def test_a_negated_choice_is_a_failure():
    ext = _only_extension("2a. Customer did not select any item.\n  2a1. System says so.\n")
    assert ext.kind is Kind.EXCEPTION


def test_pointers_to_general_exceptions_are_not_flows():
    text = (
        "Primary actor: Clerk\n\n## Main flow\n1. Clerk files the form.\n2. System stores it.\n"
        "\n## Exceptions\n1. All general exceptions apply.\n"
    )
    assert parse(text).use_case.extensions == ()
