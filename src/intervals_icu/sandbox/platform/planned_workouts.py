"""What the platform does to a planned workout's fields when it is written (calendar events
and library workouts alike): a workout file becomes a ``workout_doc``; native text in the
``description`` is parsed; ``moving_time``, ``icu_training_load`` and ``icu_intensity`` are
computed from the doc unless the caller sent them (API-NOTES §4.10, §4.11)."""

from __future__ import annotations

import base64
import binascii
from pathlib import PurePosixPath
from typing import Any

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.formats.workout_files import normalize_format, read_workout_file
from intervals_icu.sandbox.platform.workout_doc import (
    complete_doc,
    doc_to_text,
    metrics,
    parse_text,
)
from intervals_icu.sandbox.state import AthleteStore

__all__ = ["FILE_KEYS", "MAX_NAME_LENGTH", "check_name", "fill_workout_fields", "ftp_for",
           "resolve_targets", "settings_for"]

MAX_NAME_LENGTH = 80
FILE_KEYS = ("file_contents", "file_contents_base64", "filename")
DEFAULT_FTP = 200.0


def check_name(body: dict[str, Any]) -> None:
    name = body.get("name")
    if isinstance(name, str) and len(name) > MAX_NAME_LENGTH:
        raise ApiError(422, "Name is too long")


def settings_for(store: AthleteStore, sport: str | None) -> dict[str, Any] | None:
    for settings in store.sport_settings.values():
        if sport and sport in (settings.get("types") or []):
            return settings
    return None


def ftp_for(store: AthleteStore, sport: str | None) -> float:
    """The athlete's FTP for a sport (from sport settings), or a plausible default."""
    settings = settings_for(store, sport) or settings_for(store, "Ride")
    if settings and settings.get("ftp"):
        return float(settings["ftp"])
    return DEFAULT_FTP


def _file_doc(body: dict[str, Any], ftp: float) -> tuple[dict[str, Any], str | None] | None:
    text, encoded, filename = (body.get(k) for k in FILE_KEYS)
    if text is None and encoded is None:
        return None
    if not filename:
        raise ApiError(422, "filename is required with file_contents (its extension gives "
                            "the format: .zwo, .mrc, .erg or .fit)")
    fmt = normalize_format(PurePosixPath(str(filename)).suffix)
    if encoded is not None:
        try:
            content = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(422, "file_contents_base64 is not valid base64") from None
    else:
        content = str(text).encode()
    doc, name = read_workout_file(content, fmt, ftp=ftp)
    return doc, name or PurePosixPath(str(filename)).stem


def fill_workout_fields(store: AthleteStore, record: dict[str, Any], patch: dict[str, Any],
                        *, sport: str | None) -> None:
    """Update ``record`` (already patched) from what ``patch`` carried: a ``workout_doc``,
    a file, or native text in ``description``.

    The transient upload keys are removed from the record; the computed totals are written
    only where the caller did not send its own value.
    """
    for key in FILE_KEYS:
        record.pop(key, None)
    ftp = ftp_for(store, sport)
    from_file = _file_doc(patch, ftp)
    doc: dict[str, Any] | None
    if isinstance(patch.get("workout_doc"), dict):
        doc = patch["workout_doc"]
    elif from_file is not None:
        doc, name = from_file
        if "description" not in patch:
            record["description"] = doc_to_text(doc)
        if not record.get("name") and name:
            record["name"] = name
    elif "description" in patch or "workout_doc" not in record:
        doc = parse_text(record.get("description"))
        if doc is None:
            record.pop("workout_doc", None)
            return
    else:
        return
    if doc is None:
        return
    record["workout_doc"] = complete_doc(doc, sport=sport, ftp=ftp)
    found = metrics(record["workout_doc"], sport=sport, ftp=ftp)
    totals = {"moving_time": found.moving_time, "icu_training_load": found.icu_training_load,
              "icu_intensity": found.icu_intensity, "distance": found.distance}
    for key, value in totals.items():
        if key not in patch and value is not None:
            record[key] = value


def resolve_targets(doc: dict[str, Any], *, ftp: float, lthr: float | None) -> dict[str, Any]:
    """``resolve=true``: each step also carries absolute targets (``_power`` in watts,
    ``_hr`` in bpm), as the platform adds them (API-NOTES §4.10)."""

    def absolute(target: dict[str, Any], base: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("value", "start", "end"):
            if key in target:
                out[key] = round(float(target[key]) * base / 100)
        return out

    def walk(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        resolved = []
        for step in steps:
            step = dict(step)
            if "steps" in step:
                step["steps"] = walk(step["steps"])
            power = step.get("power")
            if power and power.get("units") == "%ftp":
                step["_power"] = absolute(power, ftp)
            elif power and power.get("units") == "w":
                step["_power"] = {k: power[k] for k in ("value", "start", "end") if k in power}
            hr = step.get("hr")
            if hr and hr.get("units") == "%lthr" and lthr:
                step["_hr"] = absolute(hr, lthr)
            resolved.append(step)
        return resolved

    out = dict(doc)
    out["steps"] = walk(doc.get("steps") or [])
    return out
