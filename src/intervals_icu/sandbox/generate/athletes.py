"""Who a seeded athlete is: their sports, physiology, home and kit, derived from the seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

__all__ = ["PLACES", "AthleteModel", "Place", "athlete_model"]


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    altitude: float
    hilliness: float
    """Standard deviation of road gradients around the city (0.03 = 3 %)."""
    mean_temp: float
    temp_swing: float


PLACES: dict[str, Place] = {
    "Amsterdam": Place(52.3676, 4.9041, 0.0, 0.004, 10.5, 7.0),
    "Boulder": Place(40.0150, -105.2705, 1655.0, 0.035, 11.0, 11.0),
    "Sydney": Place(-33.8688, 151.2093, 40.0, 0.022, 18.5, 4.5),
    "Girona": Place(41.9794, 2.8214, 75.0, 0.03, 15.0, 8.0),
    "Cape Town": Place(-33.9249, 18.4241, 30.0, 0.03, 17.0, 4.0),
    "Auckland": Place(-36.8485, 174.7633, 40.0, 0.022, 15.5, 4.0),
}
_DEFAULT_PLACE = PLACES["Amsterdam"]

ARCHETYPES = ("cyclist", "triathlete", "runner")


@dataclass(frozen=True)
class AthleteModel:
    """The athlete's body and habits; thresholds grow a little with training over the years."""

    archetype: str
    place: Place
    sex: str
    weight: float
    resting_hr: int
    max_hr: int
    lthr: int
    run_lthr: int
    ftp: int
    run_threshold_speed: float
    """m/s at threshold (about 10 km race pace)."""
    swim_threshold_speed: float
    """m/s at critical swim speed."""
    run_power: bool
    weekly_hours: float
    strength: bool
    date_of_birth: str | None
    hemisphere: int
    """1 north, -1 south (seasons)."""

    @property
    def run_ftp(self) -> int:
        """Running power at threshold (Stryd-like: about 1.04 W/kg per m/s)."""
        return round(self.weight * 1.04 * self.run_threshold_speed)


def athlete_model(profile: dict[str, Any], seed: int, *, coach: bool = False,
                  year: int = 2025) -> AthleteModel:
    """The athlete's model; ``year`` is the current one (for the age)."""
    rng = random.Random(seed * 7919 + 17)
    place = PLACES.get(str(profile.get("city") or ""), _DEFAULT_PLACE)
    sex = str(profile.get("sex") or "M")
    weight = float(profile.get("icu_weight") or profile.get("weight") or 70.0)
    resting = int(profile.get("icu_resting_hr") or 50)
    dob = profile.get("icu_date_of_birth")
    age = 35
    if isinstance(dob, str) and dob[:4].isdigit():
        age = max(18, year - int(dob[:4]))
    max_hr = round(208 - 0.7 * age + rng.uniform(-6, 6))
    lthr = round(max_hr * rng.uniform(0.89, 0.93))
    archetype = "cyclist" if coach else ARCHETYPES[rng.randrange(len(ARCHETYPES))]
    watts_per_kg = rng.uniform(2.9, 4.3) if sex == "M" else rng.uniform(2.6, 3.9)
    if archetype == "runner":
        watts_per_kg -= 0.4
    ftp = int(round(weight * watts_per_kg / 5.0) * 5)
    run_speed = (rng.uniform(3.6, 4.6) if sex == "M" else rng.uniform(3.2, 4.2))
    if archetype == "cyclist":
        run_speed -= 0.3
    swim = rng.uniform(1.05, 1.45) if archetype == "triathlete" else rng.uniform(0.85, 1.15)
    weekly = {"cyclist": rng.uniform(7, 11), "triathlete": rng.uniform(8, 12),
              "runner": rng.uniform(5, 8)}[archetype]
    if coach:
        weekly *= 0.7
    return AthleteModel(
        archetype=archetype, place=place, sex=sex, weight=weight, resting_hr=resting,
        max_hr=max_hr, lthr=lthr, run_lthr=min(max_hr - 3, lthr + rng.randint(2, 6)), ftp=ftp,
        run_threshold_speed=round(run_speed, 3), swim_threshold_speed=round(swim, 3),
        run_power=rng.random() < 0.35, weekly_hours=weekly, strength=rng.random() < 0.7,
        date_of_birth=dob if isinstance(dob, str) else None,
        hemisphere=1 if place.lat >= 0 else -1,
    )
