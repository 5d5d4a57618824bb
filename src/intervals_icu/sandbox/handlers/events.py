"""Calendar events: planned workouts, notes, races, targets (API-NOTES §4.10).

Semantics reproduced: the list's default window (today .. today+6 in the athlete's time
zone, both inclusive, by ``start_date_local``); partial updates where -1 clears a numeric
field (UNCERTAIN for events on the platform: presumed as elsewhere); ``updated`` stamped on
every change and only then; bulk upserts on ``external_id`` scoped to the calling app (or,
with a personal key, the key holder: ``options.api_key_upsert_matches``), on ``uid``, and on
date+type for TARGET events; range delete needing ``oldest`` and ``category``; bulk delete by
id or external_id; workout downloads; and a CALENDAR_UPDATED webhook emitted at the moment
of each change with the events as they were then.
"""

from __future__ import annotations

import base64
import copy
import io
import re
import zipfile
from collections.abc import Iterable
from datetime import UTC, date, timedelta
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles, parse_local
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.formats.workout_files import (
    media_type,
    normalize_format,
    write_workout_file,
)
from intervals_icu.sandbox.platform.activities import create_activity, new_activity_id
from intervals_icu.sandbox.platform.planned_workouts import (
    FILE_KEYS,
    check_name,
    fill_workout_fields,
    ftp_for,
    resolve_targets,
    settings_for,
)
from intervals_icu.sandbox.platform.records import apply_patch, to_csv, validate_patch
from intervals_icu.sandbox.state import AthleteStore, Principal, SandboxState

EVENT_CSV_COLUMNS = [
    "id", "start_date_local", "end_date_local", "category", "type", "name", "description",
    "moving_time", "distance", "icu_training_load", "icu_intensity", "indoor", "color", "tags",
    "external_id", "uid", "updated",
]
FITNESS_MODEL_CATEGORIES = {"FITNESS_DAYS", "SET_FITNESS", "SET_EFTP"}
_PROTECTED = ("id", "athlete_id", "created_by_id", "oauth_client_id", "updated")
_TRANSIENT = ("workout", *FILE_KEYS)


# -- shared helpers (the library's apply-plan routes use these too) ------------------------------


def new_id(state: SandboxState, kind: str, taken: Iterable[int] | dict[int, Any]) -> int:
    used = taken if isinstance(taken, dict) else set(taken)
    while True:
        candidate = state.next_id(kind, start=10_000)
        if candidate not in used:
            return candidate


def local_datetime_text(value: Any, field: str = "start_date_local") -> str:
    """The platform's local date-time shape ``YYYY-MM-DDTHH:MM:SS`` (a date means midnight)."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, f"{field} is required (a local date-time, e.g. 2025-03-01T00:00:00)")
    return parse_local(value, field).isoformat(timespec="seconds")


def event_day(event: dict[str, Any]) -> str:
    return str(event.get("start_date_local") or "")[:10]


def calendar_changed(state: SandboxState, athlete_id: str, *,
                     events: Iterable[dict[str, Any]] = (), deleted: Iterable[int] = ()) -> None:
    """Emit CALENDAR_UPDATED now, with the events as they are at this moment."""
    changed = [copy.deepcopy(e) for e in events]
    gone = list(deleted)
    if not changed and not gone:
        return
    payload: dict[str, Any] = {"records": []}
    if state.options.calendar_payload_events:
        payload["events"] = changed
        payload["deleted_events"] = gone
    state.emit(athlete_id, "CALENDAR_UPDATED", **payload)


def _batches(store: AthleteStore) -> dict[int, int]:
    """Event id -> the create call that added it (``others=true`` deletes the whole call)."""
    batches: dict[int, int] = store.extra.setdefault("event_batches", {})
    return batches


def _split_body(body: dict[str, Any]) -> dict[str, Any]:
    """Fold an EventEx's ``workout`` (a library workout) into the event's own fields."""
    body = dict(body)
    workout = body.pop("workout", None)
    if isinstance(workout, dict):
        for key in ("name", "description", "type", "workout_doc", "moving_time",
                    "icu_training_load", "icu_intensity", "indoor", "color", "tags",
                    "distance", "target", "carbs_per_hour"):
            if key in workout and key not in body:
                body[key] = workout[key]
        if workout.get("id") is not None and "plan_workout_id" not in body:
            body["plan_workout_id"] = workout["id"]
    return body


def write_event(state: SandboxState, athlete_id: str, principal: Principal,
                body: dict[str, Any], *, existing: dict[str, Any] | None = None,
                batch: int | None = None) -> tuple[dict[str, Any], bool]:
    """Create an event, or patch ``existing``; returns ``(event, changed)``. The one place
    events are written, so ``updated`` and the computed workout fields stay right."""
    store = state.store(athlete_id)
    validate_patch("EventEx", body)
    body = _split_body(body)
    check_name(body)
    for key in ("start_date_local", "end_date_local"):
        if body.get(key) is not None:
            body[key] = local_datetime_text(body[key], key)
    if existing is None:
        if not body.get("category"):
            raise ApiError(422, "category is required (WORKOUT, NOTE, RACE_A, ...)")
        if not body.get("start_date_local"):
            raise ApiError(422, "start_date_local is required (a local date-time, e.g. "
                                "2025-03-01T00:00:00)")
        event_id = new_id(state, "event", store.events)
        record: dict[str, Any] = {"id": event_id, "athlete_id": athlete_id,
                                  "created_by_id": principal.athlete_id}
        if principal.client_id is not None:
            record["oauth_client_id"] = (int(principal.client_id)
                                         if principal.client_id.isdigit() else None)
        patch = {k: v for k, v in body.items() if k not in _PROTECTED}
        apply_patch("EventEx", record, {k: v for k, v in patch.items() if k not in _TRANSIENT})
        fill_workout_fields(store, record, patch, sport=record.get("type"))
        record = {k: v for k, v in record.items() if v is not None}
        record["updated"] = state.now_stamp()
        store.events[event_id] = record
        store.event_owner_app[event_id] = principal.app_key
        _batches(store)[event_id] = batch if batch is not None else event_id
        return record, True
    before = copy.deepcopy(existing)
    patch = {k: v for k, v in body.items() if k not in _PROTECTED}
    apply_patch("EventEx", existing, {k: v for k, v in patch.items() if k not in _TRANSIENT})
    fill_workout_fields(store, existing, patch, sport=existing.get("type"))
    if existing == before:
        return existing, False
    existing["updated"] = state.now_stamp()
    return existing, True


def _find_event(store: AthleteStore, event_id: str) -> dict[str, Any]:
    try:
        key = int(event_id)
    except ValueError:
        raise ApiError(422, f"Invalid event id: {event_id}") from None
    event = store.events.get(key)
    if event is None:
        raise ApiError(404, f"Event not found: {event_id}")
    return event


def _owned_by(state: SandboxState, store: AthleteStore, event_id: int,
              principal: Principal) -> bool:
    """An external_id is the caller's own key: it only matches events the same app (or,
    with a personal key and the option on, the same key holder) created."""
    if principal.kind == "api_key" and not state.options.api_key_upsert_matches:
        return False
    return store.event_owner_app.get(event_id) == principal.app_key


def _match_external(state: SandboxState, store: AthleteStore, principal: Principal,
                    external_id: Any) -> dict[str, Any] | None:
    if not external_id:
        return None
    for event_id, event in store.events.items():
        if event.get("external_id") == external_id and _owned_by(state, store, event_id,
                                                                 principal):
            return event
    return None


def _match_uid(store: AthleteStore, uid: Any) -> dict[str, Any] | None:
    if not uid:
        return None
    return next((e for e in store.events.values() if e.get("uid") == uid), None)


def _match_target(store: AthleteStore, body: dict[str, Any]) -> dict[str, Any] | None:
    if body.get("category") != "TARGET" or not body.get("start_date_local"):
        return None
    day = str(local_datetime_text(body["start_date_local"]))[:10]
    for event in store.events.values():
        if (event.get("category") == "TARGET" and event_day(event) == day
                and event.get("type") == body.get("type")):
            return event
    return None


def _window(ctx: Ctx, athlete_id: str) -> tuple[date, date]:
    oldest = ctx.q_date("oldest") or ctx.state.local_today(athlete_id)
    newest = ctx.q_date("newest") or oldest + timedelta(days=6)
    return oldest, newest


def _in_window(event: dict[str, Any], oldest: date, newest: date | None) -> bool:
    day = event_day(event)
    return day >= oldest.isoformat() and (newest is None or day <= newest.isoformat())


def _sorted(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(events, key=lambda e: (str(e.get("start_date_local") or ""), e["id"]))


def _safe_filename(name: str | None, fallback: str) -> str:
    cleaned = re.sub(r"[^\w\- ]+", "", name or "").strip().replace(" ", "_")
    return cleaned or fallback


def _workout_file(store: AthleteStore, event: dict[str, Any], fmt: str) -> bytes:
    return write_workout_file(
        event["workout_doc"], fmt, name=str(event.get("name") or "Workout"),
        description=str(event.get("description") or ""), sport=event.get("type"),
        ftp=ftp_for(store, event.get("type")),
    )


# -- reading ----------------------------------------------------------------------------------


@handles("listEvents")
def list_events(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    oldest, newest = _window(ctx, athlete_id)
    categories = set(ctx.q_list("category") or [])
    calendar_id = ctx.q_int("calendar_id")
    rows = [
        e for e in _sorted(store.events.values())
        if _in_window(e, oldest, newest)
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
            item["workout_filename"] = f"{_safe_filename(item.get('name'), fallback)}.{kind}"
            item["workout_file_base64"] = base64.b64encode(
                _workout_file(store, event, kind)).decode()
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
    return copy.deepcopy(_find_event(store, ctx.params["eventId"]))


@handles("listTags_1")
def list_tags(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return sorted({t for e in store.events.values() for t in (e.get("tags") or [])})


@handles("listFitnessModelEvents")
def fitness_model_events(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return copy.deepcopy(_sorted(
        e for e in store.events.values() if e.get("category") in FITNESS_MODEL_CATEGORIES))


# -- writing ----------------------------------------------------------------------------------


@handles("createEvent")
def create_event(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    body = ctx.json_object()
    existing = _match_uid(store, body.get("uid")) if ctx.q_bool("upsertOnUid") else None
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
    batch = new_id(ctx.state, "event-batch", ())
    results: list[dict[str, Any]] = []
    changed_events: list[dict[str, Any]] = []
    for item in items:
        existing = None
        if upsert:
            existing = _match_external(ctx.state, store, ctx.principal, item.get("external_id"))
        elif upsert_on_uid:
            existing = _match_uid(store, item.get("uid"))
        existing = existing or _match_target(store, item)
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
    event = _find_event(store, ctx.params["eventId"])
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
    rows = [e for e in _sorted(store.events.values()) if _in_window(e, oldest, newest)]
    changed = []
    for event in rows:
        if apply_patch("Event", event, patch):
            event["updated"] = ctx.state.now_stamp()
            changed.append(event)
    calendar_changed(ctx.state, athlete_id, events=changed)
    return copy.deepcopy(rows)


def _delete(state: SandboxState, store: AthleteStore, ids: Iterable[int]) -> list[int]:
    gone = []
    for event_id in ids:
        if store.events.pop(event_id, None) is not None:
            store.event_owner_app.pop(event_id, None)
            _batches(store).pop(event_id, None)
            gone.append(event_id)
    return gone


@handles("deleteEvent")
def delete_event(ctx: Ctx) -> Any:
    """``others=true`` also deletes the events added by the same call (e.g. a plan), from
    ``notBefore`` (a local date) on."""
    athlete_id, store = ctx.store()
    event = _find_event(store, ctx.params["eventId"])
    doomed = [event["id"]]
    if ctx.q_bool("others"):
        not_before = ctx.q_date("notBefore")
        batch = _batches(store).get(event["id"], event["id"])
        doomed += [
            other_id for other_id, other_batch in _batches(store).items()
            if other_batch == batch and other_id != event["id"]
            and (not_before is None or event_day(store.events[other_id]) >= not_before.isoformat())
        ]
    gone = _delete(ctx.state, store, doomed)
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
        e["id"] for e in _sorted(store.events.values())
        if _in_window(e, oldest, newest) and e.get("category") in categories
        and (not created_by or e.get("created_by_id") == created_by)
    ]
    gone = _delete(ctx.state, store, doomed)
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
            event = _match_external(ctx.state, store, ctx.principal, item["external_id"])
            if event is not None:
                doomed.append(event["id"])
        elif item.get("id") is not None:
            try:
                doomed.append(int(item["id"]))
            except (TypeError, ValueError):
                raise ApiError(422, f"Invalid event id: {item['id']}") from None
    gone = _delete(ctx.state, store, dict.fromkeys(doomed))
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
    sources = [_find_event(store, str(i)) for i in ids]
    batch = new_id(ctx.state, "event-batch", ())
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
    event = _find_event(store, ctx.params["eventId"])
    state = ctx.state
    local = parse_local(str(event["start_date_local"]))
    account = state.accounts[athlete_id]
    moving = int(event.get("moving_time") or 0)
    activity = {
        "id": new_activity_id(state),
        "start_date_local": local.isoformat(timespec="seconds"),
        "start_date": local.replace(tzinfo=account.timezone).astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        "timezone": account.profile.get("timezone") or "UTC",
        "type": event.get("type") or "Ride",
        "name": event.get("name") or "Workout",
        "description": event.get("description"),
        "moving_time": moving,
        "elapsed_time": moving,
        "distance": event.get("distance"),
        "icu_training_load": event.get("icu_training_load"),
        "icu_intensity": event.get("icu_intensity"),
        "source": "MANUAL",
        "paired_event_id": event["id"],
        "trainer": bool(event.get("indoor")),
        "commute": False,
        "race": False,
    }
    activity = {k: v for k, v in activity.items() if v is not None}
    create_activity(state, athlete_id, activity, owner_app=ctx.principal.app_key)
    return copy.deepcopy(activity)


# -- files ------------------------------------------------------------------------------------


@handles("downloadWorkout_1")
def download_workout(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    event = _find_event(store, ctx.params["eventId"])
    fmt = normalize_format(ctx.params.get("ext"))
    if not event.get("workout_doc"):
        raise ApiError(422, f"Event {event['id']} has no workout to download")
    name = _safe_filename(event.get("name"), f"workout_{event['id']}")
    return Reply(_workout_file(store, event, fmt), media_type=media_type(fmt),
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
        for event in _sorted(store.events.values()):
            if not _in_window(event, oldest, newest) or not event.get("workout_doc"):
                continue
            base = f"{event_day(event)}_{_safe_filename(event.get('name'), str(event['id']))}"
            name, n = f"{base}.{fmt}", 1
            while name in names:
                n += 1
                name = f"{base}_{n}.{fmt}"
            names.add(name)
            archive.writestr(name, _workout_file(store, event, fmt))
    return Reply(buffer.getvalue(), media_type="application/zip",
                 headers={"Content-Disposition": 'attachment; filename="workouts.zip"'})


# -- plans --------------------------------------------------------------------------------------


def plan_event_fields(workout: dict[str, Any], start: date, *, plan_athlete_id: str | None,
                      applied: str) -> dict[str, Any]:
    """The event a plan's workout becomes on the calendar (``day`` counts from the start)."""
    day = start + timedelta(days=int(workout.get("day") or 0))
    fields: dict[str, Any] = {
        "category": "WORKOUT" if workout.get("type") else "NOTE",
        "start_date_local": f"{day.isoformat()}T00:00:00",
        "plan_folder_id": workout.get("folder_id"),
        "plan_workout_id": workout.get("id"),
        "plan_athlete_id": plan_athlete_id,
        "plan_applied": applied,
    }
    for key in ("name", "description", "type", "workout_doc", "moving_time",
                "icu_training_load", "icu_intensity", "indoor", "color", "tags", "distance",
                "target", "carbs_per_hour", "hide_from_athlete", "for_week"):
        if workout.get(key) is not None:
            fields[key] = copy.deepcopy(workout[key])
    return fields


@handles("applyPlan")
def apply_plan(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    body = ctx.json_object()
    validate_patch("ApplyPlanDTO", body)
    folder_id = body.get("folder_id")
    if folder_id is None:
        raise ApiError(422, "folder_id is required")
    start = parse_local(local_datetime_text(body.get("start_date_local"))).date()
    owner_id, folder = _find_folder(ctx.state, ctx.principal, int(folder_id), athlete_id)
    owner_store = ctx.state.store(owner_id)
    workouts = sorted(
        (w for w in owner_store.workouts.values() if w.get("folder_id") == folder["id"]),
        key=lambda w: (int(w.get("day") or 0), w["id"]),
    )
    extras = [w for w in body.get("extra_workouts") or [] if isinstance(w, dict)]
    applied = ctx.state.now_stamp()
    batch = new_id(ctx.state, "event-batch", ())
    created = []
    for workout in [*workouts, *extras]:
        fields = plan_event_fields(workout, start, plan_athlete_id=owner_id, applied=applied)
        event, _ = write_event(ctx.state, athlete_id, ctx.principal, fields, batch=batch)
        created.append(event)
    calendar_changed(ctx.state, athlete_id, events=created)
    return {"eventsCreated": len(created)}


def _find_folder(state: SandboxState, principal: Principal, folder_id: int,
                 athlete_id: str) -> tuple[str, dict[str, Any]]:
    """A folder of the athlete, or one shared with them / owned by the caller."""
    for owner_id in dict.fromkeys([athlete_id, principal.athlete_id, *state.stores]):
        folder = state.store(owner_id).folders.get(folder_id)
        if folder is None:
            continue
        shares = state.store(owner_id).extra.get("folder_shares", {}).get(folder_id, {})
        if owner_id in {athlete_id, principal.athlete_id} or athlete_id in shares or (
            folder.get("visibility") == "PUBLIC"
        ):
            return owner_id, folder
    raise ApiError(404, f"Folder not found: {folder_id}")
