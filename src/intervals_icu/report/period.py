"""The span a report covers, in an athlete's local days, and the spans it is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from intervals_icu.dates import today_in

__all__ = ["DEFAULT_DAYS", "Period", "PeriodRequest", "local_today"]

DEFAULT_DAYS = 90
"""A report without a period covers the last 90 days, today included."""


def local_today(timezone: str | None) -> date:
    """Today in the athlete's time zone (UTC when the mirror does not know it)."""
    return today_in(timezone)


@dataclass(frozen=True)
class Period:
    """Local days ``first`` .. ``last``, both included. ``first`` None: the whole history."""

    first: date | None
    last: date

    def __post_init__(self) -> None:
        if self.first is not None and self.first > self.last:
            raise ValueError(f"a period cannot end ({self.last}) before it starts ({self.first})")

    @classmethod
    def last_days(cls, days: int, today: date) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    def resolve(self, history_start: date | None) -> Period:
        """The whole history becomes its first day (or the last day, when there is none)."""
        if self.first is not None:
            return self
        return Period(min(history_start or self.last, self.last), self.last)

    @property
    def days(self) -> int:
        if self.first is None:
            raise ValueError("resolve() the whole history first")
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The span of the same length just before this one."""
        if self.first is None:
            raise ValueError("resolve() the whole history first")
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def contains(self, day: date) -> bool:
        return (self.first is None or day >= self.first) and day <= self.last

    def __str__(self) -> str:
        return f"{self.first or 'start'} .. {self.last}"


@dataclass(frozen=True)
class PeriodRequest:
    """What was asked for, before each athlete's today is known: the last ``days`` days
    (default), fixed days ``first`` .. ``last``, or the whole history (``first`` None and
    ``days`` None)."""

    first: date | None = None
    last: date | None = None
    days: int | None = DEFAULT_DAYS

    @classmethod
    def whole_history(cls, last: date | None = None) -> PeriodRequest:
        return cls(None, last, None)

    @classmethod
    def between(cls, first: date, last: date) -> PeriodRequest:
        Period(first, last)  # refuses a range that ends before it starts
        return cls(first, last, None)

    @classmethod
    def from_day(cls, first: date) -> PeriodRequest:
        """``first`` .. each athlete's own today (just that today for an athlete whose
        today is still before ``first``: a time zone west of the caller's)."""
        return cls(first, None, None)

    def for_today(self, today: date) -> Period:
        """The period for an athlete whose local today is ``today`` (the whole history
        still needs ``Period.resolve``)."""
        if self.days is not None and self.first is None:
            if self.days < 1:
                raise ValueError("a report covers at least 1 day")
            return Period.last_days(self.days, self.last or today)
        if self.last is None and self.first is not None and self.first > today:
            return Period(today, today)
        return Period(self.first, self.last or today)

    def describe(self) -> str:
        if self.days is not None and self.first is None:
            return f"the last {self.days} days" + (f" to {self.last}" if self.last else "")
        if self.first is None:
            return "the whole history" + (f" to {self.last}" if self.last else "")
        return f"{self.first} .. {self.last or 'today'}"
