"""End to end: the sandbox delivers webhooks over real HTTP, with faults, to a receiver on a
real socket; the worker updates a real Mirror (same database as the inbox) by re-reading the
sandbox's API. After every scenario the mirror equals what the API says, and every handler
completed exactly once per distinct event the platform emitted."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from intervals_icu import Client, RetryPolicy
from intervals_icu.mirror import Mirror
from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.app import json_bytes
from intervals_icu.webhooks import (
    HandlerContext,
    Inbox,
    ReceiverServer,
    RetrySchedule,
    WebhookEvent,
    WebhookReceiver,
    dedup_key,
)

pytestmark = pytest.mark.slow

SECRET = "whsec-e2e-4Hq9"
FAST_API = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05)
FAST_HANDLERS = RetrySchedule(max_attempts=5, first_delay=0.05, factor=1.0, jitter=0.0)
SCOPES = "ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE,SETTINGS:WRITE"


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


@dataclass
class Recorder:
    """The test's handlers: ``audit`` for every event, ``flaky`` for CALENDAR_UPDATED (fails
    twice per event, then succeeds). Counts completions per de-duplication key."""

    completed: Counter[tuple[str, str]] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)
    handled: list[WebhookEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def register(self, receiver: WebhookReceiver) -> None:
        @receiver.on(name="audit")
        def audit(event: WebhookEvent, ctx: HandlerContext) -> None:
            with self.lock:
                self.completed["audit", ctx.dedup_key] += 1
                self.handled.append(event)

        @receiver.on("CALENDAR_UPDATED", name="flaky")
        async def flaky(event: WebhookEvent, ctx: HandlerContext) -> None:
            with self.lock:
                self.attempts[ctx.dedup_key] += 1
            if ctx.attempt < 3:
                raise ConnectionError("the downstream service hung up")
            with self.lock:
                self.completed["flaky", ctx.dedup_key] += 1


@dataclass
class World:
    sandbox: Sandbox
    athlete: str
    mirror: Mirror
    receiver: WebhookReceiver
    server: ReceiverServer
    client: Client
    client_id: str
    since: datetime
    recorder: Recorder

    @property
    def completed(self) -> Counter[tuple[str, str]]:
        return self.recorder.completed

    @property
    def attempts(self) -> Counter[str]:
        return self.recorder.attempts

    @property
    def handled(self) -> list[WebhookEvent]:
        with self.recorder.lock:
            return list(self.recorder.handled)

    @property
    def inbox(self) -> Inbox:
        return self.receiver.inbox

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the sandbox has nothing left to deliver and the worker nothing left to
        do (twice in a row: applying can't emit, but deliveries may still be in flight)."""
        def quiet() -> bool:
            stats = self.inbox.stats()
            return (self.sandbox.state.webhooks.idle() and not stats["pending"]
                    and not stats["processing"])
        deadline = time.monotonic() + timeout
        while True:
            wait_until(quiet, max(0.1, deadline - time.monotonic()), "webhooks to settle")
            time.sleep(0.2)
            if quiet():
                return

    def emitted_keys(self) -> set[str]:
        """De-duplication keys of every event the sandbox emitted to our app."""
        keys = set()
        for event in self.sandbox.state.webhooks.emitted:
            as_sent = json.loads(json_bytes(event))
            when = datetime.fromisoformat(as_sent["timestamp"])
            if as_sent["athlete_id"] != self.athlete or when < self.since:
                continue
            if as_sent["type"] == "APP_SCOPE_CHANGED" and str(
                    as_sent.get("client_id")) != self.client_id:
                continue
            keys.add(dedup_key(as_sent))
        return keys

    def assert_handlers_completed_once_per_event(self) -> None:
        emitted = self.emitted_keys()
        stored = {e.dedup_key for e in self.inbox.list(limit=10_000)}
        assert stored == emitted  # nothing lost, nothing invented
        assert self.inbox.stats()["dead"] == 0
        for handler in ("audit", "flaky"):
            ran = {key for (name, key), n in self.completed.items() if name == handler}
            counts = {n for (name, _), n in self.completed.items() if name == handler}
            wanted = emitted if handler == "audit" else {
                e.dedup_key for e in self.inbox.list(limit=10_000, event_type="CALENDAR_UPDATED")}
            missing = [e.summary() for e in self.inbox.list(limit=10_000)
                       if e.dedup_key in wanted - ran]
            assert ran == wanted, (handler, missing)
            assert counts <= {1}, f"{handler} completed more than once for an event"

    def assert_mirror_matches_the_api(self) -> None:
        api = self.client
        activities = {str(a.id): a for a in api.activities.list("2000-01-01")}
        mirrored = {r["activity_id"]: r for r in self.mirror.store.rows("activities",
                                                                         self.athlete)}
        assert set(mirrored) == set(activities)
        for activity_id, row in mirrored.items():
            assert row["name"] == getattr(activities[activity_id], "name", None)
        today = datetime.now(UTC).date()
        oldest, newest = today - timedelta(days=30), today + timedelta(days=60)
        events = {int(e.id): e for e in api.events.list(oldest, newest) if e.id is not None}
        mirrored_events = {
            r["event_id"]: r for r in self.mirror.store.rows("events", self.athlete)
            if r["local_date"] is not None and oldest <= r["local_date"] <= newest}
        assert set(mirrored_events) == set(events)
        for event_id, row in mirrored_events.items():
            assert row["name"] == events[event_id].name
        wellness = {w.id: w for w in api.wellness.list(today - timedelta(days=5), today)}
        for row in self.mirror.store.rows("wellness", self.athlete):
            if row["day"].isoformat() in wellness:
                assert row["weight"] == wellness[row["day"].isoformat()].weight

    def new_server(self, **options: Any) -> ReceiverServer:
        options.setdefault("poll_interval", 0.05)
        options.setdefault("workers", self.server.workers)
        self.server = ReceiverServer(self.receiver, port=self.server.port, **options)
        return self.server


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A live sandbox, a mirror synced from it, and a receiver (with its workers) that the
    sandbox's OAuth app delivers to. SQLite by default; ``postgresql`` (indirect param) puts
    the mirror in its own schema and the inbox in prefixed tables of the same database, with
    three workers."""
    backend = getattr(request, "param", "sqlite")
    sandbox = Sandbox(seed=5, athletes=1, years=0.05).start()
    sandbox.configure(rate_limit_enabled=False,
                      webhook_retry_schedule=(0.2, 0.4, 0.8, 1.6, 3.2, 6.4))
    athlete = sandbox.athlete_id
    workers = 1
    if backend == "sqlite":
        database = f"sqlite:///{tmp_path / 'icu.db'}"
        mirror = Mirror(sandbox.client(sandbox.coach_api_key, retry=FAST_API), database)
        inbox = Inbox(database)
    else:
        database = request.getfixturevalue("postgres_url")
        unique = uuid.uuid4().hex[:10]
        mirror = Mirror(sandbox.client(sandbox.coach_api_key, retry=FAST_API), database,
                        schema=f"mirror_{unique}")
        inbox = Inbox(database, table_prefix=f"e2e_{unique}_")
        workers = 3
    mirror.sync(athletes=[athlete], intervals=False)
    receiver = WebhookReceiver(secrets=[SECRET, "whsec-old"], inbox=inbox, mirror=mirror,
                               retry=FAST_HANDLERS)
    recorder = Recorder()
    recorder.register(receiver)  # before anything is delivered
    server = ReceiverServer(receiver, poll_interval=0.05, workers=workers).start()
    since = sandbox.state.now() - timedelta(milliseconds=1)
    app = sandbox.register_app("E2E app", ["http://localhost/callback"],
                               webhook_url=server.url, webhook_secret=SECRET)
    token = sandbox.oauth_token(athlete, SCOPES, client_id=app.client_id)
    client = sandbox.client(credentials=token.credentials(), retry=FAST_API)
    w = World(sandbox, athlete, mirror, receiver, server, client, app.client_id, since,
              recorder)
    yield w
    w.server.stop()
    client.close()
    receiver.writer.close()
    sandbox.stop()
    if backend != "sqlite":
        mirror.store.drop_schema()
        inbox.drop_tables()
    mirror.close()
    inbox.close()


def a_few_changes(w: World, tag: str, *, pause: float = 0.0) -> dict[str, Any]:
    """Rename an activity, create/rename/delete calendar events, weigh in, upload."""
    today = datetime.now(UTC).date()
    activity = w.client.activities.list(today - timedelta(days=60))[0]
    w.client.activities.update(str(activity.id), name=f"Renamed {tag}")
    time.sleep(pause)
    kept = w.client.events.create(category="NOTE", name=f"kept {tag}",
                                  start_date_local=f"{today + timedelta(days=3)}T00:00:00")
    time.sleep(pause)
    gone = w.client.events.create(category="NOTE", name=f"gone {tag}",
                                  start_date_local=f"{today + timedelta(days=4)}T00:00:00")
    time.sleep(pause)
    w.client.events.update(kept.id, name=f"kept {tag} v2")
    time.sleep(pause)
    w.client.events.delete(gone.id)
    time.sleep(pause)
    w.client.wellness.update(today, weight=70.0 + len(tag) / 10)
    time.sleep(pause)
    w.sandbox.device_import(w.athlete)
    return {"activity": str(activity.id), "kept": kept.id, "gone": gone.id}


def test_duplicated_deliveries(world: World) -> None:
    world.sandbox.webhook_fault("duplicate", count=50)
    a_few_changes(world, "dup", pause=0.1)
    world.settle()
    duplicates = [d for d in world.sandbox.webhook_deliveries() if d["outcome"] == "duplicate"]
    assert duplicates  # the platform really did send things twice
    assert any(e.deliveries > 1 for e in world.inbox.list(limit=1000))
    world.assert_mirror_matches_the_api()
    world.assert_handlers_completed_once_per_event()


def test_reordered_deliveries(world: World) -> None:
    world.sandbox.webhook_fault("reorder", count=4, seconds=5)
    a_few_changes(world, "reorder", pause=0.15)
    world.settle()
    assert any("reorder" in d["faults"] for d in world.sandbox.webhook_deliveries())
    world.assert_mirror_matches_the_api()
    world.assert_handlers_completed_once_per_event()


def test_delayed_deliveries(world: World) -> None:
    world.sandbox.webhook_fault("delay", count=3, seconds=1.5)
    a_few_changes(world, "delay", pause=0.1)
    world.settle()
    assert any(f.startswith("delay") for d in world.sandbox.webhook_deliveries()
               for f in d["faults"])
    world.assert_mirror_matches_the_api()
    world.assert_handlers_completed_once_per_event()


def _held(w: World) -> int:
    """Deliveries waiting out a delay fault."""
    return sum(1 for d in w.sandbox.state.webhooks.pending()
               if any(f.startswith("delay") for f in d.get("faults", [])))


def test_a_stale_update_after_the_delete_does_not_resurrect(world: World) -> None:
    """The forum's race: an update queued with its data arrives after the delete."""
    stale_update_after_delete(world)


@pytest.mark.postgres
@pytest.mark.parametrize("world", ["postgresql"], indirect=True)
def test_faults_and_the_race_on_postgresql_with_three_workers(world: World) -> None:
    world.sandbox.webhook_fault("duplicate", count=50)
    a_few_changes(world, "pg", pause=0.1)
    world.settle()
    stale_update_after_delete(world)


def stale_update_after_delete(w: World) -> None:
    day = datetime.now(UTC).date() + timedelta(days=5)
    event = w.client.events.create(category="WORKOUT", type="Ride", name="Tempo",
                                   start_date_local=f"{day}T00:00:00")
    activity = w.client.activities.list(day - timedelta(days=90))[-1]
    w.settle()
    assert _mirrored(w, "events", event.id)["deleted_at"] is None

    # Each update is held back (delivered 3 s late), then the records are deleted.
    w.sandbox.webhook_fault("delay", count=1, seconds=3)
    w.client.events.update(event.id, name="Tempo (stale)")
    wait_until(lambda: _held(w) == 1, what="the event update to be held")
    w.sandbox.webhook_fault("delay", count=1, seconds=3)
    w.client.activities.update(str(activity.id), name="Stale name")
    wait_until(lambda: _held(w) == 2, what="the activity update to be held")
    w.client.events.delete(event.id)
    w.client.activities.delete(str(activity.id))
    wait_until(lambda: _mirrored(w, "events", event.id)["deleted_at"] is not None
               and _mirrored(w, "activities", str(activity.id))["deleted_at"] is not None,
               what="the deletes to be applied")
    assert _stale(w) == []  # the race as reported: the deletes were applied first...
    w.settle()  # ...then the stale updates arrive, listing the deleted records as live
    stale = _stale(w)
    assert {str(e.type) for e in stale} == {"CALENDAR_UPDATED", "ACTIVITY_UPDATED"}
    assert _mirrored(w, "events", event.id)["deleted_at"] is not None
    assert _mirrored(w, "activities", str(activity.id))["deleted_at"] is not None
    w.assert_mirror_matches_the_api()
    w.assert_handlers_completed_once_per_event()


def _stale(w: World) -> list[WebhookEvent]:
    return [e for e in w.handled if "stale" in json.dumps(e.to_payload()).lower()]


def _mirrored(w: World, table: str, key: Any) -> dict[str, Any]:
    column = "event_id" if table == "events" else "activity_id"
    rows = [r for r in w.mirror.store.rows(table, w.athlete, include_deleted=True)
            if r[column] == key]
    return rows[0] if rows else {"deleted_at": None, "missing": True}


def test_the_receiver_restarted_mid_stream(world: World) -> None:
    w = world
    w.server.stop()
    a_few_changes(w, "restart", pause=0.05)
    wait_until(lambda: any(d["outcome"] == "will_retry" for d in w.sandbox.webhook_deliveries()),
               what="a failed delivery")
    w.new_server().start()
    w.settle()
    assert all(d["outcome"] != "given_up" for d in w.sandbox.webhook_deliveries())
    w.assert_mirror_matches_the_api()
    w.assert_handlers_completed_once_per_event()


def test_missed_deliveries_are_covered_by_the_reconciliation(world: World) -> None:
    """The receiver is down longer than the platform retries: the deliveries are lost, and
    the periodic reconciliation (the mirror's incremental sync) catches the mirror up."""
    w = world
    w.sandbox.configure(webhook_retry_schedule=(0.1,))
    w.server.stop()
    today = datetime.now(UTC).date()
    w.client.wellness.update(today, weight=66.6)
    created = w.client.events.create(category="NOTE", name="while down",
                                     start_date_local=f"{today + timedelta(days=2)}T00:00:00")
    w.sandbox.device_import(w.athlete)
    wait_until(w.sandbox.state.webhooks.idle, what="the platform to give up")
    assert any(d["outcome"] == "given_up" for d in w.sandbox.webhook_deliveries())
    assert _mirrored(w, "events", created.id).get("missing")
    w.new_server(reconcile_every=3600).start()  # reconciles once at start
    wait_until(lambda: not _mirrored(w, "events", created.id).get("missing"),
               what="the reconciliation")
    w.settle()
    w.assert_mirror_matches_the_api()


def test_handlers_see_typed_events_in_each_athletes_order(world: World) -> None:
    w = world
    a_few_changes(w, "order")
    w.settle()
    stamps = [e.timestamp for e in w.handled if e.timestamp is not None]
    assert stamps == sorted(stamps)
    assert {str(e.type) for e in w.handled} >= {"APP_SCOPE_CHANGED", "ACTIVITY_UPDATED",
                                               "CALENDAR_UPDATED", "WELLNESS_UPDATED",
                                               "ACTIVITY_UPLOADED", "FITNESS_UPDATED"}
    assert all(n == 3 for n in w.attempts.values())  # flaky: two failures, then success
