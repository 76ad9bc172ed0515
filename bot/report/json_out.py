"""The report's JSON as `json.dumps(report, indent=2, ensure_ascii=False)` would write it,
written a piece at a time: a list an entry at a time, for a list encoded at once is a copy
of it, and more than one while `json` indents it (`stories_per_use_case` has a row per
covered use case, and the orphan stories are hundreds to thousands)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any, TextIO

from bot.report.model import PerUseCase


def _dumps(value: object, indent: str) -> str:
    # An encoded string never holds a newline, so every newline is the layout's own.
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def write_json(report: Mapping[str, Any], out: TextIO) -> None:
    out.write("{")
    for n, (key, value) in enumerate(report.items()):
        out.write(f"{',' if n else ''}\n  {_dumps(key, '')}: ")
        if isinstance(value, list | PerUseCase):
            out.write("[")
            for m, entry in enumerate(value):
                out.write(f"{',' if m else ''}\n    {_dumps(entry, '    ')}")
            out.write("\n  ]" if value else "]")
        else:
            out.write(_dumps(value, "  "))
    out.write("\n}" if report else "}")


def json_text(report: Mapping[str, Any]) -> str:
    text = io.StringIO()
    write_json(report, text)
    return text.getvalue()
