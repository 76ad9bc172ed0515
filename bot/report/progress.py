"""The report's progress on a terminal: issues read per repository or project. Nothing is
drawn when the output is not a terminal (a scheduler's log, a pipe)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from bot.report.collect import Progress as Told


@contextmanager
def shown_progress(stream: TextIO) -> Iterator[Told | None]:
    """A callback drawing a bar per scope on `stream`, or None when it is no terminal."""
    console = Console(file=stream)
    if not console.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"),
               TextColumn("{task.completed} issues read"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def told(scope: str, read: int) -> None:
            if scope not in tasks:
                tasks[scope] = bar.add_task(scope, total=None)
            bar.update(tasks[scope], completed=read)

        yield told
