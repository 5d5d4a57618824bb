"""The numbers behind the charts, against brute force and the platform's formulas."""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from intervals_icu.report.curves import best_times, mean_max
from intervals_icu.report.period import Period, PeriodRequest
from intervals_icu.report.series import (
    compliance_weeks,
    fitness_days,
    totals_by_sport,
    week_start,
)
from intervals_icu.report.source import ActivityRow, EventRow, WellnessRow
from intervals_icu.report.sparkline import BLOCKS, sparkline

powers = st.lists(st.integers(0, 1500), min_size=1, max_size=300)


@given(powers)
def test_mean_max_is_the_best_window_mean(values: list[int]) -> None:
    best = mean_max(np.asarray(values, dtype=float), range(1, len(values) + 1))
    for seconds, value in best.items():
        brute = max(sum(values[i:i + seconds]) for i in range(len(values) - seconds + 1))
        assert math.isclose(value, brute / seconds, rel_tol=1e-9, abs_tol=1e-9)
    assert sorted(best) == list(range(1, len(values) + 1))


@given(st.lists(st.floats(0.5, 8.0), min_size=2, max_size=200),
       st.sampled_from([5.0, 20.0, 100.0]))
def test_best_times_are_the_fastest_span_covering_the_distance(
        speeds: list[float], metres: float) -> None:
    distance = list(np.cumsum([0.0, *speeds]))
    time = list(range(len(distance)))
    best = best_times(time, distance, [metres])
    spans = [time[j] - time[i] for i in range(len(distance)) for j in range(i, len(distance))
             if distance[j] - distance[i] >= metres]
    if spans and distance[-1] - distance[0] >= metres:
        assert best[metres] == min(s for s in spans if s > 0)
    else:
        assert metres not in best


@given(st.lists(st.one_of(st.none(), st.floats(-100, 100)), min_size=1, max_size=80),
       st.integers(1, 40))
def test_sparkline_keeps_order_and_width(values: list[float | None], width: int) -> None:
    line = sparkline(values, width=width)
    assert len(line) == min(len(values), width)
    assert set(line) <= set(BLOCKS) | {" "}
    if len(values) <= width:
        present = [(v, c) for v, c in zip(values, line, strict=True) if v is not None]
        for (a, ca), (b, cb) in itertools.pairwise(present):
            if a < b:
                assert BLOCKS.index(ca) <= BLOCKS.index(cb)


def _wellness(day: date, ctl: float, atl: float) -> WellnessRow:
    return WellnessRow(day, ctl, atl, None, None, None, None, None)


def test_projection_applies_planned_loads_with_the_platforms_time_constants() -> None:
    today = date(2028, 2, 28)
    wellness = [_wellness(today - timedelta(days=i), 50.0, 60.0) for i in range(10)][::-1]
    planned = [EventRow(1, today + timedelta(days=1), "WORKOUT", "Ride", "Long", 3600, None,
                        120),
               EventRow(2, today + timedelta(days=1), "NOTE", None, "note", None, None, 500)]
    rows = fitness_days(wellness, Period.last_days(10, today), today=today, planned=planned,
                        ahead_days=3)
    ahead = [r for r in rows if r["projected"]]
    assert [r["day"] for r in ahead] == ["2028-02-29", "2028-03-01", "2028-03-02"]
    assert math.isclose(ahead[0]["fitness"], 50 + (120 - 50) / 42)
    assert math.isclose(ahead[0]["fatigue"], 60 + (120 - 60) / 7)
    assert math.isclose(ahead[1]["fatigue"], ahead[0]["fatigue"] * (1 - 1 / 7))
    assert math.isclose(ahead[0]["ramp"], ahead[0]["fitness"] - 50.0)
    assert all(not r["projected"] for r in rows[:10])


activities = st.lists(st.builds(
    ActivityRow, activity_id=st.uuids().map(str),
    day=st.dates(date(2027, 12, 1), date(2028, 3, 31)),
    type=st.sampled_from(["Ride", "Run", None]), name=st.none(),
    distance=st.one_of(st.none(), st.floats(0, 200000)),
    moving_time=st.one_of(st.none(), st.integers(0, 20000)),
    load=st.one_of(st.none(), st.integers(0, 400)), race=st.booleans(),
    paired_event_id=st.none()), max_size=40)


@given(activities, st.booleans())
def test_totals_add_up_to_the_activities(rows: list[ActivityRow], monthly: bool) -> None:
    totals = totals_by_sport(rows, monthly=monthly)
    assert sum(t["load"] for t in totals) == sum(a.load or 0 for a in rows)
    assert sum(t["count"] for t in totals) == len(rows)
    assert math.isclose(sum(t["km"] for t in totals),
                        sum((a.distance or 0) for a in rows) / 1000, abs_tol=1e-6)
    for t in totals:
        start = date.fromisoformat(t["start"])
        assert start.day == 1 if monthly else start.weekday() == 0


def test_compliance_counts_planned_workouts_done_per_week() -> None:
    today = date(2026, 12, 31)
    monday = week_start(today) - timedelta(days=7)
    events = [EventRow(i, monday + timedelta(days=i), "WORKOUT", "Run", f"w{i}", 3600, None,
                       50) for i in range(4)]
    done = [ActivityRow("a1", monday, "Run", None, 1000.0, 3600, 55, False, 0),
            ActivityRow("a2", monday + timedelta(days=2), "Run", None, 1000.0, 3600, 40,
                        False, 2),
            ActivityRow("a3", monday + timedelta(days=5), "Ride", None, 1000.0, 3600, 70,
                        False, None)]
    (week,) = compliance_weeks(events, done, Period.last_days(30, today), today=today)
    assert week == {"start": monday.isoformat(), "planned_load": 200, "done_load": 165,
                    "planned": 4, "completed": 2, "percent": 50}


def test_period_requests() -> None:
    today = date(2028, 2, 29)
    assert PeriodRequest().for_today(today) == Period(date(2027, 12, 2), today)
    assert PeriodRequest(days=1).for_today(today) == Period(today, today)
    whole = PeriodRequest.whole_history().for_today(today)
    assert whole.resolve(date(2020, 1, 1)) == Period(date(2020, 1, 1), today)
    assert Period(date(2028, 3, 1), date(2028, 3, 10)).previous() == \
        Period(date(2028, 2, 20), date(2028, 2, 29))
