"""Lint throughput: use cases per second for `lint`, beside markdown-it-py parsing the same
texts in the same run (the cost of merely reading Markdown, as a yardstick).

    python bench/lint_bench.py [--corpus DIR] [--seconds N]

DIR defaults to ../shared/corpus/usecases beside the checkout, else tests/fixtures/usecases.
Runs on one core (one process, one thread); prints one line per measurement.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from bot.lint.engine import lint_text
from bot.usecase import actors, synonyms
from bot.usecase import text as text_module

# Caches keyed by a text's own lines and sentences would make a repeated text nearly free;
# the bot sees each text once, so they start cold for every lint. Heading labels recur
# across different use cases ("Main Success Scenario"), so their cache stays warm, as it
# does in a running bot.
CACHED = [
    f
    for module in (actors, synonyms, text_module)
    for name, f in vars(module).items()
    if hasattr(f, "cache_clear") and name != "section_key"
]


def lint_cold(body: str) -> object:
    for function in CACHED:
        function.cache_clear()
    return lint_text(body)

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = [
    ROOT.parent / "shared" / "corpus" / "usecases",
    ROOT / "tests" / "fixtures" / "usecases",
]


def rate(work: Callable[[str], object], texts: list[str], seconds: float) -> float:
    """Texts per second, over whole passes through the texts, for at least `seconds`."""
    for text in texts:  # warm caches and imports
        work(text)
    done, start = 0, time.perf_counter()
    while True:
        for text in texts:
            work(text)
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = next((p for p in CANDIDATES if p.is_dir()), CANDIDATES[-1])
    parser.add_argument("--corpus", type=Path, default=default)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    texts = [p.read_bytes().decode("utf-8") for p in sorted(args.corpus.iterdir()) if p.is_file()]
    md = MarkdownIt("commonmark").enable("table")
    lint_rate = rate(lint_cold, texts, args.seconds)
    md_rate = rate(md.parse, texts, args.seconds)
    size = sum(len(t) for t in texts) / len(texts)
    print(f"corpus: {args.corpus} ({len(texts)} texts, {size:.0f} chars on average)")
    print(f"usecase-bot lint:      {lint_rate:8.0f} use cases/s")
    print(f"markdown-it-py parse:  {md_rate:8.0f} texts/s")
    print(f"lint / bare parse:     {md_rate / lint_rate:8.2f}x the time")


if __name__ == "__main__":
    main()
