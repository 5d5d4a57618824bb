"""What a sync did and what it cost: the report it returns and the progress it announces.

A sync works in *kinds* of records, each with its own saved position: ``activities``,
``wellness``, ``events``, ``gear``, ``sport_settings``, and the activity details
``intervals``, ``streams`` (the 1 Hz data) and ``files``. ``SyncReport`` is plain data
(``as_dict()`` is JSON-able, stored in ``sync_runs.summary``); ``Progress`` is what the
``on_progress`` callback receives after every page and every batch of details, enough to draw
a progress bar with rate and ETA per athlete and kind.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["AthleteReport", "KindReport", "Progress", "ProgressCallback", "StreamReport",
           "SyncReport"]


def _renamed(old: str, new: str) -> None:
    warnings.warn(f"{old} is now {new} (a sync unit is a kind of record; 'streams' are the "
                  "1 Hz data)", DeprecationWarning, stacklevel=3)


@dataclass
class KindReport:
    """One kind of records of one athlete: ``activities``, ``wellness``, ``events``,
    ``gear``, ``sport_settings``, ``intervals``, ``streams`` or ``files``."""

    kind: str
    read: int = 0
    """Records read from the API (summaries, or activities whose details were read)."""
    created: int = 0
    updated: int = 0
    deleted: int = 0
    restored: int = 0
    unchanged: int = 0
    requests: int = 0
    """HTTP requests sent for this kind (retries included)."""
    error: str | None = None

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted + self.restored

    @property
    def stream(self) -> str:
        """Deprecated: :attr:`kind`."""
        _renamed("KindReport.stream", "KindReport.kind")
        return self.kind


StreamReport = KindReport
"""Deprecated name of :class:`KindReport`."""


@dataclass
class AthleteReport:
    athlete_id: str
    name: str | None = None
    kinds: dict[str, KindReport] = field(default_factory=dict)
    strava_stubs: int = 0
    """Strava activities: stored as stubs with ``is_strava_stub`` (the API does not serve
    them), never "fixed"."""
    error: str | None = None
    """Why this athlete could not be synced at all (403, deleted...), if so."""

    def kind(self, name: str) -> KindReport:
        """The report of one kind (created empty on first use)."""
        if name not in self.kinds:
            self.kinds[name] = KindReport(name)
        return self.kinds[name]

    @property
    def streams(self) -> dict[str, KindReport]:
        """Deprecated: :attr:`kinds`."""
        _renamed("AthleteReport.streams", "AthleteReport.kinds")
        return self.kinds

    @property
    def ok(self) -> bool:
        return self.error is None and all(k.error is None for k in self.kinds.values())


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

    def totals(self) -> dict[str, KindReport]:
        """Per kind, summed over athletes."""
        found: dict[str, KindReport] = {}
        for athlete in self.athletes:
            for name, kind in athlete.kinds.items():
                total = found.setdefault(name, KindReport(name))
                for attr in ("read", "created", "updated", "deleted", "restored", "unchanged",
                             "requests"):
                    setattr(total, attr, getattr(total, attr) + getattr(kind, attr))
                if kind.error and not total.error:
                    total.error = kind.error
        return found

    @property
    def strava_stubs(self) -> int:
        return sum(a.strava_stubs for a in self.athletes)

    def errors(self) -> list[str]:
        found = []
        for athlete in self.athletes:
            if athlete.error:
                found.append(f"{athlete.athlete_id}: {athlete.error}")
            for kind in athlete.kinds.values():
                if kind.error:
                    found.append(f"{athlete.athlete_id} {kind.kind}: {kind.error}")
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

    ``done``/``total`` count records for summary kinds (``total`` is None while unknown)
    and activities for detail kinds (``intervals``, ``streams``, ``files``).
    """

    athlete_id: str
    kind: str
    done: int
    total: int | None
    changed: int
    requests: int
    finished: bool = False

    @property
    def stream(self) -> str:
        """Deprecated: :attr:`kind`."""
        _renamed("Progress.stream", "Progress.kind")
        return self.kind


ProgressCallback = Callable[[Progress], None]
