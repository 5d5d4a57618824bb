"""Summaries and best efforts computed from an activity's sample streams (pure)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

from intervals_icu.mcp.outputs import CurvePoint, StreamSummary

__all__ = ["DURATIONS", "best_means", "curves", "decode", "summaries"]

DURATIONS = (5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)
"""Seconds at which best efforts are reported."""
_CURVES = {"power": "watts", "heartrate": "heartrate", "speed": "velocity_smooth"}
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


def best_means(times: Sequence[float], values: Sequence[Any],
               durations: Sequence[int] = DURATIONS) -> list[tuple[int, float, int]]:
    """For each duration d: (d, best mean of ``values`` over any window of d seconds, start
    index), by time (gaps count as time). Missing samples count as 0."""
    n = min(len(times), len(values))
    if n < 2:
        return []
    prefix = [0.0]
    for v in values[:n]:
        prefix.append(prefix[-1] + (float(v) if isinstance(v, (int, float)) else 0.0))
    found = []
    if all(times[i + 1] - times[i] == 1 for i in range(n - 1)):
        # One sample a second (the usual case): a window of d seconds is d samples apart.
        for duration in durations:
            if duration >= n:
                break
            sums = map(float.__sub__, prefix[duration:n], prefix[:n - duration])
            best_sum, start = max(zip(sums, range(n), strict=False))
            found.append((duration, round(best_sum / duration, 2), start))
        return found
    for duration in durations:
        best, best_at, j = None, 0, 0
        for i in range(n):
            if j < i + 1:
                j = i + 1
            while j < n and times[j] - times[i] < duration:
                j += 1
            if j >= n:
                break
            mean = (prefix[j] - prefix[i]) / (j - i)
            if best is None or mean > best:
                best, best_at = mean, i
        if best is None:
            break
        found.append((duration, round(best, 2), best_at))
    return found


def curves(streams: Mapping[str, Sequence[Any]]) -> dict[str, list[CurvePoint]]:
    times = streams.get("time")
    if not times:
        length = max((len(v) for v in streams.values()), default=0)
        times = list(range(length))
    found: dict[str, list[CurvePoint]] = {}
    for label, stream in _CURVES.items():
        values = streams.get(stream)
        if not values or not _numbers(values):
            continue
        found[label] = [CurvePoint(secs=d, value=v) for d, v, _ in
                        best_means(_numbers(times), values)]
    return found
