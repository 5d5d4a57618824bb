"""Activities' analytics: power, pace and heart-rate curves, histograms and models of one
activity and across an athlete's activities, best efforts, segments, map and weather.
:class:`AsyncActivitiesResource` (``client.activities``) is built on it."""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from typing import Any

from intervals_icu import errors
from intervals_icu._async.resources._base import AsyncResource
from intervals_icu._http import RequestSpec
from intervals_icu.dates import LocalDate, to_local_date
from intervals_icu.models import (
    ActivityFilter,
    ActivityHRCurvePayload,
    ActivityPowerCurvePayload,
    ActivityWeatherSummary,
    BestEfforts,
    Bucket,
    DataCurveSetHRCurve,
    DataCurveSetPaceCurve,
    DataCurveSetPowerCurve,
    HRCurve,
    HRLoadModel,
    IcuSegment,
    MapData,
    PaceCurve,
    Plot,
    PowerCurve,
    PowerHRCurve,
    PowerModel,
    PowerVsHRPlot,
)
from intervals_icu.operation import operation

__all__ = ["AsyncActivityAnalytics", "Filters", "activity_id_text", "filters_query"]

Filters = Sequence[ActivityFilter | Mapping[str, Any]]


def activity_id_text(activity_id: str) -> str:
    """An activity id as it goes in a path (refused when it could not be one)."""
    text = str(activity_id).strip()
    if not text or "/" in text or "," in text:
        raise errors.InvalidRequestError(
            f"{activity_id!r} is not an activity id: use the id string, e.g. 'i140254351'"
        )
    return text


def filters_query(filters: Filters | None) -> str | None:
    """Activity filters travel as a JSON array in one query value (UNCERTAIN encoding)."""
    if filters is None:
        return None
    items = [
        f.to_api() if isinstance(f, ActivityFilter) else dict(f)
        for f in filters
    ]
    return json.dumps(items, separators=(",", ":"))


class AsyncActivityAnalytics(AsyncResource):
    def _activity_path(self, activity_id: str, suffix: str = "") -> str:
        return f"/api/v1/activity/{activity_id_text(activity_id)}{suffix}"

    # -- analytics of one activity -------------------------------------------------------------

    @operation("getActivityPowerCurve")
    async def power_curve(self, activity_id: str, *, fatigue: str | None = None) -> PowerCurve:
        """Best average power for each duration in the activity."""
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/power-curve.json"),
                        params={"fatigue": fatigue}),
            PowerCurve,
        )

    @operation("getActivityPowerCurve")
    async def power_curve_csv(self, activity_id: str, *, fatigue: str | None = None) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._activity_path(activity_id, "/power-curve.csv"),
                        params={"fatigue": fatigue})
        )

    @operation("listActivityPowerCurves_1")
    async def power_curves(
        self, activity_id: str, *, types: Sequence[str] | None = None,
        fatigue: Sequence[str] | None = None,
    ) -> builtins.list[PowerCurve]:
        """Power curves for one or more power streams (e.g. ``watts``, ``fixed_watts``)."""
        return await self._client._request_list(
            RequestSpec("GET", self._activity_path(activity_id, "/power-curves.json"),
                        params={"types": types, "fatigue": fatigue}),
            PowerCurve,
        )

    @operation("listActivityPowerCurves_1")
    async def power_curves_csv(
        self, activity_id: str, *, types: Sequence[str] | None = None,
        fatigue: Sequence[str] | None = None,
    ) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._activity_path(activity_id, "/power-curves.csv"),
                        params={"types": types, "fatigue": fatigue})
        )

    @operation("getActivityPaceCurve")
    async def pace_curve(self, activity_id: str, *, gap: bool | None = None) -> PaceCurve:
        """Best time for each distance (``gap=True``: gradient adjusted pace)."""
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/pace-curve.json"),
                        params={"gap": gap}),
            PaceCurve,
        )

    @operation("getActivityPaceCurve")
    async def pace_curve_csv(self, activity_id: str, *, gap: bool | None = None) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._activity_path(activity_id, "/pace-curve.csv"),
                        params={"gap": gap})
        )

    @operation("getActivityHRCurve")
    async def hr_curve(self, activity_id: str) -> HRCurve:
        """Best average heart rate for each duration in the activity."""
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/hr-curve.json")),
            HRCurve,
        )

    @operation("getActivityHRCurve")
    async def hr_curve_csv(self, activity_id: str) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._activity_path(activity_id, "/hr-curve.csv"))
        )

    @operation("getPowerHistogram")
    async def power_histogram(
        self, activity_id: str, *, bucket_size: int | None = None
    ) -> builtins.list[Bucket]:
        """Time spent in power buckets of ``bucket_size`` watts."""
        return await self._client._request_list(
            RequestSpec("GET", self._activity_path(activity_id, "/power-histogram"),
                        params={"bucketSize": bucket_size}),
            Bucket,
        )

    @operation("getHRHistogram")
    async def hr_histogram(
        self, activity_id: str, *, bucket_size: int | None = None
    ) -> builtins.list[Bucket]:
        """Time spent in heart-rate buckets of ``bucket_size`` bpm."""
        return await self._client._request_list(
            RequestSpec("GET", self._activity_path(activity_id, "/hr-histogram"),
                        params={"bucketSize": bucket_size}),
            Bucket,
        )

    @operation("getPaceHistogram")
    async def pace_histogram(self, activity_id: str) -> builtins.list[Bucket]:
        return await self._client._request_list(
            RequestSpec("GET", self._activity_path(activity_id, "/pace-histogram")),
            Bucket,
        )

    @operation("getGapHistogram")
    async def gap_histogram(self, activity_id: str) -> builtins.list[Bucket]:
        """Gradient adjusted pace histogram."""
        return await self._client._request_list(
            RequestSpec("GET", self._activity_path(activity_id, "/gap-histogram")),
            Bucket,
        )

    @operation("getTimeAtHR")
    async def time_at_hr(self, activity_id: str) -> Plot:
        """Seconds at each heart rate from ``min_bpm`` to ``max_bpm`` (and cumulative)."""
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/time-at-hr")),
            Plot,
        )

    @operation("getPowerVsHR")
    async def power_vs_hr(self, activity_id: str) -> PowerVsHRPlot:
        """Power against heart rate over the activity (decoupling, Pw:HR)."""
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/power-vs-hr.json")),
            PowerVsHRPlot,
        )

    @operation("getPowerVsHR")
    async def power_vs_hr_csv(self, activity_id: str) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._activity_path(activity_id, "/power-vs-hr.csv"))
        )

    @operation("getActivityPowerSpikeModel")
    async def power_spike_model(self, activity_id: str) -> PowerModel:
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/power-spike-model")),
            PowerModel,
        )

    @operation("getHRTrainingLoadModel")
    async def hr_training_load_model(self, activity_id: str) -> HRLoadModel:
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/hr-load-model")),
            HRLoadModel,
        )

    @operation("findBestEfforts")
    async def best_efforts(
        self,
        activity_id: str,
        stream: str,
        *,
        duration: int | None = None,
        distance: float | None = None,
        count: int | None = None,
        min_value: float | None = None,
        exclude_intervals: bool | None = None,
        start_index: int | None = None,
        end_index: int | None = None,
    ) -> BestEfforts:
        """The ``count`` best non-overlapping efforts of ``stream`` (e.g. ``watts``) over
        ``duration`` seconds or ``distance`` metres (give one of them)."""
        if (duration is None) == (distance is None):
            raise errors.InvalidRequestError(
                "best_efforts needs exactly one of duration= (seconds) or distance= (metres). "
                "Nothing was sent."
            )
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/best-efforts"),
                        params={"stream": stream, "duration": duration, "distance": distance,
                                "count": count, "minValue": min_value,
                                "excludeIntervals": exclude_intervals,
                                "startIndex": start_index, "endIndex": end_index}),
            BestEfforts,
        )

    @operation("getActivitySegments")
    async def segments(self, activity_id: str) -> builtins.list[IcuSegment]:
        return await self._client._request_list(
            RequestSpec("GET", self._activity_path(activity_id, "/segments")),
            IcuSegment,
        )

    @operation("getActivityMap")
    async def map(
        self,
        activity_id: str,
        *,
        bounds: Sequence[float] | None = None,
        bounds_only: bool | None = None,
        weather: bool | None = None,
    ) -> MapData:
        """Map data; ``bounds`` is ``(left, top, right, bottom)``."""
        if bounds is not None and len(bounds) != 4:
            raise errors.InvalidRequestError(
                "bounds must be 4 numbers: left, top, right, bottom. Nothing was sent."
            )
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/map"),
                        params={"bounds": bounds, "boundsOnly": bounds_only,
                                "weather": weather}),
            MapData,
        )

    @operation("getActivityWeatherSummary")
    async def weather_summary(
        self,
        activity_id: str,
        *,
        start_index: int | None = None,
        end_index: int | None = None,
        descr_config: str | None = None,
    ) -> ActivityWeatherSummary:
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/weather-summary"),
                        params={"start_index": start_index, "end_index": end_index,
                                "descr_config": descr_config}),
            ActivityWeatherSummary,
        )

    # -- analytics across activities -------------------------------------------------------

    @operation("getAthleteMMPModel")
    async def athlete_mmp_model(self, type: str) -> PowerModel:
        """The power model used to resolve %MMP workout steps for a sport (e.g. ``Ride``)."""
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path("/mmp-model"),
                        params={"type": type}),
            PowerModel,
        )

    @operation("getPowerHRCurve")
    async def power_hr_curve(
        self, start: LocalDate, end: LocalDate, *, type: str | None = None,
        filters: Filters | None = None,
    ) -> PowerHRCurve:
        """The athlete's power vs heart rate curve between two local dates."""
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path("/power-hr-curve"),
                        params={"start": to_local_date(start), "end": to_local_date(end),
                                "type": type, "filters": filters_query(filters)}),
            PowerHRCurve,
        )

    @operation("listAthletePowerCurves")
    async def athlete_power_curves(
        self, type: str, *, curves: Sequence[str] | None = None, newest: LocalDate | None = None,
        include_ranks: bool | None = None, sub_max_efforts: int | None = None,
        pm_type: str | None = None, filters: Filters | None = None,
    ) -> DataCurveSetPowerCurve:
        """Best power curves for a sport; ``curves`` like ``["1y", "42d", "s0", "all",
        "r.2023-10-01.2023-10-31"]``."""
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path("/power-curves.json"),
                        params=_curve_params(type, curves, newest, include_ranks,
                                             sub_max_efforts, filters, pmType=pm_type)),
            DataCurveSetPowerCurve,
        )

    @operation("listAthletePowerCurves")
    async def athlete_power_curves_csv(
        self, type: str, *, curves: Sequence[str] | None = None, newest: LocalDate | None = None,
        filters: Filters | None = None,
    ) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._athlete_path("/power-curves.csv"),
                        params=_curve_params(type, curves, newest, None, None, filters))
        )

    @operation("listAthletePaceCurves")
    async def athlete_pace_curves(
        self, type: str | None = None, *, curves: Sequence[str] | None = None,
        newest: LocalDate | None = None, include_ranks: bool | None = None,
        sub_max_efforts: int | None = None, gap: bool | None = None,
        pm_type: str | None = None, filters: Filters | None = None,
    ) -> DataCurveSetPaceCurve:
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path("/pace-curves.json"),
                        params=_curve_params(type, curves, newest, include_ranks,
                                             sub_max_efforts, filters, gap=gap,
                                             pmType=pm_type)),
            DataCurveSetPaceCurve,
        )

    @operation("listAthletePaceCurves")
    async def athlete_pace_curves_csv(
        self, type: str | None = None, *, curves: Sequence[str] | None = None,
        newest: LocalDate | None = None, gap: bool | None = None,
        filters: Filters | None = None,
    ) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._athlete_path("/pace-curves.csv"),
                        params=_curve_params(type, curves, newest, None, None, filters,
                                             gap=gap))
        )

    @operation("listAthleteHRCurves")
    async def athlete_hr_curves(
        self, type: str | None = None, *, curves: Sequence[str] | None = None,
        newest: LocalDate | None = None, sub_max_efforts: int | None = None,
        filters: Filters | None = None,
    ) -> DataCurveSetHRCurve:
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path("/hr-curves.json"),
                        params=_curve_params(type, curves, newest, None, sub_max_efforts,
                                             filters)),
            DataCurveSetHRCurve,
        )

    @operation("listAthleteHRCurves")
    async def athlete_hr_curves_csv(
        self, type: str | None = None, *, curves: Sequence[str] | None = None,
        newest: LocalDate | None = None, filters: Filters | None = None,
    ) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._athlete_path("/hr-curves.csv"),
                        params=_curve_params(type, curves, newest, None, None, filters))
        )

    @operation("listActivityPowerCurves")
    async def activity_power_curves(
        self, oldest: LocalDate, newest: LocalDate, *, secs: Sequence[int] | None = None,
        type: str | None = None, fatigue: str | None = None, filters: Filters | None = None,
    ) -> ActivityPowerCurvePayload:
        """Best power at ``secs`` durations for each matching activity in the range."""
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path("/activity-power-curves.json"),
                        params={"oldest": to_local_date(oldest), "newest": to_local_date(newest),
                                "secs": secs, "type": type, "fatigue": fatigue,
                                "filters": filters_query(filters)}),
            ActivityPowerCurvePayload,
        )

    @operation("listActivityPowerCurves")
    async def activity_power_curves_csv(
        self, oldest: LocalDate, newest: LocalDate, *, secs: Sequence[int] | None = None,
        type: str | None = None, fatigue: str | None = None, filters: Filters | None = None,
    ) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._athlete_path("/activity-power-curves.csv"),
                        params={"oldest": to_local_date(oldest), "newest": to_local_date(newest),
                                "secs": secs, "type": type, "fatigue": fatigue,
                                "filters": filters_query(filters)})
        )

    @operation("listActivityPaceCurves")
    async def activity_pace_curves(
        self, oldest: LocalDate, newest: LocalDate, *, distances: Sequence[float] | None = None,
        type: str | None = None, gap: bool | None = None, filters: Filters | None = None,
    ) -> Any:
        """Best pace at ``distances`` (metres) for each matching activity (no schema in the
        spec: the JSON is returned as parsed)."""
        return await self._client._request_json(
            RequestSpec("GET", self._athlete_path("/activity-pace-curves.json"),
                        params={"oldest": to_local_date(oldest), "newest": to_local_date(newest),
                                "distances": distances, "type": type, "gap": gap,
                                "filters": filters_query(filters)})
        )

    @operation("listActivityPaceCurves")
    async def activity_pace_curves_csv(
        self, oldest: LocalDate, newest: LocalDate, distances: Sequence[float], *,
        type: str | None = None, gap: bool | None = None, filters: Filters | None = None,
    ) -> str:
        """CSV form; ``distances`` is required here (the platform answers 500 without)."""
        if not distances:
            raise errors.InvalidRequestError(
                "activity_pace_curves_csv needs at least one distance (metres). Nothing was sent."
            )
        return await self._client._request_text(
            RequestSpec("GET", self._athlete_path("/activity-pace-curves.csv"),
                        params={"oldest": to_local_date(oldest), "newest": to_local_date(newest),
                                "distances": distances, "type": type, "gap": gap,
                                "filters": filters_query(filters)})
        )

    @operation("listActivityHRCurves")
    async def activity_hr_curves(
        self, oldest: LocalDate, newest: LocalDate, *, secs: Sequence[int] | None = None,
        type: str | None = None, filters: Filters | None = None,
    ) -> ActivityHRCurvePayload:
        """Best heart rate at ``secs`` durations for each matching activity in the range."""
        return await self._client._request_model(
            RequestSpec("GET", self._athlete_path("/activity-hr-curves.json"),
                        params={"oldest": to_local_date(oldest), "newest": to_local_date(newest),
                                "secs": secs, "type": type, "filters": filters_query(filters)}),
            ActivityHRCurvePayload,
        )

    @operation("listActivityHRCurves")
    async def activity_hr_curves_csv(
        self, oldest: LocalDate, newest: LocalDate, *, secs: Sequence[int] | None = None,
        type: str | None = None, filters: Filters | None = None,
    ) -> str:
        return await self._client._request_text(
            RequestSpec("GET", self._athlete_path("/activity-hr-curves.csv"),
                        params={"oldest": to_local_date(oldest), "newest": to_local_date(newest),
                                "secs": secs, "type": type, "filters": filters_query(filters)})
        )


def _curve_params(
    type: str | None,
    curves: Sequence[str] | None,
    newest: LocalDate | None,
    include_ranks: bool | None,
    sub_max_efforts: int | None,
    filters: Filters | None,
    **extra: Any,
) -> dict[str, Any]:
    return {"type": type, "curves": curves,
            "newest": None if newest is None else to_local_date(newest),
            "includeRanks": include_ranks, "subMaxEfforts": sub_max_efforts,
            "filters": filters_query(filters), **extra}
