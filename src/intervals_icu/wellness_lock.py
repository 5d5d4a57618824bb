"""Locked wellness records (pure functions): deciding whether a write was applied, and
planning writes over a range of days that may hold locked records.

The platform's ``locked`` flag protects a wellness record from being overwritten; a write
that does not unlock it is not applied (API-NOTES §4.9, UNCERTAIN; the sandbox documents its
assumption). The client detects this from the response, without an extra request: if the
record comes back locked and a field we sent is not what we sent, the write was refused.

:func:`plan_writes` is the one planner behind ``icu wellness set|lock|unlock`` and the MCP
server's wellness tool: a locked record is changed only when asked (unlocked in the write,
locked again in a second one), the others are skipped and named.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from intervals_icu.updates import CLEAR_VALUE, field_changes

__all__ = ["DayWrite", "WellnessWrites", "plan_writes", "unapplied_fields"]


def _same(sent: Any, stored: Any) -> bool:
    if sent == CLEAR_VALUE:
        return stored is None or stored == CLEAR_VALUE
    if isinstance(sent, (int, float)) and isinstance(stored, (int, float)):
        return math.isclose(float(sent), float(stored), rel_tol=1e-6, abs_tol=1e-6)
    return bool(sent == stored)


def unapplied_fields(sent: Mapping[str, Any], returned: BaseModel) -> list[str]:
    """Names of fields in ``sent`` whose value the returned record does not carry."""
    stored = returned.model_dump(mode="json", by_alias=True)
    missing: list[str] = []
    for key, value in sent.items():
        if key in {"id", "locked"} or key not in stored:
            continue  # custom fields may not be echoed; only judge what the record shows
        if not _same(value, stored[key]):
            missing.append(key)
    return missing


@dataclass(frozen=True)
class DayWrite:
    """One day's record a plan changes."""

    day: str
    action: Literal["update", "create"]
    before: dict[str, Any]
    """The fields as they are (only those that change; ``locked`` when the lock changes)."""
    after: dict[str, Any]
    unlocked: bool = False
    """The record is locked: the write unlocks it (asked for with ``edit_locked``)."""
    relocked: bool = False
    """... and a second write locks it again."""


@dataclass(frozen=True)
class WellnessWrites:
    days: list[DayWrite]
    writes: list[dict[str, Any]]
    """The first bulk write (locked records unlocked in it)."""
    relocks: list[dict[str, Any]]
    """The second bulk write: the records unlocked for the first, locked again."""
    skipped: list[str]
    """Days left alone: locked, and ``edit_locked`` was not given."""


def plan_writes(current: Mapping[str, Mapping[str, Any]], days: Sequence[str],
                patch: Mapping[str, Any], *, lock: bool | None, edit_locked: bool,
                numeric: Callable[[str], bool] | None = None) -> WellnessWrites:
    """The writes that put ``patch`` on every day of ``days`` (``current``: the stored
    records by day, as the API sends them). A locked record is changed only with
    ``edit_locked`` (unlocked in the write, locked again after); ``lock`` True/False sets
    the lock of every record written (None: each keeps its own). A day whose record would
    not change is left out."""
    planned: list[DayWrite] = []
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
            skipped.append(day)
            continue
        body: dict[str, Any] = {"id": day, **patch}
        unlocked = relocked = False
        if was_locked and new:
            body["locked"] = False
            unlocked = True
            if want_locked:
                relocks.append({"id": day, "locked": True})
                relocked = True
        elif want_locked != was_locked:
            body["locked"] = want_locked
        if want_locked != was_locked:
            old["locked"], new["locked"] = was_locked, want_locked
        writes.append(body)
        planned.append(DayWrite(day, "update" if record else "create", old, new,
                                unlocked=unlocked, relocked=relocked))
    return WellnessWrites(planned, writes, relocks, skipped)
