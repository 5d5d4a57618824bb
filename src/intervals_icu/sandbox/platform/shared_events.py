"""Shared events: races and group rides anyone can add to their calendar. The spec keeps
only the read route; the create/update routes were removed from it (API-NOTES §1.2), so
shared events come from the seeded world, the control API (``POST /_sandbox/shared-events``)
or :meth:`Sandbox.add_shared_event`. A shared event belongs to the athlete who created it
and is visible to every caller.
"""

from __future__ import annotations

from typing import Any

from intervals_icu.sandbox.state import SandboxState

__all__ = ["add_shared_event", "find_shared_event"]


def add_shared_event(state: SandboxState, athlete_id: str, *, name: str,
                     start_date_local: str, courses: list[dict[str, Any]] | None = None,
                     **fields: Any) -> dict[str, Any]:
    event_id = state.next_id("shared-event", start=5000)
    event: dict[str, Any] = {
        "id": event_id, "athlete_id": athlete_id, "name": name, "category": "RACE",
        "start_date_local": start_date_local, "visibility": "PUBLIC",
        "updated": state.now_stamp(), **fields,
    }
    event["courses"] = [
        {"id": state.next_id("course", start=7000), "shared_event_id": event_id, **course}
        for course in courses or []
    ]
    state.store(athlete_id).extra.setdefault("shared_events", {})[event_id] = event
    return event


def find_shared_event(state: SandboxState, event_id: int) -> dict[str, Any] | None:
    for store in state.stores.values():
        found = store.extra.get("shared_events", {}).get(event_id)
        if found is not None:
            return dict(found)
    return None
