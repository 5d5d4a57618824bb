"""An athlete's whole history: activities, wellness, calendar, gear, settings, custom items."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.generate.activities import athlete_context, build_activity
from intervals_icu.sandbox.generate.athletes import athlete_model
from intervals_icu.sandbox.generate.calendar import CalendarBuilder
from intervals_icu.sandbox.generate.gear import GearRack
from intervals_icu.sandbox.generate.places import seed_routes
from intervals_icu.sandbox.generate.plan import DayPlan, plan_days
from intervals_icu.sandbox.generate.settings import custom_items, sport_settings
from intervals_icu.sandbox.generate.wellness import wellness_records
from intervals_icu.sandbox.platform.fitness import daily_loads, recompute_fitness
from intervals_icu.sandbox.state import SandboxState

__all__ = ["generate_history"]

PLANNED_PAST_DAYS = 28
"""Planned workouts are kept on the calendar for the last four weeks."""
PLANNED_FUTURE_DAYS = 21


def _weekend(day: date, sunday: bool) -> date:
    return day + timedelta(days=(6 if sunday else 5) - day.weekday())


def generate_history(state: SandboxState, athlete_id: str, *, seed: int, years: float,
                     end: date | None = None) -> None:
    """Fill the athlete's store with ``years`` of history up to ``end`` (local today).

    Activities are those of the days before ``end``; wellness runs to ``end``; planned
    workouts run three weeks past it. Nothing is emitted (no webhooks while seeding).
    """
    end = end or state.local_today(athlete_id)
    first = end - timedelta(days=max(1, round(years * 365.25)))
    store = state.store(athlete_id)
    account = state.accounts[athlete_id]
    coaches = sorted(account.coached_by)
    is_coach = any(athlete_id in other.coached_by for other in state.accounts.values())
    model = athlete_model(account.profile, seed, coach=is_coach, year=end.year)
    store.extra["generator"] = {"seed": seed, "coach": is_coach, "model": model}
    origin = stamp(datetime.combine(first, time(9), tzinfo=UTC))
    for item in sport_settings(state, athlete_id, model, origin):
        store.sport_settings[item["id"]] = item
    for item in custom_items(state, athlete_id, origin):
        store.custom_items[item["id"]] = item
    ctx = athlete_context(state, athlete_id, seed)
    rng = random.Random(seed)
    device = "GARMIN_CONNECT" if rng.random() < 0.7 else "WAHOO"
    sunday_racer = model.archetype == "runner"
    past_race = _weekend(end - timedelta(days=40), sunday_racer)
    future_race = _weekend(end + timedelta(days=56), sunday_racer)
    plans = plan_days(model, seed, first, end + timedelta(days=PLANNED_FUTURE_DAYS - 1),
                      device=device, race_day=past_race if past_race >= first else None)
    now = state.now()
    calendar = CalendarBuilder(state, athlete_id, model, random.Random(seed + 1),
                               planner_id=coaches[0] if coaches else athlete_id, now=now)
    rack = GearRack(state, athlete_id, random.Random(seed + 2), first,
                    triathlete=model.archetype == "triathlete")
    for plan in plans:
        day = plan.day
        for number, planned in enumerate(plan.sessions):
            session = planned.session
            show = day >= end - timedelta(days=PLANNED_PAST_DAYS)
            if day >= end:
                calendar.workout(day, session)
                continue
            event_id = None
            if show and (session.structured or session.kind == "long"):
                event_id = calendar.workout(day, session)["id"]
            session_rng = random.Random(seed * 1_000_003 + day.toordinal() * 10 + number)
            activity, detail = build_activity(state, ctx, session, when=planned.start,
                                              rng=session_rng, source=planned.source,
                                              paired_event_id=event_id)
            gear = rack.pick(session.sport, day, race=session.race)
            if gear is not None:
                rack.use(gear, activity)
            store.activities[activity["id"]] = activity
            store.details[activity["id"]] = detail
            state.index_activity(athlete_id, activity["id"])
        if plan.block_start and day >= end - timedelta(days=90):
            calendar.note(day, "Build block", "Four weeks: three building, one easier.")
    if past_race >= first:
        calendar.race(past_race, "RACE_B")
    calendar.race(future_race, "RACE_A")
    _targets(calendar, plans, end)
    calendar.sick_periods([p for p in plans if end - timedelta(days=120) <= p.day <= end])
    store.events.update(calendar.events)
    rack.finish(store.activities)
    store.gear.update(rack.items)
    seed_routes(state, athlete_id)

    days = [first + timedelta(days=i) for i in range((end - first).days + 1)]
    loads = daily_loads(store.activities, first, end)
    sick = {p.day for p in plans if p.sick}
    store.wellness.update(wellness_records(model, seed, days, loads, sick, ctx.timezone, now))
    recompute_fitness(state, athlete_id, since=first)
    for activity in store.activities.values():
        record = store.wellness.get(str(activity["start_date_local"])[:10])
        if record is not None and "ctl" in record:
            activity["icu_ctl"] = record["ctl"]
            activity["icu_atl"] = record["atl"]


def _targets(calendar: CalendarBuilder, plans: list[DayPlan], end: date) -> None:
    """Weekly load and time targets for the planned weeks ahead."""
    weeks: dict[date, list[int]] = {}
    for plan in plans:
        if plan.day < end:
            continue
        monday = plan.day - timedelta(days=plan.day.weekday())
        totals = weeks.setdefault(monday, [0, 0])
        for planned in plan.sessions:
            load, _ = planned.session.planned_load()
            totals[0] += load
            totals[1] += planned.session.duration
    for monday, (load, seconds) in sorted(weeks.items()):
        if monday >= end - timedelta(days=6) and load > 0:
            calendar.target(monday, load, seconds)
