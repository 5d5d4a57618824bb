"""Seed data: deterministic, physically plausible training history for sandbox athletes.

``seed_world`` makes the coach, athletes, stranger and OAuth app; ``generate_history`` seeds
an athlete's whole store; ``generate_activity`` builds one new activity (simulated device
imports). What the platform does with the data at run time (summaries, intervals, fitness)
is in :mod:`intervals_icu.sandbox.platform`. See docs/sandbox-data.md.
"""

from __future__ import annotations

from intervals_icu.sandbox.generate.activities import generate_activity
from intervals_icu.sandbox.generate.history import generate_history

__all__ = ["generate_activity", "generate_history"]
