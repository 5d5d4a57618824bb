"""The typed answers of the read tools (each tool's output schema). Every answer carries a
:class:`Coverage`: whose data, which days, how fresh the mirror was, and what it cost."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "ActivitiesAnswer", "ActivityAnswer", "ActivityRow", "AthleteAnswer", "AthleteRow",
    "CalendarAnswer", "ComplianceAnswer", "ComplianceRow", "Coverage", "CurvePoint",
    "CurvesAnswer", "EventRow", "FitnessAnswer", "FitnessPoint", "GearAnswer", "GearRow",
    "IntervalRow", "PeriodCurve", "QueryAnswer", "RosterAnswer", "SportSettingsRow",
    "StreamSummary", "TotalsAnswer", "TotalsRow", "WellnessAnswer", "WellnessDay",
]


class Coverage(BaseModel):
    athlete_id: str
    oldest: date | None = None
    """First day the answer covers (None: no day bound)."""
    newest: date | None = None
    mirror_synced_at: datetime | None = None
    """When this athlete's mirror was last brought up to date (UTC)."""
    mirror_age_seconds: float | None = None
    synced_now: bool = False
    """True when this answer ran an incremental sync first."""
    requests: int = 0
    """HTTP requests to Intervals.icu this answer cost (the sync's included)."""


class AthleteRow(BaseModel):
    athlete_id: str
    name: str | None = None
    permission: Literal["SELF", "WRITE", "READ"]
    mirrored: bool = False


class RosterAnswer(BaseModel):
    coverage: Coverage
    athletes: list[AthleteRow]


class SportSettingsRow(BaseModel):
    types: list[str]
    ftp: int | None = None
    indoor_ftp: int | None = None
    lthr: int | None = None
    max_hr: int | None = None
    threshold_pace_m_s: float | None = None


class AthleteAnswer(BaseModel):
    coverage: Coverage
    athlete_id: str
    name: str | None = None
    timezone: str | None = None
    sex: str | None = None
    weight_kg: float | None = None
    resting_hr: int | None = None
    permission: Literal["SELF", "WRITE", "READ"]
    sport_settings: list[SportSettingsRow] = Field(default_factory=list)
    activities: int = 0
    first_activity: date | None = None
    last_activity: date | None = None


class ActivityRow(BaseModel):
    id: str
    date: date
    start: datetime | None = None
    type: str | None = None
    name: str | None = None
    distance_km: float | None = None
    moving_time_s: int | None = None
    elevation_m: float | None = None
    load: int | None = None
    intensity: float | None = None
    avg_hr: int | None = None
    avg_watts: int | None = None
    weighted_watts: int | None = None
    avg_speed_m_s: float | None = None
    gear_id: str | None = None
    race: bool | None = None
    trainer: bool | None = None
    strava_stub: bool = False
    fields: dict[str, Any] | None = None
    """The extra fields asked for with ``fields`` (from the stored record)."""


class ActivitiesAnswer(BaseModel):
    coverage: Coverage
    matched: int
    """How many activities matched (``activities`` holds at most ``limit`` of them)."""
    activities: list[ActivityRow]
    totals: dict[str, float]
    """Sums over every matched activity: count, hours, distance_km, load, elevation_m."""


class IntervalRow(BaseModel):
    kind: Literal["interval", "group"] | str
    id: str
    type: str | None = None
    label: str | None = None
    start_s: int | None = None
    end_s: int | None = None
    moving_time_s: int | None = None
    distance_m: float | None = None
    avg_watts: int | None = None
    weighted_watts: int | None = None
    intensity: int | None = None
    load: float | None = None
    avg_hr: int | None = None
    max_hr: int | None = None
    avg_cadence: float | None = None
    avg_speed_m_s: float | None = None
    zone: int | None = None
    repeats: int | None = None


class StreamSummary(BaseModel):
    type: str
    samples: int
    min: float | None = None
    max: float | None = None
    mean: float | None = None


class CurvePoint(BaseModel):
    secs: int | None = None
    """Duration (power and HR curves)."""
    distance_m: float | None = None
    """Distance (pace curves)."""
    value: float
    """Watts or bpm (best mean over ``secs``), or seconds (best time over ``distance_m``)."""
    activity_id: str | None = None


class ActivityAnswer(BaseModel):
    coverage: Coverage
    activity: ActivityRow
    description: str | None = None
    intervals: list[IntervalRow]
    """For runs these are the laps (the platform has no laps endpoint)."""
    streams: list[StreamSummary]
    curves: dict[str, list[CurvePoint]]
    """Best efforts inside this activity, keyed as ``get_curves``'s kinds: ``power`` (W)
    and ``hr`` (bpm) by duration, ``pace`` (seconds) by distance."""


class WellnessDay(BaseModel):
    date: date
    weight: float | None = None
    resting_hr: int | None = None
    hrv: float | None = None
    sleep_h: float | None = None
    sleep_score: float | None = None
    soreness: int | None = None
    fatigue: int | None = None
    stress: int | None = None
    mood: int | None = None
    motivation: int | None = None
    readiness: float | None = None
    steps: int | None = None
    fitness: float | None = None
    fatigue_atl: float | None = None
    form: float | None = None
    comments: str | None = None
    locked: bool = False


class WellnessAnswer(BaseModel):
    coverage: Coverage
    days: list[WellnessDay]
    averages: dict[str, float]


class FitnessPoint(BaseModel):
    date: date
    fitness: float | None = None
    """CTL (chronic training load)."""
    fatigue: float | None = None
    """ATL (acute training load)."""
    form: float | None = None
    """Fitness minus fatigue (TSB)."""
    ramp_rate: float | None = None
    load: int = 0
    """Training load of the activities of the day (of the week, with ``every='week'``)."""


class FitnessAnswer(BaseModel):
    coverage: Coverage
    every: Literal["day", "week"]
    points: list[FitnessPoint]
    summary: dict[str, float | None]


class EventRow(BaseModel):
    id: int
    date: date
    start: datetime | None = None
    category: str | None = None
    type: str | None = None
    name: str | None = None
    planned_time_s: int | None = None
    planned_distance_km: float | None = None
    planned_load: int | None = None
    description: str | None = None


class CalendarAnswer(BaseModel):
    coverage: Coverage
    events: list[EventRow]


class ComplianceRow(BaseModel):
    date: date
    event_id: int
    name: str | None = None
    type: str | None = None
    planned_time_s: int | None = None
    planned_load: int | None = None
    activity_id: str | None = None
    actual_time_s: int | None = None
    actual_load: int | None = None
    status: Literal["done", "missed", "upcoming", "today"]


class ComplianceAnswer(BaseModel):
    coverage: Coverage
    workouts: list[ComplianceRow]
    planned: int
    done: int
    missed: int
    unplanned_activities: int
    planned_load: int
    done_load: int
    compliance_pct: float | None
    """Workouts done / workouts due (upcoming ones left out)."""


class GearRow(BaseModel):
    id: str
    type: str | None = None
    name: str | None = None
    distance_km: float | None = None
    hours: float | None = None
    activities: int | None = None
    retired: str | None = None
    period_distance_km: float = 0.0
    """Distance of the covered period's activities with this gear (from the mirror)."""
    period_activities: int = 0
    last_used: date | None = None


class GearAnswer(BaseModel):
    coverage: Coverage
    gear: list[GearRow]


class PeriodCurve(BaseModel):
    label: str
    oldest: date | None = None
    newest: date | None = None
    points: list[CurvePoint]


class CurvesAnswer(BaseModel):
    coverage: Coverage
    kind: Literal["power", "hr", "pace"]
    sport: str | None = None
    periods: list[PeriodCurve]


class TotalsRow(BaseModel):
    period: str
    """``2026-W05`` (ISO week) or ``2026-02``."""
    start: date
    sport: str
    count: int
    hours: float
    distance_km: float
    load: int
    elevation_m: float


class TotalsAnswer(BaseModel):
    coverage: Coverage
    by: Literal["week", "month"]
    rows: list[TotalsRow]


class QueryAnswer(BaseModel):
    athletes: list[str]
    """The athletes the query could see (every table is limited to them)."""
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    """True when more rows matched than ``row_limit``."""
    elapsed_ms: float
