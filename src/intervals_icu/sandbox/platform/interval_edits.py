"""Editing an activity's intervals as the platform does (API-NOTES §4.6): the athlete sets
bounds, type and label; every statistic is recomputed from the streams with the same code
that detects intervals (:mod:`.intervals`); the intervals are marked edited, regrouped, and
the activity is marked analyzed (ACTIVITY_ANALYZED). ``end_index`` is exclusive.
"""

from __future__ import annotations

import copy
from typing import Any

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    detail_of,
    mark_analyzed,
    refuse_strava,
    sport_settings_for,
)
from intervals_icu.sandbox.platform.intervals import group_intervals, interval_stats
from intervals_icu.sandbox.platform.streams import load_streams
from intervals_icu.sandbox.state import SandboxState

__all__ = [
    "delete_intervals",
    "intervals_dto",
    "merge_intervals",
    "part_stats",
    "put_interval",
    "split_interval",
]

USER_INTERVAL_FIELDS = ("id", "type", "label", "start_index", "end_index")
"""What an interval edit may set; every statistic is recomputed from the streams."""


def intervals_dto(state: SandboxState, athlete_id: str, activity: dict[str, Any]) -> (
    dict[str, Any]
):
    """The ``IntervalsDTO`` of an activity."""
    detail = detail_of(state.store(athlete_id), activity["id"])
    return {
        "id": activity["id"],
        "analyzed": activity.get("analyzed"),
        "icu_intervals": copy.deepcopy(detail.intervals),
        "icu_groups": copy.deepcopy(detail.groups),
    }


def _stats_context(state: SandboxState, athlete_id: str, activity: dict[str, Any]) -> (
    dict[str, Any]
):
    settings = sport_settings_for(state.store(athlete_id), activity.get("type")) or {}
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
    for key in USER_INTERVAL_FIELDS:
        if user.get(key) is not None:
            interval[key] = user[key]
    interval.setdefault("type", "WORK")
    return interval


def _editable(state: SandboxState, athlete_id: str, activity: dict[str, Any]) -> (
    tuple[dict[str, list[Any]], dict[str, Any], list[dict[str, Any]]]
):
    """Streams, statistics context and a copy of the intervals of an editable activity."""
    refuse_strava(activity)
    detail = detail_of(state.store(athlete_id), activity["id"])
    streams = load_streams(detail)
    if not streams.get("time"):
        raise ApiError(422, f"Activity {activity['id']} has no streams to take intervals from")
    return streams, _stats_context(state, athlete_id, activity), copy.deepcopy(detail.intervals)


def _save(state: SandboxState, athlete_id: str, activity: dict[str, Any],
          intervals: list[dict[str, Any]]) -> dict[str, Any]:
    intervals.sort(key=lambda i: (int(i.get("start_index") or 0), int(i.get("id") or 0)))
    detail = detail_of(state.store(athlete_id), activity["id"])
    detail.intervals = intervals
    detail.groups = group_intervals(intervals)
    activity["icu_intervals_edited"] = True
    mark_analyzed(state, athlete_id, activity)
    return intervals_dto(state, athlete_id, activity)


def _next_id(intervals: list[dict[str, Any]]) -> int:
    return max((int(i.get("id") or 0) for i in intervals), default=0) + 1


def merge_intervals(state: SandboxState, athlete_id: str, activity: dict[str, Any],
                    body: list[dict[str, Any]], *, replace: bool) -> dict[str, Any]:
    """``replace``: the body becomes the intervals; otherwise it is merged in (a known
    ``id`` is changed, the others are added)."""
    streams, context, current = _editable(state, athlete_id, activity)
    existing = [] if replace else current
    by_id = {i.get("id"): i for i in existing if i.get("id") is not None}
    for item in body:
        target = by_id.get(item.get("id")) if item.get("id") is not None else None
        if target is not None:
            merged = {**{k: target.get(k) for k in USER_INTERVAL_FIELDS}, **item}
            target.clear()
            target.update(_computed(streams, merged, context))
            continue
        fresh = dict(item)
        if fresh.get("id") is None or fresh["id"] in by_id:
            fresh["id"] = _next_id(existing)
        interval = _computed(streams, fresh, context)
        existing.append(interval)
        by_id[interval["id"]] = interval
    return _save(state, athlete_id, activity, existing)


def put_interval(state: SandboxState, athlete_id: str, activity: dict[str, Any],
                 interval_id: int, item: dict[str, Any]) -> dict[str, Any]:
    """Change interval ``interval_id`` (or add it under that id)."""
    streams, context, intervals = _editable(state, athlete_id, activity)
    target = next((i for i in intervals if i.get("id") == interval_id), None)
    base = {k: target.get(k) for k in USER_INTERVAL_FIELDS} if target else {}
    updated = _computed(streams, {**base, **item, "id": interval_id}, context)
    if target is not None:
        intervals[intervals.index(target)] = updated
    else:
        intervals.append(updated)
    return _save(state, athlete_id, activity, intervals)


def delete_intervals(state: SandboxState, athlete_id: str, activity: dict[str, Any],
                     ids: set[Any], spans: set[tuple[Any, Any]]) -> dict[str, Any]:
    """Remove intervals by id or by ``(start_index, end_index)``; unknown ones are ignored."""
    refuse_strava(activity)
    detail = detail_of(state.store(athlete_id), activity["id"])
    intervals = [i for i in copy.deepcopy(detail.intervals)
                 if i.get("id") not in ids
                 and (i.get("start_index"), i.get("end_index")) not in spans]
    return _save(state, athlete_id, activity, intervals)


def split_interval(state: SandboxState, athlete_id: str, activity: dict[str, Any],
                   split_at: int) -> dict[str, Any]:
    """Split the interval containing sample ``split_at`` in two."""
    streams, context, intervals = _editable(state, athlete_id, activity)
    target = next((i for i in intervals
                   if int(i.get("start_index") or 0) < split_at < int(i.get("end_index") or 0)),
                  None)
    if target is None:
        raise ApiError(422, f"No interval contains index {split_at}")
    first = _computed(streams, {**{k: target.get(k) for k in USER_INTERVAL_FIELDS},
                                "end_index": split_at}, context)
    second = _computed(streams, {"type": target.get("type"), "start_index": split_at,
                                 "end_index": target["end_index"],
                                 "id": _next_id(intervals)}, context)
    intervals[intervals.index(target)] = first
    intervals.append(second)
    return _save(state, athlete_id, activity, intervals)


def part_stats(state: SandboxState, athlete_id: str, activity: dict[str, Any], start: int,
               end: int) -> dict[str, Any]:
    """Interval-like statistics of samples ``start..end`` (no type: not an interval)."""
    refuse_strava(activity)
    streams = load_streams(detail_of(state.store(athlete_id), activity["id"]))
    stats = _computed(streams, {"start_index": start, "end_index": end},
                      _stats_context(state, athlete_id, activity))
    stats.pop("type", None)
    return stats
