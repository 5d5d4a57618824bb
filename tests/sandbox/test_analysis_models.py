"""The analysis models (issue 11, item 7): power vs HR, power-spike and MMP models, HR load
model, pace and GAP histograms, weather summary, power-HR curve. Each is checked against a
number worked out here independently, or against another endpoint that must agree."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.platform.activity_math import CURVE_SECS
from intervals_icu.sandbox.platform.analysis_models import fit_power_model


@pytest.fixture(scope="module")
def seeded() -> Iterator[Sandbox]:
    sb = Sandbox(seed=29, athletes=1, years=0.3)
    sb.configure(rate_limit_enabled=False)
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def http(seeded: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=seeded.transport(), base_url=seeded.base_url,
                      auth=("API_KEY", seeded.api_key)) as client:
        yield client


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    sandbox.configure(rate_limit_enabled=False)
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url,
                      auth=("API_KEY", sandbox.api_key)) as client:
        yield client


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _activities(sb: Sandbox) -> list[dict[str, Any]]:
    return [a for a in sb.state.store(sb.athlete_id).activities.values()
            if a.get("source") != "STRAVA"]


def _with_streams(sb: Sandbox, *names: str) -> dict[str, Any]:
    return next(a for a in sorted(_activities(sb), key=lambda a: a["start_date_local"])
                if set(names) <= set(a.get("stream_types") or []))


def _streams(http: httpx.Client, activity_id: str) -> dict[str, list[Any]]:
    return {s["type"]: s["data"] for s in _ok(http.get(
        f"/api/v1/activity/{activity_id}/streams.json"))}


def _manual_with_streams(api: httpx.Client, sandbox: Sandbox, streams: dict[str, list[Any]],
                         sport: str = "Ride") -> str:
    day = sandbox.state.local_today(sandbox.athlete_id) - timedelta(days=1)
    made = api.post("/api/v1/athlete/0/activities/manual", json={
        "start_date_local": f"{day}T08:00:00", "type": sport, "name": "Model test",
        "moving_time": len(streams["time"])})
    assert made.status_code == 200, made.text
    activity_id = str(made.json()["id"])
    body = [{"type": name, "data": values} for name, values in streams.items()]
    assert api.put(f"/api/v1/activity/{activity_id}/streams", json=body).status_code == 200
    return activity_id


# -- power vs heart rate ------------------------------------------------------------------------


def test_power_vs_hr_agrees_with_the_streams_and_the_activity(seeded: Sandbox,
                                                             http: httpx.Client) -> None:
    ride = _with_streams(seeded, "watts", "heartrate")
    plot = _ok(http.get(f"/api/v1/activity/{ride['id']}/power-vs-hr.json"))
    streams = _streams(http, ride["id"])
    watts = np.array(streams["watts"], dtype=float)
    hr = np.array(streams["heartrate"], dtype=float)
    moving = np.array(streams["moving"], dtype=bool)
    used = moving & (hr > 0)
    assert plot["powerHr"] == pytest.approx(watts[used].mean() / hr[used].mean(), abs=1e-3)
    # No warm-up or cool-down on seeded activities: the plot's decoupling is the activity's.
    assert plot["decoupling"] == ride["decoupling"]
    assert sum(b["secs"] for b in plot["series"]) == plot["end"] - plot["start"] == len(watts)
    first = plot["series"][0]
    head = slice(0, 60)
    assert first["watts"] == pytest.approx(watts[head][used[head]].mean(), abs=0.05)
    assert first["hr"] == pytest.approx(hr[head][used[head]].mean(), abs=0.05)


def test_power_vs_hr_csv_is_its_series(seeded: Sandbox, http: httpx.Client) -> None:
    ride = _with_streams(seeded, "watts", "heartrate")
    response = http.get(f"/api/v1/activity/{ride['id']}/power-vs-hr.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    plot = _ok(http.get(f"/api/v1/activity/{ride['id']}/power-vs-hr.json"))
    assert [int(r["start"]) for r in rows] == [b["start"] for b in plot["series"]]


def test_power_vs_hr_needs_power_and_heart_rate(api: httpx.Client, sandbox: Sandbox) -> None:
    only_hr = _manual_with_streams(api, sandbox, {"time": list(range(600)),
                                                 "heartrate": [130] * 600}, sport="Run")
    assert api.get(f"/api/v1/activity/{only_hr}/power-vs-hr.json").status_code == 422


def test_power_vs_hr_decoupling_of_a_fading_effort(api: httpx.Client, sandbox: Sandbox) -> None:
    # Same heart rate, power 10 % lower in the second half: 10 % decoupling.
    n = 1200
    activity_id = _manual_with_streams(api, sandbox, {
        "time": list(range(n)), "watts": [200] * (n // 2) + [180] * (n // 2),
        "heartrate": [140] * n, "cadence": [90] * n})
    plot = _ok(api.get(f"/api/v1/activity/{activity_id}/power-vs-hr.json"))
    assert plot["decoupling"] == pytest.approx(10.0)
    assert plot["powerHrFirst"] == pytest.approx(200 / 140, abs=1e-3)
    assert plot["curves"][0]["id"] == "linear"
    assert plot["ratioCoefficients"][1] < 0  # the ratio falls over time


# -- power models -------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(cp=st.integers(100, 450), w_prime=st.integers(5000, 40000))
def test_the_critical_power_fit_recovers_the_model(cp: int, w_prime: int) -> None:
    watts = [cp + w_prime / t for t in CURVE_SECS]
    model = fit_power_model(list(CURVE_SECS), watts)
    assert model["type"] == "MS_2P"
    assert model["criticalPower"] == pytest.approx(cp, abs=1)
    assert model["wPrime"] == pytest.approx(w_prime, abs=2)
    assert model["ftp"] == round(cp + w_prime / 3600)
    assert model["pMax"] == round(cp + w_prime)
    used = [CURVE_SECS[i] for i in model["inputPointIndexes"]]
    assert used
    assert min(used) >= 180
    assert max(used) <= 1200


def test_a_flat_curve_has_no_anaerobic_capacity_to_fit() -> None:
    model = fit_power_model(list(CURVE_SECS), [250.0] * len(CURVE_SECS))
    assert model["criticalPower"] is None
    assert model["wPrime"] is None


def test_power_spike_model_is_the_fit_of_the_activity_curve(seeded: Sandbox,
                                                           http: httpx.Client) -> None:
    ride = _with_streams(seeded, "watts")
    curve = _ok(http.get(f"/api/v1/activity/{ride['id']}/power-curve.json"))
    model = _ok(http.get(f"/api/v1/activity/{ride['id']}/power-spike-model"))
    assert model == fit_power_model(curve["secs"], curve["values"])
    assert model["criticalPower"] is not None


def test_mmp_model_is_the_fit_of_the_90_day_curve(seeded: Sandbox, http: httpx.Client) -> None:
    curves = _ok(http.get("/api/v1/athlete/0/power-curves.json",
                          params={"type": "Ride", "curves": "90d"}))["list"][0]
    model = _ok(http.get("/api/v1/athlete/0/mmp-model", params={"type": "Ride"}))
    assert model == fit_power_model(curves["secs"], curves["values"])
    assert model["criticalPower"] is not None
    assert http.get("/api/v1/athlete/0/mmp-model").status_code == 422  # type is required


# -- heart-rate load ----------------------------------------------------------------------------


def test_hr_load_model_is_the_activitys_hr_load(seeded: Sandbox, http: httpx.Client) -> None:
    ride = _with_streams(seeded, "heartrate")
    model = _ok(http.get(f"/api/v1/activity/{ride['id']}/hr-load-model"))
    assert model["type"] == "HRSS"
    assert model["icu_training_load"] == ride["hr_load"]
    streams = _streams(http, ride["id"])
    moving = [m and (h or 0) > 0 for m, h in zip(streams["moving"], streams["heartrate"],
                                                  strict=True)]
    assert model["trainingDataCount"] == sum(moving)


def test_hr_load_model_follows_the_sport_settings(api: httpx.Client, sandbox: Sandbox) -> None:
    rest = sandbox.state.accounts[sandbox.athlete_id].profile["icu_resting_hr"]
    api.put("/api/v1/athlete/0/sport-settings/Run", params={"recalcHrZones": "false"},
            json={"hr_load_type": "AVG_HR", "lthr": 170})
    activity_id = _manual_with_streams(api, sandbox, {
        "time": list(range(1800)), "heartrate": [150] * 1800}, sport="Run")
    model = _ok(api.get(f"/api/v1/activity/{activity_id}/hr-load-model"))
    assert model["type"] == "AVG_HR"
    assert model["icu_training_load"] == round(0.5 * ((150 - rest) / (170 - rest)) ** 2 * 100)


# -- pace histograms ----------------------------------------------------------------------------


def test_pace_histogram_counts_seconds_per_pace(api: httpx.Client, sandbox: Sandbox) -> None:
    # 5 minutes at 4 m/s (250 s/km), 5 minutes at 3 m/s (333 s/km), a minute stopped.
    speed = [4.0] * 300 + [3.0] * 300 + [0.0] * 60
    activity_id = _manual_with_streams(api, sandbox, {
        "time": list(range(660)), "velocity_smooth": speed,
        "grade_smooth": [0.0] * 660}, sport="Run")
    buckets = _ok(api.get(f"/api/v1/activity/{activity_id}/pace-histogram"))
    by_start = {b["start"]: b["secs"] for b in buckets}
    assert by_start[250] == 300
    assert by_start[330] == 300
    assert sum(by_start.values()) == 600  # stopped seconds have no pace
    assert [b["start"] for b in buckets] == list(range(250, 331, 10))
    flat = _ok(api.get(f"/api/v1/activity/{activity_id}/gap-histogram"))
    assert flat == buckets  # on the flat, grade-adjusted pace is the pace


def test_gap_is_faster_than_pace_uphill(api: httpx.Client, sandbox: Sandbox) -> None:
    activity_id = _manual_with_streams(api, sandbox, {
        "time": list(range(600)), "velocity_smooth": [3.0] * 600,
        "grade_smooth": [8.0] * 600}, sport="Run")
    pace = _ok(api.get(f"/api/v1/activity/{activity_id}/pace-histogram"))
    gap = _ok(api.get(f"/api/v1/activity/{activity_id}/gap-histogram"))
    assert [b["start"] for b in pace] == [330]
    assert len(gap) == 1
    assert gap[0]["start"] < 250  # 8 % up at 3 m/s is fast flat running


def test_pace_histogram_of_a_seeded_run(seeded: Sandbox, http: httpx.Client) -> None:
    run = next(a for a in _activities(seeded) if a.get("type") == "Run"
               and "velocity_smooth" in (a.get("stream_types") or []))
    buckets = _ok(http.get(f"/api/v1/activity/{run['id']}/pace-histogram"))
    speed = _streams(http, run["id"])["velocity_smooth"]
    assert sum(b["secs"] for b in buckets) == sum(1 for v in speed if (v or 0) >= 0.5)


# -- weather ------------------------------------------------------------------------------------


def test_weather_summary_of_the_whole_activity_is_its_weather(seeded: Sandbox,
                                                              http: httpx.Client) -> None:
    outdoor = next(a for a in _activities(seeded) if a.get("has_weather"))
    summary = _ok(http.get(f"/api/v1/activity/{outdoor['id']}/weather-summary"))
    assert summary["whole_activity"] is True
    for key in ("average_weather_temp", "min_weather_temp", "max_weather_temp",
                "average_wind_speed", "average_wind_gust", "prevailing_wind_deg",
                "average_clouds", "max_rain", "max_snow"):
        assert summary[key] == pytest.approx(outdoor[key], abs=0.051), key
    moving = summary["moving_time"]
    assert sum(summary["wind_speed"]["count"]) <= moving
    assert summary["headwind_percent"] + summary["tailwind_percent"] <= 100.0
    assert summary["average_temp"] == pytest.approx(outdoor["average_temp"], abs=0.051)


def test_weather_summary_of_a_part(seeded: Sandbox, http: httpx.Client) -> None:
    outdoor = next(a for a in _activities(seeded) if a.get("has_weather"))
    part = _ok(http.get(f"/api/v1/activity/{outdoor['id']}/weather-summary",
                        params={"start_index": 100, "end_index": 700}))
    assert (part["start_index"], part["end_index"], part["whole_activity"]) == (100, 700, False)
    assert part["end_secs"] - part["start_secs"] == 600
    assert sum(part["apparent_wind_speed"]["count"]) <= 600
    bad = http.get(f"/api/v1/activity/{outdoor['id']}/weather-summary",
                   params={"start_index": 700, "end_index": 100})
    assert bad.status_code == 422


def test_only_outdoor_activities_have_weather(seeded: Sandbox, http: httpx.Client) -> None:
    indoor = next(a for a in _activities(seeded)
                  if "latlng" not in (a.get("stream_types") or []))
    assert indoor["has_weather"] is False
    response = http.get(f"/api/v1/activity/{indoor['id']}/weather-summary")
    assert response.status_code == 422
    outdoor = [a for a in _activities(seeded) if "latlng" in (a.get("stream_types") or [])]
    assert outdoor
    assert all(a["has_weather"] for a in outdoor)


# -- power against heart rate over a period ------------------------------------------------------


def test_power_hr_curve_buckets_power(api: httpx.Client, sandbox: Sandbox) -> None:
    n = 600
    _manual_with_streams(api, sandbox, {
        "time": list(range(n)), "watts": [150] * 300 + [250] * 300,
        "heartrate": [120] * 300 + [160] * 300, "cadence": [85] * 300 + [95] * 300})
    day = sandbox.state.local_today(sandbox.athlete_id)
    curve = _ok(api.get("/api/v1/athlete/0/power-hr-curve", params={
        "start": str(day - timedelta(days=1)), "end": str(day - timedelta(days=1)),
        "type": "Ride"}))
    assert (curve["minWatts"], curve["maxWatts"], curve["bucketSize"]) == (150, 250, 10)
    assert (curve["bpm"][0], curve["bpm"][-1]) == (120, 160)
    assert (curve["cadence"][0], curve["cadence"][-1]) == (85, 95)
    assert (curve["minutes"][0], curve["minutes"][-1]) == (5, 5)
    assert all(b is None for b in curve["bpm"][1:-1])
    assert curve["athleteId"] == sandbox.athlete_id


def test_power_hr_curve_needs_its_dates(http: httpx.Client) -> None:
    assert http.get("/api/v1/athlete/0/power-hr-curve").status_code == 422
