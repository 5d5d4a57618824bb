"""recompute_fitness: CTL/ATL from daily load, computed fields only, locked inputs kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from intervals_icu.sandbox.clock import Clock
from intervals_icu.sandbox.platform.fitness import recompute_fitness
from intervals_icu.sandbox.state import SandboxState

TODAY = date(2025, 3, 31)


def _state() -> SandboxState:
    state = SandboxState(clock=Clock(datetime(2025, 3, 31, 12, tzinfo=UTC), frozen=True))
    state.add_account("i1", {"name": "Test", "timezone": "Europe/Amsterdam"})
    return state


def _activity(state: SandboxState, day: date, load: int, hour: int = 8) -> None:
    activity_id = f"i{state.next_id('test_activity')}"
    state.store("i1").activities[activity_id] = {
        "id": activity_id, "icu_athlete_id": "i1", "type": "Ride",
        "start_date_local": f"{day.isoformat()}T{hour:02d}:00:00", "icu_training_load": load,
    }


def _expected(loads: list[float]) -> tuple[list[float], list[float]]:
    """The recurrence written out by hand: x += (load - x) / days, from zero."""
    ctl, atl, ctls, atls = 0.0, 0.0, [], []
    for load in loads:
        ctl += (load - ctl) / 42
        atl += (load - atl) / 7
        ctls.append(ctl)
        atls.append(atl)
    return ctls, atls


def test_ctl_and_atl_are_the_ewma_of_daily_load() -> None:
    state = _state()
    first = TODAY - timedelta(days=59)
    loads = [0.0] * 60
    for offset, load in [(0, 100), (1, 50), (3, 120), (10, 80), (30, 200), (59, 60)]:
        _activity(state, first + timedelta(days=offset), load)
        loads[offset] += load
    _activity(state, first + timedelta(days=3), 30, hour=18)  # two on one day add up
    loads[3] += 30
    recompute_fitness(state, "i1")
    wellness = state.store("i1").wellness
    ctls, atls = _expected(loads)
    for offset in range(60):
        record = wellness[(first + timedelta(days=offset)).isoformat()]
        assert record["ctl"] == pytest.approx(ctls[offset], abs=1e-3)
        assert record["atl"] == pytest.approx(atls[offset], abs=1e-3)
        assert record["ctlLoad"] == record["atlLoad"] == loads[offset]
    week = wellness[(first + timedelta(days=40)).isoformat()]
    assert week["rampRate"] == pytest.approx(ctls[40] - ctls[33], abs=1e-3)
    assert sorted(wellness)[-1] == TODAY.isoformat()


def test_only_computed_fields_change_and_locked_inputs_stay() -> None:
    state = _state()
    day = TODAY - timedelta(days=5)
    _activity(state, day, 90)
    locked = {"id": day.isoformat(), "weight": 70.5, "restingHR": 48, "locked": True,
              "tempWeight": False, "tempRestingHR": False,
              "updated": "2025-03-26T06:01:02.003+00:00", "ctl": 999.0}
    plain = {"id": (day + timedelta(days=1)).isoformat(), "hrv": 61.0, "locked": False,
             "updated": "2025-03-27T06:00:00.000+00:00"}
    wellness = state.store("i1").wellness
    wellness[locked["id"]] = dict(locked)
    wellness[plain["id"]] = dict(plain)
    recompute_fitness(state, "i1")
    after = wellness[locked["id"]]
    assert after["ctl"] == pytest.approx(90 / 42, abs=1e-3)
    computed = {"ctl", "atl", "rampRate", "ctlLoad", "atlLoad", "sportInfo"}
    assert {k: v for k, v in after.items() if k not in computed} == {
        k: v for k, v in locked.items() if k not in computed}
    assert {k: v for k, v in wellness[plain["id"]].items() if k not in computed} == plain


def test_since_leaves_earlier_days_alone_and_uses_the_whole_history() -> None:
    state = _state()
    first = TODAY - timedelta(days=20)
    _activity(state, first, 100)
    recompute_fitness(state, "i1")
    wellness = state.store("i1").wellness
    early = dict(wellness[first.isoformat()])
    _activity(state, first + timedelta(days=1), 300)  # appears later, on an earlier day
    since = TODAY - timedelta(days=3)
    recompute_fitness(state, "i1", since=since)
    assert wellness[first.isoformat()] == early  # before since: untouched
    ctls, _ = _expected([100, 300] + [0] * 19)
    assert wellness[since.isoformat()]["ctl"] == pytest.approx(ctls[17], abs=1e-3)


def test_no_activities_gives_zero_fitness_for_the_days_asked() -> None:
    state = _state()
    recompute_fitness(state, "i1", since=TODAY - timedelta(days=2))
    wellness = state.store("i1").wellness
    assert sorted(wellness) == [(TODAY - timedelta(days=d)).isoformat() for d in (2, 1, 0)]
    assert all(r["ctl"] == 0 and r["atl"] == 0 for r in wellness.values())
