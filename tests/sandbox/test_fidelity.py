"""Fidelity: every response of every IMPLEMENTED operation validates against the official spec.

Each operation registered in ``intervals_icu.sandbox.context.HANDLERS`` must have a request
builder in ``CASES`` below (keyed by operationId). The builder may set things up through the
API first, then returns the request; the response is validated with openapi-core against
``intervals_icu.spec.effective_spec()``: the official document plus its documented ERRATA
(``intervals_icu.spec.ERRATA``), and nothing else. Media types are ``*/*`` in the spec, so a
body is read as JSON when it parses.

Responses the spec cannot describe (CSV, files, zips) are checked for status and media type.
"""

from __future__ import annotations

import base64
import csv
import functools
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.context import HANDLERS
from intervals_icu.spec import effective_spec, operations

OPERATIONS = {op.operation_id: op for op in operations()}
HOST = "https://intervals.icu"


# -- the spec, as the fidelity check reads it ---------------------------------------------------


def _deserialize_any(data: Any) -> Any:
    # The spec says */* everywhere; the body is JSON when it parses, otherwise text.
    if isinstance(data, bytes):
        try:
            return json.loads(data)
        except ValueError:
            return data.decode("utf-8", "replace")
    return data


def _null_in_nullable_enums(schema: Any) -> None:
    """The errata make every schema nullable (Jackson writes nulls); openapi-core checks
    ``enum`` before ``nullable`` (the OpenAPI 3.0.3 reading), so an enum the errata made
    nullable must list null for the ``"target": null`` Jackson writes to validate."""
    if isinstance(schema, dict):
        if schema.get("nullable") and isinstance(schema.get("enum"), list) \
                and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        for value in schema.values():
            _null_in_nullable_enums(value)
    elif isinstance(schema, list):
        for value in schema:
            _null_in_nullable_enums(value)


@functools.cache
def fidelity_spec() -> OpenAPI:
    config = Config(extra_media_type_deserializers={"*/*": _deserialize_any})
    spec = effective_spec()
    _null_in_nullable_enums(spec)
    return OpenAPI.from_dict(spec, config=config)


# -- requests -----------------------------------------------------------------------------------


@dataclass
class Req:
    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "json"
    """What the response carries: ``json`` (validated against the schema), ``csv``,
    ``file`` (bytes: status and media type only), ``empty``."""
    client: str = "athlete"
    """Whose credentials: ``athlete`` (personal key), ``coach``, ``bearer`` (OAuth)."""


class World:
    """The seeded sandbox plus things the builders need, created through the API on demand."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.athlete_id = sb.athlete_id
        transport = sb.transport()
        self.http = httpx.Client(transport=transport, base_url=sb.base_url,
                                 auth=("API_KEY", sb.api_key))
        self.coach = httpx.Client(transport=transport, base_url=sb.base_url,
                                  auth=("API_KEY", sb.coach_api_key))
        token = sb.oauth_token(scopes="ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE,"
                                      "CHATS:WRITE,LIBRARY:WRITE,SETTINGS:WRITE")
        self.bearer = httpx.Client(
            transport=transport, base_url=sb.base_url,
            headers={"Authorization": f"Bearer {token.access_token.reveal()}"})
        self.today = sb.state.local_today(self.athlete_id)
        self._cache: dict[str, Any] = {}

    @property
    def store(self) -> Any:
        return self.sb.state.store(self.athlete_id)

    def a(self, suffix: str = "") -> str:
        return f"/api/v1/athlete/{self.athlete_id}{suffix}"

    def act(self, suffix: str = "", activity_id: str | None = None) -> str:
        return f"/api/v1/activity/{activity_id or self.activity_id}{suffix}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """A setup call that must succeed; returns its JSON (or None)."""
        response = self.http.request(method, path, **kwargs)
        assert response.status_code < 300, f"setup {method} {path}: {response.text}"
        return response.json() if response.content and response.headers.get(
            "content-type", "").startswith("application/json") else None

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # -- things to point at -------------------------------------------------------------------

    @property
    def activity_id(self) -> str:
        """A seeded device activity with power and heart rate (not from Strava)."""
        def pick() -> str:
            rides = [a for a in self.store.activities.values()
                     if a.get("source") != "STRAVA" and "watts" in (a.get("stream_types") or [])
                     and "heartrate" in (a.get("stream_types") or [])]
            assert rides, "the seeded world has no activity with power and HR"
            return str(max(rides, key=lambda a: a["start_date_local"])["id"])
        return str(self.once("activity", pick))

    def run_id(self) -> str:
        def pick() -> str:
            runs = [a for a in self.store.activities.values()
                    if a.get("source") != "STRAVA" and a.get("type") == "Run"
                    and "velocity_smooth" in (a.get("stream_types") or [])]
            assert runs, "the seeded world has no run with speed"
            return str(max(runs, key=lambda a: a["start_date_local"])["id"])
        return str(self.once("run", pick))

    def gps_activity_id(self) -> str:
        def pick() -> str:
            found = [a for a in self.store.activities.values()
                     if a.get("source") != "STRAVA" and "latlng" in (a.get("stream_types") or [])]
            assert found, "the seeded world has no activity with GPS"
            return str(max(found, key=lambda a: a["start_date_local"])["id"])
        return str(self.once("gps", pick))

    def weather_activity_id(self) -> str:
        def pick() -> str:
            found = [a for a in self.store.activities.values()
                     if a.get("source") != "STRAVA" and a.get("has_weather")]
            assert found, "the seeded world has no outdoor activity with weather"
            return str(max(found, key=lambda a: a["start_date_local"])["id"])
        return str(self.once("weather", pick))

    def new_manual_activity(self) -> str:
        made = self.call("POST", self.a("/activities/manual"), json={
            "start_date_local": f"{self.today - timedelta(days=1)}T07:00:00", "type": "Ride",
            "name": "Fidelity manual", "moving_time": 3600, "distance": 30000})
        return str(made["id"])

    def day(self) -> str:
        return str(max(d for d in self.store.wellness if d <= self.today.isoformat()))

    def new_event(self, **fields: Any) -> dict[str, Any]:
        day = self.today + timedelta(days=5)
        body = {"category": "WORKOUT", "type": "Ride", "name": "Fidelity event",
                "start_date_local": f"{day}T00:00:00",
                "description": "- 10m 60%\n- 3x5m 105%\n- 10m 55%", **fields}
        made: dict[str, Any] = self.call("POST", self.a("/events"), json=body)
        return made

    def folder(self) -> dict[str, Any]:
        made: dict[str, Any] = self.once("folder", lambda: self.call(
            "POST", self.a("/folders"), json={"name": "Fidelity plan", "type": "PLAN",
                                              "start_date_local": f"{self.today}T00:00:00"}))
        return made

    def new_workout(self) -> dict[str, Any]:
        made: dict[str, Any] = self.call("POST", self.a("/workouts"), json={
            "folder_id": self.folder()["id"], "name": "Fidelity workout", "type": "Ride",
            "day": 1, "description": "- 10m 60%\n- 20m 90%"})
        return made

    def gear(self) -> dict[str, Any]:
        made: dict[str, Any] = self.once("gear", lambda: self.call(
            "POST", self.a("/gear"), json={"type": "Bike", "name": "Fidelity bike"}))
        return made

    def gear_with_reminder(self) -> tuple[str, int]:
        gear = self.call("POST", self.a("/gear"), json={"type": "Bike", "name": "Reminded"})
        updated = self.call("POST", self.a(f"/gear/{gear['id']}/reminder"),
                            json={"name": "Chain", "distance": 3_000_000})
        return str(gear["id"]), int(updated["reminders"][0]["id"])

    def sport_settings_id(self) -> int:
        return int(min(self.store.sport_settings))

    def new_custom_item(self) -> int:
        made = self.call("POST", self.a("/custom-item"),
                         json={"name": "Fidelity chart", "type": "FITNESS_CHART",
                               "content": {}})
        return int(made["id"])

    def route(self) -> dict[str, Any]:
        def make() -> dict[str, Any]:
            if self.store.routes:
                route: dict[str, Any] = min(self.store.routes.values(),
                                            key=lambda r: r["route_id"])
                return route
            return self.sb.add_route(self.athlete_id, name="Fidelity loop",
                                     latlngs=[[52.37, 4.89], [52.38, 4.90], [52.39, 4.91]])
        return dict(self.once("route", make))

    def other_route(self) -> dict[str, Any]:
        def make() -> dict[str, Any]:
            return self.sb.add_route(self.athlete_id, name="Fidelity loop 2",
                                     latlngs=[[52.37, 4.89], [52.38, 4.90], [52.395, 4.915]])
        return dict(self.once("route2", make))

    def shared_event_id(self) -> int:
        def make() -> int:
            for store in self.sb.state.stores.values():
                for event_id in store.extra.get("shared_events", {}):
                    return int(event_id)
            made = self.sb.add_shared_event(self.sb.coach_id, name="Fidelity race",
                                            start_date_local=f"{self.today + timedelta(days=30)}"
                                                             "T09:00:00",
                                            courses=[{"name": "Long", "distance": 100000.0}])
            return int(made["id"])
        return int(self.once("shared", make))

    def chat(self) -> dict[str, Any]:
        """A private chat with the coach, with one message from us."""
        def make() -> dict[str, Any]:
            sent = self.call("POST", "/api/v1/chats/send-message",
                             json={"to_athlete_id": self.sb.coach_id, "content": "Hi coach"})
            chat_id = (sent.get("new_chat") or {}).get("id") or sent.get("chat_id")
            assert chat_id, f"send-message gave no chat id: {sent}"
            return {"id": int(chat_id), "message_id": int(sent["id"])}
        return dict(self.once("chat", make))

    def new_chat_message(self) -> int:
        sent = self.call("POST", "/api/v1/chats/send-message",
                         json={"chat_id": self.chat()["id"], "content": "one more"})
        return int(sent["id"])

    def fit_file(self) -> bytes:
        response = self.http.get(self.act("/fit-file"))
        assert response.status_code == 200
        return response.content

    def interval_id(self, activity_id: str) -> int:
        intervals = self.call("GET", self.act("/intervals", activity_id))
        items = intervals.get("icu_intervals") or []
        assert items, "the activity has no intervals"
        return int(items[0]["id"])

    def streams_length(self, activity_id: str) -> int:
        streams = self.call("GET", self.act("/streams.json", activity_id),
                            params={"types": "time"})
        return len(streams[0]["data"])


def _csv_upload(text: str, name: str = "data.csv") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, text.encode(), "text/csv")}


def _zwo() -> bytes:
    return (b'<workout_file><name>Imported</name><sportType>bike</sportType><workout>'
            b'<SteadyState Duration="600" Power="0.6"/><SteadyState Duration="300" '
            b'Power="1.05"/></workout></workout_file>')


_WORKOUT_DOC = {"steps": [
    {"duration": 600, "warmup": True, "power": {"value": 60, "units": "%ftp"}},
    {"duration": 300, "power": {"value": 105, "units": "%ftp"}},
]}

_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def _days(w: World, back: int = 60) -> dict[str, str]:
    return {"oldest": (w.today - timedelta(days=back)).isoformat(),
            "newest": w.today.isoformat()}


def _upload_file(w: World) -> Req:
    return Req("POST", w.a("/activities"), files={
        "file": ("ride.fit", w.fit_file(), "application/octet-stream")},
        params={"name": "Fidelity upload"})


def _split_interval(w: World) -> Req:
    activity_id = w.activity_id
    return Req("PUT", w.act("/split-interval", activity_id),
               params={"splitAt": w.streams_length(activity_id) // 2})


def _best_efforts(w: World) -> Req:
    return Req("GET", w.act("/best-efforts"), params={"stream": "watts", "duration": 60,
                                                      "count": 3})


# Request builders, keyed by operationId. A new handler needs one here (see the test below).
Builder = Callable[[World], Req]
CASES: dict[str, Builder] = {
    # -- athletes ------------------------------------------------------------------------------
    "getAthlete": lambda w: Req("GET", w.a()),
    "updateAthlete": lambda w: Req("PUT", w.a(), json={"bio": "Fidelity bio"}),
    "getAthleteProfile": lambda w: Req("GET", w.a("/profile")),
    "getAthleteConnections": lambda w: Req("GET", w.a("/connections")),
    "getSettings": lambda w: Req("GET", w.a("/settings/desktop")),
    "getAthleteTrainingPlan": lambda w: Req("GET", w.a("/training-plan")),
    "updateAthletePlan": lambda w: Req("PUT", w.a("/training-plan"),
                                       json={"training_plan_alias": "Fidelity"}),
    "updateAthletePlans": lambda w: Req("PUT", "/api/v1/athlete-plans", client="coach",
                                        json=[{"id": w.athlete_id,
                                               "training_plan_alias": "Coach plan"}]),
    "listAthletes": lambda w: Req("GET", "/api/v1/athletes", client="coach"),
    "getAthleteSummary": lambda w: Req("GET", f"/api/v1/athlete/{w.sb.coach_id}"
                                              "/athlete-summary.json", client="coach"),
    "applyCurrentPlanChanges": lambda w: Req("PUT", w.a("/apply-plan-changes")),
    # -- wellness ------------------------------------------------------------------------------
    "getRecord": lambda w: Req("GET", w.a(f"/wellness/{w.day()}")),
    "listWellnessRecords": lambda w: Req("GET", w.a("/wellness.json"), params=_days(w)),
    "updateWellness": lambda w: Req("PUT", w.a(f"/wellness/{w.day()}"),
                                    json={"comments": "felt good"}),
    "updateWellness_1": lambda w: Req("PUT", w.a("/wellness"),
                                      json={"id": w.day(), "mood": 2}),
    "updateWellnessBulk": lambda w: Req("PUT", w.a("/wellness-bulk"), body="empty",
                                        json=[{"id": w.day(), "steps": 12000}]),
    "uploadWellness": lambda w: Req("POST", w.a("/wellness"), files=_csv_upload(
        f"date,weight,restingHR\n{w.today - timedelta(days=400)},72.5,50\n")),
    # -- activities: records -------------------------------------------------------------------
    "listActivities": lambda w: Req("GET", w.a("/activities"), params=_days(w)),
    "downloadActivitiesAsCSV": lambda w: Req("GET", w.a("/activities.csv"), body="csv"),
    "getActivity": lambda w: Req("GET", w.act(), params={"intervals": "true"}),
    "getActivities": lambda w: Req("GET", w.a(f"/activities/{w.activity_id},{w.run_id()}")),
    "updateActivity": lambda w: Req("PUT", w.act("", w.new_manual_activity()),
                                    json={"name": "Renamed", "description": "fidelity"}),
    "deleteActivity": lambda w: Req("DELETE", w.act("", w.new_manual_activity())),
    "deleteTombstone": lambda w: _delete_tombstone(w),
    "createManualActivity": lambda w: Req("POST", w.a("/activities/manual"), json={
        "start_date_local": f"{w.today}T06:00:00", "type": "Run", "name": "Manual run",
        "moving_time": 1800, "distance": 5000}),
    "createMultipleManualActivities": lambda w: Req("POST", w.a("/activities/manual/bulk"),
                                                    json=[{"start_date_local":
                                                           f"{w.today}T18:00:00",
                                                           "type": "Walk", "name": "Walk",
                                                           "moving_time": 1200,
                                                           "external_id": "fid-walk-1"}]),
    "uploadActivity": _upload_file,
    "searchForActivities": lambda w: Req("GET", w.a("/activities/search"),
                                         params={"q": "Ride", "limit": 5}),
    "searchForActivitiesFull": lambda w: Req("GET", w.a("/activities/search-full"),
                                             params={"q": "Ride", "limit": 5}),
    "searchForIntervals": lambda w: Req("GET", w.a("/activities/interval-search"), params={
        "minSecs": 60, "maxSecs": 1200, "minIntensity": 80, "maxIntensity": 130,
        "limit": 5}),
    "listActivitiesAround": lambda w: Req("GET", w.a("/activities-around"),
                                          params={"activity_id": w.activity_id, "limit": 3}),
    "listTags_2": lambda w: Req("GET", w.a("/activity-tags")),
    "listActivityMessages": lambda w: Req("GET", w.act("/messages")),
    "sendActivityMessage": lambda w: Req("POST", w.act("/messages"),
                                         json={"content": "Nice ride"}),
    "downloadActivityFitFiles": lambda w: Req("POST", w.a("/download-fit-files"),
                                              params={"ids": w.activity_id}, body="file"),
    # -- activity files, streams, intervals ----------------------------------------------------
    "downloadActivityFile": lambda w: Req("GET", w.act("/file"), body="file"),
    "downloadActivityFitFile": lambda w: Req("GET", w.act("/fit-file"), body="file"),
    "downloadActivityGpxFile": lambda w: Req("GET", w.act("/gpx-file", w.gps_activity_id()),
                                             body="file"),
    "getActivityStreams": lambda w: Req("GET", w.act("/streams.json"),
                                        params={"types": "time,watts,heartrate"}),
    "updateActivityStreams": lambda w: _update_streams(w),
    "uploadActivityStreamsCSV": lambda w: _upload_streams_csv(w),
    "getIntervals": lambda w: Req("GET", w.act("/intervals")),
    "updateIntervals": lambda w: _update_intervals(w),
    "updateInterval": lambda w: _update_interval(w),
    "deleteIntervals": lambda w: _delete_intervals(w),
    "splitInterval": _split_interval,
    "getIntervalStats": lambda w: Req("GET", w.act("/interval-stats"),
                                      params={"start_index": 60, "end_index": 360}),
    # -- activity analytics --------------------------------------------------------------------
    "getActivityPowerCurve": lambda w: Req("GET", w.act("/power-curve.json")),
    "listActivityPowerCurves_1": lambda w: Req("GET", w.act("/power-curves.json")),
    "getActivityHRCurve": lambda w: Req("GET", w.act("/hr-curve.json")),
    "getActivityPaceCurve": lambda w: Req("GET", w.act("/pace-curve.json", w.run_id())),
    "getPowerHistogram": lambda w: Req("GET", w.act("/power-histogram")),
    "getHRHistogram": lambda w: Req("GET", w.act("/hr-histogram")),
    "getTimeAtHR": lambda w: Req("GET", w.act("/time-at-hr")),
    "getActivitySegments": lambda w: Req("GET", w.act("/segments")),
    "getActivityMap": lambda w: Req("GET", w.act("/map", w.gps_activity_id())),
    "findBestEfforts": _best_efforts,
    "getPowerVsHR": lambda w: Req("GET", w.act("/power-vs-hr.json")),
    "getActivityPowerSpikeModel": lambda w: Req("GET", w.act("/power-spike-model")),
    "getHRTrainingLoadModel": lambda w: Req("GET", w.act("/hr-load-model")),
    "getPaceHistogram": lambda w: Req("GET", w.act("/pace-histogram", w.run_id())),
    "getGapHistogram": lambda w: Req("GET", w.act("/gap-histogram", w.run_id())),
    "getActivityWeatherSummary": lambda w: Req("GET", w.act("/weather-summary",
                                                            w.weather_activity_id()),
                                               params={"start_index": 0, "end_index": 0}),
    "getAthleteMMPModel": lambda w: Req("GET", w.a("/mmp-model"), params={"type": "Ride"}),
    "getPowerHRCurve": lambda w: Req("GET", w.a("/power-hr-curve"), params={
        "start": str(w.today - timedelta(days=90)), "end": str(w.today), "type": "Ride"}),
    "listActivityPowerCurves": lambda w: Req("GET", w.a("/activity-power-curves.json"),
                                             params=_days(w)),
    "listActivityHRCurves": lambda w: Req("GET", w.a("/activity-hr-curves.json"),
                                          params=_days(w)),
    "listActivityPaceCurves": lambda w: Req("GET", w.a("/activity-pace-curves.json"),
                                            params={**_days(w), "type": "Run"}),
    "listAthletePowerCurves": lambda w: Req("GET", w.a("/power-curves.json"),
                                            params={"type": "Ride", "curves": "1y,42d,all"}),
    "listAthleteHRCurves": lambda w: Req("GET", w.a("/hr-curves.json"),
                                         params={"type": "Ride", "curves": "1y,s0"}),
    "listAthletePaceCurves": lambda w: Req("GET", w.a("/pace-curves.json"),
                                           params={"type": "Run", "curves": "1y"}),
    # -- events --------------------------------------------------------------------------------
    "listEvents": lambda w: Req("GET", w.a("/events.json"),
                                params={"oldest": str(w.today - timedelta(days=30)),
                                        "newest": str(w.today + timedelta(days=30))}),
    "showEvent": lambda w: Req("GET", w.a(f"/events/{w.new_event()['id']}")),
    "createEvent": lambda w: Req("POST", w.a("/events"), json={
        "category": "NOTE", "name": "Fidelity note",
        "start_date_local": f"{w.today + timedelta(days=2)}T00:00:00"}),
    "createMultipleEvents": lambda w: Req("POST", w.a("/events/bulk"), json=[{
        "category": "NOTE", "name": "Bulk note", "external_id": "fid-note-1",
        "start_date_local": f"{w.today + timedelta(days=3)}T00:00:00"}],
        params={"upsert": "true"}),
    "updateEvent": lambda w: Req("PUT", w.a(f"/events/{w.new_event()['id']}"),
                                 json={"name": "Renamed event"}),
    "updateEvents": lambda w: _update_events(w),
    "deleteEvent": lambda w: Req("DELETE", w.a(f"/events/{w.new_event()['id']}")),
    "deleteEvents": lambda w: _delete_events(w),
    "deleteEventsBulk": lambda w: Req("PUT", w.a("/events/bulk-delete"),
                                      json=[{"id": w.new_event()["id"]}]),
    "duplicateEvents": lambda w: Req("POST", w.a("/duplicate-events"), json={
        "eventIds": [w.new_event()["id"]], "numCopies": 1, "weeksBetween": 1}),
    "markEventAsDone": lambda w: Req("POST", w.a(f"/events/{w.new_event()['id']}/mark-done")),
    "downloadWorkout_1": lambda w: Req("GET", w.a(f"/events/{w.new_event()['id']}/download.zwo"),
                                       body="file"),
    "listTags_1": lambda w: Req("GET", w.a("/event-tags")),
    "listFitnessModelEvents": lambda w: Req("GET", w.a("/fitness-model-events")),
    "applyPlan": lambda w: _apply_plan(w),
    "downloadWorkout": lambda w: Req("POST", "/api/v1/download-workout.zwo", client="bearer",
                                     body="file", json={
                                         "name": "Converted", "type": "Ride",
                                         "workout_doc": _WORKOUT_DOC}),
    "downloadWorkoutForAthlete": lambda w: Req("POST", w.a("/download-workout.mrc"),
                                               body="file", json={
                                                   "name": "Converted", "type": "Ride",
                                                   "workout_doc": _WORKOUT_DOC}),
    "downloadWorkouts": lambda w: _download_workouts(w),
    # -- library -------------------------------------------------------------------------------
    "listFolders": lambda w: Req("GET", w.a("/folders")),
    "createFolder": lambda w: Req("POST", w.a("/folders"),
                                  json={"name": "New folder", "type": "FOLDER"}),
    "updateFolder": lambda w: Req("PUT", w.a(f"/folders/{w.folder()['id']}"),
                                  json={"description": "updated"}),
    "deleteFolder": lambda w: Req("DELETE", w.a("/folders/{}".format(w.call(
        "POST", w.a("/folders"), json={"name": "Doomed", "type": "FOLDER"})["id"]))),
    "listFolderSharedWith": lambda w: Req("GET",
                                          w.a(f"/folders/{w.folder()['id']}/shared-with")),
    "updateFolderSharedWith": lambda w: Req("PUT", w.a(f"/folders/{w.folder()['id']}"
                                                       "/shared-with"),
                                            json=[{"id": w.sb.coach_id, "canEdit": False}]),
    "updatePlanWorkouts": lambda w: _update_plan_workouts(w),
    "importWorkoutFile": lambda w: Req("POST", w.a(f"/folders/{w.folder()['id']}"
                                                   "/import-workout"),
                                       params={"type": "Ride"},
                                       files={"file": ("imported.zwo", _zwo(), "text/xml")}),
    "listWorkouts": lambda w: Req("GET", w.a("/workouts")),
    "showWorkout": lambda w: Req("GET", w.a(f"/workouts/{w.new_workout()['id']}")),
    "createWorkout": lambda w: Req("POST", w.a("/workouts"), json={
        "folder_id": w.folder()["id"], "name": "Created", "type": "Run",
        "description": "- 20m Z2 HR"}),
    "createMultipleWorkouts": lambda w: Req("POST", w.a("/workouts/bulk"), json=[{
        "folder_id": w.folder()["id"], "name": "Bulk", "type": "Ride",
        "description": "- 30m 70%"}]),
    "updateWorkout": lambda w: Req("PUT", w.a(f"/workouts/{w.new_workout()['id']}"),
                                   json={"name": "Renamed workout"}),
    "deleteWorkout": lambda w: Req("DELETE", w.a(f"/workouts/{w.new_workout()['id']}")),
    "duplicateWorkouts": lambda w: Req("POST", w.a("/duplicate-workouts"), json={
        "workoutIds": [w.new_workout()["id"]], "numCopies": 1, "weeksBetween": 1}),
    "listTags": lambda w: Req("GET", w.a("/workout-tags")),
    # -- gear ----------------------------------------------------------------------------------
    "listGear": lambda w: Req("GET", w.a("/gear.json")),
    "createGear": lambda w: Req("POST", w.a("/gear"), json={"type": "Shoes",
                                                            "name": "Fidelity shoes"}),
    "updateGear": lambda w: Req("PUT", w.a(f"/gear/{w.gear()['id']}"),
                                json={"notes": "serviced"}),
    "deleteGear": lambda w: Req("DELETE", w.a("/gear/{}".format(w.call(
        "POST", w.a("/gear"), json={"type": "Bike", "name": "Doomed"})["id"])), body="empty"),
    "calcDistanceEtc": lambda w: Req("GET", w.a(f"/gear/{w.gear()['id']}/calc")),
    "replaceGear": lambda w: Req("POST", w.a("/gear/{}/replace".format(w.call(
        "POST", w.a("/gear"), json={"type": "Bike", "name": "Old"})["id"])),
        json={"type": "Bike", "name": "New"}),
    "createReminder": lambda w: Req("POST", w.a(f"/gear/{w.gear()['id']}/reminder"),
                                    json={"name": "Tyres", "distance": 5_000_000}),
    "updateReminder": lambda w: _update_reminder(w),
    "deleteReminder": lambda w: _delete_reminder(w),
    # -- sport settings ------------------------------------------------------------------------
    "listSettings": lambda w: Req("GET", w.a("/sport-settings")),
    "getSettings_1": lambda w: Req("GET", w.a(f"/sport-settings/{w.sport_settings_id()}")),
    "createSettings": lambda w: Req("POST", w.a("/sport-settings"),
                                    json={"types": ["Rowing"], "lthr": 160}),
    "updateSettings": lambda w: Req("PUT", w.a(f"/sport-settings/{w.sport_settings_id()}"),
                                    params={"recalcHrZones": "false"}, json={"lthr": 165}),
    "updateSettingsMulti": lambda w: Req("PUT", w.a("/sport-settings"),
                                         params={"recalcHrZones": "false"},
                                         json=[{"id": w.sport_settings_id(), "lthr": 166}]),
    "deleteSettings": lambda w: Req("DELETE", w.a("/sport-settings/{}".format(w.call(
        "POST", w.a("/sport-settings"), json={"types": ["Canoeing"]})["id"]))),
    "applyToActivities": lambda w: Req("PUT", w.a(f"/sport-settings/{w.sport_settings_id()}"
                                                  "/apply")),
    "listMatchingActivities": lambda w: Req("GET", w.a(
        f"/sport-settings/{w.sport_settings_id()}/matching-activities")),
    "listPaceDistancesForSport": lambda w: Req("GET", w.a(
        f"/sport-settings/{w.sport_settings_id()}/pace_distances")),
    "listPaceDistances": lambda w: Req("GET", "/api/v1/pace_distances"),
    # -- custom items --------------------------------------------------------------------------
    "listCustomItems": lambda w: Req("GET", w.a("/custom-item")),
    "getCustomItem": lambda w: Req("GET", w.a(f"/custom-item/{w.new_custom_item()}")),
    "createCustomItem": lambda w: Req("POST", w.a("/custom-item"), json={
        "name": "Created chart", "type": "FITNESS_CHART", "content": {}}),
    "updateCustomItem": lambda w: Req("PUT", w.a(f"/custom-item/{w.new_custom_item()}"),
                                      json={"description": "changed"}),
    "deleteCustomItem": lambda w: Req("DELETE", w.a(f"/custom-item/{w.new_custom_item()}"),
                                      body="empty"),
    "updateCustomItemIndexes": lambda w: Req("PUT", w.a("/custom-item-indexes"), body="empty",
                                             json=[{"id": w.new_custom_item(), "index": 0}]),
    "updateCustomItemImage": lambda w: Req("POST", w.a(f"/custom-item/{w.new_custom_item()}"
                                                       "/image"),
                                           files={"file": ("chart.png", _PNG, "image/png")}),
    # -- routes, weather, shared events --------------------------------------------------------
    "listAthleteRoutes": lambda w: (w.route(), Req("GET", w.a("/routes")))[1],
    "getAthleteRoute": lambda w: Req("GET", w.a(f"/routes/{w.route()['route_id']}"),
                                     params={"includePath": "true"}),
    "updateAthleteRoute": lambda w: Req("PUT", w.a(f"/routes/{w.route()['route_id']}"),
                                        json={"name": "Renamed loop"}),
    "checkMerge": lambda w: Req("GET", w.a(f"/routes/{w.route()['route_id']}/similarity/"
                                           f"{w.other_route()['route_id']}")),
    "getWeatherConfig": lambda w: Req("GET", w.a("/weather-config")),
    "updateWeatherConfig": lambda w: Req("PUT", w.a("/weather-config"), json={"forecasts": [
        {"provider": "OPEN_WEATHER", "label": "Home", "lat": 52.37, "lon": 4.89,
         "location": "Amsterdam", "enabled": True}]}),
    "getForecast": lambda w: Req("GET", w.a("/weather-forecast")),
    "getSharedEvent": lambda w: Req("GET", f"/api/v1/shared-event/{w.shared_event_id()}",
                                    params={"fullCourse": "true"}),
    # -- chats ---------------------------------------------------------------------------------
    "listChats": lambda w: (w.chat(), Req("GET", w.a("/chats")))[1],
    "listGroups": lambda w: Req("GET", w.a("/groups")),
    "showChat": lambda w: Req("GET", f"/api/v1/chats/{w.chat()['id']}"),
    "listMessages": lambda w: Req("GET", f"/api/v1/chats/{w.chat()['id']}/messages"),
    "sendMessage": lambda w: Req("POST", "/api/v1/chats/send-message",
                                 json={"to_athlete_id": w.sb.athlete_ids[1],
                                       "content": "Hello"}),
    "updateMessage": lambda w: Req("PUT", f"/api/v1/chats/{w.chat()['id']}/messages/"
                                          f"{w.new_chat_message()}",
                                   json={"content": "edited"}),
    "deleteMessage": lambda w: Req("DELETE", f"/api/v1/chats/{w.chat()['id']}/messages/"
                                             f"{w.new_chat_message()}"),
    "updateLastSeenMessageId": lambda w: Req("PUT", f"/api/v1/chats/{w.chat()['id']}/"
                                                    f"messages/{w.chat()['message_id']}/seen"),
    # -- OAuth ---------------------------------------------------------------------------------
    "disconnectApp": lambda w: _disconnect(w),
}


def _delete_tombstone(w: World) -> Req:
    activity_id = w.new_manual_activity()
    w.call("DELETE", w.act("", activity_id))
    return Req("DELETE", w.act("/tombstone", activity_id), body="empty")


def _update_streams(w: World) -> Req:
    activity_id = w.new_manual_activity()
    return Req("PUT", w.act("/streams", activity_id), json=[
        {"type": "time", "data": list(range(60))},
        {"type": "heartrate", "data": [120 + i % 10 for i in range(60)]}])


def _upload_streams_csv(w: World) -> Req:
    activity_id = w.new_manual_activity()
    rows = "\n".join(f"{t},{100 + t}" for t in range(30))
    return Req("PUT", w.act("/streams.csv", activity_id),
               files=_csv_upload(f"time,watts\n{rows}\n", "streams.csv"))


def _update_intervals(w: World) -> Req:
    activity_id = w.activity_id
    length = w.streams_length(activity_id)
    return Req("PUT", w.act("/intervals", activity_id), json=[
        {"start_index": 10, "end_index": min(length - 1, 310), "type": "WORK"}])


def _update_interval(w: World) -> Req:
    activity_id = w.run_id()
    return Req("PUT", w.act(f"/intervals/{w.interval_id(activity_id)}", activity_id),
               json={"label": "Fidelity"})


def _delete_intervals(w: World) -> Req:
    activity_id = w.gps_activity_id()
    return Req("PUT", w.act("/delete-intervals", activity_id),
               json=[{"id": w.interval_id(activity_id)}])


def _update_events(w: World) -> Req:
    day = w.today + timedelta(days=40)
    w.new_event(start_date_local=f"{day}T00:00:00")
    return Req("PUT", w.a("/events"), params={"oldest": str(day), "newest": str(day)},
               json={"color": "red"})


def _delete_events(w: World) -> Req:
    day = w.today + timedelta(days=41)
    w.new_event(category="NOTE", start_date_local=f"{day}T00:00:00")
    return Req("DELETE", w.a("/events"), body="empty",
               params={"oldest": str(day), "newest": str(day), "category": "NOTE"})


def _apply_plan(w: World) -> Req:
    w.new_workout()
    return Req("POST", w.a("/events/apply-plan"), json={
        "folder_id": w.folder()["id"],
        "start_date_local": f"{w.today + timedelta(days=60)}T00:00:00"})


def _download_workouts(w: World) -> Req:
    return Req("GET", w.a("/workouts.zip"), body="file", params={
        "ext": "zwo", "oldest": str(w.today - timedelta(days=30)),
        "newest": str(w.today + timedelta(days=30))})


def _update_plan_workouts(w: World) -> Req:
    w.new_workout()
    return Req("PUT", w.a(f"/folders/{w.folder()['id']}/workouts"),
               params={"oldest": 0, "newest": 30}, json={"indoor": True})


def _update_reminder(w: World) -> Req:
    gear_id, reminder_id = w.gear_with_reminder()
    return Req("PUT", w.a(f"/gear/{gear_id}/reminder/{reminder_id}"),
               params={"reset": "true", "snoozeDays": 0}, json={"name": "Chain (new)"})


def _delete_reminder(w: World) -> Req:
    gear_id, reminder_id = w.gear_with_reminder()
    return Req("DELETE", w.a(f"/gear/{gear_id}/reminder/{reminder_id}"))


def _disconnect(w: World) -> Req:
    # Its own app: disconnecting revokes every token of the app for the athlete.
    app = w.sb.register_app("Disconnecting", ["http://localhost/cb"])
    token = w.sb.oauth_token(scopes="ACTIVITY:READ", client_id=app.client_id)
    return Req("DELETE", "/api/v1/disconnect-app", body="empty",
               headers={"Authorization": f"Bearer {token.access_token.reveal()}"},
               client="none")


# -- the checks ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    sb = Sandbox(seed=23, athletes=2, years=0.3)
    sb.configure(rate_limit_enabled=False)
    w = World(sb)
    yield w
    sb.stop()


def _send(w: World, req: Req) -> httpx.Response:
    client = {"athlete": w.http, "coach": w.coach, "bearer": w.bearer}.get(req.client)
    if client is None:
        client = httpx.Client(transport=w.sb.transport(), base_url=w.sb.base_url)
    return client.request(req.method, req.path, params=req.params, json=req.json,
                          files=req.files, headers=req.headers)


def validate(operation_id: str, req: Req, response: httpx.Response) -> None:
    """The response is one the spec allows for this operation."""
    op = OPERATIONS[operation_id]
    assert response.status_code < 300, (
        f"{operation_id}: {req.method} {req.path} answered {response.status_code}: "
        f"{response.text[:500]}")
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if req.body == "json":
        assert media == "application/json", f"{operation_id}: JSON expected, got {media!r}"
        request = MockRequest(HOST, req.method, req.path, path_pattern=op.path,
                              args={k: str(v) for k, v in (req.params or {}).items()})
        fidelity_spec().validate_response(request, MockResponse(
            response.content, status_code=response.status_code,
            headers=dict(response.headers), content_type=media))
        return
    declared = op.definition["responses"]
    assert str(response.status_code) in declared or "default" in declared, (
        f"{operation_id}: status {response.status_code} is not in the spec")
    if req.body == "csv":
        assert media == "text/csv", f"{operation_id}: CSV expected, got {media!r}"
        header = next(csv.reader(io.StringIO(response.text)))
        assert header, "a CSV starts with its column names"
        assert all(header), "a CSV starts with its column names"
    elif req.body == "file":
        assert response.content, f"{operation_id}: an empty file"
        assert media, f"{operation_id}: a file needs a media type"
        assert media != "application/json", f"{operation_id}: a file, not JSON"
        if media == "application/zip":
            zipfile.ZipFile(io.BytesIO(response.content)).testzip()
    elif req.body == "empty":
        assert not response.content.strip() or media == "application/json"


def _suggest(operation_id: str) -> str:
    """A starting point for a missing case (the ids, params and body are the author's job)."""
    op = OPERATIONS[operation_id]
    for prefix, helper in (("/api/v1/athlete/{id}", "w.a"), ("/api/v1/activity/{id}", "w.act")):
        if op.path.startswith(prefix):
            path = f'{helper}("{op.path.removeprefix(prefix)}")'
            break
    else:
        path = f'"{op.path}"'
    return (f'"{operation_id}": lambda w: Req("{op.method}", {path}),  '
            "# fill in ids, params, json/files; body='csv'/'file'/'empty' if not JSON")


def test_every_operation_of_the_spec_is_implemented() -> None:
    # The parametrized check below is built from HANDLERS at collection time (an empty
    # registry would make it check nothing at all): 148 of 148.
    assert set(HANDLERS) == set(OPERATIONS), sorted(set(OPERATIONS) ^ set(HANDLERS))
    assert len(OPERATIONS) == 148


def test_every_implemented_operation_has_a_fidelity_case() -> None:
    missing = sorted(set(HANDLERS) - set(CASES))
    hints = "\n".join(f"    {_suggest(op_id)}" for op_id in missing)
    assert not missing, (
        f"{len(missing)} sandbox handler(s) have no fidelity case. Add a request builder to "
        f"CASES in tests/sandbox/test_fidelity.py for each:\n{hints}")
    unknown = sorted(set(CASES) - set(OPERATIONS))
    assert not unknown, f"CASES names operations the spec does not have: {unknown}"


@pytest.mark.parametrize("operation_id", sorted(HANDLERS))
def test_response_validates_against_the_spec(world: World, operation_id: str) -> None:
    builder = CASES.get(operation_id)
    if builder is None:
        pytest.fail(f"no fidelity case for {operation_id}: add one to CASES (see "
                    "test_every_implemented_operation_has_a_fidelity_case)")
    req = builder(world)
    assert req.path.startswith("/api/"), f"{operation_id}: build a path under /api/"
    response = _send(world, req)
    validate(operation_id, req, response)


# -- error shapes and the spec document ---------------------------------------------------------


def test_unknown_route_is_springs_404(world: World) -> None:
    response = world.http.get("/api/v1/athlete/0/fitness")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"timestamp", "status", "error", "path"}
    assert (body["status"], body["error"], body["path"]) == (404, "Not Found",
                                                             "/api/v1/athlete/0/fitness")
    date.fromisoformat(body["timestamp"][:10])


def test_wrong_method_is_405(world: World) -> None:
    response = world.http.post("/api/v1/athlete/0/wellness/2026-01-01")
    assert response.status_code == 405
    assert response.json()["status"] == 405
    assert "PUT" in response.headers["allow"]


def test_application_errors_use_status_and_error(world: World) -> None:
    denied = world.http.get(f"/api/v1/athlete/{world.sb.stranger_id}")
    assert denied.json() == {"status": 403, "error": "Access denied"}
    missing = world.http.get("/api/v1/activity/i999999999")
    assert missing.status_code == 404
    assert set(missing.json()) == {"status", "error"}
    bad = world.http.get(world.a("/activities"))  # oldest is required
    assert bad.status_code == 422
    assert set(bad.json()) == {"status", "error"}


def test_spec_document_is_served_byte_identical(world: World) -> None:
    from importlib import resources

    served = world.http.get("/api/v1/docs")
    packaged = resources.files("intervals_icu.spec").joinpath(
        "intervals-icu-openapi.json").read_bytes()
    assert served.status_code == 200
    assert served.content == packaged
