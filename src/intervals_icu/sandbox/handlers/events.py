"""Calendar event routes: planned workouts, notes, races, targets (API-NOTES §4.10).

The list's default window is today .. today+6 in the athlete's time zone (both inclusive,
by ``start_date_local``); a range delete needs ``oldest`` and ``category``; a bulk delete
takes ids or external_ids. How events are written, matched for upserts and announced is in
:mod:`intervals_icu.sandbox.platform.calendar`.
"""

from __future__ import annotations

import base64
import copy
import io
import zipfile
from datetime import date, timedelta
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles, parse_local
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.formats.workout_files import (
    media_type,
    normalize_format,
)
from intervals_icu.sandbox.platform.calendar import (
    FITNESS_MODEL_CATEGORIES,
    activity_for_event,
    calendar_changed,
    delete_events,
    event_batches,
    event_day,
    find_event,
    find_plan_folder,
    in_window,
    local_datetime_text,
    match_external,
    match_target,
    match_uid,
    plan_event_fields,
    safe_filename,
    sorted_events,
    workout_file,
    write_event,
)
from intervals_icu.sandbox.platform.planned_workouts import (
    check_name,
    ftp_for,
    resolve_targets,
    settings_for,
)
from intervals_icu.sandbox.platform.records import apply_patch, to_csv, validate_patch

EVENT_CSV_COLUMNS = [
    "id", "start_date_local", "end_date_local", "category", "type", "name", "description",
    "moving_time", "distance", "icu_training_load", "icu_intensity", "indoor", "color", "tags",
    "external_id", "uid", "updated",
]


# -- shared helpers (the library's apply-plan routes use these too) ------------------------------


def _window(ctx: Ctx, athlete_id: str) -> tuple[date, date]:
    oldest = ctx.q_date("oldest") or ctx.state.local_today(athlete_id)
    newest = ctx.q_date("newest") or oldest + timedelta(days=6)
    return oldest, newest


# -- reading ----------------------------------------------------------------------------------


@handles("listEvents")
def list_events(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    oldest, newest = _window(ctx, athlete_id)
    categories = set(ctx.q_list("category") or [])
    calendar_id = ctx.q_int("calendar_id")
    rows = [
        e for e in sorted_events(store.events.values())
        if in_window(e, oldest, newest)
        and (not categories or e.get("category") in categories)
        and (calendar_id is None or e.get("calendar_id") == calendar_id)
    ]
    limit = ctx.q_int("limit")
    if limit is not None and limit >= 0:
        rows = rows[:limit]
    if ctx.wants_csv:
        return Reply(to_csv(rows, EVENT_CSV_COLUMNS), media_type="text/csv")
    fmt = ctx.q("ext")
    resolve = ctx.q_bool("resolve")
    out = []
    for event in rows:
        item = copy.deepcopy(event)
        if fmt and item.get("workout_doc"):
            kind = normalize_format(fmt)
            fallback = f"workout_{item['id']}"
            item["workout_filename"] = f"{safe_filename(item.get('name'), fallback)}.{kind}"
            item["workout_file_base64"] = base64.b64encode(
                workout_file(store, event, kind)).decode()
        if resolve and item.get("workout_doc"):
            settings = settings_for(store, item.get("type")) or {}
            item["workout_doc"] = resolve_targets(
                item["workout_doc"], ftp=ftp_for(store, item.get("type")),
                lthr=settings.get("lthr"))
        out.append(item)
    return out


@handles("showEvent")
def show_event(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return copy.deepcopy(find_event(store, ctx.params["eventId"]))


@handles("listTags_1")
def list_tags(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return sorted({t for e in store.events.values() for t in (e.get("tags") or [])})


@handles("listFitnessModelEvents")
def fitness_model_events(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return copy.deepcopy(sorted_events(
        e for e in store.events.values() if e.get("category") in FITNESS_MODEL_CATEGORIES))


# -- writing ----------------------------------------------------------------------------------


@handles("createEvent")
def create_event(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    body = ctx.json_object()
    existing = match_uid(store, body.get("uid")) if ctx.q_bool("upsertOnUid") else None
    event, changed = write_event(ctx.state, athlete_id, ctx.principal, body, existing=existing)
    if changed:
        calendar_changed(ctx.state, athlete_id, events=[event])
    return copy.deepcopy(event)


@handles("createMultipleEvents")
def create_events(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    items = ctx.json_list()
    for item in items:
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: each event must be an object")
        validate_patch("EventEx", item)
        check_name(item)
    upsert = ctx.q_bool("upsert")
    upsert_on_uid = ctx.q_bool("upsertOnUid") and not upsert
    batch = ctx.state.new_id("event-batch", ())
    results: list[dict[str, Any]] = []
    changed_events: list[dict[str, Any]] = []
    for item in items:
        existing = None
        if upsert:
            existing = match_external(ctx.state, store, ctx.principal, item.get("external_id"))
        elif upsert_on_uid:
            existing = match_uid(store, item.get("uid"))
        existing = existing or match_target(store, item)
        event, changed = write_event(ctx.state, athlete_id, ctx.principal, item,
                                     existing=existing, batch=batch)
        results.append(event)
        if changed and all(e is not event for e in changed_events):
            changed_events.append(event)
    if ctx.q_bool("updatePlanApplied"):
        store.training_plan["training_plan_last_applied"] = ctx.state.now_stamp()
    calendar_changed(ctx.state, athlete_id, events=changed_events)
    return copy.deepcopy(results)


@handles("updateEvent")
def update_event(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    event = find_event(store, ctx.params["eventId"])
    event, changed = write_event(ctx.state, athlete_id, ctx.principal, ctx.json_object(),
                                 existing=event)
    if changed:
        calendar_changed(ctx.state, athlete_id, events=[event])
    return copy.deepcopy(event)


@handles("updateEvents")
def update_range(ctx: Ctx) -> Any:
    """Only ``hide_from_athlete`` and ``athlete_cannot_edit`` change (the spec says so)."""
    athlete_id, store = ctx.store()
    oldest = ctx.q_date("oldest", required=True)
    newest = ctx.q_date("newest", required=True)
    assert oldest is not None
    assert newest is not None
    body = ctx.json_object()
    validate_patch("Event", body)
    patch: dict[str, Any] = {k: body[k] for k in ("hide_from_athlete", "athlete_cannot_edit")
                             if k in body}
    rows = [e for e in sorted_events(store.events.values()) if in_window(e, oldest, newest)]
    changed = []
    for event in rows:
        if apply_patch("Event", event, patch):
            event["updated"] = ctx.state.now_stamp()
            changed.append(event)
    calendar_changed(ctx.state, athlete_id, events=changed)
    return copy.deepcopy(rows)


@handles("deleteEvent")
def delete_event(ctx: Ctx) -> Any:
    """``others=true`` also deletes the events added by the same call (e.g. a plan), from
    ``notBefore`` (a local date) on."""
    athlete_id, store = ctx.store()
    event = find_event(store, ctx.params["eventId"])
    doomed = [event["id"]]
    if ctx.q_bool("others"):
        not_before = ctx.q_date("notBefore")
        batch = event_batches(store).get(event["id"], event["id"])
        doomed += [
            other_id for other_id, other_batch in event_batches(store).items()
            if other_batch == batch and other_id != event["id"]
            and (not_before is None or event_day(store.events[other_id]) >= not_before.isoformat())
        ]
    gone = delete_events(ctx.state, store, doomed)
    calendar_changed(ctx.state, athlete_id, deleted=gone)
    return {"eventsDeleted": len(gone)}


@handles("deleteEvents")
def delete_range(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    oldest = ctx.q_date("oldest", required=True)
    assert oldest is not None
    categories = ctx.q_list("category")
    if not categories:
        raise ApiError(422, "Required request parameter 'category' is not present")
    newest = ctx.q_date("newest")  # none: everything from oldest on
    created_by = ctx.q("createdById")
    doomed = [
        e["id"] for e in sorted_events(store.events.values())
        if in_window(e, oldest, newest) and e.get("category") in categories
        and (not created_by or e.get("created_by_id") == created_by)
    ]
    gone = delete_events(ctx.state, store, doomed)
    calendar_changed(ctx.state, athlete_id, deleted=gone)
    return None


@handles("deleteEventsBulk")
def delete_bulk(ctx: Ctx) -> Any:
    """By ``external_id`` (wins when both are given; only the caller's own events) or ``id``;
    missing events are ignored."""
    athlete_id, store = ctx.store()
    doomed: list[int] = []
    for item in ctx.json_list():
        if not isinstance(item, dict):
            raise ApiError(400, "JSON parse error: each item must be an object")
        if item.get("external_id"):
            event = match_external(ctx.state, store, ctx.principal, item["external_id"])
            if event is not None:
                doomed.append(event["id"])
        elif item.get("id") is not None:
            try:
                doomed.append(int(item["id"]))
            except (TypeError, ValueError):
                raise ApiError(422, f"Invalid event id: {item['id']}") from None
    gone = delete_events(ctx.state, store, dict.fromkeys(doomed))
    calendar_changed(ctx.state, athlete_id, deleted=gone)
    return {"eventsDeleted": len(gone)}


def _shift(text: Any, days: int) -> Any:
    if not isinstance(text, str) or not text:
        return text
    return (parse_local(text) + timedelta(days=days)).isoformat(timespec="seconds")


@handles("duplicateEvents")
def duplicate_events(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    body = ctx.json_object()
    validate_patch("DuplicateEventsDTO", body)
    ids = body.get("eventIds") or []
    if not ids:
        raise ApiError(422, "eventIds is required")
    copies = int(body.get("numCopies") or 1)
    weeks = int(body.get("weeksBetween") or 1)
    sources = [find_event(store, str(i)) for i in ids]
    batch = ctx.state.new_id("event-batch", ())
    created = []
    for n in range(1, copies + 1):
        for source in sources:
            clone = {k: v for k, v in copy.deepcopy(source).items()
                     if k not in {"id", "uid", "external_id", "updated", "created_by_id",
                                  "oauth_client_id", "athlete_id"}}
            for key in ("start_date_local", "end_date_local"):
                clone[key] = _shift(clone.get(key), 7 * weeks * n)
            clone = {k: v for k, v in clone.items() if v is not None}
            event, _ = write_event(ctx.state, athlete_id, ctx.principal, clone, batch=batch)
            created.append(event)
    calendar_changed(ctx.state, athlete_id, events=created)
    return copy.deepcopy(created)


@handles("markEventAsDone")
def mark_done(ctx: Ctx) -> Any:
    """A manual activity matching the planned workout, paired to it."""
    athlete_id, store = ctx.store()
    event = find_event(store, ctx.params["eventId"])
    return copy.deepcopy(activity_for_event(ctx.state, athlete_id, ctx.principal, event))


# -- files ------------------------------------------------------------------------------------


@handles("downloadWorkout_1")
def download_workout(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    event = find_event(store, ctx.params["eventId"])
    fmt = normalize_format(ctx.params.get("ext"))
    if not event.get("workout_doc"):
        raise ApiError(422, f"Event {event['id']} has no workout to download")
    name = safe_filename(event.get("name"), f"workout_{event['id']}")
    return Reply(workout_file(store, event, fmt), media_type=media_type(fmt),
                 headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@handles("downloadWorkouts")
def download_workouts_zip(ctx: Ctx) -> Any:
    """All planned workouts in ``oldest..newest`` as one zip; ``ext`` (no dot), ``oldest`` and
    ``newest`` are all required (422 otherwise, as the platform)."""
    _athlete_id, store = ctx.store()
    fmt = normalize_format(ctx.q_required("ext"))
    oldest = ctx.q_date("oldest", required=True)
    newest = ctx.q_date("newest", required=True)
    assert oldest is not None
    assert newest is not None
    buffer = io.BytesIO()
    names: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for event in sorted_events(store.events.values()):
            if not in_window(event, oldest, newest) or not event.get("workout_doc"):
                continue
            base = f"{event_day(event)}_{safe_filename(event.get('name'), str(event['id']))}"
            name, n = f"{base}.{fmt}", 1
            while name in names:
                n += 1
                name = f"{base}_{n}.{fmt}"
            names.add(name)
            archive.writestr(name, workout_file(store, event, fmt))
    return Reply(buffer.getvalue(), media_type="application/zip",
                 headers={"Content-Disposition": 'attachment; filename="workouts.zip"'})


# -- plans --------------------------------------------------------------------------------------


@handles("applyPlan")
def apply_plan(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    body = ctx.json_object()
    validate_patch("ApplyPlanDTO", body)
    folder_id = body.get("folder_id")
    if folder_id is None:
        raise ApiError(422, "folder_id is required")
    start = parse_local(local_datetime_text(body.get("start_date_local"))).date()
    owner_id, folder = find_plan_folder(ctx.state, ctx.principal, int(folder_id), athlete_id)
    owner_store = ctx.state.store(owner_id)
    workouts = sorted(
        (w for w in owner_store.workouts.values() if w.get("folder_id") == folder["id"]),
        key=lambda w: (int(w.get("day") or 0), w["id"]),
    )
    extras = [w for w in body.get("extra_workouts") or [] if isinstance(w, dict)]
    applied = ctx.state.now_stamp()
    batch = ctx.state.new_id("event-batch", ())
    created = []
    for workout in [*workouts, *extras]:
        fields = plan_event_fields(workout, start, plan_athlete_id=owner_id, applied=applied)
        event, _ = write_event(ctx.state, athlete_id, ctx.principal, fields, batch=batch)
        created.append(event)
    calendar_changed(ctx.state, athlete_id, events=created)
    return {"eventsCreated": len(created)}


