"""The runner within budgets the sandbox enforces (budget_enabled): the app's daily total,
its 15-minute window and each athlete's day. The sandbox answers 429 beyond a budget; the
runner must never get one when it knows the limits, stop where the budget stops, say so per
athlete, and go on after the reset (the sandbox's clock, advanced by the test)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from intervals_icu.fleet import BudgetLimits, Fleet, Pacing
from intervals_icu.sandbox import Sandbox
from tests.fleet.conftest import frozen_app_sandbox

pytestmark = pytest.mark.postgres

START = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
PACING = Pacing(first_syncs_per_worker=4, target_per_athlete=4)
"""A reconciliation costs 3 requests here (nothing changes): one a day per athlete."""


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """Ten athletes who use the app, a fortnight of history each (8 requests to read), on
    a frozen sandbox clock at 18:00 UTC (six hours before the budgets' midnight)."""
    with frozen_app_sandbox(31, at=START, users=10, days=14) as sandbox:
        yield sandbox


def enforce(sb: Sandbox, *, app_day: int, window: int, per_athlete: int | None) -> None:
    """The sandbox's budgets: fixed numbers whatever the number of users."""
    sb.configure(budget_enabled=True, budget_app_daily_min=app_day,
                 budget_app_daily_max=app_day, budget_window_divisor=10**6,
                 budget_window_min=window, budget_user_cap=per_athlete is not None,
                 budget_user_daily=per_athlete or 100)


def app_use(sb: Sandbox) -> dict[str, Any]:
    return next(b for b in sb.budgets()["budgets"] if b["kind"] == "app")


def tokens_of(sb: Sandbox) -> list[Any]:
    from intervals_icu.oauth import OAuthToken

    return [OAuthToken.from_response({"access_token": t.token, "scope": ",".join(
        sorted(str(s) for s in t.scopes)), "athlete": {"id": t.athlete_id}})
        for t in sb.state.tokens.values() if not t.revoked]


async def until_idle(*fleets: Fleet) -> None:
    async with asyncio.timeout(120):
        await asyncio.gather(*(f.run_until_idle(concurrency=4) for f in fleets))


async def test_two_workers_spend_the_apps_day_once_and_resume_after_midnight(
        sb: Sandbox, make_fleet: Callable[..., Fleet]) -> None:
    enforce(sb, app_day=60, window=60, per_athlete=None)
    limits = BudgetLimits(app_day=60, window=60, per_athlete_day=None)
    workers = [make_fleet(sb, limits=limits, pacing=PACING) for _ in range(2)]
    for token in tokens_of(sb):
        workers[0].add_token(token)

    async def hour() -> None:
        await until_idle(*workers)
        use = app_use(sb)
        assert use["rejected"] == 0, use  # the sandbox never had to refuse
        assert use["daily_used"] <= 60

    # Ten first syncs need 80 requests; the day has 60. Hour by hour, 18:00 to 23:00:
    for n in range(6):
        if n:
            sb.advance(3600)
        await hour()
    status = workers[1].status()
    assert status.usage is not None
    assert 40 <= status.usage.app_day_used <= 60  # most of the day was used, not more
    assert status.usage.athletes == {a: u for a, u in status.usage.athletes.items() if u}
    waiting = [a for a in status.athletes if a.note.startswith("first sync")]
    assert waiting, "everything fitted in one day: the test proves nothing"
    assert all(a.state.value == "budget-limited" and ", until 2026-06-1" in a.note
               for a in waiting), waiting
    # Past midnight (UTC, on the sandbox's clock) the budget is back: the first syncs go
    # on, paced so that the others keep their reconciliations.
    for _ in range(48):
        sb.advance(3600)
        await hour()
        if all(a.history_done for a in workers[0].store.athletes()):
            break
    else:
        pytest.fail(f"not all synced in two days: {workers[0].status().athletes}")
    assert {j.outcome for j in workers[0].store.jobs()} <= {"ok", "budget"}
    assert {j.kind for j in workers[0].store.jobs()} == {"first", "reconcile"}


async def test_the_window_is_respected_and_work_goes_on_in_the_next_one(
        sb: Sandbox, make_fleet: Callable[..., Fleet]) -> None:
    enforce(sb, app_day=10_000, window=20, per_athlete=None)
    fleet = make_fleet(sb, limits=BudgetLimits(app_day=10_000, window=20,
                                               per_athlete_day=None), pacing=PACING)
    for token in tokens_of(sb):
        fleet.add_token(token)
    windows = 0
    while {a.state.value for a in fleet.status().athletes} != {"fresh"}:
        await until_idle(fleet)
        use = app_use(sb)
        assert use["rejected"] == 0, use
        assert use["window_used"] <= 20
        windows += 1
        assert windows < 20, "the fleet stopped making progress"
        sb.advance(15 * 60)
    assert windows >= 4  # 80 requests, 20 a window


async def test_each_athletes_day_is_respected(sb: Sandbox,
                                              make_fleet: Callable[..., Fleet]) -> None:
    """A first sync bigger than the athlete's daily budget stops at the budget and finishes
    the next day, from where it stopped."""
    enforce(sb, app_day=10_000, window=10_000, per_athlete=6)
    fleet = make_fleet(sb, limits=BudgetLimits(app_day=10_000, window=10_000,
                                               per_athlete_day=6), pacing=PACING)
    for token in tokens_of(sb):
        fleet.add_token(token)
    await until_idle(fleet)
    use = app_use(sb)
    assert use["rejected"] == 0
    assert all(u["daily_used"] <= 6 for u in use["per_user"])
    status = fleet.status()
    assert {a.state.value for a in status.athletes} == {"budget-limited"}
    assert {a.note for a in status.athletes} == {"first sync, until 2026-06-11T00:00+00:00"}
    # Each day the first syncs go on from their last saved page, within the day's 6.
    sb.advance(6 * 3600 + 60)
    for _ in range(4):
        await until_idle(fleet)
        use = app_use(sb)
        assert use["rejected"] == 0
        assert all(u["daily_used"] <= 6 for u in use["per_user"])
        if all(a.history_done for a in fleet.store.athletes()):
            break
        sb.advance(24 * 3600)
    else:
        pytest.fail(f"first syncs still not done: {fleet.status().athletes}")
    mirror = fleet.mirror_store
    for token in tokens_of(sb):
        kept = {r["activity_id"] for r in mirror.rows("activities", token.athlete_id)}
        assert kept == set(sb.state.store(token.athlete_id).activities)


async def test_when_the_platform_refuses_every_worker_stops_until_the_reset(
        sb: Sandbox, make_fleet: Callable[..., Fleet]) -> None:
    """The fleet was told a bigger budget than the platform gives: the first budget 429
    (intervals_icu.BudgetExhausted) marks the day spent for all workers."""
    enforce(sb, app_day=30, window=10_000, per_athlete=None)
    workers = [make_fleet(sb, limits=BudgetLimits(app_day=1_000, window=1_000,
                                                  per_athlete_day=None), pacing=PACING)
               for _ in range(2)]
    for token in tokens_of(sb):
        workers[0].add_token(token)
    await until_idle(*workers)
    refused = app_use(sb)["rejected"]
    # At most the requests in flight when the first 429 came: 2 workers x 4 athletes x
    # the 4 kinds a sync reads at once.
    assert 1 <= refused <= 2 * 4 * 4
    status = workers[0].status()
    assert status.usage is not None
    assert status.usage.app_day_closed  # marked spent for everyone
    limited = [a for a in status.athletes if a.state.value == "budget-limited"]
    assert limited
    assert all(a.note.endswith("until 2026-06-11T00:00+00:00") for a in limited)
    assert {a.state.value for a in status.athletes} <= {"fresh", "budget-limited"}
    sb.advance(1800)
    await until_idle(*workers)
    assert app_use(sb)["rejected"] == refused  # nobody asked again before the reset
    # After midnight work resumes (and, the fleet's limits being wrong, stops again at
    # the platform's next 429).
    jobs_before = len(workers[0].store.jobs())
    sb.advance(6 * 3600)
    await until_idle(*workers)
    assert app_use(sb)["daily_used"] > 0
    assert len(workers[0].store.jobs()) > jobs_before


async def test_first_syncs_of_newcomers_never_starve_the_others(
        sb: Sandbox, make_fleet: Callable[..., Fleet]) -> None:
    """Ten athletes are synced and reconciled daily (3 requests of their 4); ten more join,
    whose first syncs (80 requests) would eat the whole day (60). Every day each of the
    first ten still gets its reconciliation; the newcomers get only what is left."""
    enforce(sb, app_day=60, window=60, per_athlete=None)
    fleet = make_fleet(sb, limits=BudgetLimits(app_day=60, window=60, per_athlete_day=None),
                       pacing=PACING)
    tokens = tokens_of(sb)
    for token in tokens:
        fleet.add_token(token)
    for _ in range(30):  # the first ten get synced (a day or two)
        await until_idle(fleet)
        if all(a.history_done for a in fleet.store.athletes()):
            break
        sb.advance(3600)
    settled = {t.athlete_id for t in tokens}
    newcomers = [t for t in sb.seed_oauth_users(10, days=14)]
    for token in newcomers:
        fleet.add_token(token)
    sb.advance((24 - sb.clock.now().hour) * 3600 + 60)  # the next midnight
    day_start = len(fleet.store.jobs())
    for _ in range(24):
        await until_idle(fleet)
        use = app_use(sb)
        assert use["rejected"] == 0
        assert use["daily_used"] <= 60
        sb.advance(3600)
    jobs = fleet.store.jobs()[day_start:]
    reconciled = {j.athlete_id for j in jobs if j.kind == "reconcile" and j.outcome == "ok"}
    assert reconciled >= settled, settled - reconciled
    starved = [j for j in jobs if j.kind == "reconcile" and j.outcome == "budget"]
    assert not starved, [(j.athlete_id, j.error) for j in starved]
    first = {j.athlete_id for j in jobs if j.kind == "first" and j.outcome == "ok"}
    assert first, "the newcomers got nothing at all"
    assert first <= {t.athlete_id for t in newcomers}
