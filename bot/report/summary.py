"""The report as people read it in a tracker: the living issue's body (Markdown) and the
Jira comment (wiki markup or ADF), built once as the bot's small comment document.

A body must stay under the tracker's limit; long lists are shortened to their first
entries and say how many more there are and where the whole report is, never cut
mid-line."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from bot.lint import comment as render
from bot.lint.comment import Block, Segment, doc_block

REPORT_MARKER = "<!-- usecase-bot:report -->"
TITLE = "Scope drift report"
LABEL = "scope-drift-report"
# Entries shown per list, tried in turn until the body fits; None: all of them.
LIST_STEPS = (None, 200, 50, 10, 0)
WHERE = "the whole report: `/reports/latest` on the bot, or `usecase-bot report --format json`"

_LISTS = ("orphan_stories", "suspect_stories", "changed_use_cases", "new_use_cases",
          "uncovered_use_cases", "stories_on_closed_use_cases", "stories_per_use_case")
_TOTALS = (("use_cases", "Use cases"), ("stories", "Stories"),
           ("linked_stories", "Stories linked to a use case"),
           ("orphan_stories", "Orphan stories"), ("uncovered_use_cases", "Uncovered use cases"),
           ("incomplete_use_cases", "Incomplete use cases"))


def report_doc(report: dict[str, Any], previous_totals: dict[str, int] | None,
               shown: int | None) -> list[Block]:
    """`previous_totals`: the totals of the report before, for the change since; `shown`:
    entries per list (None: every one)."""
    since = f"; compared with {report['previous']}" if report["previous"] else \
        "; the first snapshot, so nothing to compare with yet"
    doc = [doc_block("heading", TITLE),
           doc_block("para", f"Generated {report['generated_at']}{since}.")]
    for key, name in _TOTALS:
        now = report["totals"][key]
        change = "" if previous_totals is None or key not in previous_totals else \
            f" ({now - previous_totals[key]:+d})"
        doc.append(doc_block("item", f"{name}: ", (str(now), "strong"), change))

    def section(title: str, entries: Sequence[Any],
                row: Callable[[Any], list[str | Segment]]) -> None:
        if not entries:
            return
        doc.append(doc_block("heading", f"{title} ({len(entries)})"))
        # Only the rows shown are made: a list may have tens of thousands.
        doc.extend(doc_block("item", *row(entry)) for entry in islice(entries, shown))
        if shown is not None and len(entries) > shown:
            doc.append(doc_block("para", f"… and {len(entries) - shown} more: see {WHERE}."))

    section("Orphan stories", report["orphan_stories"], lambda o: [
        o["ref"], f" {o['title']}", " (new)" if o["new"] else "",
        f"; maybe {', '.join(o['suggested_parents'])}" if o["suggested_parents"] else ""])
    section("Suspect stories", report["suspect_stories"], lambda s: [
        s["ref"], f": its use case {s['use_case']} changed {s['use_case_changed']}"])
    section("Use cases whose flows changed", report["changed_use_cases"],
            lambda c: [c["ref"], f": {_flow_change(c)}"])
    section("New use cases", report["new_use_cases"], lambda ref: [ref])
    section("Use cases no story covers", report["uncovered_use_cases"], lambda ref: [ref])
    section("Open stories of closed use cases", report["stories_on_closed_use_cases"],
            lambda ref: [ref])
    section("Stories per use case", report["stories_per_use_case"], lambda row: [
        row["ref"], f": {row['stories']}",
        f" (+{row['added_since_previous']})" if row["added_since_previous"] else ""])
    return doc


def _flow_change(change: dict[str, Any]) -> str:
    parts = [f"{len(change[key])} {what}" for key, what in
             (("steps_added", "steps added"), ("steps_removed", "steps removed"),
              ("extensions_added", "extensions added"),
              ("extensions_removed", "extensions removed")) if change[key]]
    return ", ".join(parts) or "reworded"


def fitted(report: dict[str, Any], previous_totals: dict[str, int] | None,
           write: Callable[[list[Block]], str], limit: int) -> str:
    """The fullest rendering of the report that stays within `limit` characters."""
    body = ""
    for shown in LIST_STEPS:
        if shown != LIST_STEPS[-1] and _refs_length(report, shown) > limit:
            continue  # cannot fit: its refs alone are longer, so it is not even written
        body = write(report_doc(report, previous_totals, shown))
        if len(body) <= limit:
            return body
    return body


def _refs_length(report: dict[str, Any], shown: int | None) -> int:
    """The characters the lists' shown refs take, each on a line: less than any body."""
    return sum(len(entry if isinstance(entry, str) else entry["ref"]) + 1
               for key in _LISTS for entry in islice(report[key], shown))


def markdown(report: dict[str, Any], previous_totals: dict[str, int] | None,
             limit: int = 65_536) -> str:
    return fitted(report, previous_totals, lambda doc: render.markdown(doc, REPORT_MARKER),
                  limit)


def jira_body(report: dict[str, Any], previous_totals: dict[str, int] | None,
              api_version: int, limit: int = 32_767) -> tuple[Any, str]:
    """The Jira comment in the issue's markup, and its text as measured against the limit."""
    def write(doc: list[Block]) -> str:
        signed = render.tagged(doc, REPORT_MARKER)
        if api_version == 3:
            return json.dumps(render.adf(signed), sort_keys=True)
        return render.wiki(signed)

    text = fitted(report, previous_totals, write, limit)
    if api_version == 3:
        return json.loads(text), text
    return text, text
