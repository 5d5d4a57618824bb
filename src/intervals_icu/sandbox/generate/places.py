"""Seeded routes and shared events, so that the route and shared-event operations have data
to answer (the API has no operation that creates either).

* Routes: the shortest outdoor activity with GPS of each of the athlete's (at most two)
  outdoor sports becomes a route named after the athlete's city ("Girona ride loop 32
  km"), its track thinned to one point in 20; the activity carries the route's
  ``route_id``.
* Shared events: the coach publishes one gran fondo five weeks after the end of the
  history, with a long and a short course: loops around the coach's city.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from intervals_icu.sandbox.generate.athletes import PLACES
from intervals_icu.sandbox.platform.routes import add_route
from intervals_icu.sandbox.platform.shared_events import add_shared_event
from intervals_icu.sandbox.platform.streams import ActivityRecipe, synthesize
from intervals_icu.sandbox.state import SandboxState

__all__ = ["ROUTES_PER_ATHLETE", "seed_routes", "seed_shared_event"]

ROUTES_PER_ATHLETE = 2
_THIN = 20
_EARTH_RADIUS = 6_371_000.0


def seed_routes(state: SandboxState, athlete_id: str) -> list[dict[str, Any]]:
    """Routes from the athlete's shortest outdoor activities (nothing without any)."""
    store = state.store(athlete_id)
    outdoor = []
    for activity in store.activities.values():
        recipe = store.details[activity["id"]].recipe if activity["id"] in store.details \
            else None
        if isinstance(recipe, ActivityRecipe) and recipe.outdoor \
                and activity.get("source") != "STRAVA":
            outdoor.append((recipe.duration, activity["id"], activity, recipe))
    city = str(state.accounts[athlete_id].profile.get("city") or "Home")
    shortest: dict[str, tuple[int, str, dict[str, Any], ActivityRecipe]] = {}
    for entry in sorted(outdoor):
        shortest.setdefault(str(entry[2].get("type")), entry)
    routes = []
    for _duration, _id, activity, recipe in sorted(shortest.values())[:ROUTES_PER_ATHLETE]:
        track = [list(p) for p in synthesize(recipe)["latlng"].tolist()[::_THIN]]
        km = float(activity.get("distance") or 0) / 1000
        sport = str(activity.get("type") or "").lower()
        route = add_route(state, athlete_id, name=f"{city} {sport} loop {km:.0f} km",
                          latlngs=[[round(a, 5), round(b, 5)] for a, b in track],
                          description=f"Seeded from {activity['name']}")
        activity["route_id"] = route["route_id"]
        routes.append(route)
    return routes


def _loop(lat: float, lon: float, length: float, points: int = 36) -> list[list[float]]:
    """A circle of ``length`` metres passing near (``lat``, ``lon``)."""
    radius = length / (2 * math.pi)
    out = []
    for k in range(points + 1):
        angle = 2 * math.pi * k / points
        north, east = radius * (math.cos(angle) - 1), radius * math.sin(angle)
        out.append([round(lat + math.degrees(north / _EARTH_RADIUS), 5),
                    round(lon + math.degrees(east / (_EARTH_RADIUS * math.cos(
                        math.radians(lat)))), 5)])
    return out


def seed_shared_event(state: SandboxState, coach_id: str, end: date) -> dict[str, Any]:
    """The coach's published gran fondo, five weeks after ``end``."""
    city = str(state.accounts[coach_id].profile.get("city") or "Amsterdam")
    place = PLACES.get(city, PLACES["Amsterdam"])
    day = end + timedelta(days=35)
    courses = []
    for name, metres in (("Long", 120_000.0), ("Short", 60_000.0)):
        track = _loop(place.lat, place.lon, metres)
        courses.append({
            "name": name, "types": ["Ride"], "distance": metres, "start_time": "08:00",
            "description": f"{metres / 1000:.0f} km around {city}",
            "start_lat": track[0][0], "start_lng": track[0][1],
            "min_altitude": place.altitude, "max_altitude": place.altitude + 40 * metres / 1e4,
            "total_elevation_gain": round(place.hilliness * metres * 0.5),
            "latlngs": track, "markers": [], "bounds": _bounds(track),
        })
    return add_shared_event(state, coach_id, name=f"{city} Gran Fondo",
                            start_date_local=f"{day.isoformat()}T08:00:00",
                            description="A mass-start ride on closed roads.",
                            type="Ride", courses=courses)


def _bounds(track: list[list[float]]) -> list[list[float]]:
    lats, lngs = [p[0] for p in track], [p[1] for p in track]
    return [[min(lats), min(lngs)], [max(lats), max(lngs)]]
