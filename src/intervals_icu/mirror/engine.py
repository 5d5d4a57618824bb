"""The sync engine: reads the API with the public client, writes through the store.

Fetching is separate from saving: coroutines read pages and details concurrently (bounded by
``MirrorSettings.concurrency`` and, above all, by the client's pacing), and one writer thread
applies each page or activity's details as a transaction that also moves the saved position.
Any failure leaves the database at the last committed page, from which the next run goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intervals_icu import errors
from intervals_icu.auth import Credentials
from intervals_icu.dates import LocalDate, parse_local_date
from intervals_icu.mirror.fingerprint import (
    SCAN_FIELDS,
    detail_fingerprint,
    fingerprint,
    scan_projection,
)
from intervals_icu.mirror.planner import (
    EPOCH,
    MirrorSettings,
    Pass,
    merge_coverage,
    plan_passes,
)
from intervals_icu.mirror.records import (
    SECRET_ATHLETE_FIELDS,
    activity_row,
    athlete_row,
    event_row,
    gear_row,
    parse_local_datetime,
    sport_settings_row,
    to_record,
    wellness_row,
)
from intervals_icu.mirror.report import (
    AthleteReport,
    Progress,
    ProgressCallback,
    StreamReport,
    SyncReport,
)
from intervals_icu.mirror.store import (
    AccessStatus,
    DetailWrite,
    RecordWrite,
    StateUpdate,
    Store,
    WriteCounts,
)

__all__ = ["Mirror"]

T = TypeVar("T")

_current_stream: contextvars.ContextVar[StreamReport | None] = contextvars.ContextVar(
    "icu_mirror_stream", default=None
)
_DETAIL_KEYS = ("icu_intervals", "icu_groups")


class Mirror:
    """A database kept equal to what Intervals.icu holds, for one athlete or a coach's roster.

    ``client`` is an :class:`~intervals_icu.AsyncClient` (used as given) or a
    :class:`~intervals_icu.Client`, from which an ``AsyncClient`` with the same credentials,
    base URL, athlete, pacing and retry policy is built for each run (a ``Client`` built on a
    custom ``http_client``, e.g. an in-process transport, cannot be copied: pass an
    ``AsyncClient`` instead). ``database`` is a SQLAlchemy URL or a :class:`Store`; the
    default is ``mirror.db`` in the user's data directory.

    ``credentials_for(athlete_id)`` gives the credentials to read one athlete with (for an
    OAuth app: that athlete's BearerToken); without it, or when it returns None, the client's
    own credentials are used (a coach's key reaches every coached athlete).

    ``mirror.sync()`` runs a sync to completion; inside a running event loop use
    ``await mirror.sync_async()``. The ``refresh_*`` coroutines apply single changes (what a
    webhook delivery names), re-reading the API: a delivery is a hint, the API is the truth.
    """

    def __init__(
        self,
        client: Any,
        database: str | Store | None = None,
        *,
        schema: str | None = None,
        settings: MirrorSettings | None = None,
        files_dir: str | Path | None = None,
        credentials_for: Callable[[str], Credentials | None] | None = None,
    ) -> None:
        from intervals_icu import AsyncClient, Client

        if not isinstance(client, (AsyncClient, Client)):
            raise errors.ConfigurationError(
                f"Mirror needs an intervals_icu.Client or AsyncClient, got {type(client).__name__}"
            )
        self._client = client
        self.store = database if isinstance(database, Store) else Store(database, schema=schema)
        self.settings = settings or MirrorSettings()
        self.files_dir = Path(files_dir) if files_dir is not None else None
        self.credentials_for = credentials_for
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icu-mirror-db")

    def __repr__(self) -> str:
        return f"Mirror({self._client!r}, {self.store!r})"

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self.store.close()

    def __enter__(self) -> Mirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the client --------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _async_client(self) -> AsyncIterator[Any]:
        from intervals_icu import AsyncClient

        if isinstance(self._client, AsyncClient):
            yield self._client
            return
        source = self._client
        http = getattr(source, "_http", None)
        if http is not None and not getattr(http, "_owns_client", True):
            raise errors.ConfigurationError(
                "this Client was built on its own http_client (e.g. an in-process transport), "
                "which the mirror cannot copy into an AsyncClient: pass an AsyncClient to "
                "Mirror instead (e.g. sandbox.async_client())"
            )
        # Same credentials, athlete, retry policy and timeouts, and the same token bucket:
        # the mirror and the caller's own use of the client share one rate limit.
        async with AsyncClient.from_client(source) as built:
            yield built

    # -- database access (one writer thread) ---------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: fn(*args, **kwargs))

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
        since_date = parse_local_date(since) if since is not None else None
        options = {"roster": roster, "athletes": list(athletes or []), "intervals": intervals,
                   "streams": streams, "files": files, "deep": deep,
                   "since": since_date.isoformat() if since_date else None,
                   "settings": asdict(self.settings)}
        run_id = await self._db(self.store.begin_run, options)
        report = SyncReport(run_id=run_id, options=options)
        started = time.perf_counter()
        async with self._async_client() as client:
            with _counting(client, report):
                run = _Run(self, client, report, on_progress, intervals=intervals,
                           streams=streams, files=files, deep=deep, since=since_date)
                try:
                    await run.all(roster=roster, athletes=athletes)
                finally:
                    report.wall_seconds = time.perf_counter() - started
                    await self._db(self.store.finish_run, run_id, status=report.status,
                                   requests=report.requests, summary=report.as_dict())
        return report

    def athlete_client(self, client: Any, athlete_id: str) -> Any:
        """``client`` acting for ``athlete_id``, with that athlete's own credentials if
        ``credentials_for`` knows them."""
        credentials = self.credentials_for(athlete_id) if self.credentials_for else None
        return client.for_athlete(athlete_id, credentials=credentials)

    # -- single changes (for the webhook worker) -----------------------------------------------

    async def refresh_event(self, athlete_id: str, event_id: int) -> WriteCounts:
        """Re-read one calendar event by id and apply it: upsert, or mark it deleted when the
        API no longer has it (CALENDAR_UPDATED's ``deleted_events`` carry bare ids)."""
        if not await self._readable(athlete_id):
            return WriteCounts()  # access lost: nothing to re-read with
        async with self._async_client() as client:
            ac = self.athlete_client(client, athlete_id)
            try:
                record = to_record(await ac.events.get(int(event_id)))
            except errors.NotFound:
                return await self._db(self.store.apply_records, "events", athlete_id, [],
                                      tombstones=[int(event_id)], state=None, run_id=None)
            return await self._db(self.store.apply_records, "events", athlete_id,
                                  [_event_write(record)], tombstones=[], state=None,
                                  run_id=None)

    async def refresh_activity(self, athlete_id: str, activity_id: str, *,
                               streams: bool | None = None) -> WriteCounts:
        """Re-read one activity and apply it: upsert (details too, if they changed) or, when
        the API no longer has it, mark it deleted. ``streams`` defaults to whether this
        athlete's streams are mirrored."""
        if not await self._readable(athlete_id):
            return WriteCounts()  # access lost: nothing to re-read with
        async with self._async_client() as client:
            ac = self.athlete_client(client, athlete_id)
            want_streams = (await self._db(self.store.stream_preference, athlete_id)
                            if streams is None else streams)
            try:
                activity = await ac.activities.get(activity_id, intervals=True)
            except errors.NotFound:
                return await self._db(self.store.apply_activity_tombstones, athlete_id,
                                      [activity_id], run_id=None)
            raw = to_record(activity)
            summary = _summary_write(activity)
            counts = await self._db(self.store.apply_records, "activities", athlete_id,
                                    [summary])
            if summary.columns["is_strava_stub"]:
                return counts
            detail = DetailWrite(athlete_id, activity_id, marks={
                "intervals_fingerprint": summary.extra["detail_fingerprint"]},
                intervals=list(raw.get("icu_intervals") or []),
                groups=list(raw.get("icu_groups") or []))
            if want_streams:
                data = await ac.activities.streams(activity_id, types=raw.get("stream_types"))
                detail.streams = [to_record(s) for s in data]
                detail.marks["streams_fingerprint"] = summary.extra["detail_fingerprint"]
            counts.add(await self._db(self.store.apply_details, detail))
            return counts

    async def refresh_events(self, athlete_id: str, oldest: LocalDate,
                             newest: LocalDate | None = None) -> WriteCounts:
        """Re-read the athlete's calendar between two local dates and apply it (events gone
        from the range and not found by id are marked deleted)."""
        if not await self._readable(athlete_id):
            return WriteCounts()  # access lost: nothing to re-read with
        start = parse_local_date(oldest)
        end = parse_local_date(newest) if newest is not None else start
        async with self._async_client() as client:
            ac = self.athlete_client(client, athlete_id)
            report = StreamReport("events")
            return await _read_events_window(self, ac, athlete_id, start, end, report, None,
                                             None)

    async def refresh_wellness(self, athlete_id: str, days: Iterable[LocalDate]) -> WriteCounts:
        """Re-read the wellness records of ``days`` (one request for their whole range)."""
        if not await self._readable(athlete_id):
            return WriteCounts()  # access lost: nothing to re-read with
        wanted = sorted({parse_local_date(d) for d in days})
        if not wanted:
            return WriteCounts()
        async with self._async_client() as client:
            ac = self.athlete_client(client, athlete_id)
            report = StreamReport("wellness")
            return await _read_wellness_window(self, ac, athlete_id, wanted[0], wanted[-1],
                                               report, None, None)

    async def refresh_sport_settings(self, athlete_id: str) -> WriteCounts:
        """Re-read the athlete (profile and sport settings) and apply it."""
        if not await self._readable(athlete_id):
            return WriteCounts()  # access lost: nothing to re-read with
        async with self._async_client() as client:
            ac = self.athlete_client(client, athlete_id)
            profile = await ac.athletes.get()
            return await _apply_profile(self, athlete_id, to_record(profile), None,
                                        is_self=None)

    # -- access (APP_SCOPE_CHANGED) -------------------------------------------------------------

    async def access(self, athlete_id: str) -> AccessStatus | None:
        """Whether the mirror's credentials could read ``athlete_id`` when last tried
        (None: never lost)."""
        return await self._db(self.store.access, athlete_id)

    async def deauthorized(self, athlete_id: str, *, at: datetime | None = None) -> bool:
        """The athlete revoked an app's access (APP_SCOPE_CHANGED ``deauthorized``). Leaving
        is not a deletion: their rows stay live. If the mirror's own credentials for them
        (``credentials_for``, or the client's, e.g. a coach's key) still read them, nothing
        changes and True is returned; otherwise the athlete is marked (access lost, since
        ``at``) and syncs stop reading them until access comes back."""
        async with self._async_client() as client:
            ac = self.athlete_client(client, athlete_id)
            try:
                await ac.athletes.get()
            except (errors.AuthenticationError, errors.PermissionDenied) as exc:
                if not _refused(exc):
                    raise
                await self._db(self.store.mark_access_lost, athlete_id, at=at,
                               reason=f"deauthorized the app ({exc.status}: {_describe(exc)})")
                return False
        await self._db(self.store.mark_access_regained, athlete_id)
        return True

    async def authorized(self, athlete_id: str, **options: Any) -> SyncReport:
        """The athlete (re)authorized an app (APP_SCOPE_CHANGED, not ``deauthorized``): a
        catch-up sync of that athlete from the saved positions (their first sync if they
        are new). Raises :class:`~intervals_icu.errors.IntervalsError` if it could not read
        them (the webhook worker then retries: the app may not have saved the new token
        yet). ``options`` go to :meth:`sync_async`."""
        report = await self.sync_async(athletes=[athlete_id], **options)
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
        status = await self._db(self.store.access, athlete_id)
        return status is None or not status.lost


# ---------------------------------------------------------------------------------------------
# one run


class _Run:
    def __init__(self, mirror: Mirror, client: Any, report: SyncReport,
                 on_progress: ProgressCallback | None, *, intervals: bool, streams: bool,
                 files: bool, deep: bool, since: date | None) -> None:
        self.mirror = mirror
        self.store = mirror.store
        self.settings = mirror.settings
        self.client = client
        self.report = report
        self.on_progress = on_progress
        self.intervals = intervals
        self.streams = streams
        self.files = files
        self.deep = deep
        self.since = since
        self.detail_slots = asyncio.Semaphore(self.settings.concurrency)
        self.self_id: str | None = None
        self.ripples: dict[str, date | None] = {}
        self.access_checked: set[str] = set()

    async def all(self, *, roster: bool, athletes: Sequence[str] | None) -> None:
        targets: list[tuple[str, dict[str, Any] | None]]
        if athletes:
            targets = [(a, None) for a in dict.fromkeys(str(a) for a in athletes)]
        elif roster:
            targets = await self._roster()
        else:
            targets = [(self.client.athlete_id, None)]
        slots = asyncio.Semaphore(self.settings.athlete_concurrency)

        async def one(athlete_id: str, listed: dict[str, Any] | None) -> None:
            async with slots:
                await self.athlete(athlete_id, listed)

        async with asyncio.TaskGroup() as group:
            for athlete_id, listed in targets:
                group.create_task(one(athlete_id, listed))

    async def _roster(self) -> list[tuple[str, dict[str, Any] | None]]:
        from intervals_icu.auth import BearerToken

        if isinstance(self.client.credentials, BearerToken):
            # A bearer token acts for one athlete; athlete-summary lists only them.
            rows = await self.client.athletes.summary()
            ids = list(dict.fromkeys(str(r.athlete_id) for r in rows if r.athlete_id))
            return [(i, None) for i in ids] or [(self.client.athlete_id, None)]
        listed = await self.client.athletes.list()
        self.self_id = str((await self.client.athletes.get()).id or "")
        return [(str(a.id), to_record(a)) for a in listed if a.id]

    # -- one athlete --------------------------------------------------------------------------

    async def athlete(self, requested_id: str, listed: dict[str, Any] | None) -> None:
        athlete = AthleteReport(athlete_id=requested_id)
        self.report.athletes.append(athlete)
        ac = (self.mirror.athlete_client(self.client, requested_id) if requested_id != "0"
              else self.client)
        profile_stream = athlete.stream("sport_settings")
        access = (await self.mirror._db(self.store.access, requested_id)
                  if requested_id != "0" else None)
        # An athlete the credentials could not read: only the profile is asked for (is the
        # access back?), and their rows are left as they are until it is.
        profile = None if access is not None and access.lost else await self._cached_profile(
            requested_id)
        if profile is None:
            token = _current_stream.set(profile_stream)
            try:
                profile = to_record(await ac.athletes.get())
            except (errors.AuthenticationError, errors.PermissionDenied) as exc:
                athlete.error = (await self._access_lost(requested_id, exc) if _refused(exc)
                                 else _describe(exc))
                return
            except (errors.APIError, errors.TransportError) as exc:
                athlete.error = _describe(exc)
                return
            finally:
                _current_stream.reset(token)
            fetched = True
        else:
            fetched = False
        if access is not None and access.lost:
            # Readable again: this run is the catch-up (every kind from its saved position).
            await self.mirror._db(self.store.mark_access_regained, requested_id)
        athlete_id = str(profile.get("id") or requested_id)
        athlete.athlete_id = athlete_id
        athlete.name = profile.get("name")
        if requested_id == "0":
            ac = self.mirror.athlete_client(self.client, athlete_id)
        today = _today(profile.get("timezone"))
        if fetched:
            merged = {**(listed or {}), **profile}
            is_self = athlete_id in (self.self_id, self.client.athlete_id) or (
                self.self_id is None and self.client.athlete_id == "0")
            counts = await _apply_profile(self.mirror, athlete_id, merged,
                                          self.report.run_id, is_self=is_self)
            _count(profile_stream, counts, read=len(profile.get("sportSettings") or []))
        self._progress(athlete_id, profile_stream, finished=True)

        # Activities tell where the history starts (the floor of wellness and events): a
        # history read signals it after its first request, so the three run together.
        floor_known: asyncio.Future[date | None] = asyncio.get_running_loop().create_future()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._activities_then_details(ac, athlete_id, today, athlete,
                                                            floor_known))
            group.create_task(self._dated_streams(ac, athlete_id, today, athlete,
                                                  floor_known))
            group.create_task(self._guard(athlete, "gear", self.gear(ac, athlete_id,
                                                                     athlete)))
        athlete.strava_stubs = await self.mirror._db(
            self.store.count_live, "activities", athlete_id, is_strava_stub=True)

    async def _activities_then_details(self, ac: Any, athlete_id: str, today: date,
                                       athlete: AthleteReport,
                                       floor_known: asyncio.Future[date | None]) -> None:
        try:
            await self._guard(athlete, "activities", self.activities(ac, athlete_id, today,
                                                                     athlete, floor_known))
        finally:
            _signal(floor_known, None)
        async with asyncio.TaskGroup() as group:
            if self.intervals:
                group.create_task(self._guard(athlete, "intervals", self.interval_details(
                    ac, athlete_id, athlete)))
            if self.streams:
                group.create_task(self._guard(athlete, "streams", self.stream_details(
                    ac, athlete_id, athlete)))
            if self.files:
                group.create_task(self._guard(athlete, "files", self.file_details(
                    ac, athlete_id, athlete)))

    async def _dated_streams(self, ac: Any, athlete_id: str, today: date,
                             athlete: AthleteReport,
                             floor_known: asyncio.Future[date | None]) -> None:
        listed_oldest = await floor_known
        stored_oldest = await self._db_oldest_activity(athlete_id)
        floor = self.since or _earliest(listed_oldest, stored_oldest) or (
            today - timedelta(days=365))
        events_ahead = (self.settings.deep_events_ahead_days if self.deep
                        else self.settings.events_ahead_days)
        async with asyncio.TaskGroup() as group:
            group.create_task(self._guard(athlete, "wellness", self.dated(
                ac, athlete_id, "wellness", today, floor, today + timedelta(days=1), athlete)))
            group.create_task(self._guard(athlete, "events", self.dated(
                ac, athlete_id, "events", today, floor, today + timedelta(days=events_ahead),
                athlete)))

    async def _check_access(self, athlete: AthleteReport) -> None:
        """A kind was refused (401/403) though the run began from a stored profile: read the
        profile (once per athlete) to tell lost access from a kind the credentials may not
        read (an OAuth scope)."""
        athlete_id = athlete.athlete_id
        if athlete_id in self.access_checked:
            return
        self.access_checked.add(athlete_id)
        try:
            await self.mirror.athlete_client(self.client, athlete_id).athletes.get()
        except (errors.AuthenticationError, errors.PermissionDenied) as exc:
            if _refused(exc):
                athlete.error = await self._access_lost(athlete_id, exc)
        except (errors.APIError, errors.TransportError):
            pass  # cannot tell now; the next run asks again

    async def _access_lost(self, athlete_id: str, exc: errors.APIError) -> str:
        """Mark an athlete the credentials cannot read (rows kept); the report's words."""
        if athlete_id == "0":
            return _describe(exc)
        status = await self.mirror._db(self.store.mark_access_lost, athlete_id,
                                       reason=f"{exc.status}: {_describe(exc)}")
        since = status.lost_at.isoformat(timespec="seconds") if status.lost_at else "now"
        return (f"no access since {since} ({status.reason}); the athlete's rows are kept and "
                "the next sync that can read them catches up")

    async def _cached_profile(self, requested_id: str) -> dict[str, Any] | None:
        """The stored profile when an incremental run may skip reading it: the athlete id is
        known (not "0"), the profile and sport settings were read within
        ``settings_refresh_hours`` and the athlete is not forgotten. Webhooks
        (``SPORT_SETTINGS_UPDATED``) and ``refresh_sport_settings`` keep it current between."""
        if self.deep or requested_id == "0":
            return None
        if not await self._fresh(requested_id, "sport_settings"):
            return None
        return await self.mirror._db(self.store.stored_profile, requested_id)

    async def _fresh(self, athlete_id: str, stream: str) -> bool:
        """Whether ``stream`` was read successfully within ``settings_refresh_hours``."""
        if self.settings.settings_refresh_hours <= 0:
            return False
        position = await self.mirror._db(self.store.position, athlete_id, stream)
        last = position.last_success_at
        if last is None:
            return False
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        age = datetime.now(UTC) - last
        return age < timedelta(hours=self.settings.settings_refresh_hours)

    async def _db_oldest_activity(self, athlete_id: str) -> date | None:
        return await self.mirror._db(self.store.oldest_date, "activities", athlete_id,
                                     "local_date")

    async def _guard(self, athlete: AthleteReport, stream: str, work: Any) -> None:
        """Run one stream; an API error is recorded for it (and in its saved state), and the
        other streams and athletes go on."""
        report = athlete.stream(stream)
        token = _current_stream.set(report)
        try:
            await work
        except errors.IntervalsError as exc:
            report.error = _describe(exc)
            await self.mirror._db(self.store.save_state, athlete.athlete_id,
                                  StateUpdate(stream, error=report.error), self.report.run_id)
            if _refused(exc):
                await self._check_access(athlete)
        finally:
            _current_stream.reset(token)
        self._progress(athlete.athlete_id, report, finished=True)

    def _progress(self, athlete_id: str, stream: StreamReport, *, total: int | None = None,
                  finished: bool = False) -> None:
        if self.on_progress is None:
            return
        self.on_progress(Progress(athlete_id, stream.stream, stream.read, total, stream.changed,
                                  stream.requests, finished))

    # -- activities -----------------------------------------------------------------------

    async def activities(self, ac: Any, athlete_id: str, today: date, athlete: AthleteReport,
                         floor_known: asyncio.Future[date | None] | None = None) -> None:
        report = athlete.stream("activities")
        position = await self.mirror._db(self.store.position, athlete_id, "activities")
        top = today + timedelta(days=self.settings.activities_ahead_days)
        passes = plan_passes(covered_from=position.covered_from,
                             covered_to=position.covered_to, floor=self.since or EPOCH,
                             top=top, today=today,
                             lookback_days=self.settings.lookback_days, deep=self.deep)
        coverage = (position.covered_from, position.covered_to)
        ripple: date | None = None
        recent = next((p for p in passes if p.role == "recent"), None)
        if recent is not None and position.reread_from is not None:
            ripple = position.reread_from  # a previous run found it and did not finish
        if recent is not None and self.settings.scan_history and coverage[0] is not None:
            # One light request for the whole covered history (new activities included)
            # instead of a full re-read of the recent window: edits anywhere are found.
            passes = [p for p in passes if p is not recent]
            scanned = await self._scan_history(ac, athlete_id, coverage[0], recent.newest,
                                               report)
            ripple = _earliest(ripple, scanned)
            cf, ct = merge_coverage(coverage[0], coverage[1], coverage[0], recent.newest,
                                    today)
            coverage = (cf, ct)
            await self.mirror._db(self.store.save_state, athlete_id, StateUpdate(
                "activities", covered_from=cf, covered_to=ct), self.report.run_id)
            # Nothing was read in full: a load change re-reads from its day to the top.
            recent = Pass(recent.newest + timedelta(days=1), recent.newest, "recent")
        backfill = [p.oldest for p in passes if p.role == "backfill"]
        wellness = await self.mirror._db(self.store.position, athlete_id, "wellness")
        if backfill and wellness.covered_to is not None:
            # Activities the mirror never read, below days whose wellness it has: one may
            # have changed since that wellness was read (the mirror cannot tell, it never saw
            # it). Re-read wellness over that stretch too.
            await self.mirror._db(self.store.mark_reread, athlete_id, ("wellness",),
                                  min(backfill), self.report.run_id)
        # Without a recent pass or such a re-read no ripple can come: wellness starts at once.
        history_only = recent is None and not (backfill and wellness.covered_to is not None)
        for read_pass in passes:
            if read_pass.role in ("backfill", "deep"):
                coverage, changed_from = await self._history_pass(
                    ac, athlete_id, read_pass, today, coverage, report,
                    floor_known=floor_known if history_only and read_pass.oldest <= (
                        self.since or EPOCH)
                    else None)
            else:
                coverage, changed_from = await self._activity_pass(ac, athlete_id, read_pass,
                                                                   today, coverage, report)
            if read_pass.role == "recent" and changed_from is not None:
                ripple = changed_from if ripple is None else min(ripple, changed_from)
        self.ripples[athlete_id] = ripple  # wellness re-reads from there even if below fails
        if recent is not None and ripple is not None and ripple < recent.oldest:
            # An activity changed (or moved) before the recent window: the fitness numbers
            # from that day on have moved too. Re-read that stretch (and wellness, later).
            stretch = Pass(ripple, min(recent.oldest - timedelta(days=1), recent.newest),
                           "recent")
            coverage, _ = await self._activity_pass(ac, athlete_id, stretch, today, coverage,
                                                    report)
        await self.mirror._db(self.store.save_state, athlete_id, StateUpdate(
            "activities", success=True, deep_checked=self.deep,
            clear_reread=recent is not None or self.deep), self.report.run_id)

    async def _activity_pass(self, ac: Any, athlete_id: str, read_pass: Pass, today: date,
                             coverage: tuple[date | None, date | None],
                             report: StreamReport
                             ) -> tuple[tuple[date | None, date | None], date | None]:
        """Read one pass page by page; returns the new coverage and the oldest local date
        among the records that changed."""
        page_size = self.settings.page_size
        changed_from: date | None = None
        newest = read_pass.newest
        while newest >= read_pass.oldest:
            page = await ac.activities.list(read_pass.oldest, _end_of(newest), limit=page_size)
            writes = [_summary_write(a)
                      for a in page]
            if len(page) < page_size:
                lowest, next_newest = read_pass.oldest, None
            else:
                page_oldest = min((w.columns["local_date"] for w in writes
                                   if w.columns["local_date"]), default=newest)
                if page_oldest >= newest:
                    # a whole page on one day: read that day without a limit
                    day = await ac.activities.list(newest, _end_of(newest))
                    writes = [_summary_write(a)
                              for a in day]
                    lowest, next_newest = newest, newest - timedelta(days=1)
                else:
                    lowest, next_newest = page_oldest + timedelta(days=1), page_oldest
            coverage, page_changed = await self._apply_page(
                ac, athlete_id, writes, lowest, newest, read_pass, today, coverage, report,
                last=next_newest is None or next_newest < read_pass.oldest)
            changed_from = _earliest(changed_from, page_changed)
            if next_newest is None:
                break
            newest = next_newest
        return coverage, changed_from

    async def _apply_page(self, ac: Any, athlete_id: str, writes: list[RecordWrite],
                          lowest: date, newest: date, read_pass: Pass, today: date,
                          coverage: tuple[date | None, date | None], report: StreamReport, *,
                          last: bool) -> tuple[tuple[date | None, date | None], date | None]:
        """Store one page that lists ``lowest..newest`` completely (what it lacks was deleted
        or moved) and move the saved position in the same transaction; returns the new
        coverage and the oldest local date among the records that changed."""
        report.read += len(writes)
        tombstones, moved = await self._vanished(ac, athlete_id, writes, lowest, newest)
        writes = [*writes, *moved]
        state: StateUpdate | None = None
        if read_pass.role in ("backfill", "deep"):
            cf, ct = merge_coverage(coverage[0], coverage[1], lowest, read_pass.newest, today)
            coverage = (cf, ct)
            state = StateUpdate("activities", covered_from=cf, covered_to=ct,
                                history_complete=cf is not None and cf <= EPOCH)
        elif last:
            cf, ct = merge_coverage(coverage[0], coverage[1], read_pass.oldest,
                                    read_pass.newest, today)
            coverage = (cf, ct)
            state = StateUpdate("activities", covered_from=cf, covered_to=ct)
        counts = await self.mirror._db(self.store.apply_records, "activities", athlete_id,
                                       writes, tombstones=tombstones, state=state,
                                       run_id=self.report.run_id)
        _count(report, counts)
        self._progress(athlete_id, report)
        return coverage, counts.ripple_from

    async def _history_pass(self, ac: Any, athlete_id: str, read_pass: Pass, today: date,
                            coverage: tuple[date | None, date | None], report: StreamReport,
                            *, floor_known: asyncio.Future[date | None] | None
                            ) -> tuple[tuple[date | None, date | None], date | None]:
        """Read a long stretch (a first sync, a deep sync) without one page waiting for the
        other: the first page in full; if there is more, one light listing of the rest (ids
        and dates) cuts it into date windows of under ``page_size`` activities, read
        concurrently and stored in order, newest first, so a stop leaves one contiguous
        saved range. A window that grew past ``page_size`` meanwhile is paged as usual."""
        page_size = self.settings.page_size
        first = [_summary_write(a)
                 for a in await ac.activities.list(read_pass.oldest,
                                                   _end_of(read_pass.newest), limit=page_size)]
        days = [d for w in first if (d := w.columns["local_date"]) is not None]
        if len(first) < page_size:
            _signal(floor_known, min(days, default=None))
            return await self._apply_page(ac, athlete_id, first, read_pass.oldest,
                                          read_pass.newest, read_pass, today, coverage,
                                          report, last=True)
        page_oldest = min(days, default=read_pass.newest)
        if page_oldest >= read_pass.newest:  # a whole page on one day: page it as usual
            return await self._activity_pass(ac, athlete_id, read_pass, today, coverage,
                                             report)
        coverage, changed_from = await self._apply_page(
            ac, athlete_id, first, page_oldest + timedelta(days=1), read_pass.newest,
            read_pass, today, coverage, report, last=False)
        counts: dict[date, int] = {}
        for record in (await self._light_listing(ac, read_pass.oldest, page_oldest,
                                                 ("id", "start_date_local"))).values():
            if (day := _local_day(record.get("start_date_local"))) is not None:
                counts[day] = counts.get(day, 0) + 1
        _signal(floor_known, min(counts, default=page_oldest))
        windows = _cut_windows(counts, read_pass.oldest, page_oldest,
                               capacity=max(1, page_size * 9 // 10))
        ahead = max(1, self.settings.concurrency)
        fetches: dict[int, asyncio.Task[Any]] = {}

        def fetch_up_to(index: int) -> None:
            for i in range(index, min(index + ahead, len(windows))):
                if i not in fetches:
                    lo, hi = windows[i]
                    fetches[i] = asyncio.ensure_future(
                        ac.activities.list(lo, _end_of(hi), limit=page_size))

        try:
            for index, (lo, hi) in enumerate(windows):
                fetch_up_to(index)
                page = await fetches.pop(index)
                if len(page) >= page_size:
                    coverage, window_changed = await self._activity_pass(
                        ac, athlete_id, Pass(lo, hi, read_pass.role), today, coverage, report)
                else:
                    writes = [_summary_write(a)
                              for a in page]
                    coverage, window_changed = await self._apply_page(
                        ac, athlete_id, writes, lo, hi, read_pass, today, coverage, report,
                        last=index == len(windows) - 1)
                changed_from = _earliest(changed_from, window_changed)
        finally:
            for pending in fetches.values():
                pending.cancel()
            await asyncio.gather(*fetches.values(), return_exceptions=True)
        return coverage, changed_from

    async def _light_listing(self, ac: Any, oldest: date, newest: date,
                             fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Every activity of ``oldest..newest`` with only ``fields`` (and the id), keyed by
        id: a few hundred bytes each, ``scan_page_size`` per request."""
        listed: dict[str, dict[str, Any]] = {}
        page_size = self.settings.scan_page_size
        top = newest
        while top >= oldest:
            page = [to_record(a) for a in await ac.activities.list(
                oldest, _end_of(top), limit=page_size, fields=list(fields))]
            for record in page:
                listed[str(record["id"])] = record
            if len(page) < page_size:
                break
            days = [d for r in listed.values() if (d := _local_day(r.get("start_date_local")))]
            page_oldest = min(days, default=top)
            # A page that did not get below its top day: go on one day lower (a day with
            # more than scan_page_size activities is beyond any athlete).
            top = page_oldest - timedelta(days=1) if page_oldest >= top else page_oldest
        return listed

    async def _scan_history(self, ac: Any, athlete_id: str, oldest: date, newest: date,
                            report: StreamReport) -> date | None:
        """Re-list ``oldest..newest`` with only :data:`SCAN_FIELDS` and apply what moved:
        new and changed activities are read in full (``get_many``), vanished ones are
        confirmed by id (deleted or moved). Returns the oldest local date whose training
        load may have moved (a new, deleted or moved activity, or a changed load or
        duration), from which the fitness numbers must be re-read."""
        if newest < oldest:
            return None
        stored = await self.mirror._db(self.store.scan_projections, athlete_id, oldest,
                                       newest)
        listed = {key: scan_projection(record) for key, record in
                  (await self._light_listing(ac, oldest, newest, SCAN_FIELDS)).items()}
        report.read += len(listed)
        changed = sorted(k for k, projection in listed.items() if stored.get(k) != projection)
        # The store saves the day a load change moved fitness from (reread_from) with each
        # batch, so a run that stops after applying cannot forget it.
        ripple: date | None = None
        for start in range(0, len(changed), self.settings.details_batch):
            batch = changed[start:start + self.settings.details_batch]
            writes = [_summary_write(a)
                      for a in await ac.activities.get_many(batch)]
            # stored batch by batch: a long scan that fails part way keeps what it read
            counts = await self.mirror._db(self.store.apply_records, "activities",
                                           athlete_id, writes, run_id=self.report.run_id)
            _count(report, counts)
            ripple = _earliest(ripple, counts.ripple_from)
        tombstones, moved = await self._vanished(ac, athlete_id, [], oldest, newest,
                                                 listed=set(listed))
        if not tombstones and not moved:
            return ripple
        counts = await self.mirror._db(self.store.apply_records, "activities", athlete_id,
                                       moved, tombstones=tombstones, state=None,
                                       run_id=self.report.run_id)
        _count(report, counts)
        return _earliest(ripple, counts.ripple_from)

    async def _vanished(self, ac: Any, athlete_id: str, writes: list[RecordWrite],
                        oldest: date, newest: date, *, listed: set[str] | None = None,
                        ) -> tuple[list[str], list[RecordWrite]]:
        """Activities the mirror has in a range just read completely but the API did not
        list: deleted, or moved to another date. One ``get_many`` tells which."""
        live = await self.mirror._db(self.store.live_keys, "activities", athlete_id,
                                     date_column="local_date", oldest=oldest, newest=newest)
        missing = sorted(live - {w.key for w in writes} - (listed or set()))
        if not missing:
            return [], []
        found = await ac.activities.get_many(missing)
        moved = [_summary_write(a)
                 for a in found]
        still = {w.key for w in moved}
        return [k for k in missing if k not in still], moved

    # -- wellness and events ----------------------------------------------------------------

    async def dated(self, ac: Any, athlete_id: str, stream: str, today: date, floor: date,
                    top: date, athlete: AthleteReport) -> None:
        report = athlete.stream(stream)
        position = await self.mirror._db(self.store.position, athlete_id, stream)
        passes = plan_passes(covered_from=position.covered_from,
                             covered_to=position.covered_to, floor=floor, top=top, today=today,
                             lookback_days=self.settings.lookback_days, deep=self.deep,
                             also_from=_earliest(self.ripples.get(athlete_id),
                                                 position.reread_from)
                             if stream == "wellness" else None)
        coverage = (position.covered_from, position.covered_to)
        reader = _read_wellness_window if stream == "wellness" else _read_events_window
        step = timedelta(days=self.settings.window_days)
        cf0 = position.covered_from
        if (not self.deep and self.since is None and cf0 is not None and cf0 <= floor
                and not position.history_complete and cf0 > EPOCH):
            # the floor was reached but not the empty window below it (a run was stopped)
            passes.append(Pass(max(EPOCH, cf0 - step), cf0 - timedelta(days=1), "backfill"))
        for read_pass in passes:
            windows = _windows(read_pass.oldest, read_pass.newest, self.settings.window_days)
            # Records may predate the first activity (wellness often does): below the floor
            # the history goes on until a window comes back empty, unless ``since`` set it.
            reaching_floor = (self.since is None and read_pass.role in ("backfill", "deep")
                              and read_pass.oldest <= floor)
            index = 0
            while index < len(windows):
                lo, hi = windows[index]
                last = index == len(windows) - 1
                state: StateUpdate | None = None
                if read_pass.role in ("backfill", "deep"):
                    cf, ct = merge_coverage(coverage[0], coverage[1], lo, read_pass.newest,
                                            today)
                    coverage = (cf, ct)
                    state = StateUpdate(stream, covered_from=cf, covered_to=ct)
                elif last:
                    cf, ct = merge_coverage(coverage[0], coverage[1], read_pass.oldest,
                                            read_pass.newest, today)
                    coverage = (cf, ct)
                    state = StateUpdate(stream, covered_from=cf, covered_to=ct)
                before = report.read
                await reader(self.mirror, ac, athlete_id, lo, hi, report, state,
                             self.report.run_id)
                self._progress(athlete_id, report)
                if last and reaching_floor and lo > EPOCH:
                    # Records may predate the first activity (wellness often does): go on
                    # below the floor until a window comes back empty.
                    if report.read > before:
                        windows.append((max(EPOCH, lo - step), lo - timedelta(days=1)))
                    else:
                        await self.mirror._db(self.store.save_state, athlete_id, StateUpdate(
                            stream, history_complete=True), self.report.run_id)
                index += 1
        await self.mirror._db(self.store.save_state, athlete_id, StateUpdate(
            stream, success=True, deep_checked=self.deep, clear_reread=True),
            self.report.run_id)

    async def gear(self, ac: Any, athlete_id: str, athlete: AthleteReport) -> None:
        report = athlete.stream("gear")
        if not self.deep and await self._fresh(athlete_id, "gear"):
            return  # gear changes rarely: re-read every settings_refresh_hours (and deep)
        items = [to_record(g) for g in await ac.gear.list()]
        writes = [RecordWrite(str(g["id"]), g, gear_row(g), fingerprint(g))
                  for g in items if g.get("id") is not None]
        live = await self.mirror._db(self.store.live_keys, "gear", athlete_id)
        report.read += len(writes)
        counts = await self.mirror._db(
            self.store.apply_records, "gear", athlete_id, writes,
            tombstones=live - {w.key for w in writes},
            state=StateUpdate("gear", success=True), run_id=self.report.run_id)
        _count(report, counts)

    # -- details ------------------------------------------------------------------------------

    async def interval_details(self, ac: Any, athlete_id: str, athlete: AthleteReport) -> None:
        report = athlete.stream("intervals")
        pending = await self.mirror._db(self.store.activities_needing, athlete_id,
                                        "intervals_fingerprint")
        batches = [pending[i:i + self.settings.details_batch]
                   for i in range(0, len(pending), self.settings.details_batch)]
        failures: list[str] = []

        async def one(batch: list[tuple[str, str, list[str]]]) -> None:
            async with self.detail_slots:
                try:
                    found = await ac.activities.get_many([b[0] for b in batch], intervals=True)
                except (errors.APIError, errors.TransportError) as exc:
                    failures.append(_describe(exc))
                    return
            by_id = {str(a.id): to_record(a) for a in found if getattr(a, "id", None)}
            gone = [activity_id for activity_id, _fp, _t in batch if activity_id not in by_id]
            for activity_id, planned, _types in batch:
                raw = by_id.get(activity_id)
                if raw is None:
                    continue
                counts = await self.mirror._db(self.store.apply_details, DetailWrite(
                    athlete_id, activity_id, marks={"intervals_fingerprint": planned},
                    intervals=list(raw.get("icu_intervals") or []),
                    groups=list(raw.get("icu_groups") or [])), run_id=self.report.run_id)
                report.read += 1
                _count(report, counts)
            if gone:
                await self.mirror._db(self.store.apply_activity_tombstones, athlete_id, gone,
                                      run_id=self.report.run_id)
            self._progress(athlete_id, report, total=len(pending))

        await _run_all(one(b) for b in batches)
        if failures:
            raise _DetailFailure(failures, len(pending))

    async def stream_details(self, ac: Any, athlete_id: str, athlete: AthleteReport) -> None:
        report = athlete.stream("streams")
        pending = await self.mirror._db(self.store.activities_needing, athlete_id,
                                        "streams_fingerprint")
        failures: list[str] = []

        async def one(activity_id: str, planned: str, types: list[str]) -> None:
            async with self.detail_slots:
                try:
                    data = await ac.activities.streams(activity_id, types=types or None)
                except errors.NotFound:
                    await self.mirror._db(self.store.apply_activity_tombstones, athlete_id,
                                          [activity_id], run_id=self.report.run_id)
                    return
                except (errors.APIError, errors.TransportError) as exc:
                    failures.append(_describe(exc))
                    return
            counts = await self.mirror._db(self.store.apply_details, DetailWrite(
                athlete_id, activity_id, marks={"streams_fingerprint": planned},
                streams=[to_record(s) for s in data]), run_id=self.report.run_id)
            report.read += 1
            _count(report, counts)
            self._progress(athlete_id, report, total=len(pending))

        await _run_all(one(*p) for p in pending)
        if failures:
            raise _DetailFailure(failures, len(pending))

    async def file_details(self, ac: Any, athlete_id: str, athlete: AthleteReport) -> None:
        report = athlete.stream("files")
        assert self.mirror.files_dir is not None
        folder = self.mirror.files_dir / athlete_id
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        pending = await self.mirror._db(self.store.activities_needing, athlete_id,
                                        "files_fingerprint")
        failures: list[str] = []

        async def one(activity_id: str, planned: str, _types: list[str]) -> None:
            target = folder / f"{activity_id}.original"
            async with self.detail_slots:
                try:
                    download = await ac.activities.download_file(activity_id, target)
                except errors.NotFound:
                    # no original file (manual activity): nothing to keep, but done
                    await self.mirror._db(self.store.apply_details, DetailWrite(
                        athlete_id, activity_id, marks={"files_fingerprint": planned}),
                        run_id=self.report.run_id)
                    return
                except (errors.APIError, errors.TransportError) as exc:
                    failures.append(_describe(exc))
                    return
            path = Path(download.path or target)
            digest, size = await asyncio.to_thread(_sha256, path)
            await self.mirror._db(self.store.apply_details, DetailWrite(
                athlete_id, activity_id, marks={"files_fingerprint": planned},
                file={"kind": "original", "path": str(path), "size": size,
                      "sha256": digest, "fingerprint": planned}), run_id=self.report.run_id)
            report.read += 1
            report.created += 1
            self._progress(athlete_id, report, total=len(pending))

        await _run_all(one(*p) for p in pending)
        if failures:
            raise _DetailFailure(failures, len(pending))


class _DetailFailure(errors.IntervalsError):
    """Some activities' details could not be read; they are retried on the next run."""

    def __init__(self, failures: list[str], total: int) -> None:
        super().__init__(
            f"{len(failures)} of {total} detail requests failed (retried next run); first: "
            f"{failures[0]}"
        )


# ---------------------------------------------------------------------------------------------
# shared by the run and the refresh_* methods


async def _apply_profile(mirror: Mirror, athlete_id: str, profile: dict[str, Any],
                         run_id: int | None, *, is_self: bool | None) -> WriteCounts:
    settings = [dict(s) for s in profile.get("sportSettings") or []]
    record = {k: v for k, v in profile.items()
              if k not in SECRET_ATHLETE_FIELDS and k != "sportSettings"}
    extra = {"is_self": is_self} if is_self is not None else {}
    athlete = RecordWrite(athlete_id, record, athlete_row(record), fingerprint(record),
                          extra=extra)
    await mirror._db(mirror.store.apply_records, "athletes", athlete_id, [athlete],
                     run_id=run_id)
    writes = [RecordWrite(int(s["id"]), s, sport_settings_row(s), fingerprint(s))
              for s in settings if s.get("id") is not None]
    live = await mirror._db(mirror.store.live_keys, "sport_settings", athlete_id)
    return await mirror._db(mirror.store.apply_records, "sport_settings", athlete_id, writes,
                            tombstones=live - {w.key for w in writes},
                            state=StateUpdate("sport_settings", success=True), run_id=run_id)


async def _read_wellness_window(mirror: Mirror, ac: Any, athlete_id: str, oldest: date,
                                newest: date, report: StreamReport, state: StateUpdate | None,
                                run_id: int | None) -> WriteCounts:
    records = [to_record(w) for w in await ac.wellness.list(oldest, newest)]
    writes = []
    for record in records:
        day = _date(record.get("id"))
        if day is None:
            continue
        writes.append(RecordWrite(day, record, wellness_row(record), _updated_fp(record)))
    live = await mirror._db(mirror.store.live_keys, "wellness", athlete_id, date_column="day",
                            oldest=oldest, newest=newest)
    report.read += len(writes)
    counts = await mirror._db(mirror.store.apply_records, "wellness", athlete_id, writes,
                              tombstones=live - {w.key for w in writes}, state=state,
                              run_id=run_id)
    _count(report, counts)
    return counts


async def _read_events_window(mirror: Mirror, ac: Any, athlete_id: str, oldest: date,
                              newest: date, report: StreamReport, state: StateUpdate | None,
                              run_id: int | None) -> WriteCounts:
    records = [to_record(e) for e in await ac.events.list(oldest, newest)]
    writes = [_event_write(r) for r in records if r.get("id") is not None]
    live = await mirror._db(mirror.store.live_keys, "events", athlete_id,
                            date_column="local_date", oldest=oldest, newest=newest)
    missing = sorted(live - {w.key for w in writes})
    tombstones = []
    for event_id in missing:  # deleted, or moved out of the range? ask by id
        try:
            moved = to_record(await ac.events.get(event_id))
        except errors.NotFound:
            tombstones.append(event_id)
        else:
            writes.append(_event_write(moved))
    report.read += len(writes)
    counts = await mirror._db(mirror.store.apply_records, "events", athlete_id, writes,
                              tombstones=tombstones, state=state, run_id=run_id)
    _count(report, counts)
    return counts


def _summary_write(activity: Any) -> RecordWrite:
    """An activity as the API returned it (a model or a dict), ready to store."""
    return _activity_write(to_record(activity), bool(getattr(activity, "is_strava_stub", False)))


def _activity_write(record: dict[str, Any], is_stub: bool) -> RecordWrite:
    summary = {k: v for k, v in record.items() if k not in _DETAIL_KEYS}
    return RecordWrite(
        str(summary["id"]), summary, activity_row(summary, is_strava_stub=is_stub),
        fingerprint(summary), extra={"detail_fingerprint": detail_fingerprint(summary)},
    )


def _event_write(record: dict[str, Any]) -> RecordWrite:
    return RecordWrite(int(record["id"]), record, event_row(record), _updated_fp(record))


def _updated_fp(record: dict[str, Any]) -> str:
    """Records with ``updated`` change when it moves; the hash also catches computed fields
    that change without it (e.g. fitness recomputed)."""
    return fingerprint(record)


def _earliest(*days: date | None) -> date | None:
    """The oldest of the days given, ignoring None."""
    return min((d for d in days if d is not None), default=None)


def _signal(floor_known: asyncio.Future[date | None] | None, oldest: date | None) -> None:
    """Let wellness and events start: ``oldest`` is the oldest activity the API listed
    (None: ask the database, once the activities are stored)."""
    if floor_known is not None and not floor_known.done():
        floor_known.set_result(oldest)


def _cut_windows(counts: dict[date, int], oldest: date, newest: date,
                 capacity: int) -> list[tuple[date, date]]:
    """Contiguous windows covering ``oldest..newest``, newest first, each holding at most
    ``capacity`` activities by ``counts`` (a busier single day gets a window of its own)."""
    windows: list[tuple[date, date]] = []
    hi, held = newest, 0
    for day in sorted((d for d in counts if oldest <= d <= newest), reverse=True):
        if held and held + counts[day] > capacity:
            windows.append((day + timedelta(days=1), hi))
            hi, held = day, 0
        held += counts[day]
    windows.append((oldest, hi))
    return windows


def _windows(oldest: date, newest: date, days: int) -> list[tuple[date, date]]:
    if newest < oldest:
        return []
    from intervals_icu.dates import date_windows

    return list(date_windows(oldest, newest, days=days, newest_first=True))


def _local_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _end_of(day: date) -> datetime:
    """The last second of a local day: ``newest`` as a date-time is unambiguous."""
    return datetime.combine(day, dtime(23, 59, 59))


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest(), path.stat().st_size


def _date(value: Any) -> date | None:
    moment = parse_local_datetime(value)
    return moment.date() if moment else None


def _today(timezone: str | None) -> date:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


def _count(report: StreamReport, counts: WriteCounts, *, read: int = 0) -> None:
    report.read += read
    report.created += counts.created
    report.updated += counts.updated
    report.deleted += counts.deleted
    report.restored += counts.restored
    report.unchanged += counts.unchanged


def _refused(exc: BaseException) -> bool:
    """The credentials cannot read the athlete at all: 401, or 403 that is not about a
    missing OAuth scope (a token may lack one kind and read the others)."""
    if isinstance(exc, errors.AuthenticationError):
        return True
    return isinstance(exc, errors.PermissionDenied) and "OAuth scope" not in str(exc)


def _describe(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc)


async def _run_all(coroutines: Iterable[Any]) -> None:
    async with asyncio.TaskGroup() as group:
        for coroutine in coroutines:
            group.create_task(coroutine)


@contextlib.contextmanager
def _counting(client: Any, report: SyncReport) -> Any:
    """Count every HTTP response of this run, and attribute it to the stream being read."""
    def hook(_info: Any, _status: int, _elapsed: float, attempt: int) -> None:
        report.requests += 1
        if attempt > 1:
            report.retries += 1
        stream = _current_stream.get()
        if stream is not None:
            stream.requests += 1

    remove = client.on_response(hook)
    try:
        yield
    finally:
        remove()
