"""Budgets counted in the database: reservations are all-or-nothing across the app's day,
its window and the athlete's day, never pass a limit however many workers reserve at once,
keep the floors, and are given back when unused."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from intervals_icu.database import open_engine
from intervals_icu.fleet import Budget, BudgetLimits, FleetStore, Floors, Refusal, Reservation
from intervals_icu.fleet.budget import APP_DAY, ATHLETE_DAY, WINDOW

pytestmark = pytest.mark.postgres

NOON = datetime(2026, 6, 10, 12, 5, tzinfo=UTC)
LIMITS = BudgetLimits(app_day=100, window=40, per_athlete_day=30)


@pytest.fixture
def engine(postgres_url: str, pg_schema: str) -> Iterator[Engine]:
    import sqlalchemy as sa

    made = open_engine(postgres_url, schema=pg_schema, pool_size=10)
    with made.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{pg_schema}"'))
    yield made
    made.dispose()


@pytest.fixture
def store(engine: Engine) -> FleetStore:
    return FleetStore(engine)


def test_a_reservation_takes_from_every_budget_or_from_none(store: FleetStore) -> None:
    budget = Budget(store.engine, store.t, LIMITS)
    first = budget.reserve("i1", 25, now=NOON, users=1)
    assert isinstance(first, Reservation)
    # Still held by running work: a refusal now says "try again in a minute".
    held = budget.reserve("i1", 6, now=NOON, users=1, at_least=6)
    assert isinstance(held, Refusal)
    assert (held.exhausted, held.until) == (False, NOON + timedelta(minutes=1))
    budget.settle(first, 0)  # all 25 were sent
    # The athlete has 5 left: a reservation that needs 6 moves no counter at all...
    refused = budget.reserve("i1", 6, now=NOON, users=1, at_least=6)
    assert isinstance(refused, Refusal)
    assert refused.scope == ATHLETE_DAY
    assert refused.exhausted
    assert refused.until == datetime(2026, 6, 11, tzinfo=UTC)  # midnight UTC
    usage = budget.usage(NOON, users=1)
    assert (usage.app_day_used, usage.window_used, usage.athletes) == (25, 25, {"i1": 25})
    # ...and one that can make do with less gets what is left, from every budget.
    partial = budget.reserve("i1", 6, now=NOON, users=1)
    assert isinstance(partial, Reservation)
    assert partial.n == 5
    budget.settle(partial, 5)
    # Another athlete fills the window: refused until the window's end, not midnight.
    second = budget.reserve("i2", 15, now=NOON, users=2)
    assert isinstance(second, Reservation)
    budget.settle(second, 0)
    refused = budget.reserve("i3", 1, now=NOON, users=3)
    assert isinstance(refused, Refusal)
    assert (refused.scope, refused.until) == (WINDOW, datetime(2026, 6, 10, 12, 15,
                                                                tzinfo=UTC))
    # The next window has room; the day counts on.
    later = NOON + timedelta(minutes=15)
    assert isinstance(budget.reserve("i3", 30, now=later, users=3), Reservation)
    assert budget.usage(later, users=3).app_day_used == 70


def test_unused_requests_are_given_back(store: FleetStore) -> None:
    budget = Budget(store.engine, store.t, LIMITS)
    reservation = budget.reserve("i1", 20, now=NOON, users=1)
    assert isinstance(reservation, Reservation)
    budget.settle(reservation, 15)
    usage = budget.usage(NOON, users=1)
    assert (usage.app_day_used, usage.window_used, usage.athletes["i1"]) == (5, 5, 5)


def test_a_floor_keeps_the_last_requests_for_other_work(store: FleetStore) -> None:
    budget = Budget(store.engine, store.t, LIMITS)
    floors = Floors(app_day=0, window=10, athlete_day=0)
    assert isinstance(budget.reserve("i1", 30, now=NOON, users=1, floors=floors), Reservation)
    refused = budget.reserve("i2", 1, now=NOON, users=2, floors=floors)
    assert isinstance(refused, Refusal)
    assert refused.scope == WINDOW
    assert not refused.exhausted
    assert "kept for other work" in refused.describe()
    # Work that keeps nothing back (webhooks) still gets the last ten.
    assert isinstance(budget.reserve("i2", 10, now=NOON, users=2), Reservation)


def test_the_app_limit_follows_the_number_of_athletes() -> None:
    limits = BudgetLimits()
    assert limits.day_limit(10) == 8_000  # at least 8,000
    assert limits.day_limit(200) == 20_000  # 100 per user
    assert limits.day_limit(5_000) == 50_000  # at most 50,000
    assert limits.window_limit(10) == 2_500
    assert limits.window_limit(500) == 6_250  # 1/8 of the day


@settings(max_examples=12, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(plans=st.lists(st.lists(st.tuples(st.sampled_from(["i1", "i2", "i3", "i4"]),
                                         st.integers(1, 6)), min_size=5, max_size=25),
                      min_size=2, max_size=6))
def test_workers_reserving_at_once_never_pass_a_limit(store: FleetStore,
                                                      plans: list[list[tuple[str, int]]]
                                                      ) -> None:
    """Several workers (threads, each its own connection) reserve at once: what was granted
    never passes a limit, and the counters hold exactly what was granted."""
    store.t.budget.drop(store.engine, checkfirst=True)
    store.t.budget.create(store.engine)
    budget = Budget(store.engine, store.t, LIMITS)
    granted: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(len(plans))

    def worker(plan: list[tuple[str, int]]) -> None:
        start.wait()
        for athlete, n in plan:
            got = budget.reserve(athlete, n, now=NOON, users=4)
            if isinstance(got, Reservation):
                assert 1 <= got.n <= n
                with lock:
                    granted.append((athlete, got.n))

    threads = [threading.Thread(target=worker, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_athlete = Counter[str]()
    for athlete, n in granted:
        per_athlete[athlete] += n
    total = sum(per_athlete.values())
    assert total <= LIMITS.window_limit(4) <= LIMITS.day_limit(4)
    assert all(used <= 30 for used in per_athlete.values())
    usage = budget.usage(NOON, users=4)
    assert usage.app_day_used == usage.window_used == total
    assert usage.athletes == {a: n for a, n in per_athlete.items()}


def test_the_platforms_refusal_marks_a_budget_spent_for_everyone(store: FleetStore) -> None:
    budget = Budget(store.engine, store.t, LIMITS)
    budget.exhaust([APP_DAY], "i1", now=NOON, users=1)
    refused = budget.reserve("i2", 1, now=NOON + timedelta(hours=3), users=1)
    assert isinstance(refused, Refusal)
    assert refused.scope == APP_DAY
    assert refused.until == datetime(2026, 6, 11, tzinfo=UTC)
    assert isinstance(budget.reserve("i2", 1, now=NOON + timedelta(hours=12), users=1),
                      Reservation)
