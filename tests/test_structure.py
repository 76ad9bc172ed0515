"""Structure first: layouts read right because a real parser decides the structure, and
flows are recognised by their shape when no heading names them."""

from __future__ import annotations

import json

from bot.lint.engine import lint_text
from bot.lint.explain import explain
from bot.usecase.parse import parse
from bot.usecase.read import markdown
from bot.usecase.read.blocks import Heading, ListBlock, Paragraph, Quote, Table, walk


def _undeclared(text: str) -> list[str]:
    return [name for name, _ in parse(text).use_case.undeclared_actors]


def test_setext_heading_double_underscore_bold_and_entities_are_read_by_construction():
    blocks = markdown.read("Main flow\n---------\n\n__Actor:__&emsp;Clerk\n")
    assert isinstance(blocks[0], Heading) and blocks[0].text == "Main flow"
    assert isinstance(blocks[1], Paragraph)
    assert blocks[1].lines[0].text == "**Actor:** Clerk"


def test_a_blockquoted_use_case_is_read_like_an_unquoted_one():
    body = (
        "> Actor: Visitor\n> Main success scenario:\n> 1. Visitor opens the form.\n"
        "> 2. System stores the entry.\n> 3. System thanks the visitor.\n>\n> Extensions:\n"
        "> 2a. The entry is invalid: System shows an error. Use case ends.\n"
    )
    uc = parse(body).use_case
    assert uc.primary_actor == "Visitor"
    assert [s.id for s in uc.main_flow] == ["1", "2", "3"]
    assert [e.ref for e in uc.extensions] == ["2a"]
    assert any(isinstance(b, Quote) for b in markdown.read(body))


def test_html_table_cells_keep_steps_apart_and_nested_lists_become_items():
    body = (
        "<table><tr><th>Actor</th><td>Clerk</td></tr>\n"
        "<tr><th>Main flow</th><td>1. Clerk opens a case<br/>2. System files it<BR >"
        "3. System confirms<ol type='a'><li>sub</li></ol></td></tr>\n"
        "<tr><th>Exceptions</th><td>2a. Filing fails: System warns Clerk. Use case ends.</td>"
        "</tr></table>\n"
    )
    tables = [b for b in walk(markdown.read(body)) if isinstance(b, Table)]
    assert len(tables) == 1 and len(tables[0].rows) == 3
    cell = tables[0].rows[1].cells[1]
    assert cell[:3] == ("1. Clerk opens a case", "2. System files it", "3. System confirms")
    uc = parse(body).use_case
    assert [s.id for s in uc.main_flow] == ["1", "2", "3"]
    assert uc.extensions[0].ref == "2a"


def test_unclosed_and_misnested_html_is_read_without_losing_text():
    blocks = markdown.read("<ul><li>one<li>two<ol><li>deep</ul>\n\nafter\n")
    lists = [b for b in walk(blocks) if isinstance(b, ListBlock)]
    assert len(lists) == 2
    assert [it.marker for it in lists[0].items] == ["-", "-"]


def test_an_unknown_heading_over_numbered_steps_is_the_main_flow():
    body = (
        "# File a claim\n\nActor: Member\n\n## How it goes\n\n1. Member opens a claim.\n"
        "2. System checks the policy.\n3. System pays the claim.\n\n"
        "## Notes\n\nNothing special.\n"
    )
    uc = parse(body).use_case
    assert uc.main_flow[0].text == "Member opens a claim."
    assert len(uc.main_flow) == 3


def test_a_second_list_restarting_at_one_after_a_title_is_another_flow():
    body = (
        "Actor: Member\n\nHow it goes:\n\n1. Member uploads a file.\n2. System reads it.\n\n"
        "Wrong file format:\n\n1. Same as above.\n2. System rejects the file.\n"
    )
    uc = parse(body).use_case
    assert len(uc.main_flow) == 2
    assert len(uc.extensions) == 1


def test_actor_and_system_columns_interleave_into_one_flow_by_their_numbers():
    body = (
        "| Use case | Add a card |\n|---|---|---|\n| Actor | Member | |\n"
        "| Basic flow | Actor | System |\n"
        "| 1. Member opens the profile<br>3. Member enters the card | "
        "2. System shows the profile<br>4. System stores the card |\n"
    )
    uc = parse(body).use_case
    assert [s.text[:8] for s in uc.main_flow] == ["Member o", "System s", "Member e", "System s"]


def test_a_main_flow_field_that_links_to_its_section_is_followed():
    body = (
        "| Field | Value |\n|---|---|\n| Primary actor | Clerk |\n"
        "| Main flow | [PR: Register](#pr-register) |\n\n## PR: Register\n\n"
        "1. Clerk enters the data.\n2. System saves it.\n3. System confirms.\n"
    )
    assert len(parse(body).use_case.main_flow) == 3


def test_a_party_nobody_declared_that_acts_in_several_steps_is_undeclared():
    body = (
        "# Return a parcel\n\n**Primary actor:** Customer\n\n## Main success scenario\n\n"
        "1. Customer asks to return a parcel.\n2. The bursar checks the receipt.\n"
        "3. The bursar pays the refund.\n4. System confirms the refund.\n"
    )
    assert _undeclared(body) == ["bursar"]


def test_a_flow_label_is_never_an_actor():
    body = (
        "**Primary actor:** Clerk\n\n## Main flow\n\n1. Clerk opens the case.\n"
        "2. System saves the case.\n\n## Alternative flows\n\n"
        "### AL01 Inativar Cliente\n\n1. Clerk closes the case.\n"
    )
    assert not any(any(ch.isdigit() for ch in n) for n in _undeclared(body))


def test_explain_says_what_each_line_became_and_why():
    body = (
        "# Buy a thing\n\n## Who wants this\n\nCustomer\n\n## How it goes\n\n"
        "1. Customer picks a thing.\n2. System charges the card.\n3. System ships it.\n\n"
        "## Extensions\n\n2a. The card is declined: System tells Customer. Use case ends.\n"
    )
    lines = explain(parse(body), body)
    by_no = {int(ln.split()[0]): ln for ln in lines if ln.split()[0].isdigit()}
    assert "no known section: 'Who wants this'" in by_no[3]
    assert "main flow: no heading names one" in by_no[7]
    assert "step 2" in by_no[10]
    assert "extension 2a at step 2: exception" in by_no[15]


def test_a_missing_section_finding_names_the_headings_found_and_the_configuration_key():
    body = "# Buy a thing\n\n## Who wants this\n\nCustomer\n\n## Steps\n\nCustomer buys.\n"
    finding = next(f for f in lint_text(body).findings if f.rule == "missing-primary-actor")
    assert "Who wants this" in finding.message
    assert "Buy a thing" not in finding.message
    assert "sections.primary_actor" in finding.message


def test_an_unfilled_template_gets_findings_and_no_phantom_content():
    body = (
        "## Primary Actor\n[**Primary Actor Text. List the users of the use case**]\n\n"
        "## Preconditions\n[1. ____________\n2. ____________\n**These are the prerequisites**]\n\n"
        "## Main Success Scenario\n[1. ____________\n2. ____________\n"
        "**Describe how the steps reach the goal**]\n\n"
        "## Extensions\n_Describe what can go wrong_\n"
    )
    uc = parse(body).use_case
    assert (uc.primary_actor, uc.preconditions, uc.main_flow, uc.extensions) == (None, (), (), ())
    assert uc.undeclared_actors == ()
    rules = {f.rule for f in lint_text(body).findings}
    assert {"missing-primary-actor", "missing-main-flow"} <= rules


def test_house_flow_labels_anchor_on_the_step_that_names_them_and_count_once():
    body = (
        "| Field | Value |\n|---|---|\n| Primary actor | Clerk |\n"
        "| Exception flows | [EX01: Form incomplete](#ex01) |\n\n## Main flow\n\n"
        "1. Clerk opens the form.\n2. Clerk fills in the form [[EX01](#ex01)].\n"
        "3. System saves it.\n\n## Exception flows\n\n### EX01: Form incomplete\n\n"
        "1. System shows the missing fields.\n2. Back to step 2.\n"
    )
    exts = parse(body).use_case.extensions
    assert [(e.ref, e.step, e.kind.value, len(e.steps)) for e in exts] == [
        ("EX01", "2", "exception", 2)
    ]


def test_extensions_written_after_step_labelled_items_under_a_plain_title_are_split_off():
    body = (
        "Use case: Register for a course\nActor: Student\n\nSteps\n"
        "  Step 1: Student opens the catalogue.\n  Step 2: System lists the courses.\n"
        "  Step 3: Student picks a course.\n\nWhat can go wrong\n"
        "  Step 3a: The course is full. System offers the waiting list. End.\n"
    )
    uc = parse(body).use_case
    assert [s.id for s in uc.main_flow] == ["1", "2", "3"]
    assert [e.ref for e in uc.extensions] == ["3a"]


def test_a_wiki_table_cell_holding_a_link_is_one_cell():
    body = (
        "|| Field || Value ||\n| *Primary actor* | Clerk |\n"
        "| *Main flow* | [PR: Register|#pr-register] |\n\nh2. {anchor:pr-register}PR: Register\n"
        "# Clerk enters the data.\n# System saves it.\n# System confirms.\n"
    )
    uc = parse(body).use_case
    assert uc.primary_actor == "Clerk"
    assert len(uc.main_flow) == 3


def test_two_bold_labels_on_one_line_are_two_fields():
    body = "**Primary actor:** Clerk **Secondary actors:** Archive\n\n## Main flow\n1. Clerk files."
    uc = parse(body).use_case
    assert (uc.primary_actor, uc.secondary_actors) == ("Clerk", ("Archive",))


def test_declared_actors_are_noun_phrases_without_labels_descriptions_or_the_system():
    body = (
        "**Primary actor:** Patient: a person seeking medical attention\n\n"
        "**Supporting actors:** E2 The clerk, System (Mister Ed), Lab server\n\n"
        "## Main flow\n1. Patient registers.\n2. The clerk checks the entry.\n"
    )
    uc = parse(body).use_case
    assert uc.primary_actor == "Patient"
    assert uc.secondary_actors == ("The clerk", "Lab server")


def test_restructuredtext_titles_with_any_underline_and_auto_numbers_are_read():
    body = (
        "======================\nUse case: Renew a book\n======================\n\n"
        "Primary actor\n~~~~~~~~~~~~~\nMember\n\nMain success scenario\n^^^^^^^^^^^^^^^^^^^^^\n"
        "#. Member opens the loans.\n#. System shows them.\n#. Member renews one.\n\n"
        "Extensions\n^^^^^^^^^^\n3a. The book is reserved: System refuses. Use case ends.\n"
    )
    blocks = markdown.read(body)
    assert [b.text for b in blocks if isinstance(b, Heading)] == [
        "Use case: Renew a book", "Primary actor", "Main success scenario", "Extensions"
    ]
    uc = parse(body).use_case
    assert (uc.primary_actor, len(uc.main_flow), uc.extensions[0].ref) == ("Member", 3, "3a")
    assert uc.main_flow[0].line == 11


def test_a_plural_actor_list_declares_supporting_actors_and_a_singular_label_does_not():
    flow = "\n\n## Main flow\n1. Clerk opens the case.\n2. System files it.\n"
    several = parse("**Actors:** Clerk, Archive, Auditor" + flow).use_case
    assert (several.primary_actor, several.secondary_actors) == ("Clerk", ("Archive", "Auditor"))
    one = parse("**Actor:** Clerk, Officer" + flow).use_case
    assert (one.primary_actor, one.secondary_actors) == ("Clerk", ())


def test_with_no_steps_and_no_actor_declared_the_intro_shows_who_acts():
    body = "### UC07 - Parken\nNutzer hat sein Ziel erreicht und parkt.\n\n### Vorbedingung:\nKeine"
    assert _undeclared(body) == ["Nutzer"]


def test_a_verb_followed_by_a_clause_acts_on_nothing():
    body = (
        "**Primary actor:** Student\n\n## Main flow\n1. Student submits the task.\n"
        "2. Der Vergleich ergibt, dass nichts fehlt.\n3. The comparison shows that all is well.\n"
        "4. Der Vergleich ergibt, dass alles passt.\n5. The comparison shows that it passed.\n"
    )
    assert _undeclared(body) == []


def test_an_unnumbered_actor_and_system_table_is_the_main_flow_in_row_order():
    body = (
        "Actors: Librarian\n\n| Actor action | System response |\n|---|---|\n"
        "| Librarian scans the member card | |\n| | System shows the loans |\n"
        "| Librarian scans the book | |\n| | System records the loan |\n"
    )
    uc = parse(body).use_case
    assert [s.actor for s in uc.main_flow] == ["Librarian", "System", "Librarian", "System"]


def test_task_list_boxes_are_not_part_of_the_steps():
    body = (
        "### Primary actor\nAdmin\n\n### Main flow\n- [ ] Admin opens the user list\n"
        "- [x] System shows all users\n- [ ] Admin bans a user\n\n### Exceptions\n"
        "- [ ] 3a. The user is already banned: System warns Admin. Use case ends.\n"
    )
    uc = parse(body).use_case
    assert [s.text for s in uc.main_flow][:2] == ["Admin opens the user list",
                                                 "System shows all users"]
    assert [(e.ref, e.step) for e in uc.extensions] == [("3a", "3")]


def test_lettered_steps_are_steps_in_their_order():
    body = (
        "**Acteur principal :** Client\n\n**Scénario nominal :**\na) Le client saisit son nom.\n"
        "b) Le système vérifie le nom.\nc) Le système ouvre la session.\n"
    )
    uc = parse(body).use_case
    assert (uc.main_flow[0].id, uc.main_flow[0].text) == ("1", "Le client saisit son nom.")
    assert len(uc.main_flow) == 3


def test_adf_task_lists_and_expands_are_read_like_lists_and_sections():
    def text(t: str) -> dict[str, object]:
        return {"type": "text", "text": t}

    def heading(t: str) -> dict[str, object]:
        return {"type": "heading", "attrs": {"level": 2}, "content": [text(t)]}

    doc = {"type": "doc", "version": 1, "content": [
        heading("Primary actor"), {"type": "paragraph", "content": [text("Clerk")]},
        heading("Main flow"),
        {"type": "taskList", "content": [
            {"type": "taskItem", "content": [text("Clerk opens the case.")]},
            {"type": "taskItem", "content": [text("System files it.")]},
        ]},
        {"type": "expand", "attrs": {"title": "More"}, "content": [
            heading("Extensions"),
            {"type": "paragraph", "content": [text("2a. Filing fails: System warns Clerk.")]},
        ]},
    ]}
    uc = parse(json.dumps(doc)).use_case
    assert [s.text for s in uc.main_flow] == ["Clerk opens the case.", "System files it."]
    assert [e.ref for e in uc.extensions] == ["2a"]


def test_full_width_colons_end_labels_as_ascii_ones_do():
    body = (
        "主要参与者：顾客\n前置条件：顾客已登录\n基本事件流：\n1. 顾客选择商品。\n"
        "2. 系统显示价格。\n3. 顾客付款。\n异常事件流：\n3a. 付款失败：系统提示错误。用例结束。\n"
    )
    uc = parse(body).use_case
    assert (uc.primary_actor, uc.preconditions, len(uc.main_flow)) == ("顾客", ("顾客已登录",), 3)
    assert [(e.ref, e.kind.value) for e in uc.extensions] == [("3a", "exception")]


def test_extension_letters_in_cyrillic_and_a_second_table_after_a_blank_line():
    russian = (
        "**Основной актёр:** Покупатель\n\n**Основной сценарий:**\n"
        "1. Покупатель открывает корзину.\n2. Система показывает товары.\n"
        "3. Покупатель подтверждает заказ.\n\n**Расширения:**\n"
        "3а. Товара нет на складе: Система сообщает об этом. Прецедент завершается.\n"
    )
    assert [(e.ref, e.step, e.kind.value) for e in parse(russian).use_case.extensions] == [
        ("3а", "3", "exception")
    ]
    two_tables = (
        "| Use case | Login |\n|---|---|\n| Actor | User |\n\n"
        "| Actor action | System response |\n|---|---|\n| 1. User opens the form | |\n"
        "| | 2. System shows it |\n| 3. User signs in | |\n"
    )
    assert len(parse(two_tables).use_case.main_flow) == 3
