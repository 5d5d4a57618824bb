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
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
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

__all__ = ["MirrorTarget", "apply_to_mirror", "reconcile_mirror"]


class MirrorTarget(Protocol):
    """What the worker calls on the mirror (:class:`intervals_icu.mirror.Mirror` has it;
    any object with these methods, sync or async, works). ``refresh_event`` (one calendar
    event by id) is used when present; otherwise the event's date is looked up and its
    day re-read with ``refresh_events``."""

    async def refresh_activity(self, athlete_id: str, activity_id: str) -> Any: ...

    async def refresh_events(self, athlete_id: str, oldest: date,
                             newest: date | None = None) -> Any: ...

    async def refresh_wellness(self, athlete_id: str, days: Iterable[date]) -> Any: ...

    def forget_athlete(self, athlete_id: str) -> Any: ...


CALENDAR_LOOK_BACK_DAYS = 31
"""A CALENDAR_UPDATED that names no event re-reads the calendar from this many days ago..."""
CALENDAR_LOOK_AHEAD_DAYS = 365
"""...to this many days ahead (the mirror's default planning horizon)."""


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
        return await _apply_calendar(mirror, event)
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
        return await _apply_access(mirror, event)
    return None


async def _apply_access(mirror: Any, event: AppScopeChangedEvent) -> str | None:
    """An athlete leaving is not a deletion: a deauthorization marks the athlete (rows
    kept, syncing stopped) unless the mirror's credentials still read them (a coach's key);
    an authorization runs a catch-up sync of the athlete."""
    athlete = event.athlete_id
    if event.deauthorized:
        method = getattr(mirror, "deauthorized", None)
        if method is None:  # an older mirror-like object
            await _call(mirror, "forget_athlete", athlete)
            return "stopped syncing the athlete (deauthorized)"
        readable = await method(athlete, at=event.timestamp)
        return ("deauthorized, but the mirror's credentials still read the athlete: kept "
                "syncing" if readable else
                "deauthorized: the athlete's rows are kept, syncing stopped until access "
                "comes back")
    method = getattr(mirror, "authorized", None)
    if method is None:
        done = await _call(mirror, "refresh_sport_settings", athlete, required=False)
        return "syncing the athlete" if done else None
    await method(athlete)
    return "authorized: caught the athlete up"


async def _apply_calendar(mirror: Any, event: CalendarUpdatedEvent) -> str:
    athlete = event.athlete_id
    if event.is_notification_only:
        today = datetime.now(UTC).date()
        await _call(mirror, "refresh_events", athlete,
                    today - timedelta(days=CALENDAR_LOOK_BACK_DAYS),
                    today + timedelta(days=CALENDAR_LOOK_AHEAD_DAYS))
        return "refreshed the calendar"
    ids = list(dict.fromkeys(event.event_ids + event.deleted_event_ids))
    if getattr(mirror, "refresh_event", None) is not None:
        for event_id in ids:
            await _call(mirror, "refresh_event", athlete, _event_id(event_id))
        return f"refreshed events {', '.join(ids)}"
    # Re-read the days the events are on: the day the payload says (maybe stale) and the
    # day the mirror has; the mirror asks by id for an event missing from its day, so a
    # moved event is found and a deleted one is tombstoned.
    days = set(_days([str(e.start_date_local or "") for e in event.events or []]))
    days.update(await _mirrored_event_days(mirror, athlete, {_event_id(i) for i in ids}))
    for oldest, newest in _spans(sorted(days)):
        await _call(mirror, "refresh_events", athlete, oldest, newest)
    return f"refreshed events {', '.join(ids)}"


async def _mirrored_event_days(mirror: Any, athlete_id: str, ids: set[int | str]) -> set[date]:
    store = getattr(mirror, "store", None)
    rows = getattr(store, "rows", None)
    if rows is None:
        return set()

    def lookup() -> set[date]:
        found: set[date] = set()
        for row in rows("events", athlete_id, include_deleted=True):
            if row.get("event_id") in ids and isinstance(row.get("local_date"), date):
                found.add(row["local_date"])
        return found

    return await asyncio.to_thread(lookup)


def _spans(days: list[date], gap: int = 7) -> list[tuple[date, date]]:
    """Group sorted days into ranges (days less than ``gap`` apart share one request)."""
    spans: list[tuple[date, date]] = []
    for day in days:
        if spans and (day - spans[-1][1]).days < gap:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


async def reconcile_mirror(mirror: Any, *, exclude: Iterable[str] = ()) -> Any:
    """The periodic reconciliation: the mirror's incremental sync of the athletes it keeps
    (minus ``exclude``: those who deauthorized the app). It catches up whatever deliveries
    were missed while the receiver was down or gave up. A mirror with no athlete yet is
    left alone: run its first sync yourself."""
    skipped = set(exclude)
    store = getattr(mirror, "store", None)
    athlete_ids = getattr(store, "athlete_ids", None)
    kwargs: dict[str, Any] = {}
    if athlete_ids is not None:
        known = await asyncio.to_thread(athlete_ids)
        athletes = [a for a in known if a not in skipped]
        if not athletes:
            return None
        kwargs["athletes"] = athletes
    sync = getattr(mirror, "sync_async", None)
    if sync is None or not inspect.iscoroutinefunction(sync):
        sync = getattr(mirror, "sync", None)
    if sync is None:
        raise ConfigurationError("the mirror has no sync_async()/sync() to reconcile with")
    if inspect.iscoroutinefunction(sync):
        return await sync(**kwargs)
    return await asyncio.to_thread(sync, **kwargs)
