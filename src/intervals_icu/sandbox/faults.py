"""Fault injection: latency, errors per route, dropped connections, forced 429s, and answers
lost after the request was applied."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import itertools
import random
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

__all__ = [
    "FaultInjector",
    "FaultPlan",
    "FaultRule",
    "drop_connections",
    "dropped_connection_handler",
]

RETIRED_KEPT = 50
"""Retired rules remembered (their fired counts stay visible on the dashboard)."""


@dataclass
class FaultRule:
    """Applies to requests whose ``METHOD /path`` matches ``route`` (fnmatch glob)."""

    route: str = "*"
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 500
    drop_rate: float = 0.0
    """Close the connection without an answer (the client sees a transport error)."""
    lose_answer_rate: float = 0.0
    """Apply the request, then lose its answer (a proxy that timed out, a connection reset
    on the way back): the change is made but the client cannot know it."""
    lose_answer_status: int | None = None
    """How the answer is lost: None drops the connection; a status (e.g. 502) answers that
    instead of the real answer."""
    remaining: int | None = None
    """Apply to this many matching requests, then retire (None: until cleared)."""
    id: int = field(default_factory=int, init=False)
    """Given when the rule is added (1, 2, ...), so a retired rule can still be named."""
    matched: int = field(default_factory=int, init=False)
    """Requests the rule matched."""
    fired: int = field(default_factory=int, init=False)
    """Requests the rule changed: delayed, answered with an error, dropped, answer lost."""

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate", "lose_answer_rate"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"fault {name} must be a probability from 0 to 1, not {value!r}")
        if not isinstance(self.latency_ms, (int, float)) or self.latency_ms < 0:
            raise ValueError(f"fault latency_ms must be >= 0, not {self.latency_ms!r}")
        if not isinstance(self.error_status, int) or not 400 <= self.error_status <= 599:
            raise ValueError(
                f"fault error_status must be an HTTP error status (400-599), not "
                f"{self.error_status!r}"
            )
        if self.lose_answer_status is not None and (
            not isinstance(self.lose_answer_status, int)
            or not 400 <= self.lose_answer_status <= 599
        ):
            raise ValueError(f"fault lose_answer_status must be an HTTP error status (400-599) "
                             f"or None to drop the connection, not {self.lose_answer_status!r}")
        if self.remaining is not None and (
            not isinstance(self.remaining, int) or self.remaining < 1
        ):
            raise ValueError(f"fault count must be a whole number >= 1, not {self.remaining!r}")
        if not isinstance(self.route, str) or not self.route:
            raise ValueError("fault route must be a glob like 'GET /api/v1/athlete/*' or '*'")

    def matches(self, key: str) -> bool:
        return fnmatch.fnmatchcase(key, self.route)


@dataclass
class FaultPlan:
    latency: float = 0.0
    status: int | None = None
    drop: bool = False
    lose_answer: bool = False
    """Apply the request, then answer ``lost_status`` (None: drop the connection)."""
    lost_status: int | None = None


@dataclass
class FaultInjector:
    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    injected: dict[str, int] = field(default_factory=lambda: {"errors": 0, "drops": 0,
                                                              "lost_answers": 0})
    retired: deque[FaultRule] = field(default_factory=lambda: deque(maxlen=RETIRED_KEPT),
                                      repr=False)
    """Rules that used up their ``count`` or were cleared, newest last (for the dashboard)."""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            rule.id = next(self._ids)
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.retired.extend(self.rules)
            self.rules.clear()

    def plan(self, method: str, path: str) -> FaultPlan:
        key = f"{method} {path}"
        result = FaultPlan()
        with self._lock:
            for rule in list(self.rules):
                if not rule.matches(key):
                    continue
                rule.matched += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                        self.retired.append(rule)
                fired = rule.latency_ms > 0
                result.latency += rule.latency_ms / 1000.0
                if result.status is None and rule.error_rate > 0 and (
                    self._rng.random() < rule.error_rate
                ):
                    result.status = rule.error_status
                    self.injected["errors"] += 1
                    fired = True
                if not result.drop and rule.drop_rate > 0 and self._rng.random() < rule.drop_rate:
                    result.drop = True
                    self.injected["drops"] += 1
                    fired = True
                if not result.lose_answer and rule.lose_answer_rate > 0 and (
                    self._rng.random() < rule.lose_answer_rate
                ):
                    result.lose_answer = True
                    result.lost_status = rule.lose_answer_status
                    self.injected["lost_answers"] += 1
                    fired = True
                rule.fired += int(fired)
        return result

    def describe(self) -> list[dict[str, Any]]:
        """The rules armed now."""
        with self._lock:
            return [dict(vars(rule)) for rule in self.rules]

    def history(self) -> dict[str, Any]:
        """Armed and retired rules (each with ``active``, ``matched`` and ``fired``) and the
        totals injected since the sandbox was seeded."""
        with self._lock:
            rules = [{**vars(rule), "active": True} for rule in self.rules]
            rules += [{**vars(rule), "active": False} for rule in self.retired]
            return {"rules": sorted(rules, key=lambda r: r["id"]),
                    "injected": dict(self.injected)}


# -- dropped connections on a real socket -------------------------------------------------------
#
# A dropped connection must look like one to the client: no status line at all. In-process,
# the transport turns the app's DroppedConnection into httpx.RemoteProtocolError. Under
# uvicorn an exception would become a 500, so the live server wraps the app: the exception
# handler marks the request as dropped and the wrapper aborts the socket instead of sending.

_SERVED_LIVE = "icu.served_live"
_DROPPED = "icu.dropped"

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def drop_connections(app: ASGIApp) -> ASGIApp:
    """Wrap the sandbox app for a real server so injected drops close the socket."""

    async def served(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        scope[_SERVED_LIVE] = True

        async def guarded_send(message: dict[str, Any]) -> None:
            if scope.get(_DROPPED):
                _abort(send)
                # Let the event loop deliver connection_lost, so the server does not try to
                # answer on the aborted socket.
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                return
            await send(message)

        # A client that gave up (e.g. its timeout during injected latency) is not an error.
        with contextlib.suppress(ClientDisconnect):
            await app(scope, receive, guarded_send)

    return served


async def dropped_connection_handler(request: Request, exc: Exception) -> Response:
    """Starlette exception handler for DroppedConnection (see drop_connections)."""
    if not request.scope.get(_SERVED_LIVE):
        raise exc  # in-process: the transport turns it into a transport error
    request.scope[_DROPPED] = True
    return Response(b"", status_code=500)


def _abort(send: Any) -> None:
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and not transport.is_closing():
        transport.abort()
