"""OAuth scopes: parsing, the READ/WRITE rule, and which scope each spec operation needs.

Six areas, each ``:READ`` or ``:WRITE``; WRITE implies READ (API-NOTES §3.2). The platform
does not publish a per-route table; ours follows the spec's tags and the few routes the
forum names (upload = ACTIVITY:WRITE, planned workouts = CALENDAR:READ, ``GET /athlete/{id}``
= SETTINGS:READ). The sandbox enforces the same table, so it is written once, here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Access", "Area", "Scope", "format_scopes", "parse_scopes", "required_scope"]


class Area(StrEnum):
    ACTIVITY = "ACTIVITY"
    WELLNESS = "WELLNESS"
    CALENDAR = "CALENDAR"
    CHATS = "CHATS"
    LIBRARY = "LIBRARY"
    SETTINGS = "SETTINGS"


class Access(StrEnum):
    READ = "READ"
    WRITE = "WRITE"


@dataclass(frozen=True, order=True)
class Scope:
    area: Area
    access: Access

    def __str__(self) -> str:
        return f"{self.area}:{self.access}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        try:
            area, access = text.strip().upper().split(":")
            return cls(Area(area), Access(access))
        except ValueError:
            areas = ", ".join(a.value for a in Area)
            raise ValueError(
                f"not an Intervals.icu scope: {text!r}; use AREA:READ or AREA:WRITE "
                f"with AREA one of {areas}"
            ) from None

    def satisfied_by(self, granted: Iterable[Scope]) -> bool:
        """True when ``granted`` allows this scope (WRITE implies READ)."""
        return any(
            g.area == self.area and (g.access == Access.WRITE or self.access == Access.READ)
            for g in granted
        )


def parse_scopes(text: str | Iterable[str] | None) -> frozenset[Scope]:
    """``"ACTIVITY:WRITE,WELLNESS:READ"`` (or a list of such strings) -> a set of scopes."""
    if text is None:
        return frozenset()
    parts = text.split(",") if isinstance(text, str) else list(text)
    return frozenset(Scope.parse(p) for p in parts if p.strip())


def format_scopes(scopes: Iterable[Scope | str]) -> str:
    parsed = parse_scopes([str(s) for s in scopes])
    return ",".join(str(s) for s in sorted(parsed))


# Spec tags are localized (API-NOTES §1.1); both spellings map to an area.
_TAG_AREAS: dict[str, Area] = {
    "Actividades": Area.ACTIVITY, "Activities": Area.ACTIVITY,
    "Bienestar": Area.WELLNESS, "Wellness": Area.WELLNESS,
    "Eventos": Area.CALENDAR, "Events": Area.CALENDAR,
    "Shared Events": Area.CALENDAR,
    "Biblioteca": Area.LIBRARY, "Library": Area.LIBRARY,
    "Chats": Area.CHATS,
    "Atletas": Area.SETTINGS, "Athletes": Area.SETTINGS,
    "Equipamiento": Area.SETTINGS, "Gear": Area.SETTINGS,
    "Deportes": Area.SETTINGS, "Sports": Area.SETTINGS,
    "Custom Items": Area.SETTINGS,
    "Tiempo": Area.SETTINGS, "Weather": Area.SETTINGS,
    "Rutas": Area.ACTIVITY, "Routes": Area.ACTIVITY,
}

# POSTs that only read (conversions and downloads).
_READ_ONLY_POSTS = {"downloadWorkout", "downloadWorkoutForAthlete", "downloadActivityFitFiles"}
# Operations that need no scope: token housekeeping.
_NO_SCOPE = {"disconnectApp"}


@functools.cache
def _operation_index() -> dict[str, tuple[str, str]]:
    from intervals_icu.spec import operations

    return {op.operation_id: (op.method, op.tag) for op in operations()}


def required_scope(operation_id: str) -> Scope | None:
    """The scope an OAuth token needs for an operation, or None (no scope, or unknown)."""
    if operation_id in _NO_SCOPE:
        return None
    found = _operation_index().get(operation_id)
    if found is None:
        return None
    method, tag = found
    area = _TAG_AREAS.get(tag)
    if area is None:
        return None
    reads = method == "GET" or operation_id in _READ_ONLY_POSTS
    return Scope(area, Access.READ if reads else Access.WRITE)
