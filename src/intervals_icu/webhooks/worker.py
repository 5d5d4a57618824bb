"""Workers: take inbox entries, update the mirror by re-reading the API, run the handlers.

For each entry the steps are: ``access`` (APP_SCOPE_CHANGED only: remember the athlete's
grant), ``mirror`` (when a mirror is configured: :func:`apply_to_mirror`), then every
handler registered for the type, in registration order. Each step that succeeds is
recorded in the inbox at once; a failure sends the entry back to ``pending`` with
exponential backoff, and the retry runs only the steps not yet recorded, so a handler
that already succeeded is not run again. When the attempts are spent the entry is
``dead``: ``Inbox.list(status="dead")`` / ``icu webhooks inspect`` show it with its last
error, and ``Inbox.replay`` queues it again. Nothing is dropped silently.

Order: a worker claims only an athlete's earliest unfinished event, so one athlete's
events are applied one at a time in timestamp order (different athletes in parallel).
On PostgreSQL any number of workers, on one or several machines, share the inbox through
``FOR UPDATE SKIP LOCKED``; on SQLite run one worker.

Exactly once: a handler runs once per distinct event, except if the worker process dies
between the handler returning and the commit that records it (milliseconds); the entry's
lease then expires and the handler runs again. If a duplicate side effect would matter,
key it on ``ctx.dedup_key``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from pydantic import ValidationError

from intervals_icu.errors import ConfigurationError
from intervals_icu.waiting import wait_for_first
from intervals_icu.webhooks.apply import MirrorTarget, apply_to_mirror, reconcile_mirror
from intervals_icu.webhooks.clients import AthleteClients
from intervals_icu.webhooks.errors import EntryDeferred
from intervals_icu.webhooks.handlers import HandlerContext, HandlerRegistration, HandlerRegistry
from intervals_icu.webhooks.inbox import Inbox, InboxEntry
from intervals_icu.webhooks.payloads import AppScopeChangedEvent, WebhookEvent
from intervals_icu.webhooks.writer import GroupCommitWriter

__all__ = ["DEFAULT_LEASE", "HandlerContext", "RetrySchedule", "WorkReport", "Worker",
           "WorkerOptions"]

logger = logging.getLogger("intervals_icu.webhooks")

RECONCILE_LEASE = "reconcile"

DEFAULT_LEASE = timedelta(seconds=10)
"""How long a claimed entry stays a worker's without a heartbeat. The worker renews it every
fifth of that while it works the entry, so a worker that dies gives its entries (and the
athlete's later events) back within seconds."""


@dataclass(frozen=True)
class RetrySchedule:
    """When a failed entry is tried again: ``first_delay * factor ** (n - 1)`` seconds after
    its n-th failure (capped at ``max_delay``, +-``jitter`` so retries spread out); after
    ``max_attempts`` failures it is dead."""

    max_attempts: int = 8
    first_delay: float = 10.0
    factor: float = 3.0
    max_delay: float = 6 * 3600.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("RetrySchedule.max_attempts must be at least 1")
        if self.first_delay < 0 or self.factor < 1 or self.max_delay < 0:
            raise ConfigurationError(
                "RetrySchedule needs first_delay >= 0, factor >= 1, max_delay >= 0")

    def delay(self, failures: int) -> float:
        base = min(self.max_delay, self.first_delay * self.factor ** max(0, failures - 1))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))

    def next_attempt(self, failures: int, now: datetime) -> datetime | None:
        """When to try after ``failures`` failures; None when the entry is dead."""
        if failures >= self.max_attempts:
            return None
        return now + timedelta(seconds=self.delay(failures))


class WorkerOptions(TypedDict, total=False):
    """How a worker runs (``Worker(...)``, ``receiver.worker(...)``, ``serve(...)``)."""

    worker_id: str | None
    batch_size: int
    poll_interval: float
    lease: timedelta
    retry: RetrySchedule | None
    reconcile: Callable[[], Awaitable[object]] | None
    reconcile_every: float | None


@dataclass
class WorkReport:
    """What one :meth:`Worker.run_once` did."""

    claimed: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0
    """Put back until later by a step that raised ``EntryDeferred`` (no attempt counted)."""

    def add(self, other: WorkReport) -> None:
        self.claimed += other.claimed
        self.done += other.done
        self.retried += other.retried
        self.dead += other.dead
        self.deferred += other.deferred


class Worker:
    """Processes an inbox: ``await worker.run_forever()`` in production (``serve()`` does it
    for you); ``await worker.run_until_idle()`` in tests and scripts. Usually built by
    :meth:`WebhookReceiver.worker`, which hands it the receiver's inbox, handlers, mirror,
    clients and commit notifications.
    """

    def __init__(
        self,
        inbox: Inbox,
        *,
        handlers: HandlerRegistry | None = None,
        mirror: MirrorTarget | None = None,
        clients: AthleteClients | None = None,
        commits: GroupCommitWriter | None = None,
        worker_id: str | None = None,
        batch_size: int = 16,
        poll_interval: float = 1.0,
        lease: timedelta = DEFAULT_LEASE,
        retry: RetrySchedule | None = None,
        reconcile: Callable[[], Awaitable[object]] | None = None,
        reconcile_every: float | None = None,
    ) -> None:
        self.inbox = inbox
        self.handlers = handlers if handlers is not None else HandlerRegistry()
        self.mirror = mirror
        self.clients = clients if clients is not None else AthleteClients()
        self.commits = commits
        """Where new commits are announced (the receiver's writer): wake up at once."""
        self.worker_id = worker_id or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.batch_size = max(1, batch_size)
        self.poll_interval = poll_interval
        self.lease = lease
        self.retry = retry or RetrySchedule()
        if reconcile is None and reconcile_every:
            if mirror is None:
                raise ConfigurationError(
                    "reconcile_every needs a mirror (WebhookReceiver(mirror=...)) or "
                    "reconcile= (a coroutine function to run periodically)")
            reconcile = functools.partial(reconcile_mirror, mirror)
        self.reconcile = reconcile
        self.reconcile_every = reconcile_every
        self._wake: asyncio.Event | None = None
        self._stopping = False

    def __repr__(self) -> str:
        return f"Worker({self.worker_id!r}, inbox={self.inbox!r})"

    # -- running ------------------------------------------------------------------------------

    async def run_once(self) -> WorkReport:
        """Claim one batch (at most one entry per athlete) and process it."""
        claimed = await asyncio.to_thread(self.inbox.claim, self.worker_id,
                                          limit=self.batch_size, lease=self.lease)
        return await self.process(claimed)

    async def process(self, claimed: list[InboxEntry]) -> WorkReport:
        """Process entries this worker has claimed (``inbox.claim(worker.worker_id, ...)``),
        renewing their leases meanwhile; entries left unprocessed (cancelled) are given
        back. A fleet worker claims an athlete's entries itself and hands them here."""
        report = WorkReport(claimed=len(claimed))
        if not claimed:
            return report
        pending = {entry.id for entry in claimed}
        heartbeat = asyncio.create_task(self._heartbeat(pending))
        try:
            outcomes = await asyncio.gather(*(self._process(e, pending) for e in claimed))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            if pending:  # cancelled mid-way: give the rest back untouched
                await asyncio.shield(asyncio.to_thread(self.inbox.release, self.worker_id,
                                                       list(pending)))
        for outcome in outcomes:
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    async def run_until_idle(self, *, include_delayed: bool = False) -> WorkReport:
        """Process until nothing is due. With ``include_delayed``, also wait for entries
        whose retry is scheduled (backoff) until they are done or dead (bound it with
        ``asyncio.timeout``)."""
        total = WorkReport()
        while True:
            report = await self.run_once()
            total.add(report)
            if report.claimed:
                continue
            if not include_delayed or not await asyncio.to_thread(self._has_unfinished):
                return total
            await asyncio.sleep(min(0.05, self.poll_interval))

    def _has_unfinished(self) -> bool:
        stats = self.inbox.stats()
        return bool(stats["pending"] or stats["processing"])

    async def run_forever(self, *, stop: asyncio.Event | None = None) -> None:
        """Process entries as they come until ``stop`` is set (or the task is cancelled);
        reconcile every ``reconcile_every`` seconds (one worker at a time, by lease)."""
        self._wake = wake = asyncio.Event()
        self._stopping = False
        loop = asyncio.get_running_loop()

        def notify() -> None:  # from the writer thread, after a commit
            with contextlib.suppress(RuntimeError):  # the loop is closed
                loop.call_soon_threadsafe(wake.set)

        if self.commits is not None:
            self.commits.add_listener(notify)
        # Reconciling (a sync: maybe minutes) runs beside event processing, not instead.
        reconciling = (asyncio.create_task(self._reconcile_periodically())
                       if self.reconcile is not None and self.reconcile_every else None)
        try:
            while not (stop is not None and stop.is_set()) and not self._stopping:
                try:
                    report = await self.run_once()
                except Exception as exc:  # the database went away: wait, then try again
                    logger.error("webhook worker %s: claiming failed: %s: %s",
                                 self.worker_id, type(exc).__name__, exc)
                    report = WorkReport()
                if report.claimed:
                    continue
                self._wake.clear()
                await wait_for_first(self._wake, stop, at_most=self.poll_interval)
        finally:
            if self.commits is not None:
                self.commits.remove_listener(notify)
            if reconciling is not None:
                reconciling.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reconciling
            if self.reconcile is not None:
                await asyncio.to_thread(self.inbox.release_lease, RECONCILE_LEASE,
                                        self.worker_id)

    def stop(self) -> None:
        """Ask :meth:`run_forever` to return after the current batch."""
        self._stopping = True
        if self._wake is not None:
            self._wake.set()

    async def _reconcile_periodically(self) -> None:
        assert self.reconcile_every
        while True:
            await self.reconcile_if_leader()
            await asyncio.sleep(self.reconcile_every)

    async def reconcile_if_leader(self) -> bool:
        """Run the reconciliation (the mirror's incremental sync) if this worker holds the
        lease; it covers deliveries missed while the receiver was down."""
        if self.reconcile is None:
            return False
        duration = timedelta(seconds=max(60.0, self.reconcile_every or 0.0))
        if not await asyncio.to_thread(self.inbox.try_lease, RECONCILE_LEASE, self.worker_id,
                                       duration):
            return False
        try:
            await self.reconcile()
        except Exception as exc:
            logger.error("webhook reconciliation failed (next try in %ss): %s: %s",
                         self.reconcile_every, type(exc).__name__, exc)
            return False
        logger.info("webhook reconciliation done by %s", self.worker_id)
        return True

    async def _heartbeat(self, pending: set[int]) -> None:
        interval = max(0.05, self.lease.total_seconds() / 5)
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.inbox.renew, self.worker_id, list(pending),
                                        self.lease)
            except Exception as exc:  # the next beat may get through; keep beating
                logger.warning("webhook worker %s: renewing its lease failed: %s: %s",
                               self.worker_id, type(exc).__name__, exc)

    # -- one entry ----------------------------------------------------------------------------

    async def _process(self, entry: InboxEntry, pending: set[int]) -> str:
        outcome = await self._steps(entry)
        # Only now is the entry's fate recorded; if this is cancelled or the database
        # fails first, run_once gives the entry back (released, not failed).
        pending.discard(entry.id)
        return outcome

    async def _steps(self, entry: InboxEntry) -> str:
        done = list(entry.steps_done)
        try:
            event = entry.event
        except ValidationError as exc:
            # Retrying cannot fix a payload; keep it (dead) for a human to look at.
            problem = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
            await self._fail(entry, done, "payload",
                             f"the payload does not match {entry.event_type}: {problem}",
                             permanent=True)
            return "dead"
        for name, run in self._plan(entry, event):
            if name in done:
                continue
            try:
                await run()
            except EntryDeferred as exc:
                await asyncio.to_thread(self.inbox.defer, entry.id, self.worker_id,
                                        until=exc.until, steps_done=done,
                                        reason=f"{name}: deferred: {exc}")
                return "deferred"
            except Exception as exc:
                return await self._fail(entry, done, name, f"{type(exc).__name__}: {exc}")
            done.append(name)
            await asyncio.to_thread(self.inbox.record_steps, entry.id, self.worker_id, done)
        await asyncio.to_thread(self.inbox.complete, entry.id, self.worker_id, done)
        return "done"

    def _plan(self, entry: InboxEntry,
              event: WebhookEvent) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
        steps: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        if isinstance(event, AppScopeChangedEvent):
            steps.append(("access", functools.partial(self._record_access, entry, event)))
        if self.mirror is not None:
            steps.append(("mirror", functools.partial(apply_to_mirror, self.mirror, event)))
        for registration in self.handlers.for_type(entry.event_type):
            steps.append((registration.name,
                          functools.partial(self._run_handler, registration, entry, event)))
        return steps

    async def _record_access(self, entry: InboxEntry, event: AppScopeChangedEvent) -> None:
        await asyncio.to_thread(self.inbox.record_access, event.athlete_id, scope=event.scope,
                                deauthorized=event.deauthorized, changed_at=entry.event_time)

    async def _run_handler(self, registration: HandlerRegistration, entry: InboxEntry,
                           event: WebhookEvent) -> None:
        loop = asyncio.get_running_loop()
        ctx = HandlerContext(athlete_id=event.athlete_id, entry=entry, mirror=self.mirror,
                             _clients=self.clients, _loop=loop)
        if registration.is_async:
            if self.clients.configured:
                try:
                    ctx._async_client = await self.clients.async_client(event.athlete_id)
                except Exception as exc:  # raised only if the handler asks for a client
                    ctx._client_error = exc
            else:
                ctx._client_error = ConfigurationError(
                    "no client for handlers: pass credentials_for= or client= to "
                    "WebhookReceiver")
            result = registration.func(event, ctx)
            if inspect.isawaitable(result):
                await result
        else:
            await asyncio.to_thread(registration.func, event, ctx)

    async def _fail(self, entry: InboxEntry, done: list[str], step: str, error: str, *,
                    permanent: bool = False) -> str:
        failures = entry.attempts + 1
        retry_at = None if permanent else self.retry.next_attempt(failures, datetime.now(UTC))
        await asyncio.to_thread(self.inbox.fail, entry.id, self.worker_id,
                                error=f"{step}: {error}", steps_done=done, retry_at=retry_at)
        if retry_at is None:
            logger.error("webhook entry %d (%s, athlete %s) is dead after %d attempt(s); "
                         "step %s: %s", entry.id, entry.event_type, entry.athlete_id,
                         failures, step, error)
            return "dead"
        logger.warning("webhook entry %d (%s, athlete %s) step %s failed (attempt %d of %d, "
                       "retry at %s): %s", entry.id, entry.event_type, entry.athlete_id, step,
                       failures, self.retry.max_attempts, retry_at.isoformat(), error)
        return "retried"
