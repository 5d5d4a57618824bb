"""The numbers a report draws, computed from mirrored records: daily fitness with its
projection over planned workouts, weekly and monthly totals by sport, wellness with rolling
means, weekly compliance, and one roster row per athlete. Pure functions of rows: no I/O.

Rows are plain dicts (what the charts embed as data); days are ISO strings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from intervals_icu.report.period import Period
from intervals_icu.report.source import ActivityRow, EventRow, WellnessRow

__all__ = [
    "ATL_DAYS",
    "CTL_DAYS",
    "RACE_CATEGORIES",
    "ROLLING_DAYS",
    "RosterRow",
    "compliance_weeks",
    "fitness_days",
    "month_start",
    "races",
    "roster_row",
    "totals_by_sport",
    "week_start",
    "wellness_trends",
]

CTL_DAYS = 42
ATL_DAYS = 7
"""The time constants of fitness (CTL) and fatigue (ATL), as the platform uses them."""
ROLLING_DAYS = 7
RACE_CATEGORIES = ("RACE_A", "RACE_B", "RACE_C")
Row = dict[str, Any]


def week_start(day: date) -> date:
    """The Monday of the day's week (the platform's weeks start on Monday)."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Fitness


def fitness_days(wellness: Sequence[WellnessRow], period: Period, *, today: date,
                 planned: Sequence[EventRow] = (), ahead_days: int = 0) -> list[Row]:
    """One row per day of the period that has fitness, then ``ahead_days`` projected days.

    ``form`` is fitness minus fatigue. Projected days start from the last known day on or
    before today and add each planned workout's load on its day
    (``x += (load - x) / days``, as the platform computes fitness); their ``ramp`` is the
    change of fitness over the 7 days before.
    """
    rows: list[Row] = []
    for w in wellness:
        if not period.contains(w.day) or w.ctl is None or w.atl is None:
            continue
        rows.append({"day": w.day.isoformat(), "fitness": w.ctl, "fatigue": w.atl,
                     "form": w.ctl - w.atl, "ramp": w.ramp_rate, "projected": False})
    if ahead_days <= 0 or period.last < today:
        return rows
    known = [w for w in wellness if w.day <= today and w.ctl is not None and w.atl is not None]
    if not known:
        return rows
    start = known[-1]
    ctl, atl = float(start.ctl or 0.0), float(start.atl or 0.0)
    history = {w.day: float(w.ctl or 0.0) for w in known[-7:]}
    loads: dict[date, float] = defaultdict(float)
    for event in planned:
        if event.category == "WORKOUT" and event.load:
            loads[event.day] += event.load
    for day in _days(start.day + timedelta(days=1), today + timedelta(days=ahead_days)):
        load = loads.get(day, 0.0)
        ctl += (load - ctl) / CTL_DAYS
        atl += (load - atl) / ATL_DAYS
        history[day] = ctl
        week_ago = history.get(day - timedelta(days=7))
        rows.append({"day": day.isoformat(), "fitness": ctl, "fatigue": atl,
                     "form": ctl - atl, "ramp": None if week_ago is None else ctl - week_ago,
                     "projected": True, "planned_load": load or None})
    return rows


def races(activities: Sequence[ActivityRow], events: Sequence[EventRow]) -> list[Row]:
    """Races to mark: planned races (RACE_A/B/C events) and activities flagged as races."""
    marks = [{"day": e.day.isoformat(), "label": f"{e.category[-1]} race: {e.name or ''}".strip(),
              "kind": "planned race"} for e in events if e.category in RACE_CATEGORIES]
    marks += [{"day": a.day.isoformat(), "label": f"raced: {a.name or a.type or ''}".strip(),
               "kind": "race"} for a in activities if a.race]
    return marks


# ---------------------------------------------------------------------------------------------
# Totals


def totals_by_sport(activities: Iterable[ActivityRow], *, monthly: bool = False) -> list[Row]:
    """Load, hours and kilometres per week (or month) and sport, with the activity count."""
    buckets: dict[tuple[date, str], Row] = {}
    bucket_of = month_start if monthly else week_start
    for a in activities:
        key = (bucket_of(a.day), a.type or "Other")
        row = buckets.setdefault(key, {"start": key[0].isoformat(), "sport": key[1],
                                       "load": 0, "hours": 0.0, "km": 0.0, "count": 0})
        row["load"] += a.load or 0
        row["hours"] += (a.moving_time or 0) / 3600
        row["km"] += (a.distance or 0.0) / 1000
        row["count"] += 1
    return [buckets[k] for k in sorted(buckets)]


# ---------------------------------------------------------------------------------------------
# Wellness

WELLNESS_METRICS: dict[str, tuple[str, str]] = {
    "hrv": ("HRV (rMSSD)", "ms"),
    "resting_hr": ("Resting HR", "bpm"),
    "weight": ("Weight", "kg"),
    "sleep": ("Sleep", "h"),
}


def _metric(w: WellnessRow, metric: str) -> float | None:
    if metric == "sleep":
        return None if w.sleep_secs is None else w.sleep_secs / 3600
    value = getattr(w, metric)
    return None if value is None else float(value)


def wellness_trends(wellness: Sequence[WellnessRow], period: Period) -> list[Row]:
    """One row per metric and day with a value in the period: the value and its rolling
    mean over the ``ROLLING_DAYS`` days ending that day (the days that have a value; days
    before the period count, so the mean is right from its first day)."""
    rows: list[Row] = []
    for metric in WELLNESS_METRICS:
        values = {w.day: v for w in wellness if (v := _metric(w, metric)) is not None}
        for day in sorted(values):
            if not period.contains(day):
                continue
            window = [values[d] for d in _days(day - timedelta(days=ROLLING_DAYS - 1), day)
                      if d in values]
            rows.append({"day": day.isoformat(), "metric": metric, "value": values[day],
                         "mean": sum(window) / len(window)})
    return rows


# ---------------------------------------------------------------------------------------------
# Compliance


def compliance_weeks(events: Sequence[EventRow], activities: Sequence[ActivityRow],
                     period: Period, *, today: date) -> list[Row]:
    """Per week of the period up to today that has planned workouts: their number and load,
    against the load done (every activity of the week) and how many planned workouts an
    activity was paired with (``paired_event_id``)."""
    last = min(period.last, today)
    planned = [e for e in events if e.category == "WORKOUT" and period.contains(e.day)
               and e.day <= last]
    done = [a for a in activities if period.contains(a.day) and a.day <= last]
    paired = {a.paired_event_id for a in done if a.paired_event_id is not None}
    weeks: dict[date, Row] = {}

    def week(day: date) -> Row:
        start = week_start(day)
        return weeks.setdefault(start, {"start": start.isoformat(), "planned_load": 0,
                                        "done_load": 0, "planned": 0, "completed": 0})

    for e in planned:
        row = week(e.day)
        row["planned"] += 1
        row["planned_load"] += e.load or 0
        row["completed"] += e.event_id in paired
    for a in done:
        if week_start(a.day) in weeks:
            week(a.day)["done_load"] += a.load or 0
    for row in weeks.values():
        row["percent"] = round(100 * row["completed"] / row["planned"]) if row["planned"] else None
    return [weeks[k] for k in sorted(weeks)]


# ---------------------------------------------------------------------------------------------
# Roster


@dataclass(frozen=True)
class RosterRow:
    """One athlete in a roster table."""

    athlete_id: str
    name: str | None
    day: date | None
    """The day the fitness numbers are from (the last one on or before the period's end)."""
    fitness: float | None
    fatigue: float | None
    form: float | None
    ramp: float | None
    load_7d: int
    load_trend: float | None
    """The last 7 days' load against the weekly mean of the 28 days before, in percent."""
    last_activity: date | None
    last_activity_age: int | None
    """Days from the last activity to the athlete's today."""
    form_series: tuple[float | None, ...]


def roster_row(athlete_id: str, name: str | None, wellness: Sequence[WellnessRow],
               activities: Sequence[ActivityRow], period: Period, *, today: date,
               last_activity: date | None) -> RosterRow:
    end = min(period.last, today)
    known = [w for w in wellness if w.day <= end and w.ctl is not None and w.atl is not None]
    latest = known[-1] if known else None
    loads: dict[date, int] = defaultdict(int)
    for a in activities:
        loads[a.day] += a.load or 0
    load_7d = sum(loads.get(end - timedelta(days=i), 0) for i in range(7))
    before = sum(loads.get(end - timedelta(days=i), 0) for i in range(7, 35))
    trend = None if before == 0 else 100 * (load_7d - before / 4) / (before / 4)
    by_day = {w.day: w for w in known}
    first = period.first or (known[0].day if known else end)
    series = tuple(
        (by_day[d].ctl or 0.0) - (by_day[d].atl or 0.0) if d in by_day else None
        for d in _days(first, end))
    return RosterRow(
        athlete_id=athlete_id, name=name, day=latest.day if latest else None,
        fitness=latest.ctl if latest else None, fatigue=latest.atl if latest else None,
        form=(latest.ctl or 0.0) - (latest.atl or 0.0) if latest else None,
        ramp=latest.ramp_rate if latest else None, load_7d=load_7d, load_trend=trend,
        last_activity=last_activity,
        last_activity_age=(today - last_activity).days if last_activity else None,
        form_series=series)
