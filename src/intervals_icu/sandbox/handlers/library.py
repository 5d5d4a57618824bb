"""Workout library routes: folders and plans with their workouts, tags, sharing, file import,
workout file conversion, and applying plan changes to the calendar (API-NOTES §4.11); the
rules are in :mod:`intervals_icu.sandbox.platform.library`."""

from __future__ import annotations

import copy
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
from intervals_icu.sandbox.platform.library import (
    FOLDER_PROTECTED,
    apply_plan_changes,
    children,
    create_folder,
    delete_folder,
    delete_workout,
    find_folder,
    find_workout,
    folder_json,
    folder_shares,
    write_workout,
)
from intervals_icu.sandbox.platform.planned_workouts import (
    check_name,
    ftp_for,
)
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.platform.workout_doc import doc_to_text
from intervals_icu.sandbox.state import SandboxState


def _int_param(ctx: Ctx, name: str) -> int:
    try:
        return int(ctx.params[name])
    except ValueError:
        raise ApiError(422, f"Invalid value for '{name}': {ctx.params[name]}") from None


# -- folders ------------------------------------------------------------------------------------


@handles("listFolders")
def list_folders(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return [folder_json(store, f) for f in sorted(store.folders.values(), key=lambda f: f["id"])]


@handles("createFolder")
def create_folder_route(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    folder = create_folder(ctx.state, athlete_id, ctx.json_object())
    return folder_json(store, folder)


@handles("updateFolder")
def update_folder(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    folder = find_folder(store, _int_param(ctx, "folderId"))
    body = ctx.json_object()
    validate_patch("Folder", body)
    check_name(body)
    apply_patch("Folder", folder, {k: v for k, v in body.items() if k not in FOLDER_PROTECTED})
    return folder_json(store, folder)


@handles("deleteFolder")
def delete_folder_route(ctx: Ctx) -> Any:
    """Deletes the folder or plan and every workout in it."""
    _athlete_id, store = ctx.store()
    folder = find_folder(store, _int_param(ctx, "folderId"))
    return {"id": folder["id"], "workoutsDeleted": delete_folder(store, folder)}


def _shared_with_json(state: SandboxState, athlete_id: str, can_edit: bool) -> dict[str, Any]:
    profile = state.accounts[athlete_id].profile
    out = {k: profile.get(k) for k in ("name", "city", "state", "country", "timezone", "sex",
                                       "bio", "website", "email")}
    out = {k: v for k, v in out.items() if v is not None}
    return {"id": athlete_id, **out, "canEdit": can_edit}


@handles("listFolderSharedWith")
def list_shared_with(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    folder = find_folder(store, _int_param(ctx, "folderId"))
    shares = folder_shares(store).get(folder["id"], {})
    return [_shared_with_json(ctx.state, a, e) for a, e in sorted(shares.items())]


@handles("updateFolderSharedWith")
def update_shared_with(ctx: Ctx) -> Any:
    """The body is the folder's new share list (athletes left out are removed) — the sandbox's
    reading of "add/remove athletes from the share list" (UNCERTAIN, docs/sandbox.md)."""
    _athlete_id, store = ctx.store()
    folder = find_folder(store, _int_param(ctx, "folderId"))
    shares: dict[str, bool] = {}
    for item in ctx.json_list():
        if not isinstance(item, dict) or not item.get("id"):
            raise ApiError(422, "Each share needs the athlete's id")
        athlete = str(item["id"])
        if athlete not in ctx.state.accounts:
            raise ApiError(404, f"Athlete not found: {athlete}")
        shares[athlete] = bool(item.get("canEdit"))
    folder_shares(store)[folder["id"]] = shares
    return [_shared_with_json(ctx.state, a, e) for a, e in sorted(shares.items())]


@handles("updatePlanWorkouts")
def update_plan_workouts(ctx: Ctx) -> Any:
    """Workouts on days ``oldest..newest`` of the plan; only ``hide_from_athlete`` changes."""
    _athlete_id, store = ctx.store()
    folder = find_folder(store, _int_param(ctx, "folderId"))
    oldest = ctx.q_int("oldest")
    newest = ctx.q_int("newest")
    if oldest is None or newest is None:
        raise ApiError(422, "Required request parameters 'oldest' and 'newest' (plan days) "
                            "are not present")
    body = ctx.json_object()
    validate_patch("Workout", body)
    patch = {k: body[k] for k in ("hide_from_athlete",) if k in body}
    rows = [w for w in children(store, folder["id"])
            if oldest <= int(w.get("day") or 0) <= newest]
    for workout in rows:
        if apply_patch("Workout", workout, patch):
            workout["updated"] = ctx.state.now_stamp()
    return copy.deepcopy(rows)


@handles("importWorkoutFile")
def import_workout(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    folder = find_folder(store, _int_param(ctx, "folderId"))
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
    return copy.deepcopy(find_workout(store, _int_param(ctx, "workoutId")))


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
        find_folder(store, int(item["folder_id"]))
    batch = ctx.state.new_id("workout-batch", ())
    return copy.deepcopy([write_workout(ctx.state, athlete_id, item, batch=batch)[0]
                          for item in items])


@handles("updateWorkout")
def update_workout(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    workout = find_workout(store, _int_param(ctx, "workoutId"))
    workout, _ = write_workout(ctx.state, athlete_id, ctx.json_object(), existing=workout)
    return copy.deepcopy(workout)


@handles("deleteWorkout")
def delete_workout_route(ctx: Ctx) -> Any:
    """Returns the ids deleted; ``others=true`` also deletes the workouts added with it."""
    _athlete_id, store = ctx.store()
    workout = find_workout(store, _int_param(ctx, "workoutId"))
    return delete_workout(store, workout, others=ctx.q_bool("others"))


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
    sources = [find_workout(store, int(i)) for i in ids]
    batch = ctx.state.new_id("workout-batch", ())
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
def apply_plan_changes_route(ctx: Ctx) -> Any:
    athlete_id, _store = ctx.store()
    return apply_plan_changes(ctx.state, athlete_id, ctx.principal)
