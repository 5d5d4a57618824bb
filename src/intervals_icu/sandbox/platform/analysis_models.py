"""Analysis models the platform serves per activity and per athlete, as plain, documented
models computed from the streams (docs/sandbox.md, "Analysis models"). The platform's own
models are not published; these are the textbook versions, so the numbers are explainable
and agree with the rest of the sandbox (the activity's ``decoupling`` and ``hr_load``, the
power curves).

* **Power vs HR** (``power-vs-hr``): the samples between the warm-up and the cool-down
  (the activity's ``icu_warmup_time``/``icu_cooldown_time``, 0 when unset) that are moving
  with heart rate and power; ``powerHr`` is mean power / mean heart rate over them,
  ``powerHrFirst``/``powerHrSecond`` the same over each half (by samples, split at
  ``mid``), ``decoupling`` = (first - second) / first x 100 (the activity's
  ``decoupling`` when there is no warm-up or cool-down); ``series`` has one bucket per
  ``bucketSize`` (60) seconds with the mean watts, heart rate and cadence of its used
  samples; ``curves`` is the least-squares line heart rate = a + b x watts over the
  buckets (``coefficients`` ``[a, b]``, ``r2``); ``ratioCoefficients`` the line of the
  buckets' power/HR ratio against minutes from the start; the Z2 fields use the samples in
  heart-rate zone 2 of the sport settings. ``hrLag`` is 0 (heart rate is not shifted).
* **Power models** (``power-spike-model`` for an activity, ``mmp-model`` for the athlete):
  the two-parameter critical-power model (``MS_2P``) fitted by least squares to the
  mean-maximal curve's work at 3 to 20 minutes (work = CP x t + W'); ``inputPointIndexes``
  are the curve points used, ``pMax`` the best 1-second power, ``ftp`` the model's
  one-hour power CP + W'/3600. The athlete's model uses the sport's curve of the last 90
  days. Too few points (or a fit with W' <= 0) gives a model of nulls.
* **HR load model** (``hr-load-model``): the sport settings' ``hr_load_type`` (HRSS when
  unset) applied to the moving heart-rate samples: HRSS as the activity's ``hr_load``
  (Banister TRIMP scaled so an hour at LTHR is 100), AVG_HR as hours x ((mean HR - rest) /
  (LTHR - rest))^2 x 100, HR_ZONES as the sum over zones of hours in the zone x ((the
  zone's middle - rest) / (LTHR - rest))^2 x 100; ``trainingDataCount`` is the number of
  samples used.
* **Pace and GAP histograms**: seconds per bucket of pace in the sport settings' pace unit
  (per km by default, per 100 m or 100 yards for swims: 5-second buckets, else 10), from
  the lowest to the highest bucket, ``movingSecs`` the moving ones; slower than 0.5 m/s
  counts as stopped. GAP adjusts each sample's speed by Minetti's energy cost of running
  on its gradient (``grade_smooth``; flat when there is none).
* **Power-HR curve** (``power-hr-curve``): over the sport's activities between ``start`` and
  ``end`` (local dates), moving samples with power and heart rate bucketed by power
  (``bucketSize`` 10 W) from ``minWatts`` to ``maxWatts``: the mean heart rate and cadence
  and the minutes in each bucket (null heart rate and cadence where no sample fell).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intervals_icu.sandbox.platform import metrics
from intervals_icu.sandbox.platform.activity_math import histogram
from intervals_icu.sandbox.platform.summary import as_arrays, moving_mask

__all__ = [
    "FIT_SECS",
    "PACE_UNITS",
    "fit_power_model",
    "hr_load_model",
    "pace_buckets",
    "power_hr_curve",
    "power_vs_hr",
]

FloatArray = NDArray[np.float64]
FIT_SECS = (180, 1200)
"""The durations (inclusive) of the mean-maximal curve the critical-power fit uses."""
PACE_UNITS = {"MINS_KM": 1000.0, "SECS_100M": 100.0, "MINS_MILE": 1609.344,
              "SECS_100Y": 91.44, "SECS_500M": 500.0}
"""Metres per pace unit of the sport settings' ``pace_units``."""
_BUCKET_SECS = 60
_POWER_BUCKET = 10
_STOPPED_SPEED = 0.5


def _line(x: FloatArray, y: FloatArray) -> tuple[float, float, float] | None:
    """Least-squares ``y = a + b x``: ``(a, b, r2)``; None for fewer than 2 distinct x."""
    if x.size < 2 or float(np.ptp(x)) == 0.0:
        return None
    b, a = np.polyfit(x, y, 1)
    predicted = a + b * x
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum((y - predicted) ** 2)) / total if total else 1.0
    return float(a), float(b), r2


# -- power vs heart rate -----------------------------------------------------------------------


def _zone_bounds(hr_zones: Sequence[float] | None, zone: int) -> tuple[float, float] | None:
    """(low, high] bpm of heart-rate zone ``zone`` (1-based) from zone tops."""
    if not hr_zones or len(hr_zones) < zone:
        return None
    low = float(hr_zones[zone - 2]) if zone > 1 else 0.0
    return low, float(hr_zones[zone - 1])


def power_vs_hr(activity: dict[str, Any], streams: dict[str, Any],
                settings: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``PowerVsHRPlot``; None without power and heart rate."""
    arrays = as_arrays(streams)
    watts, hr = arrays.get("watts"), arrays.get("heartrate")
    n = max((a.size for a in arrays.values()), default=0)
    if watts is None or hr is None or watts.size != n or hr.size != n or n == 0:
        return None
    sport = str(activity.get("type") or "Ride")
    moving = moving_mask(arrays, n, sport)
    warmup = int(activity.get("icu_warmup_time") or 0)
    cooldown = int(activity.get("icu_cooldown_time") or 0)
    start, end = min(warmup, n), max(min(warmup, n), n - cooldown)
    window = np.zeros(n, dtype=bool)
    window[start:end] = True
    used = window & moving & np.isfinite(hr) & (hr > 0) & np.isfinite(watts)
    if not used.any():
        return None
    cadence = arrays.get("cadence")
    cadence = cadence if cadence is not None and cadence.size == n else np.full(n, np.nan)
    index = np.flatnonzero(used)
    half = index.size // 2
    mid = int(index[half]) if index.size else start

    def raw_ratio(mask: NDArray[np.bool_] | NDArray[np.int64]) -> float | None:
        beats = float(np.mean(hr[mask])) if np.size(hr[mask]) else 0.0
        return float(np.mean(watts[mask])) / beats if beats > 0 else None

    def ratio(mask: NDArray[np.bool_] | NDArray[np.int64]) -> float | None:
        value = raw_ratio(mask)
        return None if value is None else round(value, 3)

    raw_first, raw_second = raw_ratio(index[:half]), raw_ratio(index[half:])
    first, second = ratio(index[:half]), ratio(index[half:])
    decoupling = (round((raw_first - raw_second) / raw_first * 100.0, 2)
                  if raw_first and raw_second is not None else None)
    series = []
    xs, ys, minutes, ratios = [], [], [], []
    for bucket_start in range(start, end, _BUCKET_SECS):
        part = slice(bucket_start, min(bucket_start + _BUCKET_SECS, end))
        here = used[part]
        bucket: dict[str, Any] = {"start": bucket_start, "secs": part.stop - part.start,
                                  "movingSecs": int(moving[part].sum())}
        if here.any():
            bucket["watts"] = round(float(np.mean(watts[part][here])), 1)
            bucket["hr"] = round(float(np.mean(hr[part][here])), 1)
            spinning = cadence[part][here]
            spinning = spinning[np.isfinite(spinning) & (spinning > 0)]
            bucket["cadence"] = round(float(spinning.mean())) if spinning.size else None
            xs.append(bucket["watts"])
            ys.append(bucket["hr"])
            if bucket["hr"] > 0:
                minutes.append(bucket_start / 60.0)
                ratios.append(bucket["watts"] / bucket["hr"])
        series.append(bucket)
    z2 = _zone_bounds((settings or {}).get("hr_zones"), 2)
    z2_fields: dict[str, Any] = {"powerHrZ2": None, "medianCadenceZ2": None,
                                 "avgCadenceZ2": None, "hrZ2BucketCount": 0}
    if z2 is not None:
        in_z2 = used & (hr > z2[0]) & (hr <= z2[1])
        z2_fields["powerHrZ2"] = ratio(in_z2) if in_z2.any() else None
        spinning = cadence[in_z2]
        spinning = spinning[np.isfinite(spinning) & (spinning > 0)]
        if spinning.size:
            z2_fields["medianCadenceZ2"] = round(float(np.median(spinning)))
            z2_fields["avgCadenceZ2"] = round(float(spinning.mean()))
        z2_fields["hrZ2BucketCount"] = sum(
            1 for b in series if b.get("hr") is not None and z2[0] < b["hr"] <= z2[1])
    fit = _line(np.array(xs), np.array(ys))
    drift = _line(np.array(minutes), np.array(ratios))
    return {
        "bucketSize": _BUCKET_SECS,
        "warmup": warmup,
        "cooldown": cooldown,
        "elapsedTime": n,
        "hrLag": 0,
        "powerHr": ratio(used),
        "powerHrFirst": first,
        "powerHrSecond": second,
        "decoupling": decoupling,
        **z2_fields,
        "start": start,
        "mid": mid,
        "end": end,
        "series": series,
        "curves": [] if fit is None else [{"id": "linear", "coefficients": [
            round(fit[0], 4), round(fit[1], 6)], "r2": round(fit[2], 4)}],
        "ratioCoefficients": None if drift is None else [round(drift[0], 6),
                                                          round(drift[1], 8)],
    }


# -- critical power -------------------------------------------------------------------------------


def fit_power_model(secs: Sequence[int], watts: Sequence[float | None]) -> dict[str, Any]:
    """The ``MS_2P`` ``PowerModel`` of a mean-maximal curve (nulls when it cannot be fit)."""
    points = [(i, int(s), float(w)) for i, (s, w) in enumerate(zip(secs, watts, strict=False))
              if w is not None and FIT_SECS[0] <= int(s) <= FIT_SECS[1]]
    best = dict(zip((int(s) for s in secs), watts, strict=False))
    empty: dict[str, Any] = {"type": "MS_2P", "criticalPower": None, "wPrime": None,
                             "pMax": None, "inputPointIndexes": [], "ftp": None}
    fit = _line(np.array([t for _i, t, _w in points], dtype=np.float64),
                np.array([t * w for _i, t, w in points], dtype=np.float64))
    if fit is None:
        return empty
    w_prime, cp, _r2 = fit
    if cp <= 0 or w_prime <= 0:
        return empty
    p_max = best.get(1)
    return {
        "type": "MS_2P",
        "criticalPower": round(cp),
        "wPrime": round(w_prime),
        "pMax": None if p_max is None else round(float(p_max)),
        "inputPointIndexes": [i for i, _t, _w in points],
        "ftp": round(cp + w_prime / 3600.0),
    }


# -- heart-rate load --------------------------------------------------------------------------


def hr_load_model(activity: dict[str, Any], streams: dict[str, Any],
                  settings: dict[str, Any] | None, profile: dict[str, Any]) -> (
    dict[str, Any] | None
):
    """The ``HRLoadModel``; None without heart rate."""
    arrays = as_arrays(streams)
    hr = arrays.get("heartrate")
    n = max((a.size for a in arrays.values()), default=0)
    if hr is None or hr.size != n or n == 0:
        return None
    moving = moving_mask(arrays, n, str(activity.get("type") or "Ride"))
    beats = hr[moving & np.isfinite(hr) & (hr > 0)]
    if beats.size == 0:
        return None
    settings = settings or {}
    kind = str(settings.get("hr_load_type") or "HRSS")
    resting = float(profile.get("icu_resting_hr") or 50)
    lthr = float(settings.get("lthr") or activity.get("lthr") or 0) or float(beats.max())
    max_hr = float(settings.get("max_hr") or activity.get("athlete_max_hr") or 0) or max(
        lthr + 10.0, float(beats.max()))
    reserve = max(lthr - resting, 1.0)
    hours = beats.size / 3600.0
    if kind == "AVG_HR":
        load = hours * ((float(beats.mean()) - resting) / reserve) ** 2 * 100.0
    elif kind == "HR_ZONES" and settings.get("hr_zones"):
        load = 0.0
        low = resting
        for top in settings["hr_zones"]:
            in_zone = beats[(beats > low) & (beats <= float(top))]
            middle = (low + min(float(top), max_hr)) / 2.0
            load += in_zone.size / 3600.0 * ((middle - resting) / reserve) ** 2 * 100.0
            low = float(top)
    else:
        kind = "HRSS"
        load = metrics.hr_load(beats, resting=resting, lthr=lthr, max_hr=max_hr,
                               female=profile.get("sex") == "F")
    return {"type": kind, "icu_training_load": round(load), "trainingDataCount": int(beats.size)}


# -- pace histograms --------------------------------------------------------------------------


def _minetti_cost(grade: FloatArray) -> FloatArray:
    """Energy cost of running (J/kg/m) on a gradient (fraction), Minetti et al. 2002."""
    i = np.clip(grade, -0.45, 0.45)
    cost: FloatArray = (155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i
                        + 3.6)
    return cost


def pace_buckets(streams: dict[str, Any], sport: str, pace_units: str | None, *,
                 gap: bool) -> list[dict[str, Any]] | None:
    """Pace (or grade-adjusted pace) histogram buckets; None without speed."""
    arrays = as_arrays(streams)
    speed = arrays.get("velocity_smooth")
    n = max((a.size for a in arrays.values()), default=0)
    if speed is None or speed.size != n or n == 0:
        return None
    speed = np.nan_to_num(speed)
    if gap:
        grade = arrays.get("grade_smooth")
        grade = (np.nan_to_num(grade) / 100.0 if grade is not None and grade.size == n
                 else np.zeros(n))
        speed = speed * _minetti_cost(grade) / _minetti_cost(np.zeros(1))[0]
    unit = PACE_UNITS.get(str(pace_units or ""), 1000.0)
    bucket = 5 if unit < 500.0 else 10
    pace = np.where(speed >= _STOPPED_SPEED, unit / np.maximum(speed, _STOPPED_SPEED), np.nan)
    moving = moving_mask(arrays, n, sport)
    return histogram(pace, bucket, moving)


# -- power against heart rate over many activities -------------------------------------------


def power_hr_curve(activities: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Buckets of power over the arrays of many activities (each a dict of float arrays
    with ``watts``, ``heartrate`` and maybe ``cadence``, ``moving``)."""
    watts_parts, hr_parts, cadence_parts = [], [], []
    for arrays in activities:
        watts, hr = arrays.get("watts"), arrays.get("heartrate")
        if watts is None or hr is None or watts.size != hr.size or watts.size == 0:
            continue
        n = watts.size
        moving = arrays.get("moving")
        keep = (np.asarray(moving, dtype=bool) if moving is not None and moving.size == n
                else np.ones(n, dtype=bool))
        keep &= np.isfinite(watts) & (watts > 0) & np.isfinite(hr) & (hr > 0)
        cadence = arrays.get("cadence")
        watts_parts.append(watts[keep])
        hr_parts.append(hr[keep])
        cadence_parts.append(cadence[keep] if cadence is not None and cadence.size == n
                             else np.full(int(keep.sum()), np.nan))
    if not watts_parts or not sum(p.size for p in watts_parts):
        return {"minWatts": None, "maxWatts": None, "bucketSize": _POWER_BUCKET, "bpm": [],
                "cadence": [], "minutes": []}
    watts = np.concatenate(watts_parts)
    hr = np.concatenate(hr_parts)
    cadence = np.concatenate(cadence_parts)
    starts = (np.floor(watts / _POWER_BUCKET) * _POWER_BUCKET).astype(int)
    low, high = int(starts.min()), int(starts.max())
    bpm: list[int | None] = []
    rpm: list[int | None] = []
    minutes: list[int] = []
    for start in range(low, high + 1, _POWER_BUCKET):
        hit = starts == start
        count = int(hit.sum())
        minutes.append(round(count / 60))
        bpm.append(round(float(hr[hit].mean())) if count else None)
        spinning = cadence[hit]
        spinning = spinning[np.isfinite(spinning) & (spinning > 0)]
        rpm.append(round(float(spinning.mean())) if spinning.size else None)
    return {"minWatts": low, "maxWatts": high, "bucketSize": _POWER_BUCKET, "bpm": bpm,
            "cadence": rpm, "minutes": minutes}
