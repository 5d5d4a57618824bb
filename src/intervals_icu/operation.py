"""The ``@operation`` marker: which spec operation a client method calls.

The coverage test and ``docs/coverage.md`` are built from these marks, so a spec operation
without a method, or a sync/async method pair that differ, is found mechanically.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["operation", "operations_of"]

F = TypeVar("F", bound=Callable[..., Any])


def operation(*operation_ids: str) -> Callable[[F], F]:
    """Mark a method as calling the given spec operation(s)."""

    def mark(fn: F) -> F:
        fn.__icu_operations__ = operation_ids  # type: ignore[attr-defined]
        return fn

    return mark


def operations_of(fn: Any) -> tuple[str, ...]:
    return tuple(getattr(fn, "__icu_operations__", ()))
