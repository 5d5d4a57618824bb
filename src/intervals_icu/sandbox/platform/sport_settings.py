"""Sport settings as the platform keeps them (API-NOTES §4.13): per-sport thresholds and
zones, looked up by id or by an activity type; one set of types per sport; "recalc HR
zones" derives the zones from LTHR; every change emits SPORT_SETTINGS_UPDATED with every
sport's full settings (the platform sends all of them, not a diff; API-NOTES §5.3).
"""

from __future__ import annotations

import copy
from typing import Any

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.state import AthleteStore, SandboxState

__all__ = [
    "PACE_DISTANCES",
    "all_settings",
    "announce_settings",
    "best_effort_defaults",
    "create_settings",
    "default_settings",
    "find_settings",
    "hr_zones_for",
    "update_settings",
]


_RIDES = {"Ride", "VirtualRide", "GravelRide", "MountainBikeRide", "TrackRide", "Cyclocross",
          "EBikeRide", "EMountainBikeRide", "Handcycle", "Velomobile"}


_RUNS = {"Run", "VirtualRun", "TrailRun"}


_SWIMS = {"Swim", "OpenWaterSwim"}


_PROTECTED = ("id", "athlete_id", "created", "updated")


_HR_ZONE_PERCENT_OF_LTHR = (81, 89, 93, 99, 102, 106)


PACE_DISTANCES = [100.0, 200.0, 400.0, 800.0, 1000.0, 1500.0, 1609.344, 3000.0, 5000.0,
                  10000.0, 15000.0, 21097.5, 30000.0, 42195.0]


_BEST_EFFORTS = {
    "run": [400.0, 800.0, 1000.0, 1609.344, 5000.0, 10000.0, 21097.5, 42195.0],
    "swim": [50.0, 100.0, 200.0, 400.0, 800.0, 1500.0, 3800.0],
    "other": [1000.0, 5000.0, 10000.0],
}


def hr_zones_for(lthr: int, max_hr: int) -> list[int]:
    """Zone tops in bpm from LTHR (the last zone ends at max HR)."""
    return [round(lthr * p / 100) for p in _HR_ZONE_PERCENT_OF_LTHR] + [max_hr]


def default_settings(sport: str) -> dict[str, Any]:
    """What "create settings for a sport with default values" gives."""
    lthr, max_hr = (170, 190) if sport in _RUNS else (165, 185)
    base: dict[str, Any] = {
        "types": [sport],
        "warmup_time": 1200,
        "cooldown_time": 600,
        "lthr": lthr,
        "max_hr": max_hr,
        "hr_zones": hr_zones_for(lthr, max_hr),
        "hr_zone_names": ["Recovery", "Aerobic", "Tempo", "SubThreshold", "SuperThreshold",
                          "Aerobic Capacity", "Anaerobic"],
        "hr_load_type": "HRSS",
        "other": sport not in _RIDES | _RUNS | _SWIMS,
    }
    if sport in _RIDES:
        base.update(
            ftp=200, w_prime=20000, p_max=800,
            power_zones=[55, 75, 90, 105, 120, 150, 999],
            power_zone_names=["Active Recovery", "Endurance", "Tempo", "Threshold", "VO2 Max",
                              "Anaerobic", "Neuromuscular"],
            sweet_spot_min=84, sweet_spot_max=97,
            load_order="POWER_HR_PACE", tiz_order="POWER_HR_PACE",
            workout_order="POWER_HR_PACE", interval_display="POWER_HR_PACE",
            pace_units="NONE",
        )
    elif sport in _RUNS:
        base.update(
            threshold_pace=3.7, pace_units="MINS_KM", pace_load_type="RUN",
            gap_model="STRAVA_RUN",
            pace_zones=[77.5, 87.7, 94.3, 100.0, 103.4, 111.5, 999.0],
            pace_zone_names=["Zone 1", "Zone 2", "Zone 3", "Zone 4", "Zone 5a", "Zone 5b",
                             "Zone 5c"],
            load_order="PACE_HR_POWER", tiz_order="PACE_HR_POWER",
            workout_order="PACE_HR_POWER", interval_display="PACE_HR_POWER",
            best_effort_distances=list(_BEST_EFFORTS["run"]),
        )
    elif sport in _SWIMS:
        base.update(
            threshold_pace=1.2, pace_units="SECS_100M", pace_load_type="SWIM",
            pace_zones=[80.0, 90.0, 95.0, 100.0, 105.0, 999.0],
            load_order="PACE_HR_POWER", tiz_order="PACE_HR_POWER",
            best_effort_distances=list(_BEST_EFFORTS["swim"]),
        )
    else:
        base.update(load_order="HR_POWER_PACE", tiz_order="HR_POWER_PACE")
    return base


def find_settings(store: AthleteStore, key: str) -> dict[str, Any]:
    """By numeric id, or by activity type (case-insensitive)."""
    if key.isdigit():
        found = store.sport_settings.get(int(key))
    else:
        found = next((s for s in sorted(store.sport_settings.values(), key=lambda s: s["id"])
                      if key.lower() in {t.lower() for t in s.get("types") or []}), None)
    if found is None:
        raise ApiError(404, f"Sport settings not found: {key}")
    return found


def all_settings(store: AthleteStore) -> list[dict[str, Any]]:
    return copy.deepcopy(sorted(store.sport_settings.values(), key=lambda s: s["id"]))


def announce_settings(state: SandboxState, athlete_id: str) -> None:
    state.emit(athlete_id, "SPORT_SETTINGS_UPDATED",
               sportSettings=all_settings(state.store(athlete_id)))


def update_settings(state: SandboxState, store: AthleteStore, settings: dict[str, Any],
            body: dict[str, Any], *, recalc_hr_zones: bool) -> bool:
    validate_patch("SportSettings", body)
    types = body.get("types")
    if types is not None:
        for other in store.sport_settings.values():
            clash = set(types) & set(other.get("types") or [])
            if other is not settings and clash:
                raise ApiError(422, f"Sport settings already exist for {sorted(clash)[0]}")
    changed = apply_patch("SportSettings", settings,
                          {k: v for k, v in body.items() if k not in _PROTECTED})
    if recalc_hr_zones and settings.get("lthr") and settings.get("max_hr"):
        zones = hr_zones_for(int(settings["lthr"]), int(settings["max_hr"]))
        if zones != settings.get("hr_zones"):
            settings["hr_zones"] = zones
            changed.append("hr_zones")
    if changed:
        settings["updated"] = state.now_stamp()
    return bool(changed)


def best_effort_defaults(settings: dict[str, Any]) -> list[float]:
    if settings.get("best_effort_distances"):
        return list(settings["best_effort_distances"])
    types = set(settings.get("types") or [])
    if types & _RUNS:
        return list(_BEST_EFFORTS["run"])
    if types & _SWIMS:
        return list(_BEST_EFFORTS["swim"])
    return list(_BEST_EFFORTS["other"])


def create_settings(state: SandboxState, athlete_id: str, body: dict[str, Any]) -> (
    dict[str, Any]
):
    """New settings for ``types`` (defaults for the first type, then the body's values)."""
    store = state.store(athlete_id)
    validate_patch("SportSettings", body)
    types = body.get("types") or []
    if not types:
        raise ApiError(422, "types is required: the activity types these settings are for")
    for other in store.sport_settings.values():
        clash = set(types) & set(other.get("types") or [])
        if clash:
            raise ApiError(422, f"Sport settings already exist for {sorted(clash)[0]}")
    now = state.now_stamp()
    settings = {"id": state.new_id("sport-settings", store.sport_settings),
                "athlete_id": athlete_id, **default_settings(str(types[0])),
                "created": now, "updated": now}
    apply_patch("SportSettings", settings, {k: v for k, v in body.items() if k not in _PROTECTED})
    store.sport_settings[settings["id"]] = settings
    announce_settings(state, athlete_id)
    return settings
