"""The mirror's one writer thread: every store call of a sync or a refresh goes through it,
in order, so the event loop never blocks on the database and writes never interleave."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from intervals_icu.mirror.store import Store

__all__ = ["StoreThread"]

P = ParamSpec("P")
T = TypeVar("T")


class StoreThread:
    """``await thread.run(thread.store.apply_records, ...)`` runs one store call on the
    writer thread and returns its result."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icu-mirror-db")

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        self._executor.shutdown(wait=True)
