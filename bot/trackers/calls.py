"""What every tracker call shares: failures as one `TrackerError` that says whether and when
to retry, and a count of calls by method and status for /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests

from bot.metrics import Metrics


class TrackerError(Exception):
    """A tracker call failed. `retry_after` is set when trying again later may succeed."""

    def __init__(self, message: str, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


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
