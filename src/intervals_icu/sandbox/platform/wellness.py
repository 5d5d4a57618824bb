"""Wellness writes: one record per local day; partial writes, -1 clears, ``updated`` and
``locked`` (API-NOTES §4.9).

Locked records (UNCERTAIN on the platform, see docs/sandbox.md): a write that does not carry
``"locked": false`` leaves a locked record unchanged (``ignore`` mode: the record as stored;
``reject`` mode: 422 ``Record is locked``); device imports never change it.
"""

from __future__ import annotations

from typing import Any, Literal

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import apply_patch
from intervals_icu.sandbox.state import SandboxState

__all__ = ["COMPUTED_FIELDS", "update_current_profile", "write_wellness"]


COMPUTED_FIELDS = {"ctl", "atl", "rampRate", "ctlLoad", "atlLoad", "sportInfo", "updated"}


def write_wellness(
    state: SandboxState,
    athlete_id: str,
    day: str,
    patch: dict[str, Any],
    *,
    source: Literal["api", "device"] = "api",
    emit: bool = True,
) -> dict[str, Any]:
    """Create or change the record of ``day``; the one place wellness is written."""
    store = state.store(athlete_id)
    record = store.wellness.get(day)
    patch = {k: v for k, v in patch.items() if k not in COMPUTED_FIELDS and k != "id"}
    if record is not None and record.get("locked") and patch.get("locked") is not False:
        changing = {k for k, v in patch.items() if k != "locked" and record.get(k) != v}
        if source == "device" or not changing:
            return record
        if state.options.locked_write_mode == "reject":
            raise ApiError(422, f"Record is locked: wellness {day}")
        return record
    if record is None:
        record = {"id": day, "locked": False, "tempWeight": False, "tempRestingHR": False}
        store.wellness[day] = record
        changed = ["id", *apply_patch("Wellness", record, patch)]
    else:
        changed = apply_patch("Wellness", record, patch)
    if changed:
        record["updated"] = state.now_stamp()
        if emit:
            state.emit(athlete_id, "WELLNESS_UPDATED", records=[dict(record)])
    return record


def update_current_profile(state: SandboxState, athlete_id: str, day: str, local_date: str | None,
                    record: dict[str, Any]) -> None:
    """``localDate`` equal to the record's day also updates the athlete's current weight and
    resting HR (documented by the platform's author, API-NOTES §4.9)."""
    if local_date and local_date[:10] == day:
        profile = state.accounts[athlete_id].profile
        if record.get("weight") is not None:
            profile["icu_weight"] = record["weight"]
        if record.get("restingHR") is not None:
            profile["icu_resting_hr"] = record["restingHR"]
