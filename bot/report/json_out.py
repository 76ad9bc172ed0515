"""The report's JSON as `json.dumps(report, indent=2, ensure_ascii=False)` would write it,
written a piece at a time: `stories_per_use_case` has a row per covered use case, which
encoded at once would be the largest thing the report holds."""

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
        if isinstance(value, PerUseCase) and value:
            out.write("[")
            for m, row in enumerate(value):
                out.write(f"{',' if m else ''}\n    {_dumps(row, '    ')}")
            out.write("\n  ]")
        else:
            out.write(_dumps(list(value) if isinstance(value, PerUseCase) else value, "  "))
    out.write("\n}" if report else "}")


def json_text(report: Mapping[str, Any]) -> str:
    text = io.StringIO()
    write_json(report, text)
    return text.getvalue()
