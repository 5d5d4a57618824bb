"""Per-client-address rate limiting, like the platform's 10 requests/s with a short burst
(API-NOTES §6.1): a token bucket per address, refilled at ``rate_limit_per_second`` up to
``rate_limit_burst``. Over it, the app answers 429 ``{"status": 429, "error": "Too many
requests"}`` (``Retry-After`` only with ``rate_limit_retry_after``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from intervals_icu.sandbox.options import SandboxOptions

__all__ = ["RateLimiter"]


class RateLimiter:
    def __init__(self, options: Callable[[], SandboxOptions],
                 monotonic: Callable[[], float]) -> None:
        self._options = options
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self.rejected = 0
        """How many requests were answered 429 (the control API shows it)."""
        self._forced: list[int] = []
        """Pending forced 429s (a fault: "the next N requests get 429")."""

    def force(self, count: int) -> None:
        """Answer the next ``count`` requests with 429, whatever the limit says."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"rate_limit_burst needs a whole number >= 1, not {count!r}")
        with self._lock:
            self._forced.append(count)

    def check(self, client: str) -> float | None:
        """None if the request may go on; otherwise the seconds until a token is free."""
        opts = self._options()
        with self._lock:
            if self._forced:
                self._forced[0] -= 1
                if self._forced[0] <= 0:
                    self._forced.pop(0)
                self.rejected += 1
                return 1.0 / max(opts.rate_limit_per_second, 1e-9)
            if not opts.rate_limit_enabled:
                return None
            now = self._monotonic()
            tokens, updated = self._buckets.get(client, (float(opts.rate_limit_burst), now))
            tokens = min(float(opts.rate_limit_burst),
                         tokens + (now - updated) * opts.rate_limit_per_second)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return None
            self._buckets[client] = (tokens, now)
            self.rejected += 1
            return (1.0 - tokens) / opts.rate_limit_per_second

    def describe(self) -> dict[str, Any]:
        """The limit, the 429s so far, forced 429s still to come, and each address's bucket
        as it stands now (refilled up to this moment; reading it changes nothing)."""
        opts = self._options()
        now = self._monotonic()
        with self._lock:
            buckets = [
                {"address": address,
                 "tokens": round(min(float(opts.rate_limit_burst),
                                     tokens + (now - updated) * opts.rate_limit_per_second), 3)}
                for address, (tokens, updated) in sorted(self._buckets.items())
            ]
            return {
                "enabled": opts.rate_limit_enabled,
                "per_second": opts.rate_limit_per_second,
                "burst": opts.rate_limit_burst,
                "rejected": self.rejected,
                "forced_pending": sum(self._forced),
                "buckets": buckets,
            }

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._forced.clear()
            self.rejected = 0
