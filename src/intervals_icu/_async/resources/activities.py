"""Activities: list, get, update, delete, uploads, intervals, streams, files, analytics.

Activities synced from Strava come back as :class:`~intervals_icu.models.StravaActivityStub`
(id, athlete, date, source only) everywhere, and cannot be edited or downloaded: the platform
may not serve Strava's data through its API (API-NOTES §2.6).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Tag
from typing_extensions import Unpack

from intervals_icu import errors
from intervals_icu._async.resources.activity_analytics import (
    AsyncActivityAnalytics,
    activity_id_text,
)
from intervals_icu._http import RequestSpec
from intervals_icu._responses import Destination, Download, parse_response
from intervals_icu.dates import LocalDate, date_windows, to_local_datetime
from intervals_icu.models import (
    Activity,
    ActivityId,
    ActivitySearchResult,
    ActivityStream,
    ActivityWithIntervals,
    Interval,
    IntervalsDTO,
    Message,
    NewMsg,
    StravaActivityStub,
    UpdateStreamsResult,
    UploadResponse,
    UploadResult,
    is_strava_stub,
)
from intervals_icu.models._fields import ActivityFields, IntervalFields
from intervals_icu.operation import operation
from intervals_icu.updates import build_partial_body
from intervals_icu.uploads import FileInput, file_part

__all__ = ["AsyncActivitiesResource"]

DateOrTime = date | datetime | str
"""A local date (``2025-03-01``) or local date-time (``2025-03-01T07:30:00``), no offset."""
IntervalSearchType = Literal["AUTO", "POWER", "HR", "PACE"]

_GET_MANY_CHUNK = 100
"""Ids per ``getActivities`` call: the ids go in the URL path, which must stay short."""


def _activity_kind(value: Any) -> str:
    if isinstance(value, dict):
        if is_strava_stub(value):
            return "stub"
        return "intervals" if ("icu_intervals" in value or "icu_groups" in value) else "activity"
    if isinstance(value, StravaActivityStub):
        return "stub"
    return "intervals" if isinstance(value, ActivityWithIntervals) else "activity"


_ActivityOrStub = Annotated[
    Annotated[StravaActivityStub, Tag("stub")]
    | Annotated[ActivityWithIntervals, Tag("intervals")]
    | Annotated[Activity, Tag("activity")],
    Discriminator(_activity_kind),
]

AnyActivity = Activity | ActivityWithIntervals | StravaActivityStub
ListedActivity = Activity | StravaActivityStub






def _opt_datetime(value: DateOrTime | None) -> str | None:
    return None if value is None else to_local_datetime(value)


def _strava_refusal(exc: errors.Unprocessable, activity_id: str, action: str) -> errors.APIError:
    """A clearer error when the platform refuses because the activity came from Strava."""
    said = (exc.server_error or "").upper()
    if "STRAVA" not in said:
        return exc
    return errors.Unprocessable(
        f"activity {activity_id} came from Strava, and Strava's API terms do not let "
        f"Intervals.icu {action} it through the API. Edit it on Strava, or upload the original "
        f"file (client.activities.upload) to get a full copy you can change. [{exc.request}]",
        status=exc.status,
        server_error=exc.server_error,
        request=exc.request,
        body=exc.body,
    )


class AsyncActivitiesResource(AsyncActivityAnalytics):
    """Activities: the records, their intervals, streams, files and comments; the analytics
    (curves, histograms, models) are in :class:`AsyncActivityAnalytics`."""

    async def _activities(self, spec: RequestSpec) -> builtins.list[Any]:
        """Activities, each parsed as what it is: full, with intervals, or a Strava stub."""
        data = await self._client._request_json(spec)
        parsed: builtins.list[Any] = parse_response(
            builtins.list[_ActivityOrStub],
            data or [],
            strict=self._client.strict,
            request=errors.RequestInfo(spec.method, spec.path),
        )
        return parsed

    # -- listing ---------------------------------------------------------------------------

    @operation("listActivities")
    async def list(
        self,
        oldest: DateOrTime,
        newest: DateOrTime | None = None,
        *,
        limit: int | None = None,
        route_id: int | None = None,
        fields: builtins.list[str] | None = None,
    ) -> builtins.list[ListedActivity]:
        """Activities from ``oldest`` to ``newest`` (local date or date-time, inclusive),
        newest first. ``newest`` defaults to now. ``fields`` limits the keys returned and,
        like the platform, drops nulls (absent key != null). Strava activities are stubs.

        For long ranges use :meth:`iter_all`, which reads window by window.
        """
        if limit is not None and limit < 1:
            raise errors.InvalidRequestError("limit must be at least 1")
        spec = RequestSpec(
            "GET", self._athlete_path("/activities"),
            params={"oldest": to_local_datetime(oldest), "newest": _opt_datetime(newest),
                    "limit": limit, "route_id": route_id, "fields": fields},
        )
        return await self._activities(spec)

    async def iter_all(
        self,
        oldest: LocalDate,
        newest: LocalDate | None = None,
        *,
        window_days: int = 90,
        fields: builtins.list[str] | None = None,
        route_id: int | None = None,
    ) -> AsyncIterator[ListedActivity]:
        """Every activity from ``oldest`` to ``newest`` (local dates, inclusive; ``newest``
        defaults to today in the athlete's time zone), newest first, each once.

        The API has no cursor: this walks windows of ``window_days`` days from the newest
        backwards, one request each, so memory stays bounded and a year is a handful of calls.
        """
        end = await self._client.today() if newest is None else newest
        if fields is not None and "id" not in fields:
            fields = ["id", *fields]
        seen: set[str] = set()
        for start, stop in date_windows(oldest, end, days=window_days, newest_first=True):
            page = await self.list(start, stop, route_id=route_id, fields=fields)
            for activity in page:
                key = activity.id or ""
                if key and key in seen:
                    continue  # moved between windows while we were reading
                seen.add(key)
                yield activity

    @operation("downloadActivitiesAsCSV")
    async def list_csv(self) -> str:
        """All the athlete's activities as CSV text (one row per activity)."""
        return await self._client._request_text(
            RequestSpec("GET", self._athlete_path("/activities.csv"))
        )

    @operation("getActivity")
    async def get(self, activity_id: str, *, intervals: bool = False) -> AnyActivity:
        """One activity; ``intervals=True`` adds ``icu_intervals`` and ``icu_groups``.

        A Strava activity comes back as a :class:`StravaActivityStub`.
        """
        spec = RequestSpec(
            "GET", self._activity_path(activity_id),
            params={"intervals": intervals or None},
        )
        data = await self._client._request_json(spec)
        parsed: AnyActivity = parse_response(
            _ActivityOrStub, data, strict=self._client.strict,
            request=errors.RequestInfo(spec.method, spec.path),
        )
        return parsed

    @operation("getActivities")
    async def get_many(
        self, activity_ids: Sequence[str], *, intervals: bool = False
    ) -> builtins.list[AnyActivity]:
        """Several activities by id; ids that do not exist are left out (not an error)."""
        ids = [activity_id_text(i) for i in activity_ids]
        found: builtins.list[AnyActivity] = []
        for start in range(0, len(ids), _GET_MANY_CHUNK):
            chunk = ",".join(ids[start:start + _GET_MANY_CHUNK])
            found.extend(await self._activities(RequestSpec(
                "GET", self._athlete_path(f"/activities/{chunk}"),
                params={"intervals": intervals or None},
            )))
        return found

    # -- changing --------------------------------------------------------------------------

    @operation("updateActivity")
    async def update(self, activity_id: str, **fields: Unpack[ActivityFields]) -> Activity:
        """Change only the given fields; ``CLEAR`` unsets a numeric one (sent as -1).

        Activities have no ``updated`` timestamp and editing does not move ``icu_sync_date``
        (to notice edits, use the mirror). Strava activities cannot be edited: the platform
        answers 422 and this raises :class:`~intervals_icu.errors.Unprocessable` saying so.
        """
        if "id" in fields:
            raise errors.InvalidRequestError(
                "an activity's id cannot be changed; pass the id as the first argument only. "
                "Nothing was sent."
            )
        if not fields:
            raise errors.InvalidRequestError("no fields to change were given. Nothing was sent.")
        body = build_partial_body(Activity, fields, what="Activity")
        try:
            return await self._client._request_model(
                RequestSpec("PUT", self._activity_path(activity_id),
                            json=body),
                Activity,
            )
        except errors.Unprocessable as exc:
            raise _strava_refusal(exc, activity_id, "change") from None

    @operation("deleteActivity")
    async def delete(self, activity_id: str) -> ActivityId:
        """Delete an activity. It leaves a tombstone: uploading the same file again is
        refused until :meth:`delete_tombstone` (see docs/activities.md)."""
        return await self._client._request_model(
            RequestSpec("DELETE", self._activity_path(activity_id)),
            ActivityId,
        )

    @operation("deleteTombstone")
    async def delete_tombstone(self, activity_id: str) -> None:
        """Forget a deleted activity, so its file can be uploaded again."""
        await self._client._request_json(
            RequestSpec("DELETE", self._activity_path(activity_id, "/tombstone"))
        )

    # -- creating --------------------------------------------------------------------------

    @operation("uploadActivity")
    async def upload(
        self,
        file: FileInput,
        *,
        name: str | None = None,
        description: str | None = None,
        device_name: str | None = None,
        external_id: str | None = None,
        paired_event_id: int | None = None,
        filename: str | None = None,
    ) -> UploadResult:
        """Create activities from a FIT, TCX or GPX file, or a zip/gz of them.

        ``file`` is a path, bytes or a binary file object; with bytes, pass ``filename``
        (e.g. ``"ride.fit"``) so the format is known. The platform de-duplicates by a hash
        of the file: ``result.created`` is False (HTTP 200) when every activity in it
        already existed, and ``result.activity_ids`` names them either way. An upload is
        never retried after a server error; upload the same file again to reconcile.
        """
        part = file_part(file, default_name=filename or "activity.fit")
        if filename is not None:
            part = (filename, part[1], part[2])
        spec = RequestSpec(
            "POST", self._athlete_path("/activities"),
            params={"name": name, "description": description, "device_name": device_name,
                    "external_id": external_id, "paired_event_id": paired_event_id},
            files={"file": part},
        )
        status, data = await self._client._request_status(spec)
        response: UploadResponse = parse_response(
            UploadResponse, data or {}, strict=self._client.strict,
            request=errors.RequestInfo(spec.method, spec.path),
        )
        return UploadResult(created=status == 201, response=response)

    @operation("createManualActivity")
    async def create_manual(self, **fields: Unpack[ActivityFields]) -> Activity:
        """Create a manual activity (no file): needs ``start_date_local`` and ``type``."""
        body = _manual_body(fields)
        return await self._client._request_model(
            RequestSpec("POST", self._athlete_path("/activities/manual"),
                        json=body),
            Activity,
        )

    @operation("createMultipleManualActivities")
    async def upsert_manual(
        self, activities: Sequence[Activity | Mapping[str, Any]]
    ) -> builtins.list[Activity]:
        """Create several manual activities; one with an ``external_id`` you created before
        (with this app or key) is updated instead of duplicated, so re-running a sync is
        safe. Activities without ``external_id`` are always created."""
        body = [
            _manual_body(a.to_api() if isinstance(a, Activity) else dict(a))
            for a in activities
        ]
        if not body:
            return []
        return await self._client._request_list(
            RequestSpec("POST", self._athlete_path("/activities/manual/bulk"),
                        json=body),
            Activity,
        )

    # -- finding ---------------------------------------------------------------------------

    @operation("searchForActivities")
    async def search(
        self, q: str, *, limit: int | None = None
    ) -> builtins.list[ActivitySearchResult]:
        """Activities whose name contains ``q`` (case-insensitive), or with the exact tag
        ``q[1:]`` when ``q`` starts with ``#``; summary rows, newest first."""
        return await self._client._request_list(
            RequestSpec("GET", self._athlete_path("/activities/search"),
                        params={"q": _query(q), "limit": limit}),
            ActivitySearchResult,
        )

    @operation("searchForActivitiesFull")
    async def search_full(
        self, q: str, *, limit: int | None = None
    ) -> builtins.list[ListedActivity]:
        """Like :meth:`search` but returns full activities."""
        return await self._activities(RequestSpec(
            "GET", self._athlete_path("/activities/search-full"),
            params={"q": _query(q), "limit": limit},
        ))

    @operation("searchForIntervals")
    async def interval_search(
        self,
        min_secs: int,
        max_secs: int,
        min_intensity: int,
        max_intensity: int,
        *,
        type: IntervalSearchType | None = None,
        min_reps: int | None = None,
        max_reps: int | None = None,
        limit: int | None = None,
    ) -> builtins.list[ListedActivity]:
        """Activities with intervals lasting ``min_secs..max_secs`` at ``min_intensity..
        max_intensity`` (% of threshold), most recent first."""
        if min_secs > max_secs or min_intensity > max_intensity:
            raise errors.InvalidRequestError(
                "interval_search: each minimum must not exceed its maximum. Nothing was sent."
            )
        return await self._activities(RequestSpec(
            "GET", self._athlete_path("/activities/interval-search"),
            params={"minSecs": min_secs, "maxSecs": max_secs, "minIntensity": min_intensity,
                    "maxIntensity": max_intensity, "type": type, "minReps": min_reps,
                    "maxReps": max_reps, "limit": limit},
        ))

    @operation("listActivitiesAround")
    async def around(
        self, activity_id: str, *, route_id: int | None = None, limit: int | None = None
    ) -> builtins.list[ListedActivity]:
        """Activities before and after ``activity_id``, closest first."""
        return await self._activities(RequestSpec(
            "GET", self._athlete_path("/activities-around"),
            params={"activity_id": activity_id_text(activity_id), "route_id": route_id,
                    "limit": limit},
        ))

    @operation("listTags_2")
    async def tags(self) -> builtins.list[str]:
        """Every tag used on the athlete's activities."""
        data = await self._client._request_json(
            RequestSpec("GET", self._athlete_path("/activity-tags"))
        )
        return [str(t) for t in data or []]

    # -- intervals (there is no laps endpoint: intervals are the API's laps) ----------------

    @operation("getIntervals")
    async def intervals(self, activity_id: str) -> IntervalsDTO:
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/intervals")),
            IntervalsDTO,
        )

    @operation("updateIntervals")
    async def update_intervals(
        self,
        activity_id: str,
        intervals: Sequence[Interval | Mapping[str, Any]],
        *,
        replace_all: bool = False,
    ) -> IntervalsDTO:
        """Merge ``intervals`` into the activity's (matched by ``id``, new ones added), or
        with ``replace_all=True`` make them the complete list (the API's ``all=true``)."""
        body = [_interval_body(i) for i in intervals]
        return await self._client._request_model(
            RequestSpec("PUT", self._activity_path(activity_id, "/intervals"),
                        params={"all": replace_all},
                        json=body),
            IntervalsDTO,
        )

    @operation("updateInterval")
    async def update_interval(
        self, activity_id: str, interval_id: int, **fields: Unpack[IntervalFields]
    ) -> IntervalsDTO:
        """Change one interval (or create it with ``start_index``/``end_index``)."""
        body = build_partial_body(Interval, fields, what="Interval")
        return await self._client._request_model(
            RequestSpec("PUT", self._activity_path(activity_id, f"/intervals/{int(interval_id)}"),
                        json=body),
            IntervalsDTO,
        )

    @operation("deleteIntervals")
    async def delete_intervals(
        self, activity_id: str, intervals: Sequence[int | Interval | Mapping[str, Any]]
    ) -> IntervalsDTO:
        """Remove intervals, given by id (or as interval objects with their ``id``)."""
        body = [{"id": i} if isinstance(i, int) else _interval_body(i) for i in intervals]
        return await self._client._request_model(
            RequestSpec("PUT", self._activity_path(activity_id, "/delete-intervals"),
                        json=body),
            IntervalsDTO,
        )

    @operation("splitInterval")
    async def split_interval(self, activity_id: str, split_at: int) -> IntervalsDTO:
        """Split the interval containing sample index ``split_at`` in two."""
        return await self._client._request_model(
            RequestSpec("PUT", self._activity_path(activity_id, "/split-interval"),
                        params={"splitAt": split_at}),
            IntervalsDTO,
        )

    @operation("getIntervalStats")
    async def interval_stats(
        self, activity_id: str, start_index: int, end_index: int
    ) -> Interval:
        """Interval-like statistics for samples ``start_index..end_index`` of the activity."""
        if start_index < 0 or end_index <= start_index:
            raise errors.InvalidRequestError(
                "interval_stats needs 0 <= start_index < end_index. Nothing was sent."
            )
        return await self._client._request_model(
            RequestSpec("GET", self._activity_path(activity_id, "/interval-stats"),
                        params={"start_index": start_index, "end_index": end_index}),
            Interval,
        )

    # -- streams -----------------------------------------------------------------------------

    @operation("getActivityStreams")
    async def streams(
        self,
        activity_id: str,
        types: Sequence[str] | None = None,
        include_defaults: bool = False,
    ) -> builtins.list[ActivityStream]:
        """The activity's sample streams (``time``, ``watts``, ``heartrate``...).

        Without ``types`` the default set is returned; with ``types`` only those, plus the
        defaults when ``include_defaults``. ``latlng`` carries latitude in ``data`` and
        longitude in ``data2``.
        """
        return await self._client._request_list(
            RequestSpec("GET", self._activity_path(activity_id, "/streams.json"),
                        params=_stream_params(types, include_defaults)),
            ActivityStream,
        )

    @operation("getActivityStreams")
    async def streams_csv(
        self,
        activity_id: str,
        types: Sequence[str] | None = None,
        include_defaults: bool = False,
    ) -> str:
        """The streams as CSV text: one row per sample, one column per stream."""
        return await self._client._request_text(
            RequestSpec("GET", self._activity_path(activity_id, "/streams.csv"),
                        params=_stream_params(types, include_defaults))
        )

    @operation("updateActivityStreams")
    async def update_streams(
        self, activity_id: str, streams: Sequence[ActivityStream | Mapping[str, Any]]
    ) -> UpdateStreamsResult:
        """Replace the given streams (others are kept); the summary is recomputed."""
        body = [
            s.to_api() if isinstance(s, ActivityStream)
            else build_partial_body(ActivityStream, dict(s), what="ActivityStream")
            for s in streams
        ]
        for item in body:
            if not item.get("type"):
                raise errors.InvalidRequestError(
                    "each stream needs its 'type' (e.g. 'watts'). Nothing was sent."
                )
        return await self._client._request_model(
            RequestSpec("PUT", self._activity_path(activity_id, "/streams"),
                        json=body),
            UpdateStreamsResult,
        )

    @operation("uploadActivityStreamsCSV")
    async def upload_streams_csv(self, activity_id: str, file: FileInput) -> UpdateStreamsResult:
        """Update streams from CSV (a path, bytes or binary file; CSV text: ``.encode()``).

        Headers are stream names; ``time`` is seconds from the start; a blank cell is null
        and an all-null column removes that stream. With the same number of rows only the
        columns given change; otherwise every stream must be supplied.
        """
        return await self._client._request_model(
            RequestSpec("PUT", self._activity_path(activity_id, "/streams.csv"),
                        files={"file": file_part(file, default_name="streams.csv",
                                                 content_type="text/csv")}),
            UpdateStreamsResult,
        )

    # -- files (streamed to disk, never held in memory) --------------------------------------

    @operation("downloadActivityFile")
    async def download_file(self, activity_id: str, dest: Destination) -> Download:
        """The original file as uploaded, gzip-compressed (e.g. ``ride.fit.gz``).

        ``dest`` is a file path, a directory (the server's file name is used) or a binary
        file object. Not available for Strava activities.
        """
        return await self._download_or_refuse(
            RequestSpec("GET", self._activity_path(activity_id, "/file")),
            dest, f"{activity_id}.fit.gz", activity_id,
        )

    @operation("downloadActivityFitFile")
    async def download_fit(
        self, activity_id: str, dest: Destination, *, power: bool | None = None,
        hr: bool | None = None,
    ) -> Download:
        """A FIT file generated by Intervals.icu from the activity's streams (any sport)."""
        return await self._download_or_refuse(
            RequestSpec("GET", self._activity_path(activity_id, "/fit-file"),
                        params={"power": power, "hr": hr}),
            dest, f"{activity_id}.fit", activity_id,
        )

    @operation("downloadActivityGpxFile")
    async def download_gpx(
        self, activity_id: str, dest: Destination, *, power: bool | None = None,
        hr: bool | None = None,
    ) -> Download:
        """A GPX track generated by Intervals.icu (only for activities with GPS)."""
        return await self._download_or_refuse(
            RequestSpec("GET", self._activity_path(activity_id, "/gpx-file"),
                        params={"power": power, "hr": hr}),
            dest, f"{activity_id}.gpx", activity_id,
        )

    @operation("downloadActivityFitFiles")
    async def download_fit_files(
        self, activity_ids: Sequence[str], dest: Destination, *, power: bool | None = None,
        hr: bool | None = None,
    ) -> Download:
        """A zip of generated FIT files for several activities (Strava ones are skipped)."""
        ids = [activity_id_text(i) for i in activity_ids]
        if not ids:
            raise errors.InvalidRequestError("download_fit_files needs at least one activity id")
        return await self._client._download(
            RequestSpec("POST", self._athlete_path("/download-fit-files"),
                        params={"ids": ids, "power": power, "hr": hr}),
            dest, "activities.zip",
        )

    async def _download_or_refuse(self, spec: RequestSpec, dest: Destination,
                                  default_name: str, activity_id: str) -> Download:
        try:
            return await self._client._download(spec, dest, default_name)
        except errors.Unprocessable as exc:
            raise _strava_refusal(exc, activity_id, "serve files of") from None

    # -- comments --------------------------------------------------------------------------

    @operation("listActivityMessages")
    async def messages(
        self, activity_id: str, *, since_id: int | None = None, limit: int | None = None
    ) -> builtins.list[Message]:
        """Comments on the activity, oldest first."""
        return await self._client._request_list(
            RequestSpec("GET", self._activity_path(activity_id, "/messages"),
                        params={"sinceId": since_id, "limit": limit}),
            Message,
        )

    @operation("sendActivityMessage")
    async def send_message(self, activity_id: str, content: str) -> NewMsg:
        """Add a comment to the activity."""
        if not content.strip():
            raise errors.InvalidRequestError("a comment needs some text. Nothing was sent.")
        return await self._client._request_model(
            RequestSpec("POST", self._activity_path(activity_id, "/messages"),
                        json={"content": content}),
            NewMsg,
        )

def _query(q: str) -> str:
    if not q.strip() or q.strip() == "#":
        raise errors.InvalidRequestError(
            "search needs some text (a name fragment, or '#tag'). Nothing was sent."
        )
    return q


def _manual_body(fields: Mapping[str, Any]) -> dict[str, Any]:
    body = build_partial_body(Activity, fields, what="Activity")
    missing = [k for k in ("start_date_local", "type") if not body.get(k)]
    if missing:
        raise errors.InvalidRequestError(
            f"a manual activity needs {' and '.join(missing)} (e.g. start_date_local="
            "'2025-03-01T07:30:00', type='Run'). Nothing was sent."
        )
    return body


def _interval_body(interval: Interval | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(interval, Interval):
        return interval.to_api()
    return build_partial_body(Interval, dict(interval), what="Interval")


def _stream_params(types: Sequence[str] | None, include_defaults: bool) -> dict[str, Any]:
    if types is not None and isinstance(types, str):
        raise errors.InvalidRequestError(
            f"types must be a list of stream names, e.g. [{types!r}], not a string"
        )
    return {"types": list(types) if types else None,
            "includeDefaults": True if include_defaults else None}


