"""Streams (JSON and CSV, read and write) and intervals (read, replace or merge, edit one,
delete, split, stats) of an activity (API-NOTES §4.6, §4.7).

Streams are 1 Hz sample arrays by type; ``latlng`` is stored as ``[lat, lng]`` pairs and
served as ``data`` (latitudes) + ``data2`` (longitudes). Writing streams re-analyzes the
activity (summary, and intervals unless the athlete edited them); editing intervals marks
them edited. Both emit ACTIVITY_ANALYZED.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles, locate
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    detail_of,
    refuse_strava,
    stream_meta,
    write_streams,
)
from intervals_icu.sandbox.platform.interval_edits import (
    delete_intervals,
    intervals_dto,
    merge_intervals,
    part_stats,
    put_interval,
    split_interval,
)
from intervals_icu.sandbox.platform.records import validate_patch
from intervals_icu.sandbox.state import AthleteStore

# -- reading streams ---------------------------------------------------------------------------


def _stored(store: AthleteStore, activity_id: str) -> dict[str, list[Any]]:
    from intervals_icu.sandbox.platform.streams import load_streams

    return load_streams(detail_of(store, activity_id))


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
    meta = stream_meta(store, activity["id"])
    return [stream_json(name, values, meta.get(name)) for name, values in served.items()]


# -- writing streams ---------------------------------------------------------------------------


def _write_streams(ctx: Ctx, incoming: dict[str, list[Any]],
                   meta: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    athlete_id, _store, activity = locate(ctx)
    return write_streams(ctx.state, athlete_id, activity, incoming, meta)


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


@handles("getIntervals")
def get_intervals(ctx: Ctx) -> Any:
    athlete_id, _store, activity = locate(ctx)
    refuse_strava(activity)
    return intervals_dto(ctx.state, athlete_id, activity)


def _interval_list(ctx: Ctx) -> list[dict[str, Any]]:
    body = ctx.json_list()
    for item in body:
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: expected an array of intervals")
    return body


@handles("updateIntervals")
def put_intervals(ctx: Ctx) -> Any:
    """``all=true`` replaces every interval with the body; otherwise the body is merged in:
    an interval with a known ``id`` is changed, the others are added."""
    athlete_id, _store, activity = locate(ctx)
    body = _interval_list(ctx)
    for item in body:
        validate_patch("Interval", item)
    return merge_intervals(ctx.state, athlete_id, activity, body, replace=ctx.q_bool("all"))


@handles("updateInterval")
def put_one_interval(ctx: Ctx) -> Any:
    athlete_id, _store, activity = locate(ctx)
    item = ctx.json_object()
    validate_patch("Interval", item)
    return put_interval(ctx.state, athlete_id, activity, int(ctx.params["intervalId"]), item)


@handles("deleteIntervals")
def delete_some_intervals(ctx: Ctx) -> Any:
    """Remove the intervals given (by ``id``, or by ``start_index``/``end_index``);
    intervals that do not exist are ignored."""
    athlete_id, _store, activity = locate(ctx)
    ids = set()
    spans = set()
    for item in _interval_list(ctx):
        if item.get("id") is not None:
            ids.add(item["id"])
        elif item.get("start_index") is not None and item.get("end_index") is not None:
            spans.add((item["start_index"], item["end_index"]))
    return delete_intervals(ctx.state, athlete_id, activity, ids, spans)


@handles("splitInterval")
def split_one_interval(ctx: Ctx) -> Any:
    athlete_id, _store, activity = locate(ctx)
    split_at = ctx.q_int("splitAt")
    if split_at is None:
        raise ApiError(422, "Required request parameter 'splitAt' is not present")
    return split_interval(ctx.state, athlete_id, activity, split_at)


@handles("getIntervalStats")
def get_interval_stats(ctx: Ctx) -> Any:
    athlete_id, _store, activity = locate(ctx)
    start = ctx.q_int("start_index")
    end = ctx.q_int("end_index")
    if start is None or end is None:
        raise ApiError(422, "Required request parameters 'start_index' and 'end_index'")
    return part_stats(ctx.state, athlete_id, activity, start, end)
