"""Gear as the platform keeps it (API-NOTES §4.12): gear and components, reminders whose
usage (distance, time, activities, days since the last reset) is computed when shown, and
stats recalculated from the activities that used the gear directly or, for a component,
through the gear it is fitted to (activities after retirement do not count).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.state import AthleteStore, SandboxState

__all__ = ["find_gear", "find_reminder", "gear_json", "gear_stats", "new_gear_id",
           "reminder_json"]


def find_gear(store: AthleteStore, gear_id: str) -> dict[str, Any]:
    gear = store.gear.get(gear_id)
    if gear is None:
        raise ApiError(404, f"Gear not found: {gear_id}")
    return gear


def find_reminder(gear: dict[str, Any], reminder_id: str) -> dict[str, Any]:
    try:
        wanted = int(reminder_id)
    except ValueError:
        raise ApiError(422, f"Invalid reminder id: {reminder_id}") from None
    reminders: list[dict[str, Any]] = gear.get("reminders") or []
    for reminder in reminders:
        if reminder.get("id") == wanted:
            return reminder
    raise ApiError(404, f"Reminder not found: {reminder_id}")


def new_gear_id(state: SandboxState, store: AthleteStore) -> str:
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
