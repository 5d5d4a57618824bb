"""Find work and recovery intervals in an activity's streams (power, pace or heart rate)."""

from __future__ import annotations

from typing import Any

__all__ = ["detect_intervals"]


def detect_intervals(
    streams: dict[str, Any], *, sport: str, ftp: int | None, lthr: int | None,
    max_hr: int | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(intervals, groups)`` as the API's Interval and IntervalGroup dicts."""
    return [], []
