"""The worker: takes stored events one at a time per issue, runs their handler while renewing
its lease, and sorts failures into those waited out (with backoff that honours what the
tracker said) and those that kill the event at once."""

from __future__ import annotations

import json
import logging
import random
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.jobs.pruning import Pruner
from bot.metrics import Metrics
from bot.store import queue
from bot.store.db import Database
from bot.trackers.calls import Fault, TrackerError

log = logging.getLogger("usecase_bot.worker")


class Handler(Protocol):
    def handle(self, event: str, payload: dict[str, Any]) -> None: ...


HandlerFor = Callable[[str, dict[str, Any]], Handler]


@dataclass(frozen=True)
class RetryPolicy:
    retry_hours: float = 24.0
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=30)

    def backoff(self, attempt: int, retry_after: float | None) -> timedelta:
        """The tracker's own wait when it gave one, else exponential with jitter."""
        if retry_after:
            return timedelta(seconds=min(retry_after, 3600.0))
        base: timedelta = min(self.first_backoff * 2 ** min(attempt - 1, 30), self.max_backoff)
        return base * random.uniform(0.5, 1.0)

    def next_attempt(self, fault: Fault, claimed: queue.Claimed, retry_after: float | None,
                     at: datetime) -> datetime | None:
        """When to try again, or None when the event is dead."""
        if fault is Fault.PERMANENT:
            return None
        if fault is Fault.DOUBTFUL and claimed.attempts >= self.max_attempts:
            return None
        deadline = claimed.received_at + timedelta(hours=self.retry_hours)
        if at >= deadline:
            return None
        # The last attempt is made at the deadline rather than skipped.
        return min(at + self.backoff(claimed.attempts, retry_after), deadline)


def classify(exc: Exception) -> tuple[Fault, float | None]:
    """How to treat a failure, and the tracker's own wait when it gave one."""
    if isinstance(exc, TrackerError):
        return exc.fault, exc.retry_after
    if isinstance(exc, DBAPIError | PoolTimeout | requests.RequestException | OSError):
        return Fault.TRANSIENT, None
    # A malformed payload or a bug: trying again gives the same answer.
    return Fault.PERMANENT, None


class _Heartbeat:
    """Renews a claim's lease while its handler runs, so a slow handler is not taken over."""

    def __init__(self, worker: Worker, claimed: queue.Claimed) -> None:
        self._done = threading.Event()
        self._worker = worker
        self._claimed = claimed
        self._thread = threading.Thread(target=self._beat, name=f"lease-{claimed.id}",
                                        daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        w = self._worker
        while not self._done.wait(w.lease.total_seconds() / 3):
            try:
                held = queue.renew(w.db, self._claimed, w.lease, w.clock())
            except (DBAPIError, PoolTimeout):
                continue  # the next beat tries again: the lease has room for two missed
            if not held:
                log.warning("event %s was taken over by another worker", self._claimed.id)
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


class Worker:
    def __init__(self, db: Database, handler_for: HandlerFor, metrics: Metrics,
                 policy: RetryPolicy, worker_id: str, lease: timedelta = queue.LEASE,
                 scrub: Callable[[str], str] = str, pruner: Pruner | None = None) -> None:
        self.db = db
        self.handler_for = handler_for
        self.metrics = metrics
        self.policy = policy
        self.worker_id = worker_id
        self.lease = lease
        self.clock: Callable[[], datetime] = queue.now
        # Takes secrets out of error text before it is stored or logged.
        self.scrub = scrub
        self.pruner = pruner

    def run_once(self) -> bool:
        """Process one due event; False when there was none."""
        claimed = queue.claim(self.db, self.worker_id, self.lease, self.clock())
        if claimed is None:
            return False
        labels = (claimed.tracker, claimed.event)
        heartbeat = _Heartbeat(self, claimed)
        try:
            payload = json.loads(claimed.payload)
            self.handler_for(claimed.tracker, payload).handle(claimed.event, payload)
        except Exception as exc:  # a bad event must not stop the worker
            heartbeat.stop()
            self._failed(claimed, exc)
            return True
        heartbeat.stop()
        if not queue.complete(self.db, claimed, self.clock()):
            log.warning("event %s was taken over by another worker; its result is dropped",
                        claimed.id)
            return True
        self.metrics.processed.labels(*labels).inc()
        waited = self.clock() - claimed.received_at
        self.metrics.latency.labels(claimed.tracker).observe(waited.total_seconds())
        log.info("processed %s.%s for %s", claimed.event, claimed.action, claimed.issue_key)
        return True

    def _failed(self, claimed: queue.Claimed, exc: Exception) -> None:
        self.metrics.failed.labels(claimed.tracker, claimed.event).inc()
        fault, retry_after = classify(exc)
        error = self.scrub(f"{type(exc).__name__}: {exc}" if not isinstance(exc, TrackerError)
                           else str(exc))
        if fault is Fault.PERMANENT and not isinstance(exc, TrackerError):
            # Most likely a bug: the traceback is what a developer needs, secrets taken out.
            log.error("event %s (%s.%s) failed:\n%s", claimed.id, claimed.event, claimed.action,
                      self.scrub("".join(traceback.format_exception(exc)).rstrip()))
        at = self.clock()
        when = self.policy.next_attempt(fault, claimed, retry_after, at)
        if when is not None:
            if queue.retry_later(self.db, claimed, f"{fault}: {error}", when):
                log.warning("event %s (%s.%s) failed, retry at %s: %s", claimed.id,
                            claimed.event, claimed.action, when.isoformat(timespec="seconds"),
                            error)
            return
        if queue.bury(self.db, claimed, f"{fault}: {error}", at):
            self.metrics.dead.labels(claimed.tracker, claimed.event).inc()
            log.error("event %s (%s.%s for %s) is dead after %s attempt(s): %s", claimed.id,
                      claimed.event, claimed.action, claimed.issue_key, claimed.attempts, error)

    def run_forever(self, stop: threading.Event, idle_wait: float = 0.5) -> None:
        log.info("worker started")
        while not stop.is_set():
            try:
                if self.pruner is not None:
                    self.pruner.run_if_due(self.clock())
                busy = self.run_once()
            except Exception as exc:  # the database may be briefly unavailable
                log.error("worker loop error: %s", self.scrub(f"{type(exc).__name__}: {exc}"))
                busy = False
            if not busy:
                stop.wait(idle_wait)
        log.info("worker stopped")
