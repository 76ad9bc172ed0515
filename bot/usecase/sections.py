"""Cut a use case's lines into labelled fields: headings, bold labels, `Key: value` lines,
table rows and YAML front matter all become one `Field` shape."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.usecase.items import FLOW_LABEL, STEP_WORD
from bot.usecase.lexicon import SYSTEM_WORDS
from bot.usecase.lexicon.languages import LANGUAGES
from bot.usecase.synonyms import IGNORED, Extra, normalize, section_key
from bot.usecase.text import Line, clean_inline, split_inline_items

FLOW_KEYS = ("main_flow", "extensions", "scenario")
SCENARIO = "scenario"
_ONE_LINE_KEYS = frozenset({"primary_actor", "actors", "secondary_actors", "title", "scope",
                            "level"})
# Bold labels, table rows and `Key:` lines sit below every real heading.
PSEUDO_LEVEL = 7


@dataclass
class Field:
    key: str | None
    label: str
    level: int
    no: int | None
    lines: list[Line] = field(default_factory=list)


_BOLD_ONLY = re.compile(r"^(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
_ITALIC_LABEL = re.compile(r"^_([^_\s][^_]{0,40}?)\s*:\s*_\s*$|^_([^_\s][^_]{0,40}?)_\s*:\s*$")
_BOLD_KEY = re.compile(r"^(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*(.*)$")
_KEY_VALUE = re.compile(r"^([^:|*#>\d][^:|]{0,60}?)\s*:\s+(.*)$|^([^:|*#>\d][^:|]{0,60}?)\s*:\s*$")
_KEY_DASH_VALUE = re.compile(r"^([^:|*#>\d\-][^:|]{0,60}?)\s+[-–—]\s+(\S.*)$")
_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_STEP_LIKE = re.compile(
    rf"^(?:{STEP_WORD}\s*\d|\d+[a-z]?\d*[.):]|\*[a-z][.):]|{FLOW_LABEL})", re.IGNORECASE
)
_SCENARIO_LABEL = re.compile(r"^(?:scenario|szenario|scénario|escenario|scenarie)\s*\d", re.I)
_FRONT_KEY = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")


def _label_key(
    label: str, prefix_ok: bool = True, fuzzy: bool = True, extra: Extra = ()
) -> str | None:
    if _SCENARIO_LABEL.match(clean_inline(label)):
        return SCENARIO
    return section_key(clean_inline(label), prefix_ok, fuzzy, extra)


_RUP_FLOW = re.compile(rf"^{FLOW_LABEL}\b")


def names_one_flow(label: str) -> bool:
    """"Alternative flow A1: Pay by voucher", "E2 (step 3)": one flow, not the section."""
    text = clean_inline(label)
    if _RUP_FLOW.match(text):
        return True
    return section_key(text) == "extensions" and section_key(
        text, prefix_ok=False, fuzzy=False
    ) is None


def split_cells(row: str) -> list[str]:
    body = row.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def _is_table_row(line: Line) -> bool:
    text = line.text
    return text.count("|") >= 2 or (text.count("|") == 1 and not text.startswith(("*", "-")))


class _Segmenter:
    def __init__(self, extra: Extra) -> None:
        self.extra = extra
        self.inline_value = False
        # The flow a `| Actor action | System response |` table opened: its rows are steps.
        self.step_table: Field | None = None
        self.fields: list[Field] = [Field(None, "", 0, None)]
        self.scenario: Field | None = None
        self.table_field: Field | None = None

    @property
    def current(self) -> Field:
        return self.fields[-1]

    def open(self, key: str | None, label: str, level: int, no: int | None) -> Field:
        self.inline_value = False
        new = Field(key, clean_inline(label), level, no)
        self.fields.append(new)
        if key == SCENARIO:
            self.scenario = new
        elif level < PSEUDO_LEVEL:
            self.scenario = None
        return new

    def key(self, label: str, prefix_ok: bool = True, fuzzy: bool = True) -> str | None:
        return _label_key(label, prefix_ok, fuzzy, self.extra)

    def add(self, line: Line, target: Field | None = None) -> None:
        (target or self.current).lines.append(line)

    def heading(self, label: str, level: int, no: int | None) -> None:
        self.table_field = None
        key = self.key(label)
        head, colon, value = label.partition(":")
        if colon and value.strip() and key in (None, "title"):
            head_key = self.key(head, prefix_ok=False)
            if head_key is not None:  # "## Primary actor: Customer" is a field with its value
                self.open(head_key, head, level, no)
                self.add(Line(value.strip(), no))
                return
        if key == SCENARIO and self.scenario is not None and self.scenario.level < level:
            return
        cur = self.current
        if key == "extensions" and names_one_flow(label):
            self.flow_title(label, level, no)
            return
        if key is None and cur.key not in (None, IGNORED, "title") and cur.level < level:
            # An unknown sub-heading inside a flow names one of its flows ("3.1 Retry").
            self.add(Line(clean_inline(label), no, flow_title=True))
            return
        self.open(key if key else None, label, level, no)

    def flow_title(self, label: str, level: int, no: int | None) -> None:
        """A sub-heading that names one flow; it opens the extensions when none is open."""
        if self.current.key != "extensions":
            self.open("extensions", label, level, no)
        self.add(Line(clean_inline(label), no, flow_title=True))

    def label(self, key: str | None, label: str, no: int | None) -> None:
        """A label on a line of its own; "Alternative scenario – wrong file:" names one
        flow, whose steps follow."""
        if key == "extensions" and names_one_flow(label):
            self.flow_title(label, PSEUDO_LEVEL, no)
        else:
            self.open(key, label, PSEUDO_LEVEL, no)

    def field_line(self, key: str, label: str, value: str, line: Line) -> None:
        self.table_field = None
        self.open(key, label, PSEUDO_LEVEL, line.no)
        if value.strip():
            self.add(Line(value, line.no, 0))
            self.inline_value = True

    def blank(self, line: Line) -> None:
        """A `Key: value` line holds its whole value: what follows a blank line after it is
        no longer that field's (a list there is steps, not more actors)."""
        if self.inline_value and self.current.key in _ONE_LINE_KEYS:
            self.open(None, "", PSEUDO_LEVEL, line.no)
        self.inline_value = False
        self.table_field = None  # a table's rows stand together; a blank line ends it
        self.add(line)

    def table_row(self, line: Line) -> bool:
        if _TABLE_SEP.match(line.text):
            return True
        cells = split_cells(line.text)
        if len(cells) < 2:
            return False
        first = clean_inline(cells[0])
        rest = [c for c in cells[1:] if clean_inline(c)]
        if self.table_field is None and self.current.key not in FLOW_KEYS and \
                _actor_and_system(cells):
            # "| Actor action | System response |" heads a flow whatever precedes it.
            self.table_field = self.step_table = self.open("main_flow", first, PSEUDO_LEVEL,
                                                           line.no)
            return True
        key = self.key(first.split("\n")[0]) if first else None
        if first and key is None:
            key = self.key(cells[0].split("\n")[0]) if "\n" in cells[0] else None
        if key == SCENARIO and self.scenario is not None and self.table_field is None:
            self._cell_lines(rest, line.no, self.scenario)
            self.table_field = self.scenario
            return True
        if key is not None:
            target = self.open(key, first, PSEUDO_LEVEL, line.no)
            self.table_field = target
            if not (key in FLOW_KEYS and _column_names(rest)):
                self._cell_lines(rest, line.no, target)
            return True
        flow_row = self.table_field is not None and self.table_field.key in FLOW_KEYS
        steps_row = flow_row and (_LEADING_NUMBER.match(cells[0]) is not None
                                  or self.table_field is self.step_table)
        if (not first or steps_row) and self.table_field is not None:
            self._cell_lines([c for c in cells if clean_inline(c)] if first else rest, line.no,
                             self.table_field)
            return True
        if re.fullmatch(r"\d+[a-z]?", first) and rest:
            target = self.scenario or self.current
            self.add(Line(f"{first}. {clean_inline(' '.join(rest))}", line.no), target)
            return True
        if re.fullmatch(rf"{STEP_WORD}\s*#?|#|nr\.?|no\.?", first, re.IGNORECASE):
            return True
        if self.table_field is not None and len(cells) == 2 and first:
            self.table_field = self.open(IGNORED, first, PSEUDO_LEVEL, line.no)
            return True
        if self.current.key in FLOW_KEYS:
            # "| 1. Customer inserts a card | 2. System asks for the PIN |": one step a cell.
            self._cell_lines([c for c in cells if clean_inline(c)], line.no, self.current)
            return True
        return False

    def _cell_lines(self, cells: list[str], no: int | None, target: Field) -> None:
        for cell in _interleaved(cells):
            for piece in cell.split("\n"):
                stripped = piece.rstrip()
                body = stripped.lstrip(" ")
                for item in split_inline_items(body) if body.strip() else []:
                    self.add(Line(item, no, len(stripped) - len(body)), target)
            self.add(Line("", no), target)


_LEADING_NUMBER = re.compile(r"^\s*(\d+)[.)]?(?=\s|[A-Z])")


_ACTOR_WORDS = frozenset(
    normalize(term) for language in LANGUAGES
    for key in ("actors", "primary_actor") for term in language.words("sections", key)
    if " " not in normalize(term)
) | {"user"}


def _actor_and_system(cells: list[str]) -> bool:
    """The header of a two-column step table: one column for the actor, one for the system."""
    named = [set(normalize(c).split()) for c in cells if clean_inline(c)]
    return len(named) == 2 and bool(named[0] & _ACTOR_WORDS) and bool(named[1] & SYSTEM_WORDS)


def _column_names(cells: list[str]) -> bool:
    """`| Basic flow | Actor | System |`: the other cells name columns, they are no steps."""
    return len(cells) >= 2 and all(
        len(c.split()) <= 3 and not re.search(r"[\d.;]", c) for c in map(clean_inline, cells)
    )


def _interleaved(cells: list[str]) -> list[str]:
    """An actor column and a system column whose numbered steps take turns (1, 3, 5 | 2, 4,
    6) are one flow: the steps of every cell in the order of their numbers."""
    numbered = [c for c in cells if _LEADING_NUMBER.match(c)]
    if len(numbered) < 2:
        return cells
    lines = [ln for c in cells for ln in c.split("\n") if ln.strip()]
    keyed: list[tuple[int, int, str]] = []
    last = 0
    for i, ln in enumerate(lines):
        m = _LEADING_NUMBER.match(ln)
        last = int(m.group(1)) if m else last
        keyed.append((last, i, ln))
    return ["\n".join(ln for _, _, ln in sorted(keyed))]


def _front_matter(lines: list[Line], extra: Extra) -> tuple[list[Field], list[Line]]:
    """YAML front matter (`---` ... `---`) of simple keys and lists, as fields."""
    if not lines or lines[0].text != "---":
        return [], lines
    end = next((i for i in range(1, len(lines)) if lines[i].text == "---"), None)
    if end is None:
        return [], lines
    fields: list[Field] = []
    for line in lines[1:end]:
        m = _FRONT_KEY.match(line.text)
        if m and line.indent == 0:
            key = section_key(m.group(1), prefix_ok=False, extra=extra)
            fields.append(Field(key or IGNORED, m.group(1), PSEUDO_LEVEL, line.no))
            value = m.group(2).strip()
            items = value[1:-1].split(",") if value.startswith("[") and value.endswith("]") \
                else [value]  # an inline list: [student, tutor]
            fields[-1].lines += [Line(f"- {v.strip()}" if len(items) > 1 else v.strip(), line.no)
                                 for v in items if v.strip()]
        elif fields and line.text.strip():
            fields[-1].lines.append(line)
    return fields, lines[end + 1 :]


def segment(lines: list[Line], extra: Extra = ()) -> list[Field]:
    front, lines = _front_matter(lines, extra)
    seg = _Segmenter(extra)
    seg.fields.extend(front)
    for line in (piece for whole in lines for piece in _labels_apart(whole, seg)):
        if line.blank:
            seg.blank(line)
        elif line.heading:
            seg.heading(line.text, line.heading, line.no)
        elif not (_is_table_row(line) and seg.table_row(line)):
            seg.table_field = None
            if not _pseudo_heading(seg, line):
                seg.add(line)
    return seg.fields


_LATER_LABEL = re.compile(r"\s\*\*([^*]{1,40}?):?\*\*:?(?=\s)")


def _labels_apart(line: Line, seg: _Segmenter) -> list[Line]:
    """`**Actor:** Clerk **Goal:** File a claim` on one line is two fields."""
    if not line.text.startswith("**") or line.text.count("**") < 4:
        return [line]
    cuts = [m.start() for m in _LATER_LABEL.finditer(line.text)
            if seg.key(m.group(1), prefix_ok=False) is not None]
    if not cuts:
        return [line]
    bounds = zip([0, *cuts], [*cuts, len(line.text)], strict=True)
    return [Line(line.text[a:b].strip(), line.no, line.indent) for a, b in bounds]


def _pseudo_heading(seg: _Segmenter, line: Line) -> bool:
    """Bold labels, `Key: value` lines and label-only lines that name a known section:
    each layout has its reader, and the first that recognises the line takes it."""
    text = line.text
    if text[:1] not in "*_" and ":" not in text and text.count(" ") >= 8:
        return False  # a sentence: no label of any kind
    readers = (_bold_flow_title, _italic_aside, _bold_label, _bold_key_value)
    if any(read(seg, line) for read in readers):
        return True
    return line.indent < 4 and (_key_value(seg, line) or _plain_label(seg, line))


def _bold_flow_title(seg: _Segmenter, line: Line) -> bool:
    """`**Alternative flow A1:** pay later` inside a flows section titles one flow."""
    m = _BOLD_KEY.match(line.text)
    if not (m and seg.current.key in FLOW_KEYS and names_one_flow(m.group(1))):
        return False
    title, rest = m.group(1).rstrip(":"), m.group(2).lstrip(":").strip()
    seg.flow_title(f"{title}: {rest}" if rest else title, PSEUDO_LEVEL, line.no)
    return True


def _italic_aside(seg: _Segmenter, line: Line) -> bool:
    """`_Notes:_` opens a section of its own and so closes the flow above it."""
    m = _ITALIC_LABEL.match(line.text)
    if not m:
        return False
    seg.table_field = None
    seg.open(seg.key(m.group(1)), m.group(1), PSEUDO_LEVEL, line.no)
    return True


def _bold_label(seg: _Segmenter, line: Line) -> bool:
    """`**Main success scenario**` alone on its line (a colon inside may carry a value)."""
    m = _BOLD_ONLY.match(line.text)
    if not m or _STEP_LIKE.match(clean_inline(m.group(1))):
        return False
    label = m.group(1).rstrip(":")
    key = seg.key(label)
    if key is None and ":" in label:
        head, _, value = label.partition(":")
        head_key = seg.key(head, prefix_ok=False)
        if head_key is not None:
            seg.field_line(head_key, head, value, line)
            return True
    seg.table_field = None
    if key is None and seg.current.key in FLOW_KEYS:
        seg.add(Line(clean_inline(label), line.no, flow_title=True))
    else:
        seg.label(key, label, line.no)
    return True


def _bold_key_value(seg: _Segmenter, line: Line) -> bool:
    """`**Primary actor:** Clerk`."""
    m = _BOLD_KEY.match(line.text)
    if not (m and m.group(2)):
        return False
    label, value = m.group(1), m.group(2)
    value = value.lstrip(":").strip() if not label.endswith(":") else value
    key = seg.key(label.rstrip(":"), prefix_ok=False)
    if key is None:
        return False
    seg.field_line(key, label.rstrip(":"), value, line)
    return True


def _key_value(seg: _Segmenter, line: Line) -> bool:
    """`Primary actor: Clerk` or `Primary actor – Clerk`."""
    plain = clean_inline(line.text)
    kv = _KEY_VALUE.match(plain) or _KEY_DASH_VALUE.match(plain)
    if not kv:
        return False
    label = kv.group(1) or kv.group(3)
    key = seg.key(label, prefix_ok=False, fuzzy=False)
    if kv.re is _KEY_DASH_VALUE and key in FLOW_KEYS:
        return False  # "Main success scenario – high level" is a heading, not a value
    if key is None or len(label.split()) > 6:
        return False
    seg.field_line(key, label, kv.group(2) or "", line)
    return True


def _plain_label(seg: _Segmenter, line: Line) -> bool:
    """A short line that is only a section's name ("Extensions", "Scenariusz główny:")."""
    plain = clean_inline(line.text)
    if (
        len(plain.split()) > 8
        or plain.endswith((".", ",", ";"))
        or _STEP_LIKE.match(plain)
        or line.text.startswith(("*", "-", "+", ">"))
    ):
        return False
    key = seg.key(plain.rstrip(":"), prefix_ok=True, fuzzy=False)
    if key is None or key == "title":
        return False
    seg.label(key, plain.rstrip(":"), line.no)
    return True
