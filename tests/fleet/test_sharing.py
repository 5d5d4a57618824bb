"""Several workers, one database: they share the athletes through PostgreSQL row locks with
leases, never sync one athlete twice at once, and a worker killed with SIGKILL loses
nothing (its athletes are taken over within a lease)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intervals_icu.fleet import Fleet, Pacing
from intervals_icu.sandbox import Sandbox
from tests.clock import child_env
from tests.fleet.conftest import RequestLog, authorize_all

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def roster() -> Iterator[Sandbox]:
    """Fifty athletes with a short history each, every one of them using the app."""
    sb = Sandbox(seed=21, athletes=50, years=0.05)
    sb.configure(rate_limit_enabled=False)
    yield sb
    sb.stop()


def overlapping(spans: list[tuple[str, float, float]]) -> list[tuple[str, str]]:
    """Pairs of spans of different workers that overlap in time."""
    found = []
    spans = sorted(spans, key=lambda s: s[1])
    for n, (worker, _start, end) in enumerate(spans):
        for other, other_start, _ in spans[n + 1:]:
            if other_start >= end:
                break
            if other != worker:
                found.append((worker, other))
    return found


async def test_two_workers_share_fifty_athletes_never_one_athlete_twice_at_once(
        roster: Sandbox, make_fleet: Callable[..., Fleet]) -> None:
    tokens = authorize_all(roster)
    by_token = {t.access_token.reveal(): a for a, t in tokens.items()}
    log: list[tuple[str, str, float, float]] = []
    # Every answer takes a little while, so the two workers' work really interleaves.
    roster.faults(latency_ms=3)
    pacing = Pacing(first_syncs_per_worker=4)
    workers = {name: make_fleet(roster, pacing=pacing, transport=RequestLog(
        roster.async_transport(), name, by_token, log)) for name in ("a", "b")}
    for token in tokens.values():
        workers["a"].add_token(token)

    async with asyncio.timeout(240):
        runs = await asyncio.gather(*(fleet.run_until_idle(concurrency=4, lease=timedelta(
            seconds=5)) for fleet in workers.values()))
    roster.clear_faults()

    # Both workers took part, and every athlete's first sync is done, once.
    jobs = workers["a"].store.jobs()
    assert {j.worker_id for j in jobs} == {r.worker_id for r in runs}
    assert all(r.totals.jobs > 5 for r in runs), [r.totals for r in runs]
    firsts = [j for j in jobs if j.kind == "first"]
    assert sorted(j.athlete_id for j in firsts) == sorted(tokens)
    assert all(j.outcome == "ok" for j in firsts), [j.error for j in firsts if j.error]
    status = workers["b"].status()
    assert {a.state.value for a in status.athletes} == {"fresh"}
    # Never two workers on one athlete at once: neither their jobs nor their requests.
    spans: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for worker, athlete, start, end in log:
        spans[athlete].append((worker, start, end))
    assert set(spans) == set(tokens)
    clashes = {a: overlapping(s) for a, s in spans.items() if overlapping(s)}
    assert not clashes
    job_spans: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for job in jobs:
        assert job.finished_at is not None
        job_spans[job.athlete_id].append((job.worker_id, job.started_at.timestamp(),
                                          job.finished_at.timestamp()))
    assert not {a: overlapping(s) for a, s in job_spans.items() if overlapping(s)}
    # The mirror holds every athlete's activities, as the sandbox does.
    mirror = workers["a"].mirror_store
    for athlete in tokens:
        kept = {r["activity_id"] for r in mirror.rows("activities", athlete)}
        assert kept == set(roster.state.store(athlete).activities)


def test_a_worker_killed_mid_sync_loses_nothing(
        make_fleet: Callable[..., Fleet], postgres_url: str, pg_schema: str) -> None:
    """SIGKILL in the middle of first syncs: the athletes stay held until the lease runs
    out, then another worker takes them and finishes from the last committed page."""
    lease = 2.0
    with Sandbox(seed=22, athletes=3, years=0.05) as sb:
        sb.configure(rate_limit_enabled=False)
        tokens = authorize_all(sb)
        survivor = make_fleet(sb, transport=None)
        for token in tokens.values():
            survivor.add_token(token)
        # Slow answers: the child is surely mid-sync when it dies.
        sb.faults(latency_ms=400)
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.fleet.worker_child", postgres_url, pg_schema,
             sb.base_url, str(lease)],
            cwd=Path(__file__).resolve().parents[2], env=child_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert child.poll() is None, child.communicate()
                assert time.monotonic() < deadline, "the child worker never started a sync"
                held = [a for a in survivor.store.athletes() if a.lease_holder]
                started = [j for j in survivor.store.jobs() if j.finished_at is None]
                if len(held) == 3 and started:
                    break
                time.sleep(0.1)
            time.sleep(1.0)  # some pages are in
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            killed_at = time.monotonic()
        finally:
            if child.poll() is None:
                child.kill()
        sb.clear_faults()
        assert any(not a.history_done for a in survivor.store.athletes())

        async def take_over() -> float:
            stop = asyncio.Event()
            running = asyncio.create_task(survivor.run(
                concurrency=3, lease=timedelta(seconds=lease), poll_interval=0.1,
                stop=stop))
            try:
                async with asyncio.timeout(90):
                    picked = None
                    while True:
                        rows = await asyncio.to_thread(survivor.store.athletes)
                        if picked is None and any(
                                r.lease_holder and r.lease_holder != "doomed" for r in rows):
                            picked = time.monotonic() - killed_at
                        if all(r.history_done for r in rows):
                            assert picked is not None
                            return picked
                        await asyncio.sleep(0.05)
            finally:
                stop.set()
                await running

        picked_after = asyncio.run(take_over())
        # Taken over once the dead worker's lease ran out (plus a poll), not later.
        assert picked_after <= lease + 2.0, picked_after
        jobs = survivor.store.jobs()
        killed = [j for j in jobs if j.worker_id == "doomed"]
        assert killed
        assert all(j.finished_at is None for j in killed)  # it never got to say
        for athlete in tokens:
            kept = {r["activity_id"] for r in survivor.mirror_store.rows("activities", athlete)}
            assert kept == set(sb.state.store(athlete).activities)
            wellness = {str(r["day"]) for r in survivor.mirror_store.rows("wellness", athlete)}
            assert wellness == set(sb.state.store(athlete).wellness)


async def test_a_worker_that_lost_its_lease_stops_and_writes_nothing(
        make_fleet: Callable[..., Fleet]) -> None:
    """A worker stalled past its lease (here: the lease is taken from it) must not go on
    syncing the athlete another worker now holds, nor write the outcome."""
    sb = Sandbox(seed=23, athletes=1, years=0.02)
    sb.configure(rate_limit_enabled=False)
    fleet = make_fleet(sb)
    token = sb.seed_oauth_users(1, days=14)[0]
    fleet.add_token(token)
    sb.faults(latency_ms=700)  # a slow first sync
    worker = fleet.worker(worker_id="stalled", concurrency=1, lease=timedelta(seconds=1),
                          poll_interval=0.05)
    running = asyncio.create_task(worker.run())
    try:
        async with asyncio.timeout(30):
            while True:
                if any(j.finished_at is None for j in await asyncio.to_thread(
                        fleet.store.jobs)):
                    break  # the sync is under way
                await asyncio.sleep(0.05)
        table = fleet.store.t.athletes
        with fleet.store.engine.begin() as conn:  # another worker takes it over
            conn.execute(table.update().values(
                lease_holder="thief", lease_until=datetime.now(UTC) + timedelta(hours=1)))
        async with asyncio.timeout(30):  # the heartbeat finds out within a beat
            while True:
                if not worker.in_hand:
                    break
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    row = fleet.store.athlete(token.athlete_id)
    assert row is not None
    assert row.lease_holder == "thief"  # not released by the worker that lost it
    assert not row.history_done  # the stalled worker wrote no outcome
    jobs = fleet.store.jobs()
    assert len(jobs) == 1
    assert jobs[0].finished_at is None  # stopped mid-way
