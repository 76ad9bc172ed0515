"""Likely parents for a story that names none: word overlap, weighted by rarity (TF-IDF),
between the story and each use case's title, goal and steps."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.usecase.parse import parse

_STOP_WORDS = """a an the and or of to in on for with as at by is are be can i want so that my
we our it this user story use case should will from into when then system"""
_STOP = frozenset(_STOP_WORDS.split())


def _tokens(text: str) -> list[str]:
    words = re.findall(r"[a-zà-ÿ0-9]+", text.lower())
    return [w[:-1] if len(w) > 4 and w.endswith("s") else w for w in words
            if w not in _STOP and len(w) > 2]


@dataclass(frozen=True)
class Candidate:
    ref: str
    text: str


def suggest(story: str, candidates: list[Candidate], limit: int = 3) -> list[str]:
    """Refs of the candidates most like the story, best first; none that share no word."""
    docs = [Counter(_tokens(c.text)) for c in candidates]
    if not docs:
        return []
    df = Counter(w for d in docs for w in d)
    n = len(docs)

    def vector(counts: Counter[str]) -> dict[str, float]:
        return {w: (1 + math.log(c)) * math.log((n + 1) / (df.get(w, 0) + 1) + 1)
                for w, c in counts.items()}

    query = vector(Counter(_tokens(story)))
    qnorm = math.sqrt(sum(v * v for v in query.values())) or 1.0
    scored = []
    for cand, counts in zip(candidates, docs, strict=True):
        vec = vector(counts)
        dot = sum(query[w] * vec[w] for w in query.keys() & vec.keys())
        if dot > 0:
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            scored.append((dot / (qnorm * norm), cand.ref))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [ref for _, ref in scored[:limit]]


def use_case_words(body: str) -> str:
    """The words of a use case that say what it is about: its goal and main steps."""
    uc = parse(body).use_case
    return " ".join([uc.goal or "", *(s.text for s in uc.main_flow)])
