"""Sport settings (thresholds and zones per sport) and a couple of custom items."""

from __future__ import annotations

from typing import Any

from intervals_icu.sandbox.generate.athletes import AthleteModel
from intervals_icu.sandbox.state import SandboxState

__all__ = ["custom_items", "hr_zones", "sport_settings"]

POWER_ZONES = [55, 75, 90, 105, 120, 150, 999]
POWER_ZONE_NAMES = ["Active Recovery", "Endurance", "Tempo", "Threshold", "VO2 Max",
                    "Anaerobic", "Neuromuscular"]
HR_ZONE_NAMES = ["Recovery", "Aerobic", "Tempo", "SubThreshold", "SuperThreshold",
                 "Aerobic Capacity", "Anaerobic"]
RUN_PACE_ZONES = [77.5, 87.7, 94.3, 100.0, 103.4, 111.5, 999.0]
SWIM_PACE_ZONES = [77.5, 87.7, 94.3, 100.0, 103.4, 111.5, 999.0]
PACE_ZONE_NAMES = ["Zone 1", "Zone 2", "Zone 3", "Zone 4", "Zone 5a", "Zone 5b", "Zone 5c"]


def hr_zones(lthr: int, max_hr: int) -> list[int]:
    """Friel's zones from LTHR, as upper bounds in bpm (the last is the max HR)."""
    return [*(round(lthr * f) for f in (0.81, 0.89, 0.93, 0.99, 1.02, 1.06)), max_hr]


def sport_settings(state: SandboxState, athlete_id: str, model: AthleteModel,
                   stamp: str) -> list[dict[str, Any]]:
    """Ride, Run, Swim and Other settings, with ids from the state's counter."""
    common = {"athlete_id": athlete_id, "created": stamp, "updated": stamp,
              "hr_zone_names": HR_ZONE_NAMES, "hr_load_type": "HRSS",
              "warmup_time": 600, "cooldown_time": 600, "other": False}
    ride = {
        **common,
        "types": ["Ride", "VirtualRide", "GravelRide", "MountainBikeRide"],
        "ftp": model.ftp, "indoor_ftp": round(model.ftp * 0.97), "w_prime": 18000 + (
            model.ftp % 7) * 1000, "p_max": round(model.ftp * 3.4),
        "power_zones": POWER_ZONES, "power_zone_names": POWER_ZONE_NAMES,
        "sweet_spot_min": 84, "sweet_spot_max": 97,
        "lthr": model.lthr, "max_hr": model.max_hr,
        "hr_zones": hr_zones(model.lthr, model.max_hr),
        "load_order": "POWER_HR_PACE", "tiz_order": "POWER_HR_PACE",
        "mmp_model": {"type": "MORTON_3P", "criticalPower": round(model.ftp * 1.03),
                      "wPrime": 18000, "pMax": round(model.ftp * 3.4), "ftp": model.ftp},
    }
    run = {
        **common,
        "types": ["Run", "VirtualRun", "TrailRun"],
        "lthr": model.run_lthr, "max_hr": model.max_hr,
        "hr_zones": hr_zones(model.run_lthr, model.max_hr),
        "threshold_pace": model.run_threshold_speed, "pace_units": "MINS_KM",
        "pace_zones": RUN_PACE_ZONES, "pace_zone_names": PACE_ZONE_NAMES,
        "pace_load_type": "RUN", "gap_model": "STRAVA_RUN",
        "load_order": "HR_PACE_POWER" if not model.run_power else "POWER_HR_PACE",
        "tiz_order": "PACE_HR_POWER",
    }
    if model.run_power:
        run.update(ftp=model.run_ftp, power_zones=POWER_ZONES,
                   power_zone_names=POWER_ZONE_NAMES)
    swim = {
        **common,
        "types": ["Swim", "OpenWaterSwim"],
        "lthr": model.lthr - 10, "max_hr": model.max_hr - 10,
        "hr_zones": hr_zones(model.lthr - 10, model.max_hr - 10),
        "threshold_pace": model.swim_threshold_speed, "pace_units": "SECS_100M",
        "pace_zones": SWIM_PACE_ZONES, "pace_zone_names": PACE_ZONE_NAMES,
        "pace_load_type": "SWIM", "load_order": "PACE_HR_POWER", "tiz_order": "PACE_HR_POWER",
    }
    other = {
        **common,
        "types": ["WeightTraining", "Walk", "Hike", "Workout", "Yoga"],
        "lthr": model.lthr, "max_hr": model.max_hr,
        "hr_zones": hr_zones(model.lthr, model.max_hr),
        "load_order": "HR_POWER_PACE", "tiz_order": "HR_POWER_PACE", "other": True,
    }
    result = []
    for settings in (ride, run, swim, other):
        result.append({"id": state.next_id("sport_settings"), **settings})
    return result


def settings_for(sport: str, settings: list[dict[str, Any]]) -> dict[str, Any] | None:
    for item in settings:
        if sport in item.get("types", []):
            return item
    return next((s for s in settings if s.get("other")), None)


def custom_items(state: SandboxState, athlete_id: str, stamp: str) -> list[dict[str, Any]]:
    """A wellness input field and a fitness chart, as athletes commonly add."""
    return [
        {
            "id": state.next_id("custom_item"), "athlete_id": athlete_id,
            "type": "INPUT_FIELD", "visibility": "PRIVATE", "name": "Caffeine",
            "description": "Caffeine taken today (mg)", "index": 0, "updated": stamp,
            "content": {"code": "Caffeine", "type": "numeric", "unit": "mg", "min": 0,
                        "max": 1000},
        },
        {
            "id": state.next_id("custom_item"), "athlete_id": athlete_id,
            "type": "FITNESS_CHART", "visibility": "PRIVATE", "name": "Load by sport",
            "description": "Weekly training load split by sport", "index": 1,
            "updated": stamp,
            "content": {"type": "bar", "period": "week", "field": "icu_training_load",
                        "groupBy": "type"},
        },
    ]
