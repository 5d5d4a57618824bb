"""Sport settings routes (API-NOTES §4.13). ``{id}`` in the path is the settings' numeric id
or an activity type (``Ride``, ``Run``...), except for DELETE, which takes the id. The rules
are in :mod:`intervals_icu.sandbox.platform.sport_settings`.
"""

from __future__ import annotations

import copy
from typing import Any

from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.sport_settings import (
    PACE_DISTANCES,
    all_settings,
    announce_settings,
    best_effort_defaults,
    create_settings,
    find_settings,
    update_settings,
)
from intervals_icu.sandbox.state import AthleteStore

# Pace curve distances in meters (the platform's list for the pace curve).


@handles("listSettings")
def list_settings(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store("athleteId")
    return all_settings(store)


@handles("getSettings_1")
def get_settings(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store("athleteId")
    return copy.deepcopy(find_settings(store, ctx.params["id"]))


@handles("createSettings")
def create_settings_route(ctx: Ctx) -> Any:
    athlete_id, _store = ctx.store("athleteId")
    return copy.deepcopy(create_settings(ctx.state, athlete_id, ctx.json_object()))


@handles("updateSettings")
def update_one(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store("athleteId")
    settings = find_settings(store, ctx.params["id"])
    ctx.q_required("recalcHrZones")
    if update_settings(ctx.state, store, settings, ctx.json_object(),
                       recalc_hr_zones=ctx.q_bool("recalcHrZones")):
        announce_settings(ctx.state, athlete_id)
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
        targets.append((find_settings(store, str(key)), item))
    changed = False
    for settings, item in targets:
        changed |= update_settings(ctx.state, store, settings, item, recalc_hr_zones=recalc)
    if changed:
        announce_settings(ctx.state, athlete_id)
    return copy.deepcopy([settings for settings, _ in targets])


@handles("deleteSettings")
def delete_settings(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store("athleteId")
    key = ctx.params["id"]
    if not key.isdigit():
        raise ApiError(422, f"Invalid sport settings id: {key} (DELETE takes the numeric id)")
    settings = find_settings(store, key)
    del store.sport_settings[settings["id"]]
    announce_settings(ctx.state, athlete_id)
    return {"id": settings["id"]}


@handles("applyToActivities")
def apply_to_activities(ctx: Ctx) -> Any:
    """Accepted; the platform re-zones matching activities in the background."""
    _athlete_id, store = ctx.store("athleteId")
    settings = find_settings(store, ctx.params["id"])
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
    settings = find_settings(store, ctx.params["id"])
    return [{k: a.get(k) for k in ("id", "start_date_local", "type", "name")
             if a.get(k) is not None} for a in _matching(store, settings)]


@handles("listPaceDistancesForSport")
def pace_distances_for_sport(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store("athleteId")
    settings = find_settings(store, ctx.params["id"])
    return {"distances": list(PACE_DISTANCES), "defaults": best_effort_defaults(settings)}


@handles("listPaceDistances")
def pace_distances(ctx: Ctx) -> Any:
    return {"distances": list(PACE_DISTANCES)}
