"""Route routes: the athlete's recurring courses, with activity counts and a similarity
check. The rules (and ``add_route``, importable from here too: old import path) are in
:mod:`intervals_icu.sandbox.platform.routes`."""

from __future__ import annotations

import copy
from typing import Any

from intervals_icu.sandbox.context import Ctx, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import apply_patch, validate_patch
from intervals_icu.sandbox.platform.routes import (
    add_route,
    route_activities,
    route_bounds,
    route_distance,
    similarity,
)
from intervals_icu.sandbox.state import AthleteStore

__all__ = ["add_route"]  # old import path of platform.routes.add_route

_PROTECTED = ("route_id", "athlete_id", "latlngs")


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
        activities = route_activities(store, route["route_id"])
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
        for activity in route_activities(store, route["route_id"]):
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
        "route_activity_count": len(route_activities(store, route["route_id"])),
        "other": _public(other, include_path=False),
        "other_distance": route_distance(other),
        "other_activity_count": len(route_activities(store, other["route_id"])),
        "similarity": similarity(route, other),
        "bounds": route_bounds(route, other),
    }
