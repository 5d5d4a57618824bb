"""Wellness routes: one record per local day, read as JSON or CSV, written one by one, in
bulk or from a CSV upload. Every write goes through :func:`platform.wellness.write_wellness`
(``write_wellness`` is importable from here too: old import path)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from intervals_icu.sandbox.context import Ctx, Reply, handles, parse_local
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.records import (
    select_fields,
    to_csv,
    validate_patch,
)
from intervals_icu.sandbox.platform.wellness import update_current_profile, write_wellness

__all__ = ["write_wellness"]  # old import path of platform.wellness.write_wellness

WELLNESS_CSV_COLUMNS = [
    "date", "weight", "restingHR", "hrv", "hrvSDNN", "kcalConsumed", "sleepSecs", "sleepScore",
    "sleepQuality", "avgSleepingHR", "soreness", "fatigue", "stress", "mood", "motivation",
    "injury", "spO2", "systolic", "diastolic", "hydration", "hydrationVolume", "readiness",
    "bodyFat", "vo2max", "steps", "respiration", "comments", "ctl", "atl", "rampRate", "locked",
]


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ApiError(422, f"Invalid date: {text} (expected yyyy-MM-dd)") from None


@handles("getRecord")
def get_record(ctx: Ctx) -> Any:
    _athlete_id, store = ctx.store()
    day = _day(ctx.params["date"])
    return store.wellness.get(day) or {"id": day}


@handles("listWellnessRecords")
def list_records(ctx: Ctx) -> Any:
    athlete_id, store = ctx.store()
    oldest = ctx.q_date("oldest")
    newest = ctx.q_date("newest") or ctx.state.local_today(athlete_id)
    rows = [
        record for day, record in sorted(store.wellness.items())
        if (oldest is None or day >= oldest.isoformat()) and day <= newest.isoformat()
    ]
    if ctx.wants_csv:
        columns = ctx.q_list("cols") or WELLNESS_CSV_COLUMNS
        return Reply(to_csv(({**r, "date": r["id"]} for r in rows), columns),
                     media_type="text/csv")
    fields = ctx.q_list("fields")
    return [select_fields(r, fields) for r in rows]


def _put(ctx: Ctx, athlete_id: str, day: str, patch: dict[str, Any]) -> dict[str, Any]:
    validate_patch("Wellness", patch)
    record = write_wellness(ctx.state, athlete_id, day, patch)
    update_current_profile(ctx.state, athlete_id, day, ctx.q("localDate"), record)
    return record


@handles("updateWellness")
def update_record(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    return _put(ctx, athlete_id, _day(ctx.params["date"]), ctx.json_object())


@handles("updateWellness_1")
def update_record_by_body(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    body = ctx.json_object()
    if not body.get("id"):
        raise ApiError(422, "Wellness id (the day, yyyy-MM-dd) is required")
    return _put(ctx, athlete_id, _day(str(body["id"])), body)


@handles("updateWellnessBulk")
def update_bulk(ctx: Ctx) -> Any:
    athlete_id = ctx.athlete()
    records = ctx.json_list()
    for item in records:
        if not isinstance(item, dict) or not item.get("id"):
            raise ApiError(422, "Each wellness record needs its id (the day, yyyy-MM-dd)")
        validate_patch("Wellness", item)
    for item in records:
        write_wellness(ctx.state, athlete_id, _day(str(item["id"])), item)
    return None


@handles("uploadWellness")
def upload_csv(ctx: Ctx) -> Any:
    """CSV with a header of field names and a ``date`` (or ``id``) column. With
    ``ignoreMissingFields=false`` an empty cell clears the field; with true it is skipped."""
    athlete_id = ctx.athlete()
    upload = ctx.file()
    ignore_missing = ctx.q_bool("ignoreMissingFields")
    try:
        reader = csv.DictReader(io.StringIO(upload.content.decode("utf-8-sig")))
    except UnicodeDecodeError:
        raise ApiError(422, "The CSV file must be UTF-8 text") from None
    if not reader.fieldnames or not {"date", "id"} & set(reader.fieldnames):
        raise ApiError(422, "The CSV needs a 'date' column")
    from intervals_icu.sandbox.platform.records import numeric_fields

    numeric = numeric_fields("Wellness")
    count = 0
    for row in reader:
        day = _day(parse_local(row.get("date") or row.get("id") or "", "date").date().isoformat())
        patch: dict[str, Any] = {}
        for key, text in row.items():
            if key in {"date", "id"} or key is None:
                continue
            text = (text or "").strip()
            if not text:
                if not ignore_missing:
                    patch[key] = -1 if key in numeric else None
                continue
            if key in numeric:
                try:
                    patch[key] = float(text) if "." in text else int(text)
                except ValueError:
                    raise ApiError(422, f"Invalid number for {key}: {text}") from None
            elif key == "locked":
                patch[key] = text.lower() == "true"
            else:
                patch[key] = text
        write_wellness(ctx.state, athlete_id, day, patch)
        count += 1
    return {"updated": count}
