"""Analysis model routes: power vs heart rate, the power-spike and heart-rate load models,
pace and GAP histograms and the weather summary of an activity; the athlete's MMP model and
power-HR curve. The models are in :mod:`intervals_icu.sandbox.platform.analysis_models`
and :mod:`intervals_icu.sandbox.platform.weather` (docs/sandbox.md, "Analysis models")."""

from __future__ import annotations

from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles, locate
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    detail_of,
    refuse_strava,
    sport_settings_for,
)
from intervals_icu.sandbox.platform.activity_math import array, best_average_curve
from intervals_icu.sandbox.platform.analysis_models import (
    fit_power_model,
    hr_load_model,
    pace_buckets,
    power_hr_curve,
    power_vs_hr,
)
from intervals_icu.sandbox.platform.curves import (
    candidates,
    curve_set,
    parse_curve_id,
    stream_arrays,
)
from intervals_icu.sandbox.platform.records import to_csv
from intervals_icu.sandbox.platform.streams import load_streams
from intervals_icu.sandbox.platform.weather import weather_of, weather_summary

MMP_DAYS = 90
"""The athlete's MMP model is fitted to the sport's power curve of this many days."""


def _activity(ctx: Ctx) -> tuple[str, dict[str, Any], dict[str, list[Any]]]:
    athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    return athlete_id, activity, load_streams(detail_of(store, activity["id"]))


def _settings(ctx: Ctx, athlete_id: str, sport: str | None) -> dict[str, Any]:
    return sport_settings_for(ctx.state.store(athlete_id), sport) or {}


@handles("getPowerVsHR")
def power_vs_heart_rate(ctx: Ctx) -> Any:
    athlete_id, activity, streams = _activity(ctx)
    plot = power_vs_hr(activity, streams, _settings(ctx, athlete_id, activity.get("type")))
    if plot is None:
        raise ApiError(422, f"Activity {activity['id']} has no power and heart rate data")
    if ctx.wants_csv:
        columns = ["start", "secs", "movingSecs", "watts", "hr", "cadence"]
        return Reply(to_csv(plot["series"], columns), media_type="text/csv")
    return plot


@handles("getActivityPowerSpikeModel")
def power_spike_model(ctx: Ctx) -> Any:
    _athlete_id, activity, streams = _activity(ctx)
    watts = next((streams[n] for n in ("fixed_watts", "watts")
                  if streams.get(n) and any(v is not None for v in streams[n])), None)
    if watts is None:
        raise ApiError(422, f"Activity {activity['id']} has no power data")
    curve = best_average_curve(array(watts))
    return fit_power_model(curve["secs"], curve["values"])


@handles("getHRTrainingLoadModel")
def heart_rate_load_model(ctx: Ctx) -> Any:
    athlete_id, activity, streams = _activity(ctx)
    model = hr_load_model(activity, streams, _settings(ctx, athlete_id, activity.get("type")),
                          ctx.state.accounts[athlete_id].profile)
    if model is None:
        raise ApiError(422, f"Activity {activity['id']} has no heart rate data")
    return model


def _pace_histogram(ctx: Ctx, *, gap: bool) -> Any:
    athlete_id, activity, streams = _activity(ctx)
    sport = str(activity.get("type") or "Run")
    buckets = pace_buckets(streams, sport, _settings(ctx, athlete_id, sport).get("pace_units"),
                           gap=gap)
    if buckets is None:
        raise ApiError(422, f"Activity {activity['id']} has no speed data")
    return buckets


@handles("getPaceHistogram")
def pace_histogram(ctx: Ctx) -> Any:
    return _pace_histogram(ctx, gap=False)


@handles("getGapHistogram")
def gap_histogram(ctx: Ctx) -> Any:
    return _pace_histogram(ctx, gap=True)


@handles("getActivityWeatherSummary")
def activity_weather_summary(ctx: Ctx) -> Any:
    _athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    detail = detail_of(store, activity["id"])
    weather = weather_of(detail.recipe) if activity.get("has_weather") else None
    return weather_summary(activity["id"], weather, load_streams(detail) if weather else {},
                           ctx.q_int("start_index", 0) or 0, ctx.q_int("end_index"))


@handles("getAthleteMMPModel")
def athlete_mmp_model(ctx: Ctx) -> Any:
    athlete_id, _store = ctx.store()
    sport = ctx.q_required("type")
    spec = parse_curve_id(f"{MMP_DAYS}d", ctx.state.local_today(athlete_id))
    curves, _held = curve_set(ctx.state, athlete_id, "power", sport, [spec])
    return fit_power_model(curves[0]["secs"], curves[0]["values"])


@handles("getPowerHRCurve")
def power_heart_rate_curve(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    start = ctx.q_date("start", required=True)
    end = ctx.q_date("end", required=True)
    assert start is not None
    assert end is not None
    if end < start:
        raise ApiError(422, "end is before start")
    sport = ctx.q("type") or "Ride"
    arrays = [stream_arrays(detail_of(store, activity["id"]))
              for day, activity in candidates(store, sport) if start <= day <= end]
    settings = sport_settings_for(store, sport) or {}
    return {
        "athleteId": athlete_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        **power_hr_curve(arrays),
        "lthr": settings.get("lthr"),
        "max_hr": settings.get("max_hr"),
        "ftp": settings.get("ftp"),
    }



