"""Apply an event to the mirror by re-reading what it names: a delivery is a hint, the API
is the truth.

The platform captures an event's payload when it queues the event and does not re-query
before sending (API-NOTES §0.1). So a CALENDAR_UPDATED listing an event as live can arrive
minutes after that event was deleted, and an ACTIVITY_UPDATED can carry a name that was
changed again since. Copying payloads into the mirror would resurrect deleted rows and
write stale values; re-reading cannot: the mirror asks the API for the current state of
each record the event names, upserts what exists and tombstones what the API says is gone
(404). Applying the same event twice, or two events out of order, ends in the same state.
"""

from __future__ import annotations

import asyncio
import inspect
from datetime import date
from typing import Any, Protocol

from intervals_icu.errors import ConfigurationError
from intervals_icu.webhooks.payloads import (
    ActivityDeletedEvent,
    ActivityEvent,
    AppScopeChangedEvent,
    CalendarUpdatedEvent,
    SportSettingsUpdatedEvent,
    WebhookEvent,
    WellnessUpdatedEvent,
)

__all__ = ["MirrorTarget", "apply_to_mirror"]


class MirrorTarget(Protocol):
    """What the worker calls on the mirror (``intervals_icu.mirror.Mirror`` provides it;
    any object with these methods, sync or async, works)."""

    async def refresh_activity(self, athlete_id: str, activity_id: str) -> Any: ...

    async def refresh_event(self, athlete_id: str, event_id: int) -> Any: ...

    async def refresh_events(self, athlete_id: str, oldest: date | None,
                             newest: date | None) -> Any: ...

    async def refresh_wellness(self, athlete_id: str, days: list[date]) -> Any: ...

    async def forget_athlete(self, athlete_id: str) -> Any: ...


async def _call(mirror: Any, name: str, *args: Any, required: bool = True) -> bool:
    method = getattr(mirror, name, None)
    if method is None:
        if required:
            raise ConfigurationError(
                f"the mirror has no {name}(): the webhook worker needs it to apply events "
                f"(see MirrorTarget in intervals_icu.webhooks.apply)"
            )
        return False
    if inspect.iscoroutinefunction(method):
        await method(*args)
    else:
        result = await asyncio.to_thread(method, *args)
        if inspect.isawaitable(result):
            await result
    return True


def _event_id(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _days(ids: list[str]) -> list[date]:
    days: set[date] = set()
    for text in ids:
        try:
            days.add(date.fromisoformat(text[:10]))
        except ValueError:
            continue
    return sorted(days)


async def apply_to_mirror(mirror: Any, event: WebhookEvent) -> str | None:
    """Bring the mirror up to date with what ``event`` names; returns what was done (for
    logs), or None when the event concerns nothing the mirror keeps."""
    athlete = event.athlete_id
    if isinstance(event, (ActivityEvent, ActivityDeletedEvent)):
        if event.activity_id is None:
            return None
        # Deletions too: the mirror tombstones the row only if the API confirms (404).
        await _call(mirror, "refresh_activity", athlete, event.activity_id)
        return f"refreshed activity {event.activity_id}"
    if isinstance(event, CalendarUpdatedEvent):
        if event.is_notification_only:
            await _call(mirror, "refresh_events", athlete, None, None)
            return "refreshed the calendar"
        ids = list(dict.fromkeys(event.event_ids + event.deleted_event_ids))
        for event_id in ids:
            await _call(mirror, "refresh_event", athlete, _event_id(event_id))
        return f"refreshed events {', '.join(ids)}"
    if isinstance(event, WellnessUpdatedEvent):  # FITNESS_UPDATED too
        days = _days(event.days)
        if not days:
            return None
        await _call(mirror, "refresh_wellness", athlete, days)
        return f"refreshed wellness {days[0]}..{days[-1]}"
    if isinstance(event, SportSettingsUpdatedEvent):
        done = await _call(mirror, "refresh_sport_settings", athlete, required=False)
        return "refreshed sport settings" if done else None
    if isinstance(event, AppScopeChangedEvent):
        if event.deauthorized:
            await _call(mirror, "forget_athlete", athlete)
            return "stopped syncing the athlete (deauthorized)"
        done = await _call(mirror, "track_athlete", athlete, required=False)
        return "syncing the athlete" if done else None
    return None
