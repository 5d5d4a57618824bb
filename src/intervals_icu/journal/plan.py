"""Undo planning (pure): from a batch's entries and the records as they are now, the writes that
put every record back as it was before the batch.

Only the fields the batch wrote are restored, so later changes to other fields survive; a field
someone changed after the batch is reported as a conflict. Fields that were empty are cleared
(-1 for numbers). Locked wellness records are unlocked first and locked again after. Records
the batch made are deleted; records it deleted are made again where the API allows it.
Documents written whole (an activity's intervals, a custom item order...) are written back
whole. Entries whose write got no answer (it may have been applied) are planned like the
others: what the records are now decides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from intervals_icu.hooks import JSONValue
from intervals_icu.journal.store import JournalEntry
from intervals_icu.journal.targets import RULES, Target

__all__ = [
    "KINDS",
    "SERVER_FIELDS",
    "Kind",
    "Made",
    "Record",
    "RestoreStep",
    "StepAction",
    "UndoPlan",
    "document",
    "empty",
    "histories",
    "numeric_field",
    "plan_undo",
    "step_is_noop",
]

Record = Mapping[str, JSONValue]
StepAction = Literal["patch", "delete", "recreate", "replace", "impossible"]


@dataclass(frozen=True)
class Kind:
    """What undo may do with one kind of record."""

    model: str
    """The schema writes of this kind are checked against (numbers, writable fields)."""
    server_fields: frozenset[str] = frozenset({"id"})
    """Fields the server computes: never written back."""
    can_delete: bool = True
    """A record the batch made can be deleted."""
    recreate: str = ""
    """Why a deleted record cannot be made again ("" when it can)."""
    whole: bool = False
    """Written back whole (``replace``), not field by field."""


KINDS: dict[str, Kind] = {
    "wellness": Kind("Wellness", frozenset({"id", "updated", "ctl", "atl", "rampRate",
                                            "ctlLoad", "atlLoad", "sportInfo", "locked"}),
                     can_delete=False),
    "event": Kind("EventEx", frozenset({
        "id", "athlete_id", "created", "updated", "icu_atl", "icu_ctl", "uid",
        "shared_event_id", "paired_activity_id", "created_by_id", "oauth_client_id",
        "plan_applied", "push_errors", "entered"})),
    "activity": Kind("Activity", frozenset({"id", "icu_athlete_id", "created", "analyzed",
                                            "icu_sync_date"}),
                     recreate="a deleted activity cannot be made again through the API"),
    "athlete": Kind("AthleteUpdateDTO", can_delete=False),
    "gear": Kind("Gear", frozenset({"id", "athlete_id", "activities", "distance", "time",
                                    "reminders", "component_ids"}),
                 recreate="gear made again would get a new id, unlinked from its activities"),
    "reminder": Kind("GearReminder", frozenset({
        "id", "gear_id", "activities_used", "days_used", "distance_used", "time_used",
        "percent_used", "last_reset", "snoozed_until"})),
    "custom_item": Kind("CustomItem", frozenset({"id", "athlete_id", "updated", "usage_count",
                                                 "from_athlete", "hidden_by_id", "index"})),
    "workout": Kind("WorkoutEx", frozenset({"id", "athlete_id", "updated", "plan_applied"})),
    "folder": Kind("Folder", frozenset({"id", "athlete_id", "children", "num_workouts",
                                        "owner", "shareToken", "sharedWithCount", "canEdit"}),
                   recreate="a folder made again would get a new id and lose its workouts"),
    "sport_settings": Kind("SportSettings", frozenset({"id", "athlete_id", "created",
                                                       "updated"})),
    "route": Kind("AthleteRoute", frozenset({"route_id", "athlete_id", "latlngs",
                                             "replaced_by_route_id"}), can_delete=False),
    "message": Kind("Message", frozenset({"id", "athlete_id", "created", "seen", "deleted",
                                          "deleted_by_id", "name", "type"}),
                    recreate="a message sent again is a new message"),
    "intervals": Kind("Interval", whole=True, can_delete=False),
    "weather_config": Kind("WeatherConfig", whole=True, can_delete=False),
    "training_plan": Kind("AthleteTrainingPlanUpdate", whole=True, can_delete=False),
    "custom_item_order": Kind("CustomItem", whole=True, can_delete=False),
    "folder_shared_with": Kind("SharedWith", whole=True, can_delete=False),
}

SERVER_FIELDS: dict[str, frozenset[str]] = {name: k.server_fields for name, k in KINDS.items()}
"""Fields the server computes, per kind: never written back."""


def document(kind: str, record: JSONValue) -> JSONValue:
    """What a whole-document kind is made of, as undo writes it back and compares it."""
    data = record if isinstance(record, dict) else {}
    if kind == "intervals":
        rows = data.get("icu_intervals")
        return [{k: i.get(k) for k in ("id", "start_index", "end_index", "type", "label")
                 if i.get(k) is not None}
                for i in (rows if isinstance(rows, list) else []) if isinstance(i, dict)]
    listed = [i for i in (record if isinstance(record, list) else []) if isinstance(i, dict)]
    if kind == "custom_item_order":
        order: list[JSONValue] = [{"id": i.get("id"), "index": i.get("index")}
                                  for i in sorted(listed, key=lambda i: str(i.get("id")))]
        return order
    if kind == "folder_shared_with":
        people: list[JSONValue] = [{"id": p.get("id"), "canEdit": bool(p.get("canEdit"))}
                                   for p in sorted(listed, key=lambda p: str(p.get("id")))]
        return people
    if kind == "training_plan":
        return {k: data.get(k) for k in ("training_plan_id", "training_plan_start_date",
                                         "training_plan_alias")}
    if kind == "weather_config":
        return {"forecasts": data.get("forecasts") or []}
    return record


@dataclass(frozen=True)
class RestoreStep:
    """What to send to put one record back as it was before the batch."""

    target: Target
    action: StepAction
    patch: dict[str, JSONValue] = field(default_factory=dict)
    """``patch``: the fields to send (-1 clears a number); ``recreate``: the body;
    ``replace``: ``{"document": ...}``, the whole document to write back."""
    unlock_first: bool = False
    relock_after: bool = False
    before: Record | None = None
    current: Record | None = None
    conflicts: tuple[str, ...] = ()
    """Fields someone changed after the batch (neither the value before nor the one written)."""
    reason: str = ""


@dataclass(frozen=True)
class UndoPlan:
    steps: list[RestoreStep]

    @property
    def changes(self) -> list[RestoreStep]:
        return [s for s in self.steps if s.action != "impossible"]

    @property
    def impossible(self) -> list[RestoreStep]:
        return [s for s in self.steps if s.action == "impossible"]

    @property
    def conflicts(self) -> list[RestoreStep]:
        return [s for s in self.steps if s.conflicts]


@dataclass
class _History:
    """Everything a batch did to one record."""

    before: JSONValue = None
    existed: bool = True
    created: bool = False
    deleted: bool = False
    after: JSONValue = None
    written: dict[str, list[JSONValue]] = field(default_factory=dict)
    """Field -> every value the batch sent for it (None for a clear). Any of them may be the
    one stored: a write to a locked record is ignored by the platform."""
    locked_written: set[bool] = field(default_factory=set)


Numeric = Callable[[str, str], bool]


def _written_value(kind: str, name: str, value: JSONValue, numeric: Numeric) -> JSONValue:
    if value == -1 and numeric(kind, name):
        return None
    return value


def _sent_fields(entry: JournalEntry) -> Mapping[str, JSONValue]:
    sent = entry.sent
    if not isinstance(sent, dict) or entry.action == "delete":
        return {}
    return sent


def histories(entries: Sequence[JournalEntry], numeric: Numeric) -> dict[Target, _History]:
    """Per record: its state before the batch's first write, and what the batch wrote."""
    found: dict[Target, _History] = {}
    for entry in entries:
        target = entry.target
        if target is None:
            continue
        history = found.get(target)
        if history is None:
            history = found[target] = _History(
                before=entry.before, existed=entry.before is not None,
                created=entry.action == "create")
        if entry.action == "delete":
            history.deleted = True
        if entry.after is not None:
            history.after = entry.after
        server = SERVER_FIELDS.get(target.kind, frozenset({"id"}))
        for key, value in _sent_fields(entry).items():
            if key == "locked":
                history.locked_written.add(bool(value))
            elif key not in server:
                history.written.setdefault(key, []).append(
                    _written_value(target.kind, key, value, numeric))
    return found


def empty(value: object) -> bool:
    """No value: None, an empty list or an empty string (the platform treats them alike)."""
    return _empty(value)


def _empty(value: object) -> bool:
    return value is None or value == [] or value == ""


def _same(a: object, b: object) -> bool:
    if _empty(a) and _empty(b):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return bool(a == b)


def _restore_patch(kind: str, fields: Iterable[str], before: Record, current: Record,
                   written: Mapping[str, list[JSONValue]],
                   numeric: Numeric) -> tuple[dict[str, JSONValue], list[str]]:
    patch: dict[str, JSONValue] = {}
    conflicts: list[str] = []
    for name in sorted(fields):
        old, now = before.get(name), current.get(name)
        if _same(old, now):
            continue
        if name in written and not any(_same(now, value) for value in written[name]):
            conflicts.append(name)
        if _empty(old):
            patch[name] = -1 if numeric(kind, name) else None
        else:
            patch[name] = old
    return patch, conflicts


def _recreate_body(kind: str, before: Record, writable: Callable[[str], frozenset[str]]) -> (
    dict[str, JSONValue]
):
    allowed = writable(kind)
    server = SERVER_FIELDS.get(kind, frozenset({"id"}))
    return {k: v for k, v in before.items()
            if k not in server and not _empty(v) and (not allowed or k in allowed)}


Made = Mapping[int, Sequence[tuple[Target, Record]]]
"""Entry id -> what a create whose answer was lost made, as found by ``read_made``."""


def plan_undo(
    entries: Sequence[JournalEntry],
    current: Mapping[Target, Record | None],
    *,
    made: Made | None = None,
    numeric: Numeric | None = None,
    writable: Callable[[str], frozenset[str]] | None = None,
) -> UndoPlan:
    """The writes that put every record a batch touched back as it was before the batch.

    ``current`` maps each target to the record as it is now (None: it does not exist).
    ``made`` names what creates whose answer was lost made (``read_made``; without it they
    are reported as impossible). ``numeric(kind, field)`` says whether -1 clears a field,
    ``writable(kind)`` which fields a create takes (both default to the official schemas).
    """
    is_numeric = numeric or numeric_field
    fields_of = writable or writable_fields
    steps: list[RestoreStep] = []
    for target, history in sorted(histories(entries, is_numeric).items()):
        kind = KINDS.get(target.kind)
        now = current.get(target)
        before = history.before if isinstance(history.before, dict) else None
        if kind is None:
            steps.append(RestoreStep(target, "impossible", current=now,
                                     reason=f"the journal cannot restore a {target.kind}"))
        elif target.kind == "wellness":
            steps.append(_plan_wellness(target, history, now or {}, is_numeric))
        elif kind.whole:
            step = _plan_whole(target, history, now)
            if step is not None:
                steps.append(step)
        elif history.created:
            if now is None:
                continue  # already gone
            if kind.can_delete:
                steps.append(RestoreStep(target, "delete", before=None, current=now))
            else:
                steps.append(RestoreStep(target, "impossible", current=now,
                                         reason="the batch made it and it cannot be deleted"))
        elif history.deleted:
            if now is not None:
                continue  # it is back (or the delete was not applied)
            if before is None:
                steps.append(RestoreStep(target, "impossible",
                                         reason="the record was not read before it was deleted"))
            elif kind.recreate:
                steps.append(RestoreStep(target, "impossible", before=before,
                                         reason=kind.recreate))
            else:
                steps.append(RestoreStep(target, "recreate", before=before,
                                         patch=_recreate_body(target.kind, before, fields_of)))
        else:
            if before is None:
                steps.append(RestoreStep(target, "impossible", current=now,
                                         reason="the record was not read before the write"))
                continue
            if now is None:
                steps.append(RestoreStep(target, "impossible", before=before,
                                         reason="it was deleted after the batch"))
                continue
            patch, conflicts = _restore_patch(target.kind, history.written, before, now,
                                              history.written, is_numeric)
            if patch:
                steps.append(RestoreStep(target, "patch", patch=patch, before=before,
                                         current=now, conflicts=tuple(conflicts)))
    steps.extend(_unknown_records(entries, made or {}))
    return UndoPlan(steps)


def _plan_whole(target: Target, history: _History, now: Record | None) -> RestoreStep | None:
    if history.before is None:
        return RestoreStep(target, "impossible", current=now,
                           reason="it was not read before the write")
    if now is None:
        return RestoreStep(target, "impossible", reason="it no longer exists")
    wanted = document(target.kind, history.before)
    present = document(target.kind, dict(now) if target.kind not in {
        "custom_item_order", "folder_shared_with"} else now.get("items"))
    if wanted == present:
        return None
    written = document(target.kind, history.after) if history.after is not None else None
    conflicts = ("changed after the batch",) if written is not None and written != present \
        else ()
    return RestoreStep(target, "replace", patch={"document": wanted},
                       before={"document": wanted}, current={"document": present},
                       conflicts=conflicts)


def _unknown_records(entries: Sequence[JournalEntry], made: Made) -> list[RestoreStep]:
    """Writes whose records the journal does not know: say so instead of skipping them;
    creates whose answer was lost are undone when what they made was found."""
    steps: list[RestoreStep] = []
    for entry in entries:
        if entry.target is not None:
            continue
        where = Target("write", f"{entry.method} {entry.path}", entry.athlete_id)
        rule = RULES.get(entry.operation_id or "")
        found = made.get(entry.id)
        if rule is not None and not rule.undoable:
            steps.append(RestoreStep(where, "impossible",
                                     reason=f"{entry.operation_id} cannot be undone: "
                                            f"{rule.reason}"))
        elif entry.may_have_been_applied and entry.action == "create" and found is not None:
            if len(found) == 1:  # none: it was not applied, or what it made is gone
                target, record = found[0]
                steps.append(RestoreStep(target, "delete", current=record, reason=(
                    "made by the batch (its answer was lost: found by what was sent)")))
            elif found:
                ids = ", ".join(str(t) for t, _ in found)
                steps.append(RestoreStep(where, "impossible", reason=(
                    f"its answer was lost and {len(found)} records fit what it sent ({ids}): "
                    "delete the one it made by hand")))
        elif entry.may_have_been_applied and entry.action == "create":
            steps.append(RestoreStep(where, "impossible", reason=(
                "it was sent but its answer was lost, so what it made (if anything) is not "
                "known: look for it and delete it by hand")))
        elif entry.action != "other" or rule is None:
            steps.append(RestoreStep(where, "impossible",
                                     reason="the journal does not know which record it changed"))
    return steps


def _plan_wellness(target: Target, history: _History, now: Record,
                   numeric: Numeric) -> RestoreStep:
    before: Record = history.before if isinstance(history.before, dict) else {}
    patch, conflicts = _restore_patch("wellness", history.written, before, now,
                                      history.written, numeric)
    was_locked, is_locked = bool(before.get("locked")), bool(now.get("locked"))
    if was_locked != is_locked and is_locked not in history.locked_written:
        conflicts.append("locked")
    unlock_first = bool(patch) and is_locked
    relock_after = was_locked and (unlock_first or not is_locked)
    if not patch and was_locked == is_locked:
        return RestoreStep(target, "patch", before=before, current=now)  # nothing to do
    if not patch and not was_locked and is_locked:
        unlock_first = True  # only the lock differs: unlocking is the whole restore
    return RestoreStep(target, "patch", patch=patch, unlock_first=unlock_first,
                       relock_after=relock_after, before=before, current=now,
                       conflicts=tuple(conflicts))


def step_is_noop(step: RestoreStep) -> bool:
    return step.action == "patch" and not step.patch and not step.unlock_first and \
        not step.relock_after


def _model(kind: str) -> type | None:
    from intervals_icu import models

    found = KINDS.get(kind)
    model = getattr(models, found.model, None) if found else None
    return model if isinstance(model, type) else None


def numeric_field(kind: str, name: str) -> bool:
    """True when ``name`` is a number in the official schema of ``kind`` (so -1 clears it)."""
    from pydantic import BaseModel

    from intervals_icu.updates import is_numeric_field

    model = _model(kind)
    if model is None or not issubclass(model, BaseModel) or name not in model.model_fields:
        return False
    return is_numeric_field(model, name)


def writable_fields(kind: str) -> frozenset[str]:
    """The fields a write of ``kind`` takes (empty: unknown, anything goes)."""
    from pydantic import BaseModel

    model = _model(kind)
    if model is None or not issubclass(model, BaseModel):
        return frozenset()
    return frozenset(model.model_fields)
