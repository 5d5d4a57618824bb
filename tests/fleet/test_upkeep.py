"""A long-running fleet forgets its old logs: the job log, the mirror's sync_runs (a row
per job) and past budget counters; the mirror's records stay. Webhook entries of athletes
who are not in the fleet (no worker takes them) are given up after as long, with why."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from intervals_icu.fleet import Fleet
from intervals_icu.mirror import schema as mirror_schema
from intervals_icu.sandbox import Sandbox
from tests.fleet.conftest import frozen_app_sandbox
from tests.fleet.test_budget_runner import START, tokens_of, until_idle

pytestmark = pytest.mark.postgres


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with frozen_app_sandbox(37, at=START, users=3, days=7) as sandbox:
        yield sandbox


def _count(fleet: Fleet, table: sa.Table) -> int:
    with fleet.mirror_store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


async def test_purge_forgets_old_logs_and_keeps_the_recent_and_the_records(
        sb: Sandbox, make_fleet: Callable[..., Fleet]) -> None:
    fleet = make_fleet(sb)
    tokens = tokens_of(sb)
    for token in tokens:
        fleet.add_token(token)
    member = tokens[0].athlete_id

    def event(athlete_id: str, minute: int) -> dict[str, object]:
        return {"type": "WELLNESS_UPDATED", "athlete_id": athlete_id,
                "timestamp": f"2026-06-10T17:{minute:02d}:00Z", "records": [{"id": "2026-06-10"}]}

    assert fleet.inbox.store([event("i999999", 0), event(member, 1)]).new == 2
    await until_idle(fleet)
    (stored,) = fleet.inbox.list(athlete_id="i999999")
    assert stored.status == "pending"  # no worker takes it
    (done,) = fleet.inbox.list(athlete_id=member)
    assert done.status == "done"
    # A member's entry waiting for its retry time is the fleet's own: never given up.
    assert fleet.inbox.store([event(member, 2)]).new == 1
    waiting = next(e for e in fleet.inbox.list(athlete_id=member) if e.status == "pending")
    with fleet.mirror_store.engine.begin() as conn:
        conn.execute(fleet.inbox.entries.update().where(
            fleet.inbox.entries.c.id == waiting.id).values(next_attempt_at=datetime(2099, 1, 1)))
    jobs, runs, counters = fleet.store.t.jobs, mirror_schema.sync_runs, fleet.budget.table
    made = {"jobs": _count(fleet, jobs), "sync_runs": _count(fleet, runs),
            "budget_counters": _count(fleet, counters)}
    assert all(made.values()), made
    activities = _count(fleet, mirror_schema.activities)
    assert activities > 0
    # Nothing is old yet: nothing goes.
    assert fleet.purge() == {"jobs": 0, "sync_runs": 0, "budget_counters": 0,
                             "webhooks_done": 0, "webhooks_given_up": 0}
    # A month later (the logs' times are real time, the counters' the platform's day).
    month_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)
    with fleet.mirror_store.engine.begin() as conn:
        conn.execute(jobs.update().values(started_at=month_ago, finished_at=month_ago))
        conn.execute(runs.update().values(started_at=month_ago, finished_at=month_ago))
        conn.execute(fleet.inbox.entries.update().values(received_at=month_ago))
        conn.execute(fleet.inbox.entries.update().where(
            fleet.inbox.entries.c.finished_at.is_not(None)).values(finished_at=month_ago))
    sb.clock.set(START + timedelta(days=3))
    # The newest run's row stays (SQLite would reuse its id).
    assert fleet.purge() == {**made, "sync_runs": made["sync_runs"] - 1, "webhooks_done": 1,
                             "webhooks_given_up": 1}
    assert fleet.inbox.get(waiting.id).status == "pending"
    given_up = fleet.inbox.get(stored.id)
    assert given_up.status == "dead"
    assert "icu fleet add" in (given_up.last_error or "")
    assert _count(fleet, mirror_schema.activities) == activities
    # The fleet goes on: a new day's reconciliations log again.
    await until_idle(fleet)
    assert _count(fleet, jobs) > 0
    assert _count(fleet, runs) > 0
