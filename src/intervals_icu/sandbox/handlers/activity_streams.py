"""Streams (JSON and CSV, read and write) and intervals (read, replace or merge, edit one,
delete, split, stats) of an activity (API-NOTES §4.6, §4.7).

Streams are 1 Hz sample arrays by type; ``latlng`` is stored as ``[lat, lng]`` pairs and
served as ``data`` (latitudes) + ``data2`` (longitudes). Writing streams re-analyzes the
activity (summary, and intervals unless the athlete edited them); editing intervals marks
them edited. Both emit ACTIVITY_ANALYZED.
"""

from __future__ import annotations

import copy
import csv
import io
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    analyze,
    detail_of,
    locate,
    mark_analyzed,
    refit,
    refuse_strava,
    sport_settings_for,
)
from intervals_icu.sandbox.platform.intervals import group_intervals, interval_stats
from intervals_icu.sandbox.platform.records import validate_patch
from intervals_icu.sandbox.state import AthleteStore, SandboxState

_USER_INTERVAL_FIELDS = ("id", "type", "label", "start_index", "end_index")
"""What an interval edit may set; every statistic is recomputed from the streams."""


# -- reading streams ---------------------------------------------------------------------------


def _stored(store: AthleteStore, activity_id: str) -> dict[str, list[Any]]:
    from intervals_icu.sandbox.platform.streams import load_streams

    return load_streams(detail_of(store, activity_id))


def _meta(store: AthleteStore, activity_id: str) -> dict[str, dict[str, Any]]:
    """Names and the custom flag of athlete-defined streams, by type."""
    metas: dict[str, dict[str, dict[str, Any]]] = store.extra.setdefault("stream_meta", {})
    return metas.setdefault(activity_id, {})


def _served(stored: dict[str, list[Any]], types: list[str] | None,
            include_defaults: bool) -> dict[str, list[Any]]:
    """The streams a GET returns, in stored order, after the platform's renames: with a
    ``fixed_watts`` stream, ``watts`` is the fixed one and the stored ``watts`` is served as
    ``raw_watts`` (only when ``types`` is omitted or names ``raw_watts``)."""
    fixed = stored.get("fixed_watts")
    available: dict[str, list[Any]] = {}
    for name, values in stored.items():
        if fixed is not None and name == "fixed_watts":
            continue
        if fixed is not None and name == "watts":
            available["watts"] = fixed
            if types is None or "raw_watts" in types:
                available["raw_watts"] = values
            continue
        available[name] = values
    if fixed is not None and "watts" not in available:
        available["watts"] = fixed
    if types is None:
        return available
    wanted = set(types) | (set(available) if include_defaults else set())
    return {k: v for k, v in available.items() if k in wanted}


def _value_type(name: str, values: list[Any]) -> str:
    if name == "latlng":
        return "java.lang.Double"
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return "java.lang.Boolean"
    if isinstance(sample, int):
        return "java.lang.Integer"
    if isinstance(sample, str):
        return "java.lang.String"
    return "java.lang.Float"


def stream_json(name: str, values: list[Any], meta: dict[str, Any] | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": name,
        "name": (meta or {}).get("name"),
        "valueType": _value_type(name, values),
        "valueTypeIsArray": False,
        "anomalies": None,
        "custom": bool((meta or {}).get("custom")),
        "allNull": all(v is None for v in values),
    }
    if name == "latlng":
        element["data"] = [p[0] if p else None for p in values]
        element["data2"] = [p[1] if p else None for p in values]
    else:
        element["data"] = values
        element["valueTypeIsArray"] = any(isinstance(v, list) for v in values)
    return element


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ":".join(_csv_cell(v) for v in value)
    return str(value)


@handles("getActivityStreams")
def get_streams(ctx: Ctx) -> Any:
    _athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    served = _served(_stored(store, activity["id"]), ctx.q_list("types"),
                     ctx.q_bool("includeDefaults"))
    if ctx.wants_csv:
        columns = list(served)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        length = max((len(v) for v in served.values()), default=0)
        for row in range(length):
            writer.writerow([_csv_cell(served[c][row] if row < len(served[c]) else None)
                             for c in columns])
        return Reply(out.getvalue(), media_type="text/csv",
                     headers={"Content-Disposition":
                              f'attachment; filename="{activity["id"]}-streams.csv"'})
    meta = _meta(store, activity["id"])
    return [stream_json(name, values, meta.get(name)) for name, values in served.items()]


# -- writing streams ---------------------------------------------------------------------------


def _write_streams(ctx: Ctx, incoming: dict[str, list[Any]],
                   meta: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """The platform's rules (API-NOTES §4.7): an all-null stream is removed; with the same
    number of samples only the given streams change; otherwise every stream must be given
    (with ``time``) and the ones missing are removed."""
    athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    if not incoming:
        raise ApiError(422, "No streams supplied")
    lengths = {len(v) for v in incoming.values()}
    if len(lengths) != 1:
        raise ApiError(422, "All streams must have the same number of points")
    length = lengths.pop()
    current = _stored(store, activity["id"])
    current_length = len(current.get("time") or next(iter(current.values()), []))
    if "time" in incoming:
        _check_time(incoming["time"])
    replacing = bool(current) and length != current_length
    if replacing and "time" not in incoming:
        raise ApiError(422, f"The streams have {length} points but the activity has "
                            f"{current_length}: to change the length supply every stream, "
                            "including time")
    if not current and "time" not in incoming:
        raise ApiError(422, "The activity has no streams yet: supply time as well")
    updated = sorted(k for k, v in incoming.items() if any(x is not None for x in v))
    removed_now = [k for k, v in incoming.items() if all(x is None for x in v)]
    result = {} if replacing else dict(current)
    for name, values in incoming.items():
        result[name] = values
    deleted = sorted(set(removed_now) | ({k for k in current if k not in incoming}
                                         if replacing else set()))
    for name in removed_now:
        result.pop(name, None)
    if "time" not in result:
        raise ApiError(422, "The time stream cannot be removed")
    stream_meta = _meta(store, activity["id"])
    for name in deleted:
        stream_meta.pop(name, None)
    for name, info in meta.items():
        if name in result and (info.get("name") or info.get("custom")):
            stream_meta[name] = info
    detail = detail_of(store, activity["id"])
    detail.streams = result
    before_load = activity.get("icu_training_load")
    analyze(ctx.state, athlete_id, activity, result)
    mark_analyzed(ctx.state, athlete_id, activity)
    if activity.get("icu_training_load") != before_load:
        refit(ctx.state, athlete_id, [activity])
    return {"updated": updated, "deleted": deleted}


def _check_time(values: list[Any]) -> None:
    if not values or values[0] != 0:
        raise ApiError(422, "time must be seconds from the start: the first value is 0")
    previous = -1.0
    for value in values:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < previous:
            raise ApiError(422, "time must be increasing numbers of seconds")
        previous = float(value)


@handles("updateActivityStreams")
def put_streams(ctx: Ctx) -> Any:
    incoming: dict[str, list[Any]] = {}
    meta: dict[str, dict[str, Any]] = {}
    for item in ctx.json_list():
        if not isinstance(item, dict) or not isinstance(item.get("type"), str) \
                or not item["type"]:
            raise ApiError(422, "Each stream needs its type")
        validate_patch("ActivityStream", item)
        name = item["type"]
        data = item.get("data")
        if not isinstance(data, list):
            raise ApiError(422, f"Stream {name}: data must be an array")
        if name == "latlng":
            lngs = item.get("data2")
            if not isinstance(lngs, list) or len(lngs) != len(data):
                raise ApiError(422, "latlng needs data (latitudes) and data2 (longitudes) of "
                                    "the same length")
            data = [None if a is None or b is None else [a, b]
                    for a, b in zip(data, lngs, strict=True)]
        incoming[name] = data
        meta[name] = {"name": item.get("name"), "custom": bool(item.get("custom"))}
    return _write_streams(ctx, incoming, meta)


def _csv_value(text: str, column: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if text.lower() in {"true", "false"}:
        return text.lower() == "true"
    if ":" in text:
        return [_csv_value(part, column) for part in text.split(":")]
    try:
        number = float(text)
    except ValueError:
        raise ApiError(422, f"Invalid number in column {column}: {text}") from None
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() \
        else number


@handles("uploadActivityStreamsCSV")
def put_streams_csv(ctx: Ctx) -> Any:
    upload = ctx.file("file")
    try:
        text = upload.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, "The CSV file must be UTF-8 text") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(h.strip() for h in rows[0]):
        raise ApiError(422, "The CSV needs a header row of stream names")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header) or "" in header:
        raise ApiError(422, "Stream names in the header must be unique and not empty")
    incoming: dict[str, list[Any]] = {name: [] for name in header}
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ApiError(422, f"Line {line_number} has {len(row)} cells, expected "
                                f"{len(header)}")
        for name, cell in zip(header, row, strict=True):
            incoming[name].append(_csv_value(cell, name))
    return _write_streams(ctx, incoming, {})


# -- intervals ---------------------------------------------------------------------------------


def _intervals_dto(activity: dict[str, Any], store: AthleteStore) -> dict[str, Any]:
    detail = detail_of(store, activity["id"])
    return {
        "id": activity["id"],
        "analyzed": activity.get("analyzed"),
        "icu_intervals": copy.deepcopy(detail.intervals),
        "icu_groups": copy.deepcopy(detail.groups),
    }


def _stats_context(state: SandboxState, athlete_id: str, store: AthleteStore,
                   activity: dict[str, Any]) -> dict[str, Any]:
    # The same statistics as detected intervals get (one implementation: platform.intervals).
    settings = sport_settings_for(store, activity.get("type")) or {}
    profile = state.accounts[athlete_id].profile
    return {
        "sport": str(activity.get("type") or "Ride"),
        "ftp": activity.get("icu_ftp") or settings.get("ftp"),
        "lthr": activity.get("lthr") or settings.get("lthr"),
        "max_hr": settings.get("max_hr"),
        "resting_hr": profile.get("icu_resting_hr"),
    }


def _computed(streams: dict[str, list[Any]], user: dict[str, Any],
              context: dict[str, Any]) -> dict[str, Any]:
    """An interval from what the athlete set (bounds, type, label) plus fresh statistics."""
    n = len(streams.get("time") or [])
    start, end = user.get("start_index"), user.get("end_index")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= n:
        raise ApiError(422, f"Interval needs 0 <= start_index < end_index <= {n} "
                            f"(got {start}, {end})")
    interval = interval_stats(streams, start, end, **context)
    for key in _USER_INTERVAL_FIELDS:
        if user.get(key) is not None:
            interval[key] = user[key]
    interval.setdefault("type", "WORK")
    return interval


def _save_intervals(ctx: Ctx, athlete_id: str, store: AthleteStore, activity: dict[str, Any],
                    intervals: list[dict[str, Any]]) -> dict[str, Any]:
    intervals.sort(key=lambda i: (int(i.get("start_index") or 0), int(i.get("id") or 0)))
    detail = detail_of(store, activity["id"])
    detail.intervals = intervals
    detail.groups = group_intervals(intervals)
    activity["icu_intervals_edited"] = True
    mark_analyzed(ctx.state, athlete_id, activity)
    return _intervals_dto(activity, store)


def _editable(ctx: Ctx) -> tuple[str, AthleteStore, dict[str, Any], dict[str, list[Any]],
                                 dict[str, Any]]:
    athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    streams = _stored(store, activity["id"])
    if not streams.get("time"):
        raise ApiError(422, f"Activity {activity['id']} has no streams to take intervals from")
    return athlete_id, store, activity, streams, _stats_context(ctx.state, athlete_id, store,
                                                                  activity)


def _next_id(intervals: list[dict[str, Any]]) -> int:
    return max((int(i.get("id") or 0) for i in intervals), default=0) + 1


@handles("getIntervals")
def get_intervals(ctx: Ctx) -> Any:
    _athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    return _intervals_dto(activity, store)


@handles("updateIntervals")
def put_intervals(ctx: Ctx) -> Any:
    """``all=true`` replaces every interval with the body; otherwise the body is merged in:
    an interval with a known ``id`` is changed, the others are added."""
    athlete_id, store, activity, streams, context = _editable(ctx)
    body = ctx.json_list()
    for item in body:
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: expected an array of intervals")
        validate_patch("Interval", item)
    replace = ctx.q_bool("all")
    existing = [] if replace else copy.deepcopy(detail_of(store, activity["id"]).intervals)
    by_id = {i.get("id"): i for i in existing if i.get("id") is not None}
    for item in body:
        target = by_id.get(item.get("id")) if item.get("id") is not None else None
        if target is not None:
            merged = {**{k: target.get(k) for k in _USER_INTERVAL_FIELDS}, **item}
            target.clear()
            target.update(_computed(streams, merged, context))
            continue
        fresh = dict(item)
        if fresh.get("id") is None or fresh["id"] in by_id:
            fresh["id"] = _next_id(existing)
        interval = _computed(streams, fresh, context)
        existing.append(interval)
        by_id[interval["id"]] = interval
    return _save_intervals(ctx, athlete_id, store, activity, existing)


@handles("updateInterval")
def put_interval(ctx: Ctx) -> Any:
    athlete_id, store, activity, streams, context = _editable(ctx)
    try:
        interval_id = int(ctx.params["intervalId"])
    except ValueError:
        raise ApiError(422, f"Invalid interval id: {ctx.params['intervalId']}") from None
    item = ctx.json_object()
    validate_patch("Interval", item)
    intervals = copy.deepcopy(detail_of(store, activity["id"]).intervals)
    target = next((i for i in intervals if i.get("id") == interval_id), None)
    base = {k: target.get(k) for k in _USER_INTERVAL_FIELDS} if target else {}
    updated = _computed(streams, {**base, **item, "id": interval_id}, context)
    if target is not None:
        intervals[intervals.index(target)] = updated
    else:
        intervals.append(updated)
    return _save_intervals(ctx, athlete_id, store, activity, intervals)


@handles("deleteIntervals")
def delete_intervals(ctx: Ctx) -> Any:
    """Remove the intervals given (by ``id``, or by ``start_index``/``end_index``);
    intervals that do not exist are ignored."""
    athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    doomed_ids = set()
    doomed_spans = set()
    for item in ctx.json_list():
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: expected an array of intervals")
        if item.get("id") is not None:
            doomed_ids.add(item["id"])
        elif item.get("start_index") is not None and item.get("end_index") is not None:
            doomed_spans.add((item["start_index"], item["end_index"]))
    intervals = [i for i in copy.deepcopy(detail_of(store, activity["id"]).intervals)
                 if i.get("id") not in doomed_ids
                 and (i.get("start_index"), i.get("end_index")) not in doomed_spans]
    return _save_intervals(ctx, athlete_id, store, activity, intervals)


@handles("splitInterval")
def split_interval(ctx: Ctx) -> Any:
    athlete_id, store, activity, streams, context = _editable(ctx)
    split_at = ctx.q_int("splitAt")
    if split_at is None:
        raise ApiError(422, "Required request parameter 'splitAt' is not present")
    intervals = copy.deepcopy(detail_of(store, activity["id"]).intervals)
    target = next((i for i in intervals
                   if int(i.get("start_index") or 0) < split_at < int(i.get("end_index") or 0)),
                  None)
    if target is None:
        raise ApiError(422, f"No interval contains index {split_at}")
    first = _computed(streams, {**{k: target.get(k) for k in _USER_INTERVAL_FIELDS},
                                "end_index": split_at}, context)
    second = _computed(streams, {"type": target.get("type"), "start_index": split_at,
                                 "end_index": target["end_index"],
                                 "id": _next_id(intervals)}, context)
    intervals[intervals.index(target)] = first
    intervals.append(second)
    return _save_intervals(ctx, athlete_id, store, activity, intervals)


@handles("getIntervalStats")
def get_interval_stats(ctx: Ctx) -> Any:
    athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    start = ctx.q_int("start_index")
    end = ctx.q_int("end_index")
    if start is None or end is None:
        raise ApiError(422, "Required request parameters 'start_index' and 'end_index'")
    streams = _stored(store, activity["id"])
    context = _stats_context(ctx.state, athlete_id, store, activity)
    stats = _computed(streams, {"start_index": start, "end_index": end}, context)
    stats.pop("type", None)  # a part of the activity, not a work or recovery interval
    return stats
