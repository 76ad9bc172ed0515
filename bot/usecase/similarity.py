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


class Index:
    """Candidates weighed once, for asking about many stories: the report suggests parents
    for every orphan of a repository against the same use cases."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self._refs = [c.ref for c in candidates]
        docs = [Counter(_tokens(c.text)) for c in candidates]
        self._df = Counter(w for d in docs for w in d)
        self._n = len(docs)
        self._vectors = [self._vector(d) for d in docs]
        self._norms = [math.sqrt(sum(v * v for v in vec.values())) or 1.0
                       for vec in self._vectors]

    def _vector(self, counts: Counter[str]) -> dict[str, float]:
        n, df = self._n, self._df
        return {w: (1 + math.log(c)) * math.log((n + 1) / (df.get(w, 0) + 1) + 1)
                for w, c in counts.items()}

    def best(self, story: str, limit: int = 3) -> list[str]:
        """Refs of the candidates most like the story, best first; none that share no word."""
        if not self._n:
            return []
        query = self._vector(Counter(_tokens(story)))
        qnorm = math.sqrt(sum(v * v for v in query.values())) or 1.0
        scored = []
        for ref, vec, norm in zip(self._refs, self._vectors, self._norms, strict=True):
            dot = sum(query[w] * vec[w] for w in query.keys() & vec.keys())
            if dot > 0:
                scored.append((dot / (qnorm * norm), ref))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [ref for _, ref in scored[:limit]]


def suggest(story: str, candidates: list[Candidate], limit: int = 3) -> list[str]:
    """Refs of the candidates most like the story, best first; none that share no word."""
    return Index(candidates).best(story, limit)


def use_case_words(body: str) -> str:
    """The words of a use case that say what it is about: its goal and main steps."""
    uc = parse(body).use_case
    return " ".join([uc.goal or "", *(s.text for s in uc.main_flow)])
