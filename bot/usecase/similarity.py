"""Likely parents for a story that names none: word overlap, weighted by rarity (TF-IDF),
between the story and each use case's title, goal and steps."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
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


def words(text: str) -> Counter[str]:
    """The words that weigh in a text, each with how often it says it."""
    return Counter(_tokens(text))


class Weights:
    """How rare each word is among the candidates: the first of two passes over them. It
    keeps a count per word, not the candidates, so that the report can weigh a repository's
    thousands of use cases as they stream past and read them again to score them."""

    def __init__(self) -> None:
        self._df: Counter[str] = Counter()
        self._n = 0

    def add(self, candidate: Counter[str]) -> None:
        """Count a candidate's `words`."""
        self._n += 1
        self._df.update(candidate.keys())

    def __len__(self) -> int:
        """The candidates counted."""
        return self._n

    def vector(self, said: Counter[str]) -> tuple[dict[str, float], float]:
        """The weight of each of these `words`, and the norm of them all."""
        n, df = self._n, self._df
        vector = {w: (1 + math.log(c)) * math.log((n + 1) / (df.get(w, 0) + 1) + 1)
                  for w, c in said.items()}
        return vector, math.sqrt(sum(v * v for v in vector.values())) or 1.0


def best_parents(stories: dict[str, str], candidates: Iterable[tuple[str, Counter[str]]],
                 weights: Weights, limit: int = 3) -> dict[str, list[str]]:
    """Per story (its key: its text), the refs of the candidates (ref, `words`) most like
    it, best first; none that share no word. The second pass: `weights` has counted every
    candidate, and each is weighed once for all the stories, keeping `limit` refs a story."""
    queries = {key: weights.vector(words(text)) for key, text in stories.items()}
    # Per story, (-similarity, ref) of the best so far: best first, ties in ref order.
    best: dict[str, list[tuple[float, str]]] = {key: [] for key in stories}
    for ref, said in candidates:
        vector, norm = weights.vector(said)
        for key, (query, qnorm) in queries.items():
            dot = sum(query[w] * vector[w] for w in query.keys() & vector.keys())
            if dot <= 0:
                continue
            kept, entry = best[key], (-(dot / (qnorm * norm)), ref)
            if len(kept) < limit or (kept and entry < kept[-1]):
                kept.append(entry)
                kept.sort()
                del kept[limit:]
    return {key: [ref for _, ref in kept] for key, kept in best.items()}


def suggest(story: str, candidates: list[Candidate], limit: int = 3) -> list[str]:
    """Refs of the candidates most like the story, best first; none that share no word."""
    counted = [(c.ref, words(c.text)) for c in candidates]
    weights = Weights()
    for _, said in counted:
        weights.add(said)
    return best_parents({"": story}, counted, weights, limit)[""]


def use_case_words(body: str) -> str:
    """The words of a use case that say what it is about: its goal and main steps."""
    uc = parse(body).use_case
    return " ".join([uc.goal or "", *(s.text for s in uc.main_flow)])
