"""Planned workouts as the platform reads them: native text -> ``workout_doc`` -> load.

The platform parses a workout written in its native text format (API-NOTES §4.10)::

    Warmup
    - 10m ramp 50-75%

    Main set 4x
    - 8m 110%
    - 8m 50%

    - 10m 60%

into a ``workout_doc`` (steps with durations and targets) and computes ``moving_time``,
``icu_training_load`` and ``icu_intensity`` from it. This is a light reading of that
format: durations (``1h``, ``10m``, ``30s``, ``1m30s``), distances (``2km``, ``400mtr``,
``1mi``), power (``60%``, ``60-70%``, ``ramp 50-75%``, ``Z2``, ``200w``), heart rate
(``75% LTHR``, ``70% HR``, ``Z2 HR``), pace (``80% Pace``, ``Z2 Pace``), cadence
(``90rpm``), repeat blocks (a header ending in ``Nx``) and warmup/cooldown sections.
Anything else on a step line is kept as the step's ``text``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "WorkoutMetrics",
    "doc_to_text",
    "flatten_steps",
    "metrics",
    "parse_text",
    "step_intensity",
]

# Midpoints of the platform's default 7 power zones, as fractions of FTP.
_ZONE_INTENSITY = {1: 0.45, 2: 0.65, 3: 0.83, 4: 0.98, 5: 1.13, 6: 1.35, 7: 1.6}
# Speed at threshold (m/s) used to turn distance steps into time when nothing better is known.
_THRESHOLD_SPEED = {"Run": 3.7, "Swim": 1.3, "Ride": 9.5, "VirtualRide": 9.5, "Row": 4.5}

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!tr|i))?(?:(\d+(?:\.\d+)?)s)?$")
_DISTANCE = re.compile(r"^(\d+(?:\.\d+)?)(km|mtr|mi)$")
_REPEAT = re.compile(r"(?:^|\s)(\d+)\s*x$", re.IGNORECASE)
_RANGE = r"(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?"
_PERCENT = re.compile(rf"^{_RANGE}%$")
_WATTS = re.compile(rf"^{_RANGE}w$", re.IGNORECASE)
_RPM = re.compile(rf"^{_RANGE}rpm$", re.IGNORECASE)
_ZONE = re.compile(r"^z(\d)$", re.IGNORECASE)


@dataclass(frozen=True)
class WorkoutMetrics:
    moving_time: int
    distance: float | None
    icu_training_load: int
    icu_intensity: float


def _value(low: str, high: str | None) -> dict[str, Any]:
    lo = float(low)
    if high is None:
        return {"value": _num(lo)}
    return {"start": _num(lo), "end": _num(float(high))}


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _parse_duration(token: str) -> float | None:
    match = _DURATION.match(token.lower())
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _parse_distance(token: str) -> float | None:
    match = _DISTANCE.match(token.lower())
    if not match:
        return None
    amount, unit = float(match.group(1)), match.group(2)
    return amount * {"km": 1000.0, "mtr": 1.0, "mi": 1609.344}[unit]


def _parse_step(line: str) -> dict[str, Any]:
    """One ``- ...`` line -> a step dict."""
    tokens = line.split()
    step: dict[str, Any] = {}
    text: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
        lower = token.lower()
        if lower == "ramp":
            step["ramp"] = True
        elif "duration" not in step and "distance" not in step and (
            (seconds := _parse_duration(token)) is not None
        ):
            step["duration"] = _num(seconds)
        elif "duration" not in step and "distance" not in step and (
            (meters := _parse_distance(token)) is not None
        ):
            step["distance"] = _num(meters)
        elif match := _PERCENT.match(token):
            target = _value(match.group(1), match.group(2))
            if following in {"lthr", "hr"}:
                step["hr"] = {**target, "units": "%lthr" if following == "lthr" else "%hr"}
                index += 1
            elif following == "pace":
                step["pace"] = {**target, "units": "%pace"}
                index += 1
            else:
                step["power"] = {**target, "units": "%ftp"}
        elif match := _ZONE.match(token):
            zone = int(match.group(1))
            if following == "hr":
                step["hr"] = {"value": zone, "units": "hr_zone"}
                index += 1
            elif following == "pace":
                step["pace"] = {"value": zone, "units": "pace_zone"}
                index += 1
            else:
                step["power"] = {"value": zone, "units": "power_zone"}
        elif match := _WATTS.match(token):
            step["power"] = {**_value(match.group(1), match.group(2)), "units": "w"}
        elif match := _RPM.match(token):
            step["cadence"] = {**_value(match.group(1), match.group(2)), "units": "rpm"}
        else:
            text.append(token)
        index += 1
    if step.get("ramp"):
        for key in ("power", "hr", "pace"):
            ramped = step.get(key)
            if ramped and "value" in ramped:  # "ramp 60%" means from and to the same value
                ramped["start"] = ramped["end"] = ramped.pop("value")
    if text:
        step["text"] = " ".join(text)
    return step


def parse_text(description: str | None) -> dict[str, Any] | None:
    """A ``workout_doc`` for native workout text, or None when it has no steps."""
    if not description:
        return None
    steps: list[dict[str, Any]] = []
    block: dict[str, Any] | None = None
    section: str | None = None
    notes: list[str] = []
    for raw in description.splitlines():
        line = raw.strip()
        if not line:
            block = None
            section = None
            continue
        if line.startswith("-"):
            step = _parse_step(line[1:].strip())
            if "duration" not in step and "distance" not in step:
                notes.append(line)
                continue
            if section in {"warmup", "cooldown"}:
                step[section] = True
            (block["steps"] if block is not None else steps).append(step)
            continue
        repeat = _REPEAT.search(line)
        if repeat:
            block = {"reps": int(repeat.group(1)), "steps": []}
            label = line[: repeat.start()].strip()
            if label:
                block["text"] = label
            steps.append(block)
            section = None
            continue
        lowered = line.lower().rstrip(":")
        if lowered in {"warmup", "warm up", "warm-up"}:
            section, block = "warmup", None
        elif lowered in {"cooldown", "cool down", "cool-down"}:
            section, block = "cooldown", None
        else:
            notes.append(line)
            block, section = None, None
    steps = [s for s in steps if "reps" not in s or s["steps"]]
    if not steps:
        return None
    doc: dict[str, Any] = {"steps": steps}
    if notes:
        doc["description"] = "\n".join(notes)
    return doc


def flatten_steps(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every leaf step in order, repeats expanded."""
    for step in steps:
        if "reps" in step and "steps" in step:
            for _ in range(int(step["reps"])):
                yield from flatten_steps(step["steps"])
        else:
            yield step


def _midpoint(target: dict[str, Any]) -> float:
    if "value" in target:
        return float(target["value"])
    return (float(target.get("start", 0)) + float(target.get("end", 0))) / 2


def step_intensity(step: dict[str, Any], *, ftp: float) -> float:
    """The step's intensity as a fraction of threshold (1.0 = FTP/LTHR/threshold pace)."""
    power = step.get("power")
    if power:
        units = power.get("units")
        if units == "power_zone":
            return _ZONE_INTENSITY.get(int(_midpoint(power)), 0.65)
        if units == "w":
            return _midpoint(power) / ftp if ftp else 0.65
        return _midpoint(power) / 100
    hr = step.get("hr")
    if hr:
        if hr.get("units") == "hr_zone":
            return _ZONE_INTENSITY.get(int(_midpoint(hr)), 0.65)
        # %HR (of max) is lower than the same %LTHR; LTHR is about 90% of max HR.
        factor = 1 / 0.9 if hr.get("units") == "%hr" else 1.0
        return _midpoint(hr) / 100 * factor
    pace = step.get("pace")
    if pace:
        if pace.get("units") == "pace_zone":
            return _ZONE_INTENSITY.get(int(_midpoint(pace)), 0.65)
        return _midpoint(pace) / 100
    return 0.6  # free riding


def _step_seconds(step: dict[str, Any], sport: str | None, intensity: float) -> float:
    if step.get("duration") is not None:
        return float(step["duration"])
    distance = float(step.get("distance") or 0)
    speed = _THRESHOLD_SPEED.get(sport or "", 3.7) * max(intensity, 0.3)
    return distance / speed


def metrics(doc: dict[str, Any], *, sport: str | None = None, ftp: float = 200.0) -> (
    WorkoutMetrics
):
    """Duration, load (TSS-like: hours x IF^2 x 100) and intensity of a workout_doc."""
    total = 0.0
    weighted = 0.0
    distance = 0.0
    has_distance = False
    for step in flatten_steps(doc.get("steps") or []):
        intensity = step_intensity(step, ftp=ftp)
        seconds = _step_seconds(step, sport, intensity)
        total += seconds
        weighted += seconds * intensity * intensity
        if step.get("distance") is not None:
            has_distance = True
            distance += float(step["distance"])
    factor = math.sqrt(weighted / total) if total else 0.0
    return WorkoutMetrics(
        moving_time=round(total),
        distance=round(distance, 1) if has_distance else None,
        icu_training_load=round(total / 3600 * factor * factor * 100),
        icu_intensity=round(factor * 100, 2),
    )


def complete_doc(doc: dict[str, Any], *, sport: str | None, ftp: float) -> dict[str, Any]:
    """The doc with the totals the platform adds (``duration``, ``distance``, ``target``)."""
    found = metrics(doc, sport=sport, ftp=ftp)
    out = dict(doc)
    out["duration"] = found.moving_time
    if found.distance is not None:
        out["distance"] = found.distance
    kinds = [k for s in flatten_steps(doc.get("steps") or []) for k in ("power", "hr", "pace")
             if k in s]
    out.setdefault("target", {"power": "POWER", "hr": "HR", "pace": "PACE"}[kinds[0]]
                   if kinds else "AUTO")
    for step in _all_steps(out.get("steps") or []):
        if "reps" in step and "steps" in step:
            step["duration"] = round(sum(
                _step_seconds(s, sport, step_intensity(s, ftp=ftp))
                for s in flatten_steps(step["steps"])
            ) * int(step["reps"]))
    return out


def _all_steps(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for step in steps:
        yield step
        if "steps" in step:
            yield from _all_steps(step["steps"])


def _format_seconds(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = ""
    if hours:
        out += f"{hours}h"
    if minutes:
        out += f"{minutes}m"
    if secs or not out:
        out += f"{secs}s"
    return out


def _format_target(target: dict[str, Any], suffix: str) -> str:
    if "value" in target:
        return f"{_num(float(target['value']))}{suffix}"
    return f"{_num(float(target['start']))}-{_num(float(target['end']))}{suffix}"


def _format_step(step: dict[str, Any]) -> str:
    parts: list[str] = []
    if step.get("duration") is not None:
        parts.append(_format_seconds(float(step["duration"])))
    elif step.get("distance") is not None:
        meters = float(step["distance"])
        parts.append(f"{_num(meters / 1000)}km" if meters >= 1000 else f"{_num(meters)}mtr")
    if step.get("ramp"):
        parts.append("ramp")
    power = step.get("power")
    if power:
        units = power.get("units")
        if units == "power_zone":
            parts.append(f"Z{int(_midpoint(power))}")
        else:
            parts.append(_format_target(power, "w" if units == "w" else "%"))
    hr = step.get("hr")
    if hr:
        if hr.get("units") == "hr_zone":
            parts.append(f"Z{int(_midpoint(hr))} HR")
        else:
            parts.append(_format_target(hr, "%") + (" HR" if hr.get("units") == "%hr" else
                                                    " LTHR"))
    pace = step.get("pace")
    if pace:
        if pace.get("units") == "pace_zone":
            parts.append(f"Z{int(_midpoint(pace))} Pace")
        else:
            parts.append(_format_target(pace, "%") + " Pace")
    if step.get("cadence"):
        parts.append(_format_target(step["cadence"], "rpm"))
    if step.get("text"):
        parts.append(str(step["text"]))
    return "- " + " ".join(parts)


def doc_to_text(doc: dict[str, Any]) -> str:
    """Native text for a workout_doc (what an imported file's workout is shown as)."""
    lines: list[str] = []
    for step in doc.get("steps") or []:
        if "reps" in step and "steps" in step:
            if lines:
                lines.append("")
            label = f"{step['text']} " if step.get("text") else ""
            lines.append(f"{label}{step['reps']}x")
            lines.extend(_format_step(s) for s in step["steps"])
            lines.append("")
        else:
            lines.append(_format_step(step))
    return "\n".join(lines).strip() + "\n"
