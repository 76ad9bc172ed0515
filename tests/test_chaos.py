"""The whole bot under a storm: hundreds of GitHub events (thousands with CHAOS_EVENTS) while a
fifth of the fake GitHub's answers are faults and the bot's processes are SIGKILLed at
random. Afterwards every use case has one comment of each kind saying what `usecase-bot
lint` says of its final body, the right labels and story links; nothing lost, nothing done
twice, and writes never faster than the configured pace."""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import chaos, chaos_github, chaos_jira
from tests.databases import drop_everything, empty_database
from tests.fake_github import FakeGitHub, load_check
from tests.fake_http import JIRA_FAULTS, Chaos, FakeServer
from tests.fake_jira import FakeJira, jira_check
from tests.github_harness import SECRET
from tests.test_github_cli import free_port

GITHUB_SECRETS = ["ghp_chaos_token", SECRET]


def bot_env(fake: FakeGitHub, database_url: str) -> dict[str, str]:
    return {
        **os.environ, "DATABASE_URL": database_url, "GITHUB_TOKEN": GITHUB_SECRETS[0],
        "GITHUB_API_URL": fake.url, "GITHUB_WEBHOOK_SECRET": SECRET,
        "USECASE_BOT_GITHUB__SECONDS_BETWEEN_WRITES": "0",
        "USECASE_BOT_GITHUB__WRITES_PER_MINUTE": str(chaos.WRITES_PER_MINUTE),
        "USECASE_BOT_GITHUB__TIMEOUT_SECONDS": str(chaos.CALL_TIMEOUT),
        "USECASE_BOT_WORKER__CONCURRENCY": "4", "USECASE_BOT_LOG_LEVEL": "WARNING",
        **chaos.BACKOFF_ENV,
    }


def storm_over(fake: FakeServer, storm: chaos.Storm, seed: int,
               final_state: Callable[[], list[str]], secrets: list[str],
               paced: bool = True, events: int = chaos.EVENTS) -> None:
    """Runs the storm and checks what it left, printing what a developer needs on failure;
    every process is stopped however it ends."""
    try:
        storm.run(events)
        problems = chaos.events_problems(storm.drain(), storm.sender.accepted)
        problems += final_state()
        if paced:
            problems += chaos.pace_problems(fake, chaos.WRITES_PER_MINUTE)
        problems += chaos.pause_problems(fake)
        problems += storm.processes.leaked(secrets)
        problems += storm.processes.troubles()[:10]
        problems += [f"request the tracker does not document: {v}"
                     for v in fake.violations[:5]]
        assert problems == [], "\n".join(problems)
        print(f"seed {seed}: {len(fake.log)} requests, {len(fake.injected)} faults, "
              f"{storm.processes.kills} kills, {len(storm.sender.refusals)} posts sent "
              f"again, seconds {storm.timings}, at most "
              f"{chaos.busiest_writes(fake, 5.0)[0]} writes in 5 s")
    except BaseException:
        print(chaos.debug_report(seed, [fake], storm), file=sys.stderr)
        raise
    finally:
        storm.processes.stop_all()


@pytest.fixture
def stormy_github():
    seed = chaos.seed()
    fake = FakeGitHub(check=load_check()).start()
    fake.roles[chaos_github.OUTSIDER] = "read"
    fake.chaos = Chaos(seed, timeout=chaos.CALL_TIMEOUT)
    yield seed, fake
    fake.stop()


def serve(tmp_path: Path, env: dict[str, str], script: chaos.People, sender: type[chaos.Sender]
          ) -> chaos.Storm:
    """A storm on `usecase-bot serve` (SQLite), which is killed and started again."""
    port = free_port()
    processes = chaos.Processes(tmp_path, env)
    processes.add("serve", [str(chaos.EXE), "serve", "--port", str(port), "--no-scheduler"])
    base = f"http://127.0.0.1:{port}"

    def start() -> None:
        processes.start("serve")
        chaos.wait_healthy(base)

    def kill_and_restart(rng: random.Random, while_down: Callable[[], object]) -> None:
        processes.kill("serve")
        while_down()
        start()

    return chaos.Storm(script, sender(base), processes, env["DATABASE_URL"], kill_and_restart,
                       start)


def test_serve_under_faults_and_kills_does_every_thing_once(stormy_github, tmp_path):
    seed, fake = stormy_github
    script = chaos_github.Script(fake, random.Random(seed))
    storm = serve(tmp_path, bot_env(fake, f"sqlite:///{tmp_path / 'bot.db'}"), script,
                  chaos.Sender)
    storm_over(fake, storm, seed, lambda: chaos_github.final_state_problems(script, tmp_path),
               GITHUB_SECRETS)


def test_procfile_web_and_four_workers_on_postgresql_do_every_thing_once(
        stormy_github, tmp_path):
    seed, fake = stormy_github
    rng = random.Random(seed)
    # No schema: the five processes start at once and migrate it under the schema lock.
    database = empty_database("postgresql", tmp_path)
    url = database.engine.url.render_as_string(hide_password=False)
    port = free_port()
    processes = chaos.Processes(tmp_path, {**bot_env(fake, url), "PORT": str(port)})
    web = next(line for line in (Path(__file__).parents[1] / "Procfile").read_text()
               .splitlines() if line.startswith("web:")).removeprefix("web:").strip()
    bin_dir = str(Path(sys.executable).parent)
    processes.add("web", ["bash", "-c", f"PATH={bin_dir}:$PATH exec {web}"])
    workers = [f"worker.{n}" for n in range(1, 5)]
    for name in workers:
        processes.add(name, [str(chaos.EXE), "worker"], {"DYNO": name})
    base = f"http://127.0.0.1:{port}"

    def kill_and_restart(rng: random.Random, while_down: Callable[[], object]) -> None:
        name = rng.choice(["web", *workers])
        processes.kill(name)
        while_down()
        processes.start(name)
        if name == "web":
            chaos.wait_healthy(base)

    def start() -> None:
        for name in ["web", *workers]:
            processes.start(name)
        chaos.wait_healthy(base)

    script = chaos_github.Script(fake, rng)
    storm = chaos.Storm(script, chaos.Sender(base), processes, url, kill_and_restart, start,
                        kills_while_draining=2)
    try:
        storm_over(fake, storm, seed,
                   lambda: chaos_github.final_state_problems(script, tmp_path),
                   [*GITHUB_SECRETS, f":{database.engine.url.password}@"])
    finally:
        drop_everything(database.engine)
        database.dispose()


def test_serve_on_jira_under_faults_and_kills_does_every_thing_once(tmp_path):
    seed = chaos.seed()
    fake = FakeJira("Server", check=jira_check()).start()
    fake.chaos = Chaos(seed, kinds=dict(JIRA_FAULTS), timeout=chaos.CALL_TIMEOUT)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {**os.environ, "DATABASE_URL": url, "JIRA_URL": fake.url, "JIRA_PAT": "jira-chaos-pat",
           "JIRA_WEBHOOK_TOKEN": chaos_jira.TOKEN, "USECASE_BOT_JIRA__API_VERSION": "2",
           "USECASE_BOT_JIRA__TIMEOUT_SECONDS": str(chaos.CALL_TIMEOUT),
           "USECASE_BOT_WORKER__CONCURRENCY": "4", "USECASE_BOT_LOG_LEVEL": "WARNING",
           **chaos.BACKOFF_ENV}
    script = chaos_jira.JiraScript(fake, random.Random(seed))
    storm = serve(tmp_path, env, script, chaos_jira.JiraSender)
    try:
        storm_over(fake, storm, seed, lambda: chaos_jira.jira_problems(script, tmp_path),
                   ["jira-chaos-pat", chaos_jira.TOKEN], paced=False,
                   events=chaos.EVENTS // 2)
    finally:
        fake.stop()
