#!/usr/bin/env python3
"""Client figures against a live sandbox (one run, same machine; compare ratios, not seconds).

    .venv/bin/python benchmarks/client.py

Prints: a 300-request burst from 10 concurrent tasks at the default pacing (achieved rate,
429s seen by the sandbox: the goal is zero), the same burst with pacing off against a sandbox
with its limit off (the floor: per-request cost of client + loopback HTTP + sandbox), and the
sync client's sequential request rate.
"""

from __future__ import annotations

import asyncio
import time

from intervals_icu import RateLimit
from intervals_icu.sandbox import Sandbox

REQUESTS = 300
TASKS = 10


async def burst(sb: Sandbox, rate_limit: RateLimit | None) -> tuple[float, int]:
    kwargs = {} if rate_limit is None else {"rate_limit": rate_limit}
    before = sb.rate_limiter.rejected
    async with sb.async_client(**kwargs) as client:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(REQUESTS):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                await client.wellness.get("2025-01-01")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(TASKS)))
        elapsed = time.perf_counter() - started
    return elapsed, sb.rate_limiter.rejected - before


def main() -> None:
    with Sandbox(seed=5, athletes=1, years=0.1) as sb:
        elapsed, rejected = asyncio.run(burst(sb, None))
        print(f"default pacing (10/s, burst 5) vs sandbox limit (10/s, burst 20): "
              f"{REQUESTS} requests in {elapsed:.1f} s = {REQUESTS / elapsed:.1f} req/s, "
              f"429s seen by the sandbox: {rejected}")
        sb.configure(rate_limit_enabled=False)
        elapsed, _ = asyncio.run(burst(sb, RateLimit.unlimited()))
        print(f"pacing off, sandbox limit off (floor): {REQUESTS / elapsed:.0f} req/s "
              f"({elapsed / REQUESTS * 1000:.2f} ms/request with {TASKS} tasks)")
        client = sb.client(rate_limit=RateLimit.unlimited())
        started = time.perf_counter()
        for _ in range(200):
            client.wellness.get("2025-01-01")
        elapsed = time.perf_counter() - started
        print(f"sync client, sequential, pacing off: {200 / elapsed:.0f} req/s "
              f"({elapsed / 200 * 1000:.2f} ms/request)")


if __name__ == "__main__":
    main()
