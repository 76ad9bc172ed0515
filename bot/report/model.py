"""What a snapshot keeps of each use case and story: enough to say, without reading the
tracker again, what drifted since the previous one."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.usecase.model import UseCase


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


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


class Snapshot(_Frozen):
    taken_at: datetime
    use_cases: tuple[UseCaseSnap, ...] = ()
    stories: tuple[StorySnap, ...] = ()


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


def flows_of(uc: UseCase) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Main-flow step texts, extension refs, and one hash over both and the extensions'
    own steps, so that any edit of a flow moves the hash and nothing else does."""
    steps = tuple(s.text for s in uc.main_flow)
    extensions = tuple(e.ref for e in uc.extensions)
    flows = [steps, [(e.ref, e.condition, [s.text for s in e.steps]) for e in uc.extensions]]
    digest = hashlib.sha256(json.dumps(flows, ensure_ascii=False).encode()).hexdigest()
    return steps, extensions, digest
