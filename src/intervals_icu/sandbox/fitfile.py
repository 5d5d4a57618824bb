"""Activity files: write real FIT (and GPX) files from streams; parse FIT, TCX, GPX, zip, gz."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["ParsedActivity", "parse_activity_file", "write_fit", "write_gpx"]


@dataclass
class ParsedActivity:
    """One activity read from a file (a multisport file gives several)."""

    sport: str
    start: datetime
    """UTC-aware start time."""
    streams: dict[str, list[Any]] = field(default_factory=dict)
    device_name: str | None = None


def write_fit(activity: dict[str, Any], streams: dict[str, list[Any]]) -> bytes:
    """A real FIT activity file of ``activity`` with its 1 Hz ``streams``."""
    raise NotImplementedError


def write_gpx(activity: dict[str, Any], streams: dict[str, list[Any]]) -> bytes:
    """A GPX 1.1 track (lat/lon/ele/time, heart rate as a Garmin extension)."""
    raise NotImplementedError


def parse_activity_file(filename: str, content: bytes) -> list[ParsedActivity]:
    """Read .fit, .tcx, .gpx, or a .zip / .gz of those; ``ValueError`` if unreadable."""
    raise NotImplementedError
