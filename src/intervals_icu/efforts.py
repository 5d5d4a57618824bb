"""Best efforts from one activity's streams: the numbers behind the best power, heart-rate
and pace curves. One definition, used by the mirror (which stores each activity's efforts
when it stores its streams: ``activity_curves``, docs/schema.md) and by the report (which
computes what a mirror does not hold).

* power and heart rate: the best mean over each duration (mean-maximal curve);
* pace: the shortest time over each distance.

Samples are taken as 1 Hz; where the ``time`` stream jumps (a pause), the gap counts as zero
power / zero heart rate, so no effort spans a stop at full value.

An activity's efforts are valid for the streams they were computed from: :func:`streams_key`
hashes this computation's version with the ``fingerprint`` of each stream used, so an edited
stream (or a new version here) makes a stored curve stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "DISTANCES",
    "DURATIONS",
    "KINDS",
    "STREAM_TYPES",
    "VERSION",
    "Curves",
    "activity_curves",
    "best_times",
    "mean_max",
    "one_hertz",
    "streams_key",
]

DURATIONS: tuple[int, ...] = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420,
                              600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400)
"""Seconds at which power and heart-rate curves are drawn."""
DISTANCES: tuple[float, ...] = (400.0, 800.0, 1000.0, 1609.344, 3000.0, 5000.0, 10000.0,
                                15000.0, 21097.5, 30000.0, 42195.0)
"""Metres at which the pace curve is drawn (a mile, a half and a full marathon included)."""
KINDS = ("power", "hr", "pace")
STREAM_TYPES = ("time", "watts", "heartrate", "distance")
"""The streams efforts are computed from (and whose fingerprints key them)."""
VERSION = "1"
"""Bump when the computation changes: efforts stored by an older version are stale."""

Curves = dict[str, dict[str, float]]
"""``{"power": {"60": W}, "hr": {"60": bpm}, "pace": {"5000.0": seconds}}``: keys as text
(seconds, metres), as JSON stores them."""


def streams_key(fingerprints: Iterable[tuple[str, str]]) -> str:
    """What an activity's efforts are valid for: the hash of this version and the
    ``(stream_type, fingerprint)`` of each stream of :data:`STREAM_TYPES` it has."""
    marks = sorted(f"{kind}:{fp}" for kind, fp in fingerprints if kind in STREAM_TYPES)
    return hashlib.sha256("|".join([VERSION, *marks]).encode()).hexdigest()


def one_hertz(values: Sequence[Any], time: Sequence[Any] | None) -> np.ndarray:
    """``values`` on a 1 s grid from the ``time`` stream: the seconds a pause skipped are 0
    (missing values too)."""
    data: np.ndarray = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    if time is None or len(time) != data.size or data.size == 0:
        return data
    seconds = np.asarray(time, dtype=float)
    if not np.all(np.isfinite(seconds)):
        return data
    offsets = (seconds - seconds[0]).astype(np.int64)
    span = int(offsets[-1]) + 1
    if span == data.size or span <= 0 or span > 4 * 86400:
        return data
    grid: np.ndarray = np.zeros(span)
    keep = (offsets >= 0) & (offsets < span)
    grid[offsets[keep]] = data[keep]
    return grid


def mean_max(values: np.ndarray, durations: Iterable[int] = DURATIONS) -> dict[int, float]:
    """The best mean of ``values`` (1 Hz) over each duration that fits in the series."""
    sums = np.concatenate(([0.0], np.cumsum(values)))
    best: dict[int, float] = {}
    for seconds in durations:
        if seconds > values.size:
            break
        best[seconds] = float((sums[seconds:] - sums[:-seconds]).max()) / seconds
    return best


def best_times(time: Sequence[Any], distance: Sequence[Any],
               distances: Iterable[float] = DISTANCES) -> dict[float, float]:
    """The shortest time (s) to cover each distance (m), from cumulative distance samples."""
    covered = np.asarray(distance, dtype=float)
    seconds = np.asarray(time, dtype=float)
    if covered.size < 2 or covered.size != seconds.size:
        return {}
    covered = np.fmax.accumulate(np.nan_to_num(covered, nan=0.0))
    best: dict[float, float] = {}
    for metres in distances:
        if covered[-1] - covered[0] < metres:
            break
        ends = np.searchsorted(covered, covered + metres, side="left")
        valid = ends < covered.size
        spans = seconds[ends[valid]] - seconds[valid]
        spans = spans[spans > 0]
        if spans.size:
            best[metres] = float(spans.min())
    return best


def activity_curves(streams: Mapping[str, Sequence[Any] | None]) -> Curves:
    """One activity's efforts from its streams (``{stream_type: values}``)."""
    time = streams.get("time")
    out: Curves = {}
    watts, heartrate, distance = (streams.get(k) for k in ("watts", "heartrate", "distance"))
    if watts:
        out["power"] = {str(k): v for k, v in mean_max(one_hertz(watts, time)).items()
                        if v > 0}
    if heartrate:
        out["hr"] = {str(k): v for k, v in mean_max(one_hertz(heartrate, time)).items()
                     if v > 0}
    if distance and time:
        out["pace"] = {str(k): v for k, v in best_times(time, distance).items()}
    return out
