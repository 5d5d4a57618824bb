"""Days as tools take them: ISO dates, ``today``/``yesterday``, or ``Nd``/``Nw``/``Nm``/``Ny``
back from the athlete's local today; curve periods (``42d``, ``1y``, ``all``,
``2026-01-01..2026-03-31``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mcp.server.mcpserver.exceptions import ToolError

__all__ = ["CurvePeriod", "athlete_today", "parse_curve_period", "parse_day", "span"]

_RELATIVE = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def athlete_today(timezone: str | None) -> date:
    """Today in the athlete's time zone (the platform's dates are local)."""
    try:
        zone = ZoneInfo(timezone) if timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    return datetime.now(zone).date()


def parse_day(text: str | None, today: date, *, what: str) -> date | None:
    if text is None or not str(text).strip():
        return None
    value = str(text).strip().lower()
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    if value == "tomorrow":
        return today + timedelta(days=1)
    relative = _RELATIVE.match(value)
    if relative:
        return today - timedelta(days=int(relative.group(1)) * _DAYS[relative.group(2).lower()])
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ToolError(f"{what}={text!r} is not a day: use YYYY-MM-DD, today, yesterday, or "
                        "a count back from today such as 30d, 12w, 6m, 1y") from None


def span(oldest: str | None, newest: str | None, today: date, *,
         default_days: int) -> tuple[date, date]:
    """(oldest, newest), both inclusive; by default the ``default_days`` up to today."""
    end = parse_day(newest, today, what="newest") or today
    start = parse_day(oldest, today, what="oldest") or end - timedelta(days=default_days - 1)
    if start > end:
        raise ToolError(f"oldest ({start}) is after newest ({end}): swap them")
    return start, end


@dataclass(frozen=True)
class CurvePeriod:
    label: str
    curve_id: str
    """The platform's curve id: ``42d``, ``1y``, ``all``, ``r.2026-01-01.2026-03-31``."""
    oldest: date | None
    newest: date | None


def parse_curve_period(text: str, today: date) -> CurvePeriod:
    value = text.strip().lower()
    if value == "all":
        return CurvePeriod("all", "all", None, today)
    relative = _RELATIVE.match(value)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2).lower()
        if unit == "y":
            years = count
            try:
                start = today.replace(year=today.year - years) + timedelta(days=1)
            except ValueError:  # 29 February
                start = today.replace(year=today.year - years, day=28) + timedelta(days=1)
            return CurvePeriod(value, f"{years}y", start, today)
        days = count * _DAYS[unit]
        return CurvePeriod(value, f"{days}d", today - timedelta(days=days - 1), today)
    if ".." in value:
        first, _, last = value.partition("..")
        start_day = parse_day(first, today, what="period start")
        end_day = parse_day(last, today, what="period end")
        if start_day is None or end_day is None or start_day > end_day:
            raise ToolError(f"period {text!r}: use oldest..newest with oldest first, e.g. "
                            "2026-01-01..2026-03-31")
        return CurvePeriod(value, f"r.{start_day}.{end_day}", start_day, end_day)
    raise ToolError(f"period {text!r} is not understood: use 42d, 12w, 1y, all, or "
                    "YYYY-MM-DD..YYYY-MM-DD")
