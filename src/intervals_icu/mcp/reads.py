"""The read tools' questions as SQL on the mirror (SQLAlchemy Core, the same on SQLite and
PostgreSQL). Pure functions of a connection: no request is sent from here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel
from sqlalchemy.engine import Connection

from intervals_icu.mcp import tables
from intervals_icu.mcp.outputs import (
    ActivityRow,
    ComplianceRow,
    EventRow,
    FitnessPoint,
    GearRow,
    IntervalRow,
    SportSettingsRow,
    TotalsRow,
    WellnessDay,
)

__all__ = ["FieldFilter", "activity_rows", "activity_summary", "athlete_row", "compliance",
           "events", "fitness", "gear", "interval_rows", "mirrored_athletes", "sport_settings",
           "stream_blobs", "timezone_of", "totals", "wellness_days"]

A = tables.activities
_LIVE_ACTIVITY = sa.and_(A.c.deleted_at.is_(None))


class FieldFilter(BaseModel):
    """One condition on any stored activity field: a column of docs/schema.md (``distance``,
    ``icu_training_load``...) or any key of the API's record (``icu_rpe``, ``feel``...)."""

    field: str
    op: Literal["eq", "ne", "gt", "ge", "lt", "le", "contains", "exists"] = "eq"
    value: Any = None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


# -- athletes ---------------------------------------------------------------------------------


def mirrored_athletes(conn: Connection, athlete_ids: Sequence[str]) -> set[str]:
    t = tables.athletes
    query = sa.select(t.c.athlete_id).where(t.c.athlete_id.in_(list(athlete_ids)),
                                            t.c.deleted_at.is_(None))
    return {row.athlete_id for row in conn.execute(query)}


def timezone_of(conn: Connection, athlete_id: str) -> str | None:
    t = tables.athletes
    value = conn.execute(sa.select(t.c.timezone).where(t.c.athlete_id == athlete_id)).scalar()
    return str(value) if value else None


def athlete_row(conn: Connection, athlete_id: str) -> dict[str, Any]:
    t = tables.athletes
    row = conn.execute(sa.select(t.c.name, t.c.timezone, t.c.sex, t.c.weight,
                                 t.c.icu_resting_hr).where(t.c.athlete_id == athlete_id)
                       ).mappings().first()
    counts = conn.execute(
        sa.select(sa.func.count(), sa.func.min(A.c.local_date), sa.func.max(A.c.local_date))
        .where(A.c.athlete_id == athlete_id, _LIVE_ACTIVITY)).one()
    return {**(dict(row) if row else {}), "activities": counts[0],
            "first_activity": counts[1], "last_activity": counts[2]}


def sport_settings(conn: Connection, athlete_id: str) -> list[SportSettingsRow]:
    t = tables.sport_settings
    rows = conn.execute(sa.select(t).where(t.c.athlete_id == athlete_id,
                                           t.c.deleted_at.is_(None))
                        .order_by(t.c.settings_id)).mappings()
    return [SportSettingsRow(types=list(r["types"] or []), ftp=r["ftp"],
                             indoor_ftp=r["indoor_ftp"], lthr=r["lthr"], max_hr=r["max_hr"],
                             threshold_pace_m_s=r["threshold_pace"]) for r in rows]


# -- activities -------------------------------------------------------------------------------


def _sports(sport: str | None) -> list[str]:
    return [s.strip().lower() for s in (sport or "").split(",") if s.strip()]


def _condition(flt: FieldFilter) -> sa.ColumnElement[bool]:
    column = A.c.get(flt.field)
    value = flt.value
    if column is None or flt.field == "record":
        element = A.c.record[flt.field]
        if flt.op == "exists":
            present: sa.ColumnElement[bool] = element.as_string().is_not(None)
            return present if not isinstance(value, bool) or value else sa.not_(present)
        if isinstance(value, bool):
            target: Any = element.as_boolean()
        elif isinstance(value, (int, float)):
            target = element.as_float()
        else:
            target = element.as_string()
    else:
        target = column
        if flt.op == "exists":
            found: sa.ColumnElement[bool] = column.is_not(None)
            return found if value is None or value else sa.not_(found)
    if flt.op == "contains":
        return sa.func.lower(sa.cast(target, sa.Text)).contains(str(value).lower())
    if value is None and flt.op in ("eq", "ne"):
        missing: sa.ColumnElement[bool] = target.is_(None)
        return missing if flt.op == "eq" else sa.not_(missing)
    operators = {"eq": target.__eq__, "ne": target.__ne__, "gt": target.__gt__,
                 "ge": target.__ge__, "lt": target.__lt__, "le": target.__le__}
    return operators[flt.op](value)  # type: ignore[no-any-return]


def _activity_where(athlete_id: str, oldest: date | None, newest: date | None,
                    sport: str | None, name: str | None,
                    filters: Sequence[FieldFilter]) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [A.c.athlete_id == athlete_id, _LIVE_ACTIVITY]
    if oldest is not None:
        where.append(A.c.local_date >= oldest)
    if newest is not None:
        where.append(A.c.local_date <= newest)
    if sports := _sports(sport):
        where.append(sa.func.lower(A.c.type).in_(sports))
    if name:
        where.append(sa.func.lower(A.c.name).contains(name.lower()))
    where.extend(_condition(f) for f in filters)
    return where


def _activity(row: Any, fields: Sequence[str] = ()) -> ActivityRow:
    record = row["record"] or {}
    return ActivityRow(
        id=row["activity_id"], date=row["local_date"], start=row["start_date_local"],
        type=row["type"], name=row["name"],
        distance_km=_round(row["distance"] / 1000, 2) if row["distance"] is not None else None,
        moving_time_s=row["moving_time"], elevation_m=_round(row["total_elevation_gain"]),
        load=row["icu_training_load"], intensity=_round(row["icu_intensity"]),
        avg_hr=row["average_heartrate"], avg_watts=row["icu_average_watts"],
        weighted_watts=row["icu_weighted_avg_watts"],
        avg_speed_m_s=_round(row["average_speed"], 2), gear_id=row["gear_id"],
        race=row["race"], trainer=row["trainer"], strava_stub=bool(row["is_strava_stub"]),
        fields={f: record.get(f) for f in fields} if fields else None,
    )


def activity_rows(conn: Connection, athlete_id: str, *, oldest: date | None,
                  newest: date | None, sport: str | None, name: str | None,
                  filters: Sequence[FieldFilter], fields: Sequence[str], limit: int,
                  newest_first: bool) -> tuple[int, list[ActivityRow], dict[str, float]]:
    where = _activity_where(athlete_id, oldest, newest, sport, name, filters)
    sums = conn.execute(sa.select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(A.c.moving_time), 0),
        sa.func.coalesce(sa.func.sum(A.c.distance), 0),
        sa.func.coalesce(sa.func.sum(A.c.icu_training_load), 0),
        sa.func.coalesce(sa.func.sum(A.c.total_elevation_gain), 0)).where(*where)).one()
    order = A.c.start_date_local.desc() if newest_first else A.c.start_date_local.asc()
    rows = conn.execute(sa.select(A).where(*where).order_by(order, A.c.activity_id)
                        .limit(limit)).mappings()
    totals = {"count": float(sums[0]), "hours": round(float(sums[1]) / 3600, 2),
              "distance_km": round(float(sums[2]) / 1000, 2), "load": float(sums[3]),
              "elevation_m": round(float(sums[4]), 1)}
    return int(sums[0]), [_activity(r, fields) for r in rows], totals


def activity_summary(conn: Connection, athlete_id: str, activity_id: str
                     ) -> tuple[ActivityRow, str | None, str | None] | None:
    """(the activity, its description, its fingerprint) from the mirror."""
    row = conn.execute(sa.select(A).where(A.c.athlete_id == athlete_id,
                                          A.c.activity_id == activity_id, _LIVE_ACTIVITY)
                       ).mappings().first()
    if row is None:
        return None
    return _activity(row), (row["record"] or {}).get("description"), row["fingerprint"]


def interval_rows(conn: Connection, athlete_id: str, activity_id: str) -> list[IntervalRow]:
    t = tables.intervals
    rows = conn.execute(sa.select(t).where(
        t.c.athlete_id == athlete_id, t.c.activity_id == activity_id, t.c.deleted_at.is_(None))
        .order_by(t.c.kind.desc(), t.c.start_time, t.c.interval_id)).mappings()
    return [IntervalRow(
        kind=r["kind"], id=str(r["interval_id"]), type=r["type"], label=r["label"],
        start_s=r["start_time"], end_s=r["end_time"], moving_time_s=r["moving_time"],
        distance_m=_round(r["distance"]), avg_watts=r["average_watts"],
        weighted_watts=r["weighted_average_watts"], intensity=r["intensity"],
        load=_round(r["training_load"]), avg_hr=r["average_heartrate"],
        max_hr=r["max_heartrate"], avg_cadence=_round(r["average_cadence"]),
        avg_speed_m_s=_round(r["average_speed"], 2), zone=r["zone"], repeats=r["count"],
    ) for r in rows]


def stream_blobs(conn: Connection, athlete_id: str, activity_id: str) -> dict[str, bytes]:
    t = tables.streams
    rows = conn.execute(sa.select(t.c.stream_type, t.c.data).where(
        t.c.athlete_id == athlete_id, t.c.activity_id == activity_id, t.c.deleted_at.is_(None)))
    return {r.stream_type: r.data for r in rows if r.data is not None}


# -- wellness and fitness ---------------------------------------------------------------------


def wellness_days(conn: Connection, athlete_id: str, oldest: date, newest: date
                  ) -> list[WellnessDay]:
    t = tables.wellness
    rows = conn.execute(sa.select(t).where(
        t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None), t.c.day >= oldest,
        t.c.day <= newest).order_by(t.c.day)).mappings()
    days = []
    for r in rows:
        ctl, atl = r["ctl"], r["atl"]
        days.append(WellnessDay(
            date=r["day"], weight=r["weight"], resting_hr=r["resting_hr"], hrv=r["hrv"],
            sleep_h=_round(r["sleep_secs"] / 3600, 2) if r["sleep_secs"] else None,
            sleep_score=r["sleep_score"], soreness=r["soreness"], fatigue=r["fatigue"],
            stress=r["stress"], mood=r["mood"], motivation=r["motivation"],
            readiness=r["readiness"], steps=r["steps"], fitness=_round(ctl),
            fatigue_atl=_round(atl),
            form=_round(ctl - atl) if ctl is not None and atl is not None else None,
            comments=(r["record"] or {}).get("comments"), locked=bool(r["locked"])))
    return days


def _daily_load(conn: Connection, athlete_id: str, oldest: date, newest: date
                ) -> dict[date, int]:
    rows = conn.execute(sa.select(A.c.local_date, sa.func.sum(A.c.icu_training_load))
                        .where(A.c.athlete_id == athlete_id, _LIVE_ACTIVITY,
                               A.c.local_date >= oldest, A.c.local_date <= newest)
                        .group_by(A.c.local_date))
    return {row[0]: int(row[1] or 0) for row in rows}


def fitness(conn: Connection, athlete_id: str, oldest: date, newest: date,
            every: Literal["day", "week"]) -> list[FitnessPoint]:
    t = tables.wellness
    rows = conn.execute(sa.select(t.c.day, t.c.ctl, t.c.atl, t.c.ramp_rate).where(
        t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None), t.c.day >= oldest,
        t.c.day <= newest).order_by(t.c.day)).all()
    loads = _daily_load(conn, athlete_id, oldest, newest)
    points = [FitnessPoint(
        date=r.day, fitness=_round(r.ctl), fatigue=_round(r.atl),
        form=_round(r.ctl - r.atl) if r.ctl is not None and r.atl is not None else None,
        ramp_rate=_round(r.ramp_rate), load=loads.get(r.day, 0)) for r in rows]
    if every == "day":
        return points
    # A week's point is its last day's fitness with the week's summed load.
    weekly: dict[date, FitnessPoint] = {}
    week_load: dict[date, int] = defaultdict(int)
    for day, load in loads.items():
        week_load[day - timedelta(days=day.weekday())] += load
    for point in points:
        weekly[point.date - timedelta(days=point.date.weekday())] = point
    return [p.model_copy(update={"load": week_load.get(start, 0)})
            for start, p in sorted(weekly.items())]


# -- calendar ---------------------------------------------------------------------------------


def _event(r: Any) -> EventRow:
    distance = r["distance"]
    return EventRow(
        id=int(r["event_id"]), date=r["local_date"], start=r["start_date_local"],
        category=r["category"], type=r["type"], name=r["name"],
        planned_time_s=r["moving_time"],
        planned_distance_km=_round(distance / 1000, 2) if distance else None,
        planned_load=r["icu_training_load"],
        description=(r["record"] or {}).get("description"))


def events(conn: Connection, athlete_id: str, oldest: date, newest: date,
           categories: Sequence[str]) -> list[EventRow]:
    t = tables.events
    where = [t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None), t.c.local_date >= oldest,
             t.c.local_date <= newest]
    if categories:
        where.append(sa.func.upper(t.c.category).in_([c.upper() for c in categories]))
    rows = conn.execute(sa.select(t).where(*where).order_by(t.c.start_date_local, t.c.event_id)
                        ).mappings()
    return [_event(r) for r in rows]


def compliance(conn: Connection, athlete_id: str, oldest: date, newest: date, today: date
               ) -> tuple[list[ComplianceRow], int]:
    """Planned workouts against what was done: an activity paired with the workout, else
    one of the same sport on the same day; activities matching no workout are unplanned."""
    planned = events(conn, athlete_id, oldest, newest, ["WORKOUT"])
    done = conn.execute(sa.select(A).where(
        A.c.athlete_id == athlete_id, _LIVE_ACTIVITY, A.c.local_date >= oldest,
        A.c.local_date <= newest, A.c.is_strava_stub.is_not(True))
        .order_by(A.c.start_date_local)).mappings().all()
    by_event = {a["paired_event_id"]: a for a in done if a["paired_event_id"] is not None}
    used: set[str] = {a["activity_id"] for a in by_event.values()}
    rows: list[ComplianceRow] = []
    for event in planned:
        match = by_event.get(event.id)
        if match is None:
            match = next((a for a in done if a["activity_id"] not in used
                          and a["local_date"] == event.date
                          and (event.type is None or a["type"] == event.type)), None)
            if match is not None:
                used.add(match["activity_id"])
        if match is not None:
            status: Literal["done", "missed", "upcoming", "today"] = "done"
        elif event.date > today:
            status = "upcoming"
        elif event.date == today:
            status = "today"
        else:
            status = "missed"
        rows.append(ComplianceRow(
            date=event.date, event_id=event.id, name=event.name, type=event.type,
            planned_time_s=event.planned_time_s, planned_load=event.planned_load,
            activity_id=match["activity_id"] if match is not None else None,
            actual_time_s=match["moving_time"] if match is not None else None,
            actual_load=match["icu_training_load"] if match is not None else None,
            status=status))
    unplanned = sum(1 for a in done if a["activity_id"] not in used)
    return rows, unplanned


# -- gear and totals --------------------------------------------------------------------------


def gear(conn: Connection, athlete_id: str, oldest: date, newest: date,
         include_retired: bool) -> list[GearRow]:
    t = tables.gear
    where = [t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None)]
    if not include_retired:
        where.append(t.c.retired.is_(None))
    use = {r.gear_id: r for r in conn.execute(
        sa.select(A.c.gear_id, sa.func.count().label("n"),
                  sa.func.coalesce(sa.func.sum(A.c.distance), 0).label("distance"),
                  sa.func.max(A.c.local_date).label("last"))
        .where(A.c.athlete_id == athlete_id, _LIVE_ACTIVITY, A.c.gear_id.is_not(None),
               A.c.local_date >= oldest, A.c.local_date <= newest)
        .group_by(A.c.gear_id))}
    last_used = {row[0]: row[1] for row in conn.execute(
        sa.select(A.c.gear_id, sa.func.max(A.c.local_date))
        .where(A.c.athlete_id == athlete_id, _LIVE_ACTIVITY, A.c.gear_id.is_not(None))
        .group_by(A.c.gear_id))}
    rows = conn.execute(sa.select(t).where(*where).order_by(t.c.type, t.c.name)).mappings()
    found = []
    for r in rows:
        period = use.get(r["gear_id"])
        found.append(GearRow(
            id=r["gear_id"], type=r["type"], name=r["name"],
            distance_km=_round(r["distance"] / 1000, 1) if r["distance"] is not None else None,
            hours=_round(r["time"] / 3600, 1) if r["time"] is not None else None,
            activities=r["activities"], retired=r["retired"],
            period_distance_km=round(float(period.distance) / 1000, 1) if period else 0.0,
            period_activities=int(period.n) if period else 0,
            last_used=last_used.get(r["gear_id"])))
    return found


def _period_of(day: date, by: Literal["week", "month"]) -> tuple[str, date]:
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}", day.replace(day=1)
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}", day - timedelta(days=day.weekday())


def totals(conn: Connection, athlete_id: str, oldest: date, newest: date,
           by: Literal["week", "month"], sport: str | None) -> list[TotalsRow]:
    where = _activity_where(athlete_id, oldest, newest, sport, None, ())
    where.append(A.c.is_strava_stub.is_not(True))
    rows = conn.execute(sa.select(
        A.c.local_date, A.c.type, sa.func.count(), sa.func.sum(A.c.moving_time),
        sa.func.sum(A.c.distance), sa.func.sum(A.c.icu_training_load),
        sa.func.sum(A.c.total_elevation_gain)).where(*where)
        .group_by(A.c.local_date, A.c.type))
    acc: dict[tuple[str, date, str], list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for day, sport_type, count, seconds, distance, load, climb in rows:
        label, start = _period_of(day, by)
        sums = acc[(label, start, sport_type or "Other")]
        for i, value in enumerate((count, seconds, distance, load, climb)):
            sums[i] += float(value or 0)
    return [TotalsRow(period=label, start=start, sport=sport_type, count=int(s[0]),
                      hours=round(s[1] / 3600, 2), distance_km=round(s[2] / 1000, 2),
                      load=int(s[3]), elevation_m=round(s[4], 1))
            for (label, start, sport_type), s in sorted(acc.items())]


def parse_iso(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ToolError(f"{value!r} is not a date-time (YYYY-MM-DDTHH:MM:SS)") from None


def parse_day_or_today(text: str | None, default: date) -> date:
    from intervals_icu.mcp.periods import parse_day

    return parse_day(text, default, what="day") or default
