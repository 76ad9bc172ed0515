"""Any supported markup in, one structured `UseCase` out, one way: text → block tree
(`read/`) → lines → labelled sections (`sections`) → use case (`interpret`). Never raises
on input."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.usecase.interpret import interpret
from bot.usecase.model import UseCase
from bot.usecase.read import adf, markdown, wiki
from bot.usecase.read.blocks import Block, to_lines
from bot.usecase.sections import Field, segment
from bot.usecase.synonyms import IGNORED, Extra
from bot.usecase.text import Line


class Markup(StrEnum):
    AUTO = "auto"
    MARKDOWN = "markdown"
    JIRA = "jira"
    ADF = "adf"


@dataclass(frozen=True)
class Parsed:
    use_case: UseCase
    markup: Markup
    # Why the text could not be read as a use case, when it could not.
    problem: str | None = None
    # The labelled sections the text was cut into, for explaining the reading.
    fields: tuple[Field, ...] = ()


_WIKI_SIGNS = re.compile(
    r"^h[1-6]\.\s|^\|\|.+\|\||\{(?:code|noformat|panel|quote|anchor|color)[:}]|^\*\*?\s|"
    r"^#+\s|\[[^\]|\[]{1,200}\|[^\]\[]{1,500}\]|^\*[^*\s][^*\n]{0,200}\*:?\s",
    re.MULTILINE,
)
_MD_SIGNS = re.compile(
    r"^#{1,6}\s|\*\*[^*]+\*\*|^\s*\d+[.)]\s|^\|?\s*:?-{3,}|_No response_|\]\([^)]*\)|^\s*[-+]\s",
    re.MULTILINE,
)


def detect(text: str) -> Markup:
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = json.loads(stripped)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and (doc.get("type") == "doc" or "content" in doc):
            return Markup.ADF
    wiki = sum(1 for m in _WIKI_SIGNS.finditer(text) if not m.group(0).startswith("#"))
    hashes = len(re.findall(r"^#{1,6}\s", text, re.MULTILINE))
    numbered_hash_lists = len(re.findall(r"^#\s.*\n#\s", text, re.MULTILINE))
    markdown = len(_MD_SIGNS.findall(text))
    if re.search(r"^h[1-6]\.\s", text, re.MULTILINE) or (
        numbered_hash_lists and wiki >= 1 and wiki + numbered_hash_lists > markdown - hashes
    ):
        return Markup.JIRA
    return Markup.MARKDOWN


def blocks_of(text: str, markup: Markup) -> list[Block]:
    """The block tree of a text in its markup (one of the three, never AUTO)."""
    if markup is Markup.ADF:
        try:
            return adf.read(json.loads(text))
        except ValueError:
            return markdown.read(text)
    if markup is Markup.JIRA:
        return wiki.read(text)
    return markdown.read(text)


def lines_of(text: str, markup: Markup) -> list[Line]:
    return to_lines(blocks_of(text, markup))


def parse(text: str, markup: Markup = Markup.AUTO, extra: Extra = ()) -> Parsed:
    """`extra` adds a team's own heading words (see `synonyms.extra_words`)."""
    try:
        if markup is Markup.AUTO:
            markup = detect(text)
        fields = segment(lines_of(text, markup), extra)
        use_case = interpret(fields)
    except RecursionError:
        return Parsed(UseCase(), Markup.ADF, "the text nests too deeply to read")
    return Parsed(use_case, markup, _problem(use_case), tuple(fields))


def _problem(uc: UseCase) -> str | None:
    known = set(uc.sections) - {"title", IGNORED}
    if not known and not uc.main_flow:
        return "no section of a use case was found (no actor, flow, conditions or extensions)"
    return None
