"""What each write operation touches, keyed by the spec's operationId (pure: no I/O).

For every write operation of the spec, :data:`RULES` says which records it changes, which
reads show them before the write (so undo knows what to put back), and how the answer names
the records it created. Operations that cannot be undone say why; operations that change
nothing (conversions, downloads) are not journaled at all. The kinds of rule are in
:mod:`intervals_icu.journal.rules`; here are the rules peculiar to one area and the table.
``tests/journal/test_targets.py`` checks that every write operation of the spec is here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from intervals_icu.hooks import JSONValue, ReadCall, WriteCall
from intervals_icu.journal.rules import (
    Action,
    ChangesNothing,
    Creates,
    NotUndoable,
    OneRecord,
    Params,
    Read,
    Row,
    Rule,
    Target,
    as_object,
    as_objects,
    athlete_of,
    day_of,
    made_by_answer,
)

__all__ = [
    "RULES",
    "Action",
    "Row",
    "Rule",
    "Target",
    "path_params",
    "rule_for",
    "undoable_operations",
]


# -- wellness ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WellnessWrite(Rule):
    """``PUT wellness/{date}``, ``PUT wellness`` (id in the body) and ``wellness-bulk``."""

    kind: str | None = "wellness"

    def days(self, call: WriteCall, params: Params) -> list[str]:
        if params.get("date"):
            return [day_of(params["date"])]
        return [day_of(item["id"]) for item in as_objects(call.body) if item.get("id")]

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        days = sorted(set(self.days(call, params)))
        if not days:
            return []
        base = f"/api/v1/athlete/{athlete_of(call)}"
        if len(days) == 1:
            return [ReadCall(f"{base}/wellness/{days[0]}", "getRecord")]
        return [ReadCall(f"{base}/wellness.json", "listWellnessRecords",
                         {"oldest": days[0], "newest": days[-1]})]

    def before_rows(self, call: WriteCall, params: Params,
                    before: Sequence[JSONValue]) -> list[Row]:
        records = {day_of(r["id"]): r for r in as_objects(before[0] if before else None)
                   if r.get("id")}
        items = [call.body] if params.get("date") else as_objects(call.body)
        athlete = athlete_of(call)
        rows = []
        for day, item in zip(self.days(call, params), items, strict=False):
            previous = records.get(day)
            if previous is not None and not any(v is not None for k, v in previous.items()
                                                if k != "id"):
                previous = None  # a day with no record: {"id": day}, the rest null or absent
            rows.append(Row(Target("wellness", day, athlete), "update", item, previous))
        return rows

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        by_day = {day_of(r["id"]): r for r in as_objects(answer) if r.get("id")}
        return [Row(r.target, r.action, r.sent, r.before,
                    by_day.get(r.target.record_id) if r.target else None) for r in rows]


# -- events ------------------------------------------------------------------------------------


def _event_read() -> Read:
    return Read("/api/v1/athlete/{id}/events/{eventId}", "showEvent")


def _events_of_the_day(call: WriteCall, params: Params) -> list[ReadCall]:
    """The events of the day a new event starts on: read before the create, and again by
    undo when its answer was lost, the new one is the one that was not there."""
    start = (as_object(call.body) or {}).get("start_date_local")
    if not isinstance(start, str) or len(start) < 10:
        return []
    return [ReadCall(f"/api/v1/athlete/{athlete_of(call)}/events.json", "listEvents",
                     {"oldest": start[:10], "newest": start[:10]})]


@dataclass(frozen=True)
class EventRange(Rule):
    """``DELETE events`` (a range of categories) and ``PUT events`` (flags of a range): the
    events of the range are read first, one row each."""

    kind: str | None = "event"
    action: Action = "update"

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        query = call.params
        wanted: dict[str, object] = {"oldest": query.get("oldest"),
                                     "newest": query.get("newest")}
        if query.get("category") is not None:
            wanted["category"] = query.get("category")
        if wanted["newest"] is None:
            wanted.pop("newest")  # the range runs to the last event
        return [ReadCall(f"/api/v1/athlete/{athlete_of(call)}/events.json",
                         "listEvents", wanted)]

    def before_rows(self, call: WriteCall, params: Params,
                    before: Sequence[JSONValue]) -> list[Row]:
        events = as_objects(before[0] if before else None)
        if self.action == "delete" and call.params.get("createdById") is not None:
            created_by = str(call.params["createdById"])
            events = [e for e in events if str(e.get("created_by_id")) == created_by]
        athlete = athlete_of(call)
        return [Row(Target("event", str(e["id"]), athlete), self.action, call.body, e)
                for e in events if e.get("id") is not None]

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        if self.action == "delete":
            return list(rows)
        by_id = {str(e.get("id")): e for e in as_objects(answer)}
        return [Row(r.target, r.action, r.sent, r.before,
                    by_id.get(r.target.record_id) if r.target else None) for r in rows]


@dataclass(frozen=True)
class EventsBulkDelete(Rule):
    """``PUT events/bulk-delete``: by id (each read first) or by external_id (not undoable
    for those: they cannot be read by external id)."""

    kind: str | None = "event"

    def ids(self, call: WriteCall) -> list[str]:
        return [str(i["id"]) for i in as_objects(call.body) if i.get("id") is not None]

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        base = f"/api/v1/athlete/{athlete_of(call)}/events"
        return [ReadCall(f"{base}/{i}", "showEvent") for i in self.ids(call)]

    def before_rows(self, call: WriteCall, params: Params,
                    before: Sequence[JSONValue]) -> list[Row]:
        athlete = athlete_of(call)
        rows = [Row(Target("event", i, athlete), "delete", {"id": i}, record)
                for i, record in zip(self.ids(call), before, strict=False)]
        by_external: list[JSONValue] = [i for i in as_objects(call.body) if i.get("id") is None]
        if by_external:
            rows.append(Row(None, "other", by_external))
        return rows

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        return [Row(r.target, r.action, r.sent, r.before, answer if r.target is None else None)
                for r in rows]


@dataclass(frozen=True)
class EventsBulkCreate(Creates):
    """``POST events/bulk``: with ``upsert`` it may change existing events (matched by
    external_id), so the range is read first and those become updates."""

    kind: str | None = "event"

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        upsert = call.params.get("upsert")
        if not (upsert is True or str(upsert).lower() == "true"):
            return []
        days = sorted(day_of(i["start_date_local"]) for i in as_objects(call.body)
                      if i.get("start_date_local"))
        if not days:
            return []
        return [ReadCall(f"/api/v1/athlete/{athlete_of(call)}/events.json",
                         "listEvents", {"oldest": days[0], "newest": days[-1]})]

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        before = rows[0].before if rows and isinstance(rows[0].before, list) else []
        existing = {str(e.get("external_id")): e for e in as_objects(before[0] if before else None)
                    if e.get("external_id")}
        sent = as_objects(call.body)
        athlete = athlete_of(call)
        found = []
        for index, event in enumerate(as_objects(answer)):
            if event.get("id") is None:
                continue
            previous = existing.get(str(event.get("external_id"))) if event.get(
                "external_id") else None
            found.append(Row(Target("event", str(event["id"]), athlete),
                             "update" if previous is not None else "create",
                             sent[index] if index < len(sent) else None, previous, event))
        return found or [Row(None, "other", call.body, None, answer)]


# -- several records named in the body or the query, read from a list first -----------------


@dataclass(frozen=True)
class ListedRecords(Rule):
    """A write to several records that one listing shows (sport settings by id, a plan's
    workouts by day): the listing is read first, one row per record the write touches."""

    action: Action = "update"
    read: Read | None = None
    touched: Callable[[WriteCall, Params, list[dict[str, JSONValue]]],
                      list[tuple[dict[str, JSONValue], JSONValue]]] = (
        lambda call, params, listed: [])
    """(record, what was sent for it) for each record of the listing the write touches."""

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        return [self.read.call(params, call)] if self.read else []

    def before_rows(self, call: WriteCall, params: Params,
                    before: Sequence[JSONValue]) -> list[Row]:
        assert self.kind is not None
        listed = as_objects(before[0] if before else None)
        athlete = athlete_of(call)
        return [Row(Target(self.kind, str(record["id"]), athlete), self.action, sent, record)
                for record, sent in self.touched(call, params, listed)
                if record.get("id") is not None]

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        by_id = {str(r.get("id")): r for r in as_objects(answer)}
        return [Row(r.target, r.action, r.sent, r.before,
                    by_id.get(r.target.record_id) if r.target else None) for r in rows]


def _settings_named(call: WriteCall, params: Params,
                    listed: list[dict[str, JSONValue]]) -> list[tuple[dict[str, JSONValue],
                                                                      JSONValue]]:
    by_id = {str(s.get("id")): s for s in listed}
    by_type: dict[str, dict[str, JSONValue]] = {}
    for settings in listed:
        types = settings.get("types")
        for sport in types if isinstance(types, list) else []:
            by_type.setdefault(str(sport), settings)
    found: list[tuple[dict[str, JSONValue], JSONValue]] = []
    for item in as_objects(call.body):
        types = item.get("types")
        first = types[0] if isinstance(types, list) and types else None
        record = by_id.get(str(item.get("id"))) if item.get("id") is not None else (
            by_type.get(str(first)) if first is not None else None)
        if record is not None:
            found.append((record, item))
    return found


def _plan_days(call: WriteCall, params: Params,
               listed: list[dict[str, JSONValue]]) -> list[tuple[dict[str, JSONValue],
                                                                 JSONValue]]:
    folder = params.get("folderId")
    try:
        oldest, newest = int(str(call.params.get("oldest"))), int(str(call.params.get("newest")))
    except ValueError:
        return []
    return [(w, call.body) for w in listed if str(w.get("folder_id")) == folder
            and oldest <= int(str(w.get("day") or 0)) <= newest]


@dataclass(frozen=True)
class AthletePlans(Rule):
    """``PUT athlete-plans``: a coach changes several athletes' training plans; each
    athlete's plan is read first and written back whole on undo."""

    kind: str | None = "training_plan"

    def athletes(self, call: WriteCall) -> list[str]:
        return [str(i.get("athlete_id") or i.get("id")) for i in as_objects(call.body)
                if i.get("athlete_id") or i.get("id")]

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        return [ReadCall(f"/api/v1/athlete/{a}/training-plan", "getAthleteTrainingPlan")
                for a in self.athletes(call)]

    def before_rows(self, call: WriteCall, params: Params,
                    before: Sequence[JSONValue]) -> list[Row]:
        items = [i for i in as_objects(call.body) if i.get("athlete_id") or i.get("id")]
        return [Row(Target("training_plan", athlete, athlete), "replace", item, plan)
                for athlete, item, plan in zip(self.athletes(call), items, before,
                                               strict=False)]

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        return list(rows)  # the answer counts the plans changed; it does not show them


# -- activities --------------------------------------------------------------------------------


def _uploaded(answer: JSONValue, call: WriteCall, params: Params,
              before: Sequence[JSONValue]) -> list[tuple[str, JSONValue]]:
    made = as_object(answer) or {}
    ids = [str(a["id"]) for a in as_objects(made.get("activities")) if a.get("id")]
    if not ids and made.get("id") is not None:
        ids = [str(made["id"])]
    return [(i, made) for i in ids]


@dataclass(frozen=True)
class Upload(Creates):
    """``POST activities`` (a file): 201 made activities; 200 means the file was there
    already (de-duplicated by its hash), so nothing was made and there is nothing to undo."""

    kind: str | None = "activity"
    made: Callable[[JSONValue, WriteCall, Params, Sequence[JSONValue]],
                   list[tuple[str, JSONValue]]] = _uploaded

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        if status != 201:
            return [Row(None, "other", call.body, None, answer)]
        return super().after_rows(call, params, rows, answer, status)


# -- intervals, gear, chats: records inside other answers -------------------------------------


def _intervals_read() -> Read:
    return Read("/api/v1/activity/{id}/intervals", "getIntervals")


def _in_list(key: str, param: str) -> Callable[[JSONValue, Params], JSONValue]:
    """The item of a listed answer whose ``key`` is the path parameter ``param``."""

    def pick(answer: JSONValue, params: Params) -> JSONValue:
        wanted = params.get(param)
        return next((item for item in as_objects(answer) if str(item.get(key)) == wanted), None)

    return pick


def _new_reminders(answer: JSONValue, call: WriteCall, params: Params,
                   before: Sequence[JSONValue]) -> list[tuple[str, JSONValue]]:
    gear_id = params.get("gearId", "")
    old_gear = _in_list("id", "gearId")(before[0] if before else None, params)
    known = {str(r.get("id"))
             for r in as_objects((as_object(old_gear) or {}).get("reminders"))}
    return [(f"{gear_id}/{r['id']}", r)
            for r in as_objects((as_object(answer) or {}).get("reminders"))
            if r.get("id") is not None and str(r["id"]) not in known]


def _gear_list(call: WriteCall, params: Params) -> list[ReadCall]:
    return [ReadCall(f"/api/v1/athlete/{athlete_of(call)}/gear.json",
                     "listGear")]


def _sent_message(answer: JSONValue, call: WriteCall, params: Params,
                  before: Sequence[JSONValue]) -> list[tuple[str, JSONValue]]:
    made = as_object(answer) or {}
    message = as_object(made.get("message")) or {}
    chat = as_object(made.get("new_chat")) or {}
    body = as_object(call.body) or {}
    chat_id = message.get("chat_id") or chat.get("id") or body.get("chat_id")
    if message.get("id") is None or chat_id is None:
        return []
    return [(f"{chat_id}/{message['id']}", message)]


@dataclass(frozen=True)
class Message(OneRecord):
    kind: str | None = "message"

    def record_id(self, params: Params) -> str:
        return f"{params.get('id')}/{params.get('msgId')}"


def _messages_read() -> Read:
    return Read("/api/v1/chats/{id}/messages", "listMessages",
                lambda call: {"limit": 200})


# ---------------------------------------------------------------------------------------------
# The table


_A = "/api/v1/athlete/{id}"
_S = "/api/v1/athlete/{athleteId}/sport-settings"

RULES: dict[str, Rule] = {
    # wellness
    "updateWellness": WellnessWrite(f"{_A}/wellness/{{date}}"),
    "updateWellness_1": WellnessWrite(f"{_A}/wellness"),
    "updateWellnessBulk": WellnessWrite(f"{_A}/wellness-bulk"),
    "uploadWellness": NotUndoable(
        f"{_A}/wellness", reason="the days it changes are in the uploaded CSV, which the "
        "journal does not read; wellness.update_many writes the same and can be undone"),
    # activities
    "updateActivity": OneRecord("/api/v1/activity/{id}", kind="activity",
                                read=Read("/api/v1/activity/{id}", "getActivity")),
    "createManualActivity": Creates(f"{_A}/activities/manual", kind="activity",
                                    made=made_by_answer),
    "uploadActivity": Upload(f"{_A}/activities"),
    "markEventAsDone": Creates(f"{_A}/events/{{eventId}}/mark-done", kind="activity",
                               made=made_by_answer),
    "deleteActivity": NotUndoable(
        "/api/v1/activity/{id}", reason="a deleted activity cannot be made again through the "
        "API (its file and analysis are gone; uploading the file again makes a new one)"),
    "createMultipleManualActivities": NotUndoable(
        f"{_A}/activities/manual/bulk", reason="it upserts by external_id, and the "
        "activities it may change cannot be read by external_id before the write"),
    "deleteTombstone": NotUndoable(
        "/api/v1/activity/{id}/tombstone", reason="a tombstone only records that an activity "
        "was deleted; there is nothing to put back"),
    "updateActivityStreams": NotUndoable(
        "/api/v1/activity/{id}/streams", reason="the journal keeps no copy of streams (large "
        "arrays): keep the original file, or export streams first"),
    "uploadActivityStreamsCSV": NotUndoable(
        "/api/v1/activity/{id}/streams.csv", reason="the journal keeps no copy of streams "
        "(large arrays): keep the original file, or export streams first"),
    # intervals: the whole list is written back
    "updateIntervals": OneRecord("/api/v1/activity/{id}/intervals", kind="intervals",
                                 action="replace", read=_intervals_read()),
    "updateInterval": OneRecord("/api/v1/activity/{id}/intervals/{intervalId}",
                                kind="intervals", action="replace", read=_intervals_read()),
    "deleteIntervals": OneRecord("/api/v1/activity/{id}/delete-intervals", kind="intervals",
                                 action="replace", read=_intervals_read()),
    "splitInterval": OneRecord("/api/v1/activity/{id}/split-interval", kind="intervals",
                               action="replace", read=_intervals_read()),
    # events
    "updateEvent": OneRecord(f"{_A}/events/{{eventId}}", kind="event", id_param="eventId",
                             read=_event_read()),
    "deleteEvent": OneRecord(f"{_A}/events/{{eventId}}", kind="event", id_param="eventId",
                             action="delete", read=_event_read()),
    "createEvent": Creates(f"{_A}/events", kind="event", made=made_by_answer,
                           reads_for=_events_of_the_day,
                           identity=("name", "category", "type", "external_id")),
    "createMultipleEvents": EventsBulkCreate(f"{_A}/events/bulk"),
    "duplicateEvents": Creates(f"{_A}/duplicate-events", kind="event", made=made_by_answer),
    "deleteEventsBulk": EventsBulkDelete(f"{_A}/events/bulk-delete"),
    "deleteEvents": EventRange(f"{_A}/events", action="delete"),
    "updateEvents": EventRange(f"{_A}/events", action="update"),
    "applyPlan": NotUndoable(
        f"{_A}/events/apply-plan", reason="its answer counts the events it made but does not "
        "name them; events.delete(id, others=True) removes a plan's events"),
    "applyCurrentPlanChanges": NotUndoable(
        f"{_A}/apply-plan-changes", reason="it changes the calendar in ways its answer does "
        "not list"),
    # the athlete
    "updateAthlete": OneRecord(_A, kind="athlete", read=Read(_A, "getAthlete")),
    "updateAthletePlan": OneRecord(
        f"{_A}/training-plan", kind="training_plan", action="replace",
        read=Read(f"{_A}/training-plan", "getAthleteTrainingPlan")),
    "updateAthletePlans": AthletePlans("/api/v1/athlete-plans"),
    "updateWeatherConfig": OneRecord(
        f"{_A}/weather-config", kind="weather_config", action="replace",
        read=Read(f"{_A}/weather-config", "getWeatherConfig")),
    "updateAthleteRoute": OneRecord(
        f"{_A}/routes/{{route_id}}", kind="route", id_param="route_id",
        read=Read(f"{_A}/routes/{{route_id}}", "getAthleteRoute")),
    # gear
    "createGear": Creates(f"{_A}/gear", kind="gear", made=made_by_answer),
    "updateGear": OneRecord(f"{_A}/gear/{{gearId}}", kind="gear", id_param="gearId",
                            read=Read(f"{_A}/gear.json", "listGear"),
                            pick=_in_list("id", "gearId")),
    "deleteGear": NotUndoable(
        f"{_A}/gear/{{gearId}}", reason="gear made again gets a new id, so the activities "
        "that used it would not point at it"),
    "replaceGear": NotUndoable(
        f"{_A}/gear/{{gearId}}/replace", reason="it retires a component and makes its "
        "replacement; retire or delete them by hand"),
    "createReminder": Creates(f"{_A}/gear/{{gearId}}/reminder", kind="reminder",
                              made=_new_reminders, reads_for=_gear_list),
    "deleteReminder": NotUndoable(
        f"{_A}/gear/{{gearId}}/reminder/{{reminderId}}", reason="a reminder made again starts "
        "counting from then: the distance and time it had counted cannot be set back"),
    "updateReminder": NotUndoable(
        f"{_A}/gear/{{gearId}}/reminder/{{reminderId}}", reason="reset and snooze restart "
        "counters the platform keeps; they cannot be set back"),
    # custom items
    "createCustomItem": Creates(f"{_A}/custom-item", kind="custom_item", made=made_by_answer),
    "updateCustomItem": OneRecord(f"{_A}/custom-item/{{itemId}}", kind="custom_item",
                                  id_param="itemId",
                                  read=Read(f"{_A}/custom-item/{{itemId}}", "getCustomItem")),
    "deleteCustomItem": OneRecord(f"{_A}/custom-item/{{itemId}}", kind="custom_item",
                                  id_param="itemId", action="delete",
                                  read=Read(f"{_A}/custom-item/{{itemId}}", "getCustomItem")),
    "updateCustomItemIndexes": OneRecord(
        f"{_A}/custom-item-indexes", kind="custom_item_order", action="replace",
        read=Read(f"{_A}/custom-item", "listCustomItems")),
    "updateCustomItemImage": NotUndoable(
        f"{_A}/custom-item/{{itemId}}/image", reason="the previous image cannot be read back "
        "through the API"),
    # the workout library
    "createWorkout": Creates(f"{_A}/workouts", kind="workout", made=made_by_answer),
    "createMultipleWorkouts": Creates(f"{_A}/workouts/bulk", kind="workout", made=made_by_answer),
    "duplicateWorkouts": Creates(f"{_A}/duplicate-workouts", kind="workout", made=made_by_answer),
    "importWorkoutFile": Creates(f"{_A}/folders/{{folderId}}/import-workout", kind="workout",
                                 made=made_by_answer),
    "updateWorkout": OneRecord(f"{_A}/workouts/{{workoutId}}", kind="workout",
                               id_param="workoutId",
                               read=Read(f"{_A}/workouts/{{workoutId}}", "showWorkout")),
    "deleteWorkout": OneRecord(f"{_A}/workouts/{{workoutId}}", kind="workout",
                               id_param="workoutId", action="delete",
                               read=Read(f"{_A}/workouts/{{workoutId}}", "showWorkout")),
    "createFolder": Creates(f"{_A}/folders", kind="folder", made=made_by_answer),
    "updateFolder": OneRecord(f"{_A}/folders/{{folderId}}", kind="folder",
                              id_param="folderId", read=Read(f"{_A}/folders", "listFolders"),
                              pick=_in_list("id", "folderId")),
    "deleteFolder": NotUndoable(
        f"{_A}/folders/{{folderId}}", reason="it deletes the folder's workouts too; made "
        "again they would get new ids, breaking the calendar's links to a plan"),
    "updateFolderSharedWith": OneRecord(
        f"{_A}/folders/{{folderId}}/shared-with", kind="folder_shared_with",
        id_param="folderId", action="replace",
        read=Read(f"{_A}/folders/{{folderId}}/shared-with", "listFolderSharedWith")),
    "updatePlanWorkouts": ListedRecords(f"{_A}/folders/{{folderId}}/workouts", kind="workout",
                                        read=Read(f"{_A}/workouts", "listWorkouts"),
                                        touched=_plan_days),
    # sport settings
    "createSettings": Creates(_S, kind="sport_settings", made=made_by_answer),
    "updateSettings": OneRecord(f"{_S}/{{id}}", kind="sport_settings",
                                read=Read(f"{_S}/{{id}}", "getSettings_1"),
                                id_from_before="id"),
    "deleteSettings": OneRecord(f"{_S}/{{id}}", kind="sport_settings", action="delete",
                                read=Read(f"{_S}/{{id}}", "getSettings_1")),
    "updateSettingsMulti": ListedRecords(_S, kind="sport_settings", read=Read(_S, "listSettings"),
                                         touched=_settings_named),
    "applyToActivities": NotUndoable(
        f"{_S}/{{id}}/apply", reason="it re-zones past activities in the background; apply "
        "the previous settings again to undo its effect"),
    # chats
    "sendMessage": Creates("/api/v1/chats/send-message", kind="message", made=_sent_message),
    "updateMessage": Message("/api/v1/chats/{id}/messages/{msgId}", read=_messages_read(),
                             pick=_in_list("id", "msgId")),
    "deleteMessage": NotUndoable(
        "/api/v1/chats/{id}/messages/{msgId}", reason="a message sent again is a new message "
        "(new time, and the others were notified)"),
    "updateLastSeenMessageId": NotUndoable(
        "/api/v1/chats/{id}/messages/{msgId}/seen", reason="a read marker: it only moves "
        "forward"),
    "sendActivityMessage": NotUndoable(
        "/api/v1/activity/{id}/messages", reason="its answer names the comment but not a chat, "
        "and deleteMessage needs the chat's id"),
    # the app
    "disconnectApp": NotUndoable(
        "/api/v1/disconnect-app", reason="the athlete must authorize the app again"),
    # conversions and downloads: nothing changes
    "downloadWorkout": ChangesNothing("/api/v1/download-workout{ext}"),
    "downloadWorkoutForAthlete": ChangesNothing(f"{_A}/download-workout{{ext}}"),
    "downloadActivityFitFiles": ChangesNothing(f"{_A}/download-fit-files"),
}
"""Every write operation of the spec, by operationId."""


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(template: str) -> re.Pattern[str]:
    found = _PATTERNS.get(template)
    if found is None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+?)", re.escape(template))
        found = _PATTERNS[template] = re.compile(regex + "$")
    return found


def path_params(template: str, path: str) -> dict[str, str] | None:
    """The path parameters of ``path`` under ``template`` (None: it does not match)."""
    match = _pattern(template).match(path.split("?", 1)[0])
    return None if match is None else dict(match.groupdict())


_UNKNOWN = NotUndoable("", reason="the journal does not know this operation")
_UNNAMED = NotUndoable("", reason="a raw call that named no operation (pass operation_id=)")


def rule_for(call: WriteCall) -> tuple[Rule, dict[str, str]]:
    """The rule of ``call``'s operation and its path parameters."""
    if call.operation_id is None:
        return _UNNAMED, {}
    rule = RULES.get(call.operation_id)
    if rule is None:
        return _UNKNOWN, {}
    params = path_params(rule.template, call.path)
    return rule, params or {}


def undoable_operations() -> dict[str, str]:
    """operationId -> "" when undoable, else why not (for docs and the coverage test)."""
    return {op: ("" if rule.undoable else rule.reason) for op, rule in sorted(RULES.items())}


def iter_rules() -> Iterable[tuple[str, Rule]]:
    return sorted(RULES.items())

