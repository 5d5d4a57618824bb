"""The seeded history: deterministic, schema-valid, plausible, consistent with its streams."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators

from intervals_icu.models import StravaActivityStub
from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.clock import Clock
from intervals_icu.sandbox.generate import generate_activity
from intervals_icu.sandbox.generate.settings import settings_for
from intervals_icu.sandbox.generate.world import SeedResult, seed_world
from intervals_icu.sandbox.platform.streams import load_streams
from intervals_icu.sandbox.platform.summary import summarize
from intervals_icu.sandbox.state import SandboxState
from intervals_icu.spec import effective_spec

END = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 18, 0, tzinfo=UTC)


def _world(seed: int, years: float = 0.25, athletes: int = 2) -> tuple[SandboxState, SeedResult]:
    state = SandboxState(clock=Clock(NOW, frozen=True), seed=seed)
    result = seed_world(state, seed=seed, athletes=athletes, years=years, end=END)
    return state, result


@pytest.fixture(scope="module")
def world() -> tuple[SandboxState, SeedResult]:
    return _world(21, years=0.5)


def _seeded(world: tuple[SandboxState, SeedResult]) -> list[Any]:
    """The stores of the athletes with a history (the stranger has none)."""
    state, result = world
    return [state.store(a) for a in [result.coach_id, *result.athlete_ids]]


def _snapshot(state: SandboxState) -> dict[str, Any]:
    return {
        athlete_id: {
            "activities": store.activities, "wellness": store.wellness,
            "events": store.events, "gear": store.gear, "settings": store.sport_settings,
            "custom": store.custom_items,
            "details": {k: (d.recipe, d.intervals, d.groups) for k, d in store.details.items()},
        }
        for athlete_id, store in state.stores.items()
    }


def test_same_seed_gives_identical_data_and_another_seed_does_not() -> None:
    first, _ = _world(5)
    second, _ = _world(5)
    other, _ = _world(6)
    assert _snapshot(first) == _snapshot(second)
    a = [act for s in first.stores.values() for act in s.activities.values()]
    b = [act for s in other.stores.values() for act in s.activities.values()]
    assert a
    assert b
    assert [x["start_date_local"] for x in a] != [x["start_date_local"] for x in b]


def _strict(schema_name: str) -> Any:
    spec = effective_spec()
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    strict = validators.extend(Draft202012Validator, type_checker=checker)
    return strict({"$ref": f"#/components/schemas/{schema_name}",
                   "components": spec["components"]})


def test_every_generated_record_validates_against_the_official_schema(world: Any) -> None:
    state, _ = world
    checks = {name: _strict(name) for name in ("Activity", "Wellness", "Event", "Gear",
                                               "SportSettings", "CustomItem", "Interval",
                                               "IntervalGroup")}
    problems: list[str] = []
    counts: Counter[str] = Counter()
    for store in state.stores.values():
        for name, records in (("Activity", store.activities), ("Wellness", store.wellness),
                              ("Event", store.events), ("Gear", store.gear),
                              ("SportSettings", store.sport_settings),
                              ("CustomItem", store.custom_items)):
            for record in records.values():
                counts[name] += 1
                problems += [f"{name} {record.get('id')}: {e.message}"
                             for e in checks[name].iter_errors(record)]
        for detail in store.details.values():
            for interval in detail.intervals:
                counts["Interval"] += 1
                problems += [f"Interval: {e.message}"
                             for e in checks["Interval"].iter_errors(interval)]
            for group in detail.groups:
                counts["IntervalGroup"] += 1
                problems += [f"Group: {e.message}"
                             for e in checks["IntervalGroup"].iter_errors(group)]
    assert problems == []
    assert all(counts[name] > 0 for name in checks), counts


def test_activities_have_the_platform_shape(world: Any) -> None:
    state, _ = world
    ids: set[str] = set()
    for athlete_id, store in state.stores.items():
        account = state.accounts[athlete_id]
        for activity in store.activities.values():
            assert activity["id"] not in ids
            ids.add(activity["id"])
            assert state.activity_index[activity["id"]] == athlete_id
            assert "updated" not in activity
            assert activity["icu_athlete_id"] == athlete_id
            assert activity["timezone"] == account.profile["timezone"]
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", activity["start_date_local"])
            assert activity["start_date"].endswith("Z")
            local = datetime.fromisoformat(activity["start_date_local"])
            utc = datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00"))
            assert local.replace(tzinfo=account.timezone) == utc
            assert local.date() < END
            for key in ("created", "icu_sync_date", "analyzed"):
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00",
                                    activity[key])
            if activity["source"] == "STRAVA":
                assert activity["id"].isdigit()
            else:
                assert re.fullmatch(r"i\d+", activity["id"])
            if activity["source"] not in {"STRAVA", "MANUAL"}:
                assert activity["file_type"] == "fit"
                assert activity["device_name"]
            if activity["type"] in {"Ride", "Run"} and activity["source"] != "MANUAL":
                assert set(activity["gear"]) == {"id", "name", "distance", "primary"}


def test_a_year_has_the_training_rhythm_of_a_real_athlete(world: Any) -> None:
    state, result = world
    for athlete_id in [result.coach_id, *result.athlete_ids]:
        activities = state.store(athlete_id).activities.values()
        per_week = len(activities) / (0.5 * 365.25 / 7)
        assert 5.0 <= per_week <= 9.0, (athlete_id, per_week)
        days = {a["start_date_local"][:10] for a in activities}
        assert len(days) < 0.5 * 365.25 * 0.93  # rest days exist
        kinds = Counter(a["type"] for a in activities)
        assert len(kinds) >= 3, kinds
    every = [a for s in state.stores.values() for a in s.activities.values()]
    assert {a["source"] for a in every} >= {"GARMIN_CONNECT", "STRAVA", "MANUAL"}
    assert any(a["type"] == "VirtualRide" and a["source"] == "ZWIFT" for a in every)


def _close(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        return math.isclose(expected, actual, rel_tol=1e-3, abs_tol=0.011)
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(
            _close(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict):
        return expected.keys() == actual.keys() and all(
            _close(expected[k], actual[k]) for k in expected)
    return bool(expected == actual)


def test_summaries_are_what_the_streams_say(world: Any) -> None:
    state, result = world
    checked = 0
    for athlete_id in result.athlete_ids:
        store = state.store(athlete_id)
        profile = state.accounts[athlete_id].profile
        settings = list(store.sport_settings.values())
        for activity_id, activity in list(store.activities.items())[::7]:
            detail = store.details[activity_id]
            streams = load_streams(detail)
            if not streams:
                assert activity["source"] == "MANUAL"
                continue
            recomputed = summarize(streams, sport=activity["type"],
                                   sport_settings=settings_for(activity["type"], settings),
                                   athlete=profile,
                                   on=date.fromisoformat(activity["start_date_local"][:10]))
            wrong = {k: (activity.get(k), v) for k, v in recomputed.items()
                     if not _close(v, activity.get(k))}
            assert wrong == {}, activity_id
            checked += 1
    assert checked > 20


def test_interval_sessions_are_found_as_intervals(world: Any) -> None:
    found = 0
    for store in _seeded(world):
        for activity_id, activity in store.activities.items():
            match = re.fullmatch(r"(?:Zwift - )?(\d+)x(\d+)m Threshold", activity["name"])
            if not match:
                continue
            reps, minutes = int(match[1]), int(match[2])
            work = [i for i in store.details[activity_id].intervals if i["type"] == "WORK"]
            assert len(work) == reps, activity["interval_summary"]
            assert all(abs(i["elapsed_time"] - minutes * 60) <= 30 for i in work)
            assert all(i["intensity"] >= 90 for i in work)
            assert len({i.get("group_id") for i in work}) == 1
            found += 1
    assert found >= 2


def test_gear_totals_add_up_from_the_activities(world: Any) -> None:
    for store in _seeded(world):
        distance: dict[str, float] = defaultdict(float)
        count: Counter[str] = Counter()
        for activity in store.activities.values():
            gear = activity.get("gear")
            if gear:
                distance[gear["id"]] += activity.get("distance") or 0.0
                count[gear["id"]] += 1
                assert gear["distance"] == store.gear[gear["id"]]["distance"]
        kinds = {g["type"] for g in store.gear.values()}
        assert {"Bike", "Shoes"} <= kinds
        for gear_id, item in store.gear.items():
            assert item["activities"] == count[gear_id]
            assert item["distance"] == pytest.approx(distance[gear_id], abs=1.0)


def test_sport_settings_have_thresholds_and_zones(world: Any) -> None:
    for store in _seeded(world):
        settings = list(store.sport_settings.values())
        assert all(isinstance(s["id"], int) for s in settings)
        for sport in ("Ride", "Run", "Swim"):
            item = settings_for(sport, settings)
            assert item is not None
            assert sport in item["types"]
            assert item["lthr"] < item["max_hr"]
            zones = item["hr_zones"]
            assert zones == sorted(zones)
            assert zones[-1] == item["max_hr"]
        ride = settings_for("Ride", settings)
        assert ride is not None
        assert 100 < ride["ftp"] < 450
        assert settings_for("Run", settings)["threshold_pace"] > 2.0  # type: ignore[index]
        assert len(store.custom_items) >= 2


def test_wellness_is_daily_and_physiological(world: Any) -> None:
    state, result = world
    for athlete_id in [result.coach_id, *result.athlete_ids]:
        store = state.store(athlete_id)
        days = sorted(store.wellness)
        first = date.fromisoformat(days[0])
        assert days == [(first + timedelta(days=i)).isoformat() for i in range(len(days))]
        assert END.isoformat() in days
        profile = state.accounts[athlete_id].profile
        inputs = [store.wellness[d] for d in days if d <= END.isoformat()]
        weights = [r["weight"] for r in inputs if "weight" in r]
        assert len(weights) > 0.7 * len(inputs)
        assert all(abs(w - profile["weight"]) < 6 for w in weights)
        assert all(30 <= r["restingHR"] <= 90 for r in inputs)
        assert all(15 <= r["hrv"] <= 150 for r in inputs)
        assert all(4 * 3600 <= r["sleepSecs"] <= 11 * 3600 for r in inputs)
        assert all(r["locked"] is False and "updated" in r for r in inputs)
        assert all("ctl" in r and "atl" in r for r in inputs)


def test_calendar_has_plans_notes_races_and_targets(world: Any) -> None:
    state, result = world
    store = state.store(result.athlete_ids[0])
    events = list(store.events.values())
    categories = Counter(e["category"] for e in events)
    assert categories["WORKOUT"] > 10
    assert categories["RACE_A"] == 1
    assert categories["TARGET"] >= 2
    assert categories["NOTE"] >= 1
    future = [e for e in events if e["category"] == "WORKOUT"
              and e["start_date_local"][:10] >= END.isoformat()]
    assert len(future) >= 8
    for event in future:
        assert event["created_by_id"] == result.coach_id
        doc = event["workout_doc"]
        assert doc["duration"] == event["moving_time"]
        assert sum(_doc_seconds(s) for s in doc["steps"]) == event["moving_time"]
        assert _text_seconds(event["description"]) == event["moving_time"]
    paired = [a for a in store.activities.values() if "paired_event_id" in a]
    assert paired
    assert all(store.events[a["paired_event_id"]]["type"] == a["type"]
                          for a in paired)


def _doc_seconds(step: dict[str, Any]) -> int:
    if "reps" in step:
        return int(step["reps"] * sum(_doc_seconds(s) for s in step["steps"]))
    return int(step["duration"])


def _text_seconds(text: str) -> int:
    """Read back the native workout text: ``- 8m 105%`` lines, ``Main set 4x`` repeats."""
    total, reps, block = 0, 1, 0
    for line in [*text.splitlines(), ""]:
        repeat = re.fullmatch(r".*?(\d+)x", line.strip())
        step = re.match(r"- (?:Warmup |Cooldown )?((?:\d+h)?(?:\d+m)?(?:\d+s)?) ", line)
        if repeat and not line.startswith("-"):
            reps, block = int(repeat[1]), 0
        elif step:
            parts = re.findall(r"(\d+)([hms])", step[1])
            block += sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)
        elif not line.strip():
            total += reps * block
            reps, block = 1, 0
    return total


def test_fitness_follows_training(world: Any) -> None:
    state, result = world
    for athlete_id in result.athlete_ids:
        wellness = state.store(athlete_id).wellness
        ctl = [wellness[d]["ctl"] for d in sorted(wellness)]
        assert ctl[0] < ctl[-1]  # built up from zero
        assert 15 < max(ctl) < 150


def test_generate_activity_builds_one_unstored_activity(world: Any) -> None:
    state, result = world
    athlete_id = result.athlete_ids[0]
    before = len(state.store(athlete_id).activities)
    when = datetime(2025, 6, 29, 7, 15, 3)
    activity, detail = generate_activity(state, athlete_id, rng_seed=99, when=when,
                                         sport="Run")
    again, _ = generate_activity(state, athlete_id, rng_seed=99, when=when, sport="Run")
    assert len(state.store(athlete_id).activities) == before
    assert activity["type"] == "Run"
    assert activity["start_date_local"] == "2025-06-29T07:15:03"
    assert activity["id"] != again["id"]
    assert {k: v for k, v in activity.items() if k != "id"} == {
        k: v for k, v in again.items() if k != "id"}
    streams = load_streams(detail)
    assert activity["moving_time"] == sum(streams["moving"])
    assert "watts" not in streams or settings_for("Run", list(
        state.store(athlete_id).sport_settings.values())).get("ftp")  # type: ignore[union-attr]
    strava, _ = generate_activity(state, athlete_id, rng_seed=5, when=when, sport="Ride",
                                  source="STRAVA")
    assert strava["id"].isdigit()
    assert strava["source"] == "STRAVA"


def test_seeding_does_not_emit_webhooks() -> None:
    emitted: list[Any] = []

    class Recorder:
        def emit(self, *args: Any) -> None:
            emitted.append(args)

    state = SandboxState(clock=Clock(NOW, frozen=True), seed=2)
    state.webhooks = Recorder()
    seed_world(state, seed=2, athletes=1, years=0.1, end=END)
    assert emitted == []


def test_strava_activities_reach_clients_as_stubs(seeded_sandbox: Sandbox) -> None:
    with seeded_sandbox.client() as client:
        listed = client.activities.list(oldest=date.today() - timedelta(days=200))
    stubs = [a for a in listed if isinstance(a, StravaActivityStub)]
    assert stubs, "the seeded history should include Strava-synced activities"
    assert len(stubs) < 0.2 * len(listed)
    assert all(str(s.id).isdigit() for s in stubs)
