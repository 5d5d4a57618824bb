"""The workout library: folders and plans with their workouts, tags, sharing, file import,
workout file conversion, and applying plan changes to the calendar (API-NOTES §4.11)."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.formats.workout_files import (
    media_type,
    normalize_format,
    read_workout_file,
    write_workout_file,
)
from intervals_icu.sandbox.handlers.events import (
    calendar_changed,
    local_datetime_text,
    new_id,
    plan_event_fields,
    write_event,
)
from intervals_icu.sandbox.platform.planned_workouts import (
    FILE_KEYS,
    check_name,
    fill_workout_fields,
    ftp_for,
)
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.platform.workout_doc import doc_to_text
from intervals_icu.sandbox.state import AthleteStore, SandboxState

_WORKOUT_PROTECTED = ("id", "athlete_id", "updated")
_FOLDER_PROTECTED = ("id", "athlete_id", "children", "num_workouts", "canEdit",
                     "sharedWithCount", "owner", "copy_folder_id")


def _int_param(ctx: Ctx, name: str) -> int:
    try:
        return int(ctx.params[name])
    except ValueError:
        raise ApiError(422, f"Invalid value for '{name}': {ctx.params[name]}") from None


def _shares(store: AthleteStore) -> dict[int, dict[str, bool]]:
    """Folder id -> {athlete id: can edit}."""
    shares: dict[int, dict[str, bool]] = store.extra.setdefault("folder_shares", {})
    return shares


def _workout_batches(store: AthleteStore) -> dict[int, int]:
    batches: dict[int, int] = store.extra.setdefault("workout_batches", {})
    return batches


def _children(store: AthleteStore, folder_id: int) -> list[dict[str, Any]]:
    return sorted((w for w in store.workouts.values() if w.get("folder_id") == folder_id),
                  key=lambda w: (int(w.get("day") or 0), w["id"]))


def folder_json(store: AthleteStore, folder: dict[str, Any], *,
                with_children: bool = True) -> dict[str, Any]:
    children = _children(store, folder["id"])
    out = copy.deepcopy(folder)
    out["num_workouts"] = len(children)
    out["sharedWithCount"] = len(_shares(store).get(folder["id"], {}))
    out["canEdit"] = True
    if with_children:
        out["children"] = copy.deepcopy(children)
    return out


def _folder(store: AthleteStore, folder_id: int) -> dict[str, Any]:
    folder = store.folders.get(folder_id)
    if folder is None:
        raise ApiError(404, f"Folder not found: {folder_id}")
    return folder


def _workout(store: AthleteStore, workout_id: int) -> dict[str, Any]:
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
        _folder(store, int(patch["folder_id"]))
        workout_id = new_id(state, "workout", store.workouts)
        record: dict[str, Any] = {"id": workout_id, "athlete_id": athlete_id}
        apply_patch("WorkoutEx", record, {k: v for k, v in patch.items() if k not in FILE_KEYS})
        fill_workout_fields(store, record, patch, sport=record.get("type"))
        record["updated"] = state.now_stamp()
        store.workouts[workout_id] = record
        _workout_batches(store)[workout_id] = batch if batch is not None else workout_id
        return record, True
    if patch.get("folder_id") is not None:
        _folder(store, int(patch["folder_id"]))
    before = copy.deepcopy(existing)
    apply_patch("WorkoutEx", existing, {k: v for k, v in patch.items() if k not in FILE_KEYS})
    fill_workout_fields(store, existing, patch, sport=existing.get("type"))
    if existing == before:
        return existing, False
    existing["updated"] = state.now_stamp()
    return existing, True


# -- folders ------------------------------------------------------------------------------------


@handles("listFolders")
def list_folders(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return [folder_json(store, f) for f in sorted(store.folders.values(), key=lambda f: f["id"])]


@handles("createFolder")
def create_folder(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    body = ctx.json_object()
    validate_patch("CreateFolderDTO", body)
    check_name(body)
    if not body.get("name"):
        raise ApiError(422, "name is required")
    folder_id = new_id(ctx.state, "folder", store.folders)
    folder: dict[str, Any] = {"id": folder_id, "athlete_id": athlete_id, "type": "FOLDER",
                              "visibility": "PRIVATE"}
    apply_patch("Folder", folder, {k: v for k, v in body.items() if k not in _FOLDER_PROTECTED})
    store.folders[folder_id] = folder
    source_id = body.get("copy_folder_id")
    if source_id is not None:
        source = _folder(store, int(source_id))
        batch = new_id(ctx.state, "workout-batch", ())
        for workout in _children(store, source["id"]):
            clone = {k: v for k, v in copy.deepcopy(workout).items()
                     if k not in {"id", "athlete_id", "updated"}}
            clone["folder_id"] = folder_id
            write_workout(ctx.state, athlete_id, clone, batch=batch)
    return folder_json(store, folder)


@handles("updateFolder")
def update_folder(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    folder = _folder(store, _int_param(ctx, "folderId"))
    body = ctx.json_object()
    validate_patch("Folder", body)
    check_name(body)
    apply_patch("Folder", folder, {k: v for k, v in body.items() if k not in _FOLDER_PROTECTED})
    return folder_json(store, folder)


@handles("deleteFolder")
def delete_folder(ctx: Ctx) -> Any:
    """Deletes the folder or plan and every workout in it."""
    _athlete_id, store = ctx.store()
    folder = _folder(store, _int_param(ctx, "folderId"))
    doomed = [w["id"] for w in _children(store, folder["id"])]
    for workout_id in doomed:
        store.workouts.pop(workout_id, None)
        _workout_batches(store).pop(workout_id, None)
    del store.folders[folder["id"]]
    _shares(store).pop(folder["id"], None)
    return {"id": folder["id"], "workoutsDeleted": len(doomed)}


def _shared_with_json(state: SandboxState, athlete_id: str, can_edit: bool) -> dict[str, Any]:
    profile = state.accounts[athlete_id].profile
    out = {k: profile.get(k) for k in ("name", "city", "state", "country", "timezone", "sex",
                                       "bio", "website", "email")}
    out = {k: v for k, v in out.items() if v is not None}
    return {"id": athlete_id, **out, "canEdit": can_edit}


@handles("listFolderSharedWith")
def list_shared_with(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    folder = _folder(store, _int_param(ctx, "folderId"))
    shares = _shares(store).get(folder["id"], {})
    return [_shared_with_json(ctx.state, a, e) for a, e in sorted(shares.items())]


@handles("updateFolderSharedWith")
def update_shared_with(ctx: Ctx) -> Any:
    """The body is the folder's new share list (athletes left out are removed) — the sandbox's
    reading of "add/remove athletes from the share list" (UNCERTAIN, docs/sandbox.md)."""
    _athlete_id, store = ctx.store()
    folder = _folder(store, _int_param(ctx, "folderId"))
    shares: dict[str, bool] = {}
    for item in ctx.json_list():
        if not isinstance(item, dict) or not item.get("id"):
            raise ApiError(422, "Each share needs the athlete's id")
        athlete = str(item["id"])
        if athlete not in ctx.state.accounts:
            raise ApiError(404, f"Athlete not found: {athlete}")
        shares[athlete] = bool(item.get("canEdit"))
    _shares(store)[folder["id"]] = shares
    return [_shared_with_json(ctx.state, a, e) for a, e in sorted(shares.items())]


@handles("updatePlanWorkouts")
def update_plan_workouts(ctx: Ctx) -> Any:
    """Workouts on days ``oldest..newest`` of the plan; only ``hide_from_athlete`` changes."""
    _athlete_id, store = ctx.store()
    folder = _folder(store, _int_param(ctx, "folderId"))
    oldest = ctx.q_int("oldest")
    newest = ctx.q_int("newest")
    if oldest is None or newest is None:
        raise ApiError(422, "Required request parameters 'oldest' and 'newest' (plan days) "
                            "are not present")
    body = ctx.json_object()
    validate_patch("Workout", body)
    patch = {k: body[k] for k in ("hide_from_athlete",) if k in body}
    rows = [w for w in _children(store, folder["id"])
            if oldest <= int(w.get("day") or 0) <= newest]
    for workout in rows:
        if apply_patch("Workout", workout, patch):
            workout["updated"] = ctx.state.now_stamp()
    return copy.deepcopy(rows)


@handles("importWorkoutFile")
def import_workout(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    folder = _folder(store, _int_param(ctx, "folderId"))
    sport = ctx.q_required("type")
    upload = ctx.file()
    fmt = normalize_format(PurePosixPath(upload.filename).suffix)
    doc, name = read_workout_file(upload.content, fmt, ftp=ftp_for(store, sport))
    body = {"folder_id": folder["id"], "type": sport,
            "name": (name or PurePosixPath(upload.filename).stem)[:80],
            "description": doc_to_text(doc), "workout_doc": doc}
    workout, _ = write_workout(ctx.state, athlete_id, body)
    return copy.deepcopy(workout)


# -- workouts -----------------------------------------------------------------------------------


@handles("listWorkouts")
def list_workouts(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return copy.deepcopy(sorted(store.workouts.values(), key=lambda w: w["id"]))


@handles("showWorkout")
def show_workout(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return copy.deepcopy(_workout(store, _int_param(ctx, "workoutId")))


@handles("createWorkout")
def create_workout(ctx: Ctx) -> Any:
    athlete_id, _store = ctx.store()
    workout, _ = write_workout(ctx.state, athlete_id, ctx.json_object())
    return copy.deepcopy(workout)


@handles("createMultipleWorkouts")
def create_workouts(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    items = ctx.json_list()
    for item in items:
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: each workout must be an object")
        validate_patch("WorkoutEx", item)
        check_name(item)
        if item.get("folder_id") is None:
            raise ApiError(422, "folder_id is required: the folder or plan to put the "
                                "workout in")
        _folder(store, int(item["folder_id"]))
    batch = new_id(ctx.state, "workout-batch", ())
    return copy.deepcopy([write_workout(ctx.state, athlete_id, item, batch=batch)[0]
                          for item in items])


@handles("updateWorkout")
def update_workout(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    workout = _workout(store, _int_param(ctx, "workoutId"))
    workout, _ = write_workout(ctx.state, athlete_id, ctx.json_object(), existing=workout)
    return copy.deepcopy(workout)


@handles("deleteWorkout")
def delete_workout(ctx: Ctx) -> Any:
    """Returns the ids deleted; ``others=true`` also deletes the workouts added with it."""
    _athlete_id, store = ctx.store()
    workout = _workout(store, _int_param(ctx, "workoutId"))
    doomed = [workout["id"]]
    if ctx.q_bool("others"):
        batches = _workout_batches(store)
        batch = batches.get(workout["id"], workout["id"])
        doomed += [w for w, b in batches.items() if b == batch and w != workout["id"]]
    for workout_id in doomed:
        store.workouts.pop(workout_id, None)
        _workout_batches(store).pop(workout_id, None)
    return sorted(doomed)


@handles("duplicateWorkouts")
def duplicate_workouts(ctx: Ctx) -> Any:
    """Copies of plan workouts, ``weeksBetween`` weeks apart (their ``day`` moves on)."""
    athlete_id, store = ctx.store()
    body = ctx.json_object()
    validate_patch("DuplicateWorkoutsDTO", body)
    ids = body.get("workoutIds") or []
    if not ids:
        raise ApiError(422, "workoutIds is required")
    copies = int(body.get("numCopies") or 1)
    weeks = int(body.get("weeksBetween") or 1)
    sources = [_workout(store, int(i)) for i in ids]
    batch = new_id(ctx.state, "workout-batch", ())
    created = []
    for n in range(1, copies + 1):
        for source in sources:
            clone = {k: v for k, v in copy.deepcopy(source).items()
                     if k not in {"id", "athlete_id", "updated"}}
            clone["day"] = int(source.get("day") or 0) + 7 * weeks * n
            created.append(write_workout(ctx.state, athlete_id, clone, batch=batch)[0])
    return copy.deepcopy(created)


@handles("listTags")
def list_tags(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return sorted({t for w in store.workouts.values() for t in (w.get("tags") or [])})


# -- conversions --------------------------------------------------------------------------------


def _convert(ctx: Ctx, athlete_id: str) -> Reply:
    fmt = normalize_format(ctx.params.get("ext"))
    body = ctx.json_object()
    doc = body.get("workout_doc")
    if not isinstance(doc, dict) or not doc.get("steps"):
        # The platform fails with a server error here (API-NOTES §4.11, NODE-AUDIT).
        raise ApiError(500, "java.lang.NullPointerException: Cannot invoke "
                            "\"WorkoutDoc.getSteps()\" because \"workout_doc\" is null")
    store = ctx.state.store(athlete_id)
    sport = body.get("type")
    name = str(body.get("name") or "workout")
    data = write_workout_file(doc, fmt, name=name, description=str(body.get("description") or ""),
                              sport=sport, ftp=ftp_for(store, sport))
    safe = "".join(c for c in name if c.isalnum() or c in "-_ ").strip().replace(" ", "_")
    return Reply(data, media_type=media_type(fmt),
                 headers={"Content-Disposition": f'attachment; filename="{safe or "workout"}'
                                                 f'.{fmt}"'})


@handles("downloadWorkoutForAthlete")
def convert_for_athlete(ctx: Ctx) -> Any:
    return _convert(ctx, ctx.athlete())


@handles("downloadWorkout")
def convert_for_caller(ctx: Ctx) -> Any:
    """No athlete in the path: the caller (the bearer token's athlete)."""
    return _convert(ctx, ctx.principal.athlete_id)


# -- plan changes -------------------------------------------------------------------------------


@handles("applyCurrentPlanChanges")
def apply_plan_changes(ctx: Ctx) -> Any:
    """Bring the calendar's events of the athlete's current plan in line with the plan's
    workouts: changed workouts update their events, new ones are added."""
    athlete_id, store = ctx.store()
    plan_id = store.training_plan.get("training_plan_id")
    if plan_id is None:
        return {"eventsCreated": 0, "eventsUpdated": 0}
    owner_id = next((a for a, s in ctx.state.stores.items() if int(plan_id) in s.folders), None)
    if owner_id is None:
        raise ApiError(404, f"Folder not found: {plan_id}")
    owner = ctx.state.store(owner_id)
    start_text = store.training_plan.get("training_plan_start_date")
    start = (ctx.state.local_today(athlete_id) if not start_text else
             date.fromisoformat(str(start_text)[:10]))
    applied = ctx.state.now_stamp()
    by_workout = {e.get("plan_workout_id"): e for e in store.events.values()
                  if e.get("plan_folder_id") == int(plan_id)}
    changed: list[dict[str, Any]] = []
    created = updated = 0
    for workout in _children(owner, int(plan_id)):
        fields = plan_event_fields(workout, start, plan_athlete_id=owner_id, applied=applied)
        existing = by_workout.get(workout["id"])
        if existing is not None:
            fields.pop("plan_applied")
            fields["start_date_local"] = local_datetime_text(fields["start_date_local"])
        event, did_change = write_event(ctx.state, athlete_id, ctx.principal, fields,
                                        existing=existing)
        if did_change:
            changed.append(event)
            if existing is None:
                created += 1
            else:
                updated += 1
    store.training_plan["training_plan_last_applied"] = applied
    calendar_changed(ctx.state, athlete_id, events=changed)
    return {"eventsCreated": created, "eventsUpdated": updated}
