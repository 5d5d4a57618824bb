"""wait_for_first: the idle wait of the webhook and fleet workers."""

from __future__ import annotations

import asyncio

from intervals_icu.waiting import wait_for_first


def _waits_left() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


def test_it_returns_when_any_event_is_set_and_leaves_no_wait_behind() -> None:
    async def main() -> None:
        wake, stop = asyncio.Event(), asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, stop.set)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await wait_for_first(wake, None, stop, at_most=30)
        assert loop.time() - started < 10  # woken by ``stop``, not the 30 s timeout
        await asyncio.sleep(0)
        assert _waits_left() == set()

    asyncio.run(main())


def test_it_returns_after_the_timeout_when_nothing_happens() -> None:
    async def main() -> None:
        wake = asyncio.Event()
        await wait_for_first(wake, at_most=0.01)
        assert not wake.is_set()
        await asyncio.sleep(0)
        assert _waits_left() == set()

    asyncio.run(main())


def test_cancelling_the_caller_cancels_its_waits() -> None:
    async def main() -> None:
        sleeper = asyncio.create_task(wait_for_first(asyncio.Event(), at_most=30))
        await asyncio.sleep(0.01)
        sleeper.cancel()
        await asyncio.gather(sleeper, return_exceptions=True)
        await asyncio.sleep(0)
        assert _waits_left() == set()

    asyncio.run(main())


def test_with_no_event_it_sleeps_for_the_timeout() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await wait_for_first(None, None, at_most=0.05)
        assert loop.time() - started >= 0.04

    asyncio.run(main())
