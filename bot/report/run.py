"""One report: collect a snapshot, say what drifted, store the snapshot, publish."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from bot.config import Settings
from bot.report import drift, summary
from bot.report.collect import Collector, Progress
from bot.report.json_out import write_json
from bot.report.model import PerUseCase, TrendPoint
from bot.report.publish import IssueWriter, jira_comment, living_issue, write_files
from bot.store import locks, snapshots
from bot.store.db import Database
from bot.store.queue import now as utc_now
from bot.store.suspects import suspect_stories
from bot.trackers.jira import JiraClient

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("usecase_bot.report")

# The job's name in the database, where its slots and their outcomes are kept.
JOB = "report"


@dataclass
class Outcome:
    report: dict[str, Any]
    # Every snapshot's trend point with its suspect stories, oldest first, for the page.
    trend: list[dict[str, Any]]
    markdown: str
    read: int
    # What was written where, or with a dry run what would have been.
    published: list[str] = field(default_factory=list)


class ReportBusy(Exception):
    pass


@dataclass
class ReportRun:
    settings: Settings
    db: Database
    collector: Collector
    # The client that writes the living issue in `report.github_repo`.
    github: Callable[[str], IssueWriter] | None
    jira: JiraClient | None
    # Where people open Jira issues, for the page's links; None leaves the keys unlinked.
    jira_url: str | None = None
    now: Callable[[], datetime] = utc_now

    def run(self, publish: bool = True, dry_run: bool = False, full: bool = False) -> Outcome:
        # Runs stage their snapshots in one table: a second run at once would clear the
        # first's rows. It is told so instead (the scheduler retries its slot later).
        with self.db.engine.connect() as conn, locks.held(conn, "report", wait=False) as mine:
            if not mine:
                raise ReportBusy("another report is being made from this database")
            return self._run(publish, dry_run, full)

    def _run(self, publish: bool, dry_run: bool, full: bool) -> Outcome:
        started = self.now()
        collected = self.collector.collect(started, full)
        history = snapshots.trend(self.db)
        # The rows come from the database in the report's order and wait in a file: the
        # report would otherwise hold a row per covered use case.
        per_use_case = PerUseCase(drift.per_use_case(snapshots.per_use_case(self.db),
                                                     collected.previous is not None))
        report = drift.report(started, collected.previous, snapshots.stories(self.db),
                              snapshots.use_cases(self.db), suspect_stories(self.db), history,
                              stories_per_use_case=per_use_case,
                              open_use_cases=lambda scope: snapshots.open_use_cases(self.db,
                                                                                    scope))
        point = drift.trend_point(report)
        before = _totals(history[-1]) if history else None
        outcome = Outcome(report, [p.model_dump() for p in (*history, point)],
                          summary.markdown(report, before), collected.read)
        if dry_run:
            outcome.published = self._targets(publish)
            return outcome
        if publish:
            outcome.published = self._publish(outcome, before, started)
        # Stored only once published: a run retried after a failed publish reports the same
        # drift again instead of comparing with the snapshot nobody saw.
        snapshots.save(self.db, started, point, collected.full)
        log.info("report: %d issues read (%s), %d orphan stories, %d suspect stories; %s",
                 collected.read, "every issue" if collected.full else "updated ones",
                 report["totals"]["orphan_stories"], point.suspect_stories,
                 ", ".join(outcome.published) or "not published")
        return outcome

    def html(self, outcome: Outcome) -> str:
        return "".join(self._html_pieces(outcome))

    def _html_pieces(self, outcome: Outcome) -> Iterator[str]:
        # Jinja2 and pygal load only where a page is made.
        from bot.report.page import html_pieces

        return html_pieces(outcome.report, outcome.trend,
                           github_url=self.collector.github_web_url, jira_url=self.jira_url)

    def _targets(self, publish: bool) -> list[str]:
        if not publish:
            return []
        cfg = self.settings.report
        targets = [f"files under {cfg.output_dir}"]
        if cfg.github_repo and self.github is not None:
            targets.append(f"the '{summary.TITLE}' issue in {cfg.github_repo}")
        if cfg.jira_issue and self.jira is not None:
            targets.append(f"a comment on {cfg.jira_issue}")
        return targets

    def _publish(self, outcome: Outcome, before: dict[str, int] | None,
                 started: datetime) -> list[str]:
        cfg = self.settings.report

        def json_file(out: TextIO) -> None:
            write_json(outcome.report, out)
            out.write("\n")

        def html_file(out: TextIO) -> None:
            out.writelines(self._html_pieces(outcome))

        # The page first: were it to fail, no file would have been replaced.
        files: dict[str, Callable[[TextIO], None]] = {"html": html_file, "json": json_file}
        written = write_files(Path(cfg.output_dir), f"{started:%Y-%m-%d}", files)
        done = [str(p) for p in written]
        if cfg.github_repo and self.github is not None:
            number = living_issue(self.github(cfg.github_repo), cfg.github_repo,
                                  outcome.markdown)
            done.append(f"{cfg.github_repo}#{number}")
        if cfg.jira_issue and self.jira is not None:
            body, text = summary.jira_body(outcome.report, before, self.jira.api_version)
            jira_comment(self.jira, cfg.jira_issue, body, text)
            done.append(cfg.jira_issue)
        return done


def _totals(point: TrendPoint) -> dict[str, int]:
    """The totals the trend keeps of the snapshot before, for the change since."""
    return {"use_cases": point.use_cases, "stories": point.stories,
            "orphan_stories": point.orphan_stories}


def for_runtime(runtime: Runtime, progress: Progress | None = None) -> ReportRun:
    """The report with the reconcile's clients: they list issues in pages of 100."""
    nightly = runtime.nightly()
    collector = Collector(runtime.settings, runtime.db, nightly.github, nightly.jira,
                          nightly.github_web_url)
    if progress is not None:
        collector.progress = progress
    listers = nightly.github
    # The reconcile's GitHub client is PyGithub's, which writes issues as well as listing them.
    github = None if listers is None else (lambda repo: cast(IssueWriter, listers(repo)[0]))
    return ReportRun(runtime.settings, runtime.db, collector, github, nightly.jira,
                     runtime.secrets.jira_url)
