"""No reader raises, whatever it is given, and what each returns keeps its invariants: only
blocks, line numbers inside the source, list nesting within `MAX_DEPTH`, no `<br>` left in
a table cell, no word of plain prose lost, unique step ids in the main flow."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.lint.engine import lint_text
from bot.trackers import github_events, jira_events
from bot.usecase import actors
from bot.usecase.model import Outcome
from bot.usecase.parse import Markup, parse
from bot.usecase.read import adf, html, markdown, wiki
from bot.usecase.read.blocks import (
    MAX_DEPTH,
    Block,
    Code,
    FrontMatter,
    Heading,
    Item,
    ListBlock,
    Paragraph,
    Quote,
    Row,
    Rule,
    Table,
    Text,
    to_lines,
    walk,
)
from bot.web.app import BadRequest, read_payload

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- invariants


def _source_lines(text: str) -> int:
    return len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _numbers(block: Block) -> list[int | None]:
    """Every line number a block carries itself (not those of the blocks inside it)."""
    if isinstance(block, Heading | Rule):
        return [block.line]
    if isinstance(block, Paragraph | Code | FrontMatter):
        return [t.line for t in block.lines]
    if isinstance(block, Table):
        return [row.line for row in block.rows]
    if isinstance(block, ListBlock):
        return [item.line for item in block.items]
    return []


def _well_typed(block: Block) -> bool:
    if isinstance(block, Heading):
        return isinstance(block.text, str) and 1 <= block.level <= 6
    if isinstance(block, Paragraph | Code | FrontMatter):
        return all(isinstance(t, Text) and isinstance(t.text, str) for t in block.lines)
    if isinstance(block, ListBlock):
        return all(isinstance(i, Item) and isinstance(i.marker, str) for i in block.items)
    if isinstance(block, Table):
        return all(
            isinstance(row, Row)
            and all(isinstance(c, tuple) and all(isinstance(s, str) for s in c) for c in row.cells)
            for row in block.rows
        )
    return isinstance(block, Quote | Rule)


def _item_depth(blocks: Sequence[Block]) -> int:
    """How many list items enclose the deepest one (0 for an item of a top-level list)."""
    deepest = -1
    for block in blocks:
        if isinstance(block, Quote):
            deepest = max(deepest, _item_depth(block.blocks))
        elif isinstance(block, ListBlock):
            for item in block.items:
                deepest = max(deepest, 0, 1 + _item_depth(item.blocks))
    return deepest


def _check_tree(blocks: list[Block], first: int | None, last: int | None) -> None:
    """Only blocks, each well formed; line numbers None or within `first..last` (all None
    when the source has no lines)."""
    assert isinstance(blocks, list)
    for block in walk(blocks):
        assert isinstance(block, Block), block
        assert _well_typed(block), block
        for no in _numbers(block):
            if first is None or last is None:
                assert no is None, block
            else:
                assert no is None or first <= no <= last, (no, block)


# A tag name follows its `<` at once: "< br >" is text.
_BREAK = re.compile(r"<br\b[^<>]*>", re.IGNORECASE)


def _check_cells(blocks: list[Block]) -> None:
    tables = [b for b in walk(blocks) if isinstance(b, Table)]
    for line in to_lines(tables):
        assert not _BREAK.search(line.text), line.text


def _check_parse(text: str, markup: Markup = Markup.AUTO) -> None:
    parsed = parse(text, markup)
    uc = parsed.use_case
    n_lines = _source_lines(text)
    ids = [step.id for step in uc.main_flow]
    assert len(ids) == len(set(ids)), ids
    for step in uc.main_flow:
        assert step.line is None or 1 <= step.line <= n_lines
    for ext in uc.extensions:
        assert (ext.outcome is Outcome.RESUME) == (ext.resume_at is not None)
    json.dumps(uc.spec_dict())
    lint_text(text, markup)


def _check_markdown(text: str) -> None:
    blocks = markdown.read(text)
    _check_tree(blocks, 1, _source_lines(text))
    _check_cells(blocks)
    _check_parse(text)


# ---------------------------------------------------------------- arbitrary text


@FUZZ
@given(st.text(max_size=2000))
@example("<table><tr><td>a<br>b</td></tr></table>\n\n| x<BR >y | <ol><li>z</ol> |\n|-|-|")
def test_arbitrary_text_never_raises(text):
    _check_tree(markdown.read(text), 1, _source_lines(text))
    _check_tree(wiki.read(text), 1, _source_lines(text))
    for markup in Markup:
        _check_parse(text, markup)


# ---------------------------------------------------------------- Markdown from a grammar

ENTITIES = ["&emsp;", "&nbsp;", "&amp;", "&#8195;", "&#x2003;", "&copy;", "&notanentity;", "&"]
BREAKS = ["<br>", "<br/>", "<br />", "<BR >", "<Br/>", "<br\nclass=x>"]
word = st.sampled_from(
    ["Customer", "System", "the", "card", "is", "invalid", "pays", "with", "a", "voucher",
     "Use case ends.", "Resume at step 2.", "TBD", "step", "3a", "Kunde", "système", "UAV",
     "(", ")", "[x](y)", "**Actor:**", "_note_", "*", "1.", "2)", "\\|", *ENTITIES]
)
phrase = st.lists(word, min_size=0, max_size=8).map(" ".join)
headings = st.sampled_from(
    ["Primary Actor", "Main Success Scenario", "Extensions", "Exceptions", "Alternative Flows",
     "Preconditions", "Trigger", "Supporting Actors", "Basic Flow", "Hauptszenario",
     "Scenario 1.1", "Use case", "Stakeholders and Interests", "Postconditions", "Whatever"]
)
html_list = st.builds(
    lambda tag, attrs, items: f"<{tag}{attrs}>"
    + "".join(f"<li{value}>{text}{close}" for value, text, close in items)
    + f"</{tag}>",
    st.sampled_from(["ol", "ul", "OL"]),
    st.sampled_from(["", ' type="a"', ' type="A" start="3"', ' type="i" start="4"',
                     ' start="x"', " start=2", ' type="I"']),
    st.lists(st.tuples(st.sampled_from(["", ' value="7"', " value=2", ' value="b"']), phrase,
                       st.sampled_from(["", "</li>", "</LI >"])), min_size=1, max_size=4),
)
cell = st.lists(
    st.one_of(phrase, st.sampled_from(BREAKS), html_list, st.sampled_from(["<b>", "</b>"])),
    max_size=5,
).map(" ".join).map(lambda c: c.replace("\n", " ").replace("|", "\\|"))


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    width = len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([align] * width) + "|"]
    lines += ["| " + " | ".join((r + [""] * width)[:width]) + " |" for r in rows]
    return lines


table = st.builds(
    _table,
    st.lists(st.one_of(headings, cell), min_size=1, max_size=4),
    st.lists(st.lists(cell, max_size=5), max_size=5),
    st.sampled_from(["---", ":--", ":-:", "--:", "-"]),
)
html_block = st.builds(
    lambda opener, body, closer: [f"{opener}{body}{closer}"],
    st.sampled_from(["<table><tr><td>", "<div>", "<table>\n<tr>\n<td>", "<ol>", "<p>"]),
    st.one_of(cell, html_list),
    st.sampled_from(["</td></tr></table>", "</div>", "", "</ol>", "</td>"]),
)
leaf = st.one_of(
    st.builds(lambda text: [text], phrase),
    st.lists(phrase, min_size=1, max_size=3),
    st.builds(lambda n, h, t: [f"{'#' * n} {h} {t}".rstrip()], st.integers(1, 7), headings,
              phrase),
    st.builds(lambda h, u: [h, u], headings, st.sampled_from(["===", "---", "=", "-- -"])),
    st.builds(lambda label, text: [f"**{label}:** {text}"], headings, phrase),
    st.builds(lambda label, text: [f"{label}: {text}"], headings, phrase),
    table,
    html_block,
    st.builds(lambda fence, info, body, closed: [fence + info, *body] + ([fence] if closed else []),
              st.sampled_from(["```", "~~~", "````"]), st.sampled_from(["", "text", "md"]),
              st.lists(phrase, max_size=3), st.booleans()),
    st.just(["---"]),
    st.just(["    indented code"]),
)


def _item(marker: str, text: str, children: list[str], shift: int) -> list[str]:
    # `shift` moves the children off the item's content column, as people do by hand.
    pad = " " * max(len(marker) + 1 + shift, 0)
    return [f"{marker} {text}".rstrip(), *[pad + ln if ln else "" for ln in children]]


def _blocks_of(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    item = st.builds(
        _item,
        st.sampled_from(["-", "*", "+", "1.", "2.", "10.", "1)", "3)"]),
        phrase,
        st.one_of(st.just([]), children),
        st.integers(-2, 2),
    )
    listing = st.lists(item, min_size=1, max_size=4).map(lambda items: [*chain(*items)])
    quote = children.map(lambda lines: [f"> {ln}" if ln else ">" for ln in lines])
    return st.one_of(listing, quote)


block = st.recursive(leaf, _blocks_of, max_leaves=12)
front_matter = st.sampled_from(
    [[], ["---", "title: Pay", "actors: [Customer, Bank]", "---"], ["---", "key: <br>", "---"]]
)
markdown_docs = st.builds(
    # A block without a blank line after it runs into the next, as lazy writers do.
    lambda front, blocks, newline: newline.join(
        chain(front, *([*b, ""] if gap else b for b, gap in blocks))
    ),
    front_matter,
    st.lists(st.tuples(block, st.booleans()), max_size=10),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


@FUZZ
@given(markdown_docs)
@example("- Customer\n | <br> |\n |---|")  # a <br> once pushed later lines past the source
@example("```")  # an empty fence at the end once had a line after the text
@example("| a | b |\n|---|---|\n| x<br>y<BR >z | <ol type=\"a\" start=\"3\"><li>p<li value=9>q"
         "</ol> |\n\n> - 1. x\n>   2) y\n\nTitle\n===\n&emsp;Step&nbsp;1")
def test_markdown_from_the_grammar_keeps_the_invariants(text):
    _check_markdown(text)


def _laid_out_words(blocks: list[Block]) -> Counter[str]:
    return Counter(w for line in to_lines(blocks) for w in line.text.split())


plain_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éßÜ",
                     min_size=1, max_size=8)
plain_lines = st.lists(st.lists(plain_word, min_size=1, max_size=8).map(" ".join), min_size=1,
                       max_size=6)


@FUZZ
@given(plain_lines, st.sampled_from(["\n", "\n\n", "\r\n"]))
def test_no_word_of_plain_prose_is_lost(lines, newline):
    text = newline.join(lines)
    wanted = Counter(text.split())
    doc = {"type": "doc", "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": ln}]} for ln in lines
    ]}
    for blocks in (markdown.read(text), wiki.read(text), adf.read(doc),
                   html.read(f"<p>{text}</p>", 1, markdown.inline_lines)):
        assert not wanted - _laid_out_words(blocks)


# ---------------------------------------------------------------- HTML fragments

tag_names = st.sampled_from(["table", "tr", "td", "th", "thead", "tbody", "ol", "ul", "li", "p",
                             "div", "b", "strong", "u", "br", "h2", "h7", "pre", "script",
                             "style", "template", "span", "blockquote", "TD", "Li"])
attributes = st.sampled_from(["", ' type="a"', ' type="i" start="3"', ' start="-1"',
                              " value=4", ' value="x"', ' class="a"', " start", " value"])
html_token = st.one_of(
    st.builds(lambda t, a: f"<{t}{a}>", tag_names, attributes),
    st.builds(lambda t: f"</{t}>", tag_names),
    st.sampled_from([*BREAKS, "<!-- c -->", "<!DOCTYPE html>", "<![CDATA[x]]>", "<?x?>", "<",
                     "</", "<li", "<td", "&lt;", "&emsp;", "&#0;", "\n", "\n\n", " | "]),
    phrase,
)

def _nested_lists(tags: list[str], closed: list[bool], text: str) -> str:
    """Lists inside list items, one per tag, each closed or left open."""
    opened = "".join(f"<{tag}><li>{text}" for tag in tags)
    return opened + "".join(f"</li></{tag}>" if close else ""
                            for tag, close in zip(reversed(tags), closed, strict=False))


nested_lists = st.builds(
    _nested_lists,
    st.lists(st.sampled_from(["ul", "ol", 'ol type="a"', "UL"]), max_size=14),
    st.lists(st.booleans(), max_size=14),
    phrase,
)
html_fragments = st.lists(st.one_of(html_token, nested_lists), max_size=30).map("".join)


@FUZZ
@given(html_fragments, st.sampled_from([None, 1, 7]))
@example('<ol type="a" start="3"><li>x<li value="9">y<ol><li>z</ol></ol>'
         "<table><tr><td>a<br/>b<table><tr><td>c<BR >d</td></tr></table>", 1)
@example("<script><td></script><style>x<br></style><td>y", None)
@example("<table><tr><td>" * 12 + "<ul>" * 12 + "<li>deep", None)
def test_html_fragments_keep_the_invariants(fragment, line):
    blocks = html.read(fragment, line, markdown.inline_lines)
    last = None if line is None else line + _source_lines(fragment) - 1
    _check_tree(blocks, line, last)
    assert _item_depth(blocks) <= MAX_DEPTH
    _check_cells(blocks)
    for text in html.cell_lines(fragment, markdown.inline_lines):
        assert not _BREAK.search(text), text
    for item_line in to_lines(blocks):
        assert item_line.indent <= 2 * MAX_DEPTH + 2, item_line
    one_line = fragment.replace("\n", " ")
    _check_markdown(f"<div>\n{fragment}\n</div>\n\n| a | b |\n|---|---|\n| {one_line} | x |")


# ---------------------------------------------------------------- Jira wiki markup

wiki_line = st.builds(
    lambda prefix, text: f"{prefix}{text}",
    st.sampled_from(["h2. ", "h7. ", "# ", "## ", "*# ", "#*#", "* ", "** ", "*" * 12 + " ",
                     "- ", "||", "|", "{code}", "{quote}", "{anchor:x}", "*Primary actor:* ",
                     "", "bq. ", "----", "   ", "\t# "]),
    phrase,
)


wiki_list = st.lists(
    st.builds(lambda markers, text: f"{markers} {text}x",
              st.text(alphabet="*#-", min_size=1, max_size=12), phrase),
    min_size=1, max_size=12,
).map("\n".join)


@FUZZ
@given(st.lists(st.one_of(wiki_line, wiki_list), max_size=12).map("\n".join))
@example("\n".join(f"{'*#' * i} step {i}" for i in range(1, 14)))
def test_jira_wiki_keeps_the_invariants(text):
    blocks = wiki.read(text)
    _check_tree(blocks, 1, _source_lines(text))
    assert _item_depth(blocks) <= MAX_DEPTH
    _check_parse(text, Markup.JIRA)
    _check_parse(text)


# ---------------------------------------------------------------- ADF-shaped JSON

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


def _adf_nested(kinds: list[str], text: str) -> dict[str, object]:
    node: dict[str, object] = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    for kind in kinds:
        item = {"type": "listItem", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}, node]}
        node = {"type": kind, "content": [item]}
    return node


adf_docs = st.one_of(
    st.builds(lambda kinds, text: {"type": "doc", "content": [_adf_nested(kinds, text)]},
              st.lists(st.sampled_from(["bulletList", "orderedList", "blockquote"]),
                       max_size=14),
              phrase),
    st.builds(lambda content: {"type": "doc", "version": 1, "content": content},
              st.lists(adf_node, max_size=8)),
    adf_node,
    st.lists(adf_node, max_size=3),
    st.none(),
    st.integers(),
)


@FUZZ
@given(adf_docs)
def test_adf_shaped_json_keeps_the_invariants(doc):
    blocks = adf.read(doc)
    _check_tree(blocks, None, None)
    assert _item_depth(blocks) <= MAX_DEPTH
    _check_parse(json.dumps(doc), Markup.ADF)
    _check_parse(json.dumps(doc))


def test_deep_nesting_is_reported_not_raised():
    depth = 5000
    text = '{"type":"doc","content":[' + '{"type":"bulletList","content":[' * depth
    text += "]}" * depth + "]}"
    for markup in (Markup.ADF, Markup.AUTO):
        parsed = parse(text, markup)
        assert parsed.problem is not None


# ---------------------------------------------------------------- the actor index

actor_word = st.sampled_from(["officer", "offi", "office", "clerk", "c", "co", "bank",
                              "banking", "b", "ab", "a", "bo", "ocb", "x"])
actor_name = st.lists(actor_word, max_size=4).map(tuple)


@settings(max_examples=200, deadline=None)
@given(st.lists(actor_name, max_size=8), actor_name)
def test_the_actor_index_finds_the_first_declared_actor_same_party_finds(declared, subject):
    first = next((i for i, d in enumerate(declared) if actors.same_party(subject, d)), None)
    assert actors.Roster(declared).first(subject) == first


# ---------------------------------------------------------------- a delivery's JSON

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text() | st.sampled_from(["\ud800", "\udfff", "\U0001f600", "\x00"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=20,
)
json_texts = st.one_of(
    st.builds(json.dumps, json_values, ensure_ascii=st.booleans()),
    st.text(),  # mostly not JSON at all
    st.sampled_from(["NaN", "[Infinity, -Infinity]", '{"a": 1, "a": 2}', "1e400", " [1] ",
                     '"\\ud800"', '["\\udc00\\ud800"]', "[" * 300 + "]" * 300, "0" * 5000]),
)


def _object(keys: list[str], values: st.SearchStrategy[str],
            usual: Sequence[tuple[str, str]] = ()) -> st.SearchStrategy[str]:
    """A JSON object's text, keys repeated at times (the last one counts): some of the
    `usual` pairs (a key and a value's text) and some random ones, in any order."""
    pair = st.tuples(st.sampled_from(keys) | st.text(max_size=3), values)
    some_usual = st.lists(st.sampled_from(usual), min_size=3, max_size=8) if usual else st.just([])
    pairs = st.tuples(some_usual, st.lists(pair, max_size=4 if usual else 6))
    return pairs.flatmap(lambda both: st.permutations(both[0] + both[1])).map(
        lambda pairs: "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs) + "}")


# Values the routing reads, so that generated payloads reach every branch of it.
routed_leaf = st.builds(json.dumps, json_values | st.integers(0, 2**64) | st.sampled_from([
    "opened", "created", "deleted", "sub_issue_added", "Octo/hello", "PROJ-12", "12",
    "jira:issue_created", "jira:issue_updated", "comment_created", "issuelink_created",
    "description", "Labels"]))
routed_value = st.recursive(
    routed_leaf,
    lambda inner: st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]")
    | _object(["number", "full_name", "key", "id", "sourceIssueId", "destinationIssueId",
               "items", "field"], inner),
    max_leaves=15,
)
github_payloads = _object(["action", "repository", "issue", "parent_issue"], routed_value, [
    ("action", '"opened"'), ("action", '"created"'), ("action", '"sub_issue_added"'),
    ("action", '"parent_issue_removed"'), ("repository", '{"full_name": "Octo/hello"}'),
    ("issue", '{"number": 3}'), ("parent_issue", '{"number": 4}'),
    ("parent_issue", '{"number": 4.0}'), ("issue", "null")])
jira_payloads = _object(["webhookEvent", "issue_event_type_name", "timestamp", "issue",
                         "comment", "changelog", "issueLink"], routed_value, [
    ("webhookEvent", '"jira:issue_updated"'), ("webhookEvent", '"issuelink_created"'),
    ("webhookEvent", '"comment_created"'), ("issue", '{"key": "PROJ-12"}'),
    ("issue_event_type_name", '"issue_generic"'), ("timestamp", "1733000000000"),
    ("comment", '{"id": "10"}'), ("changelog", '{"items": [{"field": "Labels"}]}'),
    ("changelog", "{}"), ("issueLink", '{"id": 5, "sourceIssueId": 1, '
                                       '"destinationIssueId": "2"}')])


def _github_routing(payload: dict[str, object]) -> object:
    return [github_events.route(event, payload) for event in github_events.HANDLED], \
        github_events.repo_of(payload), payload.get("action")


def _jira_routing(payload: dict[str, object]) -> object:
    return (jira_events.route(payload), jira_events.event_name(payload),
            jira_events.project_of(payload), jira_events.action_of(payload),
            jira_events.dedup_key(None, payload, b"body"))


def _routed(text: str, read: Callable[[str], dict[str, object]],
            routing: Callable[[dict[str, object]], object]) -> tuple[str, object]:
    try:
        payload = read(text)
    except (ValueError, BadRequest):
        return "refused", None
    return ("routed", routing(payload)) if isinstance(payload, dict) else ("refused", None)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_texts, github_payloads))
@example('{"action": "opened", "issue": {"number": 1}, "issue": null}')
@example('{"issue": null, "issue": {"number": 7}, "action": "opened", '
         '"repository": {"full_name": "a/b"}}')
def test_a_github_delivery_is_routed_as_the_worker_reads_it_or_refused_as_it_would_be(text):
    mine = _routed(text, lambda t: read_payload(t, github_events.ROUTING), _github_routing)
    # json.dumps, not ==: it tells 1 from 1.0 and -0.0 from 0.0, and sees into lists.
    assert json.dumps(mine) == json.dumps(_routed(text, json.loads, _github_routing))


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_texts, jira_payloads))
@example('{"webhookEvent": "jira:issue_updated", "issue": {"key": "A-1"}, "comment": {}, '
         '"changelog": {"items": [{"field": "x"}]}, "changelog": null}')
def test_a_jira_delivery_is_routed_as_the_worker_reads_it_or_refused_as_it_would_be(text):
    mine = _routed(text, lambda t: read_payload(t, jira_events.ROUTING), _jira_routing)
    assert json.dumps(mine) == json.dumps(_routed(text, json.loads, _jira_routing))
