"""The workout library as the platform keeps it (API-NOTES §4.11): folders and plans hold
workouts; ``write_workout`` is the one place workouts are written (names checked, the
workout document, load and time computed, ``updated`` stamped on every change); deleting a
folder deletes its workouts; workouts added by one call form a batch that ``others=true``
deletes together; applying plan changes brings the calendar in line with the plan.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.calendar import (
    calendar_changed,
    local_datetime_text,
    plan_event_fields,
    write_event,
)
from intervals_icu.sandbox.platform.planned_workouts import (
    FILE_KEYS,
    check_name,
    fill_workout_fields,
)
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.state import AthleteStore, Principal, SandboxState

__all__ = [
    "FOLDER_PROTECTED",
    "apply_plan_changes",
    "children",
    "create_folder",
    "delete_folder",
    "delete_workout",
    "find_folder",
    "find_workout",
    "folder_json",
    "folder_shares",
    "workout_batches",
    "write_workout",
]


_WORKOUT_PROTECTED = ("id", "athlete_id", "updated")


FOLDER_PROTECTED = ("id", "athlete_id", "children", "num_workouts", "canEdit",
                     "sharedWithCount", "owner", "copy_folder_id")


def folder_shares(store: AthleteStore) -> dict[int, dict[str, bool]]:
    """Folder id -> {athlete id: can edit}."""
    shares: dict[int, dict[str, bool]] = store.extra.setdefault("folder_shares", {})
    return shares


def workout_batches(store: AthleteStore) -> dict[int, int]:
    batches: dict[int, int] = store.extra.setdefault("workout_batches", {})
    return batches


def children(store: AthleteStore, folder_id: int) -> list[dict[str, Any]]:
    """The workouts of a folder or plan, by plan day."""
    return sorted((w for w in store.workouts.values() if w.get("folder_id") == folder_id),
                  key=lambda w: (int(w.get("day") or 0), w["id"]))


def folder_json(store: AthleteStore, folder: dict[str, Any], *,
                with_children: bool = True) -> dict[str, Any]:
    workouts = children(store, folder["id"])
    out = copy.deepcopy(folder)
    out["num_workouts"] = len(workouts)
    out["sharedWithCount"] = len(folder_shares(store).get(folder["id"], {}))
    out["canEdit"] = True
    if with_children:
        out["children"] = copy.deepcopy(workouts)
    return out


def find_folder(store: AthleteStore, folder_id: int) -> dict[str, Any]:
    folder = store.folders.get(folder_id)
    if folder is None:
        raise ApiError(404, f"Folder not found: {folder_id}")
    return folder


def find_workout(store: AthleteStore, workout_id: int) -> dict[str, Any]:
    workout = store.workouts.get(workout_id)
    if workout is None:
        raise ApiError(404, f"Workout not found: {workout_id}")
    return workout


def write_workout(state: SandboxState, athlete_id: str, body: dict[str, Any], *,
                  existing: dict[str, Any] | None = None, batch: int | None = None) -> (
    tuple[dict[str, Any], bool]
):
    """Create or patch a library workout (the one place workouts are written)."""
    store = state.store(athlete_id)
    validate_patch("WorkoutEx", body)
    check_name(body)
    patch = {k: v for k, v in body.items() if k not in _WORKOUT_PROTECTED}
    if existing is None:
        if patch.get("folder_id") is None:
            raise ApiError(422, "folder_id is required: the folder or plan to put the "
                                "workout in")
        find_folder(store, int(patch["folder_id"]))
        workout_id = state.new_id("workout", store.workouts)
        record: dict[str, Any] = {"id": workout_id, "athlete_id": athlete_id}
        apply_patch("WorkoutEx", record, {k: v for k, v in patch.items() if k not in FILE_KEYS})
        fill_workout_fields(store, record, patch, sport=record.get("type"))
        record["updated"] = state.now_stamp()
        store.workouts[workout_id] = record
        workout_batches(store)[workout_id] = batch if batch is not None else workout_id
        return record, True
    if patch.get("folder_id") is not None:
        find_folder(store, int(patch["folder_id"]))
    before = copy.deepcopy(existing)
    apply_patch("WorkoutEx", existing, {k: v for k, v in patch.items() if k not in FILE_KEYS})
    fill_workout_fields(store, existing, patch, sport=existing.get("type"))
    if existing == before:
        return existing, False
    existing["updated"] = state.now_stamp()
    return existing, True


def create_folder(state: SandboxState, athlete_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new folder or plan; ``copy_folder_id`` copies another folder's workouts into it."""
    store = state.store(athlete_id)
    validate_patch("CreateFolderDTO", body)
    check_name(body)
    if not body.get("name"):
        raise ApiError(422, "name is required")
    folder_id = state.new_id("folder", store.folders)
    folder: dict[str, Any] = {"id": folder_id, "athlete_id": athlete_id, "type": "FOLDER",
                              "visibility": "PRIVATE"}
    apply_patch("Folder", folder, {k: v for k, v in body.items() if k not in FOLDER_PROTECTED})
    store.folders[folder_id] = folder
    source_id = body.get("copy_folder_id")
    if source_id is not None:
        source = find_folder(store, int(source_id))
        batch = state.new_id("workout-batch", ())
        for workout in children(store, source["id"]):
            clone = {k: v for k, v in copy.deepcopy(workout).items()
                     if k not in {"id", "athlete_id", "updated"}}
            clone["folder_id"] = folder_id
            write_workout(state, athlete_id, clone, batch=batch)
    return folder


def delete_folder(store: AthleteStore, folder: dict[str, Any]) -> int:
    """Delete a folder or plan with every workout in it; returns how many workouts went."""
    doomed = [w["id"] for w in children(store, folder["id"])]
    for workout_id in doomed:
        store.workouts.pop(workout_id, None)
        workout_batches(store).pop(workout_id, None)
    del store.folders[folder["id"]]
    folder_shares(store).pop(folder["id"], None)
    return len(doomed)


def delete_workout(store: AthleteStore, workout: dict[str, Any], *, others: bool) -> list[int]:
    """Delete a workout (and, with ``others``, those added by the same call); the ids."""
    doomed = [workout["id"]]
    if others:
        batches = workout_batches(store)
        batch = batches.get(workout["id"], workout["id"])
        doomed += [w for w, b in batches.items() if b == batch and w != workout["id"]]
    for workout_id in doomed:
        store.workouts.pop(workout_id, None)
        workout_batches(store).pop(workout_id, None)
    return sorted(doomed)


def apply_plan_changes(state: SandboxState, athlete_id: str, principal: Principal) -> (
    dict[str, int]
):
    """Bring the calendar's events of the athlete's current plan in line with the plan's
    workouts: changed workouts update their events, new ones are added."""
    store = state.store(athlete_id)
    plan_id = store.training_plan.get("training_plan_id")
    if plan_id is None:
        return {"eventsCreated": 0, "eventsUpdated": 0}
    owner_id = next((a for a, s in state.stores.items() if int(plan_id) in s.folders), None)
    if owner_id is None:
        raise ApiError(404, f"Folder not found: {plan_id}")
    owner = state.store(owner_id)
    start_text = store.training_plan.get("training_plan_start_date")
    start = (state.local_today(athlete_id) if not start_text else
             date.fromisoformat(str(start_text)[:10]))
    applied = state.now_stamp()
    by_workout = {e.get("plan_workout_id"): e for e in store.events.values()
                  if e.get("plan_folder_id") == int(plan_id)}
    changed: list[dict[str, Any]] = []
    created = updated = 0
    for workout in children(owner, int(plan_id)):
        fields = plan_event_fields(workout, start, plan_athlete_id=owner_id, applied=applied)
        existing = by_workout.get(workout["id"])
        if existing is not None:
            fields.pop("plan_applied")
            fields["start_date_local"] = local_datetime_text(fields["start_date_local"])
        event, did_change = write_event(state, athlete_id, principal, fields, existing=existing)
        if did_change:
            changed.append(event)
            if existing is None:
                created += 1
            else:
                updated += 1
    store.training_plan["training_plan_last_applied"] = applied
    calendar_changed(state, athlete_id, events=changed)
    return {"eventsCreated": created, "eventsUpdated": updated}
