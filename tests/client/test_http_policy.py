"""The retry, pacing and query-encoding policy: pure functions, tested on their own."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intervals_icu._http import (
    RateLimit,
    RetryPolicy,
    TokenBucket,
    encode_query,
    parse_retry_after,
    redact_query,
    retry_delay,
)
from intervals_icu.sandbox import Sandbox

POLICY = RetryPolicy(max_attempts=5, backoff_base=0.5, backoff_max=30, jitter=0.0)


@pytest.mark.parametrize("replayable", [True, False])
def test_429_is_retried_for_every_operation(replayable: bool) -> None:
    assert retry_delay(POLICY, replayable=replayable, attempt=1, status=429) == 0.5


@pytest.mark.parametrize("replayable", [True, False])
def test_5xx_is_retried_only_for_replayable_operations(replayable: bool) -> None:
    for status in (500, 502, 503, 504):
        delay = retry_delay(POLICY, replayable=replayable, attempt=1, status=status)
        assert (delay is not None) is replayable


@pytest.mark.parametrize("failure", ["timeout", "network"])
def test_timeouts_and_broken_connections_are_never_replayed_unless_replayable(
    failure: str,
) -> None:
    assert retry_delay(POLICY, replayable=False, attempt=1, failure=failure) is None  # type: ignore[arg-type]
    assert retry_delay(POLICY, replayable=True, attempt=1, failure=failure) is not None  # type: ignore[arg-type]


def test_a_connection_that_never_opened_is_retried_for_any_operation() -> None:
    # Nothing left this machine, so nothing can be applied twice.
    assert retry_delay(POLICY, replayable=False, attempt=1, failure="connect") is not None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 422])
def test_client_errors_are_not_retried(status: int) -> None:
    assert retry_delay(POLICY, replayable=True, attempt=1, status=status) is None


def test_backoff_doubles_and_is_capped_and_attempts_are_bounded() -> None:
    delays = [retry_delay(POLICY, replayable=True, attempt=n, status=503) for n in range(1, 6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, None]
    capped = RetryPolicy(max_attempts=20, backoff_base=1, backoff_max=3, jitter=0)
    assert retry_delay(capped, replayable=True, attempt=10, status=503) == 3


@given(st.integers(min_value=1, max_value=4), st.floats(min_value=0, max_value=1))
def test_jitter_stays_within_its_fraction(attempt: int, draw: float) -> None:
    policy = RetryPolicy(max_attempts=5, backoff_base=1, backoff_max=100, jitter=0.25)
    delay = retry_delay(policy, replayable=True, attempt=attempt, status=500, rand=lambda: draw)
    base = 2 ** (attempt - 1)
    assert delay is not None
    assert base <= delay <= base * 1.25


def test_retry_after_is_honoured_and_absurd_waits_give_up() -> None:
    assert retry_delay(POLICY, replayable=False, attempt=1, status=429, retry_after=7) == 7
    assert retry_delay(POLICY, replayable=True, attempt=1, status=429, retry_after=3600) is None


def test_parse_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("5") == 5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = datetime(2026, 1, 1, 12, 0, 0).timestamp()
    # An HTTP date 30 s ahead of ``now`` (formatted in GMT).
    from email.utils import formatdate

    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_the_burst_then_spaces_requests() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=10, burst=5), clock=clock)
    waits = [bucket.reserve() for _ in range(8)]
    assert waits[:5] == [0, 0, 0, 0, 0]
    assert waits[5:] == pytest.approx([0.1, 0.2, 0.3])


@given(st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=200))
def test_token_bucket_never_exceeds_the_rate(gaps: list[float]) -> None:
    """Whatever the arrival pattern, the sending times the bucket hands out never put more
    than ``burst + rate * t`` requests into any window of length t."""
    clock = FakeClock()
    limit = RateLimit(per_second=10, burst=5)
    bucket = TokenBucket(limit, clock=clock)
    send_times = []
    for gap in gaps:
        clock.now += gap
        send_times.append(clock.now + bucket.reserve())
    send_times.sort()
    for i, start in enumerate(send_times):
        for j in range(i, len(send_times)):
            window = send_times[j] - start
            assert j - i + 1 <= limit.burst + limit.per_second * window + 1e-6


def test_penalty_after_429_delays_every_task() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=10, burst=5), clock=clock)
    bucket.penalize(2.0)
    assert bucket.reserve() == pytest.approx(2.1)


def test_query_encoding_matches_the_platform() -> None:
    pairs = encode_query({
        "oldest": date(2025, 1, 2), "newest": datetime(2025, 3, 4, 5, 6, 7, 999),
        "fields": ["id", "name"], "intervals": True, "skip": None, "empty": [], "limit": 3,
    })
    assert pairs == [("oldest", "2025-01-02"), ("newest", "2025-03-04T05:06:07"),
                     ("fields", "id,name"), ("intervals", "true"), ("limit", "3")]


def test_secret_query_values_are_redacted() -> None:
    assert redact_query([("code", "abc"), ("client_secret", "s"), ("oldest", "2025-01-01")]) == (
        "code=***&client_secret=***&oldest=2025-01-01"
    )


@pytest.mark.parametrize("status", [501, 505])
def test_not_implemented_is_not_retried(status: int) -> None:
    assert retry_delay(POLICY, replayable=True, attempt=1, status=status) is None


def test_penalties_from_concurrent_429s_keep_the_largest_not_the_sum() -> None:
    clock = FakeClock()
    bucket = TokenBucket(RateLimit(per_second=10, burst=5), clock=clock)
    for _ in range(8):  # eight requests in flight each got a 429 asking for 0.6 s
        bucket.penalize(0.6)
    assert bucket.reserve() == pytest.approx(0.7)  # one back-off (and one slot), not 4.8 s
    bucket.penalize(2.0)  # a longer one still wins
    assert bucket.reserve() == pytest.approx(2.1)


async def test_concurrent_tasks_that_each_get_a_429_wait_one_back_off(sandbox: Sandbox) -> None:
    tasks = 8
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:  # note each wait; let no time pass
        waits.append(seconds)
        await asyncio.sleep(0)

    sandbox.configure(rate_limit_enabled=False)
    sandbox.rate_limit_burst(tasks)  # the next eight requests answer 429
    async with sandbox.async_client(retry=RetryPolicy(max_attempts=3, jitter=0.0)) as client:
        client._http.config.asleep = no_sleep
        await asyncio.gather(*(client.athletes.get() for _ in range(tasks)))
    assert sandbox.rate_limiter.rejected == tasks
    # With no time passing, the longest wait the shared bucket hands out is the pause the
    # server asked for (0.5 s back-off) plus one slot at 10/s for each of the 16 requests.
    # When each 429 added its pause to the others', it was over 4 s.
    assert max(waits) <= 0.5 + 2 * tasks / 10 + 1e-6
