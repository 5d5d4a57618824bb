"""What the webhook worker asks of the mirror, as the fleet wants it done.

The fleet's workers process each athlete's inbox entries with the webhook package's own
:class:`~intervals_icu.webhooks.Worker` (its steps, retries, dead letters and handlers), with
this target in place of the plain mirror:

* an athlete the app may not read (revoked, refused, unknown) is skipped: nothing is re-read
  for them, their rows stay as they are;
* APP_SCOPE_CHANGED ``deauthorized`` checks with the athlete's stored token (a delivery is
  a hint) and, when it is refused, marks the athlete revoked (and the mirror's access lost:
  their rows are kept). A late revocation, after which the app already stored a new token,
  changes nothing: the new token still reads;
* APP_SCOPE_CHANGED granting changes nothing here: the new token comes from the app's OAuth
  callback (``Fleet.add_token``), which queues the catch-up sync, paced like a first sync;
* a request the budget refuses defers the entry (``EntryDeferred``), without counting an
  attempt, until the budget has room;
* the periodic reconciliation is the fleet's own schedule, not the worker's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from intervals_icu import errors
from intervals_icu.dates import LocalDate
from intervals_icu.fleet.meter import BudgetRefused
from intervals_icu.fleet.store import FleetStore, Grant
from intervals_icu.mirror import Mirror
from intervals_icu.webhooks.errors import EntryDeferred

__all__ = ["MAX_DEFER", "FleetTarget"]

T = TypeVar("T")

MAX_DEFER = timedelta(seconds=60)
"""A deferred entry is looked at again at least this often (looking costs no request, and
budget may come back sooner than the refusal said: another worker gave some back)."""


class FleetTarget:
    """The fleet's :class:`~intervals_icu.webhooks.MirrorTarget` (see the module docs)."""

    def __init__(self, mirror: Mirror, store: FleetStore,
                 clock: Callable[[], datetime]) -> None:
        self.mirror = mirror
        self.store = store
        self.clock = clock

    async def _readable(self, athlete_id: str) -> bool:
        row = await asyncio.to_thread(self.store.athlete, athlete_id)
        return row is not None and row.grant is Grant.ACTIVE

    async def _paid(self, work: Callable[[], Awaitable[T]]) -> T:
        try:
            return await work()
        except BudgetRefused as exc:
            raise self._deferred(str(exc), exc.until) from exc
        except errors.BudgetExhausted as exc:  # the platform's own refusal (a budget 429)
            raise self._deferred(str(exc), exc.resets_at or self.clock()) from exc

    def _deferred(self, reason: str, until: datetime) -> EntryDeferred:
        wait = min(max(until - self.clock(), timedelta(seconds=1)), MAX_DEFER)
        return EntryDeferred(reason, until=datetime.now(UTC) + wait)

    async def refresh_activity(self, athlete_id: str, activity_id: str) -> object:
        if not await self._readable(athlete_id):
            return None
        return await self._paid(lambda: self.mirror.refresh_activity(athlete_id, activity_id))

    async def refresh_event(self, athlete_id: str, event_id: int) -> object:
        if not await self._readable(athlete_id):
            return None
        return await self._paid(lambda: self.mirror.refresh_event(athlete_id, event_id))

    async def refresh_events(self, athlete_id: str, oldest: LocalDate,
                             newest: LocalDate | None = None) -> object:
        if not await self._readable(athlete_id):
            return None
        return await self._paid(lambda: self.mirror.refresh_events(athlete_id, oldest, newest))

    async def refresh_wellness(self, athlete_id: str, days: Iterable[LocalDate]) -> object:
        if not await self._readable(athlete_id):
            return None
        wanted = list(days)
        return await self._paid(lambda: self.mirror.refresh_wellness(athlete_id, wanted))

    async def refresh_sport_settings(self, athlete_id: str) -> object:
        if not await self._readable(athlete_id):
            return None
        return await self._paid(lambda: self.mirror.refresh_sport_settings(athlete_id))

    async def deauthorized(self, athlete_id: str, *, at: datetime | None = None) -> bool:
        """True when the athlete stays readable (the stored token still works: e.g. the
        app stored a new one after this revocation was sent); else they are marked
        revoked, rows kept."""
        when = at or self.clock()
        row = await asyncio.to_thread(self.store.athlete, athlete_id)
        if row is None:
            return False
        if row.grant is Grant.ACTIVE and await self._paid(
                lambda: self.mirror.deauthorized(athlete_id, at=when)):
            return True
        await asyncio.to_thread(self.store.revoke, athlete_id, at=when, checked=row,
                                reason="revoked the app (APP_SCOPE_CHANGED deauthorized)")
        return False

    async def authorized(self, athlete_id: str) -> object:
        return None  # the OAuth callback's new token (Fleet.add_token) queues the catch-up

    async def reconcile(self) -> object:
        return None  # the fleet schedules reconciliations itself
