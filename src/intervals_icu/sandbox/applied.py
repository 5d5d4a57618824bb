"""The applied-writes log: every API write the sandbox carried out, in the order it did.

A client cannot always know what happened to its write (the answer was lost, the process was
killed); the sandbox can. Tests compare this log with what the client believes it did, e.g.
that every applied write is in the client's journal (``tests/test_fault_campaign.py``).

Only writes that succeeded (2xx) are logged: a refused write changed nothing. Changes made by
the sandbox's own methods (``device_import``, ``device_wellness``, seeding) are not API
writes and are not logged. ``sb.applied_writes()`` and ``GET /_sandbox/writes`` read it.
A long-running sandbox keeps the newest :data:`KEPT` entries (sequence numbers go on).
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KEPT", "AppliedWrites", "record_ids"]

KEPT = 100_000
"""Entries kept (about 50 MB at most): the oldest go first."""

# Path parameters that name the athlete or a response format, not a record.
_NOT_RECORDS = frozenset({"athleteId", "ext", "format"})


def _ids(value: Any) -> list[str]:
    """The ids a JSON value names at its top level: an object's ``id``, or each item's."""
    items = value if isinstance(value, list) else [value]
    return [str(item["id"]) for item in items
            if isinstance(item, dict) and item.get("id") is not None]


def record_ids(path: str, params: Mapping[str, str], body: Any, answer: Any) -> list[str]:
    """The records a write names: the record parameters of its path (``/events/{eventId}``,
    ``/activity/{id}/intervals``: not the athlete); for a write to a collection (no record
    in the path), the ids in its JSON body (bulk writes) and in its answer (what a create
    made). Without repeats."""
    named = [str(value) for name, value in params.items()
             if name not in _NOT_RECORDS
             and not (name == "id" and path.startswith("/api/v1/athlete/"))]
    if not named:
        named = _ids(body) + _ids(answer)
    return list(dict.fromkeys(named))


@dataclass
class AppliedWrites:
    """The log (thread-safe: requests are served from several threads)."""

    kept: int = KEPT
    entries: deque[dict[str, Any]] = field(init=False)
    _last_seq: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.entries = deque(maxlen=self.kept)

    def add(self, *, at: str, method: str, path: str, query: Mapping[str, str],
            operation_id: str, athlete_id: str, by: str, client_id: str | None, status: int,
            ids: list[str]) -> dict[str, Any]:
        """Log one applied write; returns its entry (the caller marks a lost answer on it)."""
        with self._lock:
            self._last_seq += 1
            entry: dict[str, Any] = {
                "seq": self._last_seq, "at": at, "method": method, "path": path,
                "query": dict(query), "operation_id": operation_id, "athlete_id": athlete_id,
                "by": by, "client_id": client_id, "status": status, "record_ids": ids,
                "answer_lost": False, "lost_status": None,
            }
            self.entries.append(entry)
            return entry

    def lost(self, entry: dict[str, Any], status: int | None) -> None:
        """The answer to ``entry``'s write was lost by fault injection (None: dropped)."""
        with self._lock:
            entry["answer_lost"] = True
            entry["lost_status"] = status

    def read(self, *, athlete_id: str | None = None, since: int = 0) -> list[dict[str, Any]]:
        """Copies of the entries after sequence number ``since``, of one athlete or all."""
        with self._lock:
            # Sequence numbers are contiguous: the entries after ``since`` start at a known
            # index (skipped in C, not compared one by one).
            first = self.entries[0]["seq"] if self.entries else 1
            after = itertools.islice(self.entries, max(0, since - first + 1), None)
            return [dict(e, query=dict(e["query"]), record_ids=list(e["record_ids"]))
                    for e in after
                    if athlete_id is None or e["athlete_id"] == athlete_id]
