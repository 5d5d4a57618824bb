"""The athlete's kit: bikes and shoes that pile up distance and time; worn shoes retire."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from intervals_icu.sandbox.state import SandboxState

__all__ = ["GearRack"]

_BIKES = ["Canyon Ultimate", "Specialized Tarmac", "Trek Emonda", "Cervélo R5", "Giant TCR"]
_TT_BIKES = ["Canyon Speedmax", "Cervélo P5", "Trek Speed Concept"]
_SHOES = ["Nike Pegasus", "Asics Novablast", "Saucony Endorphin Speed", "Hoka Clifton",
          "Brooks Ghost", "Adidas Boston"]
_SHOE_LIFE_M = 750_000.0


class GearRack:
    """Hands out the right gear for each activity and keeps the totals, in date order."""

    def __init__(self, state: SandboxState, athlete_id: str, rng: random.Random,
                 first_day: date, *, triathlete: bool) -> None:
        self._state = state
        self._athlete_id = athlete_id
        self._rng = rng
        self.items: dict[str, dict[str, Any]] = {}
        self.bike = self._add("Bike", rng.choice(_BIKES), first_day, prefix="b")
        self.trainer_bike = self._add("Bike", f"{rng.choice(_BIKES)} (trainer)", first_day,
                                      prefix="b")
        self.tt_bike = (self._add("Bike", rng.choice(_TT_BIKES), first_day, prefix="b")
                        if triathlete else None)
        self.shoes = self._new_shoes(first_day)
        self.wetsuit = (self._add("Wetsuit", "Orca Athlex", first_day, prefix="g")
                        if triathlete else None)

    def _add(self, kind: str, name: str, purchased: date, *, prefix: str) -> dict[str, Any]:
        gear_id = f"{prefix}{self._state.next_id('gear', start=10_000_000)}"
        item = {"id": gear_id, "athlete_id": self._athlete_id, "type": kind, "name": name,
                "purchased": f"{purchased.isoformat()}T00:00:00", "distance": 0.0,
                "time": 0.0, "activities": 0, "use_elapsed_time": False, "component": False,
                "reminders": []}
        self.items[gear_id] = item
        return item

    def _new_shoes(self, day: date) -> dict[str, Any]:
        pairs = sum(1 for g in self.items.values() if g["type"] == "Shoes")
        return self._add("Shoes", f"{self._rng.choice(_SHOES)} #{pairs + 1}", day, prefix="g")

    def pick(self, sport: str, day: date, *, race: bool = False) -> dict[str, Any] | None:
        if sport == "VirtualRide":
            return self.trainer_bike
        if sport == "Ride":
            return self.tt_bike if race and self.tt_bike is not None else self.bike
        if sport in {"Run", "TrailRun", "VirtualRun"}:
            if self.shoes["distance"] > _SHOE_LIFE_M:
                self.shoes["retired"] = f"{day.isoformat()}T00:00:00"
                self.shoes = self._new_shoes(day)
            return self.shoes
        return None

    def use(self, item: dict[str, Any], activity: dict[str, Any]) -> None:
        item["distance"] = round(item["distance"] + float(activity.get("distance") or 0.0), 1)
        item["time"] = float(item["time"] + int(activity.get("moving_time") or 0))
        item["activities"] += 1
        activity["gear"] = {"id": item["id"], "name": item["name"],
                            "distance": item["distance"], "primary": item is self.bike}

    def finish(self, activities: dict[str, dict[str, Any]]) -> None:
        """Each activity's gear shows the gear's current total distance (as the API does)."""
        for activity in activities.values():
            gear = activity.get("gear")
            if gear and gear["id"] in self.items:
                gear["distance"] = self.items[gear["id"]]["distance"]
        for item in self.items.values():
            if item["type"] == "Shoes" and "retired" not in item:
                item["reminders"] = [{
                    "id": self._state.next_id("gear_reminder"), "gear_id": item["id"],
                    "name": "Replace shoes", "distance": _SHOE_LIFE_M,
                    "distance_used": item["distance"],
                    "percent_used": round(item["distance"] / _SHOE_LIFE_M * 100.0, 1),
                }]
