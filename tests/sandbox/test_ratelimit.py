"""The sandbox's rate limit (API-NOTES §6.1: 10/s per address with a short burst) and the
client's pacing that keeps bulk jobs under it."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from intervals_icu import AsyncClient, RetryPolicy
from intervals_icu.auth import ApiKey
from intervals_icu.sandbox import Sandbox


def hammer(sb: Sandbox, count: int) -> list[httpx.Response]:
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                      auth=("API_KEY", sb.api_key)) as http:
        return [http.get("/api/v1/athlete/0") for _ in range(count)]


def test_a_burst_over_the_limit_gets_429_with_the_platform_body(sandbox: Sandbox) -> None:
    sandbox.configure(rate_limit_per_second=1.0, rate_limit_burst=5)
    responses = hammer(sandbox, 12)
    statuses = [r.status_code for r in responses]
    assert statuses[:5] == [200] * 5, "the burst allowance is served"
    limited = [r for r in responses if r.status_code == 429]
    assert len(limited) >= 6
    assert limited[0].json() == {"status": 429, "error": "Too many requests"}
    assert "retry-after" not in limited[0].headers, "no Retry-After unless switched on"
    assert sandbox.info()["rate_limited"] == len(limited)


def test_retry_after_switch(sandbox: Sandbox) -> None:
    sandbox.configure(rate_limit_per_second=0.5, rate_limit_burst=1, rate_limit_retry_after=True)
    first, second = hammer(sandbox, 2)
    assert first.status_code == 200
    assert second.status_code == 429
    assert int(second.headers["retry-after"]) >= 1


def test_rate_limit_can_be_switched_off(sandbox: Sandbox) -> None:
    sandbox.configure(rate_limit_enabled=False, rate_limit_per_second=1.0, rate_limit_burst=1)
    assert {r.status_code for r in hammer(sandbox, 30)} == {200}


def test_forced_burst_of_429s(sandbox: Sandbox) -> None:
    sandbox.configure(rate_limit_enabled=False)
    sandbox.rate_limit_burst(3)
    statuses = [r.status_code for r in hammer(sandbox, 5)]
    assert statuses == [429, 429, 429, 200, 200]


def test_client_retries_a_429_transparently(sandbox: Sandbox) -> None:
    sandbox.rate_limit_burst(2)
    with sandbox.client(retry=RetryPolicy(max_attempts=4, backoff_base=0.01)) as client:
        assert client.athletes.get().id == sandbox.athlete_id
    assert sandbox.info()["rate_limited"] == 2


@pytest.mark.slow
async def test_client_pacing_keeps_a_300_request_burst_free_of_429s(
    live_sandbox: Sandbox,
) -> None:
    """Ten concurrent tasks share one client; its default pacing (10/s, burst 5) must keep
    the platform's limit from ever answering 429. Retries are off, so a 429 would raise."""
    sb = live_sandbox
    assert sb.options.rate_limit_enabled
    total, workers = 300, 10
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(total):
        queue.put_nowait(n)
    async with AsyncClient(ApiKey(sb.api_key), base_url=sb.base_url,
                           retry=RetryPolicy.none()) as client:

        async def worker() -> int:
            done = 0
            while not queue.empty():
                queue.get_nowait()
                await client.athletes.get()
                done += 1
            return done

        started = time.perf_counter()
        counts = await asyncio.gather(*(worker() for _ in range(workers)))
        elapsed = time.perf_counter() - started
    assert sum(counts) == total
    assert sb.info()["rate_limited"] == 0
    print(f"\n{total} requests, {workers} tasks: {total / elapsed:.2f} req/s over "
          f"{elapsed:.1f} s, 0 answered 429")


@pytest.mark.parametrize("count", [0, -1, 1.5, True])
def test_forced_burst_needs_a_positive_count(sandbox: Sandbox, count: object) -> None:
    with pytest.raises(ValueError, match="whole number >= 1"):
        sandbox.rate_limit_burst(count)  # type: ignore[arg-type]
