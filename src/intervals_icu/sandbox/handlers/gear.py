"""Gear routes: gear and components, reminders, replace (retire + copy), and stats (API-NOTES
§4.12). The rules are in :mod:`intervals_icu.sandbox.platform.gear` (``gear_json`` is
importable from here too: old import path)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.context import Ctx, Reply, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.gear import (
    find_gear,
    find_reminder,
    gear_json,
    gear_stats,
    new_gear_id,
)
from intervals_icu.sandbox.platform.records import apply_patch, to_csv, validate_patch
from intervals_icu.sandbox.state import SandboxState

__all__ = ["gear_json"]  # old import path of platform.gear.gear_json

GEAR_CSV_COLUMNS = ["id", "type", "name", "purchased", "retired", "distance", "time",
                    "activities", "component", "notes"]
_PROTECTED = ("id", "athlete_id", "reminders")
_REMINDER_PROTECTED = ("id", "gear_id", "percent_used", "distance_used", "time_used",
                       "activities_used", "days_used", "last_reset", "snoozed_until")


@handles("listGear")
def list_gear(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    rows = [gear_json(ctx.state, g) for g in sorted(store.gear.values(), key=lambda g: g["id"])]
    if ctx.wants_csv:
        return Reply(to_csv(rows, GEAR_CSV_COLUMNS), media_type="text/csv")
    return rows


@handles("createGear")
def create_gear(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    body = ctx.json_object()
    validate_patch("Gear", body)
    if not body.get("type"):
        raise ApiError(422, "type is required (Bike, Shoes, Chain, ...)")
    gear: dict[str, Any] = {"id": new_gear_id(ctx.state, store), "athlete_id": athlete_id,
                            "distance": 0.0, "time": 0.0, "activities": 0, "retired": None,
                            "reminders": [], "component": False}
    apply_patch("Gear", gear, {k: v for k, v in body.items() if k not in _PROTECTED})
    for item in body.get("reminders") or []:
        _add_reminder(ctx.state, gear, item)
    gear = {k: v for k, v in gear.items() if v is not None}
    store.gear[gear["id"]] = gear
    return gear_json(ctx.state, gear)


@handles("updateGear")
def update_gear(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    gear = find_gear(store, ctx.params["gearId"])
    body = ctx.json_object()
    validate_patch("Gear", body)
    apply_patch("Gear", gear, {k: v for k, v in body.items() if k not in _PROTECTED})
    return gear_json(ctx.state, gear)


@handles("deleteGear")
def delete_gear(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    gear = find_gear(store, ctx.params["gearId"])
    del store.gear[gear["id"]]
    for other in store.gear.values():
        if gear["id"] in (other.get("component_ids") or []):
            other["component_ids"] = [c for c in other["component_ids"] if c != gear["id"]]
    return None


@handles("replaceGear")
def replace_gear(ctx: Ctx) -> Any:
    """Retire the component and add a copy with the same reminders (reset) in its place;
    returns ``[retired, replacement]``. Body fields override the copy's (e.g. a new name)."""
    athlete_id, store = ctx.store()
    old = find_gear(store, ctx.params["gearId"])
    body = ctx.json_object() if ctx.body else {}
    validate_patch("Gear", body)
    today = ctx.state.local_today(athlete_id).isoformat()
    old["retired"] = today
    new = {k: copy.deepcopy(v) for k, v in old.items()
           if k not in {"id", "retired", "reminders", "distance", "time", "activities"}}
    new.update(id=new_gear_id(ctx.state, store), distance=0.0, time=0.0, activities=0,
               purchased=today, reminders=[])
    apply_patch("Gear", new, {k: v for k, v in body.items() if k not in _PROTECTED})
    for reminder in old.get("reminders") or []:
        _add_reminder(ctx.state, new, {k: v for k, v in reminder.items()
                                       if k not in _REMINDER_PROTECTED})
    store.gear[new["id"]] = new
    for other in store.gear.values():
        ids = other.get("component_ids") or []
        if old["id"] in ids:
            other["component_ids"] = [new["id"] if c == old["id"] else c for c in ids]
    return [gear_json(ctx.state, old), gear_json(ctx.state, new)]


@handles("calcDistanceEtc")
def calc(ctx: Ctx) -> Any:
    """Recalculate from the activities and store the totals on the gear."""
    _athlete_id, store = ctx.store()
    gear = find_gear(store, ctx.params["gearId"])
    stats = gear_stats(store, gear["id"])
    gear["distance"] = stats["distance"]
    gear["time"] = stats["elapsed_time"] if gear.get("use_elapsed_time") else stats["moving_time"]
    gear["activities"] = stats["activities"]
    return stats


# -- reminders ----------------------------------------------------------------------------------


def _add_reminder(state: SandboxState, gear: dict[str, Any], body: dict[str, Any]) -> (
    dict[str, Any]
):
    validate_patch("GearReminder", body)
    reminder: dict[str, Any] = {
        "id": state.next_id("gear-reminder", start=1),
        "gear_id": gear["id"],
        "last_reset": state.now_stamp(),
        "starting_distance": float(gear.get("distance") or 0),
        "starting_time": float(gear.get("time") or 0),
        "starting_activities": int(gear.get("activities") or 0),
    }
    apply_patch("GearReminder", reminder,
                {k: v for k, v in body.items() if k not in _REMINDER_PROTECTED})
    gear.setdefault("reminders", []).append(reminder)
    return reminder


@handles("createReminder")
def create_reminder(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    gear = find_gear(store, ctx.params["gearId"])
    _add_reminder(ctx.state, gear, ctx.json_object())
    return gear_json(ctx.state, gear)


@handles("updateReminder")
def update_reminder(ctx: Ctx) -> Any:
    """``reset`` and ``snoozeDays`` are required: reset=true starts counting again from now;
    snoozeDays > 0 hides the reminder until then."""
    _athlete_id, store = ctx.store()
    gear = find_gear(store, ctx.params["gearId"])
    reminder = find_reminder(gear, ctx.params["reminderId"])
    ctx.q_required("reset")
    reset = ctx.q_bool("reset")
    snooze = ctx.q_int("snoozeDays")
    if snooze is None:
        raise ApiError(422, "Required request parameter 'snoozeDays' is not present")
    body = ctx.json_object() if ctx.body else {}
    validate_patch("GearReminder", body)
    apply_patch("GearReminder", reminder,
                {k: v for k, v in body.items() if k not in _REMINDER_PROTECTED})
    if reset:
        reminder.update(last_reset=ctx.state.now_stamp(),
                        starting_distance=float(gear.get("distance") or 0),
                        starting_time=float(gear.get("time") or 0),
                        starting_activities=int(gear.get("activities") or 0))
        reminder.pop("snoozed_until", None)
    if snooze > 0:
        reminder["snoozed_until"] = stamp(ctx.state.now() + timedelta(days=snooze))
    return gear_json(ctx.state, gear)


@handles("deleteReminder")
def delete_reminder(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    gear = find_gear(store, ctx.params["gearId"])
    reminder = find_reminder(gear, ctx.params["reminderId"])
    gear["reminders"] = [r for r in gear.get("reminders") or [] if r is not reminder]
    return gear_json(ctx.state, gear)
