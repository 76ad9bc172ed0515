"""What a snapshot keeps of each use case and story: enough to say, without reading the
tracker again, what drifted since the previous one."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, NamedTuple, Protocol, overload

from pydantic import BaseModel, ConfigDict

from bot.usecase.model import UseCase


class _Frozen(BaseModel):
    # Pydantic keeps the short strings it reads from JSON in a process-wide cache of 16,384;
    # a snapshot's keys, titles and steps seldom repeat, so the cache would only hold the
    # last thousands of them read, for as long as the process lives.
    model_config = ConfigDict(frozen=True, cache_strings="keys")


class UseCaseSnap(_Frozen):
    # The reconciler's key: `github:owner/repo#3` or `jira:PROJ-3`.
    key: str
    title: str = ""
    closed: bool = False
    incomplete: bool = False
    flows_hash: str = ""
    steps: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()


class StorySnap(_Frozen):
    key: str
    title: str = ""
    closed: bool = False
    # The parent's key as the story or the bot's links name it; None: it names none.
    parent: str | None = None
    # What a story naming no parent is about, for suggesting one: the start of its text.
    words: str = ""


class StoryRow(NamedTuple):
    """A story of this snapshot, joined with what the report needs to know around it."""

    story: StorySnap
    # Whether the use case it names is closed; None: it names no use case of this snapshot.
    parent_closed: bool | None
    # It was an open story naming no use case of the previous snapshot.
    was_orphan: bool


class UseCaseRow(NamedTuple):
    """A use case of this snapshot, as the previous one had it (None: it had not), with the
    stories naming it now and how many of them did not name it in the previous snapshot."""

    before: UseCaseSnap | None
    after: UseCaseSnap
    stories: int
    added: int


class PerUseCase(Sequence[dict[str, Any]]):
    """The report's `stories_per_use_case`: a row per covered use case, so as many rows as
    a fifth of the issues. They are kept in a temporary file, a line each, as they come
    (in the report's order), and read back a part at a time whenever asked for: the JSON
    writes them all, the page and the issue body show the first few."""

    __slots__ = ("_file", "_len")

    def __init__(self, rows: Iterable[tuple[str, int, int]]) -> None:
        # Open as long as the report is, and gone with it.
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._len = 0
        for row in rows:
            self._file.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
            self._len += 1

    def __del__(self) -> None:
        # Closing the file deletes it: the rows go with the report.
        self._file.close()

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        wanted = range(self._len)[index]
        if isinstance(wanted, int):
            return next(islice(self, wanted, None))
        # Only the rows up to the last one wanted are read: the page wants the first 200.
        rows = list(islice(self, max(wanted) + 1)) if wanted else []
        return [rows[n] for n in wanted]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        # Each reader keeps its own place, so that two may read the file in turns.
        at = 0
        while True:
            self._file.seek(at)
            lines = self._file.readlines(_READ)
            if not lines:
                return
            at = self._file.tell()
            yield from (_per_use_case(json.loads(line)) for line in lines)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # equal to a list, so unhashable like one


# Bytes of rows read from the file at a time.
_READ = 64 * 1024


def _per_use_case(row: list[Any]) -> dict[str, Any]:
    ref, stories, added = row
    return {"ref": ref, "stories": stories, "added_since_previous": added}


class Suspect(Protocol):
    """A story whose use case's flows changed after the story was linked or reviewed, as
    the reconciler's tracking (`bot.store.suspects`) keeps it; keys, not report refs."""

    @property
    def story(self) -> str: ...
    @property
    def use_case(self) -> str: ...
    @property
    def use_case_changed(self) -> datetime: ...


class TrendPoint(_Frozen):
    date: str
    orphan_stories: int
    stories: int
    use_cases: int
    suspect_stories: int = 0


def ref_of(key: str) -> str:
    """The report's reference: `owner/repo#3` on GitHub, `PROJ-3` on Jira."""
    return key.split(":", 1)[1]


def scope_of(key: str) -> str:
    """The repository or Jira project of an issue key: suggestions stay within it."""
    ref = ref_of(key)
    return ref.rsplit("#", 1)[0] if key.startswith("github:") else ref.rsplit("-", 1)[0]


def flows_of(uc: UseCase) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Main-flow step texts, extension refs, and one hash over both and the extensions'
    own steps, so that any edit of a flow moves the hash and nothing else does."""
    steps = tuple(s.text for s in uc.main_flow)
    extensions = tuple(e.ref for e in uc.extensions)
    flows = [steps, [(e.ref, e.condition, [s.text for s in e.steps]) for e in uc.extensions]]
    digest = hashlib.sha256(json.dumps(flows, ensure_ascii=False).encode()).hexdigest()
    return steps, extensions, digest
