"""From API records to table rows: the typed columns of each table, read off the JSON record.

The record itself is stored whole (``record`` column) in the form the client's models dump it
(wire names, only the keys the server sent), so a record read twice gives the same JSON and
the same fingerprint. Secrets the platform includes in an athlete profile (the athlete's own
API key) are removed before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel

from intervals_icu.secret import SECRET_NAMES

__all__ = [
    "ROW_BUILDERS",
    "SECRET_ATHLETE_FIELDS",
    "activity_row",
    "athlete_row",
    "event_row",
    "gear_row",
    "interval_rows",
    "parse_local_datetime",
    "parse_stamp",
    "sport_settings_row",
    "to_record",
    "wellness_row",
]

SECRET_ATHLETE_FIELDS = SECRET_NAMES  # what a secret is: intervals_icu.secret


def to_record(value: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON record of a model (wire names, only the keys the server sent with a value:
    the platform writes unset fields as null, which says nothing more than leaving them out)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True,
                                exclude_none=True)
    return dict(value)


def parse_stamp(value: Any) -> datetime | None:
    """A server timestamp as an aware UTC datetime (None when absent or unreadable)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]  # "+0000" -> "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_local_datetime(value: Any) -> datetime | None:
    """A local date-time without zone (``start_date_local``), naive."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


def _local_date(value: Any) -> date | None:
    moment = parse_local_datetime(value)
    return moment.date() if moment else None


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def athlete_row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": _str(record.get("name")),
        "email": _str(record.get("email")),
        "timezone": _str(record.get("timezone")),
        "sex": _str(record.get("sex")),
        "weight": _float(record.get("icu_weight") or record.get("weight")),
        "icu_resting_hr": _int(record.get("icu_resting_hr")),
        "permission": _str(record.get("icu_permission")),
        "tags": record.get("icu_tags"),
    }


def activity_row(record: Mapping[str, Any], *, is_strava_stub: bool) -> dict[str, Any]:
    gear = record.get("gear")
    paired = record.get("paired_event_id")
    return {
        "start_date_local": parse_local_datetime(record.get("start_date_local")),
        "local_date": _local_date(record.get("start_date_local")),
        "start_date": parse_stamp(record.get("start_date")),
        "type": _str(record.get("type")),
        "name": _str(record.get("name")),
        "source": _str(record.get("source")),
        "is_strava_stub": is_strava_stub,
        "external_id": _str(record.get("external_id")),
        "distance": _float(record.get("distance")),
        "moving_time": _int(record.get("moving_time")),
        "elapsed_time": _int(record.get("elapsed_time")),
        "total_elevation_gain": _float(record.get("total_elevation_gain")),
        "icu_training_load": _int(record.get("icu_training_load")),
        "icu_intensity": _float(record.get("icu_intensity")),
        "average_heartrate": _int(record.get("average_heartrate")),
        "max_heartrate": _int(record.get("max_heartrate")),
        "icu_average_watts": _int(record.get("icu_average_watts")),
        "icu_weighted_avg_watts": _int(record.get("icu_weighted_avg_watts")),
        "average_speed": _float(record.get("average_speed")),
        "calories": _int(record.get("calories")),
        "trainer": _bool(record.get("trainer")),
        "commute": _bool(record.get("commute")),
        "race": _bool(record.get("race")),
        "gear_id": _str(gear.get("id")) if isinstance(gear, Mapping) else None,
        "paired_event_id": _int(paired),
        "created": parse_stamp(record.get("created")),
        "analyzed": parse_stamp(record.get("analyzed")),
        "icu_sync_date": parse_stamp(record.get("icu_sync_date")),
    }


_INTERVAL_COLUMNS = {
    "type": _str, "label": _str, "group_id": _str, "start_index": _int, "end_index": _int,
    "start_time": _int, "end_time": _int, "count": _int, "moving_time": _int,
    "elapsed_time": _int, "distance": _float, "average_watts": _int,
    "weighted_average_watts": _int, "intensity": _int, "training_load": _float,
    "average_heartrate": _int, "max_heartrate": _int, "average_cadence": _float,
    "average_speed": _float, "zone": _int,
}


def interval_rows(intervals: Sequence[Mapping[str, Any]],
                  groups: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, dict[str, Any],
                                                                      dict[str, Any]]]:
    """``(kind, interval_id, typed columns, record)`` for every interval and group.

    An interval without an id (the platform always sends one) is keyed by its position.
    """
    found: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
    for kind, items in (("interval", intervals), ("group", groups)):
        for position, item in enumerate(items):
            record = dict(item)
            key = record.get("id")
            interval_id = str(key) if key is not None else f"#{position}"
            columns = {name: parse(record.get(name)) for name, parse in _INTERVAL_COLUMNS.items()}
            found.append((kind, interval_id, columns, record))
    return found


def wellness_row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "weight": _float(record.get("weight")),
        "resting_hr": _int(record.get("restingHR")),
        "hrv": _float(record.get("hrv")),
        "hrv_sdnn": _float(record.get("hrvSDNN")),
        "sleep_secs": _int(record.get("sleepSecs")),
        "sleep_score": _float(record.get("sleepScore")),
        "sleep_quality": _int(record.get("sleepQuality")),
        "soreness": _int(record.get("soreness")),
        "fatigue": _int(record.get("fatigue")),
        "stress": _int(record.get("stress")),
        "mood": _int(record.get("mood")),
        "motivation": _int(record.get("motivation")),
        "readiness": _float(record.get("readiness")),
        "body_fat": _float(record.get("bodyFat")),
        "vo2max": _float(record.get("vo2max")),
        "steps": _int(record.get("steps")),
        "ctl": _float(record.get("ctl")),
        "atl": _float(record.get("atl")),
        "ramp_rate": _float(record.get("rampRate")),
        "locked": _bool(record.get("locked")),
        "updated": parse_stamp(record.get("updated")),
    }


def event_row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "category": _str(record.get("category")),
        "type": _str(record.get("type")),
        "name": _str(record.get("name")),
        "start_date_local": parse_local_datetime(record.get("start_date_local")),
        "local_date": _local_date(record.get("start_date_local")),
        "end_date_local": parse_local_datetime(record.get("end_date_local")),
        "uid": _str(record.get("uid")),
        "external_id": _str(record.get("external_id")),
        "moving_time": _int(record.get("moving_time")),
        "distance": _float(record.get("distance")),
        "icu_training_load": _int(record.get("icu_training_load")),
        "icu_intensity": _float(record.get("icu_intensity")),
        "updated": parse_stamp(record.get("updated")),
    }


def gear_row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": _str(record.get("type")),
        "name": _str(record.get("name")),
        "distance": _float(record.get("distance")),
        "time": _float(record.get("time")),
        "activities": _int(record.get("activities")),
        "retired": _str(record.get("retired")),
    }


def sport_settings_row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "types": record.get("types"),
        "ftp": _int(record.get("ftp")),
        "indoor_ftp": _int(record.get("indoor_ftp")),
        "lthr": _int(record.get("lthr")),
        "max_hr": _int(record.get("max_hr")),
        "threshold_pace": _float(record.get("threshold_pace")),
        "updated": parse_stamp(record.get("updated")),
    }


ROW_BUILDERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "athletes": athlete_row,
    "wellness": wellness_row,
    "events": event_row,
    "gear": gear_row,
    "sport_settings": sport_settings_row,
}
