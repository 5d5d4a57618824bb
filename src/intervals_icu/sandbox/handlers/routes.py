"""Routes: the athlete's recurring courses, with activity counts and a similarity check.

There is no route-creating operation in the API; routes come from the seeded history (or
:func:`add_route` in tests and demos). Activities name their route with ``route_id``.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.state import AthleteStore, SandboxState

__all__ = ["add_route", "route_distance", "similarity"]

_PROTECTED = ("route_id", "athlete_id", "latlngs")
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


def _bounds(*routes: dict[str, Any]) -> list[list[float]]:
    points = [p for r in routes for p in r.get("latlngs") or []]
    if not points:
        return []
    lats, lngs = [p[0] for p in points], [p[1] for p in points]
    return [[min(lats), min(lngs)], [max(lats), max(lngs)]]


def _activities(store: AthleteStore, route_id: int) -> list[dict[str, Any]]:
    return sorted((a for a in store.activities.values() if a.get("route_id") == route_id),
                  key=lambda a: str(a.get("start_date_local") or ""), reverse=True)


def _route(ctx: Ctx, store: AthleteStore, name: str = "route_id") -> dict[str, Any]:
    try:
        route_id = int(ctx.params[name])
    except ValueError:
        raise ApiError(422, f"Invalid route id: {ctx.params[name]}") from None
    route = store.routes.get(route_id)
    if route is None:
        raise ApiError(404, f"Route not found: {route_id}")
    return route


def _public(route: dict[str, Any], *, include_path: bool) -> dict[str, Any]:
    out = copy.deepcopy(route)
    if not include_path:
        out.pop("latlngs", None)
    return out


@handles("listAthleteRoutes")
def list_routes(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    rows = []
    for route in sorted(store.routes.values(), key=lambda r: r["route_id"]):
        activities = _activities(store, route["route_id"])
        row = _public(route, include_path=False)
        row["distance"] = route_distance(route)
        row["activity_count"] = len(activities)
        if activities:
            latest = activities[0]
            row["most_recent_id"] = latest["id"]
            row["most_recent_start_date_local"] = latest.get("start_date_local")
            row["most_recent_type"] = latest.get("type")
        rows.append(row)
    return rows


@handles("getAthleteRoute")
def get_route(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    return _public(_route(ctx, store), include_path=ctx.q_bool("includePath"))


@handles("updateAthleteRoute")
def update_route(ctx: Ctx) -> Any:
    """Partial update. With ``rename_activities`` on, a new name is given to the route's
    activities too."""
    _athlete_id, store = ctx.store()
    route = _route(ctx, store)
    body = ctx.json_object()
    validate_patch("AthleteRoute", body)
    if body.get("replaced_by_route_id") is not None and int(
        body["replaced_by_route_id"]
    ) not in store.routes:
        raise ApiError(404, f"Route not found: {body['replaced_by_route_id']}")
    changed = apply_patch("AthleteRoute", route,
                          {k: v for k, v in body.items() if k not in _PROTECTED})
    if "name" in changed and route.get("rename_activities"):
        for activity in _activities(store, route["route_id"]):
            activity["name"] = route["name"]
    return _public(route, include_path=False)


@handles("checkMerge")
def check_merge(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    route = _route(ctx, store)
    other = _route(ctx, store, "other_id")
    return {
        "route": _public(route, include_path=False),
        "route_distance": route_distance(route),
        "route_activity_count": len(_activities(store, route["route_id"])),
        "other": _public(other, include_path=False),
        "other_distance": route_distance(other),
        "other_activity_count": len(_activities(store, other["route_id"])),
        "similarity": similarity(route, other),
        "bounds": _bounds(route, other),
    }
