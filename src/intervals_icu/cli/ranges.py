"""Day and range arguments: ``2025-03-01``, ``2025-01-01..2025-03-31``, ``2025-03``, ``2025``,
``today``, ``yesterday``, ``7d`` (the last 7 days, today included). Pure functions."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date, timedelta

import typer

__all__ = ["DayRange", "days_in", "parse_day", "parse_range"]

DayRange = tuple[date, date]
_RELATIVE = re.compile(r"^(\d+)d$")


def parse_day(text: str, today: date) -> date:
    value = text.strip().lower()
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a day: use YYYY-MM-DD, 'today' or 'yesterday'") from None


def parse_range(text: str, today: date) -> DayRange:
    """A range of local days, both ends included."""
    value = text.strip().lower()
    if ".." in value:
        start_text, end_text = value.split("..", 1)
        start = parse_day(start_text, today) if start_text else today
        end = parse_day(end_text, today) if end_text else today
        if end < start:
            raise typer.BadParameter(f"{text!r}: the range ends before it starts")
        return start, end
    if match := _RELATIVE.match(value):
        count = int(match.group(1))
        if count < 1:
            raise typer.BadParameter(f"{text!r}: use at least 1d")
        return today - timedelta(days=count - 1), today
    if re.fullmatch(r"\d{4}", value):
        year = int(value)
        return date(year, 1, 1), date(year, 12, 31)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        year, month = (int(p) for p in value.split("-"))
        if not 1 <= month <= 12:
            raise typer.BadParameter(f"{text!r}: no such month")
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    day = parse_day(text, today)
    return day, day


def days_in(span: DayRange) -> Iterator[date]:
    day = span[0]
    while day <= span[1]:
        yield day
        day += timedelta(days=1)


def needs_today(text: str) -> bool:
    """Whether parsing ``text`` depends on today's date (saves a request when it does not)."""
    value = text.strip().lower()
    return (value.startswith(("today", "yesterday", "..")) or value.endswith("..") or
            bool(_RELATIVE.match(value)) or "today" in value or "yesterday" in value)
