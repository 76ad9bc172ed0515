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


def _name(i: int) -> str:
    """A made-up word per number; letters only, as a number would not read as a person."""
    out = ""
    while True:
        i, r = divmod(i, 60)
        out += "bcdfghjklmnprstvwxyz"[r % 20] + "eio"[r // 20]
        if i == 0:
            return out.capitalize()


def cast(size: int) -> str:
    """About `size` characters: a quarter an `Actors:` line, a quarter a bulleted list of
    supporting actors, half steps whose subjects are declared or undeclared roles."""
    n = size // 4 // len(", Bexoka Officer")
    inline = ", ".join(f"{_name(i)} Officer" for i in range(n))
    listed = "".join(f"- {_name(i)} Auditor\n" for i in range(n))
    steps, length = [], 0
    while length < size // 2:
        i = len(steps)
        role = ("Officer", "Auditor", "Inspector")[i % 3]
        steps.append(f"{i + 1}. {_name(i * 7919 % n)} {role} asks {_name(i % n)} Officer to "
                     f"check item {i}.\n")
        length += len(steps[-1])
    return (f"# Audit\nActors: {inline}\n\n## Supporting actors\n{listed}\n"
            f"## Main success scenario\n{''.join(steps)}")


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
    # Time should double from one to the next: a subject compared with every declared name
    # made it quadruple.
    "actors 16 KB": cast(16 * 1024),
    "actors 32 KB": cast(32 * 1024),
    "actors 64 KB": cast(64 * 1024),
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
