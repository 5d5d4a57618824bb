"""The sandbox's activity routes at the HTTP level: the platform's shapes and rules
(API-NOTES §2.6, §4.3-4.8, §6.3), and analytics that agree with the streams they come from."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.platform.activity_math import (
    best_average_curve,
    best_time_curve,
    histogram,
)

STUB_KEYS = {"id", "icu_athlete_id", "start_date_local", "source", "_note"}
NOTE = "STRAVA activities are not available via the API"


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url,
                      auth=("API_KEY", sandbox.api_key)) as http:
        yield http


def listed(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/api/v1/athlete/0/activities", params={"oldest": "2000-01-01", **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def a_ride(api: httpx.Client) -> dict[str, Any]:
    return next(a for a in listed(api) if a.get("type") == "Ride"
                and "watts" in (a.get("stream_types") or []))


def a_stub(api: httpx.Client) -> dict[str, Any]:
    return next(a for a in listed(api) if a.get("source") == "STRAVA")


def streams(api: httpx.Client, activity_id: str) -> dict[str, list[Any]]:
    response = api.get(f"/api/v1/activity/{activity_id}/streams.json")
    assert response.status_code == 200
    return {s["type"]: s["data"] for s in response.json()}


# -- listing -----------------------------------------------------------------------------------


def test_oldest_is_required(api: httpx.Client) -> None:
    response = api.get("/api/v1/athlete/0/activities")
    assert response.status_code == 422
    assert response.json() == {"status": 422,
                               "error": "Required request parameter 'oldest' is not present"}


def test_fields_returns_only_those_keys_and_drops_nulls(api: httpx.Client) -> None:
    ride = a_ride(api)
    assert api.put(f"/api/v1/activity/{ride['id']}", json={"icu_rpe": 8}).status_code == 200
    rows = listed(api, fields="id,name,icu_rpe,no_such_field")
    full = [r for r in rows if r.get("source") != "STRAVA"]
    assert all(set(r) <= {"id", "name", "icu_rpe"} for r in full)
    assert all(v is not None for r in full for v in r.values())
    assert {"id": ride["id"], "name": ride["name"], "icu_rpe": 8} in full
    assert any("icu_rpe" not in r for r in full)  # absent, not null
    stubs = [r for r in rows if r.get("source") == "STRAVA"]
    assert stubs
    assert all(set(s) == STUB_KEYS for s in stubs)


def test_newest_defaults_to_now_and_is_inclusive_to_the_end_of_its_day(
        api: httpx.Client, sandbox: Sandbox) -> None:
    everything = listed(api)
    newest_day = everything[0]["start_date_local"][:10]
    same_day = listed(api, newest=newest_day, oldest=newest_day)
    assert everything[0]["id"] in [a["id"] for a in same_day]
    assert [a["start_date_local"] for a in everything] == \
        sorted((a["start_date_local"] for a in everything), reverse=True)


def test_activities_csv_has_a_row_per_activity(api: httpx.Client) -> None:
    response = api.get("/api/v1/athlete/0/activities.csv")
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("id,start_date_local,name,type,moving_time,distance")
    assert len(lines) - 1 == len(listed(api))


DOCUMENTED_CSV_COLUMNS = [
    "id", "start_date_local", "name", "type", "moving_time", "distance", "elapsed_time",
    "total_elevation_gain", "max_speed", "average_speed", "has_heartrate", "max_heartrate",
    "average_heartrate", "calories", "device_watts", "icu_average_watts",
    "icu_normalized_watts", "icu_joules", "icu_intensity", "icu_training_load",
    "icu_training_load_edited", "icu_fatigue", "icu_fitness", "icu_eftp", "icu_variability",
    "icu_efficiency", "trainer", "commute", "workout_type"]
"""The published column list (forum "Download all activities in CSV format", 2020)."""


def _csv(api: httpx.Client) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(api.get("/api/v1/athlete/0/activities.csv").text)))


def test_activities_csv_uses_the_documented_column_names(api: httpx.Client) -> None:
    header = api.get("/api/v1/athlete/0/activities.csv").text.splitlines()[0].split(",")
    assert header[:len(DOCUMENTED_CSV_COLUMNS)] == DOCUMENTED_CSV_COLUMNS
    ride = a_ride(api)
    row = next(r for r in _csv(api) if r["id"] == ride["id"])
    assert row["icu_normalized_watts"] == str(ride["icu_weighted_avg_watts"])
    assert row["icu_fatigue"] == str(ride["icu_atl"])
    assert row["icu_fitness"] == str(ride["icu_ctl"])
    assert row["icu_variability"] == str(ride["icu_variability_index"])
    assert row["icu_efficiency"] == str(ride["icu_efficiency_factor"])
    assert row["icu_training_load_edited"] == "false"
    assert row["workout_type"] == ("11" if ride["race"] else "")


def test_activities_csv_says_when_the_load_was_edited(api: httpx.Client) -> None:
    ride = a_ride(api)
    assert api.put(f"/api/v1/activity/{ride['id']}",
                   json={"icu_training_load": 77}).status_code == 200
    row = next(r for r in _csv(api) if r["id"] == ride["id"])
    assert (row["icu_training_load"], row["icu_training_load_edited"]) == ("77", "true")


PRIMITIVES = {"file_sport_index", "has_weather", "has_segments", "commute", "race",
              "icu_lap_count", "icu_sweet_spot_min", "icu_sweet_spot_max"}


def test_every_activity_carries_the_primitive_fields(api: httpx.Client,
                                                     sandbox: Sandbox) -> None:
    """What every captured platform payload has, even the ACTIVITY_DELETED stub (issue 11,
    item 4): seeded, manual and uploaded activities alike."""
    manual = api.post("/api/v1/athlete/0/activities/manual", json={
        "start_date_local": "2025-05-05T10:00:00", "type": "Run", "moving_time": 600}).json()
    for activity in [*(a for a in listed(api) if a.get("source") != "STRAVA"), manual]:
        assert set(activity) >= PRIMITIVES, (activity["id"], PRIMITIVES - set(activity))
        assert activity["file_sport_index"] == 0
        assert activity["has_segments"] is False
        assert activity["has_weather"] is ("latlng" in (activity.get("stream_types") or []))


def test_outdoor_seeded_activities_carry_their_weather(api: httpx.Client) -> None:
    outdoor = next(a for a in listed(api) if a.get("has_weather"))
    assert outdoor["min_weather_temp"] <= outdoor["average_weather_temp"] \
        <= outdoor["max_weather_temp"]
    assert 0 <= outdoor["prevailing_wind_deg"] < 360
    assert outdoor["average_wind_gust"] >= outdoor["average_wind_speed"] > 0


def test_the_deleted_stub_of_a_seeded_activity_is_the_captured_shape(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    ride = a_ride(api)
    sandbox.state.webhooks.emitted.clear()
    assert api.delete(f"/api/v1/activity/{ride['id']}").status_code == 200
    stub = next(e for e in sandbox.state.webhooks.emitted
                if e["type"] == "ACTIVITY_DELETED")["activity"]
    assert set(stub) == PRIMITIVES | {"id", "icu_athlete_id", "source"}


def test_get_many_ignores_missing_and_other_athletes_ids(api: httpx.Client,
                                                         sandbox: Sandbox) -> None:
    mine = listed(api)[0]["id"]
    other_store = sandbox.state.store(sandbox.athlete_ids[1])
    theirs = next(iter(other_store.activities))
    response = api.get(f"/api/v1/athlete/0/activities/{mine},{theirs},i1")
    assert [a["id"] for a in response.json()] == [mine]


def test_activities_around_are_closest_first(api: httpx.Client) -> None:
    everything = listed(api)
    anchor = everything[len(everything) // 2]
    around = api.get("/api/v1/athlete/0/activities-around",
                     params={"activity_id": anchor["id"], "limit": 6}).json()
    when = datetime.fromisoformat(anchor["start_date_local"])
    gaps = [abs(datetime.fromisoformat(a["start_date_local"]) - when) for a in around]
    assert len(around) == 6
    assert gaps == sorted(gaps)
    assert anchor["id"] not in [a["id"] for a in around]


def test_interval_search_finds_what_the_intervals_say(api: httpx.Client) -> None:
    ride = a_ride(api)
    api.put(f"/api/v1/activity/{ride['id']}/intervals", params={"all": "true"},
            json=[{"start_index": 100, "end_index": 400, "type": "WORK"},
                  {"start_index": 500, "end_index": 800, "type": "WORK"}])
    intervals = api.get(f"/api/v1/activity/{ride['id']}/intervals").json()["icu_intervals"]
    low = min(i["intensity"] for i in intervals)
    high = max(i["intensity"] for i in intervals)
    found = api.get("/api/v1/athlete/0/activities/interval-search", params={
        "minSecs": 290, "maxSecs": 310, "minIntensity": low, "maxIntensity": high,
        "type": "POWER", "minReps": 2, "limit": 100}).json()
    assert ride["id"] in [a["id"] for a in found]
    none = api.get("/api/v1/athlete/0/activities/interval-search", params={
        "minSecs": 290, "maxSecs": 310, "minIntensity": low, "maxIntensity": high,
        "minReps": 3, "limit": 100}).json()
    assert ride["id"] not in [a["id"] for a in none]


# -- Strava stubs ------------------------------------------------------------------------------


def test_a_strava_activity_is_a_stub_that_refuses_writes_and_files(api: httpx.Client,
                                                                   sandbox: Sandbox) -> None:
    stub = a_stub(api)
    got = api.get(f"/api/v1/activity/{stub['id']}", params={"intervals": "true"}).json()
    assert got == {"id": stub["id"], "icu_athlete_id": sandbox.athlete_id,
                   "start_date_local": stub["start_date_local"], "source": "STRAVA",
                   "_note": NOTE}
    hooks = len(sandbox.state.webhooks.emitted)
    for method, suffix in [("PUT", ""), ("GET", "/file"), ("GET", "/fit-file"),
                           ("GET", "/gpx-file"), ("GET", "/streams.json"),
                           ("GET", "/intervals"), ("GET", "/power-curve.json")]:
        response = api.request(method, f"/api/v1/activity/{stub['id']}{suffix}",
                               json={"name": "x"} if method == "PUT" else None)
        assert response.status_code == 422, (method, suffix)
        assert response.json() == {"status": 422, "error": NOTE}
    zipped = api.post("/api/v1/athlete/0/download-fit-files", params={"ids": stub["id"]})
    assert zipped.status_code == 422
    assert zipped.json()["error"] == "No activities found"
    assert api.get("/api/v1/athlete/0/download-fit-files",
                   params={"ids": stub["id"]}).status_code == 405
    assert api.delete(f"/api/v1/activity/{stub['id']}").status_code == 200
    assert len(sandbox.state.webhooks.emitted) == hooks  # never for Strava activities


# -- writes ------------------------------------------------------------------------------------


def test_put_changes_only_what_is_sent_and_keeps_sync_date(api: httpx.Client,
                                                           sandbox: Sandbox) -> None:
    ride = a_ride(api)
    before = api.get(f"/api/v1/activity/{ride['id']}").json()
    sandbox.advance(3600)
    after = api.put(f"/api/v1/activity/{ride['id']}",
                    json={"description": "legs ok", "icu_ftp": -1, "icu_sync_date": "1999",
                          "id": "i1"}).json()
    assert after["description"] == "legs ok"
    assert after["icu_ftp"] is None  # -1 clears a numeric field (written as null)
    assert after["icu_sync_date"] == before["icu_sync_date"]
    assert after["id"] == ride["id"]
    assert "updated" not in after
    untouched = {k: v for k, v in before.items() if k not in {"description", "icu_ftp"}}
    assert {k: after.get(k) for k in untouched} == untouched
    bad = api.put(f"/api/v1/activity/{ride['id']}", json={"icu_rpe": "hard"})
    assert bad.status_code == 422


def test_a_follower_with_read_access_can_read_but_not_write(sandbox: Sandbox) -> None:
    follower, followed = sandbox.athlete_ids[0], sandbox.athlete_ids[1]
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url,
                      auth=("API_KEY", sandbox.api_key_for(follower))) as http:
        activity_id = next(iter(sandbox.state.store(followed).activities))
        assert http.get(f"/api/v1/activity/{activity_id}").status_code == 200
        assert http.put(f"/api/v1/activity/{activity_id}",
                        json={"name": "mine"}).status_code == 403


def test_post_on_streams_csv_is_405(api: httpx.Client) -> None:
    ride = a_ride(api)
    response = api.post(f"/api/v1/activity/{ride['id']}/streams.csv",
                        files={"file": ("s.csv", b"time\n0\n", "text/csv")})
    assert response.status_code == 405


def test_streams_csv_upload_rules(api: httpx.Client) -> None:
    ride = a_ride(api)
    n = len(streams(api, ride["id"])["time"])

    def put(text: str) -> httpx.Response:
        return api.put(f"/api/v1/activity/{ride['id']}/streams.csv",
                       files={"file": ("s.csv", text.encode(), "text/csv")})

    bad_time = put("time,watts\n" + "".join(f"{i + 1},100\n" for i in range(n)))
    assert bad_time.status_code == 422
    assert "first value is 0" in bad_time.json()["error"]
    body = "cadence,lr\n" + "".join(f",{40 + i % 10}:{60 - i % 10}\n" for i in range(n))
    result = put(body).json()
    assert result == {"updated": ["lr"], "deleted": ["cadence"]}
    after = streams(api, ride["id"])
    assert "cadence" not in after
    assert after["lr"][:2] == [[40, 60], [41, 59]]


# -- analytics agree with the streams ------------------------------------------------------------


def brute_best(values: list[float], window: int) -> float:
    return max(sum(values[i:i + window]) / window for i in range(len(values) - window + 1))


def test_power_and_hr_curves_are_the_best_window_means(api: httpx.Client) -> None:
    ride = a_ride(api)
    data = streams(api, ride["id"])
    watts = [float(w or 0) for w in data["watts"]]
    curve = api.get(f"/api/v1/activity/{ride['id']}/power-curve.json").json()
    for secs, value, start in zip(curve["secs"], curve["values"], curve["start_index"],
                                  strict=True):
        if secs in {1, 5, 60, 300}:
            assert value == round(brute_best(watts, secs))
            assert round(sum(watts[start:start + secs]) / secs) == value
    assert curve["values"] == sorted(curve["values"], reverse=True)
    hr = api.get(f"/api/v1/activity/{ride['id']}/hr-curve.json").json()
    heart = [float(h or 0) for h in data["heartrate"]]
    assert hr["values"][hr["secs"].index(60)] == round(brute_best(heart, 60))
    csv_text = api.get(f"/api/v1/activity/{ride['id']}/power-curve.csv").text
    assert csv_text.splitlines()[1].split(",")[:2] == [str(curve["secs"][0]),
                                                       str(curve["values"][0])]
    missing = api.get(f"/api/v1/activity/{ride['id']}/power-curves.json",
                      params={"types": "watts_alt"})
    assert missing.status_code == 422
    assert missing.content == b""


def test_histograms_and_time_at_hr_account_for_every_sample(api: httpx.Client) -> None:
    ride = a_ride(api)
    data = streams(api, ride["id"])
    samples = [h for h in data["heartrate"] if h is not None]
    buckets = api.get(f"/api/v1/activity/{ride['id']}/hr-histogram",
                      params={"bucketSize": 10}).json()
    assert sum(b["secs"] for b in buckets) == len(samples)
    assert [b["start"] for b in buckets] == list(range(buckets[0]["start"],
                                                       buckets[-1]["start"] + 1, 10))
    assert all(b["start"] <= min(samples) < b["start"] + 10 for b in buckets[:1])
    power = api.get(f"/api/v1/activity/{ride['id']}/power-histogram").json()
    assert sum(b["secs"] for b in power) == sum(w is not None for w in data["watts"])
    at_hr = api.get(f"/api/v1/activity/{ride['id']}/time-at-hr").json()
    assert at_hr["cumulative_secs"][0] == len(samples) == sum(at_hr["secs"])
    assert at_hr["max_bpm"] == round(max(samples))


def test_best_efforts_do_not_overlap_and_are_the_best(api: httpx.Client) -> None:
    ride = a_ride(api)
    watts = [float(w or 0) for w in streams(api, ride["id"])["watts"]]
    efforts = api.get(f"/api/v1/activity/{ride['id']}/best-efforts",
                      params={"stream": "watts", "duration": 60, "count": 4}).json()["efforts"]
    assert len(efforts) == 4
    assert efforts[0]["average"] == pytest.approx(brute_best(watts, 60), abs=0.01)
    spans = sorted((e["start_index"], e["end_index"]) for e in efforts)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert [e["average"] for e in efforts] == sorted((e["average"] for e in efforts),
                                                     reverse=True)
    for effort in efforts:
        window = watts[effort["start_index"]:effort["end_index"]]
        assert effort["average"] == pytest.approx(sum(window) / 60, abs=0.01)
    neither = api.get(f"/api/v1/activity/{ride['id']}/best-efforts", params={"stream": "watts"})
    assert neither.status_code == 422


def test_map_bounds_hold_every_point(api: httpx.Client) -> None:
    ride = a_ride(api)
    data = api.get(f"/api/v1/activity/{ride['id']}/map").json()
    (south, west), (north, east) = data["bounds"]
    assert all(south <= lat <= north and west <= lng <= east for lat, lng in data["latlngs"])
    bad = api.get(f"/api/v1/activity/{ride['id']}/map", params={"bounds": "1,2,3"})
    assert bad.json() == {"status": 422, "error": "Expected left, top, right, bottom for bounds"}


# -- the math, as properties -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 1500)), min_size=1, max_size=400))
def test_best_average_curve_matches_brute_force(values: list[int | None]) -> None:
    clean = [float(v or 0) for v in values]
    arr = np.array([np.nan if v is None else float(v) for v in values])
    curve = best_average_curve(arr)
    for secs, value, start in zip(curve["secs"], curve["values"], curve["start_index"],
                                  strict=True):
        assert value == round(brute_best(clean, secs))
        assert curve["end_index"][curve["secs"].index(secs)] == start + secs
    assert all(s <= len(values) for s in curve["secs"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 12, allow_nan=False), min_size=2, max_size=300))
def test_best_time_curve_matches_brute_force(speeds: list[float]) -> None:
    distance = np.concatenate(([0.0], np.cumsum(speeds)))
    time = np.arange(distance.size, dtype=float)
    curve = best_time_curve(time, distance, (10.0, 100.0, 400.0))
    for target, took in zip(curve["distance"], curve["values"], strict=True):
        best = min(time[j] - time[i] for i in range(distance.size)
                   for j in range(i, distance.size)
                   # a sum minus a part of it can land an ulp short of the target
                   if distance[j] - distance[i] >= target - 1e-9)
        assert took == round(best)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(40, 220, allow_nan=False)), max_size=300),
       st.integers(1, 30))
def test_histogram_counts_every_finite_sample_once(values: list[float | None],
                                                   bucket: int) -> None:
    arr = np.array([np.nan if v is None else v for v in values], dtype=float)
    buckets = histogram(arr, bucket)
    assert sum(b["secs"] for b in buckets) == sum(v is not None for v in values)
    for b in buckets:
        inside = [v for v in values if v is not None and b["start"] <= v < b["start"] + bucket]
        assert b["secs"] == len(inside)
