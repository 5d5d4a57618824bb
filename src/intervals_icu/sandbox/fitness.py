"""Fitness (CTL), fatigue (ATL) and ramp rate on wellness records, from activities' load."""

from __future__ import annotations

from datetime import date

from intervals_icu.sandbox.state import SandboxState

__all__ = ["recompute_fitness"]


def recompute_fitness(state: SandboxState, athlete_id: str, since: date | None = None) -> None:
    """Recompute ctl/atl/rampRate/ctlLoad/atlLoad/sportInfo from ``since`` to local today."""
    return None
