"""What a write will do, as the diff the CLI's ``--dry-run`` prints (``--json`` form: record,
action, before, after, note): pure functions shared by every write tool, with the CLI's
rules (-1 clears a number; a locked wellness day is skipped unless unlocking is asked for,
and locked again after)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["Change", "WellnessPlan", "event_summary", "field_changes", "plan_wellness",
           "undo_change"]


class Change(BaseModel):
    record: str
    """How the record is named, e.g. ``wellness 2026-03-01``, ``event 42 'Long ride'``."""
    action: Literal["update", "create", "delete"] = "update"
    before: dict[str, Any] = Field(default_factory=dict)
    """The fields as they are (only those that change, for updates)."""
    after: dict[str, Any] = Field(default_factory=dict)
    """The fields as they will be."""
    note: str = ""


def _empty(value: Any) -> bool:
    return value is None or value == ""


def field_changes(before: Mapping[str, Any] | None, patch: Mapping[str, Any],
                  numeric: Callable[[str], bool] | None = None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) restricted to the fields ``patch`` really changes; -1 on a numeric
    field shows as cleared (None)."""
    before = before or {}
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key, value in patch.items():
        if key == "id":
            continue
        target = None if (value == -1 and not isinstance(value, bool) and
                          (numeric is None or numeric(key))) else value
        current = before.get(key)
        if current != target and not (_empty(current) and _empty(target)):
            old[key] = current
            new[key] = target
    return old, new


class WellnessPlan(BaseModel):
    changes: list[Change]
    writes: list[dict[str, Any]]
    """The first bulk write (locked records unlocked in it)."""
    relocks: list[dict[str, Any]]
    """The second write: records that were locked, locked again."""
    skipped: list[str]


def plan_wellness(current: Mapping[str, Mapping[str, Any]], days: Sequence[str],
                  patch: Mapping[str, Any], *, lock: bool | None, edit_locked: bool,
                  numeric: Callable[[str], bool]) -> WellnessPlan:
    """The writes that put ``patch`` on every day of ``days`` (``current``: the records by
    day as the API sends them). A locked record is changed only with ``edit_locked``
    (unlocked in the write, locked again after); ``lock`` sets the lock of every record
    written."""
    changes: list[Change] = []
    writes: list[dict[str, Any]] = []
    relocks: list[dict[str, Any]] = []
    skipped: list[str] = []
    for day in days:
        record = current.get(day, {})
        was_locked = bool(record.get("locked"))
        old, new = field_changes(record, patch, numeric)
        want_locked = was_locked if lock is None else lock
        if not new and want_locked == was_locked:
            continue
        if was_locked and new and not edit_locked:
            skipped.append(f"wellness {day} is locked: not changed (ask again with "
                           "unlock_locked=true to edit locked days; they are locked again "
                           "after)")
            continue
        body: dict[str, Any] = {"id": day, **patch}
        if was_locked and new:
            body["locked"] = False
            if want_locked:
                relocks.append({"id": day, "locked": True})
        elif want_locked != was_locked:
            body["locked"] = want_locked
        if want_locked != was_locked:
            old["locked"], new["locked"] = was_locked, want_locked
        writes.append(body)
        changes.append(Change(record=f"wellness {day}",
                              action="update" if record else "create", before=old, after=new))
    return WellnessPlan(changes=changes, writes=writes, relocks=relocks, skipped=skipped)


def event_summary(event: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("start_date_local", "category", "type", "name", "description", "external_id",
            "moving_time", "icu_training_load")
    return {k: event[k] for k in keys if event.get(k) not in (None, "")}


def undo_change(step: Any, numeric: Callable[[str, str], bool]) -> Change:
    """One step of an undo plan (:func:`intervals_icu.journal.plan_undo`) as a change."""
    target = step.target
    current = dict(step.current or {})
    if step.action == "delete":
        return Change(record=str(target), action="delete",
                      before={k: current.get(k) for k in ("name", "start_date_local", "type")
                              if current.get(k)},
                      note=step.reason or "created by the batch")
    if step.action == "recreate":
        return Change(record=str(target), action="create", after=dict(step.patch),
                      note="deleted by the batch")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in step.patch.items():
        before[key] = current.get(key)
        after[key] = None if value == -1 and numeric(target.kind, key) else value
    if step.unlock_first or step.relock_after:
        before["locked"] = bool(current.get("locked"))
        after["locked"] = bool((step.before or {}).get("locked"))
    return Change(record=str(target), action="update", before=before, after=after,
                  note=("changed since the batch: " + ", ".join(step.conflicts))
                  if step.conflicts else "")
