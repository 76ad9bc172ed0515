"""Scores on the shared corpus of real use cases, with the thresholds we hold ourselves to."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import shared_or_skip

THRESHOLDS = {
    "parsed": 1.0,
    "primary_actor": 0.95,
    "main_steps": 0.95,
    "has_exception_flows": 0.95,
    "secondary_actors_f1": 0.90,
    "dangling_refs_f1": 0.95,
    "undeclared_actors_f1": 0.80,
}


def test_scores_on_the_shared_corpus_meet_the_thresholds():
    tool = shared_or_skip("tools", "eval_corpus.py")
    corpus = shared_or_skip("corpus")
    exe = Path(sys.executable).with_name("usecase-bot")
    proc = subprocess.run(
        [sys.executable, str(tool), "--corpus", str(corpus), "--json", "--show-misses",
         "--cmd", f"{exe} lint --format json"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    *misses, last = proc.stdout.strip().splitlines()
    scores = json.loads(last)
    low = {k: (scores[k], v) for k, v in THRESHOLDS.items() if scores[k] < v}
    assert not low, f"below threshold: {low}\nmisses:\n" + "\n".join(misses)
