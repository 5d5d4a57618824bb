"""What the sandbox has been answering, per second: the traffic the dashboard draws.

Counts every request that goes through the API's pipeline (faults and rate limit included,
OAuth and the spec document too), never the control API or the dashboard itself, so watching
the sandbox does not change what is watched. Seconds are whole seconds of a monotonic clock
(real time, not the sandbox clock: a frozen sandbox clock still serves requests).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TrafficMeter"]

WINDOW = 60
"""Seconds of history kept (and drawn)."""


@dataclass
class _Second:
    second: int
    requests: int = 0
    rate_limited: int = 0
    client_errors: int = 0
    server_errors: int = 0
    dropped: int = 0


class TrafficMeter:
    """Counts answers by kind for the last :data:`WINDOW` seconds, and in total."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._seconds: deque[_Second] = deque(maxlen=WINDOW)
        self._totals = _Second(second=0)

    def record(self, status: int | None) -> None:
        """One answer: its HTTP status, or None when the connection was dropped."""
        now = int(self._monotonic())
        with self._lock:
            if not self._seconds or self._seconds[-1].second != now:
                self._seconds.append(_Second(second=now))
            for bucket in (self._seconds[-1], self._totals):
                bucket.requests += 1
                if status is None:
                    bucket.dropped += 1
                elif status == 429:
                    bucket.rate_limited += 1
                elif 400 <= status < 500:
                    bucket.client_errors += 1
                elif status >= 500:
                    bucket.server_errors += 1

    def describe(self) -> dict[str, Any]:
        """``per_second``: the last WINDOW seconds, oldest first, ``ago`` 0 being the second
        now under way; ``requests_per_second``: the last complete second's count."""
        now = int(self._monotonic())
        with self._lock:
            found = {s.second: s for s in self._seconds if now - s.second < WINDOW}
            totals = _counts(self._totals)
        series = []
        for ago in range(WINDOW - 1, -1, -1):
            bucket = found.get(now - ago)
            series.append({"ago": ago, **(_counts(bucket) if bucket else _counts(None))})
        return {
            "window_seconds": WINDOW,
            "requests_per_second": series[-2]["requests"],
            "peak_per_second": max(s["requests"] for s in series),
            "per_second": series,
            "totals": totals,
        }


def _counts(bucket: _Second | None) -> dict[str, int]:
    if bucket is None:
        return {"requests": 0, "rate_limited": 0, "client_errors": 0, "server_errors": 0,
                "dropped": 0}
    return {"requests": bucket.requests, "rate_limited": bucket.rate_limited,
            "client_errors": bucket.client_errors, "server_errors": bucket.server_errors,
            "dropped": bucket.dropped}
