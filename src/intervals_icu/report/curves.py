"""Best power, heart-rate and pace curves over a period, from each activity's best efforts
(``intervals_icu.efforts``: the best mean over each duration, the fastest time over each
distance).

An activity's efforts come from, in order: the mirror's ``activity_curves`` table (stored by
the sync with the streams, valid while their ``streams_key`` matches the live streams), a
small SQLite file in the user cache directory keyed the same way (for mirrors synced before
the table existed), or the streams themselves, decoded once and then cached there.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from intervals_icu.efforts import (
    DISTANCES,
    DURATIONS,
    KINDS,
    STREAM_TYPES,
    Curves,
    activity_curves,
    best_times,
    mean_max,
    streams_key,
)
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


def is_ride(sport: str | None) -> bool:
    return bool(sport) and "Ride" in str(sport)


def is_run(sport: str | None) -> bool:
    return bool(sport) and "Run" in str(sport)


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
                cache: CurveCache) -> dict[str, Curves]:
    """Best efforts of every activity whose streams are mirrored, by activity id."""
    ids = [a.activity_id for a in activities]
    prints: dict[str, list[tuple[str, str]]] = {}
    for ref in source.stream_refs(athlete_id, ids, STREAM_TYPES):
        prints.setdefault(ref.activity_id, []).append((ref.stream_type, ref.fingerprint))
    keys = {aid: streams_key(p) for aid, p in prints.items()}
    # A stored curve counts only for the streams it was computed from: an edited stream
    # has another fingerprint, so another key.
    stored = source.stored_curves(athlete_id, list(keys))
    curves = {aid: found for aid, (key, found) in stored.items() if keys.get(aid) == key}
    missing = [aid for aid in keys if aid not in curves]
    cached = cache.get_many(sorted({keys[aid] for aid in missing}))
    curves.update((aid, cached[keys[aid]]) for aid in missing if keys[aid] in cached)
    fresh: dict[str, Curves] = {}
    for activity_id, streams in source.stream_data(
            athlete_id, [aid for aid in missing if aid not in curves], STREAM_TYPES):
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
