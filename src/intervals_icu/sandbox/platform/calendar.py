"""Calendar events as the platform writes them (API-NOTES §4.10).

``write_event`` is the one place events are created or changed: the ``workout`` of an
``EventEx`` is folded into the event, names are checked, local date-times normalized,
partial updates clear numeric fields with -1 (UNCERTAIN for events on the platform: presumed
as elsewhere), the computed workout fields (``workout_doc``, load, time) are filled, and
``updated`` is stamped on every change and only then. Upserts match ``external_id`` only
among the calling app's events (with a personal key, the key holder's, when
``options.api_key_upsert_matches``), ``uid``, or date and type for TARGET events.
CALENDAR_UPDATED is emitted at the moment of each change with the events as they were then.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from intervals_icu.sandbox.clock import parse_local
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.formats.workout_files import write_workout_file
from intervals_icu.sandbox.platform.activities import create_activity, new_activity_id, utc_text
from intervals_icu.sandbox.platform.planned_workouts import (
    FILE_KEYS,
    check_name,
    fill_workout_fields,
    ftp_for,
)
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.state import AthleteStore, Principal, SandboxState

__all__ = [
    "FITNESS_MODEL_CATEGORIES",
    "activity_for_event",
    "calendar_changed",
    "delete_events",
    "event_batches",
    "event_day",
    "find_event",
    "find_plan_folder",
    "in_window",
    "local_datetime_text",
    "match_external",
    "match_target",
    "match_uid",
    "plan_event_fields",
    "safe_filename",
    "sorted_events",
    "workout_file",
    "write_event",
]


FITNESS_MODEL_CATEGORIES = {"FITNESS_DAYS", "SET_FITNESS", "SET_EFTP"}


_PROTECTED = ("id", "athlete_id", "created_by_id", "oauth_client_id", "updated")


_TRANSIENT = ("workout", *FILE_KEYS)


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


def event_batches(store: AthleteStore) -> dict[int, int]:
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
        event_id = state.new_id("event", store.events)
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
        event_batches(store)[event_id] = batch if batch is not None else event_id
        return record, True
    before = copy.deepcopy(existing)
    patch = {k: v for k, v in body.items() if k not in _PROTECTED}
    apply_patch("EventEx", existing, {k: v for k, v in patch.items() if k not in _TRANSIENT})
    fill_workout_fields(store, existing, patch, sport=existing.get("type"))
    if existing == before:
        return existing, False
    existing["updated"] = state.now_stamp()
    return existing, True


def find_event(store: AthleteStore, event_id: str) -> dict[str, Any]:
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


def match_external(state: SandboxState, store: AthleteStore, principal: Principal,
                    external_id: Any) -> dict[str, Any] | None:
    if not external_id:
        return None
    for event_id, event in store.events.items():
        if event.get("external_id") == external_id and _owned_by(state, store, event_id,
                                                                 principal):
            return event
    return None


def match_uid(store: AthleteStore, uid: Any) -> dict[str, Any] | None:
    if not uid:
        return None
    return next((e for e in store.events.values() if e.get("uid") == uid), None)


def match_target(store: AthleteStore, body: dict[str, Any]) -> dict[str, Any] | None:
    if body.get("category") != "TARGET" or not body.get("start_date_local"):
        return None
    day = str(local_datetime_text(body["start_date_local"]))[:10]
    for event in store.events.values():
        if (event.get("category") == "TARGET" and event_day(event) == day
                and event.get("type") == body.get("type")):
            return event
    return None


def in_window(event: dict[str, Any], oldest: date, newest: date | None) -> bool:
    day = event_day(event)
    return day >= oldest.isoformat() and (newest is None or day <= newest.isoformat())


def sorted_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(events, key=lambda e: (str(e.get("start_date_local") or ""), e["id"]))


def safe_filename(name: str | None, fallback: str) -> str:
    cleaned = re.sub(r"[^\w\- ]+", "", name or "").strip().replace(" ", "_")
    return cleaned or fallback


def workout_file(store: AthleteStore, event: dict[str, Any], fmt: str) -> bytes:
    return write_workout_file(
        event["workout_doc"], fmt, name=str(event.get("name") or "Workout"),
        description=str(event.get("description") or ""), sport=event.get("type"),
        ftp=ftp_for(store, event.get("type")),
    )


def delete_events(state: SandboxState, store: AthleteStore, ids: Iterable[int]) -> list[int]:
    gone = []
    for event_id in ids:
        if store.events.pop(event_id, None) is not None:
            store.event_owner_app.pop(event_id, None)
            event_batches(store).pop(event_id, None)
            gone.append(event_id)
    return gone


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


def find_plan_folder(state: SandboxState, principal: Principal, folder_id: int,
                 athlete_id: str) -> tuple[str, dict[str, Any]]:
    """A folder of the athlete, or one shared with them / owned by the caller."""
    for owner_id in dict.fromkeys([athlete_id, principal.athlete_id, *state.stores]):
        # stores[], not store(): a pending (not yet generated) history has no folders.
        folder = state.stores[owner_id].folders.get(folder_id)
        if folder is None:
            continue
        shares = state.stores[owner_id].extra.get("folder_shares", {}).get(folder_id, {})
        if owner_id in {athlete_id, principal.athlete_id} or athlete_id in shares or (
            folder.get("visibility") == "PUBLIC"
        ):
            return owner_id, folder
    raise ApiError(404, f"Folder not found: {folder_id}")


def activity_for_event(state: SandboxState, athlete_id: str, principal: Principal,
                       event: dict[str, Any]) -> dict[str, Any]:
    """Mark a planned workout done: a manual activity matching it, paired to it, stored."""
    local = parse_local(str(event["start_date_local"]))
    account = state.accounts[athlete_id]
    moving = int(event.get("moving_time") or 0)
    activity = {
        "id": new_activity_id(state),
        "start_date_local": local.isoformat(timespec="seconds"),
        "start_date": utc_text(local.replace(tzinfo=account.timezone)),
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
    return create_activity(state, athlete_id, activity, owner_app=principal.app_key)
