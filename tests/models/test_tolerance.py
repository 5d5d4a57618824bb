"""Tolerant reading, strict checks on request."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from intervals_icu.models import (
    Activity,
    ActivitySource,
    StravaActivityStub,
    Wellness,
    parse_activity,
    strict_check,
)


def test_unknown_fields_and_enum_values_are_kept() -> None:
    activity = Activity.model_validate(
        {"id": "i1", "source": "TIKTOK", "brand_new_field": {"x": 1}, "type": "Ride"}
    )
    assert activity.source == "TIKTOK"
    assert isinstance(activity.source, ActivitySource)
    assert not activity.source.is_known
    assert ActivitySource.GARMIN_CONNECT.is_known
    assert activity.model_extra == {"brand_new_field": {"x": 1}}
    assert "TIKTOK" not in [m.value for m in ActivitySource]
    problems = strict_check(activity)
    assert "Activity.brand_new_field (unknown field)" in problems
    assert "Activity.source = 'TIKTOK' (unknown enum value)" in problems


def test_explicit_nulls_for_lists_are_fine() -> None:
    activity = Activity.model_validate({"id": "i1", "tags": None, "icu_intervals": None})
    assert activity.tags is None
    assert strict_check(Activity.model_validate({"id": "i1", "tags": None})) == []


def test_strava_stub_is_a_distinct_type() -> None:
    stub = parse_activity({
        "id": "16589160080", "icu_athlete_id": "i12345", "start_date_local": "2025-11-28T15:20:49",
        "source": "STRAVA", "_note": "STRAVA activities are not available via the API",
    })
    assert isinstance(stub, StravaActivityStub)
    assert stub.is_strava_stub
    assert stub.note == "STRAVA activities are not available via the API"
    full = parse_activity({"id": "i1", "type": "Ride", "source": "STRAVA", "name": "x",
                           "moving_time": 5})
    assert isinstance(full, Activity)
    assert not full.is_strava_stub


@given(st.sampled_from(["2026-04-16T06:37:39.861+00:00", "2021-01-01T15:14:22.925+0000",
                        "2026-04-16T05:28:47Z", "2026-04-16T05:28:47"]))
def test_server_timestamps_in_every_seen_shape_parse_aware(text: str) -> None:
    record = Wellness.model_validate({"id": "2026-04-16", "updated": text})
    assert record.updated is not None
    assert record.updated.tzinfo is not None
    assert record.updated.astimezone(UTC).year in {2021, 2026}


def test_workout_doc_values_of_any_type_parse() -> None:
    # The spec says Map<String, Object> of objects; the platform sends any JSON (errata).
    from intervals_icu.models import Event

    event = Event.model_validate({"id": 1, "workout_doc": {"description": "x", "duration": 3600,
                                                           "steps": [{"duration": 60}]}})
    assert event.workout_doc is not None
    assert event.workout_doc["duration"] == 3600


def test_repr_shows_only_what_is_set() -> None:
    text = repr(Activity.model_validate({"id": "i1", "name": "Ride"}))
    assert text == "Activity(id='i1', name='Ride')"
    _ = datetime
