"""The athlete's best curves over periods (power, heart rate, pace: ``DataCurveSet*``) and the
best pace at chosen distances for each activity in a date range (``activity-pace-curves``).

Every number comes from the same per-activity curves as the activity endpoints
(``activity_math.best_average_curve`` / ``best_time_curve``), so the best value of a period
is exactly the best of its activities' curves. Choices where the platform is UNCERTAIN (also
in docs/sandbox.md, "Athlete curves"):

* curve ids: ``Nd`` = the N days ending at the anchor, ``Ny`` = from the same day N years
  before (exclusive) to the anchor; the anchor is ``newest``, else ``now``, else the
  athlete's local today. ``s0`` is the anchor's calendar year up to the anchor and ``sN``
  the N-th calendar year before it (the sandbox has no seasons). ``all`` starts on the first
  matching activity. ``r.FROM.TO`` is inclusive. ``-kj0``/``-kj1`` (fatigued curves) are
  answered with the plain curve under the id as asked. Anything else is 422.
* ``type`` selects the sport's activity types from the athlete's sport settings (Ride:
  Ride, VirtualRide, GravelRide, MountainBikeRide); a type no settings list is exact.
  Without ``type`` (hr/pace curves) every sport counts. Strava stubs never count.
* a period without data is a curve with its dates and empty arrays (200, not 422).
* equal bests: the newest activity holds the value.

Per-activity curves are cached (keyed by the activity's detail object and its stream
source, so a stream edit or upload is seen at once): the first request over five years
synthesizes every activity's streams once, later ones only combine cached curves.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    activity_date,
    detail_of,
    is_strava,
    public_view,
    sorted_newest_first,
    sport_types,
)
from intervals_icu.sandbox.platform.activity_math import (
    CURVE_SECS,
    PACE_DISTANCES,
    FloatArray,
    array,
    best_average_curve,
    best_time_curve,
)
from intervals_icu.sandbox.platform.streams import ActivityRecipe, synthesize
from intervals_icu.sandbox.state import ActivityDetail, AthleteStore, SandboxState

__all__ = [
    "ActivityCurve",
    "CurveSpec",
    "activity_curve",
    "candidates",
    "curve_set",
    "pace_at",
    "parse_curve_id",
    "stream_arrays",
]

_POWER = ("fixed_watts", "watts")
_KINDS: dict[str, tuple[str, ...]] = {"power": _POWER, "hr": ("heartrate",),
                                      "pace": ("distance",)}


# -- curve ids --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurveSpec:
    """One requested curve: its id as asked and its inclusive local date window (``start``
    None: from the first matching activity)."""

    id: str
    label: str
    start: date | None
    end: date


_RELATIVE = re.compile(r"(\d+)([dy])")
_SEASON = re.compile(r"s(\d+)")
_RANGE = re.compile(r"r\.(\d{4}-\d{2}-\d{2})\.(\d{4}-\d{2}-\d{2})")
_FATIGUE = re.compile(r"-kj[01]$")


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def parse_curve_id(curve_id: str, anchor: date) -> CurveSpec:
    """The window of ``curve_id`` counted back from ``anchor``; 422 for an unknown id or one
    reaching outside the calendar (``s3000``, ``9999y``)."""
    try:
        return _parse_curve_id(curve_id, anchor)
    except (ValueError, OverflowError):
        raise ApiError(422, f"Invalid curve '{curve_id}': it reaches outside the calendar "
                            "(years 1 to 9999)") from None


def _parse_curve_id(curve_id: str, anchor: date) -> CurveSpec:
    base = _FATIGUE.sub("", curve_id)
    if match := _RELATIVE.fullmatch(base):
        count, unit = int(match.group(1)), match.group(2)
        if count >= 1:
            if unit == "d":
                return CurveSpec(curve_id, f"{count} days", anchor - timedelta(days=count - 1),
                                 anchor)
            start = _years_back(anchor, count) + timedelta(days=1)
            return CurveSpec(curve_id, "1 year" if count == 1 else f"{count} years", start,
                             anchor)
    elif match := _SEASON.fullmatch(base):
        year = anchor.year - int(match.group(1))
        end = anchor if year == anchor.year else date(year, 12, 31)
        return CurveSpec(curve_id, f"Season {year}", date(year, 1, 1), end)
    elif base == "all":
        return CurveSpec(curve_id, "All time", None, anchor)
    elif match := _RANGE.fullmatch(base):
        try:
            start, end = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        except ValueError:
            pass
        else:
            if start <= end:
                return CurveSpec(curve_id, f"{start} to {end}", start, end)
    raise ApiError(422, f"Invalid curve '{curve_id}': expected e.g. 1y, 42d, s0, all or "
                        "r.2023-10-01.2023-10-31 (optionally with -kj0 or -kj1)")


# -- per-activity curves, cached --------------------------------------------------------------


@dataclass(frozen=True)
class ActivityCurve:
    """One activity's best curve: ``x`` (secs or metres) -> value, start and end sample."""

    x: tuple[float, ...]
    values: tuple[int, ...]
    start_index: tuple[int, ...]
    end_index: tuple[int, ...]


class _Entry:
    def __init__(self, detail: ActivityDetail) -> None:
        self.ref = weakref.ref(detail, _forget(id(detail)))
        self.streams = detail.streams  # held, so its identity stays unique while cached
        self.recipe = detail.recipe
        self.curves: dict[str, ActivityCurve | None] = {}

    def fresh(self, detail: ActivityDetail) -> bool:
        return (self.ref() is detail and self.streams is detail.streams
                and self.recipe is detail.recipe)


_CACHE: dict[int, _Entry] = {}
_LOCK = threading.RLock()
"""Re-entrant: a weakref callback (below) may run inside a collection triggered by a thread
that already holds it."""


def _forget(key: int) -> Any:
    def callback(_ref: Any) -> None:
        with _LOCK:
            _CACHE.pop(key, None)
    return callback


def stream_arrays(detail: ActivityDetail) -> dict[str, FloatArray]:
    """The streams as float arrays (synthesized without positions: nothing here needs them,
    and every other stream is identical)."""
    if detail.streams is not None:
        return {name: array(values) for name, values in detail.streams.items()
                if name != "latlng"}
    if isinstance(detail.recipe, ActivityRecipe):
        return {name: values.astype(np.float64)
                for name, values in synthesize(detail.recipe, positions=False).items()}
    return {}


def _has(values: FloatArray | None) -> bool:
    return values is not None and values.size > 0 and bool(np.isfinite(values).any())


def _compute(detail: ActivityDetail, kind: str) -> ActivityCurve | None:
    streams = stream_arrays(detail)
    if kind == "pace":
        distance, time = streams.get("distance"), streams.get("time")
        if not _has(distance) or not _has(time):
            return None
        assert distance is not None
        assert time is not None
        raw = best_time_curve(time, distance)
        x = raw["distance"]
    else:
        values = next((streams[n] for n in _KINDS[kind] if _has(streams.get(n))), None)
        if values is None:
            return None
        raw = best_average_curve(values)
        x = raw["secs"]
    return ActivityCurve(tuple(x), tuple(raw["values"]), tuple(raw["start_index"]),
                  tuple(raw["end_index"]))


def activity_curve(store: AthleteStore, activity: dict[str, Any], kind: str) -> (
    ActivityCurve | None
):
    """The activity's ``kind`` curve (power, hr, pace) at the standard durations or
    distances; None when it lacks the stream."""
    detail = detail_of(store, activity["id"])
    key = id(detail)
    with _LOCK:
        entry = _CACHE.get(key)
        if entry is not None and entry.fresh(detail) and kind in entry.curves:
            return entry.curves[kind]
    curve = _compute(detail, kind)
    with _LOCK:
        entry = _CACHE.get(key)
        if entry is None or not entry.fresh(detail):
            entry = _CACHE[key] = _Entry(detail)
        entry.curves[kind] = curve
    return curve


# -- which activities --------------------------------------------------------------------------


def candidates(store: AthleteStore, sport: str | None) -> list[tuple[date, dict[str, Any]]]:
    types = sport_types(store, sport)
    found = []
    for activity in sorted_newest_first(store.activities.values()):
        day = activity_date(activity)
        if day is None or is_strava(activity):
            continue
        if types is not None and activity.get("type") not in types:
            continue
        found.append((day, activity))
    return found


# -- the curve set -----------------------------------------------------------------------------


def weight_for(state: SandboxState, athlete_id: str,
               activity: dict[str, Any] | None = None) -> float | None:
    """The activity's weight, else the athlete's (for watts per kilogram)."""
    profile = state.accounts[athlete_id].profile
    value = ((activity or {}).get("icu_weight") or profile.get("icu_weight")
             or profile.get("weight"))
    return float(value) if value else None


def curve_set(state: SandboxState, athlete_id: str, kind: str, sport: str | None,
              specs: list[CurveSpec]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The ``DataCurveSet``'s curves for ``specs`` and the activities holding a best value."""
    store = state.store(athlete_id)
    found_all = candidates(store, sport)
    athlete_weight = weight_for(state, athlete_id)
    curves: list[dict[str, Any]] = []
    held: dict[str, dict[str, Any]] = {}
    for spec in specs:
        chosen = [(day, a) for day, a in found_all
                  if day <= spec.end and (spec.start is None or day >= spec.start)]
        with_curve = [(a, c) for _day, a in chosen
                      if (c := activity_curve(store, a, kind)) is not None]
        start = spec.start or (min(day for day, _a in chosen) if chosen else spec.end)
        curve = _combine(kind, with_curve, lambda a: weight_for(state, athlete_id, a))
        result: dict[str, Any] = {
            "id": spec.id,
            "label": spec.label,
            "start_date_local": f"{start}T00:00:00",
            "end_date_local": f"{spec.end}T00:00:00",
            "days": (spec.end - start).days + 1,
            "moving_time": sum(int(a.get("moving_time") or 0) for a, _c in with_curve),
            "training_load": sum(int(a.get("icu_training_load") or 0) for a, _c in with_curve),
            **curve,
        }
        if kind == "power" and athlete_weight:
            result["weight"] = athlete_weight
        if kind == "pace":
            result["type"] = "PACE"
        by_id = {a["id"]: a for a, _c in with_curve}
        for activity_id in {*curve["activity_id"], *curve.get("wkg_activity_id", [])}:
            held[activity_id] = public_view(by_id[activity_id])
        curves.append(result)
    return curves, held


def _combine(kind: str, found: list[tuple[dict[str, Any], ActivityCurve]],
             weight_of: Callable[[dict[str, Any]], float | None]) -> dict[str, Any]:
    """Best value at each duration (distance) over the activities (newest first, so a tie
    goes to the newest)."""
    x_key = "distance" if kind == "pace" else "secs"
    lower_is_better = kind == "pace"
    xs = list(PACE_DISTANCES if kind == "pace" else CURVE_SECS)
    length = max((len(c.values) for _a, c in found), default=0)
    weights = {a["id"]: weight_of(a) for a, _c in found} if kind == "power" else {}
    out: dict[str, list[Any]] = {x_key: [], "values": [], "start_index": [],
                                 "end_index": [], "activity_id": []}
    wkg: dict[str, list[Any]] = {"watts_per_kg": [], "wkg_activity_id": []}
    for i in range(length):
        best: tuple[int, dict[str, Any], ActivityCurve] | None = None
        best_wkg: tuple[float, str] | None = None
        for activity, curve in found:
            if i >= len(curve.values):
                continue
            value = curve.values[i]
            if best is None or (value < best[0] if lower_is_better else value > best[0]):
                best = (value, activity, curve)
            if kind == "power":
                weight = weights[activity["id"]]
                if weight:
                    per_kg = round(value / weight, 2)
                    if best_wkg is None or per_kg > best_wkg[0]:
                        best_wkg = (per_kg, activity["id"])
        assert best is not None
        value, activity, curve = best
        out[x_key].append(int(xs[i]) if x_key == "secs" else float(xs[i]))
        out["values"].append(int(value))
        out["start_index"].append(curve.start_index[i])
        out["end_index"].append(curve.end_index[i])
        out["activity_id"].append(activity["id"])
        if best_wkg is not None:
            wkg["watts_per_kg"].append(best_wkg[0])
            wkg["wkg_activity_id"].append(best_wkg[1])
    result: dict[str, Any] = dict(out)
    if kind == "power" and len(wkg["watts_per_kg"]) == length:
        result.update(wkg)
    return result


def pace_at(store: AthleteStore, activity: dict[str, Any], distances: list[float]) -> (
    list[int | None] | None
):
    """Shortest seconds for each distance, None where the activity does not cover it; None
    overall when it has no distance stream. Standard distances come from the cache."""
    standard = activity_curve(store, activity, "pace")
    if standard is None:
        return None
    known = dict(zip(standard.x, standard.values, strict=True))
    if all(d in PACE_DISTANCES for d in distances):
        return [known.get(d) for d in distances]
    streams = stream_arrays(detail_of(store, activity["id"]))
    raw = best_time_curve(streams["time"], streams["distance"], sorted(set(distances)))
    found = dict(zip(raw["distance"], raw["values"], strict=True))
    return [found.get(float(d)) for d in distances]
