"""`usecase-bot` command line."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from bot import team_config
from bot.config import ConfigError, Secrets, Settings, load_settings
from bot.lint import render, sarif
from bot.lint.engine import LintPolicy, LintResult, lint_text
from bot.lint.explain import explain
from bot.lint.registry import RULES
from bot.usecase.parse import Markup, parse

if TYPE_CHECKING:
    from bot.jobs.scheduler import SlotScheduler
    from bot.runtime import Runtime

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# Trackers cap issue bodies at 64 KiB; a file far beyond that is not a use case.
MAX_INPUT_BYTES = 4 * 1024 * 1024


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"usecase-bot: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="usecase-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    lint = sub.add_parser("lint", help="lint use-case files ('-' reads standard input)")
    lint.add_argument("paths", nargs="+", metavar="PATH")
    lint.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text")
    lint.add_argument("--markup", choices=[m.value for m in Markup], default="auto")
    lint.add_argument("--config", metavar="FILE",
                      help="a team's own configuration, as in .github/usecase-bot.yml")
    lint.add_argument("--explain", action="store_true",
                      help="show what each line was read as and which rule of reading decided")

    serve = sub.add_parser("serve", help="web server with an in-process worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--no-worker", action="store_true", help="only receive and store")
    serve.add_argument("--dry-run", action="store_true", help="print writes instead")
    serve.add_argument("--no-scheduler", action="store_true",
                       help="leave the nightly reconcile to a `usecase-bot scheduler` process")

    worker = sub.add_parser("worker", help="process queued webhook events")
    worker.add_argument("--dry-run", action="store_true", help="print writes instead")

    replay = sub.add_parser("replay", help="feed one saved webhook payload through the bot")
    replay.add_argument("file", metavar="FILE.json")
    replay.add_argument("--event", required=True, help="e.g. issues, issue_comment")
    replay.add_argument("--tracker", choices=("github", "jira"), default="github")
    replay.add_argument("--dry-run", action="store_true", help="print writes instead")

    events = sub.add_parser("events", help="the queue: list events, retry dead ones")
    events.add_argument("action", nargs="?", choices=("list", "retry"), default="list")
    events.add_argument("ids", nargs="*", type=int, metavar="ID",
                        help="with retry: the dead events to queue again")
    events.add_argument("--status", choices=("pending", "failed", "dead"),
                        help="with list: only these (default: every unfinished event)")
    events.add_argument("--limit", type=int, default=50, help="with list: at most N, newest "
                        "first (default 50)")
    events.add_argument("--dead", action="store_true", help="with retry: every dead event")

    sub.add_parser("scheduler", help="run the nightly reconcile on reconcile.cron")
    reconcile = sub.add_parser("reconcile", help="bring every use case and story up to date "
                               "now, as the nightly job does")
    reconcile.add_argument("--full", action="store_true",
                           help="read every issue, not only those updated since the last run")
    reconcile.add_argument("--repo", action="append", metavar="OWNER/NAME",
                           help="only this repository (may be repeated)")
    reconcile.add_argument("--project", action="append", metavar="KEY",
                           help="only this Jira project (may be repeated)")

    report = sub.add_parser("report", help="build the scope-drift report now")
    report.add_argument("--format", choices=("markdown", "json", "html"), default="markdown")
    report.add_argument("--output", metavar="FILE", help="write the report here, not to stdout")
    report.add_argument("--no-publish", action="store_true",
                        help="store the snapshot, but write no issue, comment or file")
    report.add_argument("--dry-run", action="store_true",
                        help="read the trackers, store nothing, and say what would be written")
    report.add_argument("--full", action="store_true",
                        help="read every issue, not only those updated since the last snapshot")

    sub.add_parser("migrate", help="bring the database's schema up to date (every other "
                   "database command does this too as it starts)")
    sub.add_parser("rules", help="list every lint rule with its severity and advice")
    sub.add_parser("check-config", help="validate configuration and show what is enabled")
    return parser


def _read(path: str) -> str:
    """The text of a path or of standard input; OSError or UnicodeError if it cannot be read."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        with Path(path).open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise OSError(f"larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
    return data.decode("utf-8-sig")


def _team_policy(path: str, settings: Settings) -> LintPolicy | None:
    """The service's lint policy with the team file at `path` over it; None, said on
    standard error, when the file cannot be read or used."""
    try:
        with Path(path).open("rb") as fh:
            team = team_config.parse_text(fh.read(team_config.MAX_BYTES + 1))
    except OSError as exc:
        print(f"usecase-bot: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return None
    except team_config.TeamConfigError as exc:
        print(f"usecase-bot: {path} cannot be used: {exc}", file=sys.stderr)
        return None
    return team.policy_over(settings.lint_policy())


def _lint(args: argparse.Namespace, settings: Settings) -> int:
    if args.explain and args.format != "text":
        print("usecase-bot: --explain goes with --format text", file=sys.stderr)
        return EXIT_USAGE
    policy = (settings.lint_policy() if args.config is None
              else _team_policy(args.config, settings))
    if policy is None:
        return EXIT_USAGE
    texts: list[tuple[str, str]] = []
    for path in args.paths:
        try:
            texts.append((path, _read(path)))
        except (OSError, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, UnicodeError):
                reason = "not UTF-8 text"
            print(f"usecase-bot: cannot read {path}: {reason}", file=sys.stderr)
            return EXIT_USAGE
    results: list[tuple[str, LintResult]] = [
        (path, lint_text(text, Markup(args.markup), policy)) for path, text in texts
    ]
    if args.explain:
        for path, text in texts:
            parsed = parse(text, Markup(args.markup), policy.extra_headings)
            print("\n".join([f"{path}: read as {parsed.markup.value}", *explain(parsed, text)]))
    output = {"json": render.as_json, "github": render.as_github, "text": render.as_text,
              "sarif": _as_sarif}
    printed = output[args.format](results)
    if printed:
        print(printed)
    return EXIT_FINDINGS if any(r.has_errors for _, r in results) else EXIT_OK


def _as_sarif(results: Sequence[tuple[str, LintResult]]) -> str:
    return sarif.as_sarif(results, metadata.version("usecase-bot"))


def _rules(settings: Settings) -> int:
    configured = settings.rules.severities()
    for rule in RULES.values():
        now = configured.get(rule.name, rule.severity)
        print(f"{rule.name}  default={rule.severity.value}  configured={now.value}")
        print(f"    {rule.summary}")
        print(f"    advice: {rule.advice}")
    return EXIT_OK


def _check_config(settings: Settings) -> int:
    secrets = Secrets.from_env()
    database = secrets.database_url.split("://", 1)[0]
    github = "token" if secrets.github_token else ("app" if secrets.github_app_id else "off")
    if secrets.jira_api_token:
        jira = "cloud (email + API token)"
    elif secrets.jira_pat:
        jira = "data center (personal access token)"
    else:
        jira = "off"
    print(f"database: {database}")
    print(f"github: {github}; repos: {', '.join(settings.github.repos) or 'any'}")
    print(f"github webhooks: {'on' if secrets.github_webhook_secret else 'off (no secret)'}")
    print(f"jira: {jira}; api version {settings.jira.api_version}; "
          f"link type {settings.jira.link_type!r}")
    jira_hooks = "secret" if secrets.jira_webhook_secret else (
        "url token" if secrets.jira_webhook_token else "off (no secret or token)")
    print(f"jira webhooks: {jira_hooks}")
    print(f"report: cron '{settings.report.cron}' {settings.report.timezone}")
    print(f"reconcile: cron '{settings.reconcile.cron}' {settings.reconcile.timezone}, "
          f"every issue read every {settings.reconcile.full_every_days} days")
    off = [n for n, s in settings.rules.severities().items() if s.value == "off"]
    print(f"rules: {len(RULES)} registered, {len(off)} off")
    return EXIT_OK


# The server parts are imported only by the commands that use them, so `lint` starts fast.
def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from waitress import create_server  # type: ignore[import-untyped]

    from bot.runtime import Runtime, keep_started, setup_logging
    from bot.web.access_log import AccessLog
    from bot.web.app import create_app

    setup_logging()
    runtime = Runtime.build(settings, Secrets.from_env(), dry_run=args.dry_run)
    if not args.no_worker:
        runtime.startup_checks()
    app = create_app(settings, runtime.secrets, runtime.db, runtime.metrics)
    keep_started()
    stop = threading.Event()
    threads = [] if args.no_worker else _start_workers(runtime, stop, every_claim=True)
    # A dry run promises no writes, and the reconcile would write.
    jobs = [] if args.no_scheduler or args.dry_run else _start_scheduler(runtime)
    server = create_server(AccessLog(app), host=args.host, port=args.port)
    # One socket per address when the host name resolves to several.
    listen = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)]
    for host, port in listen:
        shown = f"[{host}]" if ":" in host else host
        # One write, newline included: unbuffered (PYTHONUNBUFFERED), print() writes the
        # line and its end apart, and a log line on stderr could land between them.
        sys.stdout.write(f"usecase-bot listening on http://{shown}:{port}\n")
        sys.stdout.flush()
    # waitress ends its loop, finishing the requests under way, on KeyboardInterrupt.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.run()
    finally:
        server.close()
        stop.set()
        for job in jobs:
            job.stop()
        for thread in threads:
            thread.join(timeout=30)
    return EXIT_OK


def _start_scheduler(runtime: Runtime) -> list[SlotScheduler]:
    """The nightly reconcile and the scope-drift report, each on its own cron."""
    from bot.jobs.scheduler import NightlyScheduler, ReportScheduler
    from bot.report.run import for_runtime

    jobs = [NightlyScheduler(runtime.nightly()), ReportScheduler(for_runtime(runtime))]
    for job in jobs:
        job.start()
    return jobs


def _scheduler(settings: Settings) -> int:
    from bot.runtime import Runtime, setup_logging

    setup_logging()
    runtime = Runtime.build(settings, Secrets.from_env())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    jobs = _start_scheduler(runtime)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    for job in jobs:
        job.stop()
    return EXIT_OK


def _reconcile(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import Runtime, setup_logging

    for repo in args.repo or []:
        if repo.count("/") != 1 or not all(repo.split("/")):
            print(f"usecase-bot: --repo {repo!r} is not of the form owner/name", file=sys.stderr)
            return EXIT_USAGE
    setup_logging()
    runtime = Runtime.build(settings, Secrets.from_env())
    chosen = args.repo is not None or args.project is not None
    result = runtime.nightly().run(args.full, args.repo or [] if chosen else None,
                                   args.project or [] if chosen else None)
    for scope in result.scopes:
        outcome = f"failed: {scope.error}" if scope.error else "ok"
        print(f"{scope.tracker} {scope.scope}: {'full' if scope.full else 'updated'} read, "
              f"{scope.read} read, {scope.changed} changed, {scope.refused} refused, "
              f"{scope.deferred} left to the worker; {outcome}")
    if not result.scopes:
        print("usecase-bot: nothing to reconcile: no github.repos or jira.projects configured, "
              "and none heard from yet", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_FINDINGS


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.report.json_out import json_text
    from bot.report.progress import shown_progress
    from bot.report.run import ReportBusy, for_runtime
    from bot.runtime import Runtime, setup_logging
    from bot.trackers.calls import TrackerError

    setup_logging()
    runtime = Runtime.build(settings, Secrets.from_env())
    try:
        with shown_progress(sys.stderr) as progress:
            job = for_runtime(runtime, progress)
            outcome = job.run(publish=not args.no_publish, dry_run=args.dry_run, full=args.full)
    except (TrackerError, ReportBusy) as exc:
        print(f"usecase-bot: report failed: {runtime.secrets.scrub(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS
    if args.format == "json":
        text = json_text(outcome.report)
    elif args.format == "html":
        text = job.html(outcome)
    else:
        text = outcome.markdown
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    if args.dry_run:
        for target in outcome.published:
            print(f"usecase-bot: dry run: would write {target}", file=sys.stderr)
    return EXIT_OK


def _start_workers(runtime: Runtime, stop: threading.Event,
                   every_claim: bool) -> list[threading.Thread]:
    """`worker.concurrency` threads; events of one issue still run one at a time. What the
    process had claimed before a restart (`every_claim`: what any process had) is due now."""
    runtime.take_back_claims(every_claim)
    threads = []
    for n in range(runtime.settings.worker.concurrency):
        thread = threading.Thread(target=runtime.worker().run_forever, args=(stop,),
                                  name=f"worker-{n}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import Runtime, setup_logging

    setup_logging()
    runtime = Runtime.build(settings, Secrets.from_env(), dry_run=args.dry_run)
    runtime.startup_checks()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = _start_workers(runtime, stop, every_claim=False)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return EXIT_OK


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import Runtime, setup_logging
    from bot.trackers.calls import TrackerError

    setup_logging()
    try:
        payload = json.loads(_read(args.file))
    except (OSError, UnicodeError, ValueError) as exc:
        print(f"usecase-bot: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not isinstance(payload, dict):
        print(f"usecase-bot: {args.file} is not a JSON object", file=sys.stderr)
        return EXIT_USAGE
    runtime = Runtime.build(settings, Secrets.from_env(), dry_run=args.dry_run)
    try:
        runtime.handler_factory()(args.tracker, payload).handle(args.event, payload)
    except (TrackerError, KeyError, TypeError) as exc:
        print(f"usecase-bot: replay failed: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _migrate() -> int:
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import migrations
    from bot.store.db import Database

    secrets = Secrets.from_env()
    db = Database(secrets.database_url)
    try:
        before = migrations.upgrade(db)
    except (SQLAlchemyError, CommandError, migrations.SchemaError) as exc:
        print(f"usecase-bot: migrate failed: {secrets.scrub(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS
    finally:
        db.dispose()
    if before == migrations.head():
        print(f"database schema already at revision {before}")
    else:
        since = f" from revision {before}" if before else ""
        print(f"database schema migrated{since} to revision {migrations.head()}")
    return EXIT_OK


def _events(args: argparse.Namespace) -> int:
    from bot.store import migrations, queue
    from bot.store.db import Database

    if args.action == "list" and (args.ids or args.dead):
        print("usecase-bot: event ids and --dead go with `events retry`", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "retry" and bool(args.ids) == args.dead:
        print("usecase-bot: events retry needs event ids or --dead", file=sys.stderr)
        return EXIT_USAGE
    if args.limit < 1:
        print("usecase-bot: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    secrets = Secrets.from_env()
    db = Database(secrets.database_url)
    migrations.upgrade(db)
    if args.action == "retry":
        queued = queue.retry_dead(db, None if args.dead else args.ids)
        print(f"{queued} dead event(s) queued again")
        return EXIT_OK if args.dead or queued == len(set(args.ids)) else EXIT_FINDINGS
    rows = [("ID", "TRACKER", "EVENT", "ISSUE", "STATUS", "ATTEMPTS", "NEXT ATTEMPT",
             "LAST ERROR")]
    for e in queue.listing(db, args.status, args.limit):
        error = secrets.scrub((e.last_error or "").splitlines()[0] if e.last_error else "")
        rows.append((str(e.id), e.tracker, f"{e.event}.{e.action}" if e.action else e.event,
                     e.issue_key.removeprefix(f"{e.tracker}:"), e.status, str(e.attempts),
                     "-" if e.status == "dead" else e.next_attempt_at.isoformat(" ", "seconds"),
                     error[:120]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return _run(args, settings)
    except ConfigError as exc:
        print(f"usecase-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "events":
        return _events(args)
    if args.command == "migrate":
        return _migrate()
    if args.command == "lint":
        return _lint(args, settings)
    if args.command == "rules":
        return _rules(settings)
    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "worker":
        return _worker(args, settings)
    if args.command == "replay":
        return _replay(args, settings)
    if args.command == "scheduler":
        return _scheduler(settings)
    if args.command == "reconcile":
        return _reconcile(args, settings)
    if args.command == "report":
        return _report(args, settings)
    return _check_config(settings)


if __name__ == "__main__":
    sys.exit(main())
