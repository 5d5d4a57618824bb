"""Fault injection: latency, errors per route, dropped connections, forced 429s."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FaultInjector", "FaultPlan", "FaultRule"]


@dataclass
class FaultRule:
    """Applies to requests whose ``METHOD /path`` matches ``route`` (fnmatch glob)."""

    route: str = "*"
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 500
    drop_rate: float = 0.0
    """Close the connection without an answer (the client sees a transport error)."""
    remaining: int | None = None
    """Apply to this many matching requests, then retire (None: until cleared)."""

    def matches(self, key: str) -> bool:
        return fnmatch.fnmatchcase(key, self.route)


@dataclass
class FaultPlan:
    latency: float = 0.0
    status: int | None = None
    drop: bool = False


@dataclass
class FaultInjector:
    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    injected: dict[str, int] = field(default_factory=lambda: {"errors": 0, "drops": 0})

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def plan(self, method: str, path: str) -> FaultPlan:
        key = f"{method} {path}"
        result = FaultPlan()
        with self._lock:
            for rule in list(self.rules):
                if not rule.matches(key):
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                result.latency += rule.latency_ms / 1000.0
                if result.status is None and rule.error_rate > 0 and (
                    self._rng.random() < rule.error_rate
                ):
                    result.status = rule.error_status
                    self.injected["errors"] += 1
                if not result.drop and rule.drop_rate > 0 and self._rng.random() < rule.drop_rate:
                    result.drop = True
                    self.injected["drops"] += 1
        return result

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(vars(rule)) for rule in self.rules]
