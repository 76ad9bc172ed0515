"""What every tracker call shares: failures as one `TrackerError` that says whether and when
to retry, and a count of calls by method and status for /metrics."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import requests

from bot.metrics import Metrics


class Fault(StrEnum):
    """How a failure is treated."""

    # Waited out with backoff for `worker.retry_hours`: outages, timeouts, rate limits,
    # a token being refreshed, a conflict between two writers.
    TRANSIENT = "transient"
    # May heal when someone acts (a permission granted, an issue made visible): retried
    # up to `worker.max_attempts` times.
    DOUBTFUL = "doubtful"
    # The tracker will never accept it: dead at once, with the reason.
    PERMANENT = "permanent"


# 4xx answers that can change without the request changing.
WAITED_OUT = frozenset({401, 408, 409, 429})
MAY_HEAL = frozenset({403, 404})


class TrackerError(Exception):
    """A tracker call failed. `retry_after` is set when trying again later may succeed."""

    def __init__(self, message: str, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def struggling(self) -> bool:
        """The tracker asked for time or did not answer: a run should stop and come back."""
        return self.retry_after is not None or self.status is None

    @property
    def fault(self) -> Fault:
        if self.status is None:
            # No answer (unreachable) comes with a retry hint; a refusal of ours (no
            # credentials, a missing link type) does not, and waiting will not fix it.
            return Fault.PERMANENT if self.retry_after is None else Fault.TRANSIENT
        if self.status >= 500 or self.status in WAITED_OUT or self.retry_after:
            return Fault.TRANSIENT
        return Fault.DOUBTFUL if self.status in MAY_HEAL else Fault.PERMANENT


# Turns a client library's exception into a TrackerError, or returns None to pass it on.
Translate = Callable[[Exception], TrackerError | None]
# Requests that create or change content, which GitHub's secondary limits count.
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
# A write slot further away than this is not waited for: the event is rescheduled instead.
MAX_PACE_WAIT = 30.0


class Limits(Protocol):
    """Rate-limit pauses and write pacing, shared by every worker (see bot.store.limits)."""

    def paused_for(self, scope: str) -> float: ...
    def pause(self, scope: str, seconds: float) -> None: ...
    def reserve_write(self, scope: str, per_minute: int) -> float: ...


@dataclass(frozen=True)
class Gate:
    """What a call to one token or installation (`scope`) passes first: the pause its
    tracker asked for, and, when `writes_per_minute` is set, a slot for a write."""

    limits: Limits
    scope: str
    writes_per_minute: int | None = None
    sleep: Callable[[float], None] = time.sleep

    def admit(self, tracker: str, method: str) -> None:
        self._unpaused(tracker)
        if self.writes_per_minute is None or method not in WRITES:
            return
        wait = self.limits.reserve_write(self.scope, self.writes_per_minute)
        if wait > MAX_PACE_WAIT:
            raise TrackerError(f"{tracker} writes paced: next slot in {wait:.0f} s", None, wait)
        if wait > 0:
            self.sleep(wait)
            # Another call may have met a rate limit while this one waited for its slot.
            self._unpaused(tracker)

    def _unpaused(self, tracker: str) -> None:
        paused = self.limits.paused_for(self.scope)
        if paused > 0:
            # Not one more limited request: the event waits for the reset.
            raise TrackerError(f"{tracker} rate limit: calls paused for {paused:.0f} s more",
                               None, paused)

    def refused(self, error: TrackerError) -> None:
        """A tracker that names a time to wait (a rate-limit reset, `Retry-After`) gets no
        call from any worker until then."""
        if error.retry_after:
            self.limits.pause(self.scope, error.retry_after)


@contextmanager
def api_call(metrics: Metrics | None, tracker: str, method: str,
             translate: Translate, gate: Gate | None = None) -> Iterator[None]:
    if gate is not None:
        gate.admit(tracker, method)
    status = "ok"
    try:
        yield
    except TrackerError as exc:
        status = str(exc.status)
        raise
    except requests.RequestException as exc:
        status = "network"
        raise TrackerError(f"{tracker} unreachable: {type(exc).__name__}", None, 0.0) from None
    except Exception as exc:
        error = translate(exc)
        if error is None:
            raise
        status = str(error.status)
        if gate is not None:
            gate.refused(error)
        raise error from None
    finally:
        if metrics is not None:
            metrics.api_calls.labels(tracker, method, status).inc()


def retry_after_header(headers: dict[str, str]) -> float | None:
    """Seconds from a `Retry-After` header, when there is one."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after" not in lowered:
        return None
    try:
        return max(float(lowered["retry-after"]), 1.0)
    except ValueError:
        return 60.0
