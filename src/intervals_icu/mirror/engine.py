"""The mirror: a database kept equal to what Intervals.icu holds. This module orchestrates a
sync (which athletes, how many at once, the run's report) and applies single changes for the
webhook worker; the work itself is done by one :class:`~intervals_icu.mirror.run.AthleteRun`
per athlete, with :mod:`~intervals_icu.mirror.activity_passes`,
:mod:`~intervals_icu.mirror.dated` and :mod:`~intervals_icu.mirror.details`.

Fetching is separate from saving: coroutines read pages and details concurrently (bounded by
``MirrorSettings.concurrency`` and, above all, by the client's pacing), and one writer thread
applies each page or activity's details as a transaction that also moves the saved position.
Any failure leaves the database at the last committed page, from which the next run goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intervals_icu import errors
from intervals_icu.credentials_lookup import CredentialsFor, lookup_credentials_now
from intervals_icu.dates import LocalDate, parse_local_date
from intervals_icu.mirror.context import (
    RunContext,
    RunOptions,
    athlete_client,
    counting,
    describe,
    refused,
)
from intervals_icu.mirror.dated import read_window
from intervals_icu.mirror.planner import MirrorSettings
from intervals_icu.mirror.records import to_record
from intervals_icu.mirror.report import KindReport, ProgressCallback, SyncReport
from intervals_icu.mirror.run import AthleteRun, apply_profile
from intervals_icu.mirror.store import AccessStatus, DetailWrite, Store, WriteCounts
from intervals_icu.mirror.store_thread import StoreThread
from intervals_icu.mirror.writes import event_write, summary_write

if TYPE_CHECKING:
    from intervals_icu import AsyncClient, Client

__all__ = ["Mirror"]


class Mirror:
    """A database kept equal to what Intervals.icu holds, for one athlete or a coach's roster.

    ``client`` is an :class:`~intervals_icu.AsyncClient` (used as given) or a
    :class:`~intervals_icu.Client`, from which an ``AsyncClient`` with the same credentials,
    base URL, athlete, pacing and retry policy is built for each run. ``database`` is a
    SQLAlchemy URL or a :class:`Store`; the default is ``mirror.db`` in the user's data
    directory.

    ``credentials_for`` gives the credentials to read one athlete with (an OAuth app: that
    athlete's BearerToken): a mapping or a function, sync or async, of the athlete id (see
    :mod:`intervals_icu.credentials_lookup`; the webhook receiver takes the same). Without it,
    or when it has nothing for an athlete, the client's own credentials are used (a coach's
    key reaches every coached athlete).

    ``mirror.sync()`` runs a sync to completion; inside a running event loop use
    ``await mirror.sync_async()``. The ``refresh_*`` coroutines apply single changes (what a
    webhook delivery names), re-reading the API: a delivery is a hint, the API is the truth.
    """

    def __init__(
        self,
        client: Client | AsyncClient,
        database: str | Store | None = None,
        *,
        schema: str | None = None,
        settings: MirrorSettings | None = None,
        files_dir: str | Path | None = None,
        credentials_for: CredentialsFor | None = None,
    ) -> None:
        from intervals_icu import AsyncClient, Client  # the client loads when a mirror is made

        if not isinstance(client, (AsyncClient, Client)):
            raise errors.ConfigurationError(
                f"Mirror needs an intervals_icu.Client or AsyncClient, got {type(client).__name__}"
            )
        self._client = client
        self.store = database if isinstance(database, Store) else Store(database, schema=schema)
        self.settings = settings or MirrorSettings()
        self.files_dir = Path(files_dir) if files_dir is not None else None
        self.credentials_for = credentials_for
        self._db = StoreThread(self.store)

    def __repr__(self) -> str:
        return f"Mirror({self._client!r}, {self.store!r})"

    def close(self) -> None:
        self._db.close()
        self.store.close()

    def __enter__(self) -> Mirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the client --------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _async_client(self) -> AsyncIterator[AsyncClient]:
        from intervals_icu import AsyncClient

        if isinstance(self._client, AsyncClient):
            yield self._client
            return
        # Same credentials, athlete, retry policy and timeouts, the same token bucket (the
        # mirror and the caller's own use of the client share one rate limit), and the
        # caller's own httpx client if they gave one (its transport and proxies apply).
        async with AsyncClient.from_client(self._client) as built:
            yield built

    def athlete_client(self, client: AsyncClient, athlete_id: str) -> AsyncClient:
        """``client`` acting for ``athlete_id``, with that athlete's own credentials if
        ``credentials_for`` knows them (a sync lookup; async code uses the same lookup)."""
        credentials = lookup_credentials_now(self.credentials_for, athlete_id)
        return client.for_athlete(athlete_id, credentials=credentials)

    # -- sync ---------------------------------------------------------------------------------

    def sync(
        self,
        *,
        roster: bool = False,
        athletes: Sequence[str] | None = None,
        intervals: bool = True,
        streams: bool = False,
        files: bool = False,
        deep: bool = False,
        since: LocalDate | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Bring the database up to date and report what changed and what it cost.

        ``roster``: every athlete the credentials can see (a coach's athletes); ``athletes``:
        these ids only. ``intervals``/``streams``/``files``: which details to mirror
        (``files`` needs ``files_dir``). ``deep``: re-read every summary of the whole
        history (finds every edit and deletion). ``since``: read activities, wellness and
        events from this local date on, nothing before (default: the whole history).
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise errors.ConfigurationError(
                "Mirror.sync() cannot run inside a running event loop: use "
                "`await mirror.sync_async(...)`"
            )
        return asyncio.run(self.sync_async(
            roster=roster, athletes=athletes, intervals=intervals, streams=streams, files=files,
            deep=deep, since=since, on_progress=on_progress,
        ))

    async def sync_async(
        self,
        *,
        roster: bool = False,
        athletes: Sequence[str] | None = None,
        intervals: bool = True,
        streams: bool = False,
        files: bool = False,
        deep: bool = False,
        since: LocalDate | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """The coroutine behind :meth:`sync` (same arguments)."""
        if files and self.files_dir is None:
            raise errors.ConfigurationError(
                "files=True needs somewhere to put them: Mirror(..., files_dir='icu-files')"
            )
        options = RunOptions(intervals=intervals, streams=streams, files=files, deep=deep,
                             since=parse_local_date(since) if since is not None else None,
                             files_dir=self.files_dir)
        recorded = {"roster": roster, "athletes": list(athletes or []), "intervals": intervals,
                    "streams": streams, "files": files, "deep": deep,
                    "since": options.since.isoformat() if options.since else None,
                    "settings": asdict(self.settings)}
        run_id = await self._db.run(self.store.begin_run, recorded)
        report = SyncReport(run_id=run_id, options=recorded)
        started = time.perf_counter()
        async with self._async_client() as client:
            ctx = RunContext(client, self._db, self.settings, report, options,
                             credentials_for=self.credentials_for, on_progress=on_progress)
            with counting(client, report):
                try:
                    await self._run(ctx, roster=roster, athletes=athletes)
                finally:
                    report.wall_seconds = time.perf_counter() - started
                    await self._db.run(self.store.finish_run, run_id, status=report.status,
                                       requests=report.requests, summary=report.as_dict())
        return report

    async def reconcile(self) -> SyncReport | None:
        """The periodic catch-up (what the webhook worker runs every ``reconcile_every``): an
        incremental sync of every athlete the mirror keeps, those it lost access to included
        (for them it only checks whether access came back). None when it keeps nobody yet:
        run its first sync yourself."""
        athletes = await self._db.run(self.store.athlete_ids)
        if not athletes:
            return None
        return await self.sync_async(athletes=athletes)

    async def _run(self, ctx: RunContext, *, roster: bool,
                   athletes: Sequence[str] | None) -> None:
        """Every athlete of the run, ``athlete_concurrency`` at a time."""
        targets: list[tuple[str, Mapping[str, Any] | None]]
        if athletes:
            targets = [(a, None) for a in dict.fromkeys(str(a) for a in athletes)]
        elif roster:
            targets = await _roster(ctx)
        else:
            targets = [(ctx.client.athlete_id, None)]
        slots = asyncio.Semaphore(self.settings.athlete_concurrency)

        async def one(athlete_id: str, listed: Mapping[str, Any] | None) -> None:
            async with slots:
                athlete = AthleteRun(ctx, athlete_id, listed)
                ctx.report.athletes.append(athlete.report)
                await athlete.run()

        async with asyncio.TaskGroup() as group:
            for athlete_id, listed in targets:
                group.create_task(one(athlete_id, listed))

    # -- single changes (for the webhook worker) -----------------------------------------------

    @contextlib.asynccontextmanager
    async def _reading(self, athlete_id: str) -> AsyncIterator[AsyncClient | None]:
        """A client acting for the athlete, or None when the mirror lost access to them
        (nothing to re-read with; a later sync checks whether it came back)."""
        if not await self._readable(athlete_id):
            yield None
            return
        async with self._async_client() as client:
            yield await athlete_client(client, athlete_id, self.credentials_for)

    async def refresh_event(self, athlete_id: str, event_id: int) -> WriteCounts:
        """Re-read one calendar event by id and apply it: upsert, or mark it deleted when the
        API no longer has it (CALENDAR_UPDATED's ``deleted_events`` carry bare ids)."""
        async with self._reading(athlete_id) as client:
            if client is None:
                return WriteCounts()
            try:
                record = to_record(await client.events.get(int(event_id)))
            except errors.NotFound:
                return await self._db.run(self.store.apply_records, "events", athlete_id, [],
                                          tombstones=[int(event_id)])
            return await self._db.run(self.store.apply_records, "events", athlete_id,
                                      [event_write(record)])

    async def refresh_activity(self, athlete_id: str, activity_id: str, *,
                               streams: bool | None = None) -> WriteCounts:
        """Re-read one activity and apply it: upsert (details too, if they changed) or, when
        the API no longer has it, mark it deleted. ``streams`` defaults to whether this
        athlete's streams are mirrored. A change that moved fitness saves the day it did
        (``reread_from``): the next sync re-reads wellness from there."""
        async with self._reading(athlete_id) as client:
            if client is None:
                return WriteCounts()
            want_streams = (await self._db.run(self.store.stream_preference, athlete_id)
                            if streams is None else streams)
            try:
                activity = await client.activities.get(activity_id, intervals=True)
            except errors.NotFound:
                return await self._db.run(self.store.apply_activity_tombstones, athlete_id,
                                          [activity_id], run_id=None)
            raw = to_record(activity)
            summary = summary_write(activity)
            counts = await self._db.run(self.store.apply_records, "activities", athlete_id,
                                        [summary])
            if summary.columns["is_strava_stub"]:
                return counts
            detail = DetailWrite(athlete_id, activity_id, marks={
                "intervals_fingerprint": summary.extra["detail_fingerprint"]},
                intervals=list(raw.get("icu_intervals") or []),
                groups=list(raw.get("icu_groups") or []))
            if want_streams:
                data = await client.activities.streams(activity_id,
                                                       types=raw.get("stream_types"))
                detail.streams = [to_record(s) for s in data]
                detail.marks["streams_fingerprint"] = summary.extra["detail_fingerprint"]
            counts.add(await self._db.run(self.store.apply_details, detail))
            return counts

    async def refresh_events(self, athlete_id: str, oldest: LocalDate,
                             newest: LocalDate | None = None) -> WriteCounts:
        """Re-read the athlete's calendar between two local dates and apply it (events gone
        from the range and not found by id are marked deleted)."""
        start = parse_local_date(oldest)
        end = parse_local_date(newest) if newest is not None else start
        async with self._reading(athlete_id) as client:
            if client is None:
                return WriteCounts()
            return await read_window(self._db, client, "events", athlete_id, start, end,
                                     KindReport("events"))

    async def refresh_wellness(self, athlete_id: str, days: Iterable[LocalDate]) -> WriteCounts:
        """Re-read the wellness records of ``days`` (one request for their whole range)."""
        wanted = sorted({parse_local_date(d) for d in days})
        if not wanted:
            return WriteCounts()
        async with self._reading(athlete_id) as client:
            if client is None:
                return WriteCounts()
            return await read_window(self._db, client, "wellness", athlete_id, wanted[0],
                                     wanted[-1], KindReport("wellness"))

    async def refresh_sport_settings(self, athlete_id: str) -> WriteCounts:
        """Re-read the athlete (profile and sport settings) and apply it."""
        async with self._reading(athlete_id) as client:
            if client is None:
                return WriteCounts()
            profile = await client.athletes.get()
            return await apply_profile(self._db, athlete_id, to_record(profile), None,
                                       is_self=None)

    # -- access (APP_SCOPE_CHANGED) -------------------------------------------------------------

    async def access(self, athlete_id: str) -> AccessStatus | None:
        """Whether the mirror's credentials could read ``athlete_id`` when last tried
        (None: never lost)."""
        return await self._db.run(self.store.access, athlete_id)

    async def deauthorized(self, athlete_id: str, *, at: datetime | None = None) -> bool:
        """The athlete revoked an app's access (APP_SCOPE_CHANGED ``deauthorized``). Leaving
        is not a deletion: their rows stay live. If the mirror's own credentials for them
        (``credentials_for``, or the client's, e.g. a coach's key) still read them, nothing
        changes and True is returned; otherwise the athlete is marked (access lost, since
        ``at``) and syncs stop reading them until access comes back."""
        async with self._async_client() as client:
            reader = await athlete_client(client, athlete_id, self.credentials_for)
            try:
                await reader.athletes.get()
            except (errors.AuthenticationError, errors.PermissionDenied) as exc:
                if not refused(exc):
                    raise
                await self._db.run(self.store.mark_access_lost, athlete_id, at=at,
                                   reason=f"deauthorized the app ({exc.status}: "
                                          f"{describe(exc)})")
                return False
        await self._db.run(self.store.mark_access_regained, athlete_id)
        return True

    async def authorized(self, athlete_id: str, *, intervals: bool = True,
                         streams: bool = False, files: bool = False) -> SyncReport:
        """The athlete (re)authorized an app (APP_SCOPE_CHANGED, not ``deauthorized``): a
        catch-up sync of that athlete from the saved positions (their first sync if they
        are new), with the details asked for. Raises
        :class:`~intervals_icu.errors.IntervalsError` if it could not read them (the webhook
        worker then retries: the app may not have saved the new token yet)."""
        report = await self.sync_async(athletes=[athlete_id], intervals=intervals,
                                       streams=streams, files=files)
        if not report.ok:
            raise errors.IntervalsError(
                f"the catch-up sync of athlete {athlete_id} did not complete: "
                + "; ".join(report.errors()))
        return report

    def forget_athlete(self, athlete_id: str, *, purge: bool = False) -> None:
        """Stop keeping an athlete: mark all their rows deleted, or with ``purge=True`` remove
        them from the database altogether (what you may owe an athlete who asks). Losing
        access does not call this: see :meth:`deauthorized`."""
        self.store.forget_athlete(athlete_id, purge=purge)

    async def _readable(self, athlete_id: str) -> bool:
        status = await self._db.run(self.store.access, athlete_id)
        return status is None or not status.lost


async def _roster(ctx: RunContext) -> list[tuple[str, Mapping[str, Any] | None]]:
    """Who a roster sync reads: a key's ``GET /athletes`` (with the credentials' own id), or
    for a bearer token its one athlete (athlete-summary lists only them)."""
    from intervals_icu.auth import BearerToken

    client = ctx.client
    if isinstance(client.credentials, BearerToken):
        rows = await client.athletes.summary()
        ids = list(dict.fromkeys(str(r.athlete_id) for r in rows if r.athlete_id))
        return [(i, None) for i in ids] or [(client.athlete_id, None)]
    listed = await client.athletes.list()
    ctx.self_id = str((await client.athletes.get()).id or "")
    return [(str(a.id), to_record(a)) for a in listed if a.id]
