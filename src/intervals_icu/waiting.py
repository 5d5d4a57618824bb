"""Idle loops that wake on news: wait for the first of some events, or a timeout (the
webhook worker and the fleet's workers sleep so between rounds)."""

from __future__ import annotations

import asyncio

__all__ = ["wait_for_first"]


async def wait_for_first(*events: asyncio.Event | None, at_most: float) -> None:
    """Return once any of ``events`` is set or ``at_most`` seconds have passed (``None``
    entries are skipped). The waits left over are cancelled, also when this is."""
    waits = [asyncio.ensure_future(event.wait()) for event in events if event is not None]
    if not waits:
        await asyncio.sleep(at_most)
        return
    try:
        await asyncio.wait(waits, timeout=at_most, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
