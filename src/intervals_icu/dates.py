"""Local dates, as the API means them, and splitting long ranges into windows.

``oldest``/``newest`` are the athlete's local calendar dates, both inclusive; never send a
UTC instant (API-NOTES §2.3). "Today" is computed in the athlete's time zone
(``client.today()``), never in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intervals_icu.errors import InvalidRequestError

__all__ = [
    "LocalDate",
    "athlete_zone",
    "date_windows",
    "parse_local_date",
    "to_local_date",
    "to_local_datetime",
    "today_in",
]

LocalDate = date | str
"""A local calendar day: a ``datetime.date`` or ``"YYYY-MM-DD"``."""


def athlete_zone(name: str | None) -> ZoneInfo:
    """The time zone an athlete's profile names (``timezone``); UTC when it names none or
    one this machine does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(zone: ZoneInfo | str | None) -> date:
    """Today in the athlete's time zone (a ZoneInfo or the profile's ``timezone`` name):
    the day the API's local dates count from, which is not the UTC day."""
    return datetime.now(zone if isinstance(zone, ZoneInfo) else athlete_zone(zone)).date()


def parse_local_date(value: LocalDate) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise InvalidRequestError(
                f"{value.isoformat()} carries a time zone; the API wants the athlete's local "
                "date. Convert it first: value.astimezone(client.timezone()).date() (await "
                "client.timezone() with AsyncClient)"
            )
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if len(str(value)) >= 10 else _bad(value)
    except ValueError:
        return _bad(value)


def _bad(value: object) -> date:
    raise InvalidRequestError(
        f"{value!r} is not a local date: use datetime.date(2025, 3, 1) or '2025-03-01'"
    )


def to_local_date(value: LocalDate) -> str:
    """``YYYY-MM-DD`` for a date or date string (a time-zone-aware datetime is refused)."""
    return parse_local_date(value).isoformat()


def to_local_datetime(value: datetime | date | str) -> str:
    """A local date or date-time as the API's query parameters take it (no offset)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise InvalidRequestError(
                f"{value.isoformat()} carries a time zone; the API wants local time without "
                "an offset (e.g. '2025-03-01T07:30:00')."
            )
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.endswith("Z") or "+" in text[10:]:
        raise InvalidRequestError(
            f"{text!r} carries a time zone; send the athlete's local time without an offset"
        )
    return text


def date_windows(
    oldest: LocalDate, newest: LocalDate, *, days: int = 365, newest_first: bool = False
) -> Iterator[tuple[date, date]]:
    """Split ``oldest..newest`` (inclusive) into consecutive windows of at most ``days`` days.

    There is no cursor pagination in the API: long ranges are read window by window.
    """
    if days < 1:
        raise InvalidRequestError("a window must span at least one day")
    start, end = parse_local_date(oldest), parse_local_date(newest)
    if start > end:
        raise InvalidRequestError(f"oldest ({start}) is after newest ({end})")
    windows: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + timedelta(days=days - 1))
        windows.append((cursor, stop))
        cursor = stop + timedelta(days=1)
    yield from (reversed(windows) if newest_first else windows)
