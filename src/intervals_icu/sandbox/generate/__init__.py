"""Deterministic, physically plausible training history for sandbox athletes."""

from __future__ import annotations

from datetime import date

from intervals_icu.sandbox.state import SandboxState

__all__ = ["generate_history"]


def generate_history(state: SandboxState, athlete_id: str, *, seed: int, years: float,
                     end: date | None = None) -> None:
    """Fill the athlete's store with activities, wellness, events, gear and sport settings."""
    return None
