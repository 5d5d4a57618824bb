"""Daily wellness: weight, resting HR, HRV, sleep and how the athlete feels, with noise.

Resting HR rises and HRV falls when fatigue (ATL) runs ahead of fitness (CTL), and both
move sharply on sick days; weight drifts slowly and is a little higher in winter.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.generate.athletes import AthleteModel
from intervals_icu.sandbox.generate.plan import season
from intervals_icu.sandbox.platform.streams import first_order

__all__ = ["wellness_records"]

_PHASES = [("PERIOD", 5), ("FOLLICULAR", 8), ("OVULATING", 3), ("LUTEAL", 12)]


def _phase(day: date, offset: int) -> str:
    position = (day.toordinal() + offset) % 28
    for name, length in _PHASES:
        if position < length:
            return name
        position -= length
    return "LUTEAL"


def wellness_records(model: AthleteModel, seed: int, days: list[date], loads: np.ndarray,
                     sick: set[date], timezone: ZoneInfo, now: datetime) -> (
    dict[str, dict[str, Any]]
):
    """One record per day (inputs only; fitness is filled in by ``recompute_fitness``)."""
    rng = random.Random(seed * 4099 + 11)
    count = len(days)
    np_rng = np.random.default_rng(seed * 4099 + 11)
    fatigue = first_order(loads, 7.0, 0.0) - first_order(loads, 42.0, 0.0)
    drift = first_order(np_rng.standard_normal(count), 30.0, 0.0) * 2.5
    hrv_base = rng.uniform(50, 85)
    cycle_offset = rng.randrange(28)
    records: dict[str, dict[str, Any]] = {}
    for i, day in enumerate(days):
        is_sick = day in sick
        form = float(fatigue[i])
        winter = -season(model, day)
        weight = model.weight + drift[i] + 0.6 * winter + rng.gauss(0, 0.25)
        resting = model.resting_hr + 0.12 * form + rng.gauss(0, 1.5) + (7 if is_sick else 0)
        hrv = hrv_base - 0.25 * form + rng.gauss(0, 6) - (18 if is_sick else 0)
        sleep_hours = rng.gauss(7.4 if day.weekday() < 5 else 7.9, 0.6)
        record: dict[str, Any] = {
            "id": day.isoformat(),
            "restingHR": round(resting),
            "hrv": round(max(15.0, hrv), 1),
            "hrvSDNN": round(max(20.0, hrv * 1.3 + rng.gauss(0, 5)), 1),
            "sleepSecs": int(max(4.0, sleep_hours) * 3600) // 60 * 60,
            "sleepScore": float(round(min(98, max(35, 55 + (sleep_hours - 5.5) * 14
                                                  + rng.gauss(0, 5))))),
            "sleepQuality": min(4, max(1, round(2.4 - (sleep_hours - 7.0) + rng.gauss(0, .5)))),
            "avgSleepingHR": float(round(resting + rng.uniform(2, 6))),
            "steps": int(max(1500, rng.gauss(9000, 2500))),
            "locked": False, "tempWeight": False, "tempRestingHR": False,
        }
        if rng.random() < 0.85:
            record["weight"] = round(weight, 1)
        if rng.random() < 0.35 or is_sick:
            tired = 2.2 + form / 25.0 + (1.5 if is_sick else 0)
            record.update(
                soreness=min(4, max(1, round(tired + rng.gauss(0, 0.6)))),
                fatigue=min(4, max(1, round(tired + rng.gauss(0, 0.5)))),
                stress=min(4, max(1, round(rng.gauss(2, 0.7)))),
                mood=min(4, max(1, round(rng.gauss(2, 0.6) + (1 if is_sick else 0)))),
                motivation=min(4, max(1, round(rng.gauss(1.8, 0.6) + form / 40.0))),
            )
        if rng.random() < 0.5:
            record["spO2"] = round(rng.uniform(95.0, 99.0), 1)
        if rng.random() < 0.6:
            record["readiness"] = float(round(min(100, max(5, 70 - form * 0.8
                                                          + rng.gauss(0, 8)))))
        if rng.random() < 0.15:
            record["kcalConsumed"] = int(rng.gauss(2700, 350))
        if day.weekday() == 0:
            vo2 = (model.ftp / model.weight) * 10.8 / 0.75 + 7.0 + form * -0.02
            record["vo2max"] = round(vo2 + rng.gauss(0, 0.4), 1)
        if model.sex == "F":
            record["menstrualPhasePredicted"] = _phase(day, cycle_offset)
            if rng.random() < 0.7:
                record["menstrualPhase"] = _phase(day, cycle_offset)
        if is_sick:
            record["injury"] = 2
            record["comments"] = "Sick, resting."
            record["respiration"] = round(rng.uniform(16, 19), 1)
        elif rng.random() < 0.02:
            record["comments"] = rng.choice(["Travel day.", "Slept badly.", "Busy at work.",
                                             "Felt great."])
        # Written by the morning device sync (never after "now").
        synced = datetime.combine(day, time(6, 30)).replace(tzinfo=timezone) + timedelta(
            seconds=rng.randint(0, 7200), milliseconds=rng.randint(0, 999))
        record["updated"] = stamp(min(synced.astimezone(UTC), now))
        records[record["id"]] = record
    return records
