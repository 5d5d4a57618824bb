"""The seeded world: a coach, their athletes, a stranger, an OAuth app, and each athlete's
history. Everything derives from the seed, so the same seed gives the same credentials and
the same data on every machine."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from intervals_icu.sandbox.generate.places import seed_shared_event
from intervals_icu.sandbox.state import OAuthAppRecord, SandboxState

__all__ = ["SeedResult", "seed_world"]

_FIRST = ["Anna", "Ben", "Chloe", "Diego", "Emma", "Femke", "Gus", "Hana", "Ivo", "Julia",
          "Kofi", "Lena", "Marco", "Nina", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tara"]
_LAST = ["Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito", "Jansen",
         "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Peeters", "Rossi", "Silva", "Tanaka"]
_PLACES = [
    ("Amsterdam", "Netherlands", "Europe/Amsterdam"),
    ("Boulder", "United States", "America/Denver"),
    ("Sydney", "Australia", "Australia/Sydney"),
    ("Girona", "Spain", "Europe/Madrid"),
    ("Cape Town", "South Africa", "Africa/Johannesburg"),
    ("Auckland", "New Zealand", "Pacific/Auckland"),
]


@dataclass
class SeedResult:
    coach_id: str
    athlete_ids: list[str]
    stranger_id: str
    app_client_id: str
    athlete_keys: dict[str, str] = field(default_factory=dict)


def _key(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _profile(rng: random.Random, index: int) -> dict[str, object]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    city, country, tz = _PLACES[index % len(_PLACES)]
    sex = rng.choice(["M", "F"])
    weight = round(rng.uniform(55, 85) if sex == "F" else rng.uniform(62, 92), 1)
    return {
        "name": f"{first} {last}",
        "firstname": first,
        "lastname": last,
        "email": f"{first.lower()}.{last.lower()}{index}@example.com",
        "sex": sex,
        "city": city,
        "country": country,
        "timezone": tz,
        "locale": "en",
        "measurement_preference": "meters",
        "weight": weight,
        "icu_weight": weight,
        "icu_resting_hr": rng.randint(42, 60),
        "icu_date_of_birth": f"{rng.randint(1970, 2002)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "bio": None,
        "website": None,
        "visibility": "PRIVATE",
        "icu_permission": "WRITE",
        "plan": "SUPPORTER" if index % 2 else "FREE",
    }


def seed_world(
    state: SandboxState,
    *,
    seed: int,
    athletes: int,
    years: float,
    end: date | None = None,
    history: bool = True,
) -> SeedResult:
    rng = random.Random(seed)
    base = 100_000 + (seed % 1000) * 100
    coach = state.add_account(f"i{base + 1}", _profile(rng, 0), api_key=_key(rng))
    ids: list[str] = []
    keys: dict[str, str] = {coach.id: coach.api_key}
    for n in range(athletes):
        account = state.add_account(f"i{base + 2 + n}", _profile(rng, n + 1), api_key=_key(rng))
        state.coach(coach.id, account.id)
        ids.append(account.id)
        keys[account.id] = account.api_key
    stranger = state.add_account(f"i{base + 90}", _profile(rng, 9), api_key=_key(rng))
    keys[stranger.id] = stranger.api_key
    if len(ids) >= 2:
        state.follow(ids[0], ids[1], "READ")  # the first athlete follows the second
    app = OAuthAppRecord(
        client_id=str(300 + seed % 100),
        client_secret=_key(rng),
        name="Sandbox App",
        redirect_uris=["http://localhost/callback", "http://127.0.0.1/callback"],
        webhook_secret=_key(rng),
        owner_id=coach.id,
    )
    state.apps[app.client_id] = app
    if history:
        from intervals_icu.sandbox.generate import generate_history

        for n, athlete_id in enumerate([coach.id, *ids]):
            generate_history(state, athlete_id, seed=seed * 1000 + n, years=years, end=end)
    seed_shared_event(state, coach.id, end or state.local_today(coach.id))
    return SeedResult(coach.id, ids, stranger.id, app.client_id, keys)
