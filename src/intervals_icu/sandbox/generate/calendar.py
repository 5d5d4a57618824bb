"""Calendar events: planned workouts (past and future), notes, races, targets, sick days."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.generate.athletes import AthleteModel
from intervals_icu.sandbox.generate.plan import DayPlan
from intervals_icu.sandbox.generate.workouts import Session
from intervals_icu.sandbox.platform.planned_workouts import fill_workout_fields
from intervals_icu.sandbox.state import SandboxState

__all__ = ["CalendarBuilder"]

_RACES = {
    "cyclist": ("Ride", "Gran Fondo", 4 * 3600 + 1800, 140_000.0),
    "triathlete": ("Ride", "Olympic Triathlon", 2 * 3600 + 1200, 51_500.0),
    "runner": ("Run", "City Half Marathon", 5400, 21_097.5),
}


def _midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


class CalendarBuilder:
    """Collects the athlete's events with ids from the state's counter."""

    def __init__(self, state: SandboxState, athlete_id: str, model: AthleteModel,
                 rng: random.Random, *, planner_id: str, now: datetime) -> None:
        self.state = state
        self.athlete_id = athlete_id
        self.model = model
        self.rng = rng
        self.planner_id = planner_id
        self.now = now
        self.events: dict[int, dict[str, Any]] = {}

    def _stamp(self, moment: datetime) -> str:
        return stamp(min(moment, self.now))

    def _add(self, event: dict[str, Any]) -> dict[str, Any]:
        event = {"id": self.state.next_id("event", start=500_000), "athlete_id": self.athlete_id,
                 **event}
        self.events[event["id"]] = event
        return event

    def _planned_on(self, day: date) -> datetime:
        """Coaches plan next week on Sunday evening."""
        sunday = day - timedelta(days=day.weekday() + 1)
        return datetime.combine(sunday, time(19, self.rng.randint(0, 59),
                                             self.rng.randint(0, 59)), tzinfo=UTC)

    def workout(self, day: date, session: Session) -> dict[str, Any]:
        """A planned workout written as native text; the doc, duration, load and intensity
        are derived from the text exactly as for a workout created through the API."""
        description = session.description()
        event: dict[str, Any] = {
            "category": "WORKOUT",
            "start_date_local": _midnight(day),
            "type": session.sport,
            "name": session.name,
            "description": description,
            "target": session.target,
            "indoor": session.indoor,
            "created_by_id": self.planner_id,
            "updated": self._stamp(self._planned_on(day)),
        }
        fill_workout_fields(self.state.store(self.athlete_id), event,
                            {"description": description}, sport=session.sport)
        if session.sport in {"Ride", "VirtualRide"}:
            event["icu_ftp"] = self.model.ftp
            event["joules"] = round(sum(s * v * self.model.ftp for s, v in session.segments()))
        return self._add(event)

    def note(self, day: date, name: str, description: str, color: str = "blue") -> None:
        self._add({"category": "NOTE", "start_date_local": _midnight(day),
                   "end_date_local": _midnight(day + timedelta(days=1)), "name": name,
                   "description": description, "color": color,
                   "created_by_id": self.planner_id,
                   "updated": self._stamp(datetime.combine(day - timedelta(days=3), time(20),
                                                           tzinfo=UTC))})

    def race(self, day: date, category: str) -> dict[str, Any]:
        sport, name, secs, distance = _RACES[self.model.archetype]
        return self._add({
            "category": category, "start_date_local": _midnight(day), "type": sport,
            "name": name, "description": f"{name}. Goal: pace it evenly, fuel every 30 min.",
            "moving_time": secs, "distance": distance, "created_by_id": self.athlete_id,
            "updated": self._stamp(datetime.combine(day - timedelta(days=60), time(12),
                                                    tzinfo=UTC)),
        })

    def target(self, monday: date, load: int, seconds: int) -> None:
        self._add({"category": "TARGET", "start_date_local": _midnight(monday),
                   "name": "Weekly target", "load_target": load, "time_target": seconds,
                   "for_week": True, "created_by_id": self.planner_id,
                   "updated": self._stamp(self._planned_on(monday + timedelta(days=1)))})

    def sick(self, first: date, last: date) -> None:
        self._add({"category": "SICK", "start_date_local": _midnight(first),
                   "end_date_local": _midnight(last + timedelta(days=1)), "name": "Sick",
                   "created_by_id": self.athlete_id,
                   "updated": self._stamp(datetime.combine(first, time(8), tzinfo=UTC))})

    def sick_periods(self, plans: list[DayPlan]) -> None:
        run: list[date] = []
        for plan in plans:
            if plan.sick:
                run.append(plan.day)
                continue
            if run:
                self.sick(run[0], run[-1])
                run = []
        if run:
            self.sick(run[0], run[-1])
