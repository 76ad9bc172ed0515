"""The nightly reconcile against the fake GitHub and the fake Jira over HTTP, on a real
database: what it reads (only what changed, in pages of 100, everything every few days),
what it writes (only what drifted), and that several schedulers run each slot once."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Secrets, Settings
from bot.jobs.nightly import JOB, Nightly
from bot.jobs.scheduler import NightlyScheduler, last_slot
from bot.runtime import Runtime
from bot.store import queue, schedule
from tests.databases import KINDS, open_database
from tests.fake_github import FakeGitHub
from tests.fake_jira import FakeJira, jira_check
from tests.github_harness import FIXED, INCOMPLETE, LINT, REPO

START = datetime(2026, 12, 1, 1, 30)
LONG_AGO = "2026-10-01T10:00:00Z"


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES", "0")
    monkeypatch.setenv("USECASE_BOT_GITHUB__REPOS", f'["{REPO}"]')
    return Settings()


@pytest.fixture(params=KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    opened = open_database(request.param, tmp_path)
    database = next(opened)
    yield database.url
    next(opened, None)


def github_runtime(fake: FakeGitHub, settings: Settings, url: str) -> Runtime:
    env = {"DATABASE_URL": url, "GITHUB_TOKEN": "ghp_test_token", "GITHUB_API_URL": fake.url}
    return Runtime.build(settings, Secrets.from_env(env))


@pytest.fixture
def runtime(fake: FakeGitHub, settings: Settings, database_url: str) -> Iterator[Runtime]:
    built = github_runtime(fake, settings, database_url)
    yield built
    built.db.dispose()


def at(runtime: Runtime, moment: datetime) -> Nightly:
    nightly = runtime.nightly()
    nightly.now = lambda: moment
    return nightly


def use_case(fake: FakeGitHub, number: int, body: str = INCOMPLETE,
             updated: str = LONG_AGO) -> None:
    fake.add_issue(REPO, number, f"Use case {number}", body, labels=["use-case"])
    fake.repos[REPO].issues[number]["updated_at"] = updated


def lint_comments(fake: FakeGitHub, number: int) -> list[str]:
    return [c["body"] for c in fake.comments_on(REPO, number) if c["body"].startswith(LINT)]


def writes_on(fake: FakeGitHub, number: int, since: int) -> list[tuple[str, str, int]]:
    own = re.compile(rf"/repos/{REPO}/issues/{number}(/|$)")
    return [w for w in fake.writes()[since:] if own.search(w[1])]


# ---------------------------------------------------------------- what is read


def test_the_first_run_reads_everything_and_the_next_only_what_changed_since(fake, runtime):
    for number in (1, 2, 3):
        use_case(fake, number)
    first = at(runtime, START).run()
    assert first.ok and [s.read for s in first.scopes] == [3]
    assert all("since" not in q for q in fake.listings)
    assert all(lint_comments(fake, n) for n in (1, 2, 3))

    fake.repos[REPO].issues[2]["updated_at"] = stamp(START + timedelta(hours=5))
    fake.listings.clear()
    second = at(runtime, START + timedelta(days=1)).run()
    # The first run's start, less a few minutes for the trackers' clocks.
    assert {q["since"] for q in fake.listings} == {"2026-12-01T01:25:00Z"}
    assert {q["state"] for q in fake.listings} == {"all"}
    assert second.scopes[0].read == 1 and not second.scopes[0].full


def test_issues_are_read_in_pages_of_100_without_a_request_per_issue(fake, runtime):
    for number in range(1, 102):  # one more than a page
        use_case(fake, number)
    mark = len(fake.log)
    result = at(runtime, START).run()
    assert result.scopes[0].read == 101
    listed = [q for q in fake.listings if q["labels"] == "use-case"]
    assert [q.get("page", "1") for q in listed] == ["1", "2"]
    assert {q["per_page"] for q in listed} == {"100"}
    per_issue = [c for c in fake.log[mark:] if re.search(r"/issues/\d+$", c[1])]
    assert per_issue == []


def test_every_full_every_days_the_run_reads_every_issue_again(fake, runtime):
    use_case(fake, 1)
    week = runtime.settings.reconcile.full_every_days
    fulls = []
    for day in range(week + 1):
        fake.listings.clear()
        result = at(runtime, START + timedelta(days=day)).run()
        fulls.append(result.scopes[0].full)
        assert all(("since" in q) != result.scopes[0].full for q in fake.listings)
    assert fulls == [True] + [False] * (week - 1) + [True]


def test_full_on_the_command_line_reads_every_issue(fake, runtime):
    use_case(fake, 1)
    at(runtime, START).run()
    fake.listings.clear()
    result = at(runtime, START + timedelta(hours=1)).run(full=True)
    assert result.scopes[0].full and result.scopes[0].read == 1
    assert all("since" not in q for q in fake.listings)


# ---------------------------------------------------------------- what is written


def test_drifted_issues_are_fixed_and_an_up_to_date_one_gets_no_write(fake, runtime):
    use_case(fake, 1)  # will be edited while its webhook is lost
    use_case(fake, 3, FIXED)  # up to date after the first run
    at(runtime, START).run()
    (stale,) = lint_comments(fake, 1)
    assert "use-case:incomplete" in fake.labels_on(REPO, 1)
    before = len(fake.writes())

    later = START + timedelta(hours=20)
    fake.repos[REPO].issues[1]["body"] = FIXED
    use_case(fake, 2, updated=stamp(later))  # opened while the webhook endpoint was down
    for number in (1, 3):
        fake.repos[REPO].issues[number]["updated_at"] = stamp(later)
    result = at(runtime, START + timedelta(days=1)).run()

    assert result.scopes[0].read == 3 and result.scopes[0].changed == 2
    assert "use-case:incomplete" not in fake.labels_on(REPO, 1)
    assert lint_comments(fake, 1) != [stale] and len(lint_comments(fake, 1)) == 1
    assert len(lint_comments(fake, 2)) == 1 and "use-case:incomplete" in fake.labels_on(REPO, 2)
    assert writes_on(fake, 3, before) == []


def test_what_people_undid_by_hand_while_webhooks_were_lost_is_put_back(fake, runtime):
    use_case(fake, 1)
    use_case(fake, 2)
    at(runtime, START).run()
    issues = fake.repos[REPO].issues
    issues[1]["labels"] = [lb for lb in issues[1]["labels"]
                           if lb["name"] != "use-case:incomplete"]
    for comment in fake.comments_on(REPO, 2):
        del fake.comments[comment["id"]]
    issues[2]["comments"] = 0

    result = at(runtime, START + timedelta(days=1)).run(full=True)
    assert result.scopes[0].changed == 2
    assert "use-case:incomplete" in fake.labels_on(REPO, 1)
    assert len(lint_comments(fake, 1)) == 1 and len(lint_comments(fake, 2)) == 1


def test_an_issue_with_queued_events_is_left_to_the_worker(fake, runtime):
    use_case(fake, 1)
    use_case(fake, 2)
    queue.enqueue(runtime.db, "github", "delivery-1", "issues", "edited",
                  f"github:{REPO}#1", "{}")
    result = at(runtime, START).run()
    assert (result.scopes[0].read, result.scopes[0].changed,
            result.scopes[0].deferred) == (2, 1, 1)
    assert writes_on(fake, 1, 0) == [] and len(lint_comments(fake, 2)) == 1


def test_a_run_that_changes_nothing_writes_nothing(fake, runtime):
    for number in (1, 2):
        use_case(fake, number)
    at(runtime, START).run()
    before = len(fake.writes())
    result = at(runtime, START + timedelta(days=1)).run(full=True)
    assert result.scopes[0].read == 2 and result.scopes[0].changed == 0
    assert fake.writes()[before:] == []


def test_a_github_app_reconciles_each_repository_with_its_installation(fake, settings,
                                                                      tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    runtime = Runtime.build(settings, Secrets.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "GITHUB_APP_ID": "12345",
        "GITHUB_APP_PRIVATE_KEY": pem, "GITHUB_API_URL": fake.url}))
    use_case(fake, 1)
    result = at(runtime, START).run()
    assert result.ok and result.scopes[0].changed == 1
    assert ("GET", f"/repos/{REPO}/installation", 200) in fake.log
    assert ("POST", "/app/installations/7/access_tokens", 201) in fake.log
    assert fake.auth_headers[-1] == "token ghs_installation7"
    runtime.db.dispose()


# ---------------------------------------------------------------- slots


def test_two_schedulers_racing_for_one_slot_run_it_once(fake, settings, database_url):
    use_case(fake, 1)
    runtimes = [github_runtime(fake, settings, database_url) for _ in range(2)]
    schedulers = [NightlyScheduler(r.nightly(), now=lambda: START) for r in runtimes]
    ready = threading.Barrier(2)
    ran: list[bool] = []

    def race(scheduler: NightlyScheduler) -> None:
        ready.wait()
        ran.append(scheduler.run_slot(START))

    threads = [threading.Thread(target=race, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ran) == [False, True]
    assert [q["labels"] for q in fake.listings] == ["use-case", "user-story", "story"]
    assert len(lint_comments(fake, 1)) == 1
    for r in runtimes:
        r.db.dispose()


def test_a_missed_slot_runs_once_when_a_scheduler_starts(fake, runtime):
    use_case(fake, 1)
    morning = START + timedelta(hours=7)
    first = NightlyScheduler(runtime.nightly(), now=lambda: morning)
    assert first.catch_up() is True
    assert schedule.slot(runtime.db, JOB, START).status == schedule.DONE
    again = NightlyScheduler(runtime.nightly(), now=lambda: morning + timedelta(hours=1))
    assert again.catch_up() is False
    assert len([q for q in fake.listings if q["labels"] == "use-case"]) == 1


def test_the_last_slot_is_the_latest_time_the_cron_names(settings):
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(settings.reconcile.cron, timezone="UTC")
    assert last_slot(trigger, START + timedelta(minutes=1)) == START
    assert last_slot(trigger, START - timedelta(minutes=1)) == START - timedelta(days=1)
    weekly = CronTrigger.from_crontab("0 3 * * sun", timezone="UTC")
    assert last_slot(weekly, START) == datetime(2026, 11, 29, 3, 0)


def test_a_failed_run_is_retried_by_one_scheduler_and_its_mark_stays(fake, runtime):
    use_case(fake, 1)
    fake.fail_next("GET", rf"^/repos/{REPO}/issues$", 502)
    scheduler = NightlyScheduler(runtime.nightly(), now=lambda: START)
    assert scheduler.run_slot(START) is True
    failed = schedule.slot(runtime.db, JOB, START)
    assert failed.status == schedule.FAILED and "502" in (failed.last_error or "")
    assert schedule.mark(runtime.db, "github", REPO) is None
    assert lint_comments(fake, 1) == []
    sample = runtime.metrics.registry.get_sample_value
    assert sample("usecase_bot_reconcile_runs", {"result": "failed"}) == 1
    assert sample("usecase_bot_reconcile_last_success_timestamp_seconds") is None

    assert scheduler.retry(START, 1) is True
    assert scheduler.retry(START, 1) is False  # a second scheduler's retry of the same slot
    done = schedule.slot(runtime.db, JOB, START)
    assert (done.status, done.attempts) == (schedule.DONE, 2)
    assert len(lint_comments(fake, 1)) == 1
    assert sample("usecase_bot_reconcile_runs", {"result": "failed"}) == 0
    assert sample("usecase_bot_reconcile_runs", {"result": "ok"}) == 1
    assert (sample("usecase_bot_reconcile_issues_read"),
            sample("usecase_bot_reconcile_issues_changed")) == (1, 1)
    assert sample("usecase_bot_reconcile_last_success_timestamp_seconds") == \
        START.replace(tzinfo=UTC).timestamp()


# ---------------------------------------------------------------- Jira

JIRA_BODY = """h2. Use case: Approve an expense

*Primary actor:* Manager

h3. Main success scenario
# Employee submits an expense claim.
# Manager reviews the claim.
# Manager approves the claim.
"""


@pytest.fixture(params=["Cloud", "Server"])
def jira(request, tmp_path, monkeypatch) -> Iterator[tuple[FakeJira, dict[str, str]]]:
    cloud = request.param == "Cloud"
    fake = FakeJira(request.param, check=jira_check()).start()
    # Cloud is read over REST v3 (ADF), Data Center over v2 (wiki markup).
    monkeypatch.setenv("USECASE_BOT_JIRA__API_VERSION", "3" if cloud else "2")
    monkeypatch.setenv("USECASE_BOT_JIRA__PROJECTS", '["UC"]')
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'jira.db'}", "JIRA_URL": fake.url}
    if cloud:
        env.update(JIRA_EMAIL="bot@example.test", JIRA_API_TOKEN="atlassian-token")
    else:
        env.update(JIRA_PAT="dc-personal-token")
    yield fake, env
    fake.stop()
    assert fake.violations == [], "requests Jira does not document"


def jira_description(fake: FakeJira, wiki: str) -> object:
    if fake.deployment != "Cloud":
        return wiki
    return {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]}
        for line in wiki.splitlines() if line.strip()]}


def test_jira_projects_are_searched_in_pages_of_100_then_by_update_time(jira):
    fake, env = jira
    for n in range(1, 102):  # one more than a page
        fake.add_issue(f"UC-{n}", f"Use case {n}", jira_description(fake, JIRA_BODY))
    fake.add_issue("UC-500", "A bug", "Not a use case", issue_type="Bug")
    runtime = Runtime.build(Settings(), Secrets.from_env(env))
    now = datetime.now(UTC).replace(tzinfo=None)
    first = at(runtime, now).run()
    assert first.ok and first.scopes[0].read == 101 and first.scopes[0].changed == 101
    endpoint = "/rest/api/3/search/jql" if fake.deployment == "Cloud" else "/rest/api/2/search"
    searched = [c for c in fake.log if c[1] == endpoint]
    assert len(searched) == 2
    assert {q["maxResults"] for q in fake.searches} == {"100"}
    assert all("updated" not in q["jql"] for q in fake.searches)
    assert not [c for c in fake.log if re.fullmatch(r"/rest/api/\d/issue/UC-\d+", c[1])
                and c[0] == "GET"]

    fake.searches.clear()
    before = len(fake.writes())
    second = at(runtime, now + timedelta(hours=1)).run()
    (jql,) = {q["jql"] for q in fake.searches}
    assert 'updated >= "-65m"' in jql
    # Nothing in the fake moves its update time, so an hour later nothing is read.
    assert second.scopes[0].read == 0 and fake.writes()[before:] == []
    runtime.db.dispose()


# ---------------------------------------------------------------- the command line


def test_reconcile_repo_on_the_command_line(fake, settings, tmp_path, monkeypatch, capsys):
    use_case(fake, 7)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_test_token")
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    assert main(["reconcile", "--repo", REPO]) == 0
    assert f"github {REPO}: full read, 1 read, 1 changed" in capsys.readouterr().out
    assert len(lint_comments(fake, 7)) == 1
    assert main(["reconcile", "--repo", "not-a-repo"]) == 2


def test_reconcile_project_on_the_command_line(jira, monkeypatch, capsys):
    fake, env = jira
    fake.add_issue("UC-1", "Approve an expense", jira_description(fake, JIRA_BODY))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["reconcile", "--project", "UC"]) == 0
    assert "jira UC: full read, 1 read, 1 changed" in capsys.readouterr().out
    assert len(fake.comments_on("UC-1")) == 1


def test_check_config_shows_when_the_reconcile_runs(settings, capsys):
    assert main(["check-config"]) == 0
    assert "reconcile: cron '30 1 * * *' UTC, every issue read every 7 days" in \
        capsys.readouterr().out
