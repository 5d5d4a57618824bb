"""Group commit: many concurrent deliveries, one transaction.

Each request hands its events to one writer thread and waits; the thread takes everything
queued, stores it in one transaction, commits once, then releases every waiting request.
Under load the cost of a commit (the fsync that makes an acknowledgement durable) is
shared by all the requests that arrived while the previous commit was running; when idle a
delivery commits alone, with no added delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intervals_icu.webhooks.inbox import Inbox, StoreResult

__all__ = ["GroupCommitWriter"]

logger = logging.getLogger("intervals_icu.webhooks")


@dataclass
class _Pending:
    events: Sequence[Mapping[str, Any]]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[StoreResult]


_STOP = object()


class GroupCommitWriter:
    """Stores deliveries for the receiver; ``await writer.store(events)`` returns once the
    events are committed (or raises if the commit failed: the caller answers 503 and the
    platform retries)."""

    def __init__(self, inbox: Inbox, *, max_batch: int = 512) -> None:
        self.inbox = inbox
        self.max_batch = max(1, max_batch)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.commits = 0
        """Transactions committed (benchmarks compare it with the number of deliveries)."""
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` (from the writer thread) after each commit that stored new
        events: workers in the same process wake up instead of waiting for their poll."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="icu-webhook-writer",
                                                daemon=True)
                self._thread.start()

    async def store(self, events: Sequence[Mapping[str, Any]]) -> StoreResult:
        self._ensure_started()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[StoreResult] = loop.create_future()
        self._queue.put(_Pending(events, loop, future))
        return await future

    def close(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the thread."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._queue.put(_STOP)
            thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[_Pending] = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            results = self.inbox.store_many([p.events for p in batch])
        except Exception as exc:
            if len(batch) > 1:
                # One bad delivery must not fail the others: commit each on its own.
                for pending in batch:
                    self._commit([pending])
                return
            logger.error("webhook inbox commit failed (%d delivery answered 503): %s",
                         len(batch), type(exc).__name__)
            _settle([(pending, None, exc) for pending in batch])
            return
        self.commits += 1
        _settle([(pending, result, None) for pending, result in zip(batch, results, strict=True)])
        if any(result.new for result in results):
            for listener in list(self._listeners):
                try:
                    listener()
                except Exception:  # a listener must not break storing
                    logger.exception("webhook writer listener failed")


_Outcome = tuple[_Pending, StoreResult | None, BaseException | None]


def _settle(outcomes: list[_Outcome]) -> None:
    """Release the waiting requests: one wake-up per event loop, not one per request."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, items in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody is waiting
            loop.call_soon_threadsafe(_settle_in_loop, items)


def _settle_in_loop(items: list[_Outcome]) -> None:
    for pending, result, exception in items:
        if pending.future.done():  # the request was cancelled (client went away)
            continue
        if exception is not None:
            pending.future.set_exception(exception)
        else:
            assert result is not None
            pending.future.set_result(result)
