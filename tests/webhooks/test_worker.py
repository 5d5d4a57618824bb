"""Workers: handlers once per distinct event, retries of only what failed, dead letters and
replay, per-athlete order, several workers on PostgreSQL, clients for handlers (against the
sandbox), and what each event asks of the mirror."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest

from intervals_icu import AsyncClient, Client, ConfigurationError
from intervals_icu.dates import LocalDate
from intervals_icu.sandbox import Sandbox
from intervals_icu.webhooks import (
    ActivityEvent,
    EntryStatus,
    HandlerContext,
    Inbox,
    ReceiverServer,
    RetrySchedule,
    WebhookEvent,
    WebhookReceiver,
    apply_to_mirror,
    parse_event,
)
from tests.webhooks import samples

SECRET = "whsec-worker-tests"
FAST = RetrySchedule(max_attempts=3, first_delay=0.01, factor=1.0, jitter=0.0)


def event(athlete: str, second: int, kind: str = "ACTIVITY_UPDATED") -> dict[str, Any]:
    return {"athlete_id": athlete, "type": kind,
            "timestamp": f"2026-04-15T16:00:{second:02d}.000+00:00",
            "activity": {"id": f"i{second}", "name": f"ride {second}"}}


@pytest.fixture
def receiver(inbox: Inbox) -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(secrets=SECRET, inbox=inbox, retry=FAST)
    yield r
    r.writer.close()


async def test_each_distinct_event_runs_each_handler_once(receiver: WebhookReceiver,
                                                          inbox: Inbox) -> None:
    calls: list[tuple[str, str]] = []

    @receiver.on("ACTIVITY_UPLOADED", "ACTIVITY_UPDATED")
    def on_activity(evt: WebhookEvent, ctx: HandlerContext) -> None:
        assert isinstance(evt, ActivityEvent)
        calls.append(("sync", f"{evt.activity_id}/{ctx.entry.deliveries}"))

    @receiver.on()
    async def on_anything(evt: WebhookEvent, ctx: HandlerContext) -> None:
        calls.append(("async", str(evt.type)))

    for _ in range(3):  # the platform delivered everything three times
        inbox.store([event("i1", 1), event("i1", 2), samples.WELLNESS_UPDATED])
    report = await receiver.worker().run_until_idle()
    assert (report.claimed, report.done) == (3, 3)
    assert sorted(calls) == [("async", "ACTIVITY_UPDATED"), ("async", "ACTIVITY_UPDATED"),
                             ("async", "WELLNESS_UPDATED"), ("sync", "i1/3"), ("sync", "i2/3")]
    assert inbox.stats()["done"] == 3
    assert await receiver.worker().run_until_idle() == type(report)()  # nothing left


async def test_a_handler_that_fails_twice_then_succeeds(receiver: WebhookReceiver,
                                                        inbox: Inbox) -> None:
    runs: Counter[str] = Counter()

    @receiver.on("ACTIVITY_UPDATED", name="flaky")
    def flaky(evt: WebhookEvent, ctx: HandlerContext) -> None:
        runs["flaky"] += 1
        if ctx.attempt < 3:
            raise TimeoutError(f"downstream timed out (attempt {ctx.attempt})")

    @receiver.on("ACTIVITY_UPDATED", name="steady")
    async def steady(evt: WebhookEvent, ctx: HandlerContext) -> None:
        runs["steady"] += 1

    inbox.store([event("i1", 1)])
    report = await receiver.worker().run_until_idle(include_delayed=True)
    assert (report.retried, report.done, report.dead) == (2, 1, 0)
    assert runs == {"flaky": 3, "steady": 1}  # the handler that succeeded is not re-run
    (entry,) = inbox.list()
    assert entry.status is EntryStatus.DONE
    assert entry.attempts == 2
    assert entry.steps_done == ("flaky", "steady")
    assert entry.last_error == "flaky: TimeoutError: downstream timed out (attempt 2)"


async def test_spent_retries_end_dead_and_replay_runs_only_what_failed(
        receiver: WebhookReceiver, inbox: Inbox) -> None:
    broken = {"on": True}
    runs: Counter[str] = Counter()

    @receiver.on("ACTIVITY_UPDATED", name="ok")
    def ok(evt: WebhookEvent, ctx: HandlerContext) -> None:
        runs["ok"] += 1

    @receiver.on("ACTIVITY_UPDATED", name="broken")
    def fails(evt: WebhookEvent, ctx: HandlerContext) -> None:
        runs["broken"] += 1
        if broken["on"]:
            raise ValueError("bad config")

    inbox.store([event("i1", 1), event("i1", 2)])
    worker = receiver.worker()
    report = await worker.run_until_idle(include_delayed=True)
    assert report.dead == 2  # dead letters do not block the athlete's next event
    dead = inbox.list(status="dead")
    assert len(dead) == 2
    assert all(e.last_error == "broken: ValueError: bad config" for e in dead)
    assert all(e.attempts == FAST.max_attempts for e in dead)
    assert runs == {"ok": 2, "broken": 2 * FAST.max_attempts}
    broken["on"] = False
    inbox.replay(*(e.id for e in dead))
    await worker.run_until_idle()
    assert runs == {"ok": 2, "broken": 2 * FAST.max_attempts + 2}
    assert inbox.stats() == {"pending": 0, "processing": 0, "done": 2, "dead": 0}


async def test_a_payload_that_does_not_match_its_type_is_dead_at_once(
        receiver: WebhookReceiver, inbox: Inbox) -> None:
    called: list[Any] = []
    receiver.add_handler(lambda e, c: called.append(e), "ACTIVITY_UPLOADED")
    inbox.store([{**samples.ACTIVITY_UPLOADED, "activity": "i140254351"}])
    report = await receiver.worker().run_until_idle(include_delayed=True)
    assert report.dead == 1
    assert called == []
    (entry,) = inbox.list()
    assert entry.attempts == 1
    assert entry.last_error is not None
    assert entry.last_error.startswith("payload: the payload does not match ACTIVITY_UPLOADED")


async def test_an_athletes_events_run_in_timestamp_order(receiver: WebhookReceiver,
                                                         inbox: Inbox) -> None:
    order: list[str] = []

    @receiver.on("ACTIVITY_UPDATED")
    async def record(evt: WebhookEvent, ctx: HandlerContext) -> None:
        assert isinstance(evt, ActivityEvent)
        order.append(f"{evt.athlete_id}:{evt.activity_id}")
        await asyncio.sleep(0)

    # Delivered out of order, as reordered deliveries are.
    inbox.store([event("i1", 5), event("i2", 3)])
    inbox.store([event("i1", 1), event("i2", 9), event("i1", 3)])
    await receiver.worker(batch_size=2).run_until_idle()
    assert [o for o in order if o.startswith("i1")] == ["i1:i1", "i1:i3", "i1:i5"]
    assert [o for o in order if o.startswith("i2")] == ["i2:i3", "i2:i9"]


async def test_a_failing_event_holds_back_only_its_own_athlete(receiver: WebhookReceiver,
                                                               inbox: Inbox) -> None:
    seen: list[str] = []

    @receiver.on("ACTIVITY_UPDATED")
    def record(evt: WebhookEvent, ctx: HandlerContext) -> None:
        assert isinstance(evt, ActivityEvent)
        if evt.athlete_id == "i1" and evt.activity_id == "i1":
            raise RuntimeError("not yet")
        seen.append(f"{evt.athlete_id}:{evt.activity_id}")

    inbox.store([event("i1", 1), event("i1", 2), event("i2", 1), event("i2", 2)])
    slow = receiver.worker(retry=RetrySchedule(max_attempts=5, first_delay=3600))
    await slow.run_until_idle()
    assert seen == ["i2:i1", "i2:i2"]  # i1's second event waits behind its first


async def test_several_workers_share_the_inbox(postgres_url: str) -> None:
    """PostgreSQL: concurrent workers (as on several machines) process each event once."""
    inbox = Inbox(postgres_url, table_prefix=f"t{uuid.uuid4().hex[:12]}_")
    receiver = WebhookReceiver(secrets=SECRET, inbox=inbox, retry=FAST)
    handled: Counter[str] = Counter()
    lock = threading.Lock()

    @receiver.on("ACTIVITY_UPDATED")
    def count(evt: WebhookEvent, ctx: HandlerContext) -> None:
        with lock:
            handled[ctx.dedup_key] += 1

    try:
        inbox.store([event(f"i{a}", s) for a in range(8) for s in range(15)])
        workers = [receiver.worker(worker_id=f"machine-{n}", batch_size=3) for n in range(4)]
        reports = await asyncio.gather(*(w.run_until_idle() for w in workers))
        assert sum(r.done for r in reports) == 120
        assert len(handled) == 120
        assert set(handled.values()) == {1}
        assert sum(1 for r in reports if r.done) > 1  # the work was actually shared
    finally:
        inbox.drop_tables()
        inbox.close()


async def test_run_forever_wakes_up_on_a_delivery(receiver: WebhookReceiver,
                                                  inbox: Inbox) -> None:
    got = threading.Event()
    receiver.add_handler(lambda e, c: got.set(), "ACTIVITY_UPLOADED")
    # A long poll interval: only the receiver's wake-up can make this quick.
    with ReceiverServer(receiver, poll_interval=3600) as server:
        body = samples.envelope(SECRET, samples.ACTIVITY_UPLOADED)
        response = await asyncio.to_thread(httpx.post, server.url, json=body)
        assert response.status_code == 200
        assert await asyncio.to_thread(got.wait, 10)
    assert inbox.stats()["done"] == 1


async def test_the_reconciliation_runs_on_one_worker_at_a_time(receiver: WebhookReceiver,
                                                               inbox: Inbox) -> None:
    runs: list[str] = []

    def make(name: str) -> Any:
        async def reconcile() -> None:
            runs.append(name)
        return receiver.worker(worker_id=name, reconcile=reconcile, reconcile_every=3600)

    first, second = make("a"), make("b")
    assert await first.reconcile_if_leader()
    assert not await second.reconcile_if_leader()  # a holds the lease for the period
    assert await first.reconcile_if_leader()
    assert runs == ["a", "a"]
    stop = asyncio.Event()
    stop.set()
    await first.run_forever(stop=stop)  # a clean stop releases the lease
    assert await second.reconcile_if_leader()
    assert runs == ["a", "a", "b"]


# -- clients for handlers (a real socket sandbox) -------------------------------------------


async def test_handlers_get_a_client_for_the_events_athlete(live_sandbox: Sandbox,
                                                            inbox: Inbox) -> None:
    athlete = live_sandbox.athlete_id
    token = live_sandbox.oauth_token(athlete, "ACTIVITY:READ,SETTINGS:READ")
    receiver = WebhookReceiver(secrets=SECRET, inbox=inbox, retry=FAST,
                               credentials_for={athlete: token.credentials()},
                               base_url=live_sandbox.base_url)
    names: dict[str, Any] = {}

    @receiver.on("ACTIVITY_UPLOADED")
    def sync_handler(evt: WebhookEvent, ctx: HandlerContext) -> None:
        assert isinstance(ctx.client, Client)
        names["sync"] = ctx.client.athletes.get().id
        with pytest.raises(ConfigurationError, match=r"ctx\.client"):
            _ = ctx.async_client

    @receiver.on("ACTIVITY_UPLOADED")
    async def async_handler(evt: WebhookEvent, ctx: HandlerContext) -> None:
        assert isinstance(ctx.async_client, AsyncClient)
        names["async"] = (await ctx.async_client.athletes.get()).id
        with pytest.raises(ConfigurationError, match=r"ctx\.async_client"):
            _ = ctx.client

    inbox.store([{**samples.ACTIVITY_UPLOADED, "athlete_id": athlete}])
    report = await receiver.worker().run_until_idle()
    await receiver.clients.aclose()
    assert report.done == 1
    assert names == {"sync": athlete, "async": athlete}


async def test_a_coach_key_client_acts_for_each_athlete(live_sandbox: Sandbox,
                                                        inbox: Inbox) -> None:
    coach = live_sandbox.client(live_sandbox.coach_api_key)
    receiver = WebhookReceiver(secrets=SECRET, inbox=inbox, client=coach)
    seen: list[str] = []

    @receiver.on("WELLNESS_UPDATED")
    def handler(evt: WebhookEvent, ctx: HandlerContext) -> None:
        seen.append(str(ctx.client.athletes.get().id))

    inbox.store([{**samples.WELLNESS_UPDATED, "athlete_id": a}
                 for a in live_sandbox.athlete_ids])
    await receiver.worker().run_until_idle()
    await receiver.clients.aclose()
    coach.close()
    assert sorted(seen) == sorted(live_sandbox.athlete_ids)


async def test_without_credentials_a_handler_asking_for_a_client_fails_clearly(
        receiver: WebhookReceiver, inbox: Inbox) -> None:
    receiver.add_handler(lambda e, c: c.client, "ACTIVITY_UPLOADED", name="needs_client")
    inbox.store([samples.ACTIVITY_UPLOADED])
    await receiver.worker(retry=RetrySchedule(max_attempts=1)).run_until_idle()
    (entry,) = inbox.list(status="dead")
    assert entry.last_error is not None
    assert "pass credentials_for=" in entry.last_error


def test_the_credentials_lookup_may_be_a_function_and_must_not_mix_with_client(
        inbox: Inbox) -> None:
    def lookup(athlete_id: str) -> str | None:
        return None

    receiver = WebhookReceiver(secrets=SECRET, inbox=inbox, credentials_for=lookup)
    with pytest.raises(ConfigurationError, match="no token for athlete i9"):
        asyncio.run(receiver.clients.credentials("i9"))
    with pytest.raises(ConfigurationError, match="not both"):
        WebhookReceiver(secrets=SECRET, inbox=inbox, credentials_for=lookup,
                        client=Client.__new__(Client))


async def test_one_lookup_shape_for_the_receiver_and_the_mirror(inbox: Inbox) -> None:
    """An OAuth app's token store (a dict, or an async function over its database) serves
    both; ``tokens=`` still works, with a deprecation warning."""
    from intervals_icu import BearerToken
    from intervals_icu.credentials_lookup import lookup_credentials

    store = {"i1": "token-of-i1"}

    async def from_database(athlete_id: str) -> str | None:
        return store.get(athlete_id)

    for lookup in (store, store.get, from_database):
        receiver = WebhookReceiver(secrets=SECRET, inbox=inbox, credentials_for=lookup)
        assert await receiver.clients.credentials("i1") == BearerToken("token-of-i1")
        assert await lookup_credentials(lookup, "i1") == BearerToken("token-of-i1")
        assert await lookup_credentials(lookup, "i2") is None
        receiver.writer.close()
    with pytest.warns(DeprecationWarning, match="credentials_for"):
        old = WebhookReceiver(secrets=SECRET, inbox=inbox, tokens=store)
    assert await old.clients.credentials("i1") == BearerToken("token-of-i1")
    old.writer.close()


# -- what each event asks of the mirror -------------------------------------------------------


class RecordingMirror:
    """Stands in for the mirror to show which re-reads each event asks for (the real
    Mirror does them against the sandbox in test_end_to_end)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    async def refresh_activity(self, athlete_id: str, activity_id: str) -> None:
        self.calls.append(("activity", athlete_id, activity_id))

    async def refresh_event(self, athlete_id: str, event_id: int) -> None:
        self.calls.append(("event", athlete_id, event_id))

    async def refresh_events(self, athlete_id: str, oldest: LocalDate,
                             newest: LocalDate | None = None) -> None:
        self.calls.append(("events", athlete_id, oldest, newest))

    async def refresh_wellness(self, athlete_id: str, days: Iterable[LocalDate]) -> None:
        wanted = list(days)
        self.calls.append(("wellness", athlete_id, wanted[0], wanted[-1], len(wanted)))

    async def refresh_sport_settings(self, athlete_id: str) -> None:
        self.calls.append(("sport_settings", athlete_id))

    async def deauthorized(self, athlete_id: str, *, at: datetime | None = None) -> bool:
        self.calls.append(("deauthorized", athlete_id, at))
        return False

    async def authorized(self, athlete_id: str) -> None:
        self.calls.append(("authorized", athlete_id))

    async def reconcile(self) -> None:
        self.calls.append(("reconcile",))


async def test_what_each_event_asks_of_the_mirror() -> None:
    mirror = RecordingMirror()
    for data in samples.EVERY_TYPE:
        await apply_to_mirror(mirror, parse_event(data))
    athlete = samples.ATHLETE
    assert ("activity", athlete, "i140254351") in mirror.calls
    assert ("activity", athlete, "i140242265") in mirror.calls  # a delete is a re-read too
    assert ("wellness", athlete, date(2026, 4, 15), date(2026, 4, 15), 1) in mirror.calls
    assert ("wellness", athlete, date(2026, 4, 15), date(2026, 4, 28), 14) in mirror.calls
    # leaving is not a deletion: the mirror is told, with the time; a grant catches up
    assert ("deauthorized", athlete, parse_event(samples.DEAUTHORIZED).timestamp) in mirror.calls
    assert ("authorized", athlete) in mirror.calls
    assert ("sport_settings", athlete) in mirror.calls
    # CALENDAR_UPDATED listing event 9001 and deleting 9000 and 8999: each is asked for by
    # id (the payload may be stale); a bare notification re-reads a window of the calendar.
    assert {c[2] for c in mirror.calls if c[0] == "event"} == {9000, 9001, 8999, 9002}
    windows = [c for c in mirror.calls if c[0] == "events"]
    assert len(windows) == 1
    assert windows[0][2] != windows[0][3]


async def test_a_revocation_is_handed_to_the_mirror_which_decides(inbox: Inbox) -> None:
    """The worker no longer skips an athlete because the app was deauthorized: the mirror
    knows whether its own credentials still read them (a coach's key does), and skips
    re-reads itself when they do not (tests/mirror: test_access_lost...)."""
    mirror = RecordingMirror()
    receiver = WebhookReceiver(secrets=SECRET, inbox=inbox, mirror=mirror, retry=FAST)
    handled: list[str] = []
    receiver.add_handler(lambda e, c: handled.append(str(e.type)), name="all")
    # The revocation, then a stale activity update queued before it arrives late.
    inbox.store([samples.DEAUTHORIZED])
    await receiver.worker().run_until_idle()
    inbox.store([{**samples.ACTIVITY_UPLOADED, "type": "ACTIVITY_UPDATED"}])
    await receiver.worker().run_until_idle()
    assert [c[0] for c in mirror.calls] == ["deauthorized", "activity"]
    assert handled == ["APP_SCOPE_CHANGED", "ACTIVITY_UPDATED"]
    assert inbox.deauthorized_athletes() == {samples.ATHLETE}
    receiver.writer.close()


async def test_a_cancelled_worker_gives_its_entries_back(receiver: WebhookReceiver,
                                                         inbox: Inbox) -> None:
    started = asyncio.Event()
    runs: list[int] = []

    @receiver.on("ACTIVITY_UPDATED")
    async def slow(evt: WebhookEvent, ctx: HandlerContext) -> None:
        runs.append(ctx.entry.id)
        started.set()
        await asyncio.sleep(3600 if len(runs) == 1 else 0)

    inbox.store([event("i1", 1)])
    task = asyncio.create_task(receiver.worker(worker_id="doomed").run_once())
    await asyncio.wait_for(started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (entry,) = inbox.list()
    assert entry.status is EntryStatus.PENDING
    assert entry.locked_by is None
    assert entry.attempts == 0
    report = await receiver.worker(worker_id="survivor").run_until_idle()
    assert report.done == 1
    assert len(runs) == 2  # at least once: the interrupted run did not count


async def test_a_long_handler_keeps_its_lease(receiver: WebhookReceiver, inbox: Inbox) -> None:
    """The heartbeat renews the lease, so another worker does not take the entry over."""
    from datetime import timedelta

    runs: Counter[int] = Counter()
    started = asyncio.Event()

    @receiver.on("ACTIVITY_UPDATED")
    async def long_running(evt: WebhookEvent, ctx: HandlerContext) -> None:
        runs[ctx.entry.id] += 1
        started.set()
        await asyncio.sleep(2.0)

    inbox.store([event("i1", 1)])
    holder = receiver.worker(worker_id="holder", lease=timedelta(seconds=1.2))
    rival = receiver.worker(worker_id="rival")
    busy = asyncio.create_task(holder.run_once())
    await asyncio.wait_for(started.wait(), 10)
    stolen = 0
    while not busy.done():
        stolen += (await rival.run_once()).claimed
        await asyncio.sleep(0.2)
    assert (await busy).done == 1
    assert stolen == 0
    assert list(runs.values()) == [1]


def test_a_killed_workers_entry_returns_within_seconds(database_url: str,
                                                       table_prefix: str) -> None:
    """The lease is short and renewed while an entry is worked: a worker killed mid-entry
    holds that athlete's events back for seconds, not minutes."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tests.clock import child_env

    inbox = Inbox(database_url, table_prefix=table_prefix)
    receiver = WebhookReceiver(secrets=SECRET, inbox=inbox, retry=FAST)
    done: list[int] = []
    receiver.add_handler(lambda e, c: done.append(c.entry.id), name="forever")
    inbox.store([event("i1", 1), event("i1", 2)])
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.webhooks.worker_child", database_url, table_prefix],
        cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True,
        env=child_env())
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("working "), line
        # the worker's heartbeat kept the lease while it lived
        time.sleep(3)
        assert inbox.list(status="processing")[0].locked_by == "doomed"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        killed_at = time.monotonic()
        survivor = receiver.worker(worker_id="survivor")
        while len(done) < 2:
            assert time.monotonic() - killed_at < 20, "the entry is still locked"
            asyncio.run(survivor.run_once())
            time.sleep(0.1)
        assert inbox.stats()["done"] == 2
    finally:
        if child.poll() is None:
            child.kill()
        receiver.writer.close()
        inbox.drop_tables()
        inbox.close()
