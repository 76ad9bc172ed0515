"""What every tracker call shares: failures as one `TrackerError` that says whether and when
to retry, and a count of calls by method and status for /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum

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


@contextmanager
def api_call(metrics: Metrics | None, tracker: str, method: str,
             translate: Translate) -> Iterator[None]:
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
