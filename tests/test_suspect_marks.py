"""What counts as a change of a use case's flows, and how the Stories list marks a suspect
story in each markup."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.lint import comment as render
from bot.reconcile.desired import flows_digest
from bot.usecase.parse import parse

BASE = """Primary actor: Customer

Main success scenario:
1. Customer puts goods in the cart.
2. System shows the total.
3. Customer pays.

Extensions:
3a. The payment is declined:
  3a1. System shows the reason.
  3a2. Resume at step 3.
"""


def _digest(text: str) -> str:
    return flows_digest(parse(text).use_case)


@pytest.mark.parametrize(("edit", "changed"), [
    (lambda t: "# Buy goods\n\n" + t, False),                                    # a title
    (lambda t: t.replace("Customer pays.", "Customer   PAYS."), False),           # spacing, case
    (lambda t: t.replace("Primary actor: Customer", "Primary actor: Shopper"), False),
    (lambda t: t + "\nPostconditions: the order is stored.\n", False),
    (lambda t: t.replace("shows the total.", "shows the total with tax."), True),
    (lambda t: t.replace("3. Customer pays.", "3. Customer pays.\n4. System thanks."), True),
    (lambda t: t.replace("The payment is declined", "The card has expired"), True),
    (lambda t: t.replace("3a.", "2a."), True),
    (lambda t: t + "1a. The cart is empty:\n  1a1. System says so.\n", True),
])
def test_only_the_main_flow_and_the_extensions_conditions_make_a_change(edit, changed):
    assert (_digest(edit(BASE)) != _digest(BASE)) is changed


STORIES = [render.StoryLine("#2", "Pay with a voucher", suspect_since=date(2026, 11, 23)),
           render.StoryLine("#3", "Pay by card")]
SAYS = "⚠ suspect: the use case's flows changed on 2026-11-23 after this story was linked"


def test_the_mark_sits_under_its_story_in_markdown_and_wiki_markup():
    doc = render.lint_doc([], STORIES, [])
    markdown = render.markdown(doc, render.LINT_MARKER)
    assert f"- #2 Pay with a voucher\n  {SAYS}" in markdown
    assert "`/usecase reviewed` on the story once it is checked" in markdown
    assert markdown.count("⚠") == 1
    wiki = render.wiki(doc)
    assert f"* #2 Pay with a voucher\n** {SAYS}" in wiki
    assert "{{/usecase reviewed}}" in wiki


def test_the_mark_is_part_of_its_storys_list_item_in_adf():
    content = render.adf(render.lint_doc([], STORIES, []))["content"]
    (stories,) = [n for n in content if n["type"] == "bulletList"]
    first, second = stories["content"]
    assert len(first["content"]) == 2 and SAYS in json.dumps(first, ensure_ascii=False)
    assert "⚠" not in json.dumps(second, ensure_ascii=False)
