"""One athlete's part of a sync run: the profile (and whether the credentials still read the
athlete), then activities with their details, wellness and events, and gear, concurrently.

Activities tell where the history starts (the floor of wellness and events): a history read
signals it after its first request, so the three run together. Each kind runs guarded: an API
error is recorded in its report and saved state, and the other kinds and athletes go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intervals_icu import errors
from intervals_icu.dates import today_in
from intervals_icu.mirror.activity_passes import ActivityPasses
from intervals_icu.mirror.context import RunContext, count, current_kind, describe, refused
from intervals_icu.mirror.dated import DatedKind, DatedPass
from intervals_icu.mirror.details import fetch_files, fetch_intervals, fetch_streams
from intervals_icu.mirror.records import to_record
from intervals_icu.mirror.report import AthleteReport
from intervals_icu.mirror.ripple import earliest
from intervals_icu.mirror.store import StateUpdate, WriteCounts
from intervals_icu.mirror.store_thread import StoreThread
from intervals_icu.mirror.writes import gear_write, profile_writes

if TYPE_CHECKING:
    from intervals_icu import AsyncClient

__all__ = ["AthleteRun", "apply_profile"]


class AthleteRun:
    """Sync one athlete (``"0"``: the credentials' own) in the run ``ctx``; ``listed`` is
    their row from a coach's roster listing, if any."""

    def __init__(self, ctx: RunContext, requested_id: str,
                 listed: Mapping[str, Any] | None = None) -> None:
        self.ctx = ctx
        self.requested_id = requested_id
        self.listed = dict(listed or {})
        self.report = AthleteReport(athlete_id=requested_id)
        self.ripple: date | None = None
        self.access_checked = False

    @property
    def athlete_id(self) -> str:
        return self.report.athlete_id

    async def run(self) -> AthleteReport:
        ctx, requested = self.ctx, self.requested_id
        client = ctx.client if requested == "0" else await ctx.athlete_client(requested)
        profile_kind = self.report.kind("sport_settings")
        access = await ctx.db.run(ctx.store.access, requested) if requested != "0" else None
        lost = access is not None and access.lost
        # An athlete the credentials could not read: only the profile is asked for (is the
        # access back?), and their rows are left as they are until it is.
        profile = None if lost else await self._cached_profile()
        fetched = profile is None
        if profile is None:
            token = current_kind.set(profile_kind)
            try:
                profile = to_record(await client.athletes.get())
            except (errors.AuthenticationError, errors.PermissionDenied) as exc:
                self.report.error = (await self._access_lost(exc) if refused(exc)
                                     else describe(exc))
                return self.report
            except (errors.APIError, errors.TransportError) as exc:
                self.report.error = describe(exc)
                return self.report
            finally:
                current_kind.reset(token)
        if lost:
            # Readable again: this run is the catch-up (every kind from its saved position).
            await ctx.db.run(ctx.store.mark_access_regained, requested)
        athlete_id = str(profile.get("id") or requested)
        self.report.athlete_id = athlete_id
        self.report.name = profile.get("name")
        if requested == "0":
            client = await ctx.athlete_client(athlete_id)
        today = today_in(profile.get("timezone"))
        if fetched:
            is_self = athlete_id in (ctx.self_id, ctx.client.athlete_id) or (
                ctx.self_id is None and ctx.client.athlete_id == "0")
            counts = await apply_profile(ctx.db, athlete_id, {**self.listed, **profile},
                                         ctx.run_id, is_self=is_self)
            count(profile_kind, counts, read=len(profile.get("sportSettings") or []))
        ctx.progress(athlete_id, profile_kind, finished=True)

        floor_known: asyncio.Future[date | None] = asyncio.get_running_loop().create_future()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._activities_then_details(client, today, floor_known))
            group.create_task(self._dated(client, today, floor_known))
            group.create_task(self._guard("gear", self._gear(client)))
        self.report.strava_stubs = await ctx.db.run(
            ctx.store.count_live, "activities", athlete_id, is_strava_stub=True)
        return self.report

    # -- the kinds ----------------------------------------------------------------------------

    async def _activities_then_details(self, client: AsyncClient, today: date,
                                       floor_known: asyncio.Future[date | None]) -> None:
        passes = ActivityPasses(self.ctx, client, self.athlete_id, today,
                                self.report.kind("activities"), floor_known)
        try:
            await self._guard("activities", passes.run())
        finally:
            self.ripple = passes.ripple  # wellness re-reads from there even if a pass failed
            passes.signal_floor(None)
        options = self.ctx.options
        async with asyncio.TaskGroup() as group:
            for kind, wanted, fetch in (("intervals", options.intervals, fetch_intervals),
                                        ("streams", options.streams, fetch_streams),
                                        ("files", options.files, fetch_files)):
                if wanted:
                    group.create_task(self._guard(kind, fetch(
                        self.ctx, client, self.athlete_id, self.report.kind(kind))))

    async def _dated(self, client: AsyncClient, today: date,
                     floor_known: asyncio.Future[date | None]) -> None:
        ctx = self.ctx
        listed_oldest = await floor_known
        stored_oldest = await ctx.db.run(ctx.store.oldest_date, "activities", self.athlete_id,
                                         "local_date")
        floor = ctx.options.since or earliest(listed_oldest, stored_oldest) or (
            today - timedelta(days=365))
        settings = ctx.settings
        ahead = settings.deep_events_ahead_days if ctx.options.deep else (
            settings.events_ahead_days)
        tops: dict[DatedKind, date] = {"wellness": today + timedelta(days=1),
                                       "events": today + timedelta(days=ahead)}
        async with asyncio.TaskGroup() as group:
            for kind, top in tops.items():
                dated = DatedPass(ctx, client, self.athlete_id, kind, self.report.kind(kind),
                                  ripple=self.ripple)
                group.create_task(self._guard(kind, dated.run(today, floor, top)))

    async def _gear(self, client: AsyncClient) -> None:
        ctx = self.ctx
        report = self.report.kind("gear")
        if not ctx.options.deep and await self._fresh(self.athlete_id, "gear"):
            return  # gear changes rarely: re-read every settings_refresh_hours (and deep)
        writes = [w for w in (gear_write(to_record(g)) for g in await client.gear.list())
                  if w is not None]
        live = await ctx.db.run(ctx.store.live_keys, "gear", self.athlete_id)
        report.read += len(writes)
        counts = await ctx.db.run(ctx.store.apply_records, "gear", self.athlete_id, writes,
                                  tombstones=live - {w.key for w in writes},
                                  state=StateUpdate("gear", success=True), run_id=ctx.run_id)
        count(report, counts)

    async def _guard(self, kind: str, work: Awaitable[None]) -> None:
        """Run one kind; an API error is recorded for it (and in its saved state), and the
        other kinds and athletes go on."""
        report = self.report.kind(kind)
        token = current_kind.set(report)
        try:
            await work
        except errors.IntervalsError as exc:
            report.error = describe(exc)
            await self.ctx.db.run(self.ctx.store.save_state, self.athlete_id,
                                  StateUpdate(kind, error=report.error), self.ctx.run_id)
            if refused(exc):
                await self._check_access()
        finally:
            current_kind.reset(token)
        self.ctx.progress(self.athlete_id, report, finished=True)

    # -- the profile and access -----------------------------------------------------------------

    async def _cached_profile(self) -> dict[str, Any] | None:
        """The stored profile when an incremental run may skip reading it: the athlete id is
        known (not "0"), the profile and sport settings were read within
        ``settings_refresh_hours`` and the athlete is not forgotten. Webhooks
        (``SPORT_SETTINGS_UPDATED``) and ``refresh_sport_settings`` keep it current between."""
        if self.ctx.options.deep or self.requested_id == "0":
            return None
        if not await self._fresh(self.requested_id, "sport_settings"):
            return None
        return await self.ctx.db.run(self.ctx.store.stored_profile, self.requested_id)

    async def _fresh(self, athlete_id: str, kind: str) -> bool:
        """Whether ``kind`` was read successfully within ``settings_refresh_hours``."""
        hours = self.ctx.settings.settings_refresh_hours
        if hours <= 0:
            return False
        position = await self.ctx.db.run(self.ctx.store.position, athlete_id, kind)
        last = position.last_success_at
        if last is None:
            return False
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return datetime.now(UTC) - last < timedelta(hours=hours)

    async def _check_access(self) -> None:
        """A kind was refused (401/403) though the run began from a stored profile: read the
        profile (once) to tell lost access from a kind the credentials may not read (an
        OAuth scope)."""
        if self.access_checked:
            return
        self.access_checked = True
        try:
            client = await self.ctx.athlete_client(self.athlete_id)
            await client.athletes.get()
        except (errors.AuthenticationError, errors.PermissionDenied) as exc:
            if refused(exc):
                self.report.error = await self._access_lost(exc)
        except (errors.APIError, errors.TransportError):
            pass  # cannot tell now; the next run asks again

    async def _access_lost(self, exc: errors.APIError) -> str:
        """Mark an athlete the credentials cannot read (rows kept); the report's words."""
        athlete_id = self.athlete_id
        if athlete_id == "0":
            return describe(exc)
        status = await self.ctx.db.run(self.ctx.store.mark_access_lost, athlete_id,
                                       reason=f"{exc.status}: {describe(exc)}")
        since = status.lost_at.isoformat(timespec="seconds") if status.lost_at else "now"
        return (f"no access since {since} ({status.reason}); the athlete's rows are kept and "
                "the next sync that can read them catches up")


async def apply_profile(db: StoreThread, athlete_id: str, profile: Mapping[str, Any],
                        run_id: int | None, *, is_self: bool | None) -> WriteCounts:
    """Store the athlete's profile and replace their sport settings (a setting gone from the
    profile is marked deleted)."""
    athlete, settings = profile_writes(athlete_id, profile, is_self=is_self)
    await db.run(db.store.apply_records, "athletes", athlete_id, [athlete], run_id=run_id)
    live = await db.run(db.store.live_keys, "sport_settings", athlete_id)
    return await db.run(db.store.apply_records, "sport_settings", athlete_id, settings,
                        tombstones=live - {w.key for w in settings},
                        state=StateUpdate("sport_settings", success=True), run_id=run_id)
