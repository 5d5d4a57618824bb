"""The sandbox's clock (real time by default; frozen and advanced by hand in tests), the
server's timestamp format, and local date-times as the API takes them."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from intervals_icu.sandbox.errors import ApiError

__all__ = ["Clock", "parse_local", "stamp"]


class Clock:
    """``now()`` is real UTC time plus an offset; ``freeze()`` stops it; ``advance()`` moves it.

    Webhook retry schedules, OAuth code expiry and ``updated`` stamps all read this clock, so
    a test can jump past a 2-minute code lifetime without sleeping.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None
        if start is not None:
            self._offset = start.astimezone(UTC) - datetime.now(UTC)
        if frozen:
            self.freeze()

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def freeze(self) -> None:
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = datetime.now(UTC) + self._offset

    def unfreeze(self) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - datetime.now(UTC)
                self._frozen_at = None

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            delta = timedelta(seconds=seconds)
            if self._frozen_at is not None:
                self._frozen_at += delta
                return self._frozen_at
            self._offset += delta
            return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (an aware datetime); a frozen clock stays frozen there."""
        if moment.tzinfo is None:
            raise ValueError("Clock.set needs an aware datetime, e.g. 2026-05-01T06:00:00+00:00")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = moment.astimezone(UTC)
            else:
                self._offset = moment.astimezone(UTC) - datetime.now(UTC)
            return moment.astimezone(UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def describe(self) -> dict[str, object]:
        """What the control API shows: the time now and whether it is frozen."""
        return {"now": stamp(self.now()), "frozen": self.frozen}


def stamp(moment: datetime) -> str:
    """The platform's timestamp shape: millis and a +00:00 offset (API-NOTES §2.3)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_local(value: str, name: str = "date") -> datetime:
    """A local date (midnight) or local date-time, naive; 422 naming ``name`` otherwise."""
    text = value.strip()
    try:
        if len(text) <= 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            422, f"Invalid value for '{name}': {value} (expected a local ISO-8601 date)"
        ) from None
    return parsed.replace(tzinfo=None)
