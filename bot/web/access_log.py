"""One log line per request: method, path, status and milliseconds taken. The query string is
never written: Jira Data Center authenticates its webhooks with a secret `?token=` in the URL."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

if TYPE_CHECKING:
    from _typeshed import OptExcInfo

log = logging.getLogger("usecase_bot.access")
# Longer than any route of ours; a longer path is a probe, and the log need not hold it all.
MAX_SHOWN = 200
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """`text` safe for a one-line log: control characters escaped (a decoded `%0A` would
    otherwise start a forged line), cut at `MAX_SHOWN` characters."""
    escaped = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return escaped if len(escaped) <= MAX_SHOWN else escaped[:MAX_SHOWN] + "..."


def request_path(environ: WSGIEnvironment) -> str:
    """The path as the client sent it, without the query string. WSGI hands it over decoded,
    so an encoded `%3F` comes back as `?`: what follows it is dropped as well."""
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    # PEP 3333 carries the path's bytes as latin-1; clients send UTF-8.
    path = raw.encode("latin-1", "replace").decode("utf-8", "replace")
    return shown(path.split("?", 1)[0] or "/")


class AccessLog:
    """WSGI middleware that logs each request once its answer has been sent (or abandoned)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def recording(line: str, headers: list[tuple[str, str]],
                      exc_info: OptExcInfo | None = None) -> Callable[[bytes], object]:
            status[:] = [line.split(" ", 1)[0]]
            return start_response(line, headers, exc_info)

        method = shown(str(environ.get("REQUEST_METHOD", "-")))
        path = request_path(environ)
        try:
            body = self.app(environ, recording)
        except BaseException:
            _write(method, path, "-", started)
            raise
        return _logged(body, lambda: _write(method, path, status[0] if status else "-",
                                            started))


def _logged(body: Iterable[bytes], done: Callable[[], None]) -> Iterator[bytes]:
    try:
        yield from body
    finally:
        close = getattr(body, "close", None)
        try:
            if close is not None:
                close()
        finally:
            done()


def _write(method: str, path: str, status: str, started: float) -> None:
    log.info("%s %s %s %.1fms", method, path, status, (time.perf_counter() - started) * 1000)
