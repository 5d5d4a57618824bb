"""Per-activity analytics that follow directly from the streams: power, heart-rate and pace
curves (JSON and CSV), power and heart-rate histograms, time at heart rate, best efforts,
map data and segments; plus best power / heart rate at chosen durations across activities.

Not simulated (they answer 501, see docs/sandbox.md): power-vs-hr, power-spike-model,
hr-load-model, pace and GAP histograms, weather summary, power-hr-curve and the MMP model.
Their numbers rest on models of the platform that cannot be reproduced faithfully here. The
athlete's curve sets and activity pace curves are in ``athlete_curves``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from intervals_icu.sandbox.context import Ctx, Reply, handles, locate
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    detail_of,
    is_strava,
    refuse_strava,
    sorted_newest_first,
    sport_types,
)
from intervals_icu.sandbox.platform.activity_math import (
    CURVE_SECS,
    array,
    best_average_curve,
    best_efforts,
    best_time_curve,
    histogram,
    time_at_hr,
)
from intervals_icu.sandbox.platform.records import to_csv
from intervals_icu.sandbox.state import AthleteStore

_POWER = ("fixed_watts", "watts")


def _streams(store: AthleteStore, activity: dict[str, Any]) -> dict[str, list[Any]]:
    from intervals_icu.sandbox.platform.streams import load_streams

    return load_streams(detail_of(store, activity["id"]))


def _activity_streams(ctx: Ctx) -> tuple[dict[str, Any], dict[str, list[Any]], float | None]:
    athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    profile = ctx.state.accounts[athlete_id].profile
    weight = activity.get("icu_weight") or profile.get("icu_weight") or profile.get("weight")
    return activity, _streams(store, activity), weight


def _require(streams: dict[str, list[Any]], names: tuple[str, ...], what: str,
             activity: dict[str, Any]) -> list[Any]:
    for name in names:
        values = streams.get(name)
        if values and any(v is not None for v in values):
            return values
    raise ApiError(422, f"Activity {activity['id']} has no {what} data")


def _curve_csv(curve: dict[str, Any], x: str, y: str) -> Reply:
    rows = [{x: a, y: b, "start_index": s, "end_index": e}
            for a, b, s, e in zip(curve[x if x in curve else "secs"], curve["values"],
                                  curve["start_index"], curve["end_index"], strict=True)]
    return Reply(to_csv(rows, [x, y, "start_index", "end_index"]), media_type="text/csv")


def _power_curve(activity: dict[str, Any], values: list[Any], weight: float | None,
                 stream: str) -> dict[str, Any]:
    curve = best_average_curve(array(values))
    result: dict[str, Any] = {
        "id": activity["id"],
        "label": activity.get("name"),
        "start_date_local": activity.get("start_date_local"),
        "stream_type": stream,
        "weight": weight,
        **curve,
        "watts": curve["values"],
        "activity_id": [activity["id"]] * len(curve["secs"]),
    }
    if weight:
        result["watts_per_kg"] = [round(v / weight, 2) for v in curve["values"]]
    return {k: v for k, v in result.items() if v is not None}


@handles("getActivityPowerCurve")
def power_curve(ctx: Ctx) -> Any:
    activity, streams, weight = _activity_streams(ctx)
    values = _require(streams, _POWER, "power", activity)
    curve = _power_curve(activity, values, weight, "watts")
    return _curve_csv(curve, "secs", "watts") if ctx.wants_csv else curve


@handles("listActivityPowerCurves_1")
def power_curves(ctx: Ctx) -> Any:
    """One curve per requested power stream; an unavailable stream is 422 with an empty
    body, as observed on the platform (API-NOTES §6.2)."""
    activity, streams, weight = _activity_streams(ctx)
    curves = []
    for stream in ctx.q_list("types") or ["watts"]:
        names = _POWER if stream == "watts" else (stream,)
        values = next((streams[n] for n in names if streams.get(n)), None)
        if not values or all(v is None for v in values):
            raise ApiError(422, "", body=b"")
        curves.append(_power_curve(activity, values, weight, stream))
    if ctx.wants_csv:
        columns = ["secs", *[c["stream_type"] for c in curves]]
        rows = [{"secs": secs, **{c["stream_type"]: c["values"][i] for c in curves
                                  if i < len(c["values"])}}
                for i, secs in enumerate(curves[0]["secs"])]
        return Reply(to_csv(rows, columns), media_type="text/csv")
    return curves


@handles("getActivityHRCurve")
def hr_curve(ctx: Ctx) -> Any:
    activity, streams, _weight = _activity_streams(ctx)
    values = _require(streams, ("heartrate",), "heart rate", activity)
    curve = {"id": activity["id"], "label": activity.get("name"),
             "start_date_local": activity.get("start_date_local"),
             **best_average_curve(array(values)), }
    curve["activity_id"] = [activity["id"]] * len(curve["secs"])
    return _curve_csv(curve, "secs", "bpm") if ctx.wants_csv else curve


@handles("getActivityPaceCurve")
def pace_curve(ctx: Ctx) -> Any:
    """Shortest time for each distance, from the distance stream."""
    activity, streams, _weight = _activity_streams(ctx)
    if ctx.q_bool("gap"):
        raise ApiError(422, "Gradient adjusted pace curves are not simulated by the sandbox")
    distance = _require(streams, ("distance",), "distance", activity)
    time = _require(streams, ("time",), "time", activity)
    curve = {"id": activity["id"], "label": activity.get("name"), "type": "PACE",
             "start_date_local": activity.get("start_date_local"),
             **best_time_curve(array(time), array(distance))}
    curve["activity_id"] = [activity["id"]] * len(curve["distance"])
    return _curve_csv(curve, "distance", "secs") if ctx.wants_csv else curve


def _moving(streams: dict[str, list[Any]], n: int) -> np.ndarray | None:
    moving = streams.get("moving")
    if moving is None or len(moving) != n:
        return None
    return np.array([bool(m) for m in moving], dtype=bool)


@handles("getPowerHistogram")
def power_histogram(ctx: Ctx) -> Any:
    activity, streams, _weight = _activity_streams(ctx)
    values = array(_require(streams, _POWER, "power", activity))
    bucket = ctx.q_int("bucketSize", 25) or 25
    return histogram(values, bucket, _moving(streams, values.size))


@handles("getHRHistogram")
def hr_histogram(ctx: Ctx) -> Any:
    activity, streams, _weight = _activity_streams(ctx)
    values = array(_require(streams, ("heartrate",), "heart rate", activity))
    bucket = ctx.q_int("bucketSize", 5) or 5
    return histogram(values, bucket, _moving(streams, values.size))


@handles("getTimeAtHR")
def time_at_heart_rate(ctx: Ctx) -> Any:
    """Seconds at each bpm (``secs``) and at or above it (``cumulative_secs``)."""
    activity, streams, _weight = _activity_streams(ctx)
    return time_at_hr(array(_require(streams, ("heartrate",), "heart rate", activity)))


@handles("findBestEfforts")
def find_best_efforts(ctx: Ctx) -> Any:
    _athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    streams = _streams(store, activity)
    name = ctx.q_required("stream")
    duration = ctx.q_int("duration")
    distance = ctx.q_float("distance")
    if (duration is None) == (distance is None):
        raise ApiError(422, "Supply either duration or distance")
    if (duration is not None and duration < 1) or (distance is not None and distance <= 0):
        raise ApiError(422, "duration and distance must be positive")
    values = _require(streams, (name,), name, activity)
    time = array(streams.get("time") or list(range(len(values))))
    distance_stream = streams.get("distance")
    if distance is not None and not distance_stream:
        raise ApiError(422, f"Activity {activity['id']} has no distance data")
    exclude: list[tuple[int, int]] = []
    if ctx.q_bool("excludeIntervals"):
        exclude = [(int(i["start_index"]), int(i["end_index"]))
                   for i in detail_of(store, activity["id"]).intervals
                   if i.get("type") == "WORK" and i.get("start_index") is not None
                   and i.get("end_index") is not None]
    efforts = best_efforts(
        array(values), time=time,
        distance=array(distance_stream) if distance_stream else None,
        duration=duration, target_distance=distance,
        count=ctx.q_int("count", 8) or 8, min_value=ctx.q_float("minValue"),
        exclude=exclude, start_index=ctx.q_int("startIndex", 0) or 0,
        end_index=ctx.q_int("endIndex"),
    )
    return {"efforts": efforts}


@handles("getActivityMap")
def activity_map(ctx: Ctx) -> Any:
    activity, streams, _weight = _activity_streams(ctx)
    bounds = ctx.q_list("bounds")
    box: list[float] | None = None
    if bounds is not None:
        try:
            box = [float(b) for b in bounds]
        except ValueError:
            box = None
        if box is None or len(box) != 4:
            raise ApiError(422, "Expected left, top, right, bottom for bounds")
    points = [p for p in streams.get("latlng") or [] if p]
    if not points:
        raise ApiError(422, f"Activity {activity['id']} has no GPS data")
    if box is not None:
        left, top, right, bottom = box
        points = [p for p in points if bottom <= p[0] <= top and left <= p[1] <= right]
    lats = [p[0] for p in points]
    lngs = [p[1] for p in points]
    result: dict[str, Any] = {
        "bounds": [[min(lats), min(lngs)], [max(lats), max(lngs)]] if points else None,
        "latlngs": None if ctx.q_bool("boundsOnly") else [[p[0], p[1]] for p in points],
        "route": None,
        "weather": None,
    }
    return result


@handles("getActivitySegments")
def activity_segments(ctx: Ctx) -> Any:
    """The sandbox has no segments (``has_segments`` is false everywhere)."""
    _athlete_id, _store, activity = locate(ctx)
    refuse_strava(activity)
    return []


# -- across activities -------------------------------------------------------------------------


def _range_curves(ctx: Ctx, names: tuple[str, ...], key: str) -> tuple[list[int],
                                                                        list[dict[str, Any]]]:
    athlete_id, store = ctx.store()
    oldest = ctx.q_date("oldest", required=True)
    newest = ctx.q_date("newest", required=True)
    assert oldest is not None
    assert newest is not None
    types = sport_types(store, ctx.q("type"))
    secs = [int(s) for s in ctx.q_list("secs") or CURVE_SECS]
    profile = ctx.state.accounts[athlete_id].profile
    curves = []
    for activity in sorted_newest_first(store.activities.values()):
        day = str(activity.get("start_date_local") or "")[:10]
        if is_strava(activity) or not oldest.isoformat() <= day <= newest.isoformat():
            continue
        if types is not None and activity.get("type") not in types:
            continue
        streams = _streams(store, activity)
        values = next((streams[n] for n in names if streams.get(n)), None)
        if not values:
            continue
        curve = best_average_curve(array(values), secs)
        best = dict(zip(curve["secs"], curve["values"], strict=True))
        curves.append({
            "id": activity["id"],
            "start_date_local": activity.get("start_date_local"),
            "weight": activity.get("icu_weight") or profile.get("icu_weight"),
            key: [best.get(s, 0) for s in secs],  # 0: the activity is shorter than that
        })
    return secs, curves


def _range_csv(secs: list[int], curves: list[dict[str, Any]], key: str) -> Reply:
    columns = ["id", "start_date_local", *[str(s) for s in secs]]
    rows = [{"id": c["id"], "start_date_local": c["start_date_local"],
             **{str(s): v for s, v in zip(secs, c[key], strict=True)}} for c in curves]
    return Reply(to_csv(rows, columns), media_type="text/csv")


@handles("listActivityPowerCurves")
def activity_power_curves(ctx: Ctx) -> Any:
    """Best power at ``secs`` for each activity in ``oldest..newest`` (newest first)."""
    secs, curves = _range_curves(ctx, _POWER, "watts")
    if ctx.wants_csv:
        return _range_csv(secs, curves, "watts")
    return {"secs": secs, "curves": curves}


@handles("listActivityHRCurves")
def activity_hr_curves(ctx: Ctx) -> Any:
    """Best heart rate at ``secs`` for each activity in ``oldest..newest`` (newest first)."""
    secs, curves = _range_curves(ctx, ("heartrate",), "bpm")
    if ctx.wants_csv:
        return _range_csv(secs, curves, "bpm")
    return {"secs": secs, "curves": curves}
