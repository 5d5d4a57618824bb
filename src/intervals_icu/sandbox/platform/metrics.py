"""Training metrics from 1 Hz arrays: normalized power, loads, TRIMP, zones, elevation.

The formulas are the public, textbook ones the platform documents or is known to use:
normalized power (30 s rolling mean, 4th-power mean), intensity = NP / FTP, power load =
hours x IF^2 x 100, HR load (HRSS: Banister TRIMP scaled so an hour at LTHR = 100), pace
load = hours x (speed / threshold speed)^2 x 100.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from intervals_icu.sandbox.platform.streams import centered_mean, rolling_mean

__all__ = [
    "elevation_change",
    "hr_load",
    "normalized_power",
    "pace_load",
    "power_load",
    "trimp",
    "zone_counts",
]

FloatArray = NDArray[np.float64]


def normalized_power(watts: FloatArray) -> float | None:
    """NP: the 4th-power mean of the 30 s rolling mean; None for under 30 s of data.

    By the power-mean inequality NP is at least the mean power; edge windows can break that
    by a fraction of a watt on a perfectly steady effort, so it is clamped to the mean.
    """
    rolled = rolling_mean(watts, 30)
    if rolled.size == 0:
        return None
    np_value = float(np.mean(rolled**4) ** 0.25)
    return max(np_value, float(np.mean(watts)))


def power_load(seconds: float, np_value: float, ftp: float) -> float:
    intensity = np_value / ftp
    return seconds / 3600.0 * intensity * intensity * 100.0


def _trimp_weights(heartrate: FloatArray, resting: float, max_hr: float, female: bool) -> (
    FloatArray
):
    reserve = np.clip((heartrate - resting) / max(max_hr - resting, 1.0), 0.0, 1.0)
    a, b = (0.86, 1.67) if female else (0.64, 1.92)
    result: FloatArray = reserve * a * np.exp(b * reserve)
    return result


def trimp(heartrate: FloatArray, *, resting: float, max_hr: float, female: bool) -> float:
    """Banister's TRIMP over 1 Hz samples (minutes x HR reserve x weighting)."""
    return float(np.sum(_trimp_weights(heartrate, resting, max_hr, female)) / 60.0)


def hr_load(heartrate: FloatArray, *, resting: float, lthr: float, max_hr: float,
            female: bool) -> float:
    """HRSS: TRIMP relative to an hour at LTHR, times 100."""
    # TRIMP sums per-second weights / 60 (minutes); an hour at LTHR is 60 minutes of it.
    hour_at_lthr = 60.0 * float(_trimp_weights(np.array([float(lthr)]), resting, max_hr,
                                                female)[0])
    if hour_at_lthr <= 0:
        return 0.0
    return trimp(heartrate, resting=resting, max_hr=max_hr, female=female) / hour_at_lthr * 100.0


def pace_load(speed: FloatArray, threshold_speed: float) -> float:
    """Hours x (mean speed / threshold speed)^2 x 100 over the samples given (moving ones)."""
    if speed.size == 0 or threshold_speed <= 0:
        return 0.0
    intensity = float(np.mean(speed)) / threshold_speed
    return speed.size / 3600.0 * intensity * intensity * 100.0


def zone_counts(values: FloatArray, upper_bounds: Sequence[float]) -> list[int]:
    """Seconds per zone; a value belongs to the first zone whose upper bound is above it
    (HR zones: at or above); the last zone is open-ended."""
    bounds = np.asarray(list(upper_bounds)[:-1], dtype=np.float64)
    index = np.searchsorted(bounds, values, side="right")
    return [int(c) for c in np.bincount(index, minlength=len(upper_bounds))[:len(upper_bounds)]]


def elevation_change(altitude: FloatArray) -> tuple[float, float]:
    """Total gain and loss after a little smoothing (barometric noise is not climbing)."""
    if altitude.size < 2:
        return 0.0, 0.0
    smooth = centered_mean(altitude, 9)
    steps = np.diff(smooth)
    return float(steps[steps > 0].sum()), float(-steps[steps < 0].sum())


def age_on(date_of_birth: str | None, year: int) -> float | None:
    if not date_of_birth:
        return None
    try:
        born = int(date_of_birth[:4])
    except ValueError:
        return None
    return float(year - born) if 5 < year - born < 110 else None


def keytel_kcal(heartrate: FloatArray, *, weight: float, age: float, female: bool) -> float:
    """Energy from heart rate (Keytel et al. 2005), kcal over 1 Hz samples."""
    hr = np.asarray(heartrate, dtype=np.float64)
    if female:
        per_min = (-20.4022 + 0.4472 * hr - 0.1263 * weight + 0.074 * age) / 4.184
    else:
        per_min = (-55.0969 + 0.6309 * hr + 0.1988 * weight + 0.2017 * age) / 4.184
    return float(np.sum(np.clip(per_min, 1.0, None)) / 60.0)


def round_or_none(value: float | None, digits: int = 0) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)
