"""Fitness, fatigue and form in the terminal: a braille line chart (plotext) on a terminal,
a plain table when the output is piped or too narrow for a chart. Neither cuts a date or a
number: the chart's axes carry whole dates, and the table's columns are never narrower than
their widest value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["MIN_CHART_WIDTH", "FitnessDay", "fitness_chart", "fitness_table", "summary_line"]

MIN_CHART_WIDTH = 60
"""Below this many columns the chart would squeeze its labels: print the table instead."""


@dataclass(frozen=True)
class FitnessDay:
    day: date
    fitness: float
    fatigue: float
    ramp: float | None

    @property
    def form(self) -> float:
        return self.fitness - self.fatigue


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}"


def fitness_table(days: Sequence[FitnessDay]) -> str:
    """One line per day: date, fitness, fatigue, form, ramp rate (plain text, aligned)."""
    header = ("date", "fitness", "fatigue", "form", "ramp")
    rows = [(d.day.isoformat(), f"{d.fitness:.1f}", f"{d.fatigue:.1f}", _signed(d.form),
             _signed(d.ramp)) for d in days]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i])
              for i in range(len(header))]
    lines = ["  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i])
                       for i, h in enumerate(header))]
    lines += ["  ".join(v.ljust(widths[0]) if i == 0 else v.rjust(widths[i])
                        for i, v in enumerate(r)) for r in rows]
    return "\n".join(lines)


def summary_line(days: Sequence[FitnessDay]) -> str:
    last = days[-1]
    return (f"{last.day}: fitness {last.fitness:.1f}, fatigue {last.fatigue:.1f}, "
            f"form {last.form:+.1f}" + (f", ramp rate {last.ramp:+.1f}"
                                        if last.ramp is not None else ""))


def fitness_chart(days: Sequence[FitnessDay], *, width: int, height: int = 24,
                  color: bool = True) -> str:
    """Two panels: fitness and fatigue above, form below, over the days given."""
    import plotext as plt

    # x is the day's number from the first day; the ticks carry the dates as text
    first = days[0].day
    xs = [(d.day - first).days for d in days]
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.subplots(2, 1)
    ticks = _ticks([d.day for d in days], width)
    positions = [(t - first).days for t in ticks]

    plt.subplot(1, 1)
    plt.plotsize(width, height * 3 // 5)
    plt.theme("clear")
    plt.title("Fitness (CTL) and fatigue (ATL)")
    plt.plot(xs, [d.fitness for d in days], label="fitness", marker="braille",
             color="blue" if color else None)
    plt.plot(xs, [d.fatigue for d in days], label="fatigue", marker="braille",
             color="magenta" if color else None)
    plt.xticks(positions, [""] * len(positions))

    plt.subplot(2, 1)
    plt.plotsize(width, height - height * 3 // 5)
    plt.theme("clear")
    plt.title("Form (fitness − fatigue)")
    plt.plot(xs, [d.form for d in days], label="form", marker="braille",
             color="orange" if color else None)
    plt.xticks(positions, [t.isoformat() for t in ticks])
    text: str = plt.build()
    if not color:
        text = plt.uncolorize(text)
    return text


def _ticks(days: Sequence[date], width: int) -> list[date]:
    """Whole dates spaced so that no two overlap (a date is 10 columns)."""
    if len(days) <= 1:
        return list(days)
    count = max(2, min(len(days), (width - 10) // 16))
    step = (len(days) - 1) / (count - 1)
    return list(dict.fromkeys(days[round(i * step)] for i in range(count)))
