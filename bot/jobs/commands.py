"""The `/usecase` commands: one registry that dispatches them on both trackers and renders
`/usecase help`, so what the help says and what runs cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.lint import comment as render
from bot.lint.registry import RULES
from bot.reconcile import Issue, Tracker, reconcile_issue
from bot.reconcile.apply import ensure_reply
from bot.reconcile.desired import display, key_of
from bot.reconcile.reconciler import reconciles, review_story
from bot.reconcile.tracker import STORY
from bot.usecase.stories import Command, commands, parent_references

# More than this in one comment is a paste gone wrong, not a request.
MAX_COMMANDS = 10

# What a command answers: a paragraph for the one reply, or None when the issue speaks.
Run = Callable[[Tracker, Issue, str | None], list[render.Block] | None]


@dataclass(frozen=True)
class Verb:
    name: str
    usage: str
    summary: str
    run: Run


def _check(tracker: Tracker, issue: Issue, argument: str | None) -> list[render.Block] | None:
    reconcile_issue(tracker, issue.key)  # read afresh: the event may be older than the issue
    return None


def _ignore(tracker: Tracker, issue: Issue, argument: str | None) -> list[render.Block] | None:
    if argument not in RULES:
        return render.text_doc(f"There is no rule `{argument}`; `/usecase help` lists them.")
    tracker.state.ignore(issue.key, argument)
    reconcile_issue(tracker, issue.key, issue)
    return None


def _link(tracker: Tracker, issue: Issue, argument: str | None) -> list[render.Block] | None:
    refs = parent_references(f"Use case: {argument or ''}")
    parent = key_of(refs[0], tracker.name, issue.scope) if refs else None
    if parent is None:
        return render.text_doc(
            "Name the use case as `#12` (GitHub, this repository), `owner/repo#12` or an "
            "issue URL (GitHub), or `PROJ-12` (Jira): e.g. `/usecase link PROJ-12`.")
    if issue.kind != STORY:
        return render.text_doc("Only a story is linked to a use case.")
    before = tracker.state.link(issue.key)
    # The use case it leaves loses it from its list.
    left = before.parent_key if before is not None and before.parent_key != parent else None
    tracker.state.save_link(issue.key, parent, "command", False, reconciles(tracker, left))
    reconcile_issue(tracker, issue.key, issue)
    return None


def _reviewed(tracker: Tracker, issue: Issue, argument: str | None
              ) -> list[render.Block] | None:
    if issue.kind != STORY:
        return render.text_doc("Only a story is reviewed against its use case.")
    review = review_story(tracker, issue.key)
    if review is None:
        return render.text_doc("This story is linked to no use case yet; "
                               "`/usecase link <use case>` links it.")
    parent = display(review.parent, issue.scope)
    if not review.was_suspect:
        return render.text_doc(f"Noted: this story matches {parent}, whose flows have not "
                               "changed since it was linked or last reviewed.")
    return render.text_doc(f"Noted: this story still matches {parent}; it is no longer "
                           "marked suspect there.")


def _help(tracker: Tracker, issue: Issue, argument: str | None) -> list[render.Block] | None:
    return help_doc()


VERBS = {v.name: v for v in (
    Verb("check", "/usecase check", "lint this issue again now", _check),
    Verb("link", "/usecase link <use case>",
         "make this story part of a use case: #12, owner/repo#12, an issue URL or PROJ-12",
         _link),
    Verb("ignore", "/usecase ignore <rule>", "stop reporting a rule on this issue", _ignore),
    Verb("reviewed", "/usecase reviewed",
         "on a story: it still matches its use case, whose flows changed since it was linked",
         _reviewed),
    Verb("help", "/usecase help", "show this list", _help),
)}


def help_doc() -> list[render.Block]:
    return render.help_doc([(v.usage, v.summary) for v in VERBS.values()])


def asks(text: str) -> bool:
    """Whether a comment holds a command at all, before anything is read for it."""
    return bool(commands(text))


def answer(tracker: Tracker, issue: Issue, note: str, author: str, text: str,
           shown: str | None = None) -> None:
    """Run the commands of the comment `note` and give it at most one reply. `shown`: the
    author's name as people know it, where the tracker's id for them is not."""
    # The same command twice in one comment asks for one thing.
    found = list(dict.fromkeys(commands(text)))
    if not found:
        return
    if not tracker.may_command(issue, author):
        _reply(tracker, issue, note, render.text_doc(
            f"Sorry {shown or author}, only people who may edit this issue can give usecase-bot "
            "commands."))
        return
    said: list[render.Block] = []
    for command in found[:MAX_COMMANDS]:
        said += _run(tracker, issue, command) or []
    if len(found) > MAX_COMMANDS:
        said += render.text_doc(f"Only the first {MAX_COMMANDS} commands of a comment run; "
                                f"{len(found) - MAX_COMMANDS} more were left alone.")
    if said:
        _reply(tracker, issue, note, said)


def _run(tracker: Tracker, issue: Issue, command: Command) -> list[render.Block] | None:
    verb = VERBS.get(command.verb)
    if verb is None:
        return render.text_doc(
            f"`/usecase {command.verb}` is not a command; `/usecase help` lists them.")
    return verb.run(tracker, issue, command.argument)


def _reply(tracker: Tracker, issue: Issue, note: str, doc: list[render.Block]) -> None:
    doc = [*doc, *render.answering(note)]
    body = tracker.render(doc, render.REPLY_MARKER)
    ensure_reply(tracker, issue, render.REPLY_MARKER, render.answering_text(note), body)
