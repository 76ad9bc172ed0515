"""Runs the nightly reconcile on `reconcile.cron` and the scope-drift report on
`report.cron`, in `usecase-bot scheduler` or inside `serve`.

Each slot of the cron is run once however many schedulers are up: the run first inserts
the slot's row (`bot.store.schedule`), and only the process whose insert succeeds goes on.
A slot missed while no scheduler was running is run once when one starts; a failed run is
tried again later, by whichever scheduler takes the failed slot back first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import (  # type: ignore[import-untyped]
    BackgroundScheduler,
)
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from bot.jobs.nightly import JOB, Nightly
from bot.report.run import JOB as REPORT_JOB
from bot.report.run import ReportRun
from bot.store import schedule
from bot.store.db import Database
from bot.store.queue import now as utc_now

log = logging.getLogger("usecase_bot.scheduler")

# Attempts of one slot, and the wait before the second; each further wait is three times
# longer (5, 15, 45 minutes), so a tracker outage of about an hour is waited out.
ATTEMPTS, FIRST_RETRY = 4, timedelta(minutes=5)
# How far back a start looks for a missed slot: a week and a day covers a weekly cron.
LOOKBACK = timedelta(days=8)
# A slot that starts this late (a suspended machine, a busy pool) still runs.
MISFIRE_GRACE_SECONDS = 3600


def last_slot(trigger: CronTrigger, at: datetime) -> datetime | None:
    """The latest time at or before `at` (naive UTC) that the cron names, within LOOKBACK."""
    moment = at.replace(tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, moment - LOOKBACK)
    last = None
    while fire is not None and fire <= moment:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return None if last is None else last.astimezone(UTC).replace(tzinfo=None)


# What one run did: why it failed (None: it did not), issues read and issues changed.
Outcome = tuple[str | None, int, int]


class SlotScheduler:
    """One job on its cron, each slot run once across schedulers through the database."""

    def __init__(self, job: str, cron: str, timezone: str, db: Database,
                 work: Callable[[], Outcome], now: Callable[[], datetime] = utc_now) -> None:
        self.job = job
        self.cron = cron
        self.timezone = timezone
        self.db = db
        self.work = work
        self.trigger = CronTrigger.from_crontab(cron, timezone=timezone)
        self.now = now
        self._scheduler = BackgroundScheduler(timezone=UTC)

    def start(self) -> None:
        """Run the cron in a background thread, the missed slot, if any, first."""
        self._scheduler.add_job(self.catch_up, id="catch-up")
        self._scheduler.add_job(self.run_due, self.trigger, id=self.job, coalesce=True,
                                max_instances=1, misfire_grace_time=MISFIRE_GRACE_SECONDS)
        self._scheduler.start()
        log.info("%s scheduled on '%s' (%s)", self.job, self.cron, self.timezone)

    def stop(self) -> None:
        self._scheduler.shutdown(wait=False)

    def run_due(self) -> bool:
        """Run the slot the cron has just reached, unless another scheduler runs it."""
        slot = last_slot(self.trigger, self.now())
        return slot is not None and self.run_slot(slot)

    def catch_up(self) -> bool:
        """Run the last slot if no scheduler ran it, or take it back if its run failed."""
        slot = last_slot(self.trigger, self.now())
        if slot is None:
            return False
        known = schedule.slot(self.db, self.job, slot)
        if known is None:
            log.info("%s slot %s was missed; running it now", self.job,
                     f"{slot:%Y-%m-%d %H:%M}")
            return self.run_slot(slot)
        if known.status == schedule.FAILED and known.attempts < ATTEMPTS:
            return self.retry(slot, known.attempts)
        return False

    def run_slot(self, slot: datetime) -> bool:
        """Whether this process ran the slot (it may have failed: it is then retried)."""
        if not schedule.claim(self.db, self.job, slot, self.now()):
            log.info("%s slot %s is another scheduler's", self.job, f"{slot:%Y-%m-%d %H:%M}")
            return False
        self._run(slot, 1)
        return True

    def retry(self, slot: datetime, failed_attempts: int) -> bool:
        if not schedule.reclaim_failed(self.db, self.job, slot, failed_attempts, self.now()):
            return False
        self._run(slot, failed_attempts + 1)
        return True

    def _run(self, slot: datetime, attempt: int) -> None:
        error: str | None
        read = changed = 0
        try:
            error, read, changed = self.work()
        except Exception as exc:  # a database outage, say: the slot must not stay "running"
            log.exception("%s slot %s failed", self.job, f"{slot:%Y-%m-%d %H:%M}")
            error = f"{type(exc).__name__}: {exc}"
        schedule.finish(self.db, self.job, slot, self.now(), error, read, changed)
        if error is None:
            return
        if attempt >= ATTEMPTS:
            log.error("%s slot %s failed %d times; the next slot tries again", self.job,
                      f"{slot:%Y-%m-%d %H:%M}", attempt)
            return
        wait = FIRST_RETRY * 3 ** (attempt - 1)
        log.warning("%s slot %s failed (attempt %d of %d); again in %s", self.job,
                    f"{slot:%Y-%m-%d %H:%M}", attempt, ATTEMPTS, wait)
        if self._scheduler.running:
            self._scheduler.add_job(self.retry, "date", args=[slot, attempt],
                                    run_date=datetime.now(UTC) + wait)


class NightlyScheduler(SlotScheduler):
    def __init__(self, nightly: Nightly, now: Callable[[], datetime] = utc_now) -> None:
        self.nightly = nightly
        cfg = nightly.settings.reconcile
        super().__init__(JOB, cfg.cron, cfg.timezone, nightly.db, self._reconcile, now)

    def _reconcile(self) -> Outcome:
        result = self.nightly.run()
        return result.error, result.read, result.changed


class ReportScheduler(SlotScheduler):
    """The scope-drift report; a run that raises (a tracker outage) is retried."""

    def __init__(self, report: ReportRun, now: Callable[[], datetime] = utc_now) -> None:
        self.report = report
        cfg = report.settings.report
        super().__init__(REPORT_JOB, cfg.cron, cfg.timezone, report.db, self._report, now)

    def _report(self) -> Outcome:
        return None, self.report.run().read, 0
