# Generated from src/intervals_icu/_async/resources/wellness.py by scripts/unasync.py.
# DO NOT EDIT: change the async source and regenerate.
"""Wellness: one record per local day (id = ``YYYY-MM-DD``), partial updates, and locks."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from typing_extensions import Unpack

from intervals_icu import errors
from intervals_icu._sync.resources._base import Resource
from intervals_icu._http import RequestSpec
from intervals_icu.dates import LocalDate, to_local_date
from intervals_icu.models import Wellness
from intervals_icu.models._fields import WellnessFields
from intervals_icu.operation import operation
from intervals_icu.updates import CLEAR, CLEAR_VALUE, build_partial_body
from intervals_icu.uploads import FileInput, file_part
from intervals_icu.wellness_lock import unapplied_fields


class WellnessResource(Resource):
    @operation("getRecord")
    def get(self, day: LocalDate) -> Wellness:
        """The record for a local day."""
        return self._client._request_model(
            RequestSpec(
                "GET", self._athlete_path(f"/wellness/{to_local_date(day)}"),
            ),
            Wellness,
        )

    @operation("listWellnessRecords")
    def list(
        self,
        oldest: LocalDate | None = None,
        newest: LocalDate | None = None,
        *,
        fields: builtins.list[str] | None = None,
    ) -> builtins.list[Wellness]:
        """Records from ``oldest`` to ``newest`` (local dates, both inclusive).

        ``fields`` limits the keys returned (and, like the platform, drops nulls).
        """
        return self._client._request_list(
            RequestSpec(
                "GET", self._athlete_path("/wellness.json"),
                params={"oldest": _opt_date(oldest), "newest": _opt_date(newest),
                        "fields": fields},
            ),
            Wellness,
        )

    @operation("listWellnessRecords")
    def list_csv(
        self,
        oldest: LocalDate | None = None,
        newest: LocalDate | None = None,
        *,
        cols: builtins.list[str] | None = None,
    ) -> str:
        """The same records as CSV text; ``cols`` picks the columns."""
        return self._client._request_text(
            RequestSpec(
                "GET", self._athlete_path("/wellness.csv"),
                params={"oldest": _opt_date(oldest), "newest": _opt_date(newest), "cols": cols},
            )
        )

    @operation("updateWellness")
    def update(
        self,
        day: LocalDate,
        *,
        unlock: bool = False,
        update_current: bool = False,
        custom_fields: Mapping[str, Any] | None = None,
        **fields: Unpack[WellnessFields],
    ) -> Wellness:
        """Create or change the record of ``day``, sending only the given fields.

        ``CLEAR`` unsets a numeric field. Custom wellness fields (defined by the athlete) go
        in ``custom_fields`` by their code, e.g. ``{"SleepingHRrange": "55 - 72"}``.

        If the record is locked the write is not applied and
        :class:`~intervals_icu.errors.RecordLockedError` is raised, unless ``unlock=True``:
        then the record is unlocked, edited and locked again. ``update_current=True`` also
        updates the athlete's current weight/resting HR when ``day`` is today.
        """
        day_text = to_local_date(day)
        body = build_partial_body(Wellness, fields, what="Wellness")
        body.pop("id", None)
        body.update(_custom(custom_fields))
        params = {"localDate": day_text} if update_current else None
        record = self._put(day_text, body, params)
        if "locked" in body or not record.locked or not unapplied_fields(body, record):
            return record
        if not unlock:
            raise errors.RecordLockedError(
                f"wellness {day_text} is locked, so the write was not applied. Pass unlock=True "
                "to unlock, edit and re-lock it in one call, or run "
                f"client.wellness.unlock({day_text!r}, {day_text!r}) first.",
                record_id=day_text,
            )
        self._put(day_text, {**body, "locked": False}, params)
        return self._put(day_text, {"locked": True}, None)

    def _put(self, day_text: str, body: dict[str, Any],
                   params: dict[str, Any] | None) -> Wellness:
        try:
            return self._client._request_model(
                RequestSpec(
                    "PUT", self._athlete_path(f"/wellness/{day_text}"),
                    operation_id="updateWellness", json=body, params=params,
                ),
                Wellness,
            )
        except errors.Unprocessable as exc:
            if "lock" in (exc.server_error or "").lower():
                # The platform may refuse instead of ignoring (the sandbox's "reject" mode).
                return self.get(day_text)
            raise

    @operation("updateWellness_1")
    def put_record(self, record: Wellness | dict[str, Any]) -> Wellness:
        """Write one record whose ``id`` is its day (only the fields present change)."""
        body = _record_body(record)
        try:
            stored = self._client._request_model(
                RequestSpec("PUT", self._athlete_path("/wellness"),
                            json=body),
                Wellness,
            )
        except errors.Unprocessable as exc:
            if "lock" not in (exc.server_error or "").lower():
                raise
            stored = self.get(body["id"])  # the platform refused instead of ignoring
        if "locked" not in body and stored.locked and unapplied_fields(body, stored):
            raise errors.RecordLockedError(
                f"wellness {body['id']} is locked, so the write was not applied. Use "
                "client.wellness.update(day, unlock=True, ...) to unlock, edit and re-lock it.",
                record_id=body["id"],
            )
        return stored

    @operation("updateWellnessBulk")
    def update_many(
        self,
        records: builtins.list[Wellness | dict[str, Any]],
        *,
        unlock: bool = False,
        custom_fields: bool = False,
    ) -> None:
        """Write several records at once (each with its ``id`` = day), only the fields given.

        Unknown field names are refused unless ``custom_fields=True`` (the athlete's own
        wellness fields, by code). Locked records the write would change raise
        :class:`~intervals_icu.errors.RecordLockedError` before anything is sent (one read of
        the range tells which), unless ``unlock=True``: they are unlocked in the write and
        locked again after. A record carrying ``"locked": False`` unlocks itself.
        """
        bodies = [_record_body(r, custom_fields=custom_fields) for r in records]
        if not bodies:
            return
        days = sorted(b["id"] for b in bodies)
        current = self.list(days[0], days[-1], fields=["id", "locked"])
        locked_now = {r.id for r in current if r.locked}
        blocked = [b["id"] for b in bodies
                   if b["id"] in locked_now and b.get("locked") is not False
                   and set(b) - {"id", "locked"}]
        if blocked and not unlock:
            raise errors.RecordLockedError(
                f"{len(blocked)} wellness record(s) are locked ({', '.join(blocked[:5])}"
                f"{', ...' if len(blocked) > 5 else ''}), so this write would not change them. "
                "Pass unlock=True to unlock, write and re-lock them, or unlock the range first "
                "with client.wellness.unlock(oldest, newest). Nothing was sent.",
                record_id=blocked[0], record_ids=blocked,
            )
        relock = [{"id": day, "locked": True} for day in blocked]
        for body in bodies:
            if body["id"] in blocked:
                body["locked"] = False
        self._put_bulk(bodies)
        if relock:
            self._put_bulk(relock)

    def _put_bulk(self, bodies: builtins.list[dict[str, Any]]) -> None:
        self._client._request_json(
            RequestSpec("PUT", self._athlete_path("/wellness-bulk"),
                        operation_id="updateWellnessBulk", json=bodies)
        )

    def unlock(self, oldest: LocalDate, newest: LocalDate) -> builtins.list[str]:
        """Unlock every locked record between two local dates; returns the days unlocked."""
        return self._set_locked(oldest, newest, False)

    def lock(self, oldest: LocalDate, newest: LocalDate) -> builtins.list[str]:
        """Lock every existing record between two local dates; returns the days locked."""
        return self._set_locked(oldest, newest, True)

    def _set_locked(self, oldest: LocalDate, newest: LocalDate,
                          locked: bool) -> builtins.list[str]:
        records = self.list(oldest, newest, fields=["id", "locked"])
        days = [r.id for r in records if r.id and bool(r.locked) != locked]
        if days:
            self._put_bulk([{"id": d, "locked": locked} for d in days])
        return days

    @operation("uploadWellness")
    def upload_csv(self, file: FileInput, *, ignore_missing_fields: bool = False) -> Any:
        """Upload wellness records as CSV (a path, bytes or a binary file object)."""
        return self._client._request_json(
            RequestSpec(
                "POST", self._athlete_path("/wellness"),
                params={"ignoreMissingFields": ignore_missing_fields},
                files={"file": file_part(file, default_name="wellness.csv",
                                         content_type="text/csv")},
            )
        )


def _custom(custom_fields: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: (CLEAR_VALUE if v is CLEAR else v) for k, v in (custom_fields or {}).items()}


def _opt_date(value: LocalDate | None) -> str | None:
    return None if value is None else to_local_date(value)


def _record_body(record: Wellness | dict[str, Any], *,
                 custom_fields: bool = False) -> dict[str, Any]:
    fields = record.to_api() if isinstance(record, Wellness) else dict(record)
    if not fields.get("id"):
        raise errors.InvalidRequestError(
            "each wellness record needs its 'id': the local day, e.g. '2025-03-01'"
        )
    fields["id"] = to_local_date(fields["id"])
    return build_partial_body(Wellness, fields, allow_extra=custom_fields, what="Wellness")

