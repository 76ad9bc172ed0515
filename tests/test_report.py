"""The scope-drift report end to end, against the fake GitHub and the fake Jira over HTTP
on a real database: two runs with edits between, what each reads, what each writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Secrets, Settings
from bot.jobs.scheduler import ReportScheduler
from bot.report.run import JOB, ReportBusy, ReportRun, for_runtime
from bot.report.summary import LABEL, REPORT_MARKER, TITLE
from bot.runtime import Runtime
from bot.store import schedule
from bot.trackers.calls import TrackerError
from tests.databases import KINDS, open_database
from tests.fake_github import FakeGitHub
from tests.fake_jira import FakeJira, jira_check
from tests.github_harness import FIXED, INCOMPLETE, REPO

START = datetime(2026, 12, 1, 2, 0)
NEXT = START + timedelta(days=1)
LONG_AGO = "2026-10-01T10:00:00Z"
EDITED = "2026-12-01T12:00:00Z"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES", "0")
    monkeypatch.setenv("USECASE_BOT_GITHUB__REPOS", f'["{REPO}"]')
    monkeypatch.setenv("USECASE_BOT_REPORT__GITHUB_REPO", REPO)
    monkeypatch.setenv("USECASE_BOT_REPORT__OUTPUT_DIR", str(tmp_path / "reports"))
    return Settings()


@pytest.fixture(params=KINDS)
def runtime(request: pytest.FixtureRequest, tmp_path: Path, fake: FakeGitHub,
            settings: Settings) -> Iterator[Runtime]:
    opened = open_database(request.param, tmp_path)
    database = next(opened)
    env = {"DATABASE_URL": database.url, "GITHUB_TOKEN": "ghp_test_token",
           "GITHUB_API_URL": fake.url}
    built = Runtime.build(settings, Secrets.from_env(env))
    yield built
    built.db.dispose()
    next(opened, None)


def reconcile(runtime: Runtime, moment: datetime) -> None:
    """The nightly reconcile half an hour before the report, as the default crons have it."""
    nightly = runtime.nightly()
    nightly.now = lambda: moment - timedelta(minutes=30)
    assert nightly.run().ok
    worker = runtime.worker()
    while worker.run_once():  # the parents' turns the stories queued
        pass


def at(runtime: Runtime, moment: datetime) -> ReportRun:
    run = for_runtime(runtime)
    run.now = lambda: moment
    return run


def issue(fake: FakeGitHub, number: int, body: str, label: str,
          updated: str = LONG_AGO) -> None:
    fake.add_issue(REPO, number, f"Issue {number}", body, labels=[label])
    fake.repos[REPO].issues[number]["updated_at"] = updated


def edit(fake: FakeGitHub, number: int, body: str) -> None:
    fake.repos[REPO].issues[number].update(body=body, updated_at=EDITED)


def seed(fake: FakeGitHub) -> None:
    issue(fake, 1, INCOMPLETE, "use-case")
    issue(fake, 2, FIXED, "use-case")
    issue(fake, 3, "Use case: #1", "user-story")
    issue(fake, 4, "Customers want a receipt for what they paid.", "user-story")
    issue(fake, 5, "Use case: #2", "user-story")


def report_issues(fake: FakeGitHub) -> list[dict[str, object]]:
    return [i for i in fake.repos[REPO].issues.values()
            if LABEL in [lb["name"] for lb in i["labels"]]]


def test_two_runs_with_edits_between_report_what_drifted(fake, runtime, settings):
    seed(fake)
    reconcile(runtime, START)
    first = at(runtime, START).run()
    assert first.report["previous"] is None
    assert first.report["totals"] == {"use_cases": 2, "stories": 3, "linked_stories": 2,
                                      "orphan_stories": 1, "uncovered_use_cases": 0,
                                      "incomplete_use_cases": 1}
    assert [o["ref"] for o in first.report["orphan_stories"]] == [f"{REPO}#4"]
    assert first.report["orphan_stories"][0]["suggested_parents"] == [f"{REPO}#1", f"{REPO}#2"]

    edit(fake, 2, FIXED.replace("3. Customer pays.", "3. Customer pays.\n4. System prints "
                                "a receipt."))
    edit(fake, 4, "Use case: #2")
    issue(fake, 10, FIXED, "use-case", updated=EDITED)
    reconcile(runtime, NEXT)
    mark = len(fake.log)
    second = at(runtime, NEXT).run()
    got = second.report
    assert second.read == 3  # only what changed since the first snapshot
    assert got["previous"] == "2026-12-01T02:00:00Z"
    assert got["changed_use_cases"] == [{"ref": f"{REPO}#2",
                                         "steps_added": ["System prints a receipt."],
                                         "steps_removed": [], "extensions_added": [],
                                         "extensions_removed": []}]
    assert got["new_use_cases"] == [f"{REPO}#10"]
    assert got["orphan_stories"] == []
    assert got["uncovered_use_cases"] == [f"{REPO}#10"]
    assert got["stories_per_use_case"] == [
        {"ref": f"{REPO}#2", "stories": 2, "added_since_previous": 1},
        {"ref": f"{REPO}#1", "stories": 1, "added_since_previous": 0}]
    # Story 5 was linked before #2's flows changed; story 4 was linked after.
    assert [(s["ref"], s["use_case"]) for s in got["suspect_stories"]] == [
        (f"{REPO}#5", f"{REPO}#2")]
    assert [p["date"] for p in got["trend"]] == ["2026-12-01", "2026-12-02"]

    # One living issue, its body replaced; no other write to any issue.
    (living,) = report_issues(fake)
    assert living["title"] == TITLE and str(living["body"]).startswith(REPORT_MARKER)
    assert "System prints" not in str(living["body"]) and f"{REPO}#5" in str(living["body"])
    writes = [w for w in fake.log[mark:] if w[0] != "GET"]
    assert writes == [("PATCH", f"/repos/{REPO}/issues/{living['number']}", 200)]
    files = sorted(p.name for p in Path(settings.report.output_dir).iterdir())
    assert files == ["2026-12-01.html", "2026-12-01.json", "2026-12-02.html", "2026-12-02.json",
                     "latest.html", "latest.json"]
    saved = json.loads((Path(settings.report.output_dir) / "latest.json").read_text())
    assert saved == got


def test_issues_are_listed_100_a_page_and_a_full_read_drops_what_is_gone(fake, runtime,
                                                                          settings):
    for number in range(1, 251):
        issue(fake, number, FIXED, "use-case")
    at(runtime, START).run(publish=False)
    listed = [q for q in fake.listings if q["labels"] == "use-case"]
    assert {q["per_page"] for q in listed} == {"100"} and len(listed) == 3
    del fake.repos[REPO].issues[7]
    week = settings.reconcile.full_every_days
    quiet = at(runtime, START + timedelta(days=1)).run(publish=False)
    assert quiet.report["totals"]["use_cases"] == 250 and quiet.read == 0
    full = at(runtime, START + timedelta(days=week)).run(publish=False)
    assert full.report["totals"]["use_cases"] == 249 and full.read == 249
    assert report_issues(fake) == []


def test_a_lost_answer_to_the_creation_makes_no_second_issue(fake, runtime):
    seed(fake)
    fake.lose_reply("POST", rf"^/repos/{REPO}/issues$")
    at(runtime, START).run()
    assert len(report_issues(fake)) == 1
    at(runtime, NEXT).run()
    assert len(report_issues(fake)) == 1


def test_a_run_whose_publishing_failed_keeps_the_snapshot_before(fake, runtime):
    seed(fake)
    at(runtime, START).run()
    edit(fake, 4, "Use case: #2")
    fake.fail_next("PATCH", rf"^/repos/{REPO}/issues/\d+$", 422)
    with pytest.raises(TrackerError):
        at(runtime, NEXT).run()
    retried = at(runtime, NEXT + timedelta(minutes=5)).run()
    assert retried.report["previous"] == "2026-12-01T02:00:00Z"
    assert retried.report["stories_per_use_case"][0] == {
        "ref": f"{REPO}#2", "stories": 2, "added_since_previous": 1}


def test_nothing_drifted_writes_nothing_but_the_report(fake, runtime):
    seed(fake)
    at(runtime, START).run()
    mark = len(fake.log)
    at(runtime, NEXT).run()
    writes = [w for w in fake.log[mark:] if w[0] != "GET"]
    assert [w[0] for w in writes] == ["PATCH"]  # the living issue's new date


def test_a_dry_run_stores_and_writes_nothing(fake, runtime):
    seed(fake)
    outcome = at(runtime, START).run(dry_run=True)
    assert outcome.report["totals"]["stories"] == 3
    assert fake.writes() == [] and report_issues(fake) == []
    assert at(runtime, NEXT).run(publish=False).report["previous"] is None


def test_a_second_report_while_one_is_made_is_refused_and_spoils_nothing(fake, runtime):
    seed(fake)
    first = at(runtime, START)
    refused: list[str] = []

    def meanwhile(scope: str, read: int) -> None:
        if not refused:
            with pytest.raises(ReportBusy) as busy:
                at(runtime, START).run()
            refused.append(str(busy.value))

    first.collector.progress = meanwhile
    assert first.run().report["totals"]["stories"] == 3
    assert refused == ["another report is being made from this database"]
    after = at(runtime, NEXT).run(publish=False).report  # the lock was let go
    assert after["previous"] is not None and after["totals"]["stories"] == 3


def test_the_command_prints_the_json(fake, runtime, capsys, monkeypatch):
    seed(fake)
    monkeypatch.setenv("DATABASE_URL", runtime.db.url)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test_token")
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    assert main(["report", "--format", "json", "--no-publish"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["totals"]["orphan_stories"] == 1
    assert fake.writes() == []


def test_one_report_per_slot_and_a_failed_one_is_retried(fake, runtime):
    seed(fake)
    fake.fail_next("GET", rf"^/repos/{REPO}/issues$", 502)
    first = ReportScheduler(at(runtime, START), now=lambda: START)
    other = ReportScheduler(at(runtime, START), now=lambda: START)
    assert first.run_slot(START) is True
    assert other.run_slot(START) is False
    failed = schedule.slot(runtime.db, JOB, START)
    assert failed is not None and failed.status == schedule.FAILED
    assert report_issues(fake) == []
    assert first.retry(START, 1) is True and other.retry(START, 1) is False
    done = schedule.slot(runtime.db, JOB, START)
    assert done is not None and (done.status, done.attempts) == (schedule.DONE, 2)
    assert len(report_issues(fake)) == 1
    later = ReportScheduler(at(runtime, START), now=lambda: START + timedelta(hours=3))
    assert later.catch_up() is False  # the slot ran; a start later does not run it again


def test_the_report_is_a_comment_on_a_jira_issue_edited_in_place(tmp_path, monkeypatch):
    jira = FakeJira("Server", check=jira_check()).start()
    try:
        monkeypatch.setenv("USECASE_BOT_JIRA__API_VERSION", "2")
        monkeypatch.setenv("USECASE_BOT_JIRA__PROJECTS", '["PROJ"]')
        monkeypatch.setenv("USECASE_BOT_REPORT__JIRA_ISSUE", "OPS-1")
        monkeypatch.setenv("USECASE_BOT_REPORT__OUTPUT_DIR", str(tmp_path / "reports"))
        jira.add_issue("OPS-1", "Scope", "Where scope is watched", issue_type="Task")
        jira.add_issue("PROJ-1", "Pay", INCOMPLETE.replace("###", "h3."))
        jira.add_issue("PROJ-2", "Pay by card", "Use case: PROJ-1", issue_type="Story")
        jira.add_issue("PROJ-3", "Refunds", "Nothing named", issue_type="Story")
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "JIRA_URL": jira.url,
               "JIRA_PAT": "dc-token"}
        runtime = Runtime.build(Settings(), Secrets.from_env(env))
        first = at(runtime, START).run()
        assert first.report["totals"]["orphan_stories"] == 1
        assert [o["ref"] for o in first.report["orphan_stories"]] == ["PROJ-3"]
        (comment,) = jira.comments_on("OPS-1")
        assert "usecase-bot:report" in comment["body"] and "PROJ-3" in comment["body"]
        at(runtime, NEXT).run()
        (again,) = jira.comments_on("OPS-1")
        assert again["id"] == comment["id"] and "2026-12-02" in again["body"]
        assert [w[0] for w in jira.writes()] == ["POST", "PUT"]
        runtime.db.dispose()
    finally:
        jira.stop()
    assert jira.violations == []
