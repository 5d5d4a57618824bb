"""Numbers computed from an activity's 1 Hz streams for the analytics and interval routes:
interval statistics, best-average curves, best efforts, histograms, time at heart rate.

Everything is plain numpy over the samples, with the conventions the platform's payloads
show: sample ``end_index`` is exclusive (an interval of 600 samples at 1 Hz has
``start_index=0, end_index=600, elapsed_time=600``); nulls are ignored by averages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CURVE_SECS",
    "PACE_DISTANCES",
    "array",
    "best_average_curve",
    "best_efforts",
    "best_time_curve",
    "histogram",
    "time_at_hr",
]

FloatArray = NDArray[np.float64]

CURVE_SECS = (1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200,
              1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600)
"""Durations of the power and heart-rate curves (seconds)."""

PACE_DISTANCES = (100.0, 200.0, 400.0, 500.0, 800.0, 1000.0, 1500.0, 1609.344, 2000.0,
                  3000.0, 5000.0, 10000.0, 15000.0, 20000.0, 21097.5, 30000.0, 42195.0,
                  50000.0, 100000.0)
"""Distances of the pace curve (metres)."""


def array(values: Sequence[Any] | None) -> FloatArray:
    """A float array with nulls (and booleans' absence) as NaN."""
    if values is None:
        return np.zeros(0)
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _window_means(values: FloatArray, window: int) -> FloatArray:
    """Mean of every full window of ``window`` samples (NaN counts as 0, like a stop)."""
    if window < 1 or values.size < window:
        return np.zeros(0)
    clean = np.nan_to_num(values, nan=0.0)
    sums = np.concatenate(([0.0], np.cumsum(clean)))
    result: FloatArray = (sums[window:] - sums[:-window]) / window
    return result


def best_average_curve(values: FloatArray, secs: Sequence[int] = CURVE_SECS) -> (
    dict[str, list[Any]]
):
    """For each duration: the best mean over any window of that many samples."""
    out: dict[str, list[Any]] = {"secs": [], "values": [], "start_index": [], "end_index": []}
    for window in secs:
        means = _window_means(values, window)
        if means.size == 0:
            break
        start = int(np.argmax(means))
        out["secs"].append(int(window))
        out["values"].append(round(float(means[start])))
        out["start_index"].append(start)
        out["end_index"].append(start + int(window))
    return out


def best_time_curve(time: FloatArray, distance: FloatArray,
                    distances: Sequence[float] = PACE_DISTANCES) -> dict[str, list[Any]]:
    """For each distance: the shortest time to cover it."""
    dist = _cumulative(distance)
    out: dict[str, list[Any]] = {"distance": [], "values": [], "start_index": [],
                                 "end_index": []}
    for target in distances:
        spans = _distance_spans(dist, time, target, 0, dist.size)
        if spans is None:
            break
        starts, ends, took = spans
        best = int(np.argmin(took))
        out["distance"].append(float(target))
        out["values"].append(round(float(took[best])))
        out["start_index"].append(int(starts[best]))
        out["end_index"].append(int(ends[best]) + 1)
    return out


def _forward_filled(values: FloatArray) -> FloatArray:
    """Nulls replaced by the last value before them (0 at the start)."""
    if values.size == 0:
        return values
    finite = np.isfinite(values)
    last = np.maximum.accumulate(np.where(finite, np.arange(values.size), -1))
    filled: FloatArray = np.where(last >= 0, values[np.clip(last, 0, None)], 0.0)
    return filled


def _cumulative(distance: FloatArray) -> FloatArray:
    """Distance forward-filled over nulls and never decreasing (GPS noise)."""
    return np.maximum.accumulate(_forward_filled(distance)) if distance.size else distance


def _distance_spans(dist: FloatArray, time: FloatArray, target: float, lo: int, hi: int) -> (
    tuple[NDArray[np.int64], NDArray[np.int64], FloatArray] | None
):
    """For each start sample in ``lo..hi``: the first sample at least ``target`` metres
    further, and the seconds it took; None when the distance is never covered."""
    starts = np.arange(lo, hi)
    ends = np.searchsorted(dist[:hi], dist[lo:hi] + target, side="left")
    valid = ends < hi
    if not valid.any():
        return None
    starts, ends = starts[valid], ends[valid]
    took: FloatArray = time[ends] - time[starts]
    return starts, ends, took


def best_efforts(
    values: FloatArray,
    *,
    time: FloatArray,
    distance: FloatArray | None,
    duration: int | None,
    target_distance: float | None,
    count: int,
    min_value: float | None,
    exclude: Sequence[tuple[int, int]] = (),
    start_index: int = 0,
    end_index: int | None = None,
) -> list[dict[str, Any]]:
    """The ``count`` best non-overlapping efforts: highest mean of ``values`` over
    ``duration`` samples, or shortest time over ``target_distance`` metres."""
    stop = values.size if end_index is None else min(end_index, values.size)
    candidates: list[tuple[float, int, int, float]] = []  # (rank key, start, end, average)
    if duration is not None:
        means = _window_means(values[start_index:stop], duration)
        for offset, mean in enumerate(means):
            start = start_index + offset
            candidates.append((-float(mean), start, start + duration, float(mean)))
    elif target_distance is not None and distance is not None:
        spans = _distance_spans(_cumulative(distance), time, target_distance, start_index, stop)
        if spans is not None:
            sums = np.concatenate(([0.0], np.cumsum(np.nan_to_num(values, nan=0.0))))
            for start, end, took in zip(*spans, strict=True):
                mean = float(sums[end + 1] - sums[start]) / float(end + 1 - start)
                candidates.append((float(took), int(start), int(end) + 1, mean))
    candidates.sort()
    chosen: list[tuple[int, int, float]] = []
    taken = list(exclude)
    for _key, start, end, mean in candidates:
        if len(chosen) >= count:
            break
        if min_value is not None and mean < min_value:
            continue
        if any(start < b and a < end for a, b in taken):
            continue
        chosen.append((start, end, mean))
        taken.append((start, end))
    efforts = []
    for start, end, mean in chosen:
        effort: dict[str, Any] = {
            "start_index": start,
            "end_index": end,
            "average": round(mean, 2),
            "duration": round(float(time[end - 1] - time[start])) + 1,
        }
        if distance is not None:
            dist = _cumulative(distance)
            effort["distance"] = round(float(dist[end - 1] - dist[start]), 1)
        efforts.append(effort)
    return efforts


def histogram(values: FloatArray, bucket: int, moving: NDArray[np.bool_] | None = None) -> (
    list[dict[str, Any]]
):
    """Seconds per bucket of ``bucket`` units, from the lowest to the highest non-empty."""
    finite = np.isfinite(values)
    if bucket < 1 or not finite.any():
        return []
    starts = (np.floor(values[finite] / bucket) * bucket).astype(int)
    moving_here = moving[finite] if moving is not None and moving.size == values.size else None
    low, high = int(starts.min()), int(starts.max())
    buckets = []
    for start in range(low, high + 1, bucket):
        hit = starts == start
        entry: dict[str, Any] = {"start": start, "secs": int(hit.sum())}
        entry["movingSecs"] = int((hit & moving_here).sum()) if moving_here is not None \
            else entry["secs"]
        buckets.append(entry)
    return buckets


def time_at_hr(heartrate: FloatArray) -> dict[str, Any]:
    """Seconds at each bpm from the lowest to the highest, and cumulative seconds at or
    above each bpm."""
    finite = heartrate[np.isfinite(heartrate)]
    if finite.size == 0:
        return {"min_bpm": None, "max_bpm": None, "secs": [], "cumulative_secs": []}
    bpm = np.rint(finite).astype(int)
    low, high = int(bpm.min()), int(bpm.max())
    secs = np.bincount(bpm - low, minlength=high - low + 1)
    cumulative = np.cumsum(secs[::-1])[::-1]
    return {"min_bpm": low, "max_bpm": high, "secs": secs.tolist(),
            "cumulative_secs": cumulative.tolist()}


def _mean(values: FloatArray | None) -> float | None:
    if values is None or values.size == 0 or not np.isfinite(values).any():
        return None
    return float(np.nanmean(values))


def _extreme(values: FloatArray | None, fn: Any) -> float | None:
    if values is None or values.size == 0 or not np.isfinite(values).any():
        return None
    return float(fn(values))


def _int(value: float | None) -> int | None:
    return None if value is None else round(value)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _zone(value: float | None, threshold: float | None, zones: Sequence[float] | None) -> (
    int | None
):
    if value is None or not threshold or not zones:
        return None
    percent = value / threshold * 100
    for index, upper in enumerate(zones):
        if percent <= upper:
            return index + 1
    return len(zones)
