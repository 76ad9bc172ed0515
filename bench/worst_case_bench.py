"""Time to lint hostile inputs: long runs of markup characters, unclosed tags and brackets,
huge tables. Every line should stay far below a second; a slow one points at a regular
expression that backtracks.

    python bench/worst_case_bench.py
"""

from __future__ import annotations

import random
import string
import time

from bot.lint.engine import lint_text
from bot.usecase.parse import Markup

random.seed(1)
CASES = {
    "random text": "".join(random.choice(string.printable) for _ in range(65536)),
    "open brackets": "[" * 30000 + "](" * 10000,
    "wiki links": "[x|" * 20000,
    "open parens": "[a](" + "(" * 30000,
    "image starts": "![" * 30000,
    "stars": "*a " * 30000,
    "headings": "# x\n" * 20000,
    "colons": "a: " * 30000,
    "fields": "Primary actor: X\n" * 5000,
    "setext": "Title\n===\n" * 10000,
    "long condition": "## Extensions\n1a. " + "invalid " * 20000,
    "long resume": "## Extensions\n1a. x\n" + "resumes " * 20000 + " step 3",
    "open tags": "<a " * 30000,
    "table cells": "|" + " a |" * 30000,
    "unclosed rows": "<table>" + "<tr>" * 20000,
    "unclosed lists": "<ol>\n<li>x\n" * 10000,
    "step mentions": "in step " * 20000,
    "numbers": "1." * 30000,
    "labels": "1a" * 30000,
    "many steps": "".join(f"{i}. Customer does thing {i}.\n" for i in range(3000)),
    "many extensions": "## Extensions\n"
    + "".join(f"{i}a. Card invalid {i}:\n  {i}a1. System rejects.\n" for i in range(2000)),
    "deep list": "".join("  " * i + "* x\n" for i in range(2000)),
}


def main() -> None:
    for name, text in CASES.items():
        for markup in (Markup.AUTO, Markup.JIRA):
            start = time.perf_counter()
            lint_text(text, markup)
            ms = (time.perf_counter() - start) * 1000
            print(f"{name:16} {markup.value:5} {len(text):8} chars {ms:9.1f} ms")


if __name__ == "__main__":
    main()
