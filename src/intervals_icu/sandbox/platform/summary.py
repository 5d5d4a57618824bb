"""The Activity summary fields, computed from an activity's streams (as the platform does
after every upload, stream edit or settings change)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from intervals_icu.sandbox.platform import metrics

__all__ = ["as_arrays", "default_thresholds", "moving_mask", "summarize"]

FloatArray = NDArray[np.float64]

_POWER_ZONES = [55, 75, 90, 105, 120, 150, 999]
_SPEED_SPORTS = {"Run", "Walk", "Hike", "TrailRun", "VirtualRun", "Swim", "OpenWaterSwim"}


def as_arrays(streams: dict[str, Any]) -> dict[str, np.ndarray]:
    """numpy arrays of the numeric streams; nulls become NaN (``latlng`` is left out)."""
    arrays: dict[str, np.ndarray] = {}
    for name, values in streams.items():
        if name == "latlng":
            continue
        if isinstance(values, np.ndarray):
            arrays[name] = values
            continue
        if name == "moving":
            arrays[name] = np.array([bool(v) for v in values], dtype=bool)
            continue
        try:
            arrays[name] = np.array([np.nan if v is None else v for v in values],
                                    dtype=np.float64)
        except (TypeError, ValueError):
            continue  # a custom stream of arrays or text: not summarized
    return arrays


def default_thresholds(athlete: dict[str, Any], on: date | None = None) -> dict[str, float]:
    """Max HR (220 - age) and LTHR (90 % of it) when the sport has no settings."""
    age = metrics.age_on(athlete.get("icu_date_of_birth"), (on or date.today()).year) or 35.0
    max_hr = 220.0 - age
    return {"max_hr": max_hr, "lthr": round(max_hr * 0.9)}


def moving_mask(arrays: dict[str, np.ndarray], n: int, sport: str) -> NDArray[np.bool_]:
    """The ``moving`` stream, or moving inferred from speed (or power), else always moving."""
    mask: NDArray[np.bool_]
    if "moving" in arrays and arrays["moving"].size == n:
        mask = np.asarray(arrays["moving"], dtype=bool)
    elif "velocity_smooth" in arrays and arrays["velocity_smooth"].size == n:
        mask = np.nan_to_num(arrays["velocity_smooth"]) > 0.3
    elif "watts" in arrays and arrays["watts"].size == n and sport not in _SPEED_SPORTS:
        mask = np.nan_to_num(arrays["watts"]) > 0
    else:
        mask = np.ones(n, dtype=bool)
    return mask


def _finite(values: np.ndarray) -> FloatArray:
    result: FloatArray = values[np.isfinite(values)]
    return result


def summarize(streams: dict[str, Any], *, sport: str, sport_settings: dict[str, Any] | None,
              athlete: dict[str, Any], on: date | None = None) -> dict[str, Any]:
    """The Activity summary fields computed from ``streams`` (lists or numpy arrays).

    Keys whose value cannot be computed (no heart rate, no threshold...) are left out, never
    null, so the result validates against the ``Activity`` schema as it is. ``on`` is the
    activity's date (the athlete's age for calorie and max-HR estimates); default today.
    """
    arrays = as_arrays(streams)
    settings = sport_settings or {}
    n = max((a.size for a in arrays.values()), default=0)
    summary: dict[str, Any] = {"stream_types": [k for k in streams if k in arrays or k == "latlng"]}
    if n == 0:
        return summary
    time = arrays.get("time")
    if time is not None and time.size == n and np.isfinite(time).all():
        elapsed = int(time[-1] - time[0]) + 1
    else:
        elapsed = n
    moving = moving_mask(arrays, n, sport)
    moving_secs = int(moving.sum())
    summary.update(elapsed_time=elapsed, moving_time=moving_secs, icu_recording_time=elapsed)

    female = athlete.get("sex") == "F"
    weight = float(athlete.get("icu_weight") or athlete.get("weight") or 70.0)
    resting = float(athlete.get("icu_resting_hr") or 50)
    fallback = default_thresholds(athlete, on)
    max_hr = float(settings.get("max_hr") or fallback["max_hr"])
    lthr = float(settings.get("lthr") or fallback["lthr"])
    ftp = settings.get("ftp")

    distance = arrays.get("distance")
    if distance is not None and _finite(distance).size:
        total = float(np.nanmax(distance) - np.nanmin(distance[:1]) if np.isfinite(
            distance[0]) else np.nanmax(distance))
        summary["distance"] = round(total, 1)
        summary["icu_distance"] = round(total, 1)
        if moving_secs > 0:
            summary["average_speed"] = round(total / moving_secs, 3)
    speed = arrays.get("velocity_smooth")
    if speed is not None and _finite(speed).size:
        summary["max_speed"] = round(float(np.nanmax(speed)), 3)
    altitude = arrays.get("altitude")
    if altitude is not None and _finite(altitude).size > 1:
        clean = _finite(altitude)
        gain, loss = metrics.elevation_change(clean)
        summary.update(total_elevation_gain=round(gain, 1), total_elevation_loss=round(loss, 1),
                       average_altitude=round(float(clean.mean()), 1),
                       min_altitude=round(float(clean.min()), 1),
                       max_altitude=round(float(clean.max()), 1))

    loads: dict[str, float] = {}
    hr = arrays.get("heartrate")
    hr_moving = None
    if hr is not None:
        hr_moving = _finite(hr[moving]) if hr.size == n else _finite(hr)
        hr_moving = hr_moving[hr_moving > 0]
    summary["has_heartrate"] = bool(hr_moving is not None and hr_moving.size > 0)
    if hr_moving is not None and hr_moving.size > 0:
        summary["average_heartrate"] = round(float(hr_moving.mean()))
        summary["max_heartrate"] = round(float(hr_moving.max()))
        summary["lthr"] = int(lthr)
        summary["athlete_max_hr"] = int(max_hr)
        summary["icu_resting_hr"] = int(resting)
        summary["trimp"] = round(metrics.trimp(hr_moving, resting=resting, max_hr=max_hr,
                                               female=female), 2)
        loads["HR"] = metrics.hr_load(hr_moving, resting=resting, lthr=lthr, max_hr=max_hr,
                                      female=female)
        summary["hr_load"] = round(loads["HR"])
        summary["hr_load_type"] = "HRSS"
        hr_zones = settings.get("hr_zones")
        if hr_zones:
            summary["icu_hr_zones"] = list(hr_zones)
            summary["icu_hr_zone_times"] = metrics.zone_counts(hr_moving, hr_zones)

    cadence = arrays.get("cadence")
    if cadence is not None:
        spinning = _finite(cadence[moving] if cadence.size == n else cadence)
        spinning = spinning[spinning > 0]
        if spinning.size:
            summary["average_cadence"] = round(float(spinning.mean()), 1)

    temp = arrays.get("temp")
    if temp is not None and _finite(temp).size:
        clean = _finite(temp)
        summary.update(average_temp=round(float(clean.mean()), 1), min_temp=int(clean.min()),
                       max_temp=int(clean.max()))

    watts = arrays.get("watts")
    if watts is not None and _finite(watts).size and np.nanmax(watts) > 0:
        power = np.nan_to_num(watts[moving] if watts.size == n else watts)
        joules = float(np.nansum(np.nan_to_num(watts)))
        summary["device_watts"] = True
        summary["icu_joules"] = round(joules)
        summary["icu_average_watts"] = round(float(power.mean())) if power.size else 0
        summary["coasting_time"] = int(np.sum(power <= 0))
        summary["calories"] = round(joules / 4184.0 / 0.24)
        np_value = metrics.normalized_power(power)
        if np_value is not None:
            summary["icu_weighted_avg_watts"] = round(np_value)
            if power.mean() > 0:
                summary["icu_variability_index"] = round(np_value / float(power.mean()), 3)
            if summary.get("average_heartrate"):
                summary["icu_efficiency_factor"] = round(np_value / summary["average_heartrate"],
                                                         3)
        if ftp:
            ftp = int(ftp)
            zones = list(settings.get("power_zones") or _POWER_ZONES)
            summary["icu_ftp"] = ftp
            summary["icu_power_zones"] = zones
            summary["icu_joules_above_ftp"] = round(float(np.sum(np.clip(power - ftp, 0, None))))
            if settings.get("w_prime"):
                summary["icu_w_prime"] = int(settings["w_prime"])
            if settings.get("p_max"):
                summary["p_max"] = int(settings["p_max"])
            ss_min = int(settings.get("sweet_spot_min") or 84)
            ss_max = int(settings.get("sweet_spot_max") or 97)
            summary["icu_sweet_spot_min"], summary["icu_sweet_spot_max"] = ss_min, ss_max
            percent = power / ftp * 100.0
            counts = metrics.zone_counts(percent, zones)
            zone_times = [{"id": f"Z{i + 1}", "secs": secs} for i, secs in enumerate(counts)]
            zone_times.append({"id": "SS", "secs": int(np.sum((percent >= ss_min)
                                                               & (percent < ss_max)))})
            summary["icu_zone_times"] = zone_times
            if np_value is not None:
                summary["icu_intensity"] = round(np_value / ftp * 100.0, 2)
                loads["POWER"] = metrics.power_load(moving_secs, np_value, ftp)
                summary["power_load"] = round(loads["POWER"])

    threshold_pace = settings.get("threshold_pace")
    if speed is not None and threshold_pace and sport in _SPEED_SPORTS:
        moving_speed = np.nan_to_num(speed[moving] if speed.size == n else speed)
        loads["PACE"] = metrics.pace_load(moving_speed, float(threshold_pace))
        summary["pace_load"] = round(loads["PACE"])
        summary["pace_load_type"] = "SWIM" if "Swim" in sport else "RUN"
        summary["threshold_pace"] = float(threshold_pace)
        pace_zones = settings.get("pace_zones")
        if pace_zones:
            summary["pace_zones"] = list(pace_zones)
            summary["pace_zone_times"] = metrics.zone_counts(
                moving_speed / float(threshold_pace) * 100.0, pace_zones)
        if "average_speed" in summary:
            summary["pace"] = summary["average_speed"]

    order = str(settings.get("load_order") or "POWER_HR_PACE").split("_")
    chosen = next((loads[kind] for kind in order if kind in loads), None)
    if chosen is not None:
        summary["icu_training_load"] = round(chosen)
    if "calories" not in summary and hr_moving is not None and hr_moving.size:
        age = metrics.age_on(athlete.get("icu_date_of_birth"), (on or date.today()).year) or 35.0
        summary["calories"] = round(metrics.keytel_kcal(hr_moving, weight=weight, age=age,
                                                        female=female))
    decoupling = _decoupling(arrays, moving, n)
    if decoupling is not None:
        summary["decoupling"] = decoupling
    summary["icu_weight"] = weight
    return summary


def _decoupling(arrays: dict[str, np.ndarray], moving: NDArray[np.bool_], n: int) -> (
    float | None
):
    """Aerobic decoupling: how much output per heartbeat fell from the first half to the
    second (power for rides, speed otherwise), in percent."""
    hr = arrays.get("heartrate")
    output = arrays.get("watts")
    if output is None or not np.nanmax(np.nan_to_num(output), initial=0) > 0:
        output = arrays.get("velocity_smooth")
    if hr is None or output is None or hr.size != n or output.size != n:
        return None
    keep = moving & np.isfinite(hr) & (hr > 0) & np.isfinite(output)
    if keep.sum() < 600:
        return None
    out, beats = output[keep], hr[keep]
    half = out.size // 2
    first = out[:half].mean() / beats[:half].mean()
    second = out[half:].mean() / beats[half:].mean()
    if first <= 0:
        return None
    return round(float((first - second) / first * 100.0), 2)
