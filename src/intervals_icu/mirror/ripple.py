"""The fitness ripple: which day an activity change moved the athlete's fitness from.

Fitness (``ctl``, ``atl``, ``rampRate`` in wellness, ``icu_ctl``/``icu_atl`` in later
activities) is computed from every activity's load, so an activity that appears, vanishes, or
whose load, type, duration or date changes moves every number from its day on. The store
saves that day (``sync_state.reread_from``) in the same transaction as the change, whichever
path stored it (a sync pass, the history scan, a webhook's ``refresh_activity``), and the
next run re-reads activities and wellness in full from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from intervals_icu.mirror.fingerprint import LOAD_FIELDS

__all__ = ["RIPPLE_KINDS", "earliest", "local_day", "ripple_day"]

RIPPLE_KINDS = ("activities", "wellness")
"""The kinds re-read from the ripple day (their records carry fitness numbers)."""


def local_day(value: Any) -> date | None:
    """The local date of an ISO date or date-time (``start_date_local``), or None."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def earliest(*days: date | None) -> date | None:
    """The oldest of the days given, ignoring None."""
    return min((d for d in days if d is not None), default=None)


def ripple_day(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *,
               covered_from: date | None, covered_to: date | None) -> date | None:
    """The day from which fitness moved when a stored activity went from ``before`` to
    ``after`` (None: absent or deleted), or None if it did not.

    An activity that appears on a day the mirror had already read completely
    (``covered_from..covered_to``) is new there: it ripples. One appearing outside (a first
    sync, a history being read) does not: nothing was read after it that it could have moved.
    """
    before_day = local_day((before or {}).get("start_date_local"))
    after_day = local_day((after or {}).get("start_date_local"))
    if after is None:
        return before_day if before is not None else None
    if before is None:
        covered = (after_day is not None and covered_from is not None
                   and covered_to is not None and covered_from <= after_day <= covered_to)
        return after_day if covered else None
    if any(before.get(f) != after.get(f) for f in LOAD_FIELDS):
        return earliest(before_day, after_day)
    return None
