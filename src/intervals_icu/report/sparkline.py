"""Sparklines: a series as one line of block characters, for tables (the roster table, and
any terminal table that wants a trend column)."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["BLOCKS", "sparkline"]

BLOCKS = "▁▂▃▄▅▆▇█"
GAP = " "


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def sparkline(values: Sequence[float | None], *, width: int | None = None) -> str:
    """One character per value (missing values are spaces), scaled between the series' own
    minimum and maximum. ``width`` squeezes a longer series into that many characters, each
    the mean of its share of values; a shorter one is not stretched."""
    points = list(values)
    if width is not None and width < 1:
        raise ValueError("a sparkline needs a width of at least 1")
    if width is not None and len(points) > width:
        squeezed: list[float | None] = []
        for index in range(width):
            share = [v for v in points[index * len(points) // width:
                                       (index + 1) * len(points) // width] if _finite(v)]
            squeezed.append(sum(share) / len(share) if share else None)  # type: ignore[arg-type]
        points = squeezed
    present = [float(v) for v in points if _finite(v)]  # type: ignore[arg-type]
    if not present:
        return GAP * len(points)
    low, high = min(present), max(present)
    span = high - low
    top = len(BLOCKS) - 1
    return "".join(
        GAP if not _finite(v) else
        BLOCKS[top // 2 if span == 0 else round((float(v) - low) / span * top)]  # type: ignore[arg-type]
        for v in points)
