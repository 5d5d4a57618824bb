"""Typed payloads for every event type, tolerant reading, and the de-duplication key."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from intervals_icu.scopes import Scope
from intervals_icu.webhooks import (
    ActivityAchievementsEvent,
    ActivityDeletedEvent,
    ActivityEvent,
    AppScopeChangedEvent,
    CalendarUpdatedEvent,
    ChatUpdateEvent,
    ConnectedServiceEvent,
    EventType,
    FitnessUpdatedEvent,
    SportSettingsUpdatedEvent,
    WebhookEvent,
    WellnessUpdatedEvent,
    dedup_key,
    parse_event,
)
from intervals_icu.webhooks.payloads import event_time
from tests.webhooks import samples

EXPECTED_MODEL = {
    "WELLNESS_UPDATED": WellnessUpdatedEvent,
    "ACTIVITY_UPLOADED": ActivityEvent,
    "ACTIVITY_UPDATED": ActivityEvent,
    "ACTIVITY_ANALYZED": ActivityEvent,
    "ACTIVITY_DELETED": ActivityDeletedEvent,
    "ACTIVITY_ACHIEVEMENTS": ActivityAchievementsEvent,
    "FITNESS_UPDATED": FitnessUpdatedEvent,
    "SPORT_SETTINGS_UPDATED": SportSettingsUpdatedEvent,
    "APP_SCOPE_CHANGED": AppScopeChangedEvent,
    "CALENDAR_UPDATED": CalendarUpdatedEvent,
    "CALENDAR_EVENT_UPDATED": CalendarUpdatedEvent,
    "CALENDAR_EVENT_DELETED": CalendarUpdatedEvent,
    "CONNECTED_SERVICE": ConnectedServiceEvent,
    "CHAT_UPDATE": ChatUpdateEvent,
}


def test_every_type_of_the_app_settings_form_has_a_model() -> None:
    assert {t.value for t in EventType} == set(EXPECTED_MODEL)
    assert {e["type"] for e in samples.EVERY_TYPE} == set(EXPECTED_MODEL)


@pytest.mark.parametrize("data", samples.EVERY_TYPE, ids=lambda d: d["type"])
def test_each_sample_parses_to_its_model_and_round_trips(data: dict[str, Any]) -> None:
    event = parse_event(data)
    assert type(event) is EXPECTED_MODEL[data["type"]]
    assert event.athlete_id == samples.ATHLETE
    assert event.type == data["type"]
    assert event.type.is_known
    assert event.timestamp is not None
    assert event.timestamp.tzinfo is not None
    # Nothing the platform sent is lost: every field, at every depth, is still there.
    assert _paths(event.to_payload()) == _paths(data)


def _paths(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in _paths(v, f"{prefix}/{k}")} | {prefix}
    if isinstance(value, list):
        return {p for i, v in enumerate(value) for p in _paths(v, f"{prefix}[{i}]")} | {prefix}
    return {prefix}


def test_activity_events_expose_the_activity_and_keep_unknown_fields() -> None:
    event = parse_event(samples.ACTIVITY_UPLOADED)
    assert isinstance(event, ActivityEvent)
    assert event.activity_id == "i140254351"
    assert event.activity.name == "Lunch Ride"
    assert event.activity.model_extra == {"brand_new_field": {"x": 1}}
    deleted = parse_event(samples.ACTIVITY_DELETED)
    assert isinstance(deleted, ActivityDeletedEvent)
    assert deleted.activity_id == "i140242265"
    assert deleted.activity.name is None
    achievements = parse_event(samples.ACTIVITY_ACHIEVEMENTS)
    assert isinstance(achievements, ActivityAchievementsEvent)
    assert [a.id for a in achievements.achievements] == ["ps0_5"]


def test_wellness_fitness_and_sport_settings_records() -> None:
    wellness = parse_event(samples.WELLNESS_UPDATED)
    assert isinstance(wellness, WellnessUpdatedEvent)
    assert wellness.days == ["2026-04-15"]
    assert wellness.records[0].restingHR == 59
    fitness = parse_event(samples.FITNESS_UPDATED)
    assert isinstance(fitness, FitnessUpdatedEvent)
    assert fitness.days[0] == "2026-04-15"
    assert len(fitness.days) == 14
    settings = parse_event(samples.SPORT_SETTINGS_UPDATED)
    assert isinstance(settings, SportSettingsUpdatedEvent)
    assert [s.ftp for s in settings.sport_settings] == [255, None]


def test_app_scope_changed_scopes_and_revocation() -> None:
    granted = parse_event(samples.APP_SCOPE_CHANGED)
    assert isinstance(granted, AppScopeChangedEvent)
    assert not granted.deauthorized
    assert Scope.parse("WELLNESS:READ") in granted.scopes
    assert Scope.parse("ACTIVITY:READ").satisfied_by(granted.scopes)
    revoked = parse_event(samples.DEAUTHORIZED)
    assert isinstance(revoked, AppScopeChangedEvent)
    assert revoked.deauthorized
    assert revoked.scopes == frozenset()
    odd = parse_event({**samples.APP_SCOPE_CHANGED, "scope": "ACTIVITY:READ,TELEPATHY:READ"})
    assert isinstance(odd, AppScopeChangedEvent)
    assert odd.scopes == {Scope.parse("ACTIVITY:READ")}


def test_calendar_updated_in_both_reported_shapes() -> None:
    note = parse_event(samples.CALENDAR_NOTIFICATION)
    assert isinstance(note, CalendarUpdatedEvent)
    assert note.is_notification_only
    listed = parse_event(samples.CALENDAR_WITH_EVENTS)
    assert isinstance(listed, CalendarUpdatedEvent)
    assert not listed.is_notification_only
    assert listed.event_ids == ["9001"]
    assert listed.deleted_event_ids == ["9000", "8999"]


def test_unknown_type_and_fields_are_kept_not_refused() -> None:
    data = {"athlete_id": 42, "type": "GEAR_RETIRED", "timestamp": "2026-04-15T16:29:56Z",
            "gear": {"id": "b1"}}
    event = parse_event(data)
    assert type(event) is WebhookEvent
    assert event.athlete_id == "42"  # a numeric id is tolerated as its text
    assert event.type == "GEAR_RETIRED"
    assert not event.type.is_known
    assert event.model_extra == {"gear": {"id": "b1"}}


def test_a_known_type_with_a_wrong_shape_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        parse_event({**samples.ACTIVITY_UPLOADED, "activity": "i140254351"})


def test_event_time_reads_the_platforms_timestamp_shapes() -> None:
    want = datetime(2026, 4, 15, 16, 29, 56, 819000, tzinfo=UTC)
    for text in ("2026-04-15T16:29:56.819+00:00", "2026-04-15T16:29:56.819Z",
                 "2026-04-15T18:29:56.819+0200", "2026-04-15T16:29:56.819"):
        assert event_time({"timestamp": text}) == want
    for junk in (None, "", "yesterday", 17, "0001-01-01T00:00:00+05:00"):
        assert event_time({"timestamp": junk}) is None


# -- the de-duplication key -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**9, 10**9) | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)
events = st.fixed_dictionaries(
    {"athlete_id": st.sampled_from(["i1", "i2"]),
     "type": st.sampled_from(["ACTIVITY_UPDATED", "CALENDAR_UPDATED"]),
     "timestamp": st.sampled_from(["2026-04-15T16:29:56.819+00:00",
                                   "2026-04-15T16:29:56.820+00:00"])},
    optional={"activity": st.dictionaries(st.text(max_size=5), json_values, max_size=4),
              "records": st.lists(json_values, max_size=3)},
)


def _reordered(value: Any, rng: random.Random) -> Any:
    """The same JSON value with every object's keys in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _reordered(v, rng) for k, v in items}
    if isinstance(value, list):
        return [_reordered(v, rng) for v in value]
    return value


@given(events, st.integers(0, 2**32))
def test_a_redelivery_has_the_same_key_whatever_the_serialization(event: dict[str, Any],
                                                                  seed: int) -> None:
    """A retry carries the same content; spacing and key order must not matter."""
    redelivered = json.loads(json.dumps(_reordered(event, random.Random(seed)), indent=2))
    assert dedup_key(redelivered) == dedup_key(event)


@given(events, events)
def test_distinct_events_have_distinct_keys(first: dict[str, Any],
                                            second: dict[str, Any]) -> None:
    same = json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert (dedup_key(first) == dedup_key(second)) == same


def test_key_changes_with_each_identifying_part() -> None:
    base = samples.ACTIVITY_UPLOADED
    keys = {dedup_key(base)}
    for change in ({"athlete_id": "i1"}, {"type": "ACTIVITY_UPDATED"},
                   {"timestamp": "2026-04-15T16:29:50.101+00:00"},
                   {"activity": {**base["activity"], "name": "Renamed"}}):
        keys.add(dedup_key({**base, **change}))
    assert len(keys) == 5
