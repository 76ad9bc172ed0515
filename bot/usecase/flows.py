"""Read the main flow and the extensions out of a section's lines."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from bot.usecase import classify
from bot.usecase.items import FLOW_LABEL, Item, Label, read_item
from bot.usecase.model import Extension, Step
from bot.usecase.synonyms import extension_hint
from bot.usecase.text import Line, clean_inline, sentences

_NOTHING = re.compile(
    r"^(?:none\.?|n/?a\.?|-+|—|–|nothing|keine\.?|ingen\.?|geen\.?|aucune?\.?|ninguno\.?|"
    r"_no response_|no response)$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"^(?:\s*(?:\[[^\]]*\]|<[^<>]{2,40}>|\.\.\.|…|_{3,}|TBD|TBC|TODO|FIXME|XXX|\?\?\?)\s*[:.]?)+$",
    re.IGNORECASE,
)
_TERMINATOR = re.compile(
    r"^(?:the )?use case (?:ends|terminates|stops|is finished)\.?$|^end\.?$", re.IGNORECASE
)
_META = re.compile(
    r"^(?:you\b|see\b|refer\b|note\b|please\b|for (?:more|details)|"
    r"(?:the )?use case (?:begins|starts))",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"\?$|^(?:what|which|where|how|who|why|waar|welke|wat|hoe|wie|van welke|welche|was|wie|wo|"
    r"quel|quelle|qué|cuál|hvad|hvilke)\b",
    re.IGNORECASE,
)


def is_empty_text(text: str) -> bool:
    stripped = text.strip().strip("*_").strip()
    return not stripped or bool(_NOTHING.match(stripped)) or bool(_PLACEHOLDER.match(stripped))


def _is_prompt(line: Line) -> bool:
    """Template prompts left in place: `_put the steps here_`, `[step #] [action]`."""
    text = line.text.strip()
    if re.fullmatch(r"_[^_].*_|\*[^*].*\*", text) and not text.startswith("**") and \
            len(text.split()) >= 3:
        return True  # a sentence in italics; one italic word is a value ("_user_")
    return is_empty_text(clean_inline(text)) or _PLACEHOLDER.match(text) is not None


@dataclass
class _Node:
    item: Item
    extra: list[str] = field(default_factory=list)
    sub_ids: list[str] = field(default_factory=list)

    def full_text(self) -> str:
        return " ".join([self.item.text, *self.extra]).strip()


def usable(lines: list[Line]) -> list[Line]:
    """Lines that are content: no quotes, no template prompts, even multi-line ones (an
    italic paragraph, or a bracketed block such as `[1. ____` … `Describe the steps]`)."""
    out: list[Line] = []
    closing = ""
    for ln in lines:
        text = ln.text.strip()
        if closing:
            closing = "" if text.endswith(closing) else closing
            continue
        if text.startswith("_") and not text.startswith("__") and not text.endswith("_"):
            closing = "_"
            continue
        if text.startswith("[") and "]" not in text:
            closing = "]"
            continue
        if not text.startswith(">") and not _is_prompt(ln):
            out.append(ln)
    return out


# ---------------------------------------------------------------- main flow


def main_flow(lines: list[Line]) -> tuple[list[Step], list[tuple[str, int | None]]]:
    """The top-level steps, with sub-steps folded in, and the step references they make."""
    lines = [ln for ln in usable(lines) if not ln.flow_title]
    items = [read_item(ln) for ln in lines]
    top = _top_level(items)
    steps = _prose_steps(lines) if top is None else _list_steps(items, top)
    refs = [(m.group(1), s.line) for s in steps for m in classify.RESUME.finditer(s.text)]
    return steps, refs


def split_off_extensions(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Extensions written straight after the steps, with no heading of their own
    (`3a. The index is invalid.` under the main flow), and the steps before them."""
    items = [read_item(ln) for ln in lines]
    numbered = [it.indent for it in items if it.kind in (Label.NUMBER, Label.STEP)]
    if not numbered:
        return lines, []
    base = min(numbered)
    for i, item in enumerate(items):
        if item.kind is Label.COCKBURN and item.indent <= base + 1 and any(
            it.kind in (Label.NUMBER, Label.STEP) for it in items[:i]
        ):
            cut = i
            if i >= 2 and items[i - 1].kind is Label.NONE and not items[i - 1].bullet \
                    and lines[i - 2].blank and not lines[i - 1].blank:
                cut = i - 1  # "What can go wrong" over the extensions only titles them
            return lines[:cut], lines[i:]
    return lines, []


def split_at_restart(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """A second numbered list that starts again at 1 after a line of prose is another flow
    ("Alternative scenario – wrong file:"): the steps before it, and it with its title as
    a flow title."""
    items = [read_item(ln) for ln in lines]
    seen_number = False
    title: int | None = None
    for i, item in enumerate(items):
        if item.line.blank:
            continue
        if item.kind is Label.NUMBER:
            if seen_number and title is not None and item.label == "1":
                rest = [Line(clean_inline(lines[title].text), lines[title].no, flow_title=True),
                        *lines[title + 1 :]]
                return lines[:title], rest
            seen_number, title = True, None
        elif seen_number and item.kind is Label.NONE and not item.bullet:
            title = i if title is None else title
    return lines, []


def _top_level(items: list[Item]) -> set[int] | None:
    """Indices of the items that are top-level steps, or None for a prose flow."""
    step_prefixed = {
        i for i, it in enumerate(items) if it.kind is Label.STEP and "." not in it.label
    }
    if step_prefixed:
        return step_prefixed
    numbered = [i for i, it in enumerate(items) if it.kind is Label.NUMBER]
    if numbered:
        base = min(items[i].indent for i in numbered)
        return {i for i in numbered if items[i].indent <= base + 1}
    lettered = [i for i, it in enumerate(items) if it.kind is Label.LETTER]
    if len(lettered) >= 2:
        base = min(items[i].indent for i in lettered)
        return {i for i in lettered if items[i].indent <= base + 1}
    bullets = [i for i, it in enumerate(items) if it.bullet and it.kind is Label.NONE and it.text]
    if bullets:
        base = min(items[i].indent for i in bullets)
        return {i for i in bullets if items[i].indent <= base + 1}
    return None


def _list_steps(items: list[Item], top: set[int]) -> list[Step]:
    nodes: list[_Node] = []
    for i, item in enumerate(items):
        if i in top:
            nodes.append(_Node(item))
        elif nodes and not item.line.blank:
            if item.kind in (Label.SUB, Label.NUMBER, Label.STEP) and item.label:
                nodes[-1].sub_ids.append(item.label)
            if not _TERMINATOR.match(item.text):
                nodes[-1].extra.append(item.text)
    numbers = [n.item.label for n in nodes]
    renumber = (
        not numbers
        or not all(lbl.isdigit() for lbl in numbers)
        or any(int(b) <= int(a) for a, b in itertools.pairwise(numbers))
    )
    nodes = [n for n in nodes if n.full_text()]
    steps = []
    for index, node in enumerate(nodes, 1):
        written = node.item.label
        sid = str(index) if renumber else written
        subs = [s for s in node.sub_ids if s != sid]
        if renumber and written:
            subs = [f"{sid}{s[len(written) :]}" if s.startswith(written + ".") else s for s in subs]
        steps.append(
            Step(id=sid, text=node.full_text(), line=node.item.line.no, sub_ids=tuple(subs))
        )
    return steps


def _prose_steps(lines: list[Line]) -> list[Step]:
    """A flow written as sentences: one step per sentence, questions and notes left out."""
    units: list[tuple[str, int | None]] = []
    previous: Line | None = None
    detail_next = False
    for line in lines:
        text = clean_inline(line.text)
        if not text:
            previous = None
            continue
        joins = (
            previous is not None
            and not re.search(r"[.!?:]$", units[-1][0] if units else "")
            and not text[:1].isupper()
        )
        if joins and units:
            units[-1] = (units[-1][0] + " " + text, units[-1][1])
        else:
            if detail_next or _QUESTION.search(text):
                detail_next = False
                previous = line
                continue
            units.append((text, line.no))
        detail_next = text.endswith(":")
        previous = line
    steps: list[Step] = []
    for text, no in units:
        for sentence in sentences(text):
            if _TERMINATOR.match(sentence) or _META.match(sentence) or is_empty_text(sentence):
                continue
            steps.append(Step(id=str(len(steps) + 1), text=sentence, line=no))
    return steps


# ---------------------------------------------------------------- extensions


@dataclass
class _Draft:
    ref: str
    anchor: str | None
    condition: str
    line: int | None
    label: str
    indent: int
    from_heading: bool = False
    steps: list[tuple[str, str, int | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ended: bool = False

    def texts(self) -> list[str]:
        return [self.condition, *[s[1] for s in self.steps], *self.notes]


def _anchor_from_text(text: str) -> str | None:
    m = classify.STEP_MENTION.search(text)
    return m.group(1) if m else None


def extensions(lines: list[Line], hint: str | None) -> list[Extension]:
    """Every flow of an extensions section, each with its condition, steps and ending."""
    lines = usable(lines)
    body = [ln for ln in lines if not ln.blank]
    if not body or all(is_empty_text(clean_inline(ln.text)) for ln in body):
        return []
    items = [read_item(ln, bare_numbers=True) for ln in lines]
    shape = _shape_of(items)
    drafts: list[_Draft] = []
    current: _Draft | None = None
    blank_before = False
    for index, item in enumerate(items):
        if item.line.blank:
            blank_before = True
            continue
        new = _titled(item.line) if item.line.flow_title else _labelled(item, index, shape,
                                                                          current)
        if new is None and (current is None or (
                current.ended and blank_before and item.indent <= current.indent)):
            if current is not None:
                current = None  # prose after a flow that ended is no flow of its own
                blank_before = False
                continue
            new = _Draft("", _anchor_from_text(item.text), item.text, item.line.no, "",
                         item.indent)
        blank_before = False
        if new is not None:
            current = None if classify.POINTER.search(new.condition) else new
            if current is not None:
                drafts.append(current)
        elif current is not None:
            _attach(current, item)
    return [_finish(d, i, hint) for i, d in enumerate(drafts, 1) if d.condition or d.steps]


@dataclass(frozen=True)
class _Shape:
    """How a section writes its flows, which decides what starts a new one."""

    headed: bool  # flows have titles of their own
    labelled: bool  # Cockburn or RUP labels are used
    numbered: bool
    base_number: int
    base_bullet: int
    # Numbered items count 1, 2, 3 … rather than naming the steps they hang on.
    counters: bool
    # "1 Input is negative" followed by "1a. System asks again": the number is the flow.
    parents: frozenset[int]


def _shape_of(items: list[Item]) -> _Shape:
    numbered = [it for it in items if it.kind is Label.NUMBER]
    listed = [it for it in items if it.bullet and it.kind is Label.NONE and it.text]
    base_number = min((it.indent for it in numbered), default=0)
    number_labels = [it.label for it in numbered if it.indent <= base_number + 1]
    parents = set()
    for i, item in enumerate(items):
        if item.kind is Label.NUMBER:
            following = next((it for it in items[i + 1 :] if it.kind in _LABELLED), None)
            if following is not None and following.anchor == item.label:
                parents.add(i)
    return _Shape(
        headed=any(it.line.flow_title for it in items),
        labelled=any(it.kind in (Label.COCKBURN, Label.RUP) for it in items),
        numbered=bool(numbered),
        base_number=base_number,
        base_bullet=min((it.indent for it in listed), default=0),
        counters=number_labels == [str(n) for n in range(1, len(number_labels) + 1)],
        parents=frozenset(parents),
    )


_LABELLED = (Label.COCKBURN, Label.RUP, Label.NUMBER)
_TITLE_LABEL = re.compile(
    r"^(?:(?:alternat\w*|exception\w*|error|basic|sub)\s+(?:flow|course|path)s?\s*)?"
    r"(\d+(?:\.\d+)*|[A-Z]{1,3}\d+(?:\.\d+)*)\b",
    re.IGNORECASE,
)


def _titled(line: Line) -> _Draft:
    """A flow under a title of its own ("Alternative flow 2 (step 3): Pay later")."""
    title = clean_inline(line.text)
    m = _TITLE_LABEL.match(title)
    label = m.group(1) if m else ""
    return _Draft(label, _anchor_from_text(title), title, line.no, label, line.indent,
                  from_heading=True)


def _labelled(item: Item, index: int, shape: _Shape, current: _Draft | None) -> _Draft | None:
    """The flow an item starts by its label, or None when it continues the current one."""
    text, no, indent = item.text, item.line.no, item.indent
    if item.kind is Label.COCKBURN:
        if current is not None and current.label.isdigit() and item.anchor == current.label:
            return None  # "1 Input is negative" then "1a. ...": the handling of flow 1
        return _Draft(item.label, item.anchor, text, no, item.label, indent)
    if item.kind is Label.STEP and not shape.headed and (
            current is None or current.ended or indent <= current.indent):
        # "Step 3: the refund fails" under Exceptions hangs on step 3.
        return _Draft(item.label, item.label, text, no, item.label, indent)
    if item.kind is Label.RUP:
        return _Draft(item.label, _anchor_from_text(text), text, no, item.label, indent)
    if (item.kind is Label.NUMBER and not shape.headed
            and (not shape.labelled or index in shape.parents)
            and indent <= shape.base_number + 1):
        counted = shape.counters and index not in shape.parents
        anchor = _anchor_from_text(text) or (None if counted else item.label)
        return _Draft(item.label, anchor, text, no, item.label, indent)
    if (item.kind is Label.NONE and item.bullet and not shape.headed and not shape.labelled
            and not shape.numbered and indent <= shape.base_bullet + 1):
        return _Draft("", _anchor_from_text(text), text, no, "", indent)
    return None


def _attach(draft: _Draft, item: Item) -> None:
    text = item.text
    if not text:
        return
    if draft.from_heading and not draft.steps and item.kind is Label.NONE and not item.bullet:
        # The prose under a flow's heading states its condition ("If at step 4 ...").
        draft.condition = f"{draft.condition}: {text}" if draft.condition else text
        draft.anchor = draft.anchor or _anchor_from_text(text)
    elif item.kind is not Label.NONE or item.bullet:
        sid = item.label or f"{draft.ref}{len(draft.steps) + 1}"
        draft.steps.append((sid, text, item.line.no))
    elif draft.steps:
        draft.notes.append(text)
    else:
        draft.notes.append(text)
    last = draft.texts()[-1]
    if (
        classify.RESUME.search(last)
        or _TERMINATOR.match(last)
        or re.search(r"use case (?:ends|resumes|terminates)", last, re.IGNORECASE)
    ):
        draft.ended = True


def _finish(draft: _Draft, index: int, hint: str | None) -> Extension:
    label = draft.label
    if draft.from_heading and extension_hint(draft.condition.split(":")[0]) == "exception":
        label = "E"  # a flow headed "Exception flow 2: ..." is labelled an exception
    steps = [Step(id=sid, text=text, line=no) for sid, text, no in draft.steps]
    return build_extension(draft.ref or draft.anchor or str(index), draft.anchor,
                           draft.condition, steps, draft.notes, hint, label, draft.line)


def build_extension(ref: str, anchor: str | None, condition: str, steps: list[Step],
                    notes: list[str], hint: str | None, label: str,
                    line: int | None) -> Extension:
    """An extension with its kind and ending decided from its condition and handling."""
    condition = condition.rstrip(":").strip()
    texts = [condition, *(s.text for s in steps), *notes]
    kind, evidence = classify.classify(condition, " ".join(texts[1:]), hint, label)
    end, resume_at = classify.outcome(texts, kind)
    return Extension(ref=ref, step=anchor, condition=condition, kind=kind, steps=tuple(steps),
                     outcome=end, resume_at=resume_at, line=line, evidence=evidence)


def anchored_by_mention(exts: list[Extension], steps: list[Step]) -> list[Extension]:
    """A flow labelled `EX01` with no step of its own hangs on the step that names it
    ("5. Clerk fills in the form [EX01]"). A flow listed twice (in an index table and
    under its own heading) is kept once, as the fuller of the two."""
    fullest: dict[str, Extension] = {}
    for ext in exts:
        if re.fullmatch(FLOW_LABEL, ext.ref):
            kept = fullest.get(ext.ref)
            if kept is None or len(ext.steps) > len(kept.steps):
                fullest[ext.ref] = ext
    out = []
    for ext in exts:
        if fullest.get(ext.ref, ext) is not ext:
            continue
        label = ext.ref
        if ext.step is None and re.fullmatch(FLOW_LABEL, label):
            mention = re.compile(rf"(?<![\w-]){re.escape(label)}(?![\w-])")
            step = next((s for s in steps if mention.search(s.text)), None)
            if step is not None:
                ext = ext.model_copy(update={"step": step.id})
        out.append(ext)
    return out


def step_references(exts: list[Extension]) -> list[tuple[str, int | None]]:
    """Every "resume at step N" an extension makes, for the dangling-reference check."""
    refs: list[tuple[str, int | None]] = []
    for ext in exts:
        for text, no in [(ext.condition, ext.line), *[(s.text, s.line) for s in ext.steps]]:
            refs.extend((m.group(1), no) for m in classify.RESUME.finditer(text))
    return refs
