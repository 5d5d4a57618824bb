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

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from intervals_icu.dates import LocalDate
from intervals_icu.webhooks.payloads import (
    ActivityDeletedEvent,
    ActivityEvent,
    AppScopeChangedEvent,
    CalendarUpdatedEvent,
    SportSettingsUpdatedEvent,
    WebhookEvent,
    WellnessUpdatedEvent,
)

__all__ = ["CALENDAR_LOOK_AHEAD_DAYS", "CALENDAR_LOOK_BACK_DAYS", "MirrorTarget",
           "apply_to_mirror", "reconcile_mirror"]


class MirrorTarget(Protocol):
    """What the worker asks of the mirror (:class:`intervals_icu.mirror.Mirror` is one).

    Each call re-reads the API and applies what it finds; an athlete the mirror cannot read
    any more is skipped by the mirror itself."""

    async def refresh_activity(self, athlete_id: str, activity_id: str) -> object:
        """ACTIVITY_*: upsert, or mark deleted on 404."""

    async def refresh_event(self, athlete_id: str, event_id: int) -> object:
        """CALENDAR_UPDATED naming an event (live or deleted): upsert, or mark deleted."""

    async def refresh_events(self, athlete_id: str, oldest: LocalDate,
                             newest: LocalDate | None = None) -> object:
        """CALENDAR_UPDATED naming nothing: re-read a window of the calendar."""

    async def refresh_wellness(self, athlete_id: str, days: Iterable[LocalDate]) -> object:
        """WELLNESS_UPDATED, FITNESS_UPDATED: the records of those days."""

    async def refresh_sport_settings(self, athlete_id: str) -> object:
        """SPORT_SETTINGS_UPDATED: the profile and every sport's settings."""

    async def deauthorized(self, athlete_id: str, *, at: datetime | None = None) -> bool:
        """APP_SCOPE_CHANGED revoking: True when the mirror's credentials still read them."""

    async def authorized(self, athlete_id: str) -> object:
        """APP_SCOPE_CHANGED granting: catch the athlete up (raises if it could not)."""

    async def reconcile(self) -> object:
        """The periodic catch-up: an incremental sync of the athletes the mirror keeps."""


CALENDAR_LOOK_BACK_DAYS = 31
"""A CALENDAR_UPDATED that names no event re-reads the calendar from this many days ago..."""
CALENDAR_LOOK_AHEAD_DAYS = 365
"""...to this many days ahead (the mirror's default planning horizon)."""


def _days(ids: list[str]) -> list[date]:
    days: set[date] = set()
    for text in ids:
        try:
            days.add(date.fromisoformat(text[:10]))
        except ValueError:
            continue
    return sorted(days)


async def apply_to_mirror(mirror: MirrorTarget, event: WebhookEvent) -> str | None:
    """Bring the mirror up to date with what ``event`` names; returns what was done (for
    logs), or None when the event concerns nothing the mirror keeps."""
    athlete = event.athlete_id
    if isinstance(event, (ActivityEvent, ActivityDeletedEvent)):
        if event.activity_id is None:
            return None
        # Deletions too: the mirror tombstones the row only if the API confirms (404).
        await mirror.refresh_activity(athlete, event.activity_id)
        return f"refreshed activity {event.activity_id}"
    if isinstance(event, CalendarUpdatedEvent):
        return await _apply_calendar(mirror, event)
    if isinstance(event, WellnessUpdatedEvent):  # FITNESS_UPDATED too
        days = _days(event.days)
        if not days:
            return None
        await mirror.refresh_wellness(athlete, days)
        return f"refreshed wellness {days[0]}..{days[-1]}"
    if isinstance(event, SportSettingsUpdatedEvent):
        await mirror.refresh_sport_settings(athlete)
        return "refreshed sport settings"
    if isinstance(event, AppScopeChangedEvent):
        return await _apply_access(mirror, event)
    return None


async def _apply_access(mirror: MirrorTarget, event: AppScopeChangedEvent) -> str:
    """An athlete leaving is not a deletion: a deauthorization marks the athlete (rows
    kept, syncing stopped) unless the mirror's credentials still read them (a coach's key);
    an authorization runs a catch-up sync of the athlete."""
    athlete = event.athlete_id
    if event.deauthorized:
        if await mirror.deauthorized(athlete, at=event.timestamp):
            return "deauthorized, but the mirror's credentials still read the athlete: kept " \
                   "syncing"
        return ("deauthorized: the athlete's rows are kept, syncing stopped until access "
                "comes back")
    await mirror.authorized(athlete)
    return "authorized: caught the athlete up"


async def _apply_calendar(mirror: MirrorTarget, event: CalendarUpdatedEvent) -> str:
    athlete = event.athlete_id
    if event.is_notification_only:
        today = datetime.now(UTC).date()
        await mirror.refresh_events(athlete, today - timedelta(days=CALENDAR_LOOK_BACK_DAYS),
                                    today + timedelta(days=CALENDAR_LOOK_AHEAD_DAYS))
        return "refreshed the calendar"
    # Each event by id, whatever the payload says about it (maybe stale): the API answers
    # with the event as it is now, or 404 and the row is marked deleted.
    ids = list(dict.fromkeys(event.event_ids + event.deleted_event_ids))
    numeric = [int(i) for i in ids if i.isdigit()]
    for event_id in numeric:
        await mirror.refresh_event(athlete, event_id)
    if len(numeric) < len(ids):
        # An id the platform would not give (events have numeric ids): re-read the days the
        # payload names instead.
        days = _days([str(e.start_date_local or "") for e in event.events or []])
        if days:
            await mirror.refresh_events(athlete, days[0], days[-1])
    return f"refreshed events {', '.join(ids)}"


async def reconcile_mirror(mirror: MirrorTarget) -> object:
    """The periodic reconciliation: the mirror's incremental sync of the athletes it keeps
    (``mirror.reconcile()``). It catches up whatever deliveries were missed while the
    receiver was down or gave up, and athletes whose access came back."""
    return await mirror.reconcile()
