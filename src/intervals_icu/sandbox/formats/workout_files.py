"""Workout files: a ``workout_doc`` written as .zwo/.mrc/.erg/.fit, and read back from them.

What the platform's "download planned workout" and "import workout" routes do (API-NOTES
§4.10, §4.11). Power targets are percent of FTP in the doc; .zwo stores fractions of FTP,
.mrc percent, .erg watts (so it needs the athlete's FTP), .fit percent (values below 1000
in a custom power target mean %FTP in the FIT profile).
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.platform.workout_doc import flatten_steps, step_intensity

__all__ = ["FORMATS", "media_type", "read_workout_file", "write_workout_file"]

FORMATS = ("zwo", "mrc", "erg", "fit")
_MEDIA = {"zwo": "application/xml", "mrc": "text/plain", "erg": "text/plain",
          "fit": "application/octet-stream"}


def media_type(fmt: str) -> str:
    return _MEDIA[fmt]


def normalize_format(ext: str | None) -> str:
    fmt = (ext or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise ApiError(422, f"Unsupported workout format: {ext!r} (use zwo, mrc, erg or fit)")
    return fmt


def _percent_range(step: dict[str, Any], ftp: float) -> tuple[float, float]:
    """Start and end power of a step in %FTP (non-power targets by their intensity); a
    range that is not a ramp is held at its middle."""
    low, high = _target_range(step, ftp)
    if not step.get("ramp") and low != high:
        middle = (low + high) / 2
        return middle, middle
    return low, high


def _target_range(step: dict[str, Any], ftp: float) -> tuple[float, float]:
    power = step.get("power")
    if power and power.get("units") == "%ftp":
        if "value" in power:
            return float(power["value"]), float(power["value"])
        return float(power["start"]), float(power["end"])
    if power and power.get("units") == "w" and ftp:
        if "value" in power:
            value = float(power["value"]) / ftp * 100
            return value, value
        return float(power["start"]) / ftp * 100, float(power["end"]) / ftp * 100
    value = step_intensity(step, ftp=ftp) * 100
    return value, value


def _seconds(step: dict[str, Any]) -> int:
    if step.get("duration") is not None:
        return round(float(step["duration"]))
    # Distance steps are written as time in files without a distance notion.
    return round(float(step.get("distance") or 0) / 3.0)


# -- writing ------------------------------------------------------------------------------------


def write_workout_file(doc: dict[str, Any], fmt: str, *, name: str, description: str = "",
                       sport: str | None = None, ftp: float = 200.0) -> bytes:
    if fmt == "zwo":
        return _write_zwo(doc, name=name, description=description, sport=sport, ftp=ftp)
    if fmt in {"mrc", "erg"}:
        return _write_course(doc, fmt, name=name, description=description, ftp=ftp)
    return _write_fit(doc, name=name, sport=sport, ftp=ftp)


def _fraction(percent: float) -> str:
    return f"{percent / 100:.3f}".rstrip("0").rstrip(".")


def _zwo_step(step: dict[str, Any], ftp: float) -> str:
    low, high = _percent_range(step, ftp)
    seconds = _seconds(step)
    if step.get("power") is None and step.get("hr") is None and step.get("pace") is None:
        return f'    <FreeRide Duration="{seconds}"/>'
    if low != high or step.get("ramp"):
        tag = "Warmup" if step.get("warmup") else "Cooldown" if step.get("cooldown") else "Ramp"
        return (f'    <{tag} Duration="{seconds}" PowerLow="{_fraction(low)}" '
                f'PowerHigh="{_fraction(high)}"/>')
    return f'    <SteadyState Duration="{seconds}" Power="{_fraction(low)}"/>'


def _write_zwo(doc: dict[str, Any], *, name: str, description: str, sport: str | None,
               ftp: float) -> bytes:
    lines = [
        "<workout_file>",
        "  <author>intervals.icu</author>",
        f"  <name>{escape(name)}</name>",
        f"  <description>{escape(description)}</description>",
        f"  <sportType>{'run' if sport == 'Run' else 'bike'}</sportType>",
        "  <tags/>",
        "  <workout>",
    ]
    for step in doc.get("steps") or []:
        inner = step.get("steps") or []
        simple = all("steps" not in s and s.get("power") for s in inner)
        if "reps" in step and len(inner) == 2 and simple and not any(
            s.get("ramp") for s in inner
        ):
            on, off = inner
            on_power, _ = _percent_range(on, ftp)
            off_power, _ = _percent_range(off, ftp)
            lines.append(
                f'    <IntervalsT Repeat="{int(step["reps"])}" OnDuration="{_seconds(on)}" '
                f'OffDuration="{_seconds(off)}" OnPower="{_fraction(on_power)}" '
                f'OffPower="{_fraction(off_power)}"/>'
            )
        elif "reps" in step:
            lines.extend(_zwo_step(s, ftp) for s in flatten_steps([step]))
        else:
            lines.append(_zwo_step(step, ftp))
    lines += ["  </workout>", "</workout_file>", ""]
    return "\n".join(lines).encode()


def _write_course(doc: dict[str, Any], fmt: str, *, name: str, description: str,
                  ftp: float) -> bytes:
    header = ["[COURSE HEADER]", "VERSION = 2", "UNITS = ENGLISH",
              f"DESCRIPTION = {description.splitlines()[0] if description else name}",
              f"FILE NAME = {name}"]
    if fmt == "erg":
        header.append(f"FTP = {round(ftp)}")
    header += ["MINUTES PERCENT" if fmt == "mrc" else "MINUTES WATTS", "[END COURSE HEADER]",
               "[COURSE DATA]"]
    rows: list[str] = []
    minute = 0.0

    def value(percent: float) -> str:
        if fmt == "mrc":
            return f"{percent:.0f}"
        return f"{percent * ftp / 100:.0f}"

    for step in flatten_steps(doc.get("steps") or []):
        low, high = _percent_range(step, ftp)
        rows.append(f"{minute:.2f}\t{value(low)}")
        minute += _seconds(step) / 60
        rows.append(f"{minute:.2f}\t{value(high)}")
    return "\n".join([*header, *rows, "[END COURSE DATA]", ""]).encode()


def _write_fit(doc: dict[str, Any], *, name: str, sport: str | None, ftp: float) -> bytes:
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.workout_message import WorkoutMessage
    from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
    from fit_tool.profile.profile_type import (
        FileType,
        Intensity,
        Manufacturer,
        Sport,
        WorkoutStepDuration,
        WorkoutStepTarget,
    )

    file_id = FileIdMessage()
    file_id.type = FileType.WORKOUT
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = 1
    file_id.time_created = 1_000_000_000_000  # fixed: the same workout gives the same bytes
    messages: list[Any] = []

    def add_leaf(step: dict[str, Any]) -> None:
        message = WorkoutStepMessage()
        message.message_index = len(messages)
        message.intensity = (Intensity.WARMUP if step.get("warmup") else
                             Intensity.COOLDOWN if step.get("cooldown") else Intensity.ACTIVE)
        message.duration_type = WorkoutStepDuration.TIME
        message.duration_time = float(_seconds(step))
        if step.get("text"):
            message.workout_step_name = str(step["text"])[:40]
        if step.get("power") or not (step.get("hr") or step.get("pace")):
            low, high = _target_range(step, ftp)
            message.target_type = WorkoutStepTarget.POWER
            message.target_value = 0
            message.custom_target_value_low = round(low)
            message.custom_target_value_high = round(high)
        else:
            message.target_type = WorkoutStepTarget.OPEN
            message.target_value = 0
        messages.append(message)

    def add(steps: list[dict[str, Any]]) -> None:
        for step in steps:
            if "reps" in step and "steps" in step:
                first = len(messages)
                add(step["steps"])
                repeat = WorkoutStepMessage()
                repeat.message_index = len(messages)
                repeat.duration_type = WorkoutStepDuration.REPEAT_UNTIL_STEPS_CMPLT
                repeat.duration_step = first
                repeat.target_repeat_steps = int(step["reps"])
                messages.append(repeat)
            else:
                add_leaf(step)

    add(doc.get("steps") or [])
    workout = WorkoutMessage()
    workout.workout_name = name[:40]
    workout.sport = Sport.RUNNING if sport == "Run" else Sport.CYCLING
    workout.num_valid_steps = len(messages)
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    builder.add(file_id)
    builder.add(workout)
    builder.add_all(messages)
    data: bytes = builder.build().to_bytes()
    return data


# -- reading ------------------------------------------------------------------------------------


def read_workout_file(content: bytes, fmt: str, *, ftp: float = 200.0) -> (
    tuple[dict[str, Any], str | None]
):
    """``(workout_doc, name)`` from a file; 422 when the file cannot be read."""
    try:
        if fmt == "zwo":
            return _read_zwo(content)
        if fmt in {"mrc", "erg"}:
            return _read_course(content, fmt, ftp=ftp)
        return _read_fit(content)
    except ApiError:
        raise
    except Exception as exc:  # a malformed upload: the platform answers 422, not 500
        raise ApiError(422, f"Could not read .{fmt} workout file: {exc}") from None


def _pct(value: str | None) -> float:
    return round(float(value or 0) * 100, 1)


def _power(low: float, high: float | None = None) -> dict[str, Any]:
    def clean(v: float) -> int | float:
        return int(v) if float(v).is_integer() else v

    if high is None or high == low:
        return {"value": clean(low), "units": "%ftp"}
    return {"start": clean(low), "end": clean(high), "units": "%ftp"}


def _read_zwo(content: bytes) -> tuple[dict[str, Any], str | None]:
    # Expat (Python >= 3.7.1) refuses external entities and caps entity expansion, and the
    # sandbox only reads files its own user uploads.
    root = ET.fromstring(content)  # noqa: S314
    name = (root.findtext("name") or "").strip() or None
    workout = root.find("workout")
    if workout is None:
        raise ApiError(422, "Could not read .zwo workout file: no <workout> element")
    steps: list[dict[str, Any]] = []
    for element in workout:
        tag = element.tag
        duration = int(float(element.get("Duration") or element.get("OnDuration") or 0))
        if tag == "SteadyState":
            steps.append({"duration": duration, "power": _power(_pct(element.get("Power")))})
        elif tag in {"Warmup", "Cooldown", "Ramp"}:
            step: dict[str, Any] = {
                "duration": duration, "ramp": True,
                "power": _power(_pct(element.get("PowerLow")), _pct(element.get("PowerHigh"))),
            }
            if tag != "Ramp":
                step[tag.lower()] = True
            if step["power"].get("value") is not None:
                value = step["power"].pop("value")
                step["power"].update(start=value, end=value)
            steps.append(step)
        elif tag == "IntervalsT":
            steps.append({"reps": int(element.get("Repeat") or 1), "steps": [
                {"duration": duration, "power": _power(_pct(element.get("OnPower")))},
                {"duration": int(float(element.get("OffDuration") or 0)),
                 "power": _power(_pct(element.get("OffPower")))},
            ]})
        elif tag == "FreeRide":
            steps.append({"duration": duration})
    if not steps:
        raise ApiError(422, "Could not read .zwo workout file: no steps")
    return {"steps": steps}, name


_COURSE_ROW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*$")


def _read_course(content: bytes, fmt: str, *, ftp: float) -> tuple[dict[str, Any], str | None]:
    text = content.decode("utf-8-sig", errors="replace")
    name: str | None = None
    file_ftp = ftp
    points: list[tuple[float, float]] = []
    in_data = False
    for line in text.splitlines():
        stripped = line.strip()
        upper = stripped.upper()
        if upper == "[COURSE DATA]":
            in_data = True
            continue
        if upper == "[END COURSE DATA]":
            in_data = False
            continue
        if not in_data:
            key, _, value = stripped.partition("=")
            if key.strip().upper() == "FILE NAME" and value.strip():
                name = value.strip()
            elif key.strip().upper() == "FTP" and value.strip():
                file_ftp = float(value)
            continue
        match = _COURSE_ROW.match(stripped)
        if match:
            points.append((float(match.group(1)), float(match.group(2))))
    steps: list[dict[str, Any]] = []
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if t1 <= t0:
            continue
        low, high = (v0, v1) if fmt == "mrc" else (v0 / file_ftp * 100, v1 / file_ftp * 100)
        low, high = round(low, 1), round(high, 1)
        step: dict[str, Any] = {"duration": round((t1 - t0) * 60)}
        if low == high:
            step["power"] = _power(low)
        else:
            step["ramp"] = True
            step["power"] = _power(low, high)
        steps.append(step)
    if not steps:
        raise ApiError(422, f"Could not read .{fmt} workout file: no course data")
    return {"steps": steps}, name


def _read_fit(content: bytes) -> tuple[dict[str, Any], str | None]:
    from fit_tool.fit_file import FitFile
    from fit_tool.profile.messages.workout_message import WorkoutMessage
    from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage

    fit = FitFile.from_bytes(content)
    name: str | None = None
    # Top-level items with the message index they start at, so a repeat step ("repeat from
    # step N") can gather the items after N into a block.
    items: list[tuple[int, dict[str, Any]]] = []
    for record in fit.records:
        message = record.message
        if isinstance(message, WorkoutMessage):
            name = message.workout_name or None
            continue
        if not isinstance(message, WorkoutStepMessage):
            continue
        index = message.message_index if message.message_index is not None else len(items)
        if _enum_value(message.duration_type) == 6:  # repeat until steps complete
            first = int(message.duration_step or 0)
            inner = [item for start, item in items if start >= first]
            items = [(start, item) for start, item in items if start < first]
            block = {"reps": int(message.target_repeat_steps or 1), "steps": inner}
            items.append((first, block))
            continue
        step: dict[str, Any] = {"duration": round(float(message.duration_time or 0))}
        low, high = message.custom_target_value_low, message.custom_target_value_high
        if _enum_value(message.target_type) == 4 and low is not None:
            # A FIT power range is a band to hold, not a ramp.
            step["power"] = _power(float(low), float(high) if high is not None else None)
        intensity = _enum_value(message.intensity)
        if intensity == 2:
            step["warmup"] = True
        elif intensity == 3:
            step["cooldown"] = True
        if message.workout_step_name:
            step["text"] = message.workout_step_name
        items.append((index, step))
    if not items:
        raise ApiError(422, "Could not read .fit workout file: no workout steps")
    return {"steps": [item for _, item in items]}, name


def _enum_value(value: Any) -> int | None:
    if value is None:
        return None
    return int(getattr(value, "value", value))
