"""reStructuredText that teams save as `.md`: its section titles (underlined, or over- and
underlined, with any punctuation) and `#.` auto-numbered items, rewritten line for line
into the Markdown that means the same, so line numbers stay true.

`=` and `-` underlines are left alone: CommonMark already reads them as setext headings.
"""

from __future__ import annotations

import re

# Every underline character rST allows except `=` and `-`; a run of `~` would otherwise
# open a code fence and swallow the rest of the use case.
_UNDERLINE = re.compile(r"^([~^*+#\"'`:._])\1{2,}\s*$")
_OVERLINE = re.compile(r"^={3,}\s*$")
_NOT_A_TITLE = re.compile(r"^\s|^(?:[-*+>|#]|\d+[.)])\s|^```|^~~~")
_AUTO_NUMBER = re.compile(r"^(\s*)#\.(\s)")


def as_markdown(lines: list[str]) -> list[str]:
    out = list(lines)
    levels: list[str] = []
    for i in range(1, len(out)):
        m = _UNDERLINE.match(out[i])
        title = out[i - 1]
        if not m or not title.strip() or _NOT_A_TITLE.match(title):
            continue
        if len(out[i].strip()) < len(title.strip()) - 1:
            continue  # rST wants the underline as long as the title
        over = i >= 2 and out[i - 2].strip() == out[i].strip()
        style = ("over" if over else "") + m.group(1)
        if style not in levels:
            levels.append(style)
        out[i - 1] = "#" * min(len(levels), 6) + " " + title.strip()
        out[i] = ""
        if over:
            out[i - 2] = ""
    for i, line in enumerate(out):
        if _OVERLINE.match(line.strip()) and i + 2 < len(out) and \
                out[i + 2].strip() == line.strip() and out[i + 1].strip():
            out[i] = ""  # "====" over a title too: CommonMark would read it as a paragraph
        out[i] = _AUTO_NUMBER.sub(r"\g<1>1.\2", out[i])
    return out
