"""Fitness (CTL), fatigue (ATL) and ramp rate on wellness records, from activities' load.

Daily load is the sum of ``icu_training_load`` of the activities that started on that local
day. CTL and ATL are exponentially weighted averages of it with time constants of 42 and 7
days, updated each day as ``x += (load - x) / days`` (starting from 0 before the first
activity). ``rampRate`` is the change of CTL over the last 7 days; ``ctlLoad`` and
``atlLoad`` are the day's load that entered CTL and ATL.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from intervals_icu.sandbox.platform.streams import first_order
from intervals_icu.sandbox.state import SandboxState

__all__ = [
    "ATL_DAYS",
    "CTL_DAYS",
    "announce_fitness",
    "daily_loads",
    "fitness_series",
    "recompute_fitness",
]

CTL_DAYS = 42
ATL_DAYS = 7
_COMPUTED = ("ctl", "atl", "rampRate", "ctlLoad", "atlLoad", "sportInfo")


def daily_loads(activities: dict[str, dict[str, Any]], first: date, last: date) -> np.ndarray:
    """Load per local day in ``[first, last]``."""
    loads = np.zeros((last - first).days + 1)
    origin = first.toordinal()
    for activity in activities.values():
        load = activity.get("icu_training_load")
        start = activity.get("start_date_local")
        if not load or not start:
            continue
        index = date.fromisoformat(str(start)[:10]).toordinal() - origin
        if 0 <= index < loads.size:
            loads[index] += float(load)
    return loads


def fitness_series(loads: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ctl, atl, rampRate) for a daily load series starting from zero fitness."""
    ctl = first_order(loads, float(CTL_DAYS), initial=0.0)
    atl = first_order(loads, float(ATL_DAYS), initial=0.0)
    week_ago = np.concatenate((np.zeros(min(7, ctl.size)), ctl[:-7] if ctl.size > 7 else []))
    return ctl, atl, ctl - week_ago


def _first_activity_day(activities: dict[str, dict[str, Any]]) -> date | None:
    days = [str(a["start_date_local"])[:10] for a in activities.values()
            if a.get("start_date_local")]
    return date.fromisoformat(min(days)) if days else None


def _sport_info(state: SandboxState, athlete_id: str) -> list[dict[str, Any]]:
    info: list[dict[str, Any]] = []
    for settings in state.store(athlete_id).sport_settings.values():
        types = settings.get("types") or []
        if "Ride" in types and settings.get("ftp"):
            entry: dict[str, Any] = {"type": "Ride", "eftp": float(settings["ftp"])}
            if settings.get("w_prime"):
                entry["wPrime"] = float(settings["w_prime"])
            if settings.get("p_max"):
                entry["pMax"] = float(settings["p_max"])
            info.append(entry)
    return info


def recompute_fitness(state: SandboxState, athlete_id: str, since: date | None = None) -> None:
    """Recompute the computed wellness fields from ``since`` (default: the first activity)
    to the athlete's local today, creating records for days that have none.

    Only ``ctl, atl, rampRate, ctlLoad, atlLoad, sportInfo`` are written: inputs, ``locked``
    and ``updated`` are left as they are (a locked record's computed fields still move, as
    fitness is derived data).
    """
    store = state.store(athlete_id)
    today = state.local_today(athlete_id)
    first = _first_activity_day(store.activities)
    if first is None:
        start = since or today
        loads = np.zeros((today - start).days + 1) if start <= today else np.zeros(0)
        first = start
    else:
        first = min(first, since) if since else first
        loads = daily_loads(store.activities, first, today) if first <= today else np.zeros(0)
    if loads.size == 0:
        return
    ctl, atl, ramp = fitness_series(loads)
    begin = max(0, ((since or first) - first).days)
    sport_info = _sport_info(state, athlete_id)
    ctl_list, atl_list = np.round(ctl, 4).tolist(), np.round(atl, 4).tolist()
    ramp_list, load_list = np.round(ramp, 4).tolist(), loads.tolist()
    with state.lock:
        for index in range(begin, loads.size):
            key = (first + timedelta(days=index)).isoformat()
            record = store.wellness.get(key)
            if record is None:
                record = {"id": key, "locked": False, "tempWeight": False,
                          "tempRestingHR": False}
                store.wellness[key] = record
            record["ctl"] = ctl_list[index]
            record["atl"] = atl_list[index]
            record["rampRate"] = ramp_list[index]
            record["ctlLoad"] = load_list[index]
            record["atlLoad"] = load_list[index]
            record["sportInfo"] = [dict(item) for item in sport_info]


def announce_fitness(state: SandboxState, athlete_id: str, day: date) -> None:
    """After a new activity: FITNESS_UPDATED (the recomputed days) then WELLNESS_UPDATED
    (the activity's day), as observed after an upload (API-NOTES §5.3)."""
    wellness = state.store(athlete_id).wellness
    changed = [record for key, record in sorted(wellness.items()) if key >= day.isoformat()]
    if not changed:
        return
    fitness_keys = ("id", "ctl", "atl", "rampRate", "ctlLoad", "atlLoad", "sportInfo",
                    "updated")
    state.emit(athlete_id, "FITNESS_UPDATED",
               records=[{k: r[k] for k in fitness_keys if k in r} for r in changed])
    if day.isoformat() in wellness:
        state.emit(athlete_id, "WELLNESS_UPDATED",
                   records=[dict(wellness[day.isoformat()])])
