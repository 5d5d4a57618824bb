"""Activity file uploads as the platform takes them (API-NOTES §4.5): FIT, TCX, GPX, or a
zip/gz of them; each file is de-duplicated by its hash (an upload of known files creates
nothing: 200 instead of 201), a file whose activity was deleted is refused until its
tombstone is deleted, a multisport file becomes several activities (``file_sport_index``),
and every new activity is analyzed (summary and intervals) and stored.

Assumptions (docs/sandbox.md): each file inside a zip (or the file inside a .gz) is hashed
on its own, so a zip holding one new and one known file creates one activity (201).
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.formats.activity_files import ParsedActivity, parse_activity_file
from intervals_icu.sandbox.platform.activities import (
    analyze,
    create_activity,
    new_activity_id,
    utc_text,
)
from intervals_icu.sandbox.state import ActivityDetail, Principal, SandboxState

__all__ = ["MAX_UNPACKED_BYTES", "UploadFields", "Uploaded", "upload_activities"]


@dataclass(frozen=True)
class UploadFields:
    """What the uploader may set on the new activities (the upload's query parameters)."""

    name: str | None = None
    description: str | None = None
    device_name: str | None = None
    external_id: str | None = None
    paired_event_id: int | None = None


@dataclass(frozen=True)
class Uploaded:
    created: list[str]
    """Ids of the activities this upload made."""
    existing: list[str]
    """Ids of live activities whose files were uploaded before."""


ACTIVITY_EXTENSIONS = (".fit", ".tcx", ".gpx")


MAX_UNPACKED_BYTES = 512 * 1024 * 1024
"""Refuse archives that unpack to more than this (zip bombs)."""


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


def _new_from_file(state: SandboxState, athlete_id: str, principal: Principal,
                   parsed: ParsedActivity, fields: UploadFields, *, filename: str,
                   content: bytes, index: int) -> tuple[dict[str, Any], ActivityDetail]:
    account = state.accounts[athlete_id]
    local = parsed.start.astimezone(account.timezone).replace(tzinfo=None)
    activity: dict[str, Any] = {
        "id": new_activity_id(state),
        "icu_athlete_id": athlete_id,
        "start_date_local": local.isoformat(timespec="seconds"),
        "start_date": utc_text(parsed.start),
        "timezone": account.profile.get("timezone") or "UTC",
        "type": parsed.sport,
        "name": fields.name or f"{_part_of_day(local.hour)} {parsed.sport}",
        "description": fields.description,
        "device_name": fields.device_name or parsed.device_name,
        "external_id": fields.external_id,
        "paired_event_id": fields.paired_event_id,
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


def upload_activities(state: SandboxState, athlete_id: str, principal: Principal,
                      filename: str, content: bytes, fields: UploadFields) -> Uploaded:
    """Take an uploaded file: new activities for the files not seen before."""
    store = state.store(athlete_id)
    members = _unpack(filename, content)
    planned: list[tuple[str, str, bytes, list[ParsedActivity]]] = []
    existing: list[str] = []
    blocked: list[str] = []
    for name, data in members:
        file_hash = hashlib.sha256(data).hexdigest()
        known = store.upload_hashes.get(file_hash)
        if known:
            live = [i for i in known if i in store.activities]
            existing.extend(live)
            blocked.extend(i for i in known if i in store.tombstones and i not in live)
            continue
        if any(file_hash == h for h, *_ in planned):
            continue  # the same file twice in one zip
        try:
            sports = parse_activity_file(name, data)
        except ValueError as exc:
            raise ApiError(422, f"Unable to read {name}: {exc}") from None
        if not sports:
            raise ApiError(422, f"No activity found in {name}")
        planned.append((file_hash, name, data, sports))
    if not planned and blocked:
        names = ", ".join(dict.fromkeys(blocked))
        raise ApiError(422, f"This file was uploaded before and its activity was deleted "
                            f"({names}): DELETE /api/v1/activity/{{id}}/tombstone to upload it "
                            "again")
    created: list[str] = []
    for file_hash, name, data, parsed_list in planned:
        ids: list[str] = []
        for index, parsed in enumerate(parsed_list):
            activity, detail = _new_from_file(state, athlete_id, principal, parsed, fields,
                                              filename=name, content=data, index=index)
            store.details[activity["id"]] = detail
            analyze(state, athlete_id, activity, detail.streams or {})
            create_activity(state, athlete_id, activity, detail, owner_app=principal.app_key)
            ids.append(activity["id"])
        store.upload_hashes[file_hash] = ids
        created.extend(ids)
    return Uploaded(created, existing)
