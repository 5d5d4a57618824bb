"""Deterministic, physically plausible training history for sandbox athletes.

``generate_history`` seeds an athlete's whole store; ``generate_activity`` builds one new
activity (simulated device imports); ``summarize`` computes an Activity's summary fields
from its streams (uploads and stream edits use it too). See docs/sandbox-data.md.
"""

from __future__ import annotations

from intervals_icu.sandbox.generate.activities import generate_activity
from intervals_icu.sandbox.generate.history import generate_history
from intervals_icu.sandbox.generate.summary import summarize

__all__ = ["generate_activity", "generate_history", "summarize"]
