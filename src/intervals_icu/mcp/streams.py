"""One activity's streams for the assistant: a summary of each, and its best efforts
(pure). Best efforts are the toolkit's one definition (:mod:`intervals_icu.efforts`, as in
``icu report`` and the mirror's ``activity_curves``), at the durations and distances an
answer lists."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from intervals_icu import efforts
from intervals_icu.mcp.outputs import CurvePoint, StreamSummary

__all__ = ["DISTANCES", "DURATIONS", "curves", "decode", "summaries"]

DURATIONS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)
"""Seconds at which power and heart-rate best efforts are listed."""
DISTANCES = (400.0, 1000.0, 1609.344, 5000.0, 10000.0, 21097.5, 42195.0)
"""Metres at which pace best efforts (the shortest time) are listed."""
_SUMMARISED = ("watts", "heartrate", "cadence", "velocity_smooth", "altitude", "distance",
               "temp", "respiration", "grade_smooth")


def decode(blob: bytes) -> Any:
    """A mirrored stream (``json+zlib``, docs/schema.md)."""
    return json.loads(zlib.decompress(blob))


def _numbers(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]


def summaries(streams: Mapping[str, Sequence[Any]]) -> list[StreamSummary]:
    found = []
    for name in sorted(streams):
        values = streams[name]
        if name not in _SUMMARISED and name != "time":
            found.append(StreamSummary(type=name, samples=len(values)))
            continue
        numbers = _numbers(values)
        found.append(StreamSummary(
            type=name, samples=len(values),
            min=round(min(numbers), 2) if numbers else None,
            max=round(max(numbers), 2) if numbers else None,
            mean=round(sum(numbers) / len(numbers), 2) if numbers else None))
    return found


def curves(streams: Mapping[str, Sequence[Any]]) -> dict[str, list[CurvePoint]]:
    """Best efforts by kind (``power``, ``hr``: best mean by duration; ``pace``: shortest
    time by distance), the kinds of the ``get_curves`` tool."""
    time = streams.get("time") or None
    found: dict[str, list[CurvePoint]] = {}
    for kind, stream in (("power", "watts"), ("hr", "heartrate")):
        values = streams.get(stream)
        if not values or not _numbers(values):
            continue
        best = efforts.mean_max(efforts.one_hertz(values, time), DURATIONS)
        points = [CurvePoint(secs=s, value=round(v, 2)) for s, v in best.items() if v > 0]
        if points:
            found[kind] = points
    distance = streams.get("distance")
    if distance and time:
        fastest = efforts.best_times(time, distance, DISTANCES)
        if fastest:
            found["pace"] = [CurvePoint(distance_m=m, value=round(s, 1))
                             for m, s in fastest.items()]
    return found
