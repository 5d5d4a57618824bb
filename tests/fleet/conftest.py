"""Fixtures for the fleet: a PostgreSQL schema of its own per test (dropped afterwards), a
sandbox whose OAuth app has authorized some athletes, and fleets (workers) built on both.

The fleet runs several workers on PostgreSQL only, so these tests need
ICU_TEST_POSTGRES_URL (they skip with the reason without it, and fail under
ICU_REQUIRE_POSTGRES=1); the SQLite tests say so in their names.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from intervals_icu import RateLimit, RetryPolicy
from intervals_icu.fleet import Fleet
from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import home, icu, live  # noqa: F401  (the CLI's fixtures)

SCOPES = "ACTIVITY:READ,WELLNESS:READ,CALENDAR:READ,SETTINGS:READ"
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.01)


@pytest.fixture
def pg_schema(postgres_url: str) -> Iterator[str]:
    """A schema of its own for one test (dropped afterwards)."""
    name = f"icu_fleet_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    yield name
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


@contextmanager
def frozen_app_sandbox(seed: int, *, at: datetime, users: int = 0,
                       days: int = 14) -> Iterator[Sandbox]:
    """A sandbox on a clock frozen at ``at``, without the per-second limit, where ``users``
    athletes (``days`` of history each) have authorized its app."""
    sandbox = Sandbox(seed=seed, athletes=1, years=0.02)
    try:
        sandbox.clock.set(at)
        sandbox.clock.freeze()
        sandbox.configure(rate_limit_enabled=False)
        if users:
            sandbox.seed_oauth_users(users, days=days)
        yield sandbox
    finally:
        sandbox.stop()


def authorize_all(sb: Sandbox, athletes: list[str] | None = None) -> dict[str, Any]:
    """Every seeded athlete (or ``athletes``) grants the sandbox's app: their tokens."""
    return {a: sb.oauth_token(a, SCOPES) for a in (athletes or sb.athlete_ids)}


class RequestLog(httpx.AsyncBaseTransport):
    """Records every request that reaches the sandbox: which worker sent it, for which
    athlete (by token), from when to when. Independent of the fleet's own accounting."""

    def __init__(self, inner: httpx.AsyncBaseTransport, worker: str,
                 athletes_by_token: dict[str, str], log: list[tuple[str, str, float, float]]
                 ) -> None:
        self.inner = inner
        self.worker = worker
        self.athletes_by_token = athletes_by_token
        self.log = log

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import time

        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        started = time.monotonic()
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.log.append((self.worker, self.athletes_by_token.get(token, "?"), started,
                             time.monotonic()))


@pytest.fixture
async def make_fleet(postgres_url: str, pg_schema: str) -> AsyncIterator[Callable[..., Fleet]]:
    """Build fleets (one per simulated worker process) on one PostgreSQL schema."""
    made: list[Fleet] = []

    def build(sb: Sandbox, *, transport: httpx.AsyncBaseTransport | None = None,
              **options: Any) -> Fleet:
        options.setdefault("clock", sb.clock.now)
        fleet = Fleet(postgres_url, schema=pg_schema, base_url=sb.base_url,
                      transport=transport or sb.async_transport(),
                      rate_limit=RateLimit.unlimited(), retry=FAST_RETRY, **options)
        made.append(fleet)
        return fleet

    yield build
    for fleet in made:
        await fleet.aclose()


WEBHOOK_SECRET = "whsec-fleet-tests"


class Receiving:
    """The app's webhook receiver filling the fleet's inbox (``icu webhooks serve
    --workers 0``), on a real socket; the sandbox delivers what it queued on ``deliver()``."""

    def __init__(self, sb: Sandbox, fleet: Fleet) -> None:
        from intervals_icu.webhooks import ReceiverServer, WebhookReceiver

        self.sb = sb
        self.receiver = WebhookReceiver(secrets=WEBHOOK_SECRET, inbox=fleet.inbox)
        self.server = ReceiverServer(self.receiver, workers=0).start()
        sb.update_app(sb.seeded.app_client_id, webhook_url=self.server.url,
                      webhook_secret=WEBHOOK_SECRET,
                      webhook_types=["ACTIVITY_UPLOADED", "ACTIVITY_UPDATED",
                                     "ACTIVITY_DELETED", "WELLNESS_UPDATED",
                                     "CALENDAR_UPDATED", "APP_SCOPE_CHANGED"])

    def deliver(self) -> int:
        """Send what the sandbox queued; each event is in the inbox when this returns (the
        receiver answers 200 only once it is committed)."""
        attempts = self.sb.deliver_webhooks()
        assert all(a.get("status") == 200 for a in attempts), attempts
        return len(attempts)

    def close(self) -> None:
        self.server.stop()
        self.receiver.writer.close()


@pytest.fixture
def receiving() -> Iterator[Callable[[Sandbox, Fleet], Receiving]]:
    made: list[Receiving] = []

    def build(sb: Sandbox, fleet: Fleet) -> Receiving:
        made.append(Receiving(sb, fleet))
        return made[-1]

    yield build
    for one in made:
        one.close()
