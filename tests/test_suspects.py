"""Suspect stories as the database keeps them: a story is suspect when its use case's flows
changed after the story was linked or last reviewed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import suspects
from bot.store.state import State
from bot.store.suspects import Suspect, is_suspect, suspect_stories
from tests.databases import KINDS, open_database

T0 = datetime(2026, 11, 20, 9, 0)
DAY = timedelta(days=1)
UC, STORY = "github:acme/shop#3", "github:acme/shop#8"


@pytest.fixture(params=KINDS)
def db(request, tmp_path):
    yield from open_database(request.param, tmp_path)


@pytest.mark.parametrize(("changed", "linked", "reviewed", "suspect"), [
    (None, T0, None, False),             # the flows never changed
    (None, None, None, False),
    (T0 + DAY, T0, None, True),          # changed after the link
    (T0, T0 + DAY, None, False),         # linked after the change
    (T0 + DAY, T0, T0 + 2 * DAY, False),  # reviewed after the change
    (T0 + 2 * DAY, T0, T0 + DAY, True),  # changed again after the review
    (T0, T0, None, False),               # the same moment is no "after"
    (T0 + DAY, None, None, True),        # linked before the bot kept link times
    (T0 + DAY, None, T0 + 2 * DAY, False),
])
def test_a_story_is_suspect_only_when_its_use_case_changed_after_it_was_last_looked_at(
        changed, linked, reviewed, suspect):
    assert is_suspect(changed, linked, reviewed) is suspect


def _linked(db, story=STORY, parent=UC, at=T0):
    State(db).save_link(story, parent, "text", True)
    suspects.note_link(db, story, parent, at)


def test_the_first_sighting_of_a_use_case_makes_no_story_suspect(db):
    _linked(db)
    assert suspects.record_flows(db, UC, "a", T0 + DAY) is False
    assert suspect_stories(db) == []


def test_a_change_of_flows_after_the_link_makes_the_story_suspect_until_reviewed(db):
    _linked(db)
    suspects.record_flows(db, UC, "a", T0)
    assert suspects.record_flows(db, UC, "a", T0 + DAY) is False  # the same flows
    assert suspect_stories(db) == []
    assert suspects.record_flows(db, UC, "b", T0 + DAY) is True
    changed = (T0 + DAY).replace(tzinfo=UTC)
    assert suspect_stories(db) == [Suspect(story=STORY, use_case=UC, use_case_changed=changed)]
    assert suspects.suspects_of(db, UC) == {STORY: changed}
    assert suspects.suspects_of(db, "github:acme/shop#4") == {}

    assert suspects.note_review(db, STORY, T0 + 2 * DAY) == UC
    assert suspect_stories(db) == []


def test_linking_again_to_the_same_parent_keeps_the_link_time_and_a_move_resets_it(db):
    _linked(db)
    suspects.record_flows(db, UC, "a", T0)
    suspects.record_flows(db, UC, "b", T0 + DAY)
    suspects.note_link(db, STORY, UC, T0 + 2 * DAY)  # seen again: still the old link
    assert [s.story for s in suspect_stories(db)] == [STORY]

    other = "jira:SHOP-4"
    suspects.record_flows(db, other, "x", T0)
    suspects.record_flows(db, other, "y", T0 + DAY)
    _linked(db, parent=other, at=T0 + 2 * DAY)
    assert suspect_stories(db) == []


def test_a_link_the_story_has_not_noted_yet_is_not_called_suspect(db):
    _linked(db)
    suspects.record_flows(db, UC, "a", T0)
    other = "jira:SHOP-4"
    suspects.record_flows(db, other, "x", T0)
    suspects.record_flows(db, other, "y", T0 + DAY)
    State(db).save_link(STORY, other, "native", True)
    assert suspect_stories(db) == []


def test_a_review_of_a_story_with_no_parent_records_nothing(db):
    assert suspects.note_review(db, STORY, T0) is None
    assert suspect_stories(db) == []


def test_a_review_of_a_story_whose_link_time_is_unknown_clears_it(db):
    State(db).save_link(STORY, UC, "text", True)  # linked before link times were kept
    suspects.record_flows(db, UC, "a", T0)
    suspects.record_flows(db, UC, "b", T0 + DAY)
    assert [s.story for s in suspect_stories(db)] == [STORY]
    suspects.note_review(db, STORY, T0 + 2 * DAY)
    assert suspect_stories(db) == []


def test_a_forgotten_story_or_use_case_starts_afresh(db):
    _linked(db)
    suspects.record_flows(db, UC, "a", T0)
    suspects.record_flows(db, UC, "b", T0 + DAY)
    suspects.forget(db, UC)
    assert suspect_stories(db) == []
    assert suspects.record_flows(db, UC, "c", T0 + 2 * DAY) is False


def test_suspects_are_listed_by_use_case_then_story(db):
    keys = ["github:acme/shop#9", "jira:SHOP-2", "github:acme/shop#10"]
    for i, story in enumerate(keys):
        parent = UC if i < 2 else "jira:SHOP-1"
        _linked(db, story, parent)
    for uc in (UC, "jira:SHOP-1"):
        suspects.record_flows(db, uc, "a", T0)
        suspects.record_flows(db, uc, "b", T0 + DAY)
    assert [(s.use_case, s.story) for s in suspect_stories(db)] == [
        (UC, "github:acme/shop#9"), (UC, "jira:SHOP-2"), ("jira:SHOP-1", "github:acme/shop#10")]
