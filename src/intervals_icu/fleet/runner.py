"""The fleet: an OAuth app's athletes kept mirrored within the platform's budgets, by any
number of workers sharing one PostgreSQL database.

    fleet = Fleet("postgresql+psycopg://me@db/icu")
    fleet.add_token(token)              # in the OAuth callback, for each athlete who grants
    await fleet.run(concurrency=8)      # in each worker process (``icu fleet run``)

One database holds the mirror's tables, the webhook inbox (``icu webhooks serve --workers 0
--no-mirror`` fills it) and the fleet's: athletes and tokens, budget counters, the job log.
See docs/fleet.md for the design and the figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx

from intervals_icu.auth import BearerToken, Credentials
from intervals_icu.credentials_lookup import CredentialsFor, lookup_credentials
from intervals_icu.errors import ConfigurationError
from intervals_icu.fleet.budget import Budget, BudgetLimits, Usage
from intervals_icu.fleet.meter import MeteredTransport
from intervals_icu.fleet.schedule import AthleteState, Pacing, describe_state, state_of
from intervals_icu.fleet.store import AthleteRow, FleetStore, Grant, WorkerRow
from intervals_icu.fleet.target import FleetTarget
from intervals_icu.fleet.worker import DEFAULT_LEASE, FleetWorker
from intervals_icu.mirror import Mirror, MirrorSettings, Store
from intervals_icu.secret import Secret
from intervals_icu.webhooks import HandlerRegistry, Inbox

if TYPE_CHECKING:
    from intervals_icu import RateLimit, RetryPolicy
    from intervals_icu.oauth import OAuthToken

__all__ = ["DEFAULT_SETTINGS", "AthleteStatus", "Fleet", "FleetStatus"]

DEFAULT_SETTINGS = MirrorSettings(athlete_concurrency=1, concurrency=4)
"""One athlete per sync run (the fleet runs many runs at once), four requests in flight."""

NO_TOKEN = "no-token-stored-for-this-athlete"
"""The fleet client's own credentials: every request is made with an athlete's token; one
made without gets a 401, and the athlete is marked, never synced with someone else's."""


@dataclass(frozen=True)
class AthleteStatus:
    """One line of ``icu fleet status``."""

    athlete_id: str
    state: AthleteState
    note: str
    """What waits ("first sync", "catch-up", "until <time>"), or why they are not synced."""
    last_synced_at: datetime | None
    next_check_at: datetime
    requests_today: int
    requests: int
    worker: str | None
    last_error: str | None


@dataclass
class FleetStatus:
    """Every athlete's state, the budgets and the workers."""

    now: datetime
    athletes: list[AthleteStatus] = field(default_factory=list)
    usage: Usage | None = None
    workers: list[WorkerRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = {state.value: 0 for state in AthleteState}
        for athlete in self.athletes:
            found[athlete.state.value] += 1
        return found


class Fleet:
    """An OAuth app's athletes, mirrored within the platform's budgets (module docs).

    ``database``: the SQLAlchemy URL (or the mirror's :class:`Store`) of the one database
    the mirror, the inbox and the fleet share. ``clock`` is the platform's time (budgets,
    schedule; injectable so tests follow the sandbox's clock). ``credentials_for``: the
    app's own token lookup, if the tokens live elsewhere than the fleet's table (the same
    shape the mirror and the webhook receiver take). ``transport``: the httpx transport to
    reach the API with (default: the network; a sandbox's in tests); every request through
    it is paid from the shared budget first.
    """

    def __init__(
        self,
        database: str | Store,
        *,
        base_url: str | None = None,
        schema: str | None = None,
        table_prefix: str = "icu_fleet_",
        inbox_prefix: str = "icu_webhook_",
        limits: BudgetLimits | None = None,
        pacing: Pacing | None = None,
        clock: Callable[[], datetime] | None = None,
        credentials_for: CredentialsFor | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rate_limit: RateLimit | None = None,
        retry: RetryPolicy | None = None,
        settings: MirrorSettings | None = None,
        intervals: bool = True,
        streams: bool = False,
        handlers: HandlerRegistry | None = None,
    ) -> None:
        from intervals_icu import AsyncClient

        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.limits = limits or BudgetLimits()
        self.pacing = pacing or Pacing()
        self.credentials_for = credentials_for
        self.intervals = intervals
        self.streams = streams
        self.handlers = handlers if handlers is not None else HandlerRegistry()
        self.mirror_store = database if isinstance(database, Store) else Store(
            database, schema=schema)
        engine = self.mirror_store.engine
        self.store = FleetStore(engine, table_prefix=table_prefix)
        self.inbox = Inbox(engine, table_prefix=inbox_prefix)
        self.budget = Budget(engine, self.store.t, self.limits)
        self.client = AsyncClient(
            BearerToken(NO_TOKEN), athlete_id="0", base_url=base_url, rate_limit=rate_limit,
            retry=retry, http_client=httpx.AsyncClient(transport=MeteredTransport(transport)))
        self.mirror = Mirror(self.client, self.mirror_store, settings=settings or DEFAULT_SETTINGS,
                             credentials_for=self._credentials)
        self.target = FleetTarget(self.mirror, self.store, self.clock)

    def __repr__(self) -> str:
        return f"Fleet({self.mirror_store!r})"

    @property
    def dialect(self) -> str:
        return self.store.dialect

    async def _credentials(self, athlete_id: str) -> Credentials | None:
        if self.credentials_for is not None:
            found = await lookup_credentials(self.credentials_for, athlete_id)
            if found is not None:
                return found
        token = await asyncio.to_thread(self.store.token, athlete_id)
        return None if token is None else BearerToken(token)

    # -- athletes and tokens ------------------------------------------------------------------

    def add_token(self, token: OAuthToken) -> AthleteRow:
        """Store what the OAuth code exchange returned (call it from your OAuth callback):
        a new athlete is due for their first sync; one who had revoked resumes with a
        catch-up sync."""
        from intervals_icu.scopes import format_scopes

        if not token.athlete_id:
            raise ConfigurationError("the token names no athlete; store it with "
                                     "fleet.add(athlete_id, token)")
        return self.add(token.athlete_id, token.access_token,
                        scope=format_scopes(sorted(token.scopes, key=str)))

    def add(self, athlete_id: str, token: str | Secret | BearerToken | None = None, *,
            scope: str = "") -> AthleteRow:
        """Add an athlete (``icu fleet add``). ``token`` None: the app's
        ``credentials_for`` lookup has it."""
        if token is None and self.credentials_for is None:
            raise ConfigurationError(
                f"no token for athlete {athlete_id}: give the token the OAuth code exchange "
                "returned, or build the Fleet with credentials_for= (your token lookup)")
        text: str | None
        if isinstance(token, BearerToken):
            text = token.token.reveal()
        else:
            text = None if token is None else Secret(token).reveal()
        return self.store.add(str(athlete_id), token=text, scope=scope, at=self.clock())

    def revoke(self, athlete_id: str, *, reason: str = "revoked by the app") -> bool:
        """Stop syncing an athlete (their rows are kept; a new token resumes them)."""
        return self.store.revoke(str(athlete_id), at=self.clock(), reason=reason)

    # -- workers ------------------------------------------------------------------------------

    def check_workers(self, count: int, *, lease: timedelta = DEFAULT_LEASE) -> None:
        """Refuse what the database cannot serve: SQLite has no row locks to share athletes
        with, so one worker only (here, and in any other process)."""
        if count < 1:
            raise ConfigurationError("a fleet needs at least one worker")
        if self.dialect != "sqlite":
            return
        if count > 1:
            raise ConfigurationError(
                "SQLite supports one fleet worker (workers=1); use PostgreSQL for several "
                "workers: icu fleet run --db postgresql+psycopg://user@host/db")
        horizon = datetime.now(UTC) - 2 * lease
        others = [w for w in self.store.workers()
                  if w.stopped_at is None and w.seen_at > horizon]
        if others:
            raise ConfigurationError(
                f"another fleet worker ({others[0].worker_id}, pid {others[0].pid}) is "
                "running on this SQLite database, which supports one; stop it, or use "
                "PostgreSQL for several workers")

    def worker(self, **options: object) -> FleetWorker:
        """A worker of this fleet (``FleetWorker`` keywords: worker_id, concurrency, lease,
        poll_interval)."""
        return FleetWorker(self, **options)  # type: ignore[arg-type]

    async def run(self, *, workers: int = 1, concurrency: int = 4,
                  lease: timedelta = DEFAULT_LEASE, poll_interval: float = 1.0,
                  stop: asyncio.Event | None = None) -> None:
        """Run ``workers`` workers in this process until ``stop`` is set (or cancelled).
        More processes, on more machines, may run on the same PostgreSQL database."""
        await asyncio.to_thread(self.check_workers, workers, lease=lease)
        running = [FleetWorker(self, concurrency=concurrency, lease=lease,
                               poll_interval=poll_interval) for _ in range(workers)]
        async with asyncio.TaskGroup() as group:
            for worker in running:
                group.create_task(worker.run(stop=stop))

    async def run_until_idle(self, *, concurrency: int = 4, lease: timedelta = DEFAULT_LEASE,
                             poll_interval: float = 0.05) -> FleetWorker:
        """One worker until nothing is due now (tests, scripts; bound it with
        ``asyncio.timeout``); returns it (``.totals``)."""
        await asyncio.to_thread(self.check_workers, 1, lease=lease)
        worker = FleetWorker(self, concurrency=concurrency, lease=lease,
                             poll_interval=poll_interval)
        await worker.run_until_idle()
        return worker

    # -- status -------------------------------------------------------------------------------

    def status(self) -> FleetStatus:
        """Every athlete's state, today's budgets and the workers (``icu fleet status``)."""
        now = self.clock()
        rows = self.store.athletes()
        users = sum(1 for r in rows if r.grant is Grant.ACTIVE)
        usage = self.budget.usage(now, users=users)
        waiting = self.inbox.due_athletes()
        real_now = datetime.now(UTC)
        status = FleetStatus(now=now, usage=usage, workers=self.store.workers())
        for row in rows:
            leased = row.lease_until is not None and row.lease_until > real_now
            state = state_of(grant=row.grant.value, history_done=row.history_done,
                             catch_up=row.catch_up, next_check_at=row.next_check_at,
                             budget_until=row.budget_until, leased=leased,
                             webhooks_waiting=row.athlete_id in waiting, now=now)
            note = describe_state(state, history_done=row.history_done,
                                  catch_up=row.catch_up, budget_until=row.budget_until)
            if state in (AthleteState.REVOKED, AthleteState.ACCESS_LOST):
                note = row.status_reason or ""
            status.athletes.append(AthleteStatus(
                athlete_id=row.athlete_id, state=state, note=note,
                last_synced_at=row.last_synced_at, next_check_at=row.next_check_at,
                requests_today=usage.athletes.get(row.athlete_id, 0), requests=row.requests,
                worker=row.lease_holder if leased else None, last_error=row.last_error))
        return status

    # -- upkeep -------------------------------------------------------------------------------

    def purge(self) -> dict[str, int]:
        """Forget the job log, the mirror's ``sync_runs`` and the inbox's done entries older
        than ``pacing.keep_jobs``, and budget counters of days before yesterday; give up the
        webhook entries that waited as long for athletes not in the fleet (``dead``, with
        the reason). How many rows of each. Every worker calls it hourly (any may)."""
        keep = self.pacing.keep_jobs
        cutoff = datetime.now(UTC) - keep
        return {
            "jobs": self.store.purge_jobs(keep),
            "sync_runs": self.mirror_store.purge_runs(cutoff),
            "budget_counters": self.budget.purge(
                self.limits.day_start(self.clock()) - timedelta(days=1)),
            "webhooks_done": self.inbox.purge(keep),
            "webhooks_given_up": self.inbox.give_up(
                self.store.strangers(self.inbox.entries), received_before=cutoff,
                reason=f"the athlete was not in the fleet for {_duration(keep)}: `icu fleet "
                       "add` them (their first sync reads everything)"),
        }

    # -- lifecycle ----------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self.client.aclose()
        self.mirror.close()

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _duration(span: timedelta) -> str:
    """``7 days``, ``12 hours``, ``30 minutes``."""
    if span >= timedelta(days=1):
        days = span / timedelta(days=1)
        return f"{days:g} day" + ("" if days == 1 else "s")
    if span >= timedelta(hours=1):
        return f"{span / timedelta(hours=1):g} hours"
    return f"{span / timedelta(minutes=1):g} minutes"
