"""Every supported layout reads into the same structure."""

from __future__ import annotations

import pytest

from bot.usecase.model import Kind, Outcome
from bot.usecase.parse import Markup, detect, parse


@pytest.mark.parametrize(
    ("name", "markup"),
    [
        ("cockburn.md", Markup.MARKDOWN),
        ("issue-form.md", Markup.MARKDOWN),
        ("rup.md", Markup.MARKDOWN),
        ("table.md", Markup.MARKDOWN),
        ("german.md", Markup.MARKDOWN),
        ("wiki.txt", Markup.JIRA),
        ("adf.json", Markup.ADF),
    ],
)
def test_markup_is_detected(usecase_text, name, markup):
    assert detect(usecase_text(name)) is markup


def test_cockburn_markdown_reads_fields_steps_and_every_extension_form(usecase_text):
    uc = parse(usecase_text("cockburn.md")).use_case
    assert uc.title == "Borrow a book"
    assert uc.primary_actor == "Member"
    assert uc.secondary_actors == ("Catalogue service", "Librarian")
    assert uc.scope == "Library system"
    assert uc.preconditions == ("The member is signed in.",)
    assert uc.trigger == "The member asks to borrow a book."
    assert [s.id for s in uc.main_flow] == ["1", "2", "3", "4", "5"]
    assert uc.main_flow[0].actor == "Member"
    by_ref = {e.ref: e for e in uc.extensions}
    assert list(by_ref) == ["*a", "2a", "3a", "4a", "2-3a"]
    assert by_ref["*a"].step == "*" and by_ref["*a"].kind is Kind.EXCEPTION
    assert by_ref["*a"].outcome is Outcome.FAIL
    assert by_ref["3a"].kind is Kind.ALTERNATIVE
    assert (by_ref["3a"].outcome, by_ref["3a"].resume_at) == (Outcome.RESUME, "5")
    assert by_ref["4a"].kind is Kind.EXCEPTION
    assert [s.id for s in by_ref["4a"].steps] == ["4a1", "4a2"]
    assert by_ref["2-3a"].step == "2-3"
    assert uc.postconditions == ("The loan is recorded and the copy is reserved for the member.",)


def test_issue_form_body_with_crlf_lazy_numbering_and_no_response(usecase_text):
    text = usecase_text("issue-form.md")
    assert "\r\n" in text
    uc = parse(text).use_case
    assert uc.primary_actor == "Traveller"
    assert uc.secondary_actors == ()
    assert uc.preconditions == ()
    assert [s.id for s in uc.main_flow] == ["1", "2", "3", "4"]
    assert uc.main_flow[2].text == "Traveller picks a seat and pays."
    assert uc.extensions[0].step == "3"
    assert uc.extensions[0].line == 26


def test_rup_flows_under_subheadings_take_their_anchor_from_the_prose(usecase_text):
    uc = parse(usecase_text("rup.md")).use_case
    assert uc.primary_actor == "Member"
    assert uc.secondary_actors == ("Payment gateway",)
    assert len(uc.main_flow) == 5
    invoice, rejected = uc.extensions
    assert (invoice.step, invoice.kind) == ("3", Kind.ALTERNATIVE)
    assert (rejected.step, rejected.kind) == ("4", Kind.EXCEPTION)
    assert rejected.resume_at == "9"


def test_table_with_html_lists_in_cells(usecase_text):
    uc = parse(usecase_text("table.md")).use_case
    assert uc.title == "Report a fault"
    assert uc.primary_actor == "Tenant"
    assert uc.secondary_actors == ("Caretaker", "Ticket system")
    assert [s.text for s in uc.main_flow][1] == "Ticket system opens a ticket."
    assert [e.kind for e in uc.extensions] == [Kind.EXCEPTION]


def test_jira_wiki_markup(usecase_text):
    uc = parse(usecase_text("wiki.txt")).use_case
    assert uc.primary_actor == "Manager"
    assert [s.id for s in uc.main_flow] == ["1", "2", "3", "4"]
    assert uc.extensions[0].ref == "3a"
    assert uc.extensions[0].outcome is Outcome.FAIL
    assert uc.main_flow[0].line == 7


def test_adf_document(usecase_text):
    uc = parse(usecase_text("adf.json")).use_case
    assert uc.title == "Check in a guest"
    assert uc.primary_actor == "Receptionist"
    assert len(uc.main_flow) == 3
    ext = uc.extensions[0]
    assert (ext.ref, ext.kind, ext.outcome) == ("1a", Kind.EXCEPTION, Outcome.FAIL)
    assert uc.main_flow[0].line is None


def test_german_headings(usecase_text):
    uc = parse(usecase_text("german.md")).use_case
    assert uc.title == "Passwort zurücksetzen"
    assert uc.primary_actor == "Kunde"
    assert len(uc.main_flow) == 3
    assert uc.extensions[0].kind is Kind.EXCEPTION
    assert uc.extensions[0].resume_at == "1"
    assert uc.postconditions == ("Das Passwort ist geändert.",)


def test_text_that_is_no_use_case_is_reported_not_raised(usecase_text):
    parsed = parse(usecase_text("not-a-use-case.md"))
    assert parsed.problem is not None
    assert parsed.use_case.main_flow == ()


@pytest.mark.parametrize(
    ("heading", "key_present"),
    [
        ("## Main Success Scenario", True),
        ("## MAIN SUCCESS SCENARIO:", True),
        ("**Basic Flow**", True),
        ("### 2.1 Flow of Events", True),
        ("## Main Succes Scenario", True),
        ("## Hauptszenario", True),
        ("## Scénario nominal", True),
        ("## Flujo básico", True),
        ("## Extension Points", False),
    ],
)
def test_main_flow_headings_by_synonym(heading, key_present):
    uc = parse(f"**Primary actor:** Clerk\n\n{heading}\n\n1. Clerk opens a case.\n").use_case
    assert (len(uc.main_flow) == 1) is key_present


def test_sub_steps_fold_into_their_step_and_remain_valid_targets():
    text = (
        "Primary actor: Pilot\n\n## Main scenario\n\n1. Pilot starts.\n"
        "   * 1.1 System checks the fuel.\n   * 1.2 System checks the weather.\n"
        "2. Pilot takes off.\n\n## Exceptions\n\n1. In step 1.2, the weather is bad.\n"
    )
    uc = parse(text).use_case
    assert len(uc.main_flow) == 2
    assert uc.main_flow[0].sub_ids == ("1.1", "1.2")
    assert "fuel" in uc.main_flow[0].text
    assert uc.extensions[0].step == "1.2"


def test_yaml_front_matter_fields():
    text = (
        "---\ntitle: Submit work\nprimaryActor: student\nsecondaryActors:\n    - grader\n"
        "precondition: The task is done\n---\n\n## Main scenario\n\n* 1) Student pushes.\n"
        "* 2) Grader runs the tests.\n"
    )
    uc = parse(text).use_case
    assert uc.primary_actor == "student"
    assert uc.secondary_actors == ("grader",)
    assert uc.preconditions == ("The task is done",)
    assert len(uc.main_flow) == 2


def test_rup_flow_headings_with_identifiers_and_role_marked_actor_list():
    text = (
        "# Withdraw cash\n\n**Actors:** Customer (primary), Bank (supporting)\n\n"
        "## Basic Flow\n(1) The Customer inserts a card.\n(2) The System asks the Bank.\n"
        "(3) The Customer takes the cash.\n\n## Alternative Flows\n"
        "### Alternative Flow A1: Customer asks for a receipt\nAt step 3 the customer wants one.\n"
        "1. The System prints a receipt.\n2. The flow returns to step 3.\n\n"
        "### Exception Flow E1: Card retained\nAt step 2 the Bank keeps the card.\n"
        "1. The System keeps the card.\n2. The use case ends.\n"
    )
    uc = parse(text).use_case
    assert (uc.primary_actor, uc.secondary_actors) == ("Customer", ("Bank",))
    assert [s.id for s in uc.main_flow] == ["1", "2", "3"]
    receipt, retained = uc.extensions
    assert (receipt.ref, receipt.step, receipt.kind) == ("A1", "3", Kind.ALTERNATIVE)
    assert (receipt.outcome, receipt.resume_at) == (Outcome.RESUME, "3")
    assert (retained.ref, retained.step, retained.kind) == ("E1", "2", Kind.EXCEPTION)
    assert retained.outcome is Outcome.FAIL


def test_step_table_with_an_actor_column():
    text = (
        "Primary actor: Clerk\n\n## Main success scenario\n\n| Step | Actor | Action |\n"
        "|---|---|---|\n| 1 | Clerk | opens the case |\n| 2 | System | stores it |\n"
    )
    uc = parse(text).use_case
    assert [(s.id, s.text) for s in uc.main_flow] == [
        ("1", "Clerk opens the case"), ("2", "System stores it")
    ]


def test_plain_text_key_value_labels(usecase_text):
    uc = parse(usecase_text("plain-labels.txt")).use_case
    assert uc.title == "Register Patient"
    assert (uc.primary_actor, uc.secondary_actors) == (
        "Receptionist", ("Hospital Information System",)
    )
    assert uc.goal == "The receptionist registers a new patient."
    assert len(uc.main_flow) == 4
    assert [(e.ref, e.kind) for e in uc.extensions] == [
        ("3a", Kind.EXCEPTION), ("4a", Kind.EXCEPTION)
    ]
    assert uc.extensions[1].resume_at == "3"
    assert uc.postconditions == ("The patient is registered.",)


def test_bulleted_bold_fields_and_step_words(usecase_text):
    uc = parse(usecase_text("bulleted-fields.md")).use_case
    assert (uc.primary_actor, uc.secondary_actors) == ("Customer", ("Payment provider",))
    assert [s.id for s in uc.main_flow] == ["1", "2", "3"]
    (ext,) = uc.extensions
    assert (ext.step, ext.kind, ext.outcome) == ("3", Kind.EXCEPTION, Outcome.FAIL)


def test_actor_and_system_columns_and_a_bold_flow_title(usecase_text):
    uc = parse(usecase_text("two-column-table.md")).use_case
    assert [s.id for s in uc.main_flow] == ["1", "2", "3", "4", "5", "6"]
    assert uc.main_flow[1].text == "System asks for the PIN."
    (ext,) = uc.extensions
    assert (ext.step, ext.kind, ext.resume_at) == ("3", Kind.EXCEPTION, "3")
    assert len(ext.steps) == 2


def test_step_words_before_extension_labels(usecase_text):
    uc = parse(usecase_text("step-words.txt")).use_case
    assert (uc.primary_actor, uc.secondary_actors) == ("Guest", ("Booking service",))
    assert [(e.ref, e.step, e.kind) for e in uc.extensions] == [
        ("3a", "3", Kind.EXCEPTION), ("4a", "4", Kind.EXCEPTION)
    ]
    assert [s.id for s in uc.extensions[0].steps] == ["1", "2"]


def test_exception_flows_as_sub_headings_with_their_step(usecase_text):
    uc = parse(usecase_text("rup-subheadings.md")).use_case
    assert (uc.primary_actor, uc.secondary_actors) == ("Clerk", ("Storage service",))
    assert [(e.ref, e.step, e.outcome) for e in uc.extensions] == [
        ("E1", "2", Outcome.FAIL), ("E2", "3", Outcome.RESUME)
    ]


def test_html_headings_and_lists_written_into_markdown(usecase_text):
    uc = parse(usecase_text("html.md")).use_case
    assert (uc.title, uc.primary_actor) == ("Renew a library card", "Member")
    assert uc.main_flow[0].text == "Member asks to renew the card."
    assert [(e.ref, e.kind) for e in uc.extensions] == [("2a", Kind.EXCEPTION)]


def test_extensions_written_straight_after_the_steps(usecase_text):
    uc = parse(usecase_text("extensions-after-steps.md")).use_case
    assert uc.primary_actor == "User"
    assert len(uc.main_flow) == 4 and uc.main_flow[3].text == "AddressBook deletes the contact."
    assert [(e.ref, e.kind) for e in uc.extensions] == [
        ("2a", Kind.ALTERNATIVE), ("3a", Kind.EXCEPTION)
    ]
    assert [s.id for s in uc.extensions[1].steps] == ["3a1"]


def test_table_cells_whose_line_breaks_were_lost_still_split_into_items():
    text = (
        "| Primary actor | Clerk |\n|---|---|\n"
        "| Main success scenario | 1. Clerk opens a case.  2. System stores it. "
        "3. Clerk closes it.4.System archives it. |\n"
        "| Extensions | 2a. The store is full.  2a1. System warns the clerk.   "
        "3a. The case is locked. |\n"
        "| Supporting actors | · Archive · Mail server |\n"
    )
    uc = parse(text).use_case
    assert [s.text for s in uc.main_flow] == [
        "Clerk opens a case.", "System stores it.", "Clerk closes it.", "System archives it."
    ]
    assert [e.ref for e in uc.extensions] == ["2a", "3a"]
    assert uc.secondary_actors == ("Archive", "Mail server")


def test_dash_separated_fields_and_inline_yaml_lists():
    dashed = parse("Main Actor - Customer\nSupporting Actors - Bank, Courier\n\n"
                   "Main Flow:\n1. Customer pays.\n2. Bank confirms.\n").use_case
    assert (dashed.primary_actor, dashed.secondary_actors) == ("Customer", ("Bank", "Courier"))
    yaml_list = parse("---\nactors: [student, tutor]\n---\n## Main scenario\n"
                      "1. Student pays.\n2. Tutor confirms.\n").use_case
    assert (yaml_list.primary_actor, yaml_list.secondary_actors) == ("student", ("tutor",))
