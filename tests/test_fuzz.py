"""No parser raises, whatever it is given; what it returns keeps its invariants."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.lint.engine import lint_text
from bot.usecase.model import Outcome
from bot.usecase.parse import Markup, parse

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.sampled_from(
    ["Customer", "System", "the", "card", "is", "invalid", "pays", "with", "a", "voucher",
     "Use case ends.", "Resume at step 2.", "TBD", "<br>", "|", "**", "_", "#", "*", ":",
     "step", "3a", "Kunde", "système", "UAV", "already", "empty", "(", ")", "[x](y)"]
)
phrase = st.lists(words, min_size=0, max_size=8).map(" ".join)
headings = st.sampled_from(
    ["Primary Actor", "Main Success Scenario", "Extensions", "Exceptions", "Alternative Flows",
     "Preconditions", "Trigger", "Supporting Actors", "Basic Flow", "Hauptszenario",
     "Scenario 1.1", "Use case", "Stakeholders and Interests", "Postconditions", "Whatever"]
)


def _piece(draw_label: str, text: str, n: int) -> str:
    return {
        "atx": f"{'#' * (n % 6 + 1)} {draw_label}",
        "bold": f"**{draw_label}:** {text}",
        "kv": f"{draw_label}: {text}",
        "num": f"{n}. {text}",
        "lazy": f"1. {text}",
        "step": f"Step {n}: {text}",
        "ext": f"{n}a. {text}",
        "extsub": f"  {n}a{n}. {text}",
        "star": f"*a. {text}",
        "rup": f"E{n}. {text} at step {n}",
        "bullet": f"{' ' * (n % 5)}* {text}",
        "table": f"| {draw_label} | {text} |",
        "sep": "|---|---|",
        "html": f"<table><tr><td>{draw_label}</td><td><ol><li>{text}</li></ol></td></tr>",
        "setext": f"{draw_label}\n{'=' * (n % 4 + 1)}",
        "fence": "```",
        "quote": f"> {text}",
        "front": "---",
        "blank": "",
    }[draw_label.split("|")[0] if "|" in draw_label else "blank"]


piece = st.builds(
    lambda kind, label, text, n: _piece(f"{kind}|{label}", text, n).replace(f"{kind}|", ""),
    st.sampled_from(["atx", "bold", "kv", "num", "lazy", "step", "ext", "extsub", "star", "rup",
                     "bullet", "table", "sep", "html", "setext", "fence", "quote", "front",
                     "blank"]),
    headings,
    phrase,
    st.integers(min_value=0, max_value=30),
)
markdown_docs = st.tuples(st.lists(piece, max_size=40), st.sampled_from(["\n", "\r\n", "\r"])).map(
    lambda t: t[1].join(t[0])
)


def _check(text: str, markup: Markup = Markup.AUTO) -> None:
    parsed = parse(text, markup)
    uc = parsed.use_case
    n_lines = text.count("\n") + text.count("\r") + 1
    for step in uc.main_flow:
        assert step.line is None or 1 <= step.line <= n_lines
    for ext in uc.extensions:
        assert (ext.outcome is Outcome.RESUME) == (ext.resume_at is not None)
    json.dumps(uc.spec_dict())
    lint_text(text, markup)


@FUZZ
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text):
    for markup in Markup:
        _check(text, markup)


@FUZZ
@given(markdown_docs)
def test_markdown_from_the_grammar_pieces_never_raises(text):
    _check(text)


wiki_line = st.builds(
    lambda prefix, text: f"{prefix}{text}",
    st.sampled_from(["h2. ", "h7. ", "# ", "## ", "*# ", "* ", "** ", "||", "|", "{code}",
                     "{anchor:x}", "*Primary actor:* ", "", "bq. "]),
    phrase,
)


@FUZZ
@given(st.lists(wiki_line, max_size=40).map("\n".join))
def test_jira_wiki_never_raises(text):
    _check(text, Markup.JIRA)
    _check(text)


adf_text = st.fixed_dictionaries(
    {"type": st.just("text"), "text": st.one_of(phrase, st.integers(), st.none())},
    optional={"marks": st.lists(st.fixed_dictionaries({"type": st.sampled_from(
        ["strong", "em", "code", 7])}), max_size=2)},
)
adf_node = st.recursive(
    adf_text,
    lambda children: st.fixed_dictionaries(
        {"type": st.sampled_from(["paragraph", "heading", "orderedList", "bulletList",
                                  "listItem", "table", "tableRow", "tableCell", "blockquote",
                                  "codeBlock", "hardBreak", "mention", "rule", "weird", 3])},
        optional={
            "content": st.one_of(st.lists(children, max_size=5), st.text(max_size=5),
                                 st.none()),
            "attrs": st.one_of(
                st.fixed_dictionaries({}, optional={
                    "level": st.one_of(st.integers(-3, 9), st.text(max_size=2)),
                    "order": st.one_of(st.integers(-5, 5), st.none()),
                    "text": phrase,
                }),
                st.text(max_size=3),
            ),
        },
    ),
    max_leaves=40,
)
adf_docs = st.one_of(
    st.builds(lambda content: {"type": "doc", "version": 1, "content": content},
              st.lists(adf_node, max_size=8)),
    adf_node,
    st.lists(adf_node, max_size=3),
    st.none(),
    st.integers(),
)


@FUZZ
@given(adf_docs)
def test_adf_shaped_json_never_raises(doc):
    _check(json.dumps(doc), Markup.ADF)
    _check(json.dumps(doc))


def test_deep_nesting_is_reported_not_raised():
    depth = 5000
    text = '{"type":"doc","content":[' + '{"type":"bulletList","content":[' * depth
    text += "]}" * depth + "]}"
    for markup in (Markup.ADF, Markup.AUTO):
        parsed = parse(text, markup)
        assert parsed.problem is not None
