"""Deterministic, physically plausible training history for sandbox athletes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from intervals_icu.sandbox.state import ActivityDetail, SandboxState

__all__ = ["generate_activity", "generate_history", "summarize"]


def generate_history(state: SandboxState, athlete_id: str, *, seed: int, years: float,
                     end: date | None = None) -> None:
    """Fill the athlete's store with activities, wellness, events, gear and sport settings."""
    return None


def generate_activity(state: SandboxState, athlete_id: str, *, rng_seed: int, when: datetime,
                      sport: str, source: str = "GARMIN_CONNECT") -> tuple[dict[str, Any],
                                                                           ActivityDetail]:
    """One new activity (not stored): its Activity dict and its detail (with the recipe)."""
    raise NotImplementedError


def summarize(streams: dict[str, Any], *, sport: str, sport_settings: dict[str, Any] | None,
              athlete: dict[str, Any]) -> dict[str, Any]:
    """The Activity summary fields computed from ``streams``."""
    raise NotImplementedError
