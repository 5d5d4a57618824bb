"""When athletes are looked at: reconciliations spread over what is left of each one's day
and budget (the most active more often), the most overdue first, webhooks before all; first
syncs only from what the others will not need."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from intervals_icu.database import open_engine
from intervals_icu.fleet import BudgetLimits, FleetStore, Pacing
from intervals_icu.fleet.schedule import decayed_activity, floors_for, next_check
from intervals_icu.webhooks import Inbox

PACING = Pacing()
LIMITS = BudgetLimits()
MORNING = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)


def test_a_quiet_athlete_is_reconciled_about_every_two_hours_with_the_defaults() -> None:
    # 50 requests a day, 4 a reconciliation, 18 hours left: 12 more, every 1.5 hours.
    due = next_check(MORNING, pacing=PACING, limits=LIMITS, used_today=2, cost=4,
                     activity=0)
    assert due - MORNING == timedelta(hours=18) / 12


@given(used=st.integers(0, 200), cost=st.floats(0.5, 40), activity=st.floats(0, 100),
       minutes=st.integers(0, 24 * 60 - 1))
def test_reconciliations_stay_between_the_bounds_while_the_target_lasts(
        used: int, cost: float, activity: float, minutes: int) -> None:
    now = datetime(2026, 6, 10, tzinfo=UTC) + timedelta(minutes=minutes)
    due = next_check(now, pacing=PACING, limits=LIMITS, used_today=used, cost=cost,
                     activity=activity)
    if PACING.target_per_athlete - used >= cost:
        assert PACING.min_interval <= due - now <= PACING.max_interval
    else:  # today's share is spent: early tomorrow, before the others' second round
        midnight = datetime(2026, 6, 11, tzinfo=UTC)
        assert midnight <= due <= midnight + PACING.min_interval


@given(used=st.integers(0, 40), more=st.floats(0.1, 50))
def test_active_athletes_come_round_sooner_and_spenders_later(used: int, more: float) -> None:
    def after(**changes: float) -> timedelta:
        values = {"used_today": used, "cost": 3.0, "activity": 1.0, **changes}
        return next_check(MORNING, pacing=PACING, limits=LIMITS, **values) - MORNING  # type: ignore[arg-type]

    assert after(activity=1.0 + more) <= after()
    assert after(used_today=used + 1) >= after()


def test_a_stretched_budget_lengthens_every_interval() -> None:
    plain = next_check(MORNING, pacing=PACING, limits=LIMITS, used_today=0, cost=4,
                       activity=0)
    stretched = next_check(MORNING, pacing=PACING, limits=LIMITS, used_today=0, cost=4,
                           activity=0, stretch=3)
    assert stretched - MORNING == 3 * (plain - MORNING)


def test_activity_halves_every_half_life() -> None:
    half = PACING.activity_half_life
    assert decayed_activity(8.0, MORNING, MORNING + half, 0, half) == pytest.approx(4.0)
    assert decayed_activity(8.0, MORNING, MORNING + 2 * half, 3, half) == pytest.approx(5.0)


def test_what_each_kind_of_work_leaves_to_the_others() -> None:
    users, synced = 500, 400
    webhooks = floors_for("webhooks", pacing=PACING, limits=LIMITS, users=users,
                          synced=synced, now=MORNING)
    reconcile = floors_for("reconcile", pacing=PACING, limits=LIMITS, users=users,
                           synced=synced, now=MORNING)
    first = floors_for("first", pacing=PACING, limits=LIMITS, users=users, synced=synced,
                       now=MORNING)
    assert (webhooks.app_day, webhooks.window, webhooks.athlete_day) == (0, 0, 0)
    # Reconciliation leaves a tenth of the day and of the window to webhooks, and stops at
    # each athlete's target (50 of their 100).
    assert (reconcile.app_day, reconcile.window, reconcile.athlete_day) == (5_000, 625, 50)
    # A first sync at 06:00 also leaves the synced athletes' targets for the 18 hours left.
    assert first.app_day == 5_000 + 400 * 50 * 3 // 4
    assert first.shrinking
    later = floors_for("first", pacing=PACING, limits=LIMITS, users=users, synced=synced,
                       now=MORNING + timedelta(hours=12))
    assert later.app_day < first.app_day


@pytest.fixture
def engine(postgres_url: str, pg_schema: str) -> Iterator[Engine]:
    import sqlalchemy as sa

    made = open_engine(postgres_url, schema=pg_schema)
    with made.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{pg_schema}"'))
    yield made
    made.dispose()


@pytest.mark.postgres
def test_claims_take_webhooks_first_then_catch_ups_then_the_most_overdue(
        engine: Engine) -> None:
    store = FleetStore(engine)
    inbox = Inbox(engine)
    now = MORNING
    overdue = {"i1": 10, "i2": 60, "i3": 30, "i4": 5, "i5": -30}  # minutes past due
    for n, athlete in enumerate(overdue):
        store.add(athlete, token=f"t{n}", at=now - timedelta(days=1))
    # Their first syncs are done (written as a worker does, under its lease).
    for claim in store.claim("setup", limit=5, lease=timedelta(seconds=30), now=now):
        athlete = claim.athlete.athlete_id
        store.update_held(athlete, "setup", release=True, history_done=True,
                          next_check_at=now - timedelta(minutes=overdue[athlete]))
    # i4 revoked and granted again: a catch-up; i3 has a webhook waiting.
    store.revoke("i4", at=now - timedelta(hours=1), reason="test")
    store.add("i4", token="new", at=now - timedelta(minutes=30))
    inbox.store([{"athlete_id": "i3", "type": "ACTIVITY_UPDATED",
                  "timestamp": "2026-06-10T05:59:00.000+00:00", "activity": {"id": "i9"}}])
    order = []
    while claimed := store.claim("w", limit=1, lease=timedelta(seconds=30), now=now,
                                 inbox=inbox.entries):
        order.append((claimed[0].athlete.athlete_id, claimed[0].webhooks))
    # i5 is not due yet (and has no webhook): not claimed.
    assert order == [("i3", True), ("i4", False), ("i2", False), ("i1", False)]
