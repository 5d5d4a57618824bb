"""Activity file routes: multipart upload (the rules are in
:mod:`intervals_icu.sandbox.platform.uploads`); downloads of the original file, generated
FIT and GPX, and a zip of FIT files. Big bodies are streamed in chunks, never assembled in
one piece. The original is served gzip-compressed (``ride.fit.gz``), as the platform does
(NODE-FILES).
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

from starlette.responses import StreamingResponse

from intervals_icu.sandbox.context import Ctx, Reply, handles, locate
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    detail_of,
    is_strava,
    refuse_strava,
)
from intervals_icu.sandbox.platform.uploads import UploadFields, upload_activities
from intervals_icu.sandbox.state import AthleteStore

CHUNK = 64 * 1024


# -- upload ------------------------------------------------------------------------------------


@handles("uploadActivity")
def upload(ctx: Ctx) -> Any:
    """201 when at least one new activity was made, 200 when all were duplicates."""
    athlete_id = ctx.athlete()
    upload_file = ctx.file("file")
    fields = UploadFields(name=ctx.q("name"), description=ctx.q("description"),
                          device_name=ctx.q("device_name"), external_id=ctx.q("external_id"),
                          paired_event_id=ctx.q_int("paired_event_id"))
    done = upload_activities(ctx.state, athlete_id, ctx.principal, upload_file.filename,
                             upload_file.content, fields)
    every = list(dict.fromkeys(done.created + done.existing))
    body = {
        "icu_athlete_id": athlete_id,
        "id": every[0] if every else None,
        "activities": [{"icu_athlete_id": athlete_id, "id": i} for i in every],
    }
    return Reply(body, status=201 if done.created else 200)


# -- downloads ---------------------------------------------------------------------------------


def _chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), CHUNK):
        yield bytes(view[start:start + CHUNK])


def _gzip_chunks(data: bytes) -> Iterator[bytes]:
    """A gzip file of ``data``, compressed chunk by chunk."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in _chunks(data):
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def _attachment(filename: str) -> dict[str, str]:
    safe = filename.replace('"', "").replace("\\", "")
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


def _streams_for_file(ctx: Ctx, store: AthleteStore, activity: dict[str, Any]) -> (
    dict[str, list[Any]]
):
    from intervals_icu.sandbox.platform.streams import load_streams

    streams = load_streams(detail_of(store, activity["id"]))
    if not ctx.q_bool("power", True):
        for name in ("watts", "fixed_watts", "raw_watts"):
            streams.pop(name, None)
    if not ctx.q_bool("hr", True):
        for name in ("heartrate", "fixed_heartrate", "raw_heartrate"):
            streams.pop(name, None)
    return streams


def _fit_bytes(activity: dict[str, Any], streams: dict[str, list[Any]]) -> bytes:
    from intervals_icu.sandbox.formats.activity_files import write_fit

    if not streams:
        raise ApiError(404, f"Activity {activity['id']} has no recorded data for a FIT file")
    return write_fit(activity, streams)


@handles("downloadActivityFile")
def download_original(ctx: Ctx) -> Any:
    """The original upload, gzip-compressed; activities without one (device syncs in the
    seeded history) get their generated FIT, compressed the same way."""
    _athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    detail = detail_of(store, activity["id"])
    if detail.original_file is not None:
        data = detail.original_file
        name = detail.original_filename or f"{activity['id']}.{activity.get('file_type', 'fit')}"
    else:
        data = _fit_bytes(activity, _streams_for_file(ctx, store, activity))
        name = f"{activity['id']}.fit"
    headers = {**_attachment(f"{name}.gz"), "Content-Encoding": "identity"}
    return StreamingResponse(_gzip_chunks(data), media_type="application/gzip",
                             headers=headers)


@handles("downloadActivityFitFile")
def download_fit(ctx: Ctx) -> Any:
    _athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    data = _fit_bytes(activity, _streams_for_file(ctx, store, activity))
    return StreamingResponse(_chunks(data), media_type="application/octet-stream",
                             headers=_attachment(f"{activity['id']}.fit"))


@handles("downloadActivityGpxFile")
def download_gpx(ctx: Ctx) -> Any:
    from intervals_icu.sandbox.formats.activity_files import write_gpx

    _athlete_id, store, activity = locate(ctx)
    refuse_strava(activity)
    streams = _streams_for_file(ctx, store, activity)
    if not any(p for p in streams.get("latlng") or [] if p):
        raise ApiError(422, f"Activity {activity['id']} has no GPS data")
    data = write_gpx(activity, streams)
    return StreamingResponse(_chunks(data), media_type="application/gpx+xml",
                             headers=_attachment(f"{activity['id']}.gpx"))


@handles("downloadActivityFitFiles")
def download_fit_zip(ctx: Ctx) -> Any:
    """A zip of generated FIT files; Strava activities and unknown ids are skipped, and
    nothing left is 422 "No activities found" (as the platform)."""
    _athlete_id, store = ctx.store()
    ids = ctx.q_list("ids") or []
    if not ids:
        raise ApiError(422, "Required request parameter 'ids' is not present")
    chosen = [store.activities[i] for i in dict.fromkeys(ids)
              if i in store.activities and not is_strava(store.activities[i])]
    if not chosen:
        raise ApiError(422, "No activities found")
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for activity in chosen:
            streams = _streams_for_file(ctx, store, activity)
            if not streams:
                continue
            archive.writestr(f"{activity['id']}.fit", _fit_bytes(activity, streams))
    spool.seek(0)

    def body() -> Iterator[bytes]:
        try:
            while chunk := spool.read(CHUNK):
                yield chunk
        finally:
            spool.close()

    return StreamingResponse(body(), media_type="application/zip",
                             headers=_attachment("activities.zip"))

