"""A 429 for a used-up request budget (the sandbox's budgets, API-NOTES §6.1) surfaces at
once as BudgetExhausted, with when it refills, instead of retries that sleep until midnight;
a window that refills within the retry limit is waited for."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from intervals_icu import AsyncClient, BudgetExhausted, Client, RateLimited, RetryPolicy
from intervals_icu.auth import ApiKey
from intervals_icu.error_mapping import error_from_response
from intervals_icu.errors import RequestInfo
from intervals_icu.sandbox import Sandbox

FAST = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.005)
NOON = datetime(2026, 3, 4, 12, 3, tzinfo=UTC)
MIDNIGHT = datetime(2026, 3, 5, tzinfo=UTC)


def recording_client(sandbox: Sandbox) -> tuple[Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    http = httpx.Client(transport=sandbox.transport(), event_hooks={"request": [seen.append]})
    return Client(ApiKey(sandbox.api_key), base_url=sandbox.base_url, http_client=http,
                  retry=FAST), seen


def rejected(sandbox: Sandbox) -> int:
    return sum(b["rejected"] for b in sandbox.budgets()["budgets"])


def test_a_used_up_daily_budget_raises_at_once_with_when_it_refills(sandbox: Sandbox) -> None:
    sandbox.configure(budget_enabled=True, budget_personal_daily=2)
    sandbox.clock.freeze()
    sandbox.clock.set(NOON)
    client, seen = recording_client(sandbox)
    client.athletes.get()
    client.athletes.get()
    with pytest.raises(BudgetExhausted) as info:
        client.athletes.get()
    assert len(seen) == 3, "sent once: no retries"
    error = info.value
    assert isinstance(error, RateLimited), "code catching RateLimited still catches it"
    assert error.status == 429
    assert error.budget == "personal-daily"
    assert error.limit == 2
    assert error.resets_at == MIDNIGHT, "the server's moment (the sandbox clock)"
    assert error.retry_after == math.ceil((MIDNIGHT - NOON).total_seconds())
    assert "2026-03-05 00:00:00 UTC" in str(error)
    assert "run the job again after the reset" in str(error)
    assert "midnight UTC" in str(error), "the server's own words are kept"
    assert rejected(sandbox) == 1


async def test_the_async_client_raises_it_too(sandbox: Sandbox) -> None:
    sandbox.configure(budget_enabled=True, budget_personal_window=1)
    sandbox.clock.freeze()
    sandbox.clock.set(NOON)
    async with AsyncClient(ApiKey(sandbox.api_key), base_url=sandbox.base_url, retry=FAST,
                           http_client=httpx.AsyncClient(
                               transport=sandbox.async_transport())) as client:
        await client.athletes.get()
        with pytest.raises(BudgetExhausted) as info:
            await client.athletes.get()
    assert info.value.budget == "personal-window"
    assert info.value.resets_at == datetime(2026, 3, 4, 12, 15, tzinfo=UTC)
    assert rejected(sandbox) == 1


def test_a_window_that_refills_within_the_retry_limit_is_waited_for(sandbox: Sandbox) -> None:
    """Retry-After of a few seconds is below RetryPolicy.max_retry_after: the client sleeps
    it out and the request goes through in the next window."""
    sandbox.configure(budget_enabled=True, budget_personal_window=1)
    sandbox.clock.set(datetime(2026, 3, 4, 12, 14, 57, tzinfo=UTC))  # running, 3 s to 12:15
    client, seen = recording_client(sandbox)
    client.athletes.get()
    started = time.monotonic()
    assert client.athletes.get().id == sandbox.athlete_id
    assert rejected(sandbox) == 1
    assert len(seen) == 3
    assert time.monotonic() - started >= 1


def test_without_budget_headers_it_is_an_ordinary_429_retried_briefly(
        sandbox: Sandbox) -> None:
    sandbox.configure(budget_enabled=True, budget_personal_daily=1, budget_headers=False)
    sandbox.clock.freeze()
    client, seen = recording_client(sandbox)
    client.athletes.get()
    with pytest.raises(RateLimited) as info:
        client.athletes.get()
    assert not isinstance(info.value, BudgetExhausted), "nothing said it was a budget"
    assert len(seen) == 1 + FAST.max_attempts
    assert "midnight UTC" in (info.value.server_error or "")


def _mapped(headers: dict[str, str], max_retry_after: float = 120.0) -> RateLimited:
    error = error_from_response(
        status=429, body_text='{"status": 429, "error": "Too many requests"}',
        headers=httpx.Headers(headers), request=RequestInfo("GET", "/api/v1/athlete/0"),
        operation_id="getAthlete", credentials=None, caller_athlete_id=None, attempts=1,
        replayable=True, max_retry_after=max_retry_after)
    assert isinstance(error, RateLimited)
    return error


def test_a_long_retry_after_alone_means_a_budget() -> None:
    before = datetime.now(UTC)
    error = _mapped({"Retry-After": "3600"})
    assert isinstance(error, BudgetExhausted)
    assert error.budget is None
    assert error.limit is None
    assert error.resets_at is not None
    assert before + timedelta(seconds=3599) <= error.resets_at <= datetime.now(UTC) + timedelta(
        seconds=3601)
    assert "in 1 h 00 min" in str(error)
    short = _mapped({"Retry-After": "30"})
    assert not isinstance(short, BudgetExhausted)
    assert short.retry_after == 30
    assert isinstance(_mapped({"Retry-After": "30"}, max_retry_after=10), BudgetExhausted), \
        "longer than this client will wait"


def test_x_ratelimit_reset_as_seconds_from_now_or_epoch() -> None:
    epoch = _mapped({"Retry-After": "5000", "X-RateLimit-Reset": "1900000000"})
    assert isinstance(epoch, BudgetExhausted)
    assert epoch.resets_at == datetime.fromtimestamp(1_900_000_000, UTC)
    relative = _mapped({"X-RateLimit-Reset": "600", "X-RateLimit-Budget": "app-window",
                        "X-RateLimit-Limit": "6250"})
    assert isinstance(relative, BudgetExhausted)
    assert relative.budget == "app-window"
    assert relative.limit == 6250
    assert relative.retry_after == pytest.approx(600, abs=2)
