"""Activities: list (newest first, ``oldest`` required, ``fields`` drops nulls), CSV, get one
or many, partial update, delete with tombstones, manual creation with upsert on
``external_id``, search, interval search, activities around, tags and comments.

Files, streams, intervals and analytics are in the sibling ``activity_*`` modules; every
change goes through :mod:`.activity_records`.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles, locate, parse_local
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    create_activity,
    delete_activity,
    delete_tombstone,
    detail_of,
    is_strava,
    manual_activity,
    public_view,
    sorted_newest_first,
    update_activity,
    upsert_target,
    with_intervals,
)
from intervals_icu.sandbox.platform.records import select_fields, to_csv, validate_patch

ACTIVITY_CSV_COLUMNS = [
    "id", "start_date_local", "name", "type", "moving_time", "distance", "elapsed_time",
    "total_elevation_gain", "max_speed", "average_speed", "has_heartrate", "max_heartrate",
    "average_heartrate", "calories", "device_watts", "icu_average_watts",
    "icu_normalized_watts", "icu_joules", "icu_intensity", "icu_training_load",
    "icu_training_load_edited", "icu_fatigue", "icu_fitness", "icu_eftp", "icu_variability",
    "icu_efficiency", "trainer", "commute", "workout_type",
    # Not in the published list (which ends with "..."): the API's own field names.
    "average_cadence", "icu_ftp", "race", "icu_rpe", "feel", "tags", "source", "external_id",
]
"""Columns of activities.csv: the only published list (the platform's author, forum thread
"Download all activities in CSV format", 2020; API-NOTES §4.3) in its order, then a few
more under the API's field names."""

_CSV_SOURCES = {
    "icu_normalized_watts": "icu_weighted_avg_watts",
    "icu_fatigue": "icu_atl",
    "icu_fitness": "icu_ctl",
    "icu_variability": "icu_variability_index",
    "icu_efficiency": "icu_efficiency_factor",
}
"""CSV column -> the Activity field it shows (the CSV kept the 2020 names)."""


def _csv_row(activity: dict[str, Any], load_edited: bool) -> dict[str, Any]:
    row = public_view(activity)
    if is_strava(activity):
        return row
    for column, field in _CSV_SOURCES.items():
        row[column] = activity.get(field)
    row["icu_eftp"] = activity.get("icu_pm_ftp") or activity.get("icu_rolling_ftp")
    row["icu_training_load_edited"] = load_edited
    row["workout_type"] = 11 if activity.get("race") else None  # 11 = race (2020 list)
    return row


_SEARCH_FIELDS = ("id", "name", "start_date_local", "type", "race", "distance", "moving_time",
                  "tags", "description")


# -- listing -----------------------------------------------------------------------------------


def _in_range(activity: dict[str, Any], oldest: datetime, newest: datetime) -> bool:
    text = activity.get("start_date_local")
    if not text:
        return False
    moment = parse_local(str(text))
    return oldest <= moment <= newest


@handles("listActivities")
def list_activities(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    oldest = ctx.q_datetime("oldest", required=True)
    newest = ctx.q_datetime("newest", end_of_day=True) or ctx.state.local_now(athlete_id)
    assert oldest is not None
    route_id = ctx.q_int("route_id")
    limit = ctx.q_int("limit")
    fields = ctx.q_list("fields")
    rows = [
        a for a in sorted_newest_first(store.activities.values())
        if _in_range(a, oldest, newest) and (route_id is None or a.get("route_id") == route_id)
    ]
    if limit is not None:
        rows = rows[:max(limit, 0)]
    # A Strava stub stays whole whatever ``fields`` says: its few keys are all there is.
    return [public_view(a) if is_strava(a) else select_fields(public_view(a), fields)
            for a in rows]


@handles("downloadActivitiesAsCSV")
def activities_csv(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    rows = [_csv_row(a, detail_of(store, a["id"]).load_edited)
            for a in sorted_newest_first(store.activities.values())]
    return Reply(to_csv(rows, ACTIVITY_CSV_COLUMNS), media_type="text/csv",
                 headers={"Content-Disposition": 'attachment; filename="activities.csv"'})


@handles("getActivity")
def get_activity(ctx: Ctx) -> Any:
    _athlete_id, store, activity = locate(ctx)
    if ctx.q_bool("intervals"):
        return with_intervals(store, activity)
    return public_view(activity)


@handles("getActivities")
def get_activities(ctx: Ctx) -> Any:
    """Several by id; ids that are missing (or another athlete's) are left out."""
    _athlete_id, store = ctx.store("athleteId")
    ids = [i.strip() for i in ctx.params["ids"].split(",") if i.strip()]
    intervals = ctx.q_bool("intervals")
    found = []
    for activity_id in dict.fromkeys(ids):
        activity = store.activities.get(activity_id)
        if activity is None:
            continue
        found.append(with_intervals(store, activity) if intervals else public_view(activity))
    return found


# -- changing ----------------------------------------------------------------------------------


@handles("updateActivity")
def update(ctx: Ctx) -> Any:
    athlete_id, _store, activity = locate(ctx)
    update_activity(ctx.state, athlete_id, activity, ctx.json_object())
    return public_view(activity)


@handles("deleteActivity")
def delete(ctx: Ctx) -> Any:
    athlete_id, _store, activity = locate(ctx)
    return delete_activity(ctx.state, athlete_id, activity)


@handles("deleteTombstone")
def remove_tombstone(ctx: Ctx) -> Any:
    delete_tombstone(ctx.state, ctx.principal, ctx.params["id"])
    return None


# -- manual activities -------------------------------------------------------------------------


@handles("createManualActivity")
def create_manual(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    activity = manual_activity(ctx.state, athlete_id, ctx.principal, ctx.json_object())
    create_activity(ctx.state, athlete_id, activity, owner_app=ctx.principal.app_key)
    return public_view(activity)


@handles("createMultipleManualActivities")
def create_manual_bulk(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    items = ctx.json_list()
    for item in items:
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: expected an array of activities")
        validate_patch("Activity", item)
    results = []
    for item in items:
        target = upsert_target(ctx.state, athlete_id, ctx.principal, item.get("external_id"))
        if target is not None:
            update_activity(ctx.state, athlete_id, target, item)
            results.append(public_view(target))
            continue
        activity = manual_activity(ctx.state, athlete_id, ctx.principal, item)
        create_activity(ctx.state, athlete_id, activity, owner_app=ctx.principal.app_key)
        results.append(public_view(activity))
    return results


# -- finding -----------------------------------------------------------------------------------


def _matches(activity: dict[str, Any], q: str) -> bool:
    if is_strava(activity):
        return False
    if q.startswith("#"):
        return q[1:] in (activity.get("tags") or [])
    return q.lower() in str(activity.get("name") or "").lower()


def _search(ctx: Ctx) -> list[dict[str, Any]]:
    _athlete_id, store = ctx.store()
    q = ctx.q_required("q").strip()
    limit = ctx.q_int("limit")
    found = [a for a in sorted_newest_first(store.activities.values()) if _matches(a, q)]
    return found[:limit] if limit is not None else found


@handles("searchForActivities")
def search(ctx: Ctx) -> Any:
    return [{k: a[k] for k in _SEARCH_FIELDS if a.get(k) is not None} for a in _search(ctx)]


@handles("searchForActivitiesFull")
def search_full(ctx: Ctx) -> Any:
    return [public_view(a) for a in _search(ctx)]


def _interval_intensity(interval: dict[str, Any], kind: str,
                        activity: dict[str, Any]) -> float | None:
    if kind in {"POWER", "AUTO"} and interval.get("intensity") is not None:
        return float(interval["intensity"])
    if kind in {"HR", "AUTO"} and interval.get("average_heartrate") and activity.get("lthr"):
        return float(interval["average_heartrate"]) / float(activity["lthr"]) * 100
    if kind in {"PACE", "AUTO"} and interval.get("average_speed") and \
            activity.get("threshold_pace"):
        return float(interval["average_speed"]) / float(activity["threshold_pace"]) * 100
    return None


@handles("searchForIntervals")
def interval_search(ctx: Ctx) -> Any:
    """Activities with ``minReps..maxReps`` WORK intervals of ``minSecs..maxSecs`` at
    ``minIntensity..maxIntensity`` % of threshold (power, HR or pace), most recent first."""
    _athlete_id, store = ctx.store()
    min_secs = int(ctx.q_required("minSecs"))
    max_secs = int(ctx.q_required("maxSecs"))
    min_i = float(ctx.q_required("minIntensity"))
    max_i = float(ctx.q_required("maxIntensity"))
    kind = (ctx.q("type") or "AUTO").upper()
    if kind not in {"AUTO", "POWER", "HR", "PACE"}:
        raise ApiError(422, f"Invalid value for 'type': {kind}")
    min_reps = ctx.q_int("minReps", 1) or 1
    max_reps = ctx.q_int("maxReps", 999_999) or 999_999
    limit = ctx.q_int("limit", 30) or 30
    found = []
    for activity in sorted_newest_first(store.activities.values()):
        if is_strava(activity):
            continue
        reps = 0
        for interval in detail_of(store, activity["id"]).intervals:
            if interval.get("type") != "WORK":
                continue
            secs = int(interval.get("moving_time") or interval.get("elapsed_time") or 0)
            intensity = _interval_intensity(interval, kind, activity)
            if min_secs <= secs <= max_secs and intensity is not None \
                    and min_i <= intensity <= max_i:
                reps += 1
        if min_reps <= reps <= max_reps:
            found.append(public_view(activity))
        if len(found) >= limit:
            break
    return found


@handles("listActivitiesAround")
def around(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    activity_id = ctx.q_required("activity_id")
    anchor = store.activities.get(activity_id)
    if anchor is None:
        raise ApiError(404, f"Activity not found: {activity_id}")
    route_id = ctx.q_int("route_id")
    limit = ctx.q_int("limit", 30) or 30
    when = parse_local(str(anchor.get("start_date_local")))

    def distance(activity: dict[str, Any]) -> timedelta:
        return abs(parse_local(str(activity.get("start_date_local"))) - when)

    others = [a for a in store.activities.values()
              if a["id"] != activity_id and a.get("start_date_local")
              and (route_id is None or a.get("route_id") == route_id)]
    others.sort(key=lambda a: (distance(a), a["id"]))
    return [public_view(a) for a in others[:limit]]


@handles("listTags_2")
def activity_tags(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return sorted({t for a in store.activities.values() if not is_strava(a)
                   for t in a.get("tags") or []})


# -- comments ------------------------------------------------------------------------------------


@handles("listActivityMessages")
def list_messages(ctx: Ctx) -> Any:
    _athlete_id, store, activity = locate(ctx)
    since = ctx.q_int("sinceId")
    limit = ctx.q_int("limit", 100) or 100
    messages = [m for m in detail_of(store, activity["id"]).messages
                if since is None or int(m["id"]) > since]
    return copy.deepcopy(messages[:limit])


@handles("sendActivityMessage")
def send_message(ctx: Ctx) -> Any:
    athlete_id, store, activity = locate(ctx)
    body = ctx.json_object()
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise ApiError(422, "content is required")
    author = ctx.state.accounts[ctx.principal.athlete_id]
    message = {
        "id": ctx.state.next_id("message", start=5_000_000),
        "athlete_id": author.id,
        "name": author.name,
        "created": ctx.state.now_stamp(),
        "type": "TEXT",
        "content": content,
        "activity_id": activity["id"],
        "seen": author.id == athlete_id,
    }
    detail_of(store, activity["id"]).messages.append(message)
    return {"id": message["id"], "new_chat": None}
