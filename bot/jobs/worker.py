"""The worker: takes stored events one at a time per issue, runs their handler, and retries
failures with backoff that honours what the tracker said (Retry-After, rate-limit reset)."""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from bot.metrics import Metrics
from bot.store import queue
from bot.store.db import Database
from bot.trackers.calls import TrackerError

log = logging.getLogger("usecase_bot.worker")

MAX_BACKOFF = timedelta(minutes=30)


class Handler(Protocol):
    def handle(self, event: str, payload: dict[str, Any]) -> None: ...


HandlerFor = Callable[[str, dict[str, Any]], Handler]


def backoff(attempt: int, retry_after: float | None) -> timedelta:
    """The tracker's own wait when it gave one, else exponential with jitter."""
    if retry_after:
        return timedelta(seconds=min(retry_after, 3600.0))
    base = min(2.0 ** attempt, MAX_BACKOFF.total_seconds())
    return timedelta(seconds=base * random.uniform(0.5, 1.0))


class Worker:
    def __init__(self, db: Database, handler_for: HandlerFor, metrics: Metrics,
                 max_attempts: int) -> None:
        self.db = db
        self.handler_for = handler_for
        self.metrics = metrics
        self.max_attempts = max_attempts

    def run_once(self) -> bool:
        """Process one due event; False when there was none."""
        claimed = queue.claim(self.db)
        if claimed is None:
            return False
        labels = (claimed.tracker, claimed.event)
        try:
            payload = json.loads(claimed.payload)
            self.handler_for(claimed.tracker, payload).handle(claimed.event, payload)
        except TrackerError as exc:
            self._failed(claimed, str(exc), exc.retry_after is not None, exc.retry_after)
        except Exception as exc:  # a bad event must not stop the worker
            log.exception("event %s (%s.%s) failed", claimed.id, *labels)
            self._failed(claimed, f"{type(exc).__name__}: {exc}", False, None)
        else:
            queue.complete(self.db, claimed.id)
            self.metrics.processed.labels(*labels).inc()
            waited = queue.now() - claimed.received_at
            self.metrics.latency.labels(claimed.tracker).observe(waited.total_seconds())
            log.info("processed %s.%s for %s", claimed.event, claimed.action, claimed.issue_key)
        return True

    def _failed(self, claimed: queue.Claimed, error: str, retryable: bool,
                retry_after: float | None) -> None:
        self.metrics.failed.labels(claimed.tracker, claimed.event).inc()
        # What retrying cannot fix (a 404, a malformed payload) is dead at once.
        limit = self.max_attempts if retryable else claimed.attempts
        dead = queue.retry_later(
            self.db, claimed.id, error, backoff(claimed.attempts, retry_after), limit
        )
        if dead:
            self.metrics.dead.labels(claimed.tracker, claimed.event).inc()
            log.error("event %s (%s.%s for %s) is dead after %s attempt(s): %s", claimed.id,
                      claimed.event, claimed.action, claimed.issue_key, claimed.attempts, error)
        else:
            log.warning("event %s (%s.%s) failed, will retry: %s", claimed.id, claimed.event,
                        claimed.action, error)

    def run_forever(self, stop: threading.Event, idle_wait: float = 0.5) -> None:
        log.info("worker started")
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # the database may be briefly unavailable
                log.exception("worker loop error")
                busy = False
            if not busy:
                stop.wait(idle_wait)
        log.info("worker stopped")
