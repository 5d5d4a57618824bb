"""Find work and recovery intervals in an activity's streams (power, pace or heart rate).

The platform has no laps endpoint: users get laps (for runs too) as intervals. Detection:

1. pick the effort signal: power / FTP when there is power, else speed (relative to the
   threshold speed when known, else to the activity's own median), else heart rate / LTHR;
2. smooth it over ~20 s and mark seconds above a threshold placed between the activity's
   easy (25th percentile) and hard (92nd) efforts: with a known threshold, between 75 % and
   88 % of it; a minute-long average bridges the dips terrain puts into one effort;
3. close short gaps (< 15 s), keep efforts of at least a minute (30 s when very hard)
   that stand 10 % above the two minutes around them;
4. edges are moved to where the 5 s effort crosses halfway to the surrounding minute;
5. the seconds between efforts become RECOVERY intervals, so the list covers the activity;
6. efforts of similar duration and output (±15 %) are grouped (``4x 8m 285w``).

Interval statistics are computed for all intervals at once from cumulative sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intervals_icu.sandbox.platform.streams import centered_mean, rolling_mean
from intervals_icu.sandbox.platform.summary import as_arrays, moving_mask

__all__ = ["detect_intervals", "interval_stats", "interval_summary"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_POWER_ZONES = (55, 75, 90, 105, 120, 150)
_HR_ZONES = (81, 89, 93, 99, 102, 106)  # % of LTHR (Friel)
_SPEED_SPORTS = {"Run", "Walk", "Hike", "TrailRun", "VirtualRun", "Swim", "OpenWaterSwim"}


def detect_intervals(
    streams: dict[str, Any], *, sport: str, ftp: int | None, lthr: int | None,
    max_hr: int | None, threshold_speed: float | None = None, resting_hr: int | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(intervals, groups)`` as the API's ``Interval`` and ``IntervalGroup`` dicts.

    ``end_index`` is exclusive: ``elapsed_time == end_time - start_time``.
    """
    arrays = as_arrays(streams)
    n = max((a.size for a in arrays.values()), default=0)
    if n < 120:
        return [], []
    effort, floor = _effort_signal(arrays, n, sport, ftp, lthr, threshold_speed)
    if effort is None:
        return [], []
    moving = moving_mask(arrays, n, sport)
    smooth = centered_mean(np.where(moving, effort, 0.0), 21)
    active = smooth[moving]
    if active.size < 60:
        return [], []
    easy, hard = (float(v) for v in np.percentile(active, [25, 92]))
    if floor > 0:
        # Known threshold: efforts from tempo upwards, clearly above the easy parts.
        threshold = max(floor, easy * 1.08, min(0.5 * (easy + hard), 0.88))
    else:
        if hard < easy * 1.15:
            return [], []  # a steady effort: no intervals to find
        threshold = max(easy * 1.15, 0.5 * (easy + hard))
    # A minute-long view bridges dips that terrain or traffic put into one steady effort.
    steady = centered_mean(np.where(moving, effort, 0.0), 61)
    work = ((smooth >= threshold) | (steady >= 0.95 * threshold)) & moving
    spans = _spans(work, gap=15)
    spans = [(s, e) for s, e in spans
             if (e - s >= 60 or (e - s >= 30 and float(effort[s:e].mean()) > 1.2 * threshold))
             and _stands_out(effort, moving, s, e)]
    if not spans:
        return [], []
    spans = _refine(np.where(moving, effort, 0.0), spans[:60])
    bounds: list[tuple[int, int, str]] = []
    cursor = 0
    for start, end in spans:
        if start - cursor >= 1:
            bounds.append((cursor, start, "RECOVERY"))
        bounds.append((start, end, "WORK"))
        cursor = end
    if n - cursor >= 1:
        bounds.append((cursor, n, "RECOVERY"))
    stats = _segment_stats(arrays, n, [(s, e) for s, e, _ in bounds], sport=sport, ftp=ftp,
                           lthr=lthr, max_hr=max_hr, resting_hr=resting_hr)
    intervals: list[dict[str, Any]] = []
    work_count = 0
    for number, ((_, _, kind), stat) in enumerate(zip(bounds, stats, strict=True), start=1):
        record = {"id": number, "type": kind, **stat}
        if kind == "WORK":
            work_count += 1
            record["label"] = f"Interval {work_count}"
        else:
            record["label"] = "Recovery"
        intervals.append(record)
    groups = _group(intervals)
    return intervals, groups


def interval_stats(streams: dict[str, Any], start_index: int, end_index: int, *, sport: str,
                   ftp: int | None, lthr: int | None, max_hr: int | None,
                   resting_hr: int | None = None) -> dict[str, Any]:
    """The ``Interval`` statistics of samples ``[start_index, end_index)``."""
    arrays = as_arrays(streams)
    n = max((a.size for a in arrays.values()), default=0)
    if not 0 <= start_index < end_index <= n:
        raise ValueError(f"interval [{start_index}, {end_index}) is outside the activity's "
                         f"{n} samples")
    return _segment_stats(arrays, n, [(start_index, end_index)], sport=sport, ftp=ftp,
                          lthr=lthr, max_hr=max_hr, resting_hr=resting_hr)[0]


def interval_summary(intervals: Sequence[dict[str, Any]], groups: Sequence[dict[str, Any]],
                     sport: str = "Ride") -> list[str]:
    """The activity's one-line interval summaries, e.g. ``4x 8m01s 287w``."""
    per = 100.0 if "Swim" in sport else 1000.0
    lines: list[str] = []
    grouped = {i.get("group_id") for i in intervals if i.get("group_id")}
    for group in groups:
        lines.append(f"{group['count']}x {_duration(group)} {_headline(group, per)}".rstrip())
    for interval in intervals:
        if interval.get("type") == "WORK" and interval.get("group_id") not in grouped:
            lines.append(f"1x {_duration(interval)} {_headline(interval, per)}".rstrip())
    return lines


# -- internals --------------------------------------------------------------------------------


def _effort_signal(arrays: dict[str, np.ndarray], n: int, sport: str, ftp: int | None,
                   lthr: int | None, threshold_speed: float | None) -> (
    tuple[FloatArray | None, float]
):
    """The effort as a fraction of threshold, and the lowest threshold that makes sense."""
    watts = arrays.get("watts")
    if watts is not None and watts.size == n and np.nanmax(np.nan_to_num(watts)) > 0:
        reference = float(ftp) if ftp else float(np.nanpercentile(watts, 75)) or 1.0
        return np.nan_to_num(watts) / reference, (0.75 if ftp else 0.0)
    speed = arrays.get("velocity_smooth")
    if speed is not None and speed.size == n and sport in _SPEED_SPORTS:
        clean = np.nan_to_num(speed)
        grade = arrays.get("grade_smooth")
        if grade is not None and grade.size == n:
            # Grade-adjusted: a runner holding effort up a hill is not easing off.
            clean = clean * (1.0 + 3.5 * np.clip(np.nan_to_num(grade) / 100.0, -0.05, 0.2))
        if threshold_speed:
            return clean / threshold_speed, 0.75
        moving = clean[clean > 0.3]
        if moving.size:
            return clean / float(np.median(moving)), 0.0
    hr = arrays.get("heartrate")
    if hr is not None and hr.size == n and lthr:
        return np.nan_to_num(hr) / float(lthr), 0.9
    return None, 0.0


def _stands_out(effort: FloatArray, moving: NDArray[np.bool_], start: int, end: int) -> bool:
    """An effort is an interval when it is at least 10 % above the two minutes around it
    (a steady race or a long climb in an even ride is not a string of intervals)."""
    stopped_is_easy = np.where(moving, effort, 0.0)
    around = np.concatenate((stopped_is_easy[max(0, start - 120):start],
                             stopped_is_easy[end:end + 120]))
    if around.size < 30:
        return True
    return float(effort[start:end].mean()) >= 1.1 * float(around.mean())


def _refine(effort: FloatArray, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Move each edge to where the effort (5 s average) crosses halfway between the
    interval's level and the minute outside it: smoothing blurs edges by ~10 s."""
    quick = centered_mean(effort, 5)
    n = effort.size
    refined: list[tuple[int, int]] = []
    floor = 0
    for index, (start, end) in enumerate(spans):
        ceiling = spans[index + 1][0] if index + 1 < len(spans) else n
        level = float(effort[start:end].mean())
        lo = max(floor, start - 30)
        before = effort[max(0, start - 60):start]
        if before.size:
            half = 0.5 * (level + float(before.mean()))
            window = quick[lo:min(start + 30, end)]
            above = np.flatnonzero(window >= half)
            if above.size:
                start = lo + int(above[0])
        after = effort[end:end + 60]
        if after.size:
            half = 0.5 * (level + float(after.mean()))
            first = max(start + 1, end - 30)
            window = quick[first:min(end + 30, ceiling)]
            above = np.flatnonzero(window >= half)
            if above.size:
                end = first + int(above[-1]) + 1
        refined.append((start, end))
        floor = end
    return refined


def _spans(mask: NDArray[np.bool_], *, gap: int) -> list[tuple[int, int]]:
    """``[start, end)`` runs of True, joining runs separated by fewer than ``gap`` samples."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    spans: list[tuple[int, int]] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if spans and start - spans[-1][1] < gap:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _segment_stats(arrays: dict[str, np.ndarray], n: int, bounds: list[tuple[int, int]], *,
                   sport: str, ftp: int | None, lthr: int | None, max_hr: int | None,
                   resting_hr: int | None) -> list[dict[str, Any]]:
    starts = np.array([s for s, _ in bounds], dtype=np.int64)
    ends = np.array([e for _, e in bounds], dtype=np.int64)
    moving = moving_mask(arrays, n, sport)
    time = arrays.get("time")
    if time is None or time.size != n or not np.isfinite(time).all():
        time = np.arange(n, dtype=np.float64)
    start_time = time[starts]
    end_time = np.where(ends < n, time[np.minimum(ends, n - 1)], time[-1] + 1)
    moving_secs = _sums(moving.astype(np.float64), starts, ends)
    columns: dict[str, Any] = {
        "start_index": starts, "end_index": ends, "start_time": start_time,
        "end_time": end_time, "elapsed_time": end_time - start_time, "moving_time": moving_secs,
    }
    distance = arrays.get("distance")
    if distance is not None and distance.size == n:
        d = _fill(distance)
        columns["distance"] = d[np.minimum(ends, n - 1)] - d[starts]
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["average_speed"] = np.where(moving_secs > 0,
                                                columns["distance"] / moving_secs, 0.0)
    speed = arrays.get("velocity_smooth")
    if speed is not None and speed.size == n:
        columns["max_speed"] = _extreme(np.nan_to_num(speed), starts, ends, np.maximum)
    altitude = arrays.get("altitude")
    if altitude is not None and altitude.size == n:
        alt = _fill(altitude)
        climb = np.concatenate(([0.0], np.clip(np.diff(centered_mean(alt, 9)), 0, None)))
        columns["total_elevation_gain"] = _sums(climb, starts, ends)
        columns["min_altitude"] = _extreme(alt, starts, ends, np.minimum)
        columns["max_altitude"] = _extreme(alt, starts, ends, np.maximum)
        if "distance" in columns:
            rise = alt[np.minimum(ends, n - 1)] - alt[starts]
            with np.errstate(invalid="ignore", divide="ignore"):
                columns["average_gradient"] = np.where(columns["distance"] > 0,
                                                       rise / columns["distance"] * 100.0, 0.0)
    watts = arrays.get("watts")
    power_mean = None
    if watts is not None and watts.size == n and np.nanmax(np.nan_to_num(watts)) > 0:
        power = np.nan_to_num(watts)
        length = np.maximum(ends - starts, 1)
        power_mean = _sums(power, starts, ends) / length
        columns["average_watts"] = power_mean
        columns["joules"] = _sums(power, starts, ends)
        columns["max_watts"] = _extreme(power, starts, ends, np.maximum)
        columns["min_watts"] = _extreme(power, starts, ends, np.minimum)
        rolled = rolling_mean(power, 30)
        if rolled.size:
            # r[i] is the mean of power[i-29 .. i]; an interval uses the windows ending in it.
            fourth = np.concatenate((np.full(29, np.nan), rolled**4))
            ok = np.isfinite(fourth)
            lo = np.minimum(starts + 29, ends)
            count = _sums(ok.astype(np.float64), lo, ends)
            total = _sums(np.where(ok, fourth, 0.0), lo, ends)
            with np.errstate(invalid="ignore", divide="ignore"):
                weighted = np.where(count > 0, (total / np.maximum(count, 1)) ** 0.25,
                                    power_mean)
            columns["weighted_average_watts"] = np.maximum(weighted, power_mean)
        if ftp:
            np_values = columns.get("weighted_average_watts", power_mean)
            columns["intensity"] = np_values / ftp * 100.0
            columns["training_load"] = moving_secs / 3600.0 * (np_values / ftp) ** 2 * 100.0
            columns["joules_above_ftp"] = _sums(np.clip(power - ftp, 0, None), starts, ends)
            columns["zone"] = np.searchsorted(_POWER_ZONES, power_mean / ftp * 100.0,
                                              side="right") + 1
            columns["zone_min_watts"] = np.array(
                [0, *_POWER_ZONES])[columns["zone"] - 1] * ftp / 100.0
    hr = arrays.get("heartrate")
    if hr is not None and hr.size == n and np.nanmax(np.nan_to_num(hr)) > 0:
        beats = _fill(hr)
        length = np.maximum(ends - starts, 1)
        hr_mean = _sums(beats, starts, ends) / length
        columns["average_heartrate"] = hr_mean
        columns["max_heartrate"] = _extreme(beats, starts, ends, np.maximum)
        columns["min_heartrate"] = _extreme(beats, starts, ends, np.minimum)
        if lthr and "training_load" not in columns:
            rest = float(resting_hr or 50)
            top = float(max_hr or lthr * 1.1)
            reserve = np.clip((beats - rest) / max(top - rest, 1.0), 0.0, 1.0)
            weights = reserve * 0.64 * np.exp(1.92 * reserve)
            lthr_r = min(max((lthr - rest) / max(top - rest, 1.0), 0.0), 1.0)
            hour = 0.64 * lthr_r * np.exp(1.92 * lthr_r) * 60.0
            if hour > 0:
                columns["training_load"] = _sums(weights, starts, ends) / 60.0 / hour * 100.0
        if lthr and "zone" not in columns:
            columns["zone"] = np.searchsorted(_HR_ZONES, hr_mean / lthr * 100.0,
                                              side="right") + 1
    cadence = arrays.get("cadence")
    if cadence is not None and cadence.size == n:
        spin = np.nan_to_num(cadence)
        turning = (spin > 0).astype(np.float64)
        counted = _sums(turning, starts, ends)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns["average_cadence"] = np.where(counted > 0,
                                                  _sums(spin, starts, ends) / counted, 0.0)
        columns["max_cadence"] = _extreme(spin, starts, ends, np.maximum)
    return _rows(columns, len(bounds))


_INT_FIELDS = {
    "start_index", "end_index", "start_time", "end_time", "elapsed_time", "moving_time",
    "average_watts", "max_watts", "min_watts", "weighted_average_watts", "joules",
    "joules_above_ftp", "intensity", "zone", "zone_min_watts", "average_heartrate",
    "max_heartrate", "min_heartrate", "max_cadence",
}
_DIGITS = {"distance": 1, "average_speed": 3, "max_speed": 3, "total_elevation_gain": 1,
           "min_altitude": 1, "max_altitude": 1, "average_gradient": 2, "training_load": 1,
           "average_cadence": 1}


def _rows(columns: dict[str, Any], count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{} for _ in range(count)]
    for name, values in columns.items():
        listed = np.asarray(values, dtype=np.float64)
        if name in _INT_FIELDS:
            out: list[Any] = np.rint(np.nan_to_num(listed)).astype(np.int64).tolist()
        else:
            out = np.round(np.nan_to_num(listed), _DIGITS.get(name, 2)).tolist()
        for row, value in zip(rows, out, strict=True):
            row[name] = value
    return rows


def _fill(values: np.ndarray) -> FloatArray:
    """Forward-fill NaNs (a dropout in a stream) so sums and differences stay defined."""
    x = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(x)
    if not bad.any():
        return x
    index = np.where(bad, 0, np.arange(x.size))
    np.maximum.accumulate(index, out=index)
    filled = x[index]
    result: FloatArray = np.nan_to_num(filled)
    return result


def _sums(values: FloatArray, starts: IntArray, ends: IntArray) -> FloatArray:
    sums = np.concatenate(([0.0], np.cumsum(values)))
    result: FloatArray = sums[ends] - sums[starts]
    return result


def _extreme(values: FloatArray, starts: IntArray, ends: IntArray,
             ufunc: np.ufunc) -> FloatArray:
    """Max or min per ``[start, end)``; vectorized when the segments are ordered and disjoint."""
    if starts.size and np.all(ends > starts) and np.all(starts[1:] >= ends[:-1]):
        marks = np.empty(starts.size * 2, dtype=np.int64)
        marks[0::2], marks[1::2] = starts, ends
        marks = np.minimum(marks, values.size - 1)
        reduced = ufunc.reduceat(values, marks)[0::2]
        # reduceat gives values[start] alone when the end mark was clipped onto the start.
        tail = ends >= values.size
        if tail.any():
            reduced[tail] = [ufunc.reduce(values[s:]) for s in starts[tail].tolist()]
        result: FloatArray = reduced.astype(np.float64)
        return result
    return np.array([ufunc.reduce(values[s:e]) if e > s else np.nan
                     for s, e in zip(starts.tolist(), ends.tolist(), strict=True)])


def group_intervals(intervals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The groups of a set of intervals (detected or edited by the athlete); sets each
    member's ``group_id`` and clears stale ones."""
    for interval in intervals:
        interval.pop("group_id", None)
        interval.setdefault("type", "WORK")
    return _group(intervals)


def _group(intervals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group efforts of similar duration and output (both within ±15 %)."""
    work = [i for i in intervals if i["type"] == "WORK"]
    key = "weighted_average_watts" if any("weighted_average_watts" in i for i in work) else (
        "average_speed" if any("average_speed" in i for i in work) else "average_heartrate")
    # Outdoors, the same effort varies with the road (±10 % power, more for pace).
    band = 0.15
    clusters: list[list[dict[str, Any]]] = []
    for interval in work:
        for cluster in clusters:
            head = cluster[0]
            if (abs(interval["elapsed_time"] - head["elapsed_time"]) <= 0.15 * head[
                    "elapsed_time"] and abs(interval.get(key, 0) - head.get(key, 0))
                    <= band * max(abs(head.get(key, 0)), 1e-9)):
                cluster.append(interval)
                break
        else:
            clusters.append([interval])
    groups: list[dict[str, Any]] = []
    for cluster in clusters:
        if len(cluster) < 2:
            continue
        group = _merge(cluster)
        group["id"] = f"{round(group['elapsed_time'] / group['count'])}s@{_headline(group)}"
        for interval in cluster:
            interval["group_id"] = group["id"]
        groups.append(group)
    return groups


def _merge(cluster: list[dict[str, Any]]) -> dict[str, Any]:
    count = len(cluster)
    # IntervalGroup has start_index but no end_index/start_time/end_time (official spec).
    group: dict[str, Any] = {"count": count, "start_index": cluster[0]["start_index"]}
    for name in ("moving_time", "elapsed_time", "distance", "training_load", "joules",
                 "joules_above_ftp", "total_elevation_gain"):
        if name in cluster[0]:
            total = sum(i[name] for i in cluster)
            group[name] = round(total, 1) if isinstance(total, float) else total
    weights = [max(i["elapsed_time"], 1) for i in cluster]
    for name in ("average_watts", "weighted_average_watts", "intensity", "average_heartrate",
                 "average_cadence", "average_speed", "average_gradient"):
        if name in cluster[0]:
            mean = sum(i[name] * w for i, w in zip(cluster, weights, strict=True)) / sum(weights)
            group[name] = round(mean) if name in _INT_FIELDS else round(mean, 3)
    for name, pick in (("max_watts", max), ("max_heartrate", max), ("max_speed", max),
                       ("max_cadence", max), ("min_watts", min), ("min_heartrate", min),
                       ("zone", max)):
        if name in cluster[0]:
            group[name] = pick(i[name] for i in cluster)
    return group


def _duration(record: dict[str, Any]) -> str:
    secs = round(record["elapsed_time"] / record.get("count", 1))
    minutes, seconds = divmod(secs, 60)
    if minutes and seconds:
        return f"{minutes}m{seconds:02d}s"
    return f"{minutes}m" if minutes else f"{seconds}s"


def _headline(record: dict[str, Any], per: float = 1000.0) -> str:
    if "average_watts" in record:
        return f"{record['average_watts']}w"
    if record.get("average_speed"):
        pace = per / record["average_speed"]
        unit = "/km" if per == 1000.0 else f"/{per:g}m"
        return f"{int(pace // 60)}:{int(pace % 60):02d}{unit}"
    if "average_heartrate" in record:
        return f"{record['average_heartrate']}bpm"
    return ""
