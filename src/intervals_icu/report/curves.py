"""Best power, heart-rate and pace curves, computed from the streams the mirror keeps
(``icu sync --streams``): the mirror stores no curves, so a report derives them.

* power and heart rate: the best mean over each duration (mean-maximal curve);
* pace: the shortest time over each distance, on runs.

Samples are taken as 1 Hz; where the ``time`` stream jumps (a pause), the gap counts as zero
power / zero heart rate, so no effort spans a stop at full value. Each activity's curves are
cached by the content hash of the streams they come from (``streams.fingerprint``), in a
small SQLite file in the user cache directory: a stream that did not change is decoded once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intervals_icu.report.source import ActivityRow, MirrorSource

__all__ = [
    "DISTANCES",
    "DURATIONS",
    "KINDS",
    "CurveCache",
    "CurvePoint",
    "activity_curves",
    "best_curve",
    "best_times",
    "default_cache_path",
    "load_curves",
    "mean_max",
]

DURATIONS: tuple[int, ...] = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420,
                              600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400)
"""Seconds at which power and heart-rate curves are drawn."""
DISTANCES: tuple[float, ...] = (400.0, 800.0, 1000.0, 1609.344, 3000.0, 5000.0, 10000.0,
                                15000.0, 21097.5, 30000.0, 42195.0)
"""Metres at which the pace curve is drawn (a mile, a half and a full marathon included)."""
KINDS = ("power", "hr", "pace")
STREAM_TYPES = ("time", "watts", "heartrate", "distance")
_VERSION = "1"
"""Bump when the computation changes: cached curves of an older version are ignored."""


def is_ride(sport: str | None) -> bool:
    return bool(sport) and "Ride" in str(sport)


def is_run(sport: str | None) -> bool:
    return bool(sport) and "Run" in str(sport)


def _one_hertz(values: Sequence[Any], time: Sequence[Any] | None) -> np.ndarray:
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


def activity_curves(streams: Mapping[str, Sequence[Any]]) -> dict[str, dict[str, float]]:
    """One activity's curves from its streams: ``{"power": {"60": W}, "hr": {...},
    "pace": {"5000.0": seconds}}`` (keys as text, as cached)."""
    time = streams.get("time")
    out: dict[str, dict[str, float]] = {}
    if streams.get("watts"):
        out["power"] = {str(k): v for k, v in
                        mean_max(_one_hertz(streams["watts"], time)).items() if v > 0}
    if streams.get("heartrate"):
        out["hr"] = {str(k): v for k, v in
                     mean_max(_one_hertz(streams["heartrate"], time)).items() if v > 0}
    if streams.get("distance") and time:
        out["pace"] = {str(k): v for k, v in best_times(time, streams["distance"]).items()}
    return out


# ---------------------------------------------------------------------------------------------
# Cache


def default_cache_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("intervals-icu", appauthor=False)) / \
        "report-curves.sqlite"


class CurveCache:
    """Curves per stream content hash, in a SQLite file created 0600 (they are health data)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(path, timeout=10)
            self._db.execute("CREATE TABLE IF NOT EXISTS curves "
                             "(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except (OSError, sqlite3.Error):
            self._db = None  # a cache that cannot be written is only slower

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, dict[str, float]]]:
        found: dict[str, dict[str, dict[str, float]]] = {}
        if self._db is None:
            return found
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            marks = ",".join("?" * len(chunk))
            try:
                rows = self._db.execute(
                    f"SELECT key, value FROM curves WHERE key IN ({marks})",  # noqa: S608
                    chunk).fetchall()
            except sqlite3.Error:
                return found
            found.update((k, json.loads(v)) for k, v in rows)
        return found

    def put_many(self, items: Mapping[str, dict[str, dict[str, float]]]) -> None:
        if self._db is None or not items:
            return
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO curves VALUES (?, ?)",
                                     [(k, json.dumps(v)) for k, v in items.items()])
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


# ---------------------------------------------------------------------------------------------
# Loading and combining


def load_curves(source: MirrorSource, athlete_id: str, activities: Sequence[ActivityRow],
                cache: CurveCache) -> dict[str, dict[str, dict[str, float]]]:
    """Curves of every activity whose streams are mirrored, by activity id."""
    ids = [a.activity_id for a in activities]
    refs = source.stream_refs(athlete_id, ids, STREAM_TYPES)
    prints: dict[str, list[str]] = {}
    for ref in refs:
        prints.setdefault(ref.activity_id, []).append(f"{ref.stream_type}:{ref.fingerprint}")
    keys = {aid: hashlib.sha256("|".join([_VERSION, *sorted(p)]).encode()).hexdigest()
            for aid, p in prints.items()}
    cached = cache.get_many(sorted(set(keys.values())))
    curves = {aid: cached[key] for aid, key in keys.items() if key in cached}
    missing = [aid for aid in ids if aid in keys and aid not in curves]
    fresh: dict[str, dict[str, dict[str, float]]] = {}
    for activity_id, streams in source.stream_data(athlete_id, missing, STREAM_TYPES):
        curves[activity_id] = fresh[keys[activity_id]] = activity_curves(streams)
    cache.put_many(fresh)
    return curves


@dataclass(frozen=True)
class CurvePoint:
    x: float
    """Seconds (power, hr) or metres (pace)."""
    value: float
    """W, bpm, or seconds for the distance."""
    activity_id: str
    day: str
    name: str | None


def best_curve(kind: str, activities: Iterable[ActivityRow],
               curves: Mapping[str, dict[str, dict[str, float]]]) -> list[CurvePoint]:
    """The best point at each duration (or distance) over these activities: power on rides,
    pace on runs, heart rate on any sport; each point names the activity it comes from."""
    points: dict[float, CurvePoint] = {}
    lower_is_better = kind == "pace"
    for activity in activities:
        if kind == "power" and not is_ride(activity.type):
            continue
        if kind == "pace" and not is_run(activity.type):
            continue
        for key, value in curves.get(activity.activity_id, {}).get(kind, {}).items():
            x = float(key)
            held = points.get(x)
            if held is None or (value < held.value if lower_is_better else value > held.value):
                points[x] = CurvePoint(x, value, activity.activity_id,
                                            activity.day.isoformat(), activity.name)
    return [points[x] for x in sorted(points)]
