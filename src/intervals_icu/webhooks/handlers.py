"""The user's handlers: registered once, on a :class:`HandlerRegistry` that the receiver (where
people register them: ``@receiver.on(...)``) and the workers (which run them) both take.

    registry = HandlerRegistry()

    @registry.on("ACTIVITY_UPLOADED")
    def new_ride(event, ctx): ...

A handler is ``def handler(event, ctx)`` or ``async def handler(event, ctx)``; ``ctx`` is a
:class:`HandlerContext` (the athlete's client, the inbox entry, the mirror).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from intervals_icu import AsyncClient, Client
from intervals_icu.errors import ConfigurationError
from intervals_icu.webhooks.apply import MirrorTarget
from intervals_icu.webhooks.clients import AthleteClients
from intervals_icu.webhooks.inbox import InboxEntry
from intervals_icu.webhooks.payloads import EventType, WebhookEvent

__all__ = ["RESERVED_STEPS", "Handler", "HandlerContext", "HandlerRegistration",
           "HandlerRegistry"]

RESERVED_STEPS = frozenset({"access", "mirror"})
"""Step names the worker records for its own work (not available to handlers)."""


@dataclass
class HandlerContext:
    """What a handler gets next to the event."""

    athlete_id: str
    entry: InboxEntry
    """The inbox row: ``id``, ``dedup_key``, ``deliveries``, ``attempts``..."""
    mirror: MirrorTarget | None
    _clients: AthleteClients = field(repr=False)
    _loop: asyncio.AbstractEventLoop = field(repr=False)
    _async_client: AsyncClient | None = field(default=None, repr=False)
    _client_error: Exception | None = field(default=None, repr=False)

    @property
    def dedup_key(self) -> str:
        return self.entry.dedup_key

    @property
    def attempt(self) -> int:
        """1 on the first run, 2 on the first retry..."""
        return self.entry.attempts + 1

    @property
    def client(self) -> Client:
        """A Client acting for the event's athlete (in sync handlers)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            future = asyncio.run_coroutine_threadsafe(
                self._clients.sync_client(self.athlete_id), self._loop)
            return future.result()
        raise ConfigurationError("in an async handler use ctx.async_client (an AsyncClient)")

    @property
    def async_client(self) -> AsyncClient:
        """An AsyncClient acting for the event's athlete (in async handlers)."""
        if self._async_client is None:
            if self._client_error is not None:
                raise self._client_error
            raise ConfigurationError("in a sync handler use ctx.client (a Client)")
        return self._async_client


Handler = Callable[[WebhookEvent, HandlerContext], object]
"""``def handler(event, ctx)`` or ``async def handler(event, ctx)``."""


@dataclass(frozen=True)
class HandlerRegistration:
    name: str
    """Unique: the inbox records each handler that succeeded under this name."""
    types: frozenset[str] | None
    """Event types it runs for; None means every type."""
    func: Handler

    @property
    def is_async(self) -> bool:
        func: object = self.func
        while isinstance(func, functools.partial):
            func = func.func
        return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
            getattr(func, "__call__", None))  # noqa: B004  (an object with async __call__)

    def wants(self, event_type: str) -> bool:
        return self.types is None or event_type in self.types


class HandlerRegistry:
    """The handlers, in registration order (the order a worker runs them in)."""

    def __init__(self) -> None:
        self._handlers: list[HandlerRegistration] = []

    def on(self, *types: str | EventType,
           name: str | None = None) -> Callable[[Handler], Handler]:
        """Register a handler for these event types (none given: every type).

        Handlers run in workers, after the mirror was updated, once per distinct event; a
        handler that raises is retried with backoff, and only the handlers that failed run
        again."""
        def register(func: Handler) -> Handler:
            self.add(func, *types, name=name)
            return func

        return register

    def add(self, func: Handler, *types: str | EventType,
            name: str | None = None) -> HandlerRegistration:
        if not callable(func):
            raise ConfigurationError("a handler must be callable: def handler(event, ctx)")
        for kind in types:
            if not isinstance(kind, str) or not kind.strip():
                raise ConfigurationError(f"not an event type: {kind!r}")
        label = name or f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"
        if label in RESERVED_STEPS or any(h.name == label for h in self._handlers):
            raise ConfigurationError(
                f"a handler named {label!r} is already registered: pass name='...' to tell "
                "them apart (the inbox records which handlers succeeded by name)"
            )
        registration = HandlerRegistration(
            name=label, types=frozenset(str(t) for t in types) if types else None, func=func)
        self._handlers.append(registration)
        return registration

    def for_type(self, event_type: str) -> list[HandlerRegistration]:
        """The handlers that run for ``event_type``, in order."""
        return [h for h in self._handlers if h.wants(event_type)]

    def __iter__(self) -> Iterator[HandlerRegistration]:
        return iter(list(self._handlers))

    def __len__(self) -> int:
        return len(self._handlers)

    def __repr__(self) -> str:
        return f"HandlerRegistry({[h.name for h in self._handlers]!r})"
