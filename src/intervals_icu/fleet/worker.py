"""A fleet worker: claims athletes that have work, does it within the budget, lets go.

One loop per worker: claim up to ``concurrency`` athletes (:meth:`FleetStore.claim`: webhook
entries first, then catch-ups, then the most overdue reconciliations; first syncs only while
this worker has a first-sync slot free), and for each one, as one task:

1. its inbox entries, oldest first, through the webhook package's worker (re-read what
   each names; handlers run), paid from the budget with nothing kept back;
2. then, if due, a sync: the first (the whole history), a catch-up after a re-grant, or a
   reconciliation; paid with floors (:func:`~intervals_icu.fleet.schedule.floors_for`);
3. the outcome on the athlete's row (next check, budget-limited until, revoked...), and the
   lease released.

A heartbeat renews the leases of the athletes being worked (every fifth of ``lease``); an
athlete whose lease was lost (this worker stalled past it and another took over) is
cancelled here, so one athlete is never synced by two workers at once. A worker killed with
SIGKILL simply stops renewing: within ``lease`` its athletes are claimable by the others,
and the mirror resumes each at its last committed page.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import random
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from intervals_icu.fleet.budget import Floors
from intervals_icu.fleet.meter import Spend, spending
from intervals_icu.fleet.schedule import WorkKind, decayed_activity, floors_for, next_check
from intervals_icu.fleet.store import AthleteRow, Claim, Grant
from intervals_icu.waiting import wait_for_first
from intervals_icu.webhooks import Worker as InboxWorker

if TYPE_CHECKING:
    from intervals_icu.fleet.runner import Fleet

__all__ = ["DEFAULT_LEASE", "FleetWorker", "WorkerTotals"]

logger = logging.getLogger("intervals_icu.fleet")

DEFAULT_LEASE = timedelta(seconds=30)
"""How long an athlete stays a worker's without a heartbeat (renewed every fifth of it)."""

ENTRY_LEASE = timedelta(seconds=10)
COUNTS_EVERY = 10.0
"""Seconds between refreshes of the fleet-wide figures a worker paces by."""
PURGE_EVERY = 3600.0
"""Seconds between clean-ups of the job log and of past budget counters."""


@dataclass
class WorkerTotals:
    """What a worker did (also kept in the ``workers`` table)."""

    claimed: int = 0
    jobs: int = 0
    requests: int = 0
    webhook_entries: int = 0
    budget_refusals: int = 0


class FleetWorker:
    """One worker of ``fleet`` (see the module docs). ``await worker.run(stop=event)`` in
    production; ``await worker.run_until_idle()`` in tests and scripts."""

    def __init__(self, fleet: Fleet, *, worker_id: str | None = None, concurrency: int = 4,
                 lease: timedelta = DEFAULT_LEASE, poll_interval: float = 1.0) -> None:
        self.fleet = fleet
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.poll_interval = poll_interval
        self.inbox_worker = InboxWorker(fleet.inbox, handlers=fleet.handlers,
                                        mirror=fleet.target, worker_id=self.worker_id,
                                        lease=ENTRY_LEASE)
        self.totals = WorkerTotals()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._first_running = 0
        self._finished = 0
        self._cost = fleet.pacing.reconcile_cost
        self._first_cost = fleet.pacing.first_sync_cost
        """What reconciliations and whole first syncs take here (moving averages)."""
        self._users = 0
        self._synced = 0
        self._stretch = 1.0
        self._counted_at = -math.inf
        self._purged_at = time.monotonic()
        self._purging: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def __repr__(self) -> str:
        return f"FleetWorker({self.worker_id!r})"

    @property
    def in_hand(self) -> set[str]:
        """The athletes this worker is working on now."""
        return set(self._tasks)

    # -- running --------------------------------------------------------------------------

    async def run(self, *, stop: asyncio.Event | None = None) -> None:
        """Work until ``stop`` is set (or the task is cancelled); athletes in hand are given
        back when it ends. The event loop gets a thread pool sized for ``concurrency`` (each
        athlete's database calls run in it; the default pool has cores + 4 threads)."""
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(
            max(32, 4 * self.concurrency), thread_name_prefix="icu-fleet"))
        await asyncio.to_thread(self.fleet.store.register_worker, self.worker_id)
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            while stop is None or not stop.is_set():
                claimed = await self._tick()
                if claimed:
                    continue
                self._wake.clear()
                await wait_for_first(self._wake, stop, at_most=self.poll_interval)
        finally:
            await self._shutdown(heartbeat)

    async def run_until_idle(self) -> WorkerTotals:
        """Work until no athlete has work due now and nothing is in hand (bound it with
        ``asyncio.timeout``)."""
        await asyncio.to_thread(self.fleet.store.register_worker, self.worker_id)
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            while True:
                finished = self._finished
                claimed = await self._tick()
                # Idle: nothing claimed, nothing in hand, and nothing ended meanwhile (work
                # that ended during the claim may have freed a first-sync slot).
                if not claimed and not self._tasks and finished == self._finished:
                    return self.totals
                if not claimed:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_interval)
        finally:
            await self._shutdown(heartbeat)

    async def _shutdown(self, heartbeat: asyncio.Task[None]) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
        if self._purging is not None:  # a DELETE in a thread: let it finish
            await asyncio.gather(self._purging, return_exceptions=True)
        await asyncio.shield(asyncio.to_thread(self._beat, True))

    async def _tick(self) -> int:
        """Claim what this worker has room for and start it; how many were claimed."""
        free = self.concurrency - len(self._tasks)
        if free <= 0:
            return 0
        await self._count()
        fleet = self.fleet
        slots = fleet.pacing.first_syncs_per_worker - self._first_running
        claims = await asyncio.to_thread(
            fleet.store.claim, self.worker_id, limit=free, lease=self.lease, now=fleet.clock(),
            inbox=fleet.inbox.entries, first_syncs=slots > 0)
        for claim in claims:
            athlete = claim.athlete
            first = self._wants_first(athlete)
            if first and slots <= 0 and not claim.webhooks:
                await asyncio.to_thread(fleet.store.release, self.worker_id,
                                        [athlete.athlete_id])
                continue
            if first:
                slots -= 1
            self.totals.claimed += 1
            self._tasks[athlete.athlete_id] = asyncio.create_task(
                self._work(claim, first_allowed=first),
                name=f"icu-fleet-{athlete.athlete_id}")
        return len(claims)

    def _wants_first(self, athlete: AthleteRow) -> bool:
        return athlete.grant is Grant.ACTIVE and not athlete.history_done

    # -- the fleet's figures -------------------------------------------------------------------

    async def _count(self) -> None:
        """Refresh (every few seconds) the authorized and synced athletes, and how much the
        app's remaining budget stretches the intervals."""
        if time.monotonic() - self._counted_at < COUNTS_EVERY:
            return
        self._counted_at = time.monotonic()
        fleet = self.fleet
        self._users, self._synced = await asyncio.to_thread(fleet.store.counts)
        if time.monotonic() - self._purged_at > PURGE_EVERY and (
                self._purging is None or self._purging.done()):
            self._purged_at = time.monotonic()
            # Beside the work, not in its way: a big first purge must not stall claims.
            self._purging = asyncio.create_task(self._purge())
        now = fleet.clock()
        usage = await asyncio.to_thread(fleet.budget.usage, now, users=self._users)
        pacing, limits = fleet.pacing, fleet.limits
        left = (limits.day_end(now) - now) / timedelta(days=1)
        room = usage.app_day_limit * (1 - pacing.webhook_share) - usage.app_day_used
        planned = self._synced * pacing.target_per_athlete * left
        self._stretch = max(1.0, planned / max(room, 1.0)) if planned else 1.0

    async def _purge(self) -> None:
        try:
            forgotten = await asyncio.to_thread(self.fleet.purge)
        except Exception as exc:  # the next hour tries again; the work goes on
            logger.warning("fleet worker %s: purge failed: %s: %s", self.worker_id,
                           type(exc).__name__, exc)
            return
        if any(forgotten.values()):
            logger.info("fleet worker %s: purged %s", self.worker_id, forgotten)

    def _users_now(self) -> int:
        return self._users

    # -- one athlete ---------------------------------------------------------------------------

    async def _work(self, claim: Claim, *, first_allowed: bool) -> None:
        athlete_id = claim.athlete.athlete_id
        fleet = self.fleet
        if first_allowed:
            self._first_running += 1
        try:
            if claim.webhooks:
                await self._webhooks(athlete_id)
            row = await asyncio.to_thread(fleet.store.athlete, athlete_id)
            kind = self._due(row, first_allowed=first_allowed)
            if row is not None and kind is not None:
                await self._sync(row, kind)
        except Exception as exc:  # a database hiccup: note it, the athlete comes back
            logger.error("fleet worker %s: athlete %s: %s: %s", self.worker_id, athlete_id,
                         type(exc).__name__, exc)
            with contextlib.suppress(Exception):
                await asyncio.to_thread(
                    fleet.store.update_held, athlete_id, self.worker_id,
                    last_error=f"{type(exc).__name__}: {exc}",
                    next_check_at=fleet.clock() + fleet.pacing.retry_after_error)
        finally:
            if first_allowed:
                self._first_running -= 1
            self._tasks.pop(athlete_id, None)
            self._finished += 1
            await asyncio.shield(asyncio.to_thread(
                fleet.store.update_held, athlete_id, self.worker_id, release=True))
            self._wake.set()

    def _due(self, row: AthleteRow | None, *, first_allowed: bool) -> WorkKind | None:
        now = self.fleet.clock()
        if row is None or row.grant is not Grant.ACTIVE:
            return None
        if row.budget_until is not None and row.budget_until > now:
            return None
        if row.next_check_at > now:
            return None
        if not row.history_done:
            return "first" if first_allowed else None
        return "catch-up" if row.catch_up else "reconcile"

    async def _refused(self, spend: Spend) -> None:
        """After a unit of work the budget stopped: count it; if the platform itself said
        a budget is spent, mark it spent for every worker until its reset."""
        refusal = spend.refusal
        if refusal is None:
            return
        self.totals.budget_refusals += 1
        if refusal.by_platform:
            logger.warning("fleet worker %s: the platform refused a request: %s",
                           self.worker_id, refusal.describe())
            await asyncio.to_thread(self.fleet.budget.exhaust, [refusal.scope],
                                    spend.athlete_id, now=self.fleet.clock(),
                                    users=self._users)

    def _spend(self, athlete_id: str, floors: Floors, first: int, block: int,
               needs: int = 1) -> Spend:
        fleet = self.fleet
        return Spend(fleet.budget, athlete_id, floors=floors, first=first, block=block,
                     now=fleet.clock, users=self._users_now, needs=needs)

    async def _webhooks(self, athlete_id: str) -> None:
        """The athlete's due inbox entries, oldest first, with nothing kept back."""
        fleet = self.fleet
        block = fleet.pacing.webhook_block
        spend = self._spend(athlete_id, Floors(), block, block)
        job = await asyncio.to_thread(fleet.store.start_job, athlete_id, self.worker_id,
                                      "webhooks")
        done = 0
        outcome, error = "ok", None
        try:
            with spending(spend):
                while True:
                    entries = await asyncio.to_thread(
                        fleet.inbox.claim, self.worker_id, limit=1, lease=ENTRY_LEASE,
                        athlete_ids=[athlete_id])
                    if not entries:
                        break
                    report = await self.inbox_worker.process(entries)
                    done += report.done
                    if report.deferred:
                        break
        finally:
            await spend.settle()
            await self._refused(spend)
            if spend.refusal is not None:
                outcome, error = "budget", spend.refusal.describe()
            self.totals.jobs += 1
            self.totals.requests += spend.sent
            self.totals.webhook_entries += done
            await asyncio.shield(asyncio.to_thread(
                fleet.store.end_job, job, requests=spend.sent, changes=done, outcome=outcome,
                error=error))
        now = fleet.clock()
        row = await asyncio.to_thread(fleet.store.athlete, athlete_id)
        values: dict[str, Any] = {}
        if row is not None:
            values.update(activity=decayed_activity(row.activity, row.activity_at, now, done,
                                                    fleet.pacing.activity_half_life),
                          activity_at=now)
        if spend.refusal is not None:
            values["budget_until"] = spend.refusal.until
        await asyncio.to_thread(fleet.store.update_held, athlete_id, self.worker_id,
                                add_requests=spend.sent, **values)

    async def _sync(self, row: AthleteRow, kind: WorkKind) -> None:
        """A first sync, catch-up or reconciliation of one athlete, and its outcome."""
        fleet = self.fleet
        pacing, limits = fleet.pacing, fleet.limits
        athlete_id = row.athlete_id
        started = fleet.clock()
        floors = floors_for(kind, pacing=pacing, limits=limits, users=self._users,
                            synced=self._synced, now=started)
        # Start only with what the whole sync is expected to take in hand.
        if kind == "reconcile":
            first = needs = max(1, math.ceil(self._cost))
            block = 2
        else:
            first = needs = max(1, math.ceil(self._first_cost))
            block = pacing.first_sync_block
        spend = self._spend(athlete_id, floors, first, block, needs)
        job = await asyncio.to_thread(fleet.store.start_job, athlete_id, self.worker_id, kind)
        report = None
        try:
            with spending(spend):
                report = await fleet.mirror.sync_async(
                    athletes=[athlete_id], intervals=fleet.intervals, streams=fleet.streams)
        finally:
            await spend.settle()
            self.totals.jobs += 1
            self.totals.requests += spend.sent
        await self._refused(spend)
        now = fleet.clock()
        athlete = report.athletes[0] if report is not None and report.athletes else None
        changes = sum(k.changed for k in athlete.kinds.values()) if athlete else 0
        access = await fleet.mirror.access(athlete_id)
        values: dict[str, Any] = {}
        error: str | None = None
        if access is not None and access.lost:
            reason = access.reason or "the token is refused"
            grant = Grant.REVOKED if reason.startswith("401") else Grant.LOST
            outcome = grant.value
            await asyncio.to_thread(fleet.store.revoke, athlete_id, at=now, reason=reason,
                                    grant=grant, checked=row)
        elif spend.refusal is not None:
            outcome = "budget"
            error = spend.refusal.describe()
            values.update(budget_until=spend.refusal.until, next_check_at=spend.refusal.until,
                          last_error=error)
        elif report is not None and report.ok:
            outcome = "ok"
            if kind == "reconcile":
                self._cost = 0.8 * self._cost + 0.2 * max(1, spend.sent)
            elif kind == "first" and spend.refusal is None:
                self._first_cost = 0.8 * self._first_cost + 0.2 * max(1, spend.sent)
            used = await asyncio.to_thread(fleet.budget.athlete_used, athlete_id, now)
            # A first sync "changes" the whole history: that says nothing of activity.
            activity = decayed_activity(row.activity, row.activity_at, now,
                                        changes if kind != "first" else 0,
                                        pacing.activity_half_life)
            values.update(history_done=True, catch_up=False, last_synced_at=started,
                          budget_until=None, last_error=None, activity=activity,
                          activity_at=now, next_check_at=next_check(
                              now, pacing=pacing, limits=limits, used_today=used,
                              cost=self._cost, activity=activity, stretch=self._stretch,
                              spread=random.random()))
        else:
            outcome = "error"
            error = "; ".join(report.errors()) if report is not None else "no report"
            values.update(last_error=error, next_check_at=now + pacing.retry_after_error)
        await asyncio.to_thread(fleet.store.update_held, athlete_id, self.worker_id,
                                add_requests=spend.sent, **values)
        await asyncio.to_thread(fleet.store.end_job, job, requests=spend.sent, changes=changes,
                                outcome=outcome, error=error)

    # -- the heartbeat -------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        # Its own thread: a heartbeat never queues behind the work's database calls.
        loop = asyncio.get_running_loop()
        interval = max(0.05, self.lease.total_seconds() / 5)
        with ThreadPoolExecutor(1, thread_name_prefix="icu-fleet-heartbeat") as beats:
            while True:
                await asyncio.sleep(interval)
                try:
                    working = dict(self._tasks)
                    held = await loop.run_in_executor(beats, functools.partial(
                        self.fleet.store.renew, self.worker_id, list(working), self.lease))
                    for athlete_id, task in working.items():
                        # (one that left _tasks meanwhile is ending and released it itself)
                        if athlete_id not in held and self._tasks.get(athlete_id) is task:
                            logger.warning("fleet worker %s lost its lease on athlete %s: "
                                           "stopping its work there", self.worker_id,
                                           athlete_id)
                            task.cancel()
                    await loop.run_in_executor(beats, self._beat, False)
                except Exception as exc:  # the next beat may get through
                    logger.warning("fleet worker %s: heartbeat failed: %s: %s",
                                   self.worker_id, type(exc).__name__, exc)

    def _beat(self, stopped: bool) -> None:
        self.fleet.store.beat_worker(self.worker_id, cpu_seconds=time.process_time(),
                                     jobs=self.totals.jobs, requests=self.totals.requests,
                                     stopped=stopped)

