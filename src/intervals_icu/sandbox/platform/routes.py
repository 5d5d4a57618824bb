"""Routes: an athlete's recurring courses (API-NOTES §4; tag Routes). The API has no
operation that creates a route; they come from the seeded history, the control API
(``POST /_sandbox/routes``) or :meth:`Sandbox.add_route`. Activities name their route with
``route_id``. Similarity is the share of each route's points lying within 50 m of the
other route, the smaller of the two.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from intervals_icu.sandbox.state import AthleteStore, SandboxState

__all__ = ["add_route", "route_activities", "route_bounds", "route_distance", "similarity"]


_NEAR_METERS = 50.0


def add_route(state: SandboxState, athlete_id: str, *, name: str,
              latlngs: list[list[float]], **fields: Any) -> dict[str, Any]:
    store = state.store(athlete_id)
    route_id = state.next_id("route", start=100_000)
    while route_id in store.routes:
        route_id = state.next_id("route", start=100_000)
    route = {"route_id": route_id, "athlete_id": athlete_id, "name": name,
             "rename_activities": False, "commute": False, "tags": [],
             "latlngs": [list(p) for p in latlngs], **fields}
    store.routes[route_id] = route
    return route


def _meters(a: list[float], b: list[float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def route_distance(route: dict[str, Any]) -> float:
    points = route.get("latlngs") or []
    return round(sum(_meters(p, q) for p, q in itertools.pairwise(points)), 1)


def _covered(points: list[list[float]], other: list[list[float]]) -> float:
    if not points or not other:
        return 0.0
    near = sum(1 for p in points if min(_meters(p, q) for q in other) <= _NEAR_METERS)
    return near / len(points)


def similarity(route: dict[str, Any], other: dict[str, Any]) -> float:
    """Share of each route's points lying within 50 m of the other, the smaller of the two."""
    a, b = route.get("latlngs") or [], other.get("latlngs") or []
    return round(min(_covered(a, b), _covered(b, a)), 3)


def route_bounds(*routes: dict[str, Any]) -> list[list[float]]:
    points = [p for r in routes for p in r.get("latlngs") or []]
    if not points:
        return []
    lats, lngs = [p[0] for p in points], [p[1] for p in points]
    return [[min(lats), min(lngs)], [max(lats), max(lngs)]]


def route_activities(store: AthleteStore, route_id: int) -> list[dict[str, Any]]:
    return sorted((a for a in store.activities.values() if a.get("route_id") == route_id),
                  key=lambda a: str(a.get("start_date_local") or ""), reverse=True)
