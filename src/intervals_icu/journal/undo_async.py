"""Reading the records a batch touched as they are now, and applying an undo plan, through
the client's public surface (``request()`` to read, resource methods to write).

This file is the async source of ``undo.py`` (scripts/unasync.py); edit it, not that one.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

from intervals_icu import errors
from intervals_icu.hooks import JSONValue, ReadCall, WriteCall
from intervals_icu.journal.plan import (
    SERVER_FIELDS,
    Record,
    RestoreStep,
    UndoPlan,
    empty,
    numeric_field,
    step_is_noop,
    writable_fields,
)
from intervals_icu.journal.rules import Creates, Target
from intervals_icu.journal.store import JournalEntry
from intervals_icu.journal.targets import rule_for

if TYPE_CHECKING:
    from intervals_icu._async.client import AsyncClient

__all__ = ["apply_plan", "read_current", "read_made"]

_BULK_CHUNK = 500


def _reads(target: Target) -> tuple[ReadCall, str | None] | None:
    """The read that shows ``target`` now, and the id to pick from a listed answer."""
    base = f"/api/v1/athlete/{target.athlete_id}"
    rid = target.record_id
    if target.kind == "event":
        return ReadCall(f"{base}/events/{rid}", "showEvent"), None
    if target.kind == "activity":
        return ReadCall(f"/api/v1/activity/{rid}", "getActivity"), None
    if target.kind == "athlete":
        return ReadCall(base, "getAthlete"), None
    if target.kind == "intervals":
        return ReadCall(f"/api/v1/activity/{rid}/intervals", "getIntervals"), None
    if target.kind in {"gear", "reminder"}:
        return ReadCall(f"{base}/gear.json", "listGear"), rid
    if target.kind == "custom_item":
        return ReadCall(f"{base}/custom-item/{rid}", "getCustomItem"), None
    if target.kind == "workout":
        return ReadCall(f"{base}/workouts/{rid}", "showWorkout"), None
    if target.kind == "folder":
        return ReadCall(f"{base}/folders", "listFolders"), rid
    if target.kind == "sport_settings":
        return ReadCall(f"{base}/sport-settings/{rid}", "getSettings_1"), None
    if target.kind == "route":
        return ReadCall(f"{base}/routes/{rid}", "getAthleteRoute"), None
    if target.kind == "message":
        chat, _, _message = rid.partition("/")
        return ReadCall(f"/api/v1/chats/{chat}/messages", "listMessages", {"limit": 200}), rid
    if target.kind == "weather_config":
        return ReadCall(f"{base}/weather-config", "getWeatherConfig"), None
    if target.kind == "training_plan":
        return ReadCall(f"{base}/training-plan", "getAthleteTrainingPlan"), None
    if target.kind == "custom_item_order":
        return ReadCall(f"{base}/custom-item", "listCustomItems"), None
    if target.kind == "folder_shared_with":
        return ReadCall(f"{base}/folders/{rid}/shared-with", "listFolderSharedWith"), None
    return None


def _pick(kind: str, answer: JSONValue, wanted: str | None) -> Record | None:
    if kind in {"custom_item_order", "folder_shared_with"}:
        return {"items": answer if isinstance(answer, list) else []}
    if wanted is None:
        return answer if isinstance(answer, dict) else None
    items = [i for i in (answer if isinstance(answer, list) else []) if isinstance(i, dict)]
    if kind == "reminder":
        gear_id, _, reminder_id = wanted.partition("/")
        gear = next((g for g in items if str(g.get("id")) == gear_id), None)
        reminders = gear.get("reminders") if gear else None
        return next((r for r in (reminders if isinstance(reminders, list) else [])
                     if isinstance(r, dict) and str(r.get("id")) == reminder_id), None)
    if kind == "message":
        wanted = wanted.partition("/")[2]
    return next((i for i in items if str(i.get("id")) == wanted), None)


async def _get(client: AsyncClient, read: ReadCall) -> JSONValue:
    try:
        response = await client.request("GET", read.path, operation_id=read.operation_id,
                                        params=read.params)
    except errors.NotFound:
        return None
    if not response.content:
        return None
    found: JSONValue = response.json()
    return found


async def read_current(client: AsyncClient, targets: Iterable[Target]) -> (
    dict[Target, Record | None]
):
    """Each target as it is now on the server (None: it does not exist)."""
    found: dict[Target, Record | None] = {}
    wellness: dict[str, builtins.list[Target]] = {}
    answers: dict[tuple[str, str], JSONValue] = {}
    for target in targets:
        if target.kind == "wellness":
            wellness.setdefault(target.athlete_id, []).append(target)
            continue
        located = _reads(target)
        if located is None:
            continue
        read, wanted = located
        key = (read.path, repr(sorted(read.params.items())))
        if key not in answers:
            answers[key] = await _get(client, read)
        found[target] = _pick(target.kind, answers[key], wanted)
    for athlete_id, days in wellness.items():
        ordered = sorted(t.record_id for t in days)
        rows = await _get(client, ReadCall(
            f"/api/v1/athlete/{athlete_id}/wellness.json", "listWellnessRecords",
            {"oldest": ordered[0], "newest": ordered[-1]}))
        by_day = {str(r["id"])[:10]: r for r in (rows if isinstance(rows, list) else [])
                  if isinstance(r, dict) and r.get("id")}
        for target in days:
            found[target] = by_day.get(target.record_id)
    return found


async def read_made(client: AsyncClient, entries: Iterable[JournalEntry]) -> (
    dict[int, builtins.list[tuple[Target, Record]]]
):
    """What each create whose answer was lost made (entry id -> records), found by what it
    sent: the records its reads list now that they did not list before it was sent. Creates
    that cannot be recognised so are left out (undo reports them as impossible)."""
    found: dict[int, builtins.list[tuple[Target, Record]]] = {}
    for entry in entries:
        if entry.target is not None or entry.action != "create" or \
                not entry.may_have_been_applied:
            continue
        call = WriteCall(method=entry.method, path=entry.path,
                         operation_id=entry.operation_id, athlete_id=entry.athlete_id,
                         body=entry.sent)
        rule, params = rule_for(call)
        reads = rule.reads(call, params) if isinstance(rule, Creates) else []
        if not isinstance(rule, Creates) or not reads:
            continue
        answers = [await _get(client, read) for read in reads]
        made = rule.made_unanswered(call, params, entry.before, answers)
        if made is not None:
            found[entry.id] = [(target, cast(Record, record)) for target, record in made]
    return found


async def apply_plan(client: AsyncClient, plan: UndoPlan) -> builtins.list[Target]:
    """Send the writes of ``plan`` through the resource methods (with the client's journal,
    if any, recording them). Wellness goes in bulk: first every change (locked records
    unlocked in the same write), then one write re-locking the records that were locked.
    Returns the targets changed."""
    done: builtins.list[Target] = []
    wellness: dict[str, builtins.list[RestoreStep]] = {}
    for step in plan.changes:
        if step_is_noop(step):
            continue
        if step.target.kind == "wellness":
            wellness.setdefault(step.target.athlete_id, []).append(step)
            continue
        await _apply(client.for_athlete(step.target.athlete_id), step)
        done.append(step.target)
    for athlete_id, steps in wellness.items():
        athlete = client.for_athlete(athlete_id)
        writes: builtins.list[dict[str, Any]] = [
            {"id": s.target.record_id, **s.patch, **({"locked": False} if s.unlock_first else {})}
            for s in steps if s.patch or s.unlock_first
        ]
        relocks: builtins.list[dict[str, Any]] = [
            {"id": s.target.record_id, "locked": True} for s in steps if s.relock_after
        ]
        for records in (writes, relocks):
            for start in range(0, len(records), _BULK_CHUNK):
                await athlete.wellness.update_many(list(records[start:start + _BULK_CHUNK]))
        done.extend(s.target for s in steps)
    return done


async def _apply(client: AsyncClient, step: RestoreStep) -> None:
    kind, rid, action = step.target.kind, step.target.record_id, step.action
    fields: Any = step.patch  # checked by each method against its schema
    if kind == "event":
        if action == "patch":
            await client.events.update(int(rid), **fields)
        elif action == "delete":
            await client.events.delete(int(rid))
        elif action == "recreate":
            made = await client.events.create(**fields)
            defaults = _defaults_to_clear(step, made)
            if defaults and made.id is not None:
                await client.events.update(made.id, **defaults)
    elif kind == "activity":
        if action == "patch":
            await client.activities.update(rid, **fields)
        elif action == "delete":
            await client.activities.delete(rid)
    elif kind == "athlete" and action == "patch":
        await client.athletes.update(**fields)
    elif kind == "gear":
        if action == "patch":
            await client.gear.update(rid, **fields)
        elif action == "delete":
            await client.gear.delete(rid)
    elif kind == "reminder":
        gear_id, _, reminder_id = rid.partition("/")
        if action == "delete":
            await client.gear.delete_reminder(gear_id, int(reminder_id))
        elif action == "recreate":
            await client.gear.create_reminder(gear_id, **fields)
    elif kind == "custom_item":
        if action == "patch":
            await client.custom_items.update(int(rid), **fields)
        elif action == "delete":
            await client.custom_items.delete(int(rid))
        elif action == "recreate":
            item = await client.custom_items.create(**fields)
            defaults = _defaults_to_clear(step, item)
            if defaults and item.id is not None:
                await client.custom_items.update(item.id, **defaults)
    elif kind == "workout":
        if action == "patch":
            await client.library.update_workout(int(rid), **fields)
        elif action == "delete":
            await client.library.delete_workout(int(rid))
        elif action == "recreate":
            workout = await client.library.create_workout(**fields)
            defaults = _defaults_to_clear(step, workout)
            if defaults and workout.id is not None:
                await client.library.update_workout(workout.id, **defaults)
    elif kind == "folder":
        if action == "patch":
            await client.library.update_folder(int(rid), **fields)
        elif action == "delete":
            await client.library.delete_folder(int(rid))
    elif kind == "sport_settings":
        if action == "patch":
            await client.sport_settings.update(int(rid), **fields)
        elif action == "delete":
            await client.sport_settings.delete(int(rid))
        elif action == "recreate":
            settings = await client.sport_settings.create(**fields)
            defaults = _defaults_to_clear(step, settings)
            if defaults and settings.id is not None:
                await client.sport_settings.update(settings.id, **defaults)
    elif kind == "route" and action == "patch":
        await client.routes.update(int(rid), **fields)
    elif kind == "message":
        chat_id, _, message_id = rid.partition("/")
        if action == "patch":
            await client.chats.update_message(int(chat_id), int(message_id), **fields)
        elif action == "delete":
            await client.chats.delete_message(int(chat_id), int(message_id))
    elif action == "replace":
        await _replace(client, step.target, step.patch.get("document"))


def _defaults_to_clear(step: RestoreStep, made: BaseModel) -> Any:
    """Fields the platform filled with its defaults when the record was made again, that the
    record did not have: they are cleared, so it is as it was."""
    kind = step.target.kind
    before = step.before or {}
    server = SERVER_FIELDS.get(kind, frozenset({"id"})) | {"created", "updated"}
    allowed = writable_fields(kind)
    data = made.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {name: (-1 if numeric_field(kind, name) else None) for name, value in data.items()
            if name in allowed and name not in server and not empty(value)
            and empty(before.get(name))}


async def _replace(client: AsyncClient, target: Target, document: JSONValue) -> None:
    items = [i for i in (document if isinstance(document, list) else []) if isinstance(i, dict)]
    values: Any = document if isinstance(document, dict) else {}
    if target.kind == "intervals":
        await client.activities.update_intervals(target.record_id, items, replace_all=True)
    elif target.kind == "weather_config":
        await client.weather.update_config(**values)
    elif target.kind == "training_plan":
        await client.athletes.update_training_plan(**values)
    elif target.kind == "custom_item_order":
        order = {int(cast(int, i["id"])): int(cast(int, i["index"])) for i in items
                 if i.get("id") is not None and i.get("index") is not None}
        await client.custom_items.reorder(order)
    elif target.kind == "folder_shared_with":
        await client.library.update_shared_with(int(target.record_id), list(items))
