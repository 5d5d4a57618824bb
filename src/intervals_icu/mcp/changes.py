"""What a write will do, as the diff the CLI's ``--dry-run`` prints (``--json`` form: record,
action, before, after, note): pure functions shared by every write tool, with the CLI's
rules (-1 clears a number; a locked wellness day is skipped unless unlocking is asked for,
and locked again after)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from intervals_icu.updates import field_changes
from intervals_icu.wellness_lock import plan_writes

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
    """The writes that put ``patch`` on every day of ``days``
    (:func:`intervals_icu.wellness_lock.plan_writes`, worded for a tool's caller)."""
    plan = plan_writes(current, days, patch, lock=lock, edit_locked=edit_locked,
                       numeric=numeric)
    return WellnessPlan(
        changes=[Change(record=f"wellness {d.day}", action=d.action, before=d.before,
                        after=d.after) for d in plan.days],
        writes=plan.writes, relocks=plan.relocks,
        skipped=[f"wellness {day} is locked: not changed (ask again with unlock_locked=true "
                 "to edit locked days; they are locked again after)" for day in plan.skipped])


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
