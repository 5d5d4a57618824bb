"""Gear and components: CRUD, reminders, replace (retire + copy), and stats recalculated from
the athlete's activities that used the gear (API-NOTES §4.12)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.context import Ctx, Reply, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import apply_patch, to_csv, validate_patch
from intervals_icu.sandbox.state import AthleteStore, SandboxState

GEAR_CSV_COLUMNS = ["id", "type", "name", "purchased", "retired", "distance", "time",
                    "activities", "component", "notes"]
_PROTECTED = ("id", "athlete_id", "reminders")
_REMINDER_PROTECTED = ("id", "gear_id", "percent_used", "distance_used", "time_used",
                       "activities_used", "days_used", "last_reset", "snoozed_until")


def _gear(store: AthleteStore, gear_id: str) -> dict[str, Any]:
    gear = store.gear.get(gear_id)
    if gear is None:
        raise ApiError(404, f"Gear not found: {gear_id}")
    return gear


def _reminder(gear: dict[str, Any], reminder_id: str) -> dict[str, Any]:
    try:
        wanted = int(reminder_id)
    except ValueError:
        raise ApiError(422, f"Invalid reminder id: {reminder_id}") from None
    reminders: list[dict[str, Any]] = gear.get("reminders") or []
    for reminder in reminders:
        if reminder.get("id") == wanted:
            return reminder
    raise ApiError(404, f"Reminder not found: {reminder_id}")


def _new_gear_id(state: SandboxState, store: AthleteStore) -> str:
    while True:
        candidate = f"g{state.next_id('gear', start=10_000)}"
        if candidate not in store.gear:
            return candidate


def _days_since(state: SandboxState, text: Any) -> int | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return max(0, (state.now() - moment).days)


def reminder_json(state: SandboxState, gear: dict[str, Any],
                  reminder: dict[str, Any]) -> dict[str, Any]:
    """A reminder with its usage since the last reset (computed, as the platform shows it)."""
    out = copy.deepcopy(reminder)
    distance_used = float(gear.get("distance") or 0) - float(reminder.get("starting_distance")
                                                             or 0)
    time_used = float(gear.get("time") or 0) - float(reminder.get("starting_time") or 0)
    activities_used = int(gear.get("activities") or 0) - int(
        reminder.get("starting_activities") or 0)
    days_used = _days_since(state, reminder.get("last_reset"))
    out.update(distance_used=round(distance_used, 1), time_used=round(time_used),
               activities_used=activities_used)
    if days_used is not None:
        out["days_used"] = days_used
    ratios = []
    for used, limit in ((distance_used, reminder.get("distance")),
                        (time_used, reminder.get("time")),
                        (activities_used, reminder.get("activities")),
                        (days_used, reminder.get("days"))):
        if limit and used is not None:
            ratios.append(float(used) / float(limit) * 100)
    if ratios:
        out["percent_used"] = round(max(ratios), 1)
    return out


def gear_json(state: SandboxState, gear: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(gear)
    out["reminders"] = [reminder_json(state, gear, r) for r in gear.get("reminders") or []]
    return out


def gear_stats(store: AthleteStore, gear_id: str) -> dict[str, Any]:
    """Totals of the activities that used the gear: directly, or (for a component) through
    the gear it is fitted to; activities after the gear was retired do not count."""
    gear = store.gear[gear_id]
    carriers = {gear_id} | {
        other_id for other_id, other in store.gear.items()
        if gear_id in (other.get("component_ids") or [])
    }
    retired = str(gear.get("retired") or "")[:10] or None
    distance = moving = elapsed = 0.0
    count = 0
    for activity in store.activities.values():
        used = (activity.get("gear") or {}).get("id")
        if used not in carriers:
            continue
        day = str(activity.get("start_date_local") or "")[:10]
        if retired and day > retired:
            continue
        count += 1
        distance += float(activity.get("distance") or 0)
        moving += float(activity.get("moving_time") or 0)
        elapsed += float(activity.get("elapsed_time") or 0)
    return {"distance": round(distance, 1), "moving_time": moving, "elapsed_time": elapsed,
            "activities": count}


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
    gear: dict[str, Any] = {"id": _new_gear_id(ctx.state, store), "athlete_id": athlete_id,
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
    gear = _gear(store, ctx.params["gearId"])
    body = ctx.json_object()
    validate_patch("Gear", body)
    apply_patch("Gear", gear, {k: v for k, v in body.items() if k not in _PROTECTED})
    return gear_json(ctx.state, gear)


@handles("deleteGear")
def delete_gear(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    gear = _gear(store, ctx.params["gearId"])
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
    old = _gear(store, ctx.params["gearId"])
    body = ctx.json_object() if ctx.body else {}
    validate_patch("Gear", body)
    today = ctx.state.local_today(athlete_id).isoformat()
    old["retired"] = today
    new = {k: copy.deepcopy(v) for k, v in old.items()
           if k not in {"id", "retired", "reminders", "distance", "time", "activities"}}
    new.update(id=_new_gear_id(ctx.state, store), distance=0.0, time=0.0, activities=0,
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
    gear = _gear(store, ctx.params["gearId"])
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
    gear = _gear(store, ctx.params["gearId"])
    _add_reminder(ctx.state, gear, ctx.json_object())
    return gear_json(ctx.state, gear)


@handles("updateReminder")
def update_reminder(ctx: Ctx) -> Any:
    """``reset`` and ``snoozeDays`` are required: reset=true starts counting again from now;
    snoozeDays > 0 hides the reminder until then."""
    _athlete_id, store = ctx.store()
    gear = _gear(store, ctx.params["gearId"])
    reminder = _reminder(gear, ctx.params["reminderId"])
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
    gear = _gear(store, ctx.params["gearId"])
    reminder = _reminder(gear, ctx.params["reminderId"])
    gear["reminders"] = [r for r in gear.get("reminders") or [] if r is not reminder]
    return gear_json(ctx.state, gear)
