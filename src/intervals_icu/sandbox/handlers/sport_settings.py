"""Sport settings: per-sport thresholds and zones (API-NOTES §4.13).

``{id}`` in the path is the settings' numeric id or an activity type (``Ride``, ``Run``...),
except for DELETE, which takes the id. Every change emits SPORT_SETTINGS_UPDATED with every
sport's full settings (the platform sends all of them, not a diff; API-NOTES §5.3).
"""

from __future__ import annotations

import copy
from typing import Any

from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.state import AthleteStore, SandboxState

__all__ = ["default_settings", "hr_zones_for"]

_RIDES = {"Ride", "VirtualRide", "GravelRide", "MountainBikeRide", "TrackRide", "Cyclocross",
          "EBikeRide", "EMountainBikeRide", "Handcycle", "Velomobile"}
_RUNS = {"Run", "VirtualRun", "TrailRun"}
_SWIMS = {"Swim", "OpenWaterSwim"}
_PROTECTED = ("id", "athlete_id", "created", "updated")
_HR_ZONE_PERCENT_OF_LTHR = (81, 89, 93, 99, 102, 106)

# Pace curve distances in meters (the platform's list for the pace curve).
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


def _find(store: AthleteStore, key: str) -> dict[str, Any]:
    """By numeric id, or by activity type (case-insensitive)."""
    if key.isdigit():
        found = store.sport_settings.get(int(key))
    else:
        found = next((s for s in sorted(store.sport_settings.values(), key=lambda s: s["id"])
                      if key.lower() in {t.lower() for t in s.get("types") or []}), None)
    if found is None:
        raise ApiError(404, f"Sport settings not found: {key}")
    return found


def _all(store: AthleteStore) -> list[dict[str, Any]]:
    return copy.deepcopy(sorted(store.sport_settings.values(), key=lambda s: s["id"]))


def _changed(state: SandboxState, athlete_id: str) -> None:
    state.emit(athlete_id, "SPORT_SETTINGS_UPDATED",
               sportSettings=_all(state.store(athlete_id)))


def _update(state: SandboxState, store: AthleteStore, settings: dict[str, Any],
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


@handles("listSettings")
def list_settings(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store("athleteId")
    return _all(store)


@handles("getSettings_1")
def get_settings(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store("athleteId")
    return copy.deepcopy(_find(store, ctx.params["id"]))


@handles("createSettings")
def create_settings(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store("athleteId")
    body = ctx.json_object()
    validate_patch("SportSettings", body)
    types = body.get("types") or []
    if not types:
        raise ApiError(422, "types is required: the activity types these settings are for")
    for other in store.sport_settings.values():
        clash = set(types) & set(other.get("types") or [])
        if clash:
            raise ApiError(422, f"Sport settings already exist for {sorted(clash)[0]}")
    now = ctx.state.now_stamp()
    settings = {"id": ctx.state.new_id("sport-settings", store.sport_settings),
                "athlete_id": athlete_id, **default_settings(str(types[0])),
                "created": now, "updated": now}
    apply_patch("SportSettings", settings, {k: v for k, v in body.items() if k not in _PROTECTED})
    store.sport_settings[settings["id"]] = settings
    _changed(ctx.state, athlete_id)
    return copy.deepcopy(settings)


@handles("updateSettings")
def update_settings(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store("athleteId")
    settings = _find(store, ctx.params["id"])
    ctx.q_required("recalcHrZones")
    if _update(ctx.state, store, settings, ctx.json_object(),
               recalc_hr_zones=ctx.q_bool("recalcHrZones")):
        _changed(ctx.state, athlete_id)
    return copy.deepcopy(settings)


@handles("updateSettingsMulti")
def update_settings_multi(ctx: Ctx) -> Any:
    """Each item names its settings by ``id`` (or by its first type)."""
    athlete_id, store = ctx.store("athleteId")
    ctx.q_required("recalcHrZones")
    recalc = ctx.q_bool("recalcHrZones")
    items = ctx.json_list()
    targets = []
    for item in items:
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: each item must be an object")
        key = item.get("id") or (item.get("types") or [None])[0]
        if key is None:
            raise ApiError(422, "Each sport settings item needs its id (or types)")
        targets.append((_find(store, str(key)), item))
    changed = False
    for settings, item in targets:
        changed |= _update(ctx.state, store, settings, item, recalc_hr_zones=recalc)
    if changed:
        _changed(ctx.state, athlete_id)
    return copy.deepcopy([settings for settings, _ in targets])


@handles("deleteSettings")
def delete_settings(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store("athleteId")
    key = ctx.params["id"]
    if not key.isdigit():
        raise ApiError(422, f"Invalid sport settings id: {key} (DELETE takes the numeric id)")
    settings = _find(store, key)
    del store.sport_settings[settings["id"]]
    _changed(ctx.state, athlete_id)
    return {"id": settings["id"]}


@handles("applyToActivities")
def apply_to_activities(ctx: Ctx) -> Any:
    """Accepted; the platform re-zones matching activities in the background."""
    _athlete_id, store = ctx.store("athleteId")
    settings = _find(store, ctx.params["id"])
    return {"id": settings["id"], "activities": len(_matching(store, settings))}


def _matching(store: AthleteStore, settings: dict[str, Any]) -> list[dict[str, Any]]:
    types = set(settings.get("types") or [])
    return sorted(
        (a for a in store.activities.values() if a.get("type") in types),
        key=lambda a: str(a.get("start_date_local") or ""), reverse=True,
    )


@handles("listMatchingActivities")
def matching_activities(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store("athleteId")
    settings = _find(store, ctx.params["id"])
    return [{k: a.get(k) for k in ("id", "start_date_local", "type", "name")
             if a.get(k) is not None} for a in _matching(store, settings)]


def _best_effort_defaults(settings: dict[str, Any]) -> list[float]:
    if settings.get("best_effort_distances"):
        return list(settings["best_effort_distances"])
    types = set(settings.get("types") or [])
    if types & _RUNS:
        return list(_BEST_EFFORTS["run"])
    if types & _SWIMS:
        return list(_BEST_EFFORTS["swim"])
    return list(_BEST_EFFORTS["other"])


@handles("listPaceDistancesForSport")
def pace_distances_for_sport(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store("athleteId")
    settings = _find(store, ctx.params["id"])
    return {"distances": list(PACE_DISTANCES), "defaults": _best_effort_defaults(settings)}


@handles("listPaceDistances")
def pace_distances(ctx: Ctx) -> Any:
    return {"distances": list(PACE_DISTANCES)}
