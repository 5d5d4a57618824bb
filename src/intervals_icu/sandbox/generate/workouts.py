"""The sessions athletes do: structured steps and the platform's native workout text (from
which the calendar derives ``workout_doc``, as the platform does).

A session's steps are ``(seconds, intensity)`` or a repeated block; intensity is a fraction
of threshold power (rides), of threshold pace (runs, walks, swims) or of LTHR effort
(strength). The same session gives a planned event's text and doc and, executed with a
little human variation, an activity's recipe.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Block", "Session", "Step", "make_session"]


@dataclass(frozen=True)
class Step:
    seconds: int
    intensity: float
    warmup: bool = False
    cooldown: bool = False


@dataclass(frozen=True)
class Block:
    reps: int
    steps: tuple[Step, ...]
    text: str = ""


@dataclass(frozen=True)
class Session:
    sport: str
    kind: str
    name: str
    parts: tuple[Step | Block, ...]
    structured: bool
    indoor: bool = False
    race: bool = False

    @property
    def duration(self) -> int:
        return sum(_seconds(p) for p in self.parts)

    def segments(self) -> list[tuple[int, float]]:
        out: list[tuple[int, float]] = []
        for part in self.parts:
            if isinstance(part, Step):
                out.append((part.seconds, part.intensity))
            else:
                for _ in range(part.reps):
                    out.extend((s.seconds, s.intensity) for s in part.steps)
        return out

    @property
    def target(self) -> str:
        if self.sport in {"Ride", "VirtualRide"}:
            return "POWER"
        if self.sport == "WeightTraining":
            return "HR"
        return "PACE"

    def description(self) -> str:
        """The platform's native workout text (``- 8m 105%``, ``Main set 4x``)."""
        lines: list[str] = []
        for part in self.parts:
            if isinstance(part, Step):
                if lines and lines[-1] != "":
                    lines.append("")
                lines.append(self._line(part))
                lines.append("")
            else:
                lines.append(f"{part.text or 'Main set'} {part.reps}x")
                lines.extend(self._line(s) for s in part.steps)
                lines.append("")
        return "\n".join(lines).strip() + "\n"

    def _line(self, step: Step) -> str:
        prefix = "Warmup " if step.warmup else ("Cooldown " if step.cooldown else "")
        if step.intensity <= 0:
            return f"- {prefix}{_time(step.seconds)} rest"
        percent = round(step.intensity * 100)
        unit = {"POWER": "%", "PACE": "% Pace", "HR": "% LTHR"}[self.target]
        return f"- {prefix}{_time(step.seconds)} {percent}{unit}"

    def planned_load(self) -> tuple[int, float]:
        """Planned training load and intensity (percent), from the steps."""
        segments = self.segments()
        total = sum(s for s, _ in segments)
        if total == 0 or self.sport == "WeightTraining":
            return round(total / 3600 * 45), 65.0
        fourth = sum(s * v**4 for s, v in segments) / total
        intensity = fourth**0.25
        return round(total / 3600 * intensity**2 * 100), round(intensity * 100, 1)


def _seconds(part: Step | Block) -> int:
    if isinstance(part, Step):
        return part.seconds
    return part.reps * sum(s.seconds for s in part.steps)


def _time(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = ""
    if hours:
        text += f"{hours}h"
    if minutes:
        text += f"{minutes}m"
    if secs or not text:
        text += f"{secs}s"
    return text


def _minutes(rng: random.Random, low: float, high: float, scale: float) -> int:
    """A duration in whole minutes (5-minute steps for longer ones), in seconds."""
    minutes = rng.uniform(low, high) * scale
    step = 5 if minutes >= 30 else 1
    return max(step, int(round(minutes / step) * step)) * 60


def make_session(sport: str, kind: str, rng: random.Random, *, scale: float = 1.0,
                 indoor: bool = False) -> Session:
    """One session of ``sport``; ``kind`` picks the workout, ``scale`` its volume."""
    wu, cd = Step(900, 0.6, warmup=True), Step(600, 0.55, cooldown=True)
    if sport in {"Ride", "VirtualRide"}:
        if kind == "threshold":
            reps = rng.choice([3, 4, 4, 5])
            work = rng.choice([480, 480, 600])
            block = Block(reps, (Step(work, rng.choice([1.0, 1.03, 1.05])), Step(240, 0.5)))
            return Session(sport, kind, f"{reps}x{work // 60}m Threshold", (wu, block, cd),
                           True, indoor)
        if kind == "vo2":
            reps = rng.choice([5, 6])
            block = Block(reps, (Step(240, rng.choice([1.15, 1.18, 1.2])), Step(240, 0.5)))
            return Session(sport, kind, f"VO2max {reps}x4m", (wu, block, cd), True, indoor)
        if kind == "sweetspot":
            reps = rng.choice([2, 3, 3])
            block = Block(reps, (Step(900, rng.choice([0.88, 0.9, 0.92])), Step(300, 0.55)))
            return Session(sport, kind, f"Sweet Spot {reps}x15m", (wu, block, cd), True, indoor)
        if kind == "tempo":
            block = Block(2, (Step(1200, 0.8), Step(300, 0.55)))
            return Session(sport, kind, "Tempo 2x20m", (wu, block, cd), True, indoor)
        if kind == "long":
            secs = _minutes(rng, 150, 270, scale)
            return Session(sport, kind, "Long Ride", (Step(secs, rng.uniform(0.6, 0.67)),),
                           False, indoor)
        if kind == "recovery":
            return Session(sport, kind, "Recovery Spin",
                           (Step(_minutes(rng, 35, 55, 1.0), 0.5),), False, indoor)
        if kind == "race":
            secs = _minutes(rng, 90, 150, 1.0)
            parts = (Step(600, 0.6, warmup=True), Step(secs, 0.86))
            return Session(sport, kind, "Road Race", parts, False, indoor, race=True)
        secs = _minutes(rng, 70, 120, scale)
        return Session(sport, "endurance", "Endurance", (Step(secs, rng.uniform(0.6, 0.7)),),
                       False, indoor)
    if sport in {"Run", "VirtualRun"}:
        wu = Step(900, 0.72, warmup=True)
        cd = Step(600, 0.68, cooldown=True)
        if kind == "intervals":
            reps = rng.choice([5, 6, 8])
            block = Block(reps, (Step(180, rng.choice([1.05, 1.08])), Step(120, 0.6)))
            return Session(sport, kind, f"{reps}x3m Intervals", (wu, block, cd), True, indoor)
        if kind == "tempo":
            return Session(sport, kind, "Tempo Run",
                           (wu, Step(rng.choice([1200, 1500, 1800]), 0.92), cd), True, indoor)
        if kind == "long":
            return Session(sport, kind, "Long Run",
                           (Step(_minutes(rng, 75, 110, scale), 0.72),), False, indoor)
        if kind == "recovery":
            return Session(sport, kind, "Recovery Run",
                           (Step(_minutes(rng, 25, 35, 1.0), 0.66),), False, indoor)
        if kind == "brick":
            return Session(sport, kind, "Brick Run", (Step(_minutes(rng, 15, 25, 1.0), 0.8),),
                           False, indoor)
        if kind == "race":
            return Session(sport, kind, "10k Race", (Step(600, 0.7, warmup=True),
                                                     Step(rng.choice([2400, 2600]), 1.0)),
                           False, indoor, race=True)
        return Session(sport, "easy", "Easy Run", (Step(_minutes(rng, 40, 65, scale), 0.75),),
                       False, indoor)
    if sport == "Swim":
        wu = Step(480, 0.8, warmup=True)
        cd = Step(300, 0.75, cooldown=True)
        if kind == "css":
            reps = rng.choice([8, 10, 12])
            block = Block(reps, (Step(95, 1.0), Step(20, 0.0)), "CSS set")
            return Session(sport, kind, f"CSS {reps}x100", (wu, block, cd), True, True)
        block = Block(4, (Step(rng.choice([420, 480, 540]), 0.88), Step(30, 0.0)), "Aerobic")
        return Session(sport, "endurance", "Endurance Swim", (wu, block, cd), True, True)
    if sport == "WeightTraining":
        sets = rng.choice([10, 12, 15])
        block = Block(sets, (Step(45, rng.choice([0.72, 0.78])), Step(rng.choice([75, 90]), 0.0)),
                      "Sets")
        return Session(sport, "strength", "Strength", (Step(600, 0.45, warmup=True), block,
                                                       Step(300, 0.35, cooldown=True)),
                       False, True)
    return Session(sport, "walk", "Walk", (Step(_minutes(rng, 30, 70, 1.0), 1.0),), False, False)
