"""Deleting finished events once they are old, by the workers themselves: at most once an
hour per database, however many workers share it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete

from bot.store import queue, schedule
from bot.store.db import Database

log = logging.getLogger("usecase_bot.pruning")

JOB = "prune-events"


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


class Pruner:
    """One per worker. Each hour every worker tries to claim the hour's slot; the one that
    gets it prunes, the others learn that it is taken and wait for the next hour."""

    def __init__(self, db: Database, keep: timedelta) -> None:
        self.db = db
        self.keep = keep
        self._asked: datetime | None = None

    def run_if_due(self, at: datetime) -> int | None:
        """The events deleted; None when this hour's pruning was someone else's or done."""
        hour = hour_of(at)
        if hour == self._asked:
            return None
        self._asked = hour
        if not schedule.claim(self.db, JOB, hour, at):
            return None
        before = at - self.keep
        try:
            pruned = queue.prune(self.db, before)
            self._forget_slots(before)
        except Exception as exc:
            # Only the kind of failure is stored; its text, scrubbed, is the worker's to log.
            schedule.finish(self.db, JOB, hour, queue.now(), type(exc).__name__, 0, 0)
            raise
        schedule.finish(self.db, JOB, hour, queue.now(), None, 0, 0)
        if pruned:
            log.info("deleted %s event(s) finished before %s", pruned,
                     before.isoformat(timespec="seconds"))
        return pruned

    def _forget_slots(self, before: datetime) -> None:
        """The hourly slots would otherwise pile up as the events did."""
        with self.db.session() as s:
            s.execute(delete(schedule.JobSlot).where(schedule.JobSlot.job == JOB,
                                                     schedule.JobSlot.slot < before))
