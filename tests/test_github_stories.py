"""Stories and commands on GitHub, end to end against the fake GitHub."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.store import suspects
from bot.store.models import BotComment
from tests import github_payloads as gh
from tests.github_harness import FIXED, INCOMPLETE, REPO, lint_comments

LINK = "<!-- usecase-bot:link -->"
REPLY = "<!-- usecase-bot:reply -->"


def deliver_issue(bot, action, issue, **extra):
    assert bot.deliver("issues", gh.issues(action, REPO, issue, **extra)).status_code == 202
    bot.drain()


def use_case(fake, bot, number=1, body=FIXED, title="Buy goods in the web shop"):
    issue = fake.add_issue(REPO, number, title, body, labels=["use-case"])
    deliver_issue(bot, "opened", issue)
    return issue


def story(fake, bot, number, body, title="Pay with a voucher"):
    issue = fake.add_issue(REPO, number, title, body, labels=["user-story"])
    deliver_issue(bot, "opened", issue)
    return issue


def test_a_story_naming_its_use_case_becomes_a_sub_issue_listed_on_the_parent(fake, bot):
    use_case(fake, bot)
    child = story(fake, bot, 2, "As a customer I want to pay with a voucher.\n\nUse case: #1")
    assert fake.repos[REPO].sub_issues == {1: [child["id"]]}
    (comment,) = lint_comments(fake, 1)
    assert "### Stories" in comment["body"] and "- #2 Pay with a voucher" in comment["body"]
    assert "story:no-use-case" not in fake.labels_on(REPO, 2)
    assert fake.comments_on(REPO, 2) == []


def test_stories_that_arrive_together_ask_for_one_reconcile_of_their_use_case(fake, bot):
    use_case(fake, bot)
    children = [fake.add_issue(REPO, n, f"Pay by way {n}", "Use case: #1", labels=["user-story"])
                for n in (2, 3, 4)]
    for child in children:  # all stored before the worker takes the first
        assert bot.deliver("issues", gh.issues("opened", REPO, child)).status_code == 202
    bot.drain()
    assert [e.issue_key for e in bot.events() if e.event == "reconcile"] == [f"github:{REPO}#1"]
    body = lint_comments(fake, 1)[0]["body"]
    assert all(f"- #{n} Pay by way {n}" in body for n in (2, 3, 4))
    assert fake.repos[REPO].sub_issues == {1: [child["id"] for child in children]}


def test_closing_and_unlabelling_a_story_keeps_the_list_current(fake, bot):
    use_case(fake, bot)
    child = story(fake, bot, 2, "Implements #1")
    child["state"] = "closed"
    deliver_issue(bot, "closed", child)
    assert "- #2 (closed)" in lint_comments(fake, 1)[0]["body"]
    child["labels"] = []
    deliver_issue(bot, "unlabeled", child, label="user-story")
    assert "### Stories" not in lint_comments(fake, 1)[0]["body"]


def test_a_story_that_names_no_use_case_is_told_and_given_likely_parents(fake, bot):
    use_case(fake, bot, 1, title="Buy goods in the web shop")
    use_case(fake, bot, 3, title="Return damaged goods")
    story(fake, bot, 2, "As a customer I want to return goods that arrived damaged.",
          title="Return a broken parcel")
    (note,) = fake.comments_on(REPO, 2)
    assert note["body"].startswith(LINK)
    assert "Likely parents: #3" in note["body"]
    assert "story:no-use-case" in fake.labels_on(REPO, 2)


def test_a_story_naming_an_issue_that_is_no_use_case_is_told_so(fake, bot):
    fake.add_issue(REPO, 5, "Fix the footer", "The footer is misaligned.", labels=["bug"])
    story(fake, bot, 2, "Use case: #5")
    (note,) = fake.comments_on(REPO, 2)
    assert "#5, which is not a use case" in note["body"]


def test_a_sub_issue_made_by_hand_is_listed_on_the_parent(fake, bot):
    parent = use_case(fake, bot)
    child = fake.add_issue(REPO, 2, "Pay by invoice", "no reference", labels=[])
    fake.repos[REPO].sub_issues[1] = [child["id"]]
    bot.deliver("sub_issues", gh.sub_issues("sub_issue_added", REPO, parent, child))
    bot.drain()
    assert "- #2 Pay by invoice" in lint_comments(fake, 1)[0]["body"]


def test_a_sub_issue_moved_by_hand_leaves_the_list_of_its_old_use_case(fake, bot):
    old = use_case(fake, bot, 1, title="Buy goods")
    new = use_case(fake, bot, 3, title="Return goods")
    child = fake.add_issue(REPO, 2, "Pay by invoice", "no reference", labels=[])
    fake.repos[REPO].sub_issues[1] = [child["id"]]
    bot.deliver("sub_issues", gh.sub_issues("sub_issue_added", REPO, old, child))
    bot.drain()
    assert "- #2 Pay by invoice" in lint_comments(fake, 1)[0]["body"]
    # Only the new parent's event comes (the old one's removal was lost).
    fake.repos[REPO].sub_issues = {1: [], 3: [child["id"]]}
    bot.deliver("sub_issues", gh.sub_issues("sub_issue_added", REPO, new, child))
    bot.drain()
    assert "- #2 Pay by invoice" in lint_comments(fake, 3)[0]["body"]
    assert "#2" not in lint_comments(fake, 1)[0]["body"]


def test_link_command_adopts_an_orphan_story(fake, bot):
    use_case(fake, bot)
    child = story(fake, bot, 2, "As a customer I want a receipt.")
    bot.deliver("issue_comment", gh.issue_comment("created", REPO, child, "/usecase link #1"))
    bot.drain()
    assert fake.repos[REPO].sub_issues == {1: [child["id"]]}
    (note,) = [c for c in fake.comments_on(REPO, 2) if c["body"].startswith(LINK)]
    assert "linked to its use case #1" in note["body"]
    assert "story:no-use-case" not in fake.labels_on(REPO, 2)


def test_link_command_moves_a_story_and_both_stories_lists_follow(fake, bot):
    use_case(fake, bot, 1)
    use_case(fake, bot, 3, title="Return goods")
    child = story(fake, bot, 2, "Use case: #1")
    assert "- #2 Pay with a voucher" in lint_comments(fake, 1)[0]["body"]
    bot.deliver("issue_comment", gh.issue_comment("created", REPO, child, "/usecase link #3"))
    bot.drain()
    assert fake.repos[REPO].sub_issues == {1: [], 3: [child["id"]]}
    assert "#2" not in lint_comments(fake, 1)[0]["body"]
    assert "- #2 Pay with a voucher" in lint_comments(fake, 3)[0]["body"]


def test_a_deleted_story_leaves_its_use_cases_list_and_the_bot_forgets_it(fake, bot):
    use_case(fake, bot, 1)
    child = story(fake, bot, 2, "Use case: #1")
    bot.deliver("issue_comment", gh.issue_comment("created", REPO, child, "/usecase help"))
    bot.drain()
    del fake.repos[REPO].issues[2]
    deliver_issue(bot, "deleted", child)
    assert "#2" not in lint_comments(fake, 1)[0]["body"]
    with bot.runtime.db.session() as s:
        left = s.execute(select(BotComment.issue_key)).scalars().all()
    assert [key for key in left if key.startswith(f"github:{REPO}#2")] == []


def test_ignore_command_silences_a_rule_on_that_issue(fake, bot):
    issue = use_case(fake, bot, body=INCOMPLETE)
    assert "use-case:incomplete" in fake.labels_on(REPO, 1)
    command = gh.issue_comment("created", REPO, issue, "/usecase ignore missing-exception-flows")
    bot.deliver("issue_comment", command)
    bot.drain()
    (comment,) = lint_comments(fake, 1)
    assert "Ignored on this issue: `missing-exception-flows`" in comment["body"]
    assert "use-case:incomplete" not in fake.labels_on(REPO, 1)


def test_commands_from_people_without_write_access_are_politely_refused(fake, bot):
    issue = use_case(fake, bot, body=INCOMPLETE)
    command = gh.issue_comment("created", REPO, issue, "/usecase ignore missing-main-flow",
                               user="mallory", association="NONE")
    bot.deliver("issue_comment", command)
    bot.drain()
    replies = [c for c in fake.comments_on(REPO, 1) if c["body"].startswith(REPLY)]
    assert len(replies) == 1 and "Sorry mallory" in replies[0]["body"]
    assert "Ignored" not in lint_comments(fake, 1)[0]["body"]


def test_help_lists_commands_and_rules_and_check_reads_the_issue_again(fake, bot):
    issue = use_case(fake, bot, body=INCOMPLETE)
    bot.deliver("issue_comment", gh.issue_comment("created", REPO, issue, "/usecase help"))
    bot.drain()
    (reply,) = [c for c in fake.comments_on(REPO, 1) if c["body"].startswith(REPLY)]
    assert "/usecase link <use case>" in reply["body"]
    assert "`dangling-extension-ref`" in reply["body"]
    fake.repos[REPO].issues[1]["body"] = FIXED  # edited without a webhook reaching us
    before = len(fake.log)
    bot.deliver("issue_comment", gh.issue_comment("created", REPO, issue, "/usecase check",
                                                  comment_id=78))
    bot.drain()
    assert ("GET", f"/repos/{REPO}/issues/1", 200) in fake.calls(before)
    assert "use-case:incomplete" not in fake.labels_on(REPO, 1)


def test_a_github_app_uses_an_installation_token(tmp_path, fake, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from bot.config import Secrets
    from bot.runtime import Runtime

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    pem_file = tmp_path / "app.pem"
    pem_file.write_text(pem)
    runtime = Runtime.build(settings, Secrets.from_env({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "GITHUB_APP_ID": "12345",
        "GITHUB_APP_PRIVATE_KEY": str(pem_file), "GITHUB_API_URL": fake.url,
    }))
    issue = fake.add_issue(REPO, 1, "Buy goods", INCOMPLETE, labels=["use-case"])
    payload = gh.issues("opened", REPO, issue, installation=4242)
    runtime.handler_factory()("github", payload).handle("issues", payload)
    assert ("POST", "/app/installations/4242/access_tokens", 201) in fake.log
    assert len(lint_comments(fake, 1)) == 1
    assert fake.auth_headers[-1] == "token ghs_installation4242"


def test_a_fresh_database_asks_github_once_for_the_open_use_cases(fake, bot):
    fake.add_issue(REPO, 1, "Return damaged goods", FIXED, labels=["use-case"])
    fake.add_issue(REPO, 3, "Buy goods", FIXED, labels=["use-case"])
    story(fake, bot, 2, "As a customer I want to return goods that arrived damaged.",
          title="Return a broken parcel")
    (note,) = fake.comments_on(REPO, 2)
    assert "Likely parents: #1" in note["body"]
    listed = [p for m, p, _ in fake.log if m == "GET" and p == f"/repos/{REPO}/issues"]
    assert listed == [f"/repos/{REPO}/issues"]


def test_a_story_that_names_another_use_case_moves_to_it(fake, bot):
    use_case(fake, bot, 1, title="Buy goods")
    use_case(fake, bot, 3, title="Return goods")
    child = story(fake, bot, 2, "Use case: #1")
    child["body"] = "Use case: #3"
    deliver_issue(bot, "edited", child)
    assert fake.repos[REPO].sub_issues == {1: [], 3: [child["id"]]}
    assert "### Stories" not in lint_comments(fake, 1)[0]["body"]
    assert "- #2 Pay with a voucher" in lint_comments(fake, 3)[0]["body"]


def test_a_story_that_stops_naming_its_use_case_leaves_the_sub_issue_it_was_given(fake, bot):
    use_case(fake, bot, 1, title="Buy goods")
    child = story(fake, bot, 2, "Use case: #1")
    child["body"] = "As a customer I want to pay with a voucher."
    deliver_issue(bot, "edited", child)
    assert fake.repos[REPO].sub_issues == {1: []}
    assert "story:no-use-case" in fake.labels_on(REPO, 2)
    assert "### Stories" not in lint_comments(fake, 1)[0]["body"]


def test_a_sub_issue_made_by_hand_stays_when_the_story_names_no_use_case(fake, bot):
    parent = use_case(fake, bot, 1, title="Buy goods")
    child = story(fake, bot, 2, "As a customer I want to pay with a voucher.")
    fake.repos[REPO].sub_issues[1] = [child["id"]]
    bot.deliver("sub_issues", gh.sub_issues("sub_issue_added", REPO, parent, child))
    bot.drain()
    child["title"] = "Pay with a gift voucher"
    deliver_issue(bot, "edited", child)
    assert fake.repos[REPO].sub_issues == {1: [child["id"]]}


def test_a_retitled_story_whose_event_failed_midway_is_shown_anew_after_the_retry(
        fake, bot, monkeypatch):
    use_case(fake, bot, 1, title="Buy goods")
    child = story(fake, bot, 2, "Use case: #1")
    fail_once_after(monkeypatch, suspects, "note_link")  # the new title is saved by then
    child["title"] = "Pay with a gift voucher"
    deliver_issue(bot, "edited", child)
    bot.make_due()
    bot.drain()
    assert "- #2 Pay with a gift voucher" in lint_comments(fake, 1)[0]["body"]


def test_the_bots_own_sub_issue_event_does_not_pin_the_link(fake, bot):
    parent = use_case(fake, bot, 1, title="Buy goods")
    use_case(fake, bot, 3, title="Return goods")
    child = story(fake, bot, 2, "Use case: #1")
    echo = gh.sub_issues("sub_issue_added", REPO, parent, child, sender="usecase-bot")
    bot.deliver("sub_issues", echo)
    bot.drain()
    child["body"] = "Use case: #3"
    deliver_issue(bot, "edited", child)
    assert fake.repos[REPO].sub_issues == {1: [], 3: [child["id"]]}


def fail_once_after(monkeypatch, module, name):
    """`module.name` raises a database hiccup the first time, as a crash right after the
    write before it would leave things: the event is retried from the start."""
    real = getattr(module, name)
    failures = iter([OperationalError("UPDATE", {}, Exception("database is locked"))])

    def hiccup(*args, **kwargs):
        for exc in failures:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, hiccup)


def test_a_story_moved_by_an_event_that_failed_right_after_the_link_leaves_the_old_list(
        fake, bot, monkeypatch):
    use_case(fake, bot, 1, title="Buy goods")
    use_case(fake, bot, 3, title="Return goods")
    child = story(fake, bot, 2, "Use case: #1")
    fail_once_after(monkeypatch, suspects, "note_link")
    child["body"] = "Use case: #3"
    deliver_issue(bot, "edited", child)
    bot.make_due()
    bot.drain()
    assert "### Stories" not in lint_comments(fake, 1)[0]["body"]
    assert "- #2 Pay with a voucher" in lint_comments(fake, 3)[0]["body"]


def test_a_story_unlinked_by_an_event_that_failed_right_after_leaves_the_list(
        fake, bot, monkeypatch):
    use_case(fake, bot, 1, title="Buy goods")
    child = story(fake, bot, 2, "Use case: #1")
    fail_once_after(monkeypatch, suspects, "forget")
    child["body"] = "As a customer I want to pay with a voucher."
    deliver_issue(bot, "edited", child)
    bot.make_due()
    bot.drain()
    assert "### Stories" not in lint_comments(fake, 1)[0]["body"]
