"""Write hooks: what the client calls around every write, and all it knows of the features
built on them (the journal is one).

A hook sees a write three times:

1. :meth:`WriteHook.reads_before` (pure): the reads that show the records the write is about
   to change. The client sends them and passes the answers on.
2. :meth:`WriteHook.before_write`: the write is about to be sent. A journal stores it here,
   *before* it goes (write-ahead), so a write whose answer is lost is still known.
3. :meth:`WriteHook.after_write`: how it ended: ``applied`` (the answer), ``not_applied`` (the
   server refused it, or it never left this machine) or ``uncertain`` (it was sent and no
   answer came: it may have been applied).

``Client`` takes sync hooks; ``AsyncClient`` takes async ones, or sync ones which it runs in
a worker thread so that their I/O never blocks the event loop (:func:`to_async_hook`).
Nothing here knows HTTP libraries: calls and answers are plain data.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias, runtime_checkable

from intervals_icu import errors

__all__ = [
    "AnyWriteHook",
    "AsyncWriteHook",
    "JSONValue",
    "ReadCall",
    "WriteCall",
    "WriteHook",
    "WriteOutcome",
    "WriteState",
    "to_async_hook",
    "to_sync_hook",
]

JSONValue: TypeAlias = (
    "dict[str, JSONValue] | list[JSONValue] | str | int | float | bool | None"
)
"""What a JSON document parses to."""

WriteState = Literal["applied", "not_applied", "uncertain"]


@dataclass(frozen=True)
class WriteCall:
    """One write as the client is about to send it."""

    method: str
    path: str
    """From the base URL on, e.g. ``/api/v1/athlete/0/events/42``."""
    operation_id: str | None
    """The spec's operationId (None for a raw call that did not name one)."""
    athlete_id: str
    """The athlete the writing client acts for ("0": the owner of the credentials)."""
    params: Mapping[str, object] = field(default_factory=dict)
    """Query parameters as given (dates, bools, lists: not yet encoded)."""
    body: JSONValue = None
    """The JSON body (None for forms and file uploads)."""
    form: Mapping[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    """The names of uploaded file parts (their content is not shown to hooks)."""


@dataclass(frozen=True)
class ReadCall:
    """A GET a hook wants answered before a write is sent."""

    path: str
    operation_id: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteOutcome:
    """How a write ended."""

    state: WriteState
    status: int | None = None
    """The HTTP status of the answer (None when none came)."""
    body: JSONValue = None
    """The parsed JSON answer, when there was one."""
    note: str = ""
    """What the client concluded, e.g. "deleted (an earlier attempt applied)" or the error."""


@runtime_checkable
class WriteHook(Protocol):
    """Called by ``Client`` around every write (see the module docs)."""

    def reads_before(self, call: WriteCall) -> Sequence[ReadCall]:
        """The reads whose answers ``before_write`` needs (pure: no I/O)."""
        ...

    def before_write(self, call: WriteCall, before: Sequence[JSONValue]) -> object:
        """The write is about to be sent; ``before`` holds the answers of ``reads_before``
        (None for a record that does not exist). Returns a token for ``after_write``."""
        ...

    def after_write(self, token: object, outcome: WriteOutcome) -> None:
        """How the write that ``token`` stands for ended."""
        ...


@runtime_checkable
class AsyncWriteHook(Protocol):
    """Called by ``AsyncClient`` around every write (see :class:`WriteHook`)."""

    def reads_before(self, call: WriteCall) -> Sequence[ReadCall]:
        ...

    async def before_write(self, call: WriteCall, before: Sequence[JSONValue]) -> object:
        ...

    async def after_write(self, token: object, outcome: WriteOutcome) -> None:
        ...


AnyWriteHook: TypeAlias = "WriteHook | AsyncWriteHook"
"""A hook of either kind (a client keeps the hooks it was given, for its copies)."""


def _is_async(hook: object) -> bool:
    return inspect.iscoroutinefunction(getattr(hook, "before_write", None))


class _InWorkerThread:
    """A sync hook for ``AsyncClient``: its calls run in a worker thread (with the caller's
    context variables, so a batch opened by the calling task is the one written to)."""

    def __init__(self, hook: WriteHook) -> None:
        self.hook = hook

    def reads_before(self, call: WriteCall) -> Sequence[ReadCall]:
        return self.hook.reads_before(call)

    async def before_write(self, call: WriteCall, before: Sequence[JSONValue]) -> object:
        return await asyncio.to_thread(self.hook.before_write, call, before)

    async def after_write(self, token: object, outcome: WriteOutcome) -> None:
        await asyncio.to_thread(self.hook.after_write, token, outcome)

    def __repr__(self) -> str:
        return f"{self.hook!r} (in a worker thread)"


def to_async_hook(hook: WriteHook | AsyncWriteHook) -> AsyncWriteHook:
    """``hook`` as ``AsyncClient`` calls it: async hooks as they are, sync hooks in a thread."""
    if _is_async(hook):
        return hook  # type: ignore[return-value]
    if not isinstance(hook, WriteHook):
        raise errors.ConfigurationError(
            f"{hook!r} is not a write hook: it needs reads_before, before_write and after_write "
            "(see intervals_icu.hooks)"
        )
    return _InWorkerThread(hook)


def to_sync_hook(hook: WriteHook | AsyncWriteHook) -> WriteHook:
    """``hook`` as ``Client`` calls it: it must be a sync hook."""
    if _is_async(hook) or not isinstance(hook, WriteHook):
        raise errors.ConfigurationError(
            f"{hook!r} is not a sync write hook: Client calls before_write/after_write "
            "directly; give async hooks to AsyncClient"
        )
    return hook
