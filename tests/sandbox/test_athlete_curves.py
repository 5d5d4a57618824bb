"""The athlete's curve sets (power/HR/pace-curves) and activity pace curves in the sandbox:
every best value is the best of the activity-level curves, the periods select the right
activities, CSV forms, and the platform's quirks (403 for athlete ``0`` on
activity-pace-curves, 500 for its CSV without distances). Choices: docs/sandbox.md,
"Athlete curves"."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervals_icu import Client, errors
from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.platform.activity_math import CURVE_SECS, PACE_DISTANCES
from intervals_icu.sandbox.platform.curves import parse_curve_id

# -- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox(seed=7, athletes=1, years=0.5)
    sandbox.configure(rate_limit_enabled=False)
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def client(sb: Sandbox) -> Iterator[Client]:
    with sb.client(athlete_id=sb.athlete_id) as c:
        yield c


@pytest.fixture(scope="module")
def http(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                      auth=("API_KEY", sb.api_key)) as h:
        yield h


def today(sb: Sandbox) -> date:
    return sb.state.local_today(sb.athlete_id)


def path(sb: Sandbox, suffix: str) -> str:
    return f"/api/v1/athlete/{sb.athlete_id}{suffix}"


def activities(http: httpx.Client) -> list[dict[str, Any]]:
    response = http.get("/api/v1/athlete/0/activities", params={"oldest": "2000-01-01"})
    assert response.status_code == 200
    listed: list[dict[str, Any]] = response.json()
    return listed


def ride_types(http: httpx.Client) -> set[str]:
    settings_list = http.get("/api/v1/athlete/0/sport-settings").json()
    return next(set(s["types"]) for s in settings_list if "Ride" in s["types"])


def matching(http: httpx.Client, types: set[str] | None, stream: str, first: date,
             last: date) -> list[dict[str, Any]]:
    """Device activities of ``types`` with ``stream`` on days ``first..last``."""
    return [a for a in activities(http)
            if a.get("source") != "STRAVA" and (types is None or a.get("type") in types)
            and stream in (a.get("stream_types") or [])
            and first <= date.fromisoformat(a["start_date_local"][:10]) <= last]


def best_of(curves: dict[str, Any], lower_is_better: bool = False) -> dict[int, tuple[int, str]]:
    """Index -> (best value, activity id) over per-activity curves {id: values}."""
    best: dict[int, tuple[int, str]] = {}
    for activity_id, values in curves.items():
        for i, value in enumerate(values):
            held = best.get(i)
            better = held is None or (value < held[0] if lower_is_better else value > held[0])
            if better:
                best[i] = (value, activity_id)
    return best


# -- the best of a period is the best of its activities ---------------------------------------


def test_power_curve_is_the_best_of_the_activity_curves(sb: Sandbox, client: Client,
                                                        http: httpx.Client) -> None:
    last = today(sb)
    first = last - timedelta(days=59)
    rides = matching(http, ride_types(http), "watts", first, last)
    assert len(rides) >= 5, "the seeded world should ride in 60 days"
    per_activity = {a["id"]: client.activities.power_curve(a["id"]) for a in rides}

    result = client.activities.athlete_power_curves("Ride", curves=[f"r.{first}.{last}"])
    (curve,) = result.list_ or []
    best = best_of({k: c.values for k, c in per_activity.items()})
    assert curve.values == [best[i][0] for i in range(len(best))]
    assert curve.secs == list(CURVE_SECS[:len(best)])
    for i, activity_id in enumerate(curve.activity_id or []):
        # the activity named holds that value, at the samples named
        held = per_activity[activity_id]
        assert held.values[i] == curve.values[i]
        assert (held.start_index[i], held.end_index[i]) == (curve.start_index[i],
                                                            curve.end_index[i])
    assert set(result.activities or {}) == set(curve.activity_id or [])
    assert curve.moving_time == sum(a["moving_time"] for a in rides)
    assert curve.training_load == sum(a.get("icu_training_load") or 0 for a in rides)
    assert curve.days == 60


def test_power_curve_agrees_with_activity_power_curves(sb: Sandbox, client: Client) -> None:
    """The range endpoint (one row per activity, exact type) gives the same bests."""
    last = today(sb)
    first = last - timedelta(days=89)
    rows = []
    for sport in ("Ride", "VirtualRide", "GravelRide", "MountainBikeRide"):
        payload = client.activities.activity_power_curves(first, last, type=sport)
        rows += [dict(zip(payload.secs or [], c.watts or [], strict=True))
                 for c in payload.curves or []]
    (curve,) = client.activities.athlete_power_curves(
        "Ride", curves=[f"r.{first}.{last}"]).list_ or []
    for secs, value in zip(curve.secs or [], curve.values or [], strict=True):
        assert value == max(row[secs] for row in rows)


def test_hr_curve_is_the_best_of_the_activity_curves(sb: Sandbox, client: Client,
                                                     http: httpx.Client) -> None:
    newest = today(sb) - timedelta(days=1)
    first = newest - timedelta(days=41)  # 42d ending on newest
    window = matching(http, None, "heartrate", first, newest)
    assert len(window) >= 5
    per_activity = {a["id"]: client.activities.hr_curve(a["id"]).values for a in window}
    (curve,) = client.activities.athlete_hr_curves(curves=["42d"], newest=newest).list_ or []
    best = best_of(per_activity)
    assert curve.values == [best[i][0] for i in range(len(best))]
    assert curve.start_date_local == f"{first}T00:00:00"
    assert curve.end_date_local == f"{newest}T00:00:00"
    assert curve.days == 42
    assert curve.moving_time == sum(a["moving_time"] for a in window)


def test_pace_curve_is_the_best_of_the_activity_curves(sb: Sandbox, client: Client,
                                                       http: httpx.Client) -> None:
    runs = [a for a in activities(http) if a.get("type") in {"Run", "VirtualRun", "TrailRun"}
            and a.get("source") != "STRAVA" and "distance" in (a.get("stream_types") or [])]
    assert runs, "the seeded athlete should run"
    per_activity = {a["id"]: client.activities.pace_curve(a["id"]).values for a in runs}
    result = client.activities.athlete_pace_curves("Run", curves=["all"])
    (curve,) = result.list_ or []
    best = best_of(per_activity, lower_is_better=True)
    assert curve.values == [best[i][0] for i in range(len(best))]
    assert curve.distance == list(PACE_DISTANCES[:len(best)])
    assert curve.moving_time == sum(a["moving_time"] for a in runs)
    first_run = min(a["start_date_local"][:10] for a in runs)
    assert curve.start_date_local == f"{first_run}T00:00:00"


# -- periods ------------------------------------------------------------------------------------


def test_now_anchors_relative_curves(sb: Sandbox, http: httpx.Client) -> None:
    """``now`` (not exposed by the client) moves 42d; only activities in it count."""
    anchor = today(sb) - timedelta(days=30)
    response = http.get(path(sb, "/power-curves.json"),
                        params={"type": "Ride", "curves": "42d", "now": str(anchor)})
    assert response.status_code == 200
    (curve,) = response.json()["list"]
    window = matching(http, ride_types(http), "watts", anchor - timedelta(days=41), anchor)
    assert curve["moving_time"] == sum(a["moving_time"] for a in window)
    assert set(curve["activity_id"]) <= {a["id"] for a in window}
    assert curve["end_date_local"] == f"{anchor}T00:00:00"


def test_range_selects_its_activities_and_never_strava(sb: Sandbox, http: httpx.Client) -> None:
    last = today(sb) - timedelta(days=20)
    first = last - timedelta(days=50)
    response = http.get(path(sb, "/hr-curves.json"),
                        params={"curves": f"r.{first}.{last}"})
    (curve,) = response.json()["list"]
    window = matching(http, None, "heartrate", first, last)
    assert curve["moving_time"] == sum(a["moving_time"] for a in window)
    strava = {a["id"] for a in activities(http) if a.get("source") == "STRAVA"}
    assert strava, "the seeded world has Strava stubs"
    assert not strava & set(curve["activity_id"])
    held = response.json()["activities"]
    assert all(first <= date.fromisoformat(a["start_date_local"][:10]) <= last
               for a in held.values())


def test_curve_ids_windows() -> None:
    anchor = date(2024, 3, 1)
    assert parse_curve_id("42d", anchor).start == date(2024, 1, 20)
    assert parse_curve_id("1y", anchor).start == date(2023, 3, 2)
    assert parse_curve_id("2y", anchor).start == date(2022, 3, 2)
    leap = parse_curve_id("1y", date(2024, 2, 29))
    assert (leap.start, leap.end) == (date(2023, 3, 1), date(2024, 2, 29))
    s0 = parse_curve_id("s0", anchor)
    assert (s0.start, s0.end) == (date(2024, 1, 1), anchor)
    s1 = parse_curve_id("s1-kj1", anchor)
    assert (s1.id, s1.start, s1.end) == ("s1-kj1", date(2023, 1, 1), date(2023, 12, 31))
    assert parse_curve_id("all", anchor).start is None
    r = parse_curve_id("r.2023-10-01.2023-10-31", anchor)
    assert (r.start, r.end) == (date(2023, 10, 1), date(2023, 10, 31))


@pytest.mark.parametrize("bad", ["xx", "0d", "1w", "r.2023-10-31.2023-10-01",
                                 "r.2023-02-30.2023-03-01", "all-kj2",
                                 "s3000", "9999y", "999999999d"])
def test_unknown_curve_id_is_422(sb: Sandbox, client: Client, bad: str) -> None:
    with pytest.raises(errors.Unprocessable) as raised:
        client.activities.athlete_power_curves("Ride", curves=["1y", bad])
    assert f"Invalid curve '{bad}'" in str(raised.value)


def test_fatigued_suffix_is_the_plain_curve(client: Client) -> None:
    result = client.activities.athlete_power_curves("Ride", curves=["1y", "1y-kj0", "1y-kj1"])
    plain, kj0, kj1 = result.list_ or []
    assert (kj0.id, kj1.id) == ("1y-kj0", "1y-kj1")
    assert plain.values == kj0.values == kj1.values
    assert plain.values


def test_default_is_last_year(sb: Sandbox, client: Client) -> None:
    (curve,) = client.activities.athlete_power_curves("Ride").list_ or []
    assert curve.id == "1y"
    assert curve.end_date_local == f"{today(sb)}T00:00:00"
    assert curve.days in (365, 366)


@given(cut=st.integers(min_value=1, max_value=170), extra=st.integers(min_value=0,
                                                                     max_value=30))
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_period_is_the_best_of_its_two_halves(sb: Sandbox, http: httpx.Client, cut: int,
                                                extra: int) -> None:
    last = today(sb) - timedelta(days=extra)
    first = last - timedelta(days=180)
    middle = first + timedelta(days=cut)
    ids = [f"r.{first}.{last}", f"r.{first}.{middle - timedelta(days=1)}",
           f"r.{middle}.{last}"]
    response = http.get(path(sb, "/power-curves.json"),
                        params={"type": "Ride", "curves": ",".join(ids)})
    assert response.status_code == 200
    whole, left, right = response.json()["list"]
    for i, value in enumerate(whole["values"]):
        halves = [c["values"][i] for c in (left, right) if i < len(c["values"])]
        assert value == max(halves)
    assert whole["moving_time"] == left["moving_time"] + right["moving_time"]
    assert len(whole["values"]) == max(len(left["values"]), len(right["values"]))


# -- sports, no data, errors ----------------------------------------------------------------


def test_ride_counts_its_sport_settings_types(sb: Sandbox, http: httpx.Client) -> None:
    types = ride_types(http)
    assert "VirtualRide" in types
    first = today(sb) - timedelta(days=120)
    response = http.get(path(sb, "/power-curves.json"),
                        params={"type": "Ride", "curves": f"r.{first}.{today(sb)}"})
    (curve,) = response.json()["list"]
    virtual = matching(http, {"VirtualRide"}, "watts", first, today(sb))
    outdoor = matching(http, {"Ride"}, "watts", first, today(sb))
    assert virtual, "the seeded world rides indoors too"
    assert curve["moving_time"] == sum(a["moving_time"] for a in virtual + outdoor)


def test_range_curves_read_type_as_the_sport_too(sb: Sandbox, http: httpx.Client) -> None:
    first, last = today(sb) - timedelta(days=120), today(sb)
    response = http.get(path(sb, "/activity-power-curves.json"),
                        params={"type": "Ride", "oldest": str(first), "newest": str(last)})
    listed = {c["id"] for c in response.json()["curves"]}
    expected = {a["id"] for a in matching(http, ride_types(http), "watts", first, last)}
    assert listed == expected
    assert any(a["type"] == "VirtualRide" for a in matching(http, {"VirtualRide"}, "watts",
                                                            first, last))


def test_a_sport_without_data_is_an_empty_curve(client: Client) -> None:
    result = client.activities.athlete_power_curves("Swim", curves=["1y", "all"])
    assert [c.id for c in result.list_ or []] == ["1y", "all"]
    for curve in result.list_ or []:
        assert (curve.values, curve.secs, curve.activity_id) == ([], [], [])
        assert (curve.moving_time, curve.training_load) == (0, 0)
    assert result.activities == {}


def test_power_needs_a_type_and_gap_is_not_simulated(sb: Sandbox, http: httpx.Client) -> None:
    missing = http.get(path(sb, "/power-curves.json"))
    assert missing.status_code == 422
    assert "type" in missing.json()["error"]
    gap = http.get(path(sb, "/pace-curves.json"), params={"type": "Run", "gap": "true"})
    assert gap.status_code == 422


def test_compare_filters_are_not_required(sb: Sandbox, http: httpx.Client) -> None:
    for suffix in ("/power-curves.json", "/hr-curves.json", "/pace-curves.json"):
        response = http.get(path(sb, suffix), params={"type": "Run"})
        assert response.status_code == 200, response.text


def test_athlete_zero_works_for_curve_sets(sb: Sandbox) -> None:
    with sb.client() as own:
        assert own.activities.athlete_power_curves("Ride").list_


def test_stream_edit_is_seen_at_once_and_ties_go_to_the_newest() -> None:
    """The per-activity cache follows stream changes; equal bests name the newest."""
    with Sandbox(seed=11, athletes=1, years=0.1) as fresh, fresh.client() as c:
        before = c.activities.athlete_power_curves("Ride", curves=["all"]).list_[0]
        rides = sorted({*before.activity_id}, key=lambda i: c.activities.get(
            i).start_date_local)
        assert len(rides) >= 2, "several rides hold a best"
        older, newer = rides[0], rides[-1]
        for ride in (newer, older):
            length = len(c.activities.streams(ride, types=["time"])[0].data)
            c.activities.update_streams(ride, [{"type": "watts", "data": [2000] * length}])
            after = c.activities.athlete_power_curves("Ride", curves=["all"]).list_[0]
            assert after.values[0] == 2000
            assert after.activity_id[0] == newer
        assert after.values[0] > before.values[0]


# -- CSV ---------------------------------------------------------------------------------------


def test_power_curves_csv_matches_json(client: Client) -> None:
    curves = ["1y", "42d"]
    as_json = client.activities.athlete_power_curves("Ride", curves=curves).list_ or []
    rows = list(csv.reader(io.StringIO(client.activities.athlete_power_curves_csv(
        "Ride", curves=curves))))
    assert rows[0] == ["secs", "1y", "1y_activity_id", "42d", "42d_activity_id"]
    longest = max(len(c.values or []) for c in as_json)
    assert len(rows) == 1 + longest
    for i, row in enumerate(rows[1:]):
        assert int(row[0]) == CURVE_SECS[i]
        for k, curve in enumerate(as_json):
            if i < len(curve.values or []):
                assert row[1 + 2 * k] == str((curve.values or [])[i])
                assert row[2 + 2 * k] == (curve.activity_id or [])[i]


def test_pace_curves_csv_header(client: Client) -> None:
    text = client.activities.athlete_pace_curves_csv("Run", curves=["all"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["distance", "all", "all_activity_id"]
    assert float(rows[1][0]) == PACE_DISTANCES[0]


# -- activity pace curves ----------------------------------------------------------------------


def test_activity_pace_curves_refuse_athlete_zero(sb: Sandbox, client: Client) -> None:
    last = today(sb)
    with sb.client() as as_zero, pytest.raises(errors.PermissionDenied):
        as_zero.activities.activity_pace_curves(last - timedelta(days=30), last)
    assert client.activities.activity_pace_curves(last - timedelta(days=30), last)["curves"]


def test_activity_pace_curves_are_the_activity_pace_curves(sb: Sandbox, client: Client,
                                                           http: httpx.Client) -> None:
    last = today(sb)
    first = last - timedelta(days=60)
    distances = [400.0, 1000.0, 1609.344, 5000.0, 250000.0]
    result = client.activities.activity_pace_curves(first, last, distances=distances,
                                                    type="Run")
    runs = matching(http, {"Run", "VirtualRun", "TrailRun"}, "distance", first, last)
    assert result["distances"] == distances
    assert [c["id"] for c in result["curves"]] == [
        a["id"] for a in sorted(runs, key=lambda a: a["start_date_local"], reverse=True)]
    for row in result["curves"]:
        own = client.activities.pace_curve(row["id"])
        at = dict(zip(own.distance or [], own.values or [], strict=True))
        assert row["secs"][:4] == [at.get(d) for d in distances[:4]]
        assert row["secs"][4] is None  # 250 km: longer than any run


def test_activity_pace_curves_odd_distances(sb: Sandbox, client: Client) -> None:
    """Distances outside the standard list are computed from the streams."""
    last = today(sb)
    result = client.activities.activity_pace_curves(last - timedelta(days=60), last,
                                                    distances=[1000.0, 1234.5], type="Run")
    for row in result["curves"]:
        thousand, odd = row["secs"]
        assert odd is not None
        assert thousand < odd


def test_activity_pace_curves_csv(sb: Sandbox, client: Client, http: httpx.Client) -> None:
    last = today(sb)
    first = last - timedelta(days=60)
    distances = [400.0, 1609.344, 250000.0]
    as_json = client.activities.activity_pace_curves(first, last, distances=distances,
                                                     type="Run")
    text = client.activities.activity_pace_curves_csv(first, last, distances, type="Run")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "start_date_local", "400", "1609.344", "250000"]
    assert len(rows) == 1 + len(as_json["curves"])
    for row, curve in zip(rows[1:], as_json["curves"], strict=True):
        assert row[0] == curve["id"]
        assert row[2:] == ["" if s is None else str(s) for s in curve["secs"]]
    without = http.get(path(sb, "/activity-pace-curves.csv"),
                       params={"oldest": str(first), "newest": str(last)})
    assert without.status_code == 500
    with pytest.raises(errors.InvalidRequestError):
        client.activities.activity_pace_curves_csv(first, last, [])
    for odd in ("nan", "inf", "-400"):  # 422, never a body that is not JSON
        refused = http.get(path(sb, "/activity-pace-curves.json"),
                           params={"oldest": str(first), "newest": str(last), "distances": odd})
        assert refused.status_code == 422, odd
