"""Rate limits shared by every worker of every process through the database: a pause a
tracker asked for (its reset or `Retry-After`), and the pacing of content-creating writes.
Times are seconds since the epoch, so the arithmetic reads the same in SQLite and
PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import case, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.store.db import Database
from bot.store.models import RatePause, WritePace


class Limits:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def paused_for(self, scope: str) -> float:
        """Seconds until calls for `scope` may go again; 0 when they may go now."""
        with self.db.session() as s:
            until = s.execute(select(RatePause.until).where(RatePause.scope == scope)).scalar()
        return max((until or 0.0) - self.clock(), 0.0)

    def pause(self, scope: str, seconds: float) -> None:
        """No calls for `scope` for `seconds`; a longer pause already set stands."""
        until = self.clock() + seconds
        with self.db.session() as s:
            self._ensure(s, RatePause, {"scope": scope, "until": 0.0})
            s.execute(update(RatePause).where(RatePause.scope == scope, RatePause.until < until)
                      .values(until=until))

    def reserve_write(self, scope: str, per_minute: int) -> float:
        """Take the next write slot of `scope`; the seconds to wait before using it. Slots
        are 60/per_minute seconds apart, so no minute holds more than `per_minute` writes."""
        gap = 60.0 / per_minute
        stamp = self.clock()
        with self.db.session() as s:
            self._ensure(s, WritePace, {"scope": scope, "next_slot": 0.0})
            # The update locks the row (PostgreSQL) or the database (SQLite) until the
            # commit, so the read below sees this slot and no other worker's.
            start = case((WritePace.next_slot < stamp, stamp), else_=WritePace.next_slot)
            s.execute(update(WritePace).where(WritePace.scope == scope)
                      .values(next_slot=start + gap))
            taken = s.execute(select(WritePace.next_slot).where(WritePace.scope == scope))
            slot = taken.scalar_one() - gap
        return max(slot - stamp, 0.0)

    def _ensure(self, s: Session, table: type[RatePause | WritePace],
                row: dict[str, object]) -> None:
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        s.execute(insert(table).values(**row).on_conflict_do_nothing())
