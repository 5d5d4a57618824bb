"""The read tools. Each answers from the mirror (after an incremental sync when it is older
than the configured age); one activity's streams and the curves over periods ask the API
once when the mirror does not hold them. None of them writes anything to Intervals.icu."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Literal

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from intervals_icu import errors
from intervals_icu.mcp import reads
from intervals_icu.mcp import streams as stream_figures
from intervals_icu.mcp.errors import from_api_error
from intervals_icu.mcp.outputs import (
    ActivitiesAnswer,
    ActivityAnswer,
    AthleteAnswer,
    AthleteRow,
    CalendarAnswer,
    ComplianceAnswer,
    CurvePoint,
    CurvesAnswer,
    FitnessAnswer,
    GearAnswer,
    PeriodCurve,
    RosterAnswer,
    StreamSummary,
    TotalsAnswer,
    WellnessAnswer,
)
from intervals_icu.mcp.periods import CurvePeriod, parse_curve_period, span

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from intervals_icu.mcp.service import Reading, Service

__all__ = ["register_read_tools"]

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)

Athlete = Annotated[str | None, Field(
    description="Athlete id (e.g. i12345); leave out for yourself. list_athletes shows who "
                "shares with you.")]
Oldest = Annotated[str | None, Field(
    description="First day (YYYY-MM-DD, today, yesterday, or back from today: 30d, 12w, 6m, "
                "1y).")]
Newest = Annotated[str | None, Field(description="Last day (same forms); default today.")]
Sport = Annotated[str | None, Field(
    description="Activity type(s), comma separated: Ride, Run, VirtualRide, Swim...")]


def register_read_tools(server: MCPServer, service: Service) -> None:
    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def list_athletes() -> RosterAnswer:
        """You and every athlete who shares their data with you (a coach's roster), with
        what you may do: SELF, WRITE (coached) or READ (followed)."""
        async with service.reading(None) as read:
            roster = await read.caller.roster()
            mirrored = await read.db(reads.mirrored_athletes, list(roster))
            rows = [AthleteRow(athlete_id=s.athlete_id, name=s.name, permission=s.permission,
                               mirrored=s.athlete_id in mirrored)
                    for s in sorted(roster.values(), key=lambda s: (s.permission != "SELF",
                                                                    s.athlete_id))]
            return RosterAnswer(coverage=read.coverage(), athletes=rows)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_athlete(athlete: Athlete = None) -> AthleteAnswer:
        """An athlete's profile: time zone, weight, resting HR, thresholds per sport (FTP,
        LTHR, max HR, threshold pace) and the span of their history."""
        async with service.reading(athlete) as read:
            row = await read.db(reads.athlete_row, read.athlete_id)
            settings = await read.db(reads.sport_settings, read.athlete_id)
            return AthleteAnswer(
                coverage=read.coverage(row.get("first_activity"), row.get("last_activity")),
                athlete_id=read.athlete_id, name=row.get("name") or read.shared.name,
                timezone=row.get("timezone"), sex=row.get("sex"),
                weight_kg=row.get("weight"), resting_hr=row.get("icu_resting_hr"),
                permission=read.shared.permission, sport_settings=settings,
                activities=row["activities"], first_activity=row.get("first_activity"),
                last_activity=row.get("last_activity"))

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def list_activities(
        oldest: Oldest = None,
        newest: Newest = None,
        sport: Sport = None,
        name: Annotated[str | None, Field(description="Part of the name, any case.")] = None,
        filters: Annotated[list[reads.FieldFilter] | None, Field(
            description="Conditions on any stored field: a column of the mirror's "
                        "activities table (distance in m, moving_time in s, "
                        "icu_training_load, average_heartrate, race, trainer...) or any key "
                        "of the API's activity record (icu_rpe, feel, icu_ftp...).")] = None,
        fields: Annotated[list[str] | None, Field(
            description="Extra record fields to return with each activity.")] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 50,
        order: Literal["newest_first", "oldest_first"] = "newest_first",
        athlete: Athlete = None,
    ) -> ActivitiesAnswer:
        """Activities by date, sport, name or any stored field, with totals over everything
        that matched. Without oldest: the last 30 days; oldest='all' for the whole
        history."""
        async with service.reading(athlete) as read:
            if (oldest or "").strip().lower() == "all":
                first, last = None, reads.parse_day_or_today(newest, read.today)
            else:
                first, last = span(oldest, newest, read.today, default_days=30)
            matched, rows, totals = await read.db(
                reads.activity_rows, read.athlete_id, oldest=first, newest=last, sport=sport,
                name=name, filters=filters or [], fields=fields or [], limit=limit,
                newest_first=order == "newest_first")
            return ActivitiesAnswer(coverage=read.coverage(first, last), matched=matched,
                                    activities=rows, totals=totals)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_activity(
        activity_id: Annotated[str, Field(description="The activity's id, e.g. i140254351.")],
        streams: Annotated[bool, Field(
            description="Summarise the sample streams and compute best efforts (one API "
                        "request when the mirror does not hold the streams).")] = True,
        athlete: Athlete = None,
    ) -> ActivityAnswer:
        """One activity: its summary, its intervals (for runs: the laps), a summary of each
        sample stream and its best efforts (power and HR by duration, pace as the shortest
        time by distance; a pause counts as zero, as in `icu report`)."""
        async with service.reading(athlete, sync=False) as read:
            if read.caller.is_stale(read.freshness):
                # One activity does not need the whole mirror: re-read just it (1 request).
                try:
                    await read.caller.mirror.refresh_activity(read.athlete_id, activity_id)
                except errors.IntervalsError as exc:
                    raise from_api_error(exc, athlete_id=read.athlete_id) from None
            found = await read.db(reads.activity_summary, read.athlete_id, activity_id)
            if found is None:
                raise ToolError(f"{activity_id} is not an activity of {read.athlete_id}: "
                                "list_activities finds ids (a deleted activity is gone)")
            summary, description, fingerprint = found
            intervals = await read.db(reads.interval_rows, read.athlete_id, activity_id)
            stream_summaries: list[StreamSummary] = []
            curves: dict[str, list[CurvePoint]] = {}
            if streams and not summary.strava_stub:
                stream_summaries, curves = await _stream_figures(read, activity_id,
                                                                 fingerprint)
            return ActivityAnswer(
                coverage=read.coverage(summary.date, summary.date), activity=summary,
                description=description, intervals=intervals, streams=stream_summaries,
                curves=curves)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_wellness(oldest: Oldest = None, newest: Newest = None,
                           athlete: Athlete = None) -> WellnessAnswer:
        """Wellness by day (weight, resting HR, HRV, sleep, soreness, fatigue, stress, mood,
        readiness, steps) with fitness, fatigue and form, and the period's averages. Default:
        the last 14 days."""
        async with service.reading(athlete) as read:
            first, last = span(oldest, newest, read.today, default_days=14)
            days = await read.db(reads.wellness_days, read.athlete_id, first, last)
            averages: dict[str, float] = {}
            for key in ("weight", "resting_hr", "hrv", "sleep_h", "readiness", "fitness",
                        "fatigue_atl", "form"):
                values = [getattr(d, key) for d in days if getattr(d, key) is not None]
                if values:
                    averages[key] = round(sum(values) / len(values), 2)
            return WellnessAnswer(coverage=read.coverage(first, last), days=days,
                                  averages=averages)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_fitness(
        oldest: Oldest = None, newest: Newest = None,
        every: Annotated[Literal["day", "week"], Field(
            description="One point per day, or per week (its last day) for long periods.")
        ] = "day",
        athlete: Athlete = None,
    ) -> FitnessAnswer:
        """Fitness (CTL), fatigue (ATL), form (TSB) and ramp rate over any period, with each
        day's (or week's) training load. Default: the last 90 days."""
        async with service.reading(athlete) as read:
            first, last = span(oldest, newest, read.today, default_days=90)
            points = await read.db(reads.fitness, read.athlete_id, first, last, every)
            known = [p for p in points if p.fitness is not None]
            summary: dict[str, float | None] = {
                "fitness_start": known[0].fitness if known else None,
                "fitness_end": known[-1].fitness if known else None,
                "fitness_peak": max((p.fitness or 0 for p in known), default=None),
                "form_end": known[-1].form if known else None,
                "form_lowest": min((p.form for p in known if p.form is not None),
                                   default=None),
                "load_total": float(sum(p.load for p in points)),
            }
            return FitnessAnswer(coverage=read.coverage(first, last), every=every,
                                 points=points, summary=summary)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_calendar(
        oldest: Oldest = None, newest: Newest = None,
        categories: Annotated[list[str] | None, Field(
            description="WORKOUT, NOTE, RACE_A, RACE_B, RACE_C, TARGET...; default all.")
        ] = None,
        athlete: Athlete = None,
    ) -> CalendarAnswer:
        """The calendar: planned workouts, notes, races, targets. Default: today and the
        next 14 days."""
        async with service.reading(athlete) as read:
            first = reads.parse_day_or_today(oldest, read.today)
            last = reads.parse_day_or_today(newest, first + timedelta(days=14))
            if first > last:
                raise ToolError(f"oldest ({first}) is after newest ({last}): swap them")
            rows = await read.db(reads.events, read.athlete_id, first, last, categories or [])
            return CalendarAnswer(coverage=read.coverage(first, last), events=rows)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_compliance(oldest: Oldest = None, newest: Newest = None,
                             athlete: Athlete = None) -> ComplianceAnswer:
        """Planned workouts against what was done: each workout done (with the activity),
        missed or upcoming; workouts and load planned vs done; unplanned activities.
        Default: the last 28 days."""
        async with service.reading(athlete) as read:
            first, last = span(oldest, newest, read.today, default_days=28)
            rows, unplanned = await read.db(reads.compliance, read.athlete_id, first, last,
                                            read.today)
            due = [r for r in rows if r.status in ("done", "missed")]
            done = [r for r in rows if r.status == "done"]
            return ComplianceAnswer(
                coverage=read.coverage(first, last), workouts=rows, planned=len(rows),
                done=len(done), missed=sum(1 for r in rows if r.status == "missed"),
                unplanned_activities=unplanned,
                planned_load=sum(r.planned_load or 0 for r in due),
                done_load=sum(r.actual_load or 0 for r in done),
                compliance_pct=round(100 * len(done) / len(due), 1) if due else None)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_gear(oldest: Oldest = None, newest: Newest = None,
                       include_retired: bool = False, athlete: Athlete = None) -> GearAnswer:
        """Gear (bikes, shoes, parts) with total mileage and hours, and the distance and
        activities of the period (default: the last 365 days), and when each was last
        used."""
        async with service.reading(athlete) as read:
            first, last = span(oldest, newest, read.today, default_days=365)
            rows = await read.db(reads.gear, read.athlete_id, first, last, include_retired)
            return GearAnswer(coverage=read.coverage(first, last), gear=rows)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_totals(
        by: Literal["week", "month"] = "week", oldest: Oldest = None, newest: Newest = None,
        sport: Sport = None, athlete: Athlete = None,
    ) -> TotalsAnswer:
        """Weekly (ISO weeks) or monthly totals by sport: count, hours, distance, load,
        climbing. Default: the last 12 weeks (by week) or 12 months (by month)."""
        async with service.reading(athlete) as read:
            days = 84 if by == "week" else 365
            first, last = span(oldest, newest, read.today, default_days=days)
            rows = await read.db(reads.totals, read.athlete_id, first, last, by, sport)
            return TotalsAnswer(coverage=read.coverage(first, last), by=by, rows=rows)

    @server.tool(annotations=READ_ONLY, structured_output=True)
    async def get_curves(
        kind: Annotated[Literal["power", "hr", "pace"], Field(
            description="power (W by duration), hr (bpm by duration) or pace (time by "
                        "distance).")] = "power",
        sport: Annotated[str | None, Field(
            description="Activity type; power needs one (default Ride).")] = None,
        periods: Annotated[list[str] | None, Field(
            description="Periods to compare: 42d, 12w, 1y, all, or YYYY-MM-DD..YYYY-MM-DD; "
                        "default 1y and 42d.")] = None,
        durations: Annotated[list[int] | None, Field(
            description="Seconds (power, hr) or metres (pace) to report; default the "
                        "usual best efforts (5 s .. 1 h; 400 m .. 10 km).")] = None,
        athlete: Athlete = None,
    ) -> CurvesAnswer:
        """Best efforts and power / HR / pace curves over periods, with the activity that
        holds each best. Answered by the platform: one API request per new question; the
        same question within the mirror's max age is answered from memory."""
        async with service.reading(athlete, sync=False) as read:  # the API answers curves
            chosen = [parse_curve_period(p, read.today) for p in (periods or ["1y", "42d"])]
            if kind == "power" and not sport:
                sport = "Ride"
            answer = await _curves(read, kind, sport, chosen, durations)
            oldest = min((p.oldest for p in answer if p.oldest), default=None)
            return CurvesAnswer(coverage=read.coverage(oldest, read.today), kind=kind,
                                sport=sport, periods=answer)


StreamFigures = tuple[list[StreamSummary], dict[str, list[CurvePoint]]]


async def _stream_figures(read: Reading, activity_id: str, fingerprint: str | None
                          ) -> StreamFigures:
    """The streams' summaries and best efforts, kept while the activity is unchanged (its
    fingerprint), so asking again costs neither a request nor the computation."""
    key = ("streams", read.caller.key, read.athlete_id, activity_id, fingerprint)
    cached: StreamFigures | None = read.service.answers.get(
        key, max(read.service.settings.max_age_seconds, 3600.0))
    if cached is not None:
        return cached
    blobs = await read.db(reads.stream_blobs, read.athlete_id, activity_id)
    if blobs:
        samples = {name: stream_figures.decode(blob) for name, blob in blobs.items()}
    else:
        client = read.caller.async_client.for_athlete(read.athlete_id)
        try:
            found = await client.activities.streams(activity_id)
        except errors.NotFound:
            return [], {}
        except errors.IntervalsError as exc:
            raise from_api_error(exc, athlete_id=read.athlete_id) from None
        samples = {str(s.type): list(s.data or []) for s in found if s.type}
    figures = await anyio.to_thread.run_sync(
        lambda: (stream_figures.summaries(samples), stream_figures.curves(samples)))
    read.service.answers.put(key, figures)
    return figures



async def _curves(read: Reading, kind: str, sport: str | None, chosen: list[CurvePeriod],
                  durations: list[int] | None) -> list[PeriodCurve]:
    key = ("curves", read.caller.key, read.athlete_id, kind, sport,
           tuple(p.curve_id for p in chosen), read.today)
    cache = read.service.answers
    found = cache.get(key, read.service.settings.max_age_seconds)
    if found is None:
        client = read.caller.async_client.for_athlete(read.athlete_id)
        ids = [p.curve_id for p in chosen]
        try:
            if kind == "power":
                found = await client.activities.athlete_power_curves(sport or "Ride", curves=ids)
            elif kind == "hr":
                found = await client.activities.athlete_hr_curves(sport, curves=ids)
            else:
                found = await client.activities.athlete_pace_curves(sport, curves=ids)
        except errors.IntervalsError as exc:
            raise from_api_error(exc, athlete_id=read.athlete_id) from None
        cache.put(key, found)
    wanted = [float(d) for d in durations] if durations else (
        list(stream_figures.DISTANCES) if kind == "pace"
        else [float(d) for d in stream_figures.DURATIONS])
    answer = []
    for period, curve in zip(chosen, found.list_ or [], strict=False):
        xs = list((curve.distance if kind == "pace" else curve.secs) or [])
        values = list(curve.values or [])
        owners = list(getattr(curve, "activity_id", None) or [])
        points = []
        for want in wanted:
            # The platform's curves hold every duration; take the one asked for, or the
            # nearest longer one it has.
            index = next((i for i, x in enumerate(xs) if x is not None and x >= want), None)
            if index is None or index >= len(values) or values[index] is None:
                continue
            point = CurvePoint(value=float(values[index]),
                               activity_id=owners[index] if index < len(owners) else None)
            if kind == "pace":
                point.distance_m = float(xs[index])
            else:
                point.secs = int(xs[index])
            points.append(point)
        answer.append(PeriodCurve(label=period.label, oldest=period.oldest,
                                  newest=period.newest, points=points))
    return answer
