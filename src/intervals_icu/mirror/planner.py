"""Which date ranges a sync reads, from the saved positions (pure functions, no I/O).

A stream's position is the range of local days ``[covered_from, covered_to]`` that was read
completely, ``covered_to`` being the athlete's "today" at that read. A run reads:

* ``recent``: from ``covered_to - lookback`` to the top (edits to recent records, new ones);
* ``backfill``: what is still below ``covered_from`` (a first sync, or one that was killed);
* ``deep``: everything, instead of both (finds every edit and deletion).

Reads go newest first, so the newest data lands first and a killed backfill resumes where it
stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

__all__ = ["EPOCH", "MirrorSettings", "Pass", "merge_coverage", "plan_passes"]

EPOCH = date(1970, 1, 1)
"""The floor of an activity history: activities are read back to here (page by page)."""

Role = Literal["recent", "backfill", "deep"]


@dataclass(frozen=True)
class MirrorSettings:
    """How much a sync re-reads and how it pages. The defaults suit a few runs a day."""

    lookback_days: int = 14
    """Every run re-reads this many days before the last run's "today" in full."""
    scan_history: bool = True
    """Every run also re-lists the rest of the history in a light projection (a few
    requests) and re-reads in full only the activities whose projection changed: edits and
    deletions of months-old activities are found by the next incremental sync."""
    page_size: int = 500
    """Activities per list request (the list is newest first; paging is by date)."""
    scan_page_size: int = 5000
    """Activities per request of the light history scan (a few hundred bytes each)."""
    settings_refresh_hours: float = 24.0
    """Incremental syncs re-read gear, and the profile with its sport settings when the
    athlete id is known, at most this often (deep and first syncs always do; 0: every run)."""
    window_days: int = 365
    """Days per wellness/events request."""
    activities_ahead_days: int = 2
    """Activities are read up to today + this (time-zone slack for "today")."""
    events_ahead_days: int = 180
    """Planned events are read up to today + this; deep reads further (see docs)."""
    deep_events_ahead_days: int = 3 * 365
    details_batch: int = 50
    """Activities per ``get_many(intervals=True)`` request."""
    concurrency: int = 8
    """Detail requests in flight at once (the client's pacing still applies)."""
    athlete_concurrency: int = 2
    """Athletes of a roster synced at once."""

    def __post_init__(self) -> None:
        from intervals_icu.errors import InvalidRequestError

        for name in ("page_size", "scan_page_size", "window_days", "details_batch", "concurrency",
                     "athlete_concurrency"):
            if getattr(self, name) < 1:
                raise InvalidRequestError(f"MirrorSettings.{name} must be at least 1")
        if self.lookback_days < 0:
            raise InvalidRequestError("MirrorSettings.lookback_days cannot be negative")


@dataclass(frozen=True)
class Pass:
    """Read ``oldest..newest`` (local days, inclusive), newest first."""

    oldest: date
    newest: date
    role: Role


def plan_passes(
    *,
    covered_from: date | None,
    covered_to: date | None,
    floor: date,
    top: date,
    today: date,
    lookback_days: int,
    deep: bool,
    also_from: date | None = None,
) -> list[Pass]:
    """The passes a stream needs this run; ``floor`` is where its history starts.

    ``also_from`` stretches the recent pass back to that day (e.g. wellness, whose fitness
    numbers move when an older activity changed).
    """
    if deep:
        return [Pass(floor, top, "deep")]
    if covered_to is None or covered_from is None:
        return [Pass(floor, top, "backfill")]
    recent_from = max(floor, min(covered_to, today) - timedelta(days=lookback_days))
    if also_from is not None:
        recent_from = max(floor, min(recent_from, also_from))
    passes = [Pass(min(recent_from, top), top, "recent")]
    if covered_from > floor:
        passes.append(Pass(floor, covered_from - timedelta(days=1), "backfill"))
    return passes


def merge_coverage(
    covered_from: date | None,
    covered_to: date | None,
    oldest: date,
    newest: date,
    today: date,
) -> tuple[date | None, date | None]:
    """The position after ``oldest..newest`` was read completely (at ``today``).

    Only days up to today count (``covered_to`` is a "today"); a read of future days alone
    claims nothing. Contiguous or overlapping ranges merge; otherwise the range just read
    wins when it reaches the newer end (a disconnected older claim is dropped and will be
    backfilled again).
    """
    newest = min(newest, today)
    if oldest > newest:
        return covered_from, covered_to
    if covered_from is None or covered_to is None:
        return oldest, newest
    if oldest <= covered_to + timedelta(days=1) and newest >= covered_from - timedelta(days=1):
        return min(covered_from, oldest), max(covered_to, newest)
    if newest >= covered_to:
        return oldest, newest
    return covered_from, covered_to
