"""The write journal: every write a client makes, with the record before and after.

``Client(..., journal=journal)`` calls :meth:`WriteJournal.before_request` before each write
(to learn which GET reads the record it changes) and :meth:`WriteJournal.record` after it.
The CLI's ``--dry-run``, ``icu journal`` and ``icu undo`` are built on this.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import httpx

from intervals_icu._http import RequestSpec

__all__ = ["WriteJournal"]


@runtime_checkable
class WriteJournal(Protocol):
    def before_request(self, spec: RequestSpec) -> RequestSpec | None:
        """The GET that reads what ``spec`` is about to change, or None."""

    def record(self, spec: RequestSpec, *, before: Any, response: httpx.Response,
               athlete_id: str) -> None:
        """Store one write: what was sent, the record before, and the server's answer."""
