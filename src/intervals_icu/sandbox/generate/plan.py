"""The training calendar: which sessions an athlete does on which day.

A weekly template per kind of athlete (cyclist, triathlete, runner) with a rest day,
periodized in 4-week blocks (3 building, 1 easier), more volume in summer, more indoor
riding in winter, an easy fortnight after the season, a couple of illnesses a year, a
missed session now and then, and a race. Each day draws from its own seeded generator, so a
day's sessions do not depend on how long the history is.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from intervals_icu.sandbox.generate.athletes import AthleteModel
from intervals_icu.sandbox.generate.workouts import Session, make_session

__all__ = ["DayPlan", "PlannedSession", "plan_days", "season"]

# Per weekday (Monday first): options of (sport, kind, probability).
_TEMPLATES: dict[str, list[list[tuple[str, str, float]]]] = {
    "cyclist": [
        [("Ride", "recovery", 0.3)],
        [("Ride", "hard", 1.0)],
        [("Ride", "endurance", 1.0), ("WeightTraining", "strength", 0.6)],
        [("Ride", "steady", 1.0)],
        [("Ride", "recovery", 0.6), ("Run", "recovery", 0.3)],
        [("Ride", "long", 1.0)],
        [("Ride", "endurance", 1.0), ("Run", "easy", 0.2)],
    ],
    "triathlete": [
        [("Swim", "css", 0.9)],
        [("Ride", "hard", 1.0), ("Run", "easy", 0.35)],
        [("Run", "intervals", 1.0), ("Swim", "endurance", 0.5)],
        [("Ride", "steady", 1.0)],
        [("Swim", "css", 0.7), ("WeightTraining", "strength", 0.4)],
        [("Ride", "long", 1.0), ("Run", "brick", 0.4)],
        [("Run", "long", 1.0)],
    ],
    "runner": [
        [("Walk", "walk", 0.35)],
        [("Run", "intervals", 1.0)],
        [("Run", "easy", 1.0), ("WeightTraining", "strength", 0.6)],
        [("Run", "tempo", 1.0)],
        [("Run", "recovery", 0.6), ("Ride", "endurance", 0.3)],
        [("Run", "easy", 1.0), ("WeightTraining", "strength", 0.25)],
        [("Run", "long", 1.0)],
    ],
}
_BLOCK = (0.9, 1.0, 1.1, 0.65)


@dataclass
class PlannedSession:
    session: Session
    start: datetime
    """Local start time."""
    source: str


@dataclass
class DayPlan:
    day: date
    sessions: list[PlannedSession] = field(default_factory=list)
    sick: bool = False
    block_start: bool = False


def season(model: AthleteModel, day: date) -> float:
    """+1 at the height of summer, -1 in midwinter (hemisphere aware)."""
    peak = 200 if model.hemisphere > 0 else 17
    return math.cos(2 * math.pi * (day.timetuple().tm_yday - peak) / 365.25)


def _off_season(model: AthleteModel, day: date) -> bool:
    month = 10 if model.hemisphere > 0 else 4
    return day.month == month and day.day <= 14


def _sick_days(seed: int, first: date, last: date) -> set[date]:
    rng = random.Random(seed * 977 + 3)
    sick: set[date] = set()
    for year in range(first.year, last.year + 1):
        for _ in range(rng.choice([1, 2, 2])):
            start = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            for k in range(rng.randint(3, 6)):
                sick.add(start + timedelta(days=k))
    return sick


def _kind(sport: str, kind: str, week: int, rng: random.Random) -> str:
    if kind == "hard":
        return "threshold" if week % 2 == 0 else "vo2"
    if kind == "steady":
        return rng.choice(["sweetspot", "tempo", "sweetspot"])
    return kind


def plan_days(model: AthleteModel, seed: int, first: date, last: date, *,
              device: str, race_day: date | None = None) -> list[DayPlan]:
    """A plan for every day in ``[first, last]``."""
    template = _TEMPLATES[model.archetype]
    sick = _sick_days(seed, first, last)
    volume = model.weekly_hours / 9.0
    plans: list[DayPlan] = []
    day = first
    while day <= last:
        rng = random.Random(seed * 100_003 + day.toordinal())
        week = day.toordinal() // 7
        plan = DayPlan(day, sick=day in sick, block_start=day.weekday() == 0 and week % 4 == 0)
        plans.append(plan)
        if plan.sick:
            day += timedelta(days=1)
            continue
        summer = season(model, day)
        scale = volume * _BLOCK[week % 4] * (0.9 + 0.12 * summer)
        easy = _off_season(model, day)
        clock = _first_start(day, rng)
        for sport, kind, chance in template[day.weekday()]:
            if rng.random() > chance * (0.5 if easy else 1.0) or rng.random() < 0.04:
                continue
            kind = _kind(sport, kind, week, rng)
            if easy and kind not in {"recovery", "easy", "strength", "walk", "endurance"}:
                kind = "endurance" if sport in {"Ride", "Swim"} else "easy"
            if race_day == day and kind in {"long", "easy"}:
                kind = "race"
            indoor = False
            actual = sport
            if sport == "Ride":
                chance_indoor = 0.25 if summer > 0.3 else (0.75 if summer < -0.3 else 0.45)
                if kind == "long":
                    chance_indoor *= 0.4
                if kind != "race" and rng.random() < chance_indoor:
                    actual, indoor = "VirtualRide", True
            session = make_session(actual, kind, rng, scale=scale, indoor=indoor or sport in {
                "Swim", "WeightTraining"})
            plan.sessions.append(PlannedSession(session, clock, _source(actual, kind, device,
                                                                        rng)))
            clock = _next_start(clock, session.duration, rng)
        day += timedelta(days=1)
    return plans


def _first_start(day: date, rng: random.Random) -> datetime:
    if day.weekday() >= 5:
        start = time(rng.randint(7, 9), rng.randint(0, 59), rng.randint(0, 59))
    elif rng.random() < 0.6:
        start = time(rng.randint(5, 7), rng.randint(0, 59), rng.randint(0, 59))
    else:
        start = time(rng.randint(12, 12 if rng.random() < 0.3 else 18), rng.randint(0, 59),
                     rng.randint(0, 59))
    return datetime.combine(day, start)


def _next_start(previous: datetime, seconds: int, rng: random.Random) -> datetime:
    """A later session the same day: in the evening after a morning one, never overlapping."""
    earliest = previous + timedelta(seconds=seconds + 1800)
    candidate = previous + timedelta(seconds=seconds + rng.randint(1800, 4 * 3600))
    if previous.hour < 11:
        candidate = candidate.replace(hour=max(candidate.hour, rng.randint(17, 19)))
    latest = previous.replace(hour=22, minute=rng.randint(0, 30), second=rng.randint(0, 59))
    return max(earliest, min(candidate, latest))


def _source(sport: str, kind: str, device: str, rng: random.Random) -> str:
    if sport == "VirtualRide":
        return "ZWIFT" if rng.random() < 0.8 else device
    if sport == "WeightTraining":
        return "MANUAL" if rng.random() < 0.35 else "GARMIN_CONNECT"
    if sport in {"Ride", "Run", "Walk"} and kind != "race" and rng.random() < 0.05:
        return "STRAVA"
    return device if sport == "Ride" else "GARMIN_CONNECT"
