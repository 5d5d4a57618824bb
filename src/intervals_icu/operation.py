"""The ``@operation`` marker: which spec operation a client method calls, written once.

The coverage test and ``docs/coverage.md`` are built from these marks, so a spec operation
without a method, or a sync/async method pair that differ, is found mechanically. While a
marked method runs, its operation is the default ``operation_id`` of the requests it builds
(``RequestSpec``), so the id is not written a second time in the body. A method that also
sends another operation names that one explicitly.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar, cast

__all__ = ["current_operation", "operation", "operations_of"]

P = ParamSpec("P")
R = TypeVar("R")

_CURRENT: ContextVar[str | None] = ContextVar("intervals_icu_operation", default=None)


def current_operation() -> str | None:
    """The operation of the marked method running now (None outside one)."""
    return _CURRENT.get()


def operation(operation_id: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a method as calling the spec operation ``operation_id``."""

    def mark(fn: Callable[P, R]) -> Callable[P, R]:
        if inspect.iscoroutinefunction(fn):
            run = cast(Callable[P, Awaitable[Any]], fn)

            @functools.wraps(fn)
            async def calling_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                token = _CURRENT.set(operation_id)
                try:
                    return await run(*args, **kwargs)
                finally:
                    _CURRENT.reset(token)

            marked = cast(Callable[P, R], calling_async)
        else:

            @functools.wraps(fn)
            def calling(*args: P.args, **kwargs: P.kwargs) -> R:
                token = _CURRENT.set(operation_id)
                try:
                    return fn(*args, **kwargs)
                finally:
                    _CURRENT.reset(token)

            marked = calling
        marked.__icu_operations__ = (operation_id,)  # type: ignore[attr-defined]
        return marked

    return mark


def operations_of(fn: object) -> tuple[str, ...]:
    found = getattr(fn, "__icu_operations__", ())
    return tuple(str(op) for op in found)
