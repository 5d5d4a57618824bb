"""The mirror's central promise, as a property: whatever the sandbox goes through (edits,
deletions, moves, new records) and whatever fails on the way (errors, dropped connections,
mid-run), a deep sync afterwards leaves the mirror equal to the sandbox, on SQLite and on
PostgreSQL. Kept small (one athlete, five weeks, few examples) so CI stays fast."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervals_icu import RateLimit, RetryPolicy, errors
from intervals_icu.mirror import Mirror, MirrorSettings, Store
from intervals_icu.sandbox import Sandbox
from tests.mirror.oracle import assert_mirror_equals

RETRY = RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_max=0.002)
ROUTES = [
    "GET /api/v1/athlete/*/activities*",
    "GET /api/v1/athlete/*/wellness*",
    "GET /api/v1/athlete/*/events*",
    "GET /api/v1/athlete/*",
    "GET /api/v1/athlete/*/gear*",
    "*",
]

change = st.one_of(
    st.tuples(st.just("rename"), st.integers(0, 60), st.text("abc XYZ", min_size=1,
                                                               max_size=12)),
    st.tuples(st.just("delete"), st.integers(0, 60)),
    st.tuples(st.just("move"), st.integers(0, 60), st.integers(-40, 5)),
    st.tuples(st.just("create"), st.integers(-40, 0)),
    st.tuples(st.just("interval"), st.integers(0, 60)),
    st.tuples(st.just("wellness"), st.integers(-40, 0), st.floats(20, 120)),
    st.tuples(st.just("event_new"), st.integers(-20, 60)),
    st.tuples(st.just("event_edit"), st.integers(0, 60)),
    st.tuples(st.just("event_delete"), st.integers(0, 60)),
)
fault = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(ROUTES), st.integers(1, 6), st.sampled_from([500, 503, 429]),
              st.booleans()),
)
step = st.one_of(
    st.tuples(st.just("change"), change),
    st.tuples(st.just("sync"), fault, st.booleans()),
)


async def apply_change(client: Any, sandbox: Sandbox, what: tuple[Any, ...]) -> None:
    today = await client.today()
    store = sandbox.state.store(sandbox.athlete_id)
    own = sorted(a for a, v in store.activities.items() if v.get("source") != "STRAVA")
    events = sorted(store.events)
    kind = what[0]
    try:
        if kind in ("rename", "delete", "move", "interval") and own:
            target = own[what[1] % len(own)]
            if kind == "rename":
                await client.activities.update(target, name=what[2])
            elif kind == "delete":
                await client.activities.delete(target)
            elif kind == "move":
                day = today + timedelta(days=what[2])
                await client.activities.update(target, start_date_local=f"{day}T06:30:00")
            else:
                dto = await client.activities.intervals(target)
                if dto.icu_intervals:
                    await client.activities.update_interval(target, dto.icu_intervals[0].id,
                                                            label=f"edited {what[1]}")
        elif kind == "create":
            day = today + timedelta(days=what[1])
            await client.activities.create_manual(type="Run", name="Manual run",
                                                  start_date_local=f"{day}T18:00:00",
                                                  moving_time=1800, distance=5000.0)
        elif kind == "wellness":
            await client.wellness.update(today + timedelta(days=what[1]), hrv=round(what[2], 1),
                                         unlock=True)
        elif kind == "event_new":
            day = today + timedelta(days=what[1])
            await client.events.create(category="NOTE", name="note",
                                       start_date_local=f"{day}T00:00:00")
        elif kind in ("event_edit", "event_delete") and events:
            target_event = events[what[1] % len(events)]
            if kind == "event_edit":
                await client.events.update(target_event, name=f"edited {what[1]}")
            else:
                await client.events.delete(target_event)
    except errors.APIError:
        pass  # e.g. a locked record or a refused edit: the sandbox's state is the truth


def run_scenario(steps: list[Any], store: Store, seed: int) -> None:
    sandbox = Sandbox(seed=seed, athletes=1, years=0.06)
    sandbox.configure(rate_limit_enabled=False)  # pacing is not what this test is about

    async def scenario() -> None:
        async with sandbox.async_client(retry=RETRY, rate_limit=RateLimit.unlimited()) as client:
            mirror = Mirror(client, store, settings=MirrorSettings(
                lookback_days=7, page_size=15, window_days=20, details_batch=7))
            for kind, *args in steps:
                if kind == "change":
                    await apply_change(client, sandbox, args[0])
                    continue
                planned, deep = args
                if planned is not None:
                    route, count, status, drop = planned
                    sandbox.faults(route=route, count=count, error_rate=0.0 if drop else 1.0,
                                   error_status=status, drop_rate=1.0 if drop else 0.0)
                await mirror.sync_async(deep=deep)
                sandbox.clear_faults()
            final = await mirror.sync_async(deep=True)
            assert final.ok, final.errors()
            assert_mirror_equals(store, sandbox, sandbox.athlete_id)

    try:
        asyncio.run(scenario())
    finally:
        sandbox.stop()


PROPERTY = settings(max_examples=10, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@PROPERTY
@given(steps=st.lists(step, min_size=1, max_size=10), seed=st.integers(1, 50))
def test_mirror_converges_on_sqlite(steps: list[Any], seed: int, tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("prop") / "mirror.db"
    store = Store(f"sqlite:///{path}")
    try:
        run_scenario(steps, store, seed)
    finally:
        store.close()


@pytest.mark.postgres
@PROPERTY
@given(steps=st.lists(step, min_size=1, max_size=10), seed=st.integers(1, 50))
def test_mirror_converges_on_postgresql(steps: list[Any], seed: int, postgres_url: str) -> None:
    from tests.mirror.conftest import _pg_schema

    store = Store(postgres_url, schema=_pg_schema())
    try:
        run_scenario(steps, store, seed)
    finally:
        store.drop_schema()
        store.close()


# -- faults, kills and the webhook path, then ONE incremental sync -------------------------------
#
# The property above ends with a deep sync, which re-reads everything and so hides a lost
# fitness ripple. This one ends with an incremental sync: it must leave activities, intervals
# and wellness (ctl, atl, rampRate included) equal to the sandbox after any mix of load
# changes, syncs that fail or are killed part way (cancelled after a random number of
# answers: what was committed stays, nothing else), and single refreshes by the webhook
# worker's path, themselves under faults. Changes to wellness and events stay within the
# look-back (an incremental sync does not promise older ones: deep syncs do, checked last).

LOOKBACK = 7
FAULT_ROUTES = [*ROUTES, "GET /api/v1/activity/*"]

load_change = st.one_of(
    st.tuples(st.just("load"), st.integers(0, 60), st.integers(5, 300)),
    st.tuples(st.just("delete"), st.integers(0, 60)),
    st.tuples(st.just("move"), st.integers(0, 60), st.integers(-40, 3)),
    st.tuples(st.just("create"), st.integers(-40, 0)),
    st.tuples(st.just("rename"), st.integers(0, 60), st.text("abc XYZ", min_size=1,
                                                               max_size=8)),
    st.tuples(st.just("interval"), st.integers(0, 60)),
    st.tuples(st.just("wellness"), st.integers(-(LOOKBACK - 1), 0), st.floats(20, 120)),
    st.tuples(st.just("event_new"), st.integers(-(LOOKBACK - 1), 60)),
)
planned_fault = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(FAULT_ROUTES), st.integers(1, 6),
              st.sampled_from([500, 503, 429]), st.booleans()),
)
fault_step = st.one_of(
    st.tuples(st.just("change"), load_change),
    st.tuples(st.just("sync"), planned_fault, st.booleans(),
              st.one_of(st.none(), st.integers(1, 25))),
    st.tuples(st.just("refresh"), st.integers(0, 60), planned_fault),
)


async def apply_load_change(client: Any, sandbox: Sandbox, what: tuple[Any, ...]) -> None:
    if what[0] != "load":
        await apply_change(client, sandbox, what)
        return
    store = sandbox.state.store(sandbox.athlete_id)
    own = sorted(a for a, v in store.activities.items() if v.get("source") != "STRAVA")
    if own:
        with contextlib.suppress(errors.APIError):
            await client.activities.update(own[what[1] % len(own)],
                                           icu_training_load=what[2])


def _plan(sandbox: Sandbox, planned: Any) -> None:
    if planned is not None:
        route, count, status, drop = planned
        sandbox.faults(route=route, count=count, error_rate=0.0 if drop else 1.0,
                       error_status=status, drop_rate=1.0 if drop else 0.0)


async def _sync_killed_after(mirror: Mirror, client: Any, deep: bool,
                             kill_after: int | None) -> None:
    """A sync, cancelled (as if killed) after ``kill_after`` HTTP answers."""
    task = asyncio.ensure_future(mirror.sync_async(deep=deep))
    answers = 0

    def count(*_: Any) -> None:
        nonlocal answers
        answers += 1
        if kill_after is not None and answers == kill_after:
            task.cancel()

    remove = client.on_response(count)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        remove()


def run_fault_scenario(steps: list[Any], store: Store, seed: int) -> None:
    sandbox = Sandbox(seed=seed, athletes=1, years=0.06)
    sandbox.configure(rate_limit_enabled=False)

    async def scenario() -> None:
        async with sandbox.async_client(retry=RETRY, rate_limit=RateLimit.unlimited()) as client:
            mirror = Mirror(client, store, settings=MirrorSettings(
                lookback_days=LOOKBACK, page_size=15, window_days=20, details_batch=7))
            athlete = sandbox.athlete_id
            for kind, *args in steps:
                if kind == "change":
                    await apply_load_change(client, sandbox, args[0])
                elif kind == "sync":
                    planned, deep, kill_after = args
                    _plan(sandbox, planned)
                    await _sync_killed_after(mirror, client, deep, kill_after)
                else:  # what the webhook worker does for ACTIVITY_UPDATED
                    index, planned = args
                    own = sorted(sandbox.state.store(athlete).activities)
                    _plan(sandbox, planned)
                    if own:
                        with contextlib.suppress(errors.IntervalsError):
                            await mirror.refresh_activity(athlete, own[index % len(own)])
                sandbox.clear_faults()
            final = await mirror.sync_async()
            assert final.ok, final.errors()
            today = await client.today()
            assert_mirror_equals(store, sandbox, athlete, events_between=(
                today - timedelta(days=LOOKBACK - 1), today + timedelta(days=60)))
            deep = await mirror.sync_async(deep=True)
            assert deep.ok, deep.errors()
            assert_mirror_equals(store, sandbox, athlete)

    try:
        asyncio.run(scenario())
    finally:
        sandbox.stop()


FAULTS = settings(max_examples=12, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow])


@FAULTS
@given(steps=st.lists(fault_step, min_size=1, max_size=12), seed=st.integers(1, 50))
def test_faults_kills_and_refreshes_then_one_incremental_sync_equal_the_sandbox(
    steps: list[Any], seed: int, tmp_path_factory: Any
) -> None:
    path = tmp_path_factory.mktemp("faults") / "mirror.db"
    store = Store(f"sqlite:///{path}")
    try:
        run_fault_scenario(steps, store, seed)
    finally:
        store.close()


@pytest.mark.postgres
@FAULTS
@given(steps=st.lists(fault_step, min_size=1, max_size=12), seed=st.integers(1, 50))
def test_faults_kills_and_refreshes_on_postgresql(steps: list[Any], seed: int,
                                                  postgres_url: str) -> None:
    from tests.mirror.conftest import _pg_schema

    store = Store(postgres_url, schema=_pg_schema())
    try:
        run_fault_scenario(steps, store, seed)
    finally:
        store.drop_schema()
        store.close()
