"""One activity: a session executed by an athlete on a day, as the platform stores it."""

from __future__ import annotations

import functools
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.generate.athletes import AthleteModel, athlete_model
from intervals_icu.sandbox.generate.settings import settings_for, sport_settings
from intervals_icu.sandbox.generate.workouts import Session, make_session
from intervals_icu.sandbox.platform.activities import with_primitives
from intervals_icu.sandbox.platform.intervals import detect_intervals, interval_summary
from intervals_icu.sandbox.platform.streams import ActivityRecipe, stream_types, synthesize
from intervals_icu.sandbox.platform.summary import summarize
from intervals_icu.sandbox.platform.weather import weather_of
from intervals_icu.sandbox.state import ActivityDetail, SandboxState

__all__ = [
    "ACTIVITY_ID_START",
    "STRAVA_ID_START",
    "AthleteContext",
    "athlete_context",
    "build_activity",
    "generate_activity",
]

_DEVICES = {
    "GARMIN_CONNECT": {"ride": "Garmin Edge 530", "run": "Garmin Forerunner 255",
                       "swim": "Garmin Forerunner 255", "other": "Garmin Forerunner 255"},
    "WAHOO": {"ride": "Wahoo ELEMNT BOLT", "run": "Apple Watch", "swim": "Apple Watch",
              "other": "Apple Watch"},
    "ZWIFT": {"ride": "Zwift", "run": "Zwift", "swim": "Zwift", "other": "Zwift"},
    "STRAVA": {"ride": "Strava iPhone App", "run": "Strava iPhone App",
               "swim": "Strava iPhone App", "other": "Strava iPhone App"},
}
_ZWIFT_WORLDS = ["Watopia", "Makuri Islands", "London", "Innsbruck", "Richmond", "Yorkshire"]
_SOURCE_KINDS = {"Ride": "ride", "VirtualRide": "ride", "Run": "run", "Swim": "swim"}
_DEFAULT_KINDS = {
    "Ride": ["endurance", "endurance", "threshold", "sweetspot", "tempo", "long", "vo2"],
    "VirtualRide": ["endurance", "threshold", "sweetspot", "vo2"],
    "Run": ["easy", "easy", "intervals", "tempo", "long"],
    "Swim": ["css", "endurance"],
    "WeightTraining": ["strength"],
    "Walk": ["walk"],
}


@dataclass
class AthleteContext:
    """What building an athlete's activities needs, gathered once."""

    athlete_id: str
    profile: dict[str, Any]
    model: AthleteModel
    settings: list[dict[str, Any]]
    timezone: ZoneInfo
    home: tuple[float, float]


def athlete_context(state: SandboxState, athlete_id: str, seed: int | None = None) -> (
    AthleteContext
):
    """The context of an athlete, from the generator's notes in the store when seeded."""
    account = state.accounts[athlete_id]
    store = state.store(athlete_id)
    notes = store.extra.setdefault("generator", {})
    if seed is None:
        seed = int(notes.get("seed", int("".join(c for c in athlete_id if c.isdigit()) or 0)))
    notes["seed"] = seed
    model = notes.get("model")
    if not isinstance(model, AthleteModel):
        model = athlete_model(account.profile, seed, coach=bool(notes.get("coach")),
                              year=state.local_today(athlete_id).year)
        notes["model"] = model
    settings = list(store.sport_settings.values())
    if not settings:
        for item in sport_settings(state, athlete_id, model, state.now_stamp()):
            store.sport_settings[item["id"]] = item
        settings = list(store.sport_settings.values())
    rng = random.Random(seed * 31 + 5)
    # Home is a little way from the city centre, in a fixed direction per athlete.
    bearing = rng.uniform(0, 2 * math.pi)
    km = rng.uniform(1.0, 5.0)
    lat = model.place.lat + km * math.cos(bearing) / 111.32
    lon = model.place.lon + km * math.sin(bearing) / (111.32 * math.cos(math.radians(
        model.place.lat)))
    return AthleteContext(athlete_id, account.profile, model, settings, account.timezone,
                          (round(lat, 5), round(lon, 5)))


def _temperature(model: AthleteModel, when: datetime) -> float:
    day = when.timetuple().tm_yday
    peak = 200 if model.hemisphere > 0 else 17
    seasonal = math.cos(2 * math.pi * (day - peak) / 365.25)
    diurnal = -3.0 * math.cos(2 * math.pi * (when.hour - 3) / 24)
    return round(model.place.mean_temp + model.place.temp_swing * seasonal + diurnal, 1)


def make_recipe(ctx: AthleteContext, session: Session, when: datetime, rng: random.Random) -> (
    ActivityRecipe
):
    """How the athlete actually did the session: a little off the plan, as people are."""
    model = ctx.model
    segments: list[tuple[int, float]] = []
    for seconds, intensity in session.segments():
        factor = rng.uniform(0.97, 1.03) if intensity > 0 else 1.0
        segments.append((seconds, round(intensity * factor, 3)))
    sport = session.sport
    outdoor = sport in {"Ride", "Run", "Walk"} and not session.indoor
    if sport in {"Run", "VirtualRun"}:
        threshold_speed, lthr = model.run_threshold_speed, model.run_lthr
    elif sport == "Swim":
        threshold_speed, lthr = model.swim_threshold_speed, model.lthr - 10
    elif sport == "Walk":
        threshold_speed, lthr = 1.4, model.lthr
    else:
        threshold_speed, lthr = model.run_threshold_speed, model.lthr
    has_power = sport in {"Ride", "VirtualRide"} or (sport == "Run" and model.run_power)
    stops = 0
    if outdoor:
        stops = rng.choice([0, 1, 2, 3]) if not session.structured else rng.choice([0, 1])
        if session.race:
            stops = 0
    return ActivityRecipe(
        sport=sport, seed=rng.getrandbits(48), segments=tuple(segments),
        ftp=model.ftp if sport != "Run" else model.run_ftp,
        threshold_speed=threshold_speed, lthr=lthr,
        max_hr=model.max_hr - (10 if sport == "Swim" else 0), resting_hr=model.resting_hr,
        weight=model.weight,
        lat=ctx.home[0] if outdoor else None, lon=ctx.home[1] if outdoor else None,
        base_altitude=model.place.altitude,
        hilliness=model.place.hilliness * (0.6 if sport in {"Run", "Walk"} else 1.0),
        has_power=has_power, has_hr=sport != "Swim" or rng.random() < 0.7, stops=stops,
        temperature=_temperature(model, when),
    )


@functools.lru_cache(maxsize=1024)
def _analysis(recipe: ActivityRecipe, settings_json: str, athlete_json: str, on: date) -> str:
    """Synthesize, summarize and find intervals, as JSON text: cached because test sandboxes
    are re-seeded with the same seed many times per process, and text because every caller
    needs its own copy (parsing is the cheapest deep copy)."""
    settings = json.loads(settings_json)
    athlete = json.loads(athlete_json)
    arrays = synthesize(recipe, positions=False)
    summary = summarize(arrays, sport=recipe.sport, sport_settings=settings, athlete=athlete,
                        on=on)
    summary["stream_types"] = stream_types(recipe)  # latlng was left out of ``arrays``
    intervals, groups = detect_intervals(
        arrays, sport=recipe.sport, ftp=settings.get("ftp"), lthr=settings.get("lthr"),
        max_hr=settings.get("max_hr"), threshold_speed=settings.get("threshold_pace"),
        resting_hr=athlete.get("icu_resting_hr"))
    return json.dumps([summary, intervals, groups])


_SUMMARY_SETTINGS = ("ftp", "lthr", "max_hr", "hr_zones", "power_zones", "threshold_pace",
                     "pace_zones", "w_prime", "p_max", "sweet_spot_min", "sweet_spot_max",
                     "load_order")
_SUMMARY_ATHLETE = ("sex", "icu_weight", "weight", "icu_resting_hr", "icu_date_of_birth")


def analyze(recipe: ActivityRecipe, settings: dict[str, Any] | None, athlete: dict[str, Any],
            on: date) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Summary, intervals and groups of a recipe's streams (fresh copies every call)."""
    settings_json = json.dumps({k: (settings or {}).get(k) for k in _SUMMARY_SETTINGS
                                if (settings or {}).get(k) is not None}, sort_keys=True)
    athlete_json = json.dumps({k: athlete.get(k) for k in _SUMMARY_ATHLETE}, sort_keys=True)
    summary, intervals, groups = json.loads(_analysis(recipe, settings_json, athlete_json, on))
    return summary, intervals, groups


def _name(session: Session, when: datetime, source: str, rng: random.Random) -> str:
    if session.sport == "VirtualRide" and source == "ZWIFT":
        if session.structured:
            return f"Zwift - {session.name}"
        return f"Zwift - {rng.choice(_ZWIFT_WORLDS)}"
    if session.structured or session.race or session.kind in {"long", "recovery", "brick"}:
        return session.name
    if session.sport == "WeightTraining":
        return rng.choice(["Strength", "Gym", "Core and Strength"])
    hour = when.hour
    part = ("Morning" if hour < 11 else "Lunch" if hour < 14 else "Afternoon" if hour < 17
            else "Evening")
    label = {"VirtualRide": "Virtual Ride", "WeightTraining": "Weight Training"}.get(
        session.sport, session.sport)
    return f"{part} {label}"


ACTIVITY_ID_START = 40_000_000
STRAVA_ID_START = 9_800_000_000


def _activity_id(state: SandboxState, source: str) -> str:
    if source == "STRAVA":
        # Strava-synced activities keep Strava's numeric id (API-NOTES §2.2).
        return str(state.next_id("strava_activity", start=STRAVA_ID_START))
    return f"i{state.next_id('activity', start=ACTIVITY_ID_START)}"


def build_activity(state: SandboxState, ctx: AthleteContext, session: Session, *,
                   when: datetime, rng: random.Random, source: str,
                   paired_event_id: int | None = None) -> tuple[dict[str, Any], ActivityDetail]:
    """The Activity dict and detail of ``session`` done at local time ``when``."""
    activity_id = _activity_id(state, source)
    local = when.replace(microsecond=0, tzinfo=None)
    start_utc = local.replace(tzinfo=ctx.timezone).astimezone(UTC)
    settings = settings_for(session.sport, ctx.settings)
    activity: dict[str, Any] = {
        "id": activity_id,
        "icu_athlete_id": ctx.athlete_id,
        "type": session.sport,
        "name": _name(session, local, source, rng),
        "start_date_local": local.isoformat(),
        "start_date": start_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": str(ctx.timezone),
        "source": source,
        "trainer": session.indoor and session.sport in {"Ride", "VirtualRide", "Run"},
        "commute": False,
        "race": session.race,
    }
    detail = ActivityDetail()
    if source == "MANUAL":
        minutes = session.duration // 60
        rpe = rng.randint(4, 7)
        activity.update(moving_time=session.duration, elapsed_time=session.duration,
                        icu_rpe=rpe, session_rpe=rpe * minutes,
                        icu_training_load=round(rpe * minutes / 8), stream_types=[],
                        has_heartrate=False)
    else:
        recipe = make_recipe(ctx, session, local, rng)
        summary, intervals, groups = analyze(recipe, settings, ctx.profile, local.date())
        detail.recipe = recipe
        detail.intervals, detail.groups = intervals, groups
        activity.update(summary)
        if intervals:
            activity["interval_summary"] = interval_summary(intervals, groups, session.sport)
        activity["icu_lap_count"] = (int(summary.get("distance", 0) // 1000) + 1
                                     if session.sport == "Run" else
                                     1 + sum(1 for i in intervals if i["type"] == "WORK") * 2)
        kind = _SOURCE_KINDS.get(session.sport, "other")
        activity["device_name"] = _DEVICES.get(source, _DEVICES["GARMIN_CONNECT"])[kind]
        if source == "STRAVA":
            activity["strava_id"] = activity_id
        else:
            activity["file_type"] = "fit"
            if rng.random() < 0.3:
                activity["external_id"] = f"{source.lower()}-{rng.getrandbits(40)}"
        if session.sport == "Swim":
            activity["pool_length"] = recipe.pool_length
            activity["lengths"] = int(summary.get("distance", 0) // recipe.pool_length)
    end_utc = start_utc + timedelta(seconds=int(activity.get("elapsed_time") or 0))
    created = end_utc + timedelta(minutes=rng.randint(3, 40), seconds=rng.randint(0, 59),
                                  milliseconds=rng.randint(0, 999))
    activity["created"] = stamp(created)
    activity["icu_sync_date"] = stamp(created)
    activity["analyzed"] = stamp(created + timedelta(seconds=rng.randint(2, 30),
                                                     milliseconds=rng.randint(0, 999)))
    weather = weather_of(detail.recipe)
    if weather is not None:
        activity.update(weather.fields())
    with_primitives(activity)
    if paired_event_id is not None:
        activity["paired_event_id"] = paired_event_id
        activity["compliance"] = round(rng.uniform(82, 104), 1)
    if rng.random() < 0.4:
        activity["icu_rpe"] = activity.get("icu_rpe") or rng.randint(3, 9)
        activity["feel"] = rng.randint(1, 5)
    if rng.random() < 0.12:
        activity["description"] = rng.choice([
            "Legs felt heavy at the start, better after the warmup.",
            "Windy out there.", "Great session, felt strong.", "Easy one, kept it chatty.",
            "Bit of a headache, cut it short.", "New route, nice climbs.",
        ])
    if session.sport in {"Ride", "Run"} and session.kind in {"endurance", "easy"} and (
            rng.random() < 0.15):
        activity["tags"] = [rng.choice(["group", "commute", "with friends"])]
        activity["commute"] = activity["tags"] == ["commute"]
    return activity, detail


def generate_activity(state: SandboxState, athlete_id: str, *, rng_seed: int, when: datetime,
                      sport: str, source: str = "GARMIN_CONNECT") -> tuple[dict[str, Any],
                                                                           ActivityDetail]:
    """One new activity of ``sport`` at local time ``when`` (not stored, no webhook).

    It gets a fresh id (``i…``, or a Strava-like number for ``source="STRAVA"``); the
    caller stores it, indexes it and emits what the platform would.
    """
    ctx = athlete_context(state, athlete_id)
    rng = random.Random(rng_seed)
    kinds = _DEFAULT_KINDS.get(sport, ["endurance"])
    session = make_session(sport, rng.choice(kinds), rng,
                           indoor=sport in {"VirtualRide", "Swim", "WeightTraining"})
    return build_activity(state, ctx, session, when=when, rng=rng, source=source)
