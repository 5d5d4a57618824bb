"""What a sync did and what it cost: the report it returns and the progress it announces.

``SyncReport`` is plain data (``as_dict()`` is JSON-able, stored in ``sync_runs.summary``);
``Progress`` is what the ``on_progress`` callback receives after every page and every batch
of details, enough to draw a progress bar with rate and ETA per athlete and stream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["AthleteReport", "Progress", "ProgressCallback", "StreamReport", "SyncReport"]


@dataclass
class StreamReport:
    """One stream of one athlete: ``activities``, ``wellness``, ``events``, ``gear``,
    ``sport_settings``, ``intervals``, ``streams`` or ``files``."""

    stream: str
    read: int = 0
    """Records read from the API (summaries, or activities whose details were read)."""
    created: int = 0
    updated: int = 0
    deleted: int = 0
    restored: int = 0
    unchanged: int = 0
    requests: int = 0
    """HTTP requests this stream sent (retries included)."""
    error: str | None = None

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted + self.restored


@dataclass
class AthleteReport:
    athlete_id: str
    name: str | None = None
    streams: dict[str, StreamReport] = field(default_factory=dict)
    strava_stubs: int = 0
    """Strava activities: stored as stubs with ``is_strava_stub`` (the API does not serve
    them), never "fixed"."""
    error: str | None = None
    """Why this athlete could not be synced at all (403, deleted...), if so."""

    def stream(self, name: str) -> StreamReport:
        if name not in self.streams:
            self.streams[name] = StreamReport(name)
        return self.streams[name]

    @property
    def ok(self) -> bool:
        return self.error is None and all(s.error is None for s in self.streams.values())


@dataclass
class SyncReport:
    run_id: int
    options: dict[str, Any]
    athletes: list[AthleteReport] = field(default_factory=list)
    requests: int = 0
    """Every HTTP request sent (retries included): the run's cost."""
    retries: int = 0
    wall_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(a.ok for a in self.athletes)

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        return "failed" if all(a.error for a in self.athletes) else "partial"

    def totals(self) -> dict[str, StreamReport]:
        """Per stream, summed over athletes."""
        found: dict[str, StreamReport] = {}
        for athlete in self.athletes:
            for name, stream in athlete.streams.items():
                total = found.setdefault(name, StreamReport(name))
                for attr in ("read", "created", "updated", "deleted", "restored", "unchanged",
                             "requests"):
                    setattr(total, attr, getattr(total, attr) + getattr(stream, attr))
                if stream.error and not total.error:
                    total.error = stream.error
        return found

    @property
    def strava_stubs(self) -> int:
        return sum(a.strava_stubs for a in self.athletes)

    def errors(self) -> list[str]:
        found = []
        for athlete in self.athletes:
            if athlete.error:
                found.append(f"{athlete.athlete_id}: {athlete.error}")
            for stream in athlete.streams.values():
                if stream.error:
                    found.append(f"{athlete.athlete_id} {stream.stream}: {stream.error}")
        return found

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status
        return data

    def summary(self) -> str:
        """A few human lines: what changed, what it cost, what failed."""
        lines = [
            f"sync run {self.run_id}: {self.status}, {len(self.athletes)} athlete(s), "
            f"{self.requests} requests ({self.retries} retried), {self.wall_seconds:.1f} s"
        ]
        for name, s in sorted(self.totals().items()):
            lines.append(
                f"  {name:<15} read {s.read:>6}  +{s.created} ~{s.updated} -{s.deleted}"
                f"{f' restored {s.restored}' if s.restored else ''}  ({s.requests} requests)"
            )
        if self.strava_stubs:
            lines.append(f"  strava stubs    {self.strava_stubs} (kept as stubs: the API does "
                         "not serve Strava activities)")
        lines.extend(f"  error: {e}" for e in self.errors())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class Progress:
    """One step of a sync, for progress bars.

    ``done``/``total`` count records for summary streams (``total`` is None while unknown)
    and activities for detail streams (``intervals``, ``streams``, ``files``).
    """

    athlete_id: str
    stream: str
    done: int
    total: int | None
    changed: int
    requests: int
    finished: bool = False


ProgressCallback = Callable[[Progress], None]
