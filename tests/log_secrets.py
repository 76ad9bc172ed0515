"""A pytest plugin: no log line of the whole session may hold a secret the tests gave the bot.

It learns the secrets where they enter the bot (every `Secrets` built in this process, and
the environment of every subprocess started), reads every log record and the output tests
collect from their subprocesses, and fails the session at its end, naming each test during
which a secret showed. A report names the secret's variable, never its value."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.config import Secrets

# Shorter values (some tests use "p" or "t") would be found in ordinary words.
MIN_CHECKED = 8
# At DEBUG, urllib3 quotes the URL of every request; the requests that carry a `?token=` are
# the tests' own, sent as Jira Data Center sends them.
CLIENT_LOGGERS = frozenset({"urllib3.connectionpool"})
# Longer than any path; a longer value cannot name a key file.
MAX_PATH = 4096


def fragments(raw: str) -> Iterator[str]:
    """`raw` and the pieces of it that may show alone: each of several comma-separated
    secrets, and each line of a PEM key, whether its line breaks are real or written `\\n`."""
    yield raw
    yield from (part.strip() for part in raw.split(","))
    yield from (line.strip() for line in raw.replace("\\n", "\n").splitlines()
                if not line.startswith("-----"))
    if "\n" not in raw and len(raw) < MAX_PATH:
        # GITHUB_APP_PRIVATE_KEY may name a file: the key inside is the secret.
        try:
            key = Path(raw).read_text(errors="replace") if Path(raw).is_file() else ""
        except OSError:  # a value no file system takes for a name
            key = ""
        yield from fragments(key) if key else ()


@dataclass
class Watch:
    """The secrets known so far, the lines seen since the last check, and what leaked."""

    secrets: dict[str, str] = field(default_factory=dict)
    current: str = "(before the first test)"
    lines: list[str] = field(default_factory=list)
    leaks: list[tuple[str, str]] = field(default_factory=list)

    def learn(self, secrets: Secrets) -> None:
        for name in type(secrets).model_fields:
            value = getattr(secrets, name)
            if isinstance(value, SecretStr):
                for part in fragments(value.get_secret_value()):
                    if len(part) >= MIN_CHECKED:
                        self.secrets.setdefault(part, name.upper())

    def learn_env(self, env: Any) -> None:
        """From a subprocess's environment: the one given, else this process's."""
        given = {str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else None
        self.learn(Secrets.from_env(given))

    def seen(self, text: str) -> None:
        self.lines.append(text)

    def settle(self) -> None:
        """Check the lines seen against every secret known by now, under the current test."""
        text = "\n".join(self.lines)
        self.lines.clear()
        for name in sorted({n for value, n in self.secrets.items() if value in text}):
            self.leaks.append((self.current, name))


WATCH = Watch()


def record_output(text: str) -> None:
    """For a test that reads a subprocess's output itself (not through `communicate`)."""
    WATCH.seen(text)


class _Seen(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in CLIENT_LOGGERS:
            return
        try:
            WATCH.seen(self.format(record))
        except Exception:  # a record that cannot be formatted is logging's to report
            self.handleError(record)


_HANDLER = _Seen()
_BOT_LOGGER = logging.getLogger("usecase_bot")
_PATCHES = pytest.MonkeyPatch()


def _decoded(output: Any) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output if isinstance(output, str) else ""


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_HANDLER)
    # The service logs at INFO; below the root's WARNING those lines would go unread.
    if _BOT_LOGGER.level == logging.NOTSET:
        _BOT_LOGGER.setLevel(logging.INFO)
    from_env = Secrets.from_env
    init = Secrets.__init__

    def learning_from_env(env: dict[str, str] | None = None) -> Secrets:
        secrets = from_env(env)
        WATCH.learn(secrets)
        return secrets

    def learning_init(self: Secrets, **values: Any) -> None:
        init(self, **values)
        WATCH.learn(self)

    popen_init = subprocess.Popen.__init__
    communicate = subprocess.Popen.communicate

    def learning_popen(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        WATCH.learn_env(kwargs.get("env"))
        popen_init(self, *args, **kwargs)

    def reading_communicate(self: subprocess.Popen[Any], *args: Any,
                            **kwargs: Any) -> tuple[Any, Any]:
        out, err = communicate(self, *args, **kwargs)
        WATCH.seen(_decoded(out) + _decoded(err))
        return out, err

    _PATCHES.setattr(Secrets, "from_env", staticmethod(learning_from_env))
    _PATCHES.setattr(Secrets, "__init__", learning_init)
    _PATCHES.setattr(subprocess.Popen, "__init__", learning_popen)
    _PATCHES.setattr(subprocess.Popen, "communicate", reading_communicate)


def pytest_unconfigure(config: pytest.Config) -> None:
    _PATCHES.undo()
    logging.getLogger().removeHandler(_HANDLER)
    if _BOT_LOGGER.level == logging.INFO:
        _BOT_LOGGER.setLevel(logging.NOTSET)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    WATCH.settle()
    WATCH.current = item.nodeid
    yield
    WATCH.settle()
    WATCH.current = f"(after {item.nodeid})"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    WATCH.settle()
    if WATCH.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not WATCH.leaks:
        return
    terminalreporter.section("secrets in log lines", red=True)
    for test, name in WATCH.leaks:
        terminalreporter.line(f"{test}: a log line held the value of {name}")
