"""Activity files: multipart upload (FIT, TCX, GPX, zip/gz of them) with de-duplication by
file hash and tombstones; downloads of the original file, generated FIT and GPX, and a zip of
FIT files. Big bodies are streamed in chunks, never assembled in one piece.

Assumptions (docs/sandbox.md): each file inside a zip (or the file inside a .gz) is hashed
on its own, so a zip holding one new and one known file creates one activity (201). A file
whose activity was deleted is refused with 422 until its tombstone is deleted. The original
is served gzip-compressed (``ride.fit.gz``), as the platform does (NODE-FILES).
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO, Any

from starlette.responses import StreamingResponse

from intervals_icu.sandbox.context import Ctx, Reply, handles
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.activities import (
    analyze,
    create_activity,
    detail_of,
    is_strava,
    locate,
    new_activity_id,
    refuse_strava,
    utc_text,
)
from intervals_icu.sandbox.state import ActivityDetail, AthleteStore

ACTIVITY_EXTENSIONS = (".fit", ".tcx", ".gpx")
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
"""Refuse archives that unpack to more than this (zip bombs)."""
CHUNK = 64 * 1024


# -- upload ------------------------------------------------------------------------------------


def _unpack(filename: str, content: bytes) -> list[tuple[str, bytes]]:
    """The activity files in an upload: itself, or the members of a zip / a .gz."""
    name = PurePosixPath(filename or "activity").name
    lower = name.lower()
    if lower.endswith(".zip"):
        try:
            archive = zipfile.ZipFile(_BytesReader(content))
        except zipfile.BadZipFile:
            raise ApiError(422, f"Unable to read zip file {name}") from None
        members: list[tuple[str, bytes]] = []
        total = 0
        for info in archive.infolist():
            inner = PurePosixPath(info.filename)
            if info.is_dir() or inner.name.startswith(".") or "__MACOSX" in inner.parts:
                continue
            total += info.file_size
            if total > MAX_UNPACKED_BYTES:
                raise ApiError(422, f"{name} unpacks to more than {MAX_UNPACKED_BYTES} bytes")
            members.extend(_unpack(inner.name, archive.read(info)))
        if not members:
            raise ApiError(422, f"No activity files found in {name}")
        return members
    if lower.endswith(".gz"):
        try:
            data = _gunzip(content)
        except (OSError, EOFError, zlib.error):
            raise ApiError(422, f"Unable to read gzip file {name}") from None
        return _unpack(name[:-3], data)
    if not lower.endswith(ACTIVITY_EXTENSIONS):
        raise ApiError(422, f"Unsupported file type: {name} (expected fit, tcx, gpx, zip or gz)")
    return [(name, content)]


def _gunzip(content: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=31)
    data = decompressor.decompress(content, MAX_UNPACKED_BYTES + 1)
    if len(data) > MAX_UNPACKED_BYTES or decompressor.unconsumed_tail:
        raise OSError("too big")
    return data


class _BytesReader:
    """A seekable read-only view of bytes without copying them (``zipfile`` needs seek)."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else self._pos + size
        chunk = bytes(self._view[self._pos:end])
        self._pos += len(chunk)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True


def _part_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "Morning"
    if 12 <= hour < 17:
        return "Afternoon"
    if 17 <= hour < 21:
        return "Evening"
    return "Night"


def _new_from_file(ctx: Ctx, athlete_id: str, parsed: Any, *, filename: str, content: bytes,
                   index: int) -> tuple[dict[str, Any], ActivityDetail]:
    state = ctx.state
    account = state.accounts[athlete_id]
    local = parsed.start.astimezone(account.timezone).replace(tzinfo=None)
    principal = ctx.principal
    activity: dict[str, Any] = {
        "id": new_activity_id(state),
        "icu_athlete_id": athlete_id,
        "start_date_local": local.isoformat(timespec="seconds"),
        "start_date": utc_text(parsed.start),
        "timezone": account.profile.get("timezone") or "UTC",
        "type": parsed.sport,
        "name": ctx.q("name") or f"{_part_of_day(local.hour)} {parsed.sport}",
        "description": ctx.q("description"),
        "device_name": ctx.q("device_name") or parsed.device_name,
        "external_id": ctx.q("external_id"),
        "paired_event_id": ctx.q_int("paired_event_id"),
        "source": "OAUTH_CLIENT" if principal.client_id else "UPLOAD",
        "file_type": PurePosixPath(filename).suffix.lstrip(".").lower(),
        "file_sport_index": index,
        "trainer": parsed.sport.startswith("Virtual"),
        "commute": False,
        "race": False,
    }
    if principal.client_id:
        app = state.apps.get(principal.client_id)
        activity["oauth_client_id"] = int(principal.client_id) \
            if principal.client_id.isdigit() else principal.client_id
        activity["oauth_client_name"] = app.name if app else None
    activity = {k: v for k, v in activity.items() if v is not None}
    detail = ActivityDetail(streams=dict(parsed.streams), original_file=content,
                            original_filename=filename)
    return activity, detail


@handles("uploadActivity")
def upload(ctx: Ctx) -> Any:
    """201 when at least one new activity was made, 200 when all were duplicates."""
    from intervals_icu.sandbox.formats.activity_files import parse_activity_file

    athlete_id = ctx.athlete()
    store = ctx.state.store(athlete_id)
    upload_file = ctx.file("file")
    members = _unpack(upload_file.filename, upload_file.content)
    planned: list[tuple[str, str, bytes, list[Any]]] = []
    existing: list[str] = []
    blocked: list[str] = []
    for name, content in members:
        file_hash = hashlib.sha256(content).hexdigest()
        known = store.upload_hashes.get(file_hash)
        if known:
            live = [i for i in known if i in store.activities]
            existing.extend(live)
            blocked.extend(i for i in known if i in store.tombstones and i not in live)
            continue
        if any(file_hash == h for h, *_ in planned):
            continue  # the same file twice in one zip
        try:
            parsed = parse_activity_file(name, content)
        except ValueError as exc:
            raise ApiError(422, f"Unable to read {name}: {exc}") from None
        if not parsed:
            raise ApiError(422, f"No activity found in {name}")
        planned.append((file_hash, name, content, parsed))
    if not planned and blocked:
        names = ", ".join(dict.fromkeys(blocked))
        raise ApiError(422, f"This file was uploaded before and its activity was deleted "
                            f"({names}): DELETE /api/v1/activity/{{id}}/tombstone to upload it "
                            "again")
    created: list[str] = []
    for file_hash, name, content, parsed_list in planned:
        ids: list[str] = []
        for index, parsed in enumerate(parsed_list):
            activity, detail = _new_from_file(ctx, athlete_id, parsed, filename=name,
                                              content=content, index=index)
            store.details[activity["id"]] = detail
            analyze(ctx.state, athlete_id, activity, detail.streams or {})
            create_activity(ctx.state, athlete_id, activity, detail,
                            owner_app=ctx.principal.app_key)
            ids.append(activity["id"])
        store.upload_hashes[file_hash] = ids
        created.extend(ids)
    every = list(dict.fromkeys(created + existing))
    body = {
        "icu_athlete_id": athlete_id,
        "id": every[0] if every else None,
        "activities": [{"icu_athlete_id": athlete_id, "id": i} for i in every],
    }
    return Reply(body, status=201 if created else 200)


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

