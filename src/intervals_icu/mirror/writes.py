"""API records as the writes the store takes: the record as stored, its typed columns, its
fingerprint (and, for activities, the detail fingerprint)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from intervals_icu.mirror.fingerprint import detail_fingerprint, fingerprint
from intervals_icu.mirror.records import (
    SECRET_ATHLETE_FIELDS,
    activity_row,
    athlete_row,
    event_row,
    gear_row,
    parse_local_datetime,
    sport_settings_row,
    to_record,
    wellness_row,
)
from intervals_icu.mirror.store import RecordWrite

__all__ = ["DETAIL_KEYS", "activity_write", "event_write", "gear_write", "profile_writes",
           "summary_write", "wellness_write"]

DETAIL_KEYS = ("icu_intervals", "icu_groups")
"""Activity keys that are details (stored in ``intervals``), not part of the summary."""


def summary_write(activity: BaseModel | Mapping[str, Any]) -> RecordWrite:
    """An activity as the API returned it (a model or a dict), ready to store."""
    # The client's models say it (a Strava activity is a StravaActivityStub, whose
    # is_strava_stub is True); a dict never is one.
    return activity_write(to_record(activity), getattr(activity, "is_strava_stub", False) is True)


def activity_write(record: Mapping[str, Any], is_stub: bool) -> RecordWrite:
    summary = {k: v for k, v in record.items() if k not in DETAIL_KEYS}
    return RecordWrite(
        str(summary["id"]), summary, activity_row(summary, is_strava_stub=is_stub),
        fingerprint(summary), extra={"detail_fingerprint": detail_fingerprint(summary)},
    )


def event_write(record: Mapping[str, Any]) -> RecordWrite:
    """Events and wellness carry ``updated``; the hash of the whole record also catches
    computed fields that change without it (fitness recomputed)."""
    return RecordWrite(int(record["id"]), dict(record), event_row(record), fingerprint(record))


def wellness_write(record: Mapping[str, Any]) -> RecordWrite | None:
    """A wellness record keyed by its local day (None without a readable ``id``)."""
    moment = parse_local_datetime(record.get("id"))
    if moment is None:
        return None
    return RecordWrite(moment.date(), dict(record), wellness_row(record), fingerprint(record))


def gear_write(record: Mapping[str, Any]) -> RecordWrite | None:
    if record.get("id") is None:
        return None
    return RecordWrite(str(record["id"]), dict(record), gear_row(record), fingerprint(record))


def profile_writes(athlete_id: str, profile: Mapping[str, Any], *, is_self: bool | None
                   ) -> tuple[RecordWrite, list[RecordWrite]]:
    """The athlete (without secrets and without ``sportSettings``) and each sport setting."""
    record = {k: v for k, v in profile.items()
              if k not in SECRET_ATHLETE_FIELDS and k != "sportSettings"}
    extra = {"is_self": is_self} if is_self is not None else {}
    athlete = RecordWrite(athlete_id, record, athlete_row(record), fingerprint(record),
                          extra=extra)
    settings = [RecordWrite(int(s["id"]), dict(s), sport_settings_row(s), fingerprint(s))
                for s in profile.get("sportSettings") or [] if s.get("id") is not None]
    return athlete, settings
