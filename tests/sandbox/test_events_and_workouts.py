"""The sandbox's calendar and library semantics at the HTTP level (what the client cannot
send), its workout text parser, and its workout files (read back by an independent FIT
library)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import fitdecode
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.formats.workout_files import read_workout_file, write_workout_file
from intervals_icu.sandbox.platform.workout_doc import (
    doc_to_text,
    flatten_steps,
    metrics,
    parse_text,
)


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url,
                      auth=("API_KEY", sandbox.api_key)) as client:
        yield client


def note(day: str, **fields: Any) -> dict[str, Any]:
    return {"category": "NOTE", "start_date_local": f"{day}T00:00:00", "name": "n", **fields}


# -- the platform's refusals ----------------------------------------------------------------------


def test_range_delete_needs_oldest_and_category(http: httpx.Client) -> None:
    http.post("/api/v1/athlete/0/events", params={"upsertOnUid": "false"},
              json=note("2031-01-02"))
    no_category = http.delete("/api/v1/athlete/0/events", params={"oldest": "2031-01-01"})
    assert no_category.status_code == 422
    assert no_category.json() == {"status": 422,
                                  "error": "Required request parameter 'category' is not present"}
    assert http.delete("/api/v1/athlete/0/events", params={"category": "NOTE"}).status_code == 422
    listed = http.get("/api/v1/athlete/0/events.json",
                      params={"oldest": "2031-01-01", "newest": "2031-01-03"}).json()
    assert len(listed) == 1  # nothing was deleted


@pytest.mark.parametrize("missing", ["ext", "oldest", "newest"])
def test_workouts_zip_needs_ext_oldest_and_newest(http: httpx.Client, missing: str) -> None:
    params = {"ext": "zwo", "oldest": "2031-01-01", "newest": "2031-01-31"}
    del params[missing]
    response = http.get("/api/v1/athlete/0/workouts.zip", params=params)
    assert response.status_code == 422
    assert missing in response.json()["error"]


def test_events_need_a_category_a_date_and_a_short_name(http: httpx.Client) -> None:
    create = "/api/v1/athlete/0/events"
    assert http.post(create, json={"start_date_local": "2031-01-01"}).status_code == 422
    assert http.post(create, json={"category": "NOTE"}).status_code == 422
    long_name = http.post("/api/v1/athlete/0/events/bulk",
                          json=[note("2031-01-01"), note("2031-01-01", name="x" * 81)])
    assert long_name.status_code == 422
    assert long_name.json()["error"] == "Name is too long"
    listed = http.get("/api/v1/athlete/0/events",
                      params={"oldest": "2031-01-01", "newest": "2031-01-01"}).json()
    assert listed == []  # the whole bulk call was refused
    bad_category = http.post(create, json=note("2031-01-01", category="PARTY"))
    assert bad_category.status_code == 422


def test_bare_events_route_answers_json_and_csv_suffix_csv(http: httpx.Client) -> None:
    http.post("/api/v1/athlete/0/events", json=note("2031-02-01"))
    params = {"oldest": "2031-02-01", "newest": "2031-02-01"}
    assert http.get("/api/v1/athlete/0/events", params=params).json()[0]["category"] == "NOTE"
    csv = http.get("/api/v1/athlete/0/events.csv", params=params)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("id,start_date_local")


def test_minus_one_clears_a_numeric_event_field(http: httpx.Client, sandbox: Sandbox) -> None:
    made = http.post("/api/v1/athlete/0/events", json=note("2031-02-02", load_target=80)).json()
    cleared = http.put(f"/api/v1/athlete/0/events/{made['id']}", json={"load_target": -1}).json()
    assert cleared["load_target"] is None
    assert cleared["name"] == "n"


def test_conversion_without_workout_doc_fails_like_the_platform(http: httpx.Client) -> None:
    response = http.post("/api/v1/athlete/0/download-workout.zwo",
                         json={"name": "x", "description": "- 10m 60%"})
    assert response.status_code == 500
    ok = http.post("/api/v1/athlete/0/download-workout.mrc",
                   json={"name": "x", "workout_doc": parse_text("- 10m 60%")})
    assert ok.status_code == 200
    assert b"MINUTES PERCENT" in ok.content


def test_library_workouts_need_an_existing_folder(http: httpx.Client) -> None:
    no_folder = http.post("/api/v1/athlete/0/workouts", json={"name": "x"})
    assert no_folder.status_code == 422
    assert "folder_id" in no_folder.json()["error"]
    missing = http.post("/api/v1/athlete/0/workouts", json={"name": "x", "folder_id": 1})
    assert missing.status_code == 404


def test_gear_reminder_update_needs_reset_and_snooze_days(http: httpx.Client) -> None:
    gear = http.post("/api/v1/athlete/0/gear", json={"type": "Shoes", "name": "Trail"}).json()
    gear = http.post(f"/api/v1/athlete/0/gear/{gear['id']}/reminder",
                     json={"name": "Replace", "distance": 800000}).json()
    path = f"/api/v1/athlete/0/gear/{gear['id']}/reminder/{gear['reminders'][0]['id']}"
    assert http.put(path, json={}).status_code == 422
    assert http.put(path, params={"reset": "true"}, json={}).status_code == 422
    ok = http.put(path, params={"reset": "false", "snoozeDays": "0"}, json={"days": 365})
    assert ok.status_code == 200
    assert ok.json()["reminders"][0]["days"] == 365


def test_bulk_delete_external_id_wins_over_id(http: httpx.Client) -> None:
    made = http.post("/api/v1/athlete/0/events/bulk",
                     json=[note("2031-03-01", external_id="a"), note("2031-03-01")]).json()
    response = http.put("/api/v1/athlete/0/events/bulk-delete",
                        json=[{"id": made[1]["id"], "external_id": "a"}])
    assert response.json() == {"eventsDeleted": 1}
    left = http.get("/api/v1/athlete/0/events",
                    params={"oldest": "2031-03-01", "newest": "2031-03-01"}).json()
    assert [e["id"] for e in left] == [made[1]["id"]]


def test_sport_settings_update_needs_recalc_hr_zones(http: httpx.Client) -> None:
    http.post("/api/v1/athlete/0/sport-settings", json={"types": ["Canoeing"]})
    assert http.put("/api/v1/athlete/0/sport-settings/Canoeing",
                    json={"lthr": 150}).status_code == 422
    ok = http.put("/api/v1/athlete/0/sport-settings/Canoeing",
                  params={"recalcHrZones": "false"}, json={"lthr": 150})
    assert ok.status_code == 200
    assert ok.json()["lthr"] == 150


def test_responses_match_the_spec_in_strict_mode(sandbox: Sandbox) -> None:
    """Strict clients refuse anything the spec does not describe; these must all pass."""
    with sandbox.client(strict=True) as strict:
        folder = strict.library.create_folder(name="strict")
        strict.library.create_workout(folder_id=folder.id, name="w", type="Ride",
                                      description="- 10m 60%")
        strict.library.folders()
        event = strict.events.create(category="WORKOUT", start_date_local="2031-04-01T00:00:00",
                                     type="Ride", name="w", description="- 10m 60%")
        strict.events.list("2031-04-01", "2031-04-01")
        strict.events.mark_done(event.id or 0)
        gear = strict.gear.create(type="Bike", name="b")
        strict.gear.create_reminder(gear.id or "", name="r", days=30)
        strict.gear.list()
        strict.gear.calc(gear.id or "")
        strict.sport_settings.create(types=["Snowshoe"])
        strict.sport_settings.list()
        strict.custom_items.create(type="FITNESS_CHART", name="c")
        strict.weather.update_config(forecasts=[{"label": "x", "lat": 1.0, "lon": 2.0}])
        strict.weather.forecast()
        sent = strict.chats.send(to_athlete_id=sandbox.athlete_ids[1], content="hi")
        strict.chats.list()
        strict.chats.messages(sent.new_chat.id if sent.new_chat else 0)


# -- the native workout text ----------------------------------------------------------------------


def test_parse_text_reads_durations_targets_repeats_and_sections() -> None:
    doc = parse_text(
        "Warmup\n- 10m ramp 50-75%\n\nMain set 3x\n- 1m30s 120% 100rpm\n- 90s Z1\n\n"
        "- 2km 80% Pace\n- 20m 75% LTHR\n- 5m Z2 HR\n- 10m 200-220w easy spin"
    )
    assert doc is not None
    warmup, block, pace, lthr, zone_hr, watts = doc["steps"]
    assert warmup == {"duration": 600, "ramp": True, "warmup": True,
                      "power": {"start": 50, "end": 75, "units": "%ftp"}}
    assert block["reps"] == 3
    assert block["text"] == "Main set"
    assert block["steps"][0] == {"duration": 90, "power": {"value": 120, "units": "%ftp"},
                                 "cadence": {"value": 100, "units": "rpm"}}
    assert block["steps"][1]["power"] == {"value": 1, "units": "power_zone"}
    assert pace == {"distance": 2000, "pace": {"value": 80, "units": "%pace"}}
    assert lthr["hr"] == {"value": 75, "units": "%lthr"}
    assert zone_hr["hr"] == {"value": 2, "units": "hr_zone"}
    assert watts["power"] == {"start": 200, "end": 220, "units": "w"}
    assert watts["text"] == (
        "easy spin")
    assert parse_text("Just a note about the week") is None


steps = st.builds(
    lambda minutes, low, high, ramp: {
        "duration": minutes * 60, **({"ramp": True} if ramp else {}),
        "power": ({"start": low, "end": high, "units": "%ftp"} if ramp
                  else {"value": low, "units": "%ftp"})},
    st.integers(1, 90), st.integers(30, 150), st.integers(30, 150), st.booleans(),
)
docs = st.lists(
    st.one_of(steps, st.builds(lambda reps, inner: {"reps": reps, "steps": inner},
                               st.integers(2, 6), st.lists(steps, min_size=1, max_size=3))),
    min_size=1, max_size=6,
).map(lambda s: {"steps": s})


@settings(max_examples=60, deadline=None)
@given(docs)
def test_text_written_for_a_doc_parses_back_to_it(doc: dict[str, Any]) -> None:
    assert parse_text(doc_to_text(doc)) == doc


@settings(max_examples=40, deadline=None)
@given(docs, st.sampled_from(["zwo", "mrc", "erg", "fit"]))
def test_workout_files_keep_every_steps_time_and_power(doc: dict[str, Any], fmt: str) -> None:
    data = write_workout_file(doc, fmt, name="Generated", ftp=250)
    back, name = read_workout_file(data, fmt, ftp=250)
    assert name == "Generated"

    def shape(d: dict[str, Any]) -> list[tuple[int, float, float]]:
        out = []
        for step in flatten_steps(d["steps"]):
            power = step["power"]
            low = power.get("value", power.get("start"))
            high = power.get("value", power.get("end"))
            out.append((step["duration"], float(low), float(high)))
        return out

    expected, found = shape(doc), shape(back)
    assert len(found) == len(expected)
    for (d1, lo1, hi1), (d2, lo2, hi2) in zip(expected, found, strict=True):
        assert d1 == d2
        # .erg stores watts rounded to whole numbers: allow for it
        assert abs(lo1 - lo2) <= 0.5
        assert abs(hi1 - hi2) <= 0.5


def test_fit_workout_is_readable_by_an_independent_decoder() -> None:
    doc = parse_text("Warmup\n- 10m ramp 50-75%\n\n4x\n- 8m 110%\n- 8m 50%")
    assert doc is not None
    data = write_workout_file(doc, "fit", name="4x8", sport="Ride", ftp=250)
    messages: dict[str, list[dict[str, Any]]] = {}
    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                messages.setdefault(frame.name, []).append(
                    {f.name: f.value for f in frame.fields})
    assert messages["file_id"][0]["type"] == "workout"
    assert messages["workout"][0]["wkt_name"] == "4x8"
    workout_steps = messages["workout_step"]
    assert [s.get("duration_time") for s in workout_steps[:3]] == [600.0, 480.0, 480.0]
    assert workout_steps[3]["duration_type"] == "repeat_until_steps_cmplt"
    assert workout_steps[3]["repeat_steps"] == 4


def test_load_grows_with_intensity_and_time() -> None:
    easy = metrics(parse_text("- 1h 60%") or {})
    hard = metrics(parse_text("- 1h 90%") or {})
    long = metrics(parse_text("- 2h 60%") or {})
    assert easy.icu_training_load < hard.icu_training_load
    assert long.icu_training_load == pytest.approx(2 * easy.icu_training_load, abs=1)
    assert metrics(parse_text("- 1h 100%") or {}).icu_training_load == 100  # one hour at FTP
