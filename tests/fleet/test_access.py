"""Webhooks first, and athletes who come and go: a delivery is applied before any due
reconciliation (and within the share of the budget kept for it); an athlete who revokes the
app stops being synced, keeps their rows (marked, not deleted), and is caught up when they
authorize again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from intervals_icu.fleet import BudgetLimits, Fleet, Pacing
from intervals_icu.sandbox import Sandbox
from tests.fleet.conftest import SCOPES, Receiving, frozen_app_sandbox

pytestmark = pytest.mark.postgres

START = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    """Four athletes using the app, a fortnight of history each, a frozen sandbox clock."""
    with frozen_app_sandbox(41, at=START) as sandbox:
        yield sandbox


@pytest.fixture
def setup(sb: Sandbox, make_fleet: Callable[..., Fleet],
          receiving: Callable[[Sandbox, Fleet], Receiving]) -> Callable[..., Any]:
    async def build(**options: Any) -> tuple[Fleet, Receiving, list[Any]]:
        fleet = make_fleet(sb, **options)
        hooks = receiving(sb, fleet)
        tokens = sb.seed_oauth_users(4, days=14)
        for token in tokens:
            fleet.add_token(token)
        await fleet.run_until_idle()
        assert {a.state.value for a in fleet.status().athletes} == {"fresh"}, [
            (j.kind, j.outcome, j.error) for j in fleet.store.jobs()]
        return fleet, hooks, tokens
    return build


def some_activity(fleet: Fleet, athlete: str) -> str:
    return next(str(r["activity_id"]) for r in fleet.mirror_store.rows("activities", athlete)
                if not r["is_strava_stub"])


def name_in_mirror(fleet: Fleet, athlete: str, activity: str) -> str:
    return next(str(r["name"]) for r in fleet.mirror_store.rows("activities", athlete)
                if r["activity_id"] == activity)


async def test_a_webhook_is_applied_before_any_due_reconciliation(
        sb: Sandbox, setup: Callable[..., Any]) -> None:
    fleet, hooks, tokens = await setup()
    athlete = tokens[2].athlete_id
    activity = some_activity(fleet, athlete)
    sb.advance(5 * 3600)  # every athlete's reconciliation is due
    with sb.client(credentials=tokens[2].credentials()) as client:
        client.activities.update(activity, name="Renamed, then announced")
    assert hooks.deliver() == 1
    before = len(fleet.store.jobs())
    worker = await fleet.run_until_idle(concurrency=1)
    jobs = fleet.store.jobs()[before:]
    assert (jobs[0].athlete_id, jobs[0].kind, jobs[0].outcome) == (athlete, "webhooks", "ok")
    assert worker.totals.webhook_entries == 1
    assert jobs[0].requests == 1  # the activity, re-read by id
    assert {(j.kind, j.outcome) for j in jobs[1:]} == {("reconcile", "ok")}
    assert name_in_mirror(fleet, athlete, activity) == "Renamed, then announced"


async def test_webhooks_use_the_share_that_reconciliation_leaves_them(
        sb: Sandbox, setup: Callable[..., Any]) -> None:
    fleet, hooks, tokens = await setup(limits=BudgetLimits(app_day=100, window=100),
                                       pacing=Pacing(first_syncs_per_worker=4))
    # The day is spent down to the tenth kept for webhooks.
    now = sb.clock.now()
    used = fleet.budget.usage(now, users=4).app_day_used
    filler = fleet.budget.reserve("someone-else", 92 - used, now=now, users=4)
    fleet.budget.settle(filler, 0)  # type: ignore[arg-type]
    sb.advance(5 * 3600)
    athlete = tokens[0].athlete_id
    activity = some_activity(fleet, athlete)
    with sb.client(credentials=tokens[0].credentials()) as client:
        client.activities.update(activity, name="Announced on a spent day")
    hooks.deliver()
    await fleet.run_until_idle()
    assert name_in_mirror(fleet, athlete, activity) == "Announced on a spent day"
    status = fleet.status()
    assert status.usage is not None
    assert status.usage.app_day_used <= 100
    # No reconciliation could start; each athlete says until when.
    assert {a.state.value for a in status.athletes} == {"budget-limited"}
    assert {a.note for a in status.athletes} == {"until 2026-06-11T00:00+00:00"}


async def test_an_athlete_who_revokes_is_kept_but_not_synced_and_caught_up_on_return(
        sb: Sandbox, setup: Callable[..., Any]) -> None:
    fleet, hooks, tokens = await setup()
    leaving = tokens[1].athlete_id
    kept = fleet.mirror_store.count_live("activities", leaving)
    with sb.client(credentials=tokens[1].credentials()) as client:
        client.oauth.disconnect()  # APP_SCOPE_CHANGED, deauthorized
    hooks.deliver()
    await fleet.run_until_idle()
    row = next(a for a in fleet.status().athletes if a.athlete_id == leaving)
    assert row.state.value == "revoked"
    assert "deauthorized" in row.note
    access = fleet.mirror_store.access(leaving)
    assert access is not None
    assert access.lost
    assert fleet.mirror_store.count_live("activities", leaving) == kept  # marked, not deleted
    # While they are away their data changes; nothing of theirs is read, however long.
    ride = sb.device_import(leaving)
    hooks.deliver()
    revoked_at = len(fleet.store.jobs())
    for _ in range(3):
        sb.advance(5 * 3600)
        await fleet.run_until_idle()
    later = fleet.store.jobs()[revoked_at:]
    assert later
    assert leaving not in {j.athlete_id for j in later}
    assert fleet.mirror_store.count_live("activities", leaving) == kept
    # They authorize the app again; the callback stores the new token: a catch-up.
    token = sb.oauth_token(leaving, SCOPES)
    hooks.deliver()  # APP_SCOPE_CHANGED granting: the fleet waits for the token
    fleet.add_token(token)
    await fleet.run_until_idle()
    back = [j for j in fleet.store.jobs() if j.athlete_id == leaving][-1]
    assert (back.kind, back.outcome) == ("catch-up", "ok")
    assert ride["id"] in {r["activity_id"] for r in fleet.mirror_store.rows(
        "activities", leaving)}
    assert next(a for a in fleet.status().athletes
                if a.athlete_id == leaving).state.value == "fresh"
    regained = fleet.mirror_store.access(leaving)
    assert regained is not None
    assert not regained.lost


async def test_a_revoked_token_is_noticed_without_a_webhook(
        sb: Sandbox, setup: Callable[..., Any]) -> None:
    fleet, _, tokens = await setup()
    leaving = tokens[3].athlete_id
    with sb.client(credentials=tokens[3].credentials()) as client:
        client.oauth.disconnect()  # the delivery is never made (the receiver was down)
    sb.advance(5 * 3600)
    await fleet.run_until_idle()
    row = next(a for a in fleet.status().athletes if a.athlete_id == leaving)
    assert row.state.value == "revoked"
    assert row.note.startswith("401")
    assert fleet.mirror_store.count_live("activities", leaving) > 0
    jobs = [j for j in fleet.store.jobs() if j.athlete_id == leaving]
    assert jobs[-1].outcome == "revoked"
    sb.advance(5 * 3600)
    await fleet.run_until_idle()
    assert [j for j in fleet.store.jobs() if j.athlete_id == leaving] == jobs  # not again


async def test_a_late_revocation_does_not_undo_a_newer_grant(
        sb: Sandbox, setup: Callable[..., Any]) -> None:
    fleet, hooks, tokens = await setup()
    athlete = tokens[0].athlete_id
    with sb.client(credentials=tokens[0].credentials()) as client:
        client.oauth.disconnect()
    sb.advance(60)
    fleet.add_token(sb.oauth_token(athlete, SCOPES))  # granted again before we heard
    hooks.deliver()  # the old revocation, then the new grant
    await fleet.run_until_idle()
    row = next(a for a in fleet.status().athletes if a.athlete_id == athlete)
    assert row.state.value == "fresh"
    assert fleet.store.athlete(athlete).grant.value == "active"  # type: ignore[union-attr]
