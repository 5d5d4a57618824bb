"""Building a report: read each athlete's records from the mirror, compute the series, make
the charts. ``build_report`` is the entry point; ``Report`` writes the HTML file and PNGs."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from intervals_icu.report import charts, curves, series
from intervals_icu.report.charts import Chart
from intervals_icu.report.period import Period, PeriodRequest, local_today
from intervals_icu.report.source import (
    ActivityRow,
    AthleteRow,
    MirrorSource,
    MirrorUnavailable,
)

__all__ = ["AHEAD_DAYS", "AthleteSection", "Report", "build_report"]

AHEAD_DAYS = 28
"""How far ahead of today planned workouts are drawn (when the period reaches today)."""


@dataclass
class AthleteSection:
    """One athlete's part of a report."""

    athlete: AthleteRow
    today: date
    period: Period
    charts: list[Chart]
    figures: dict[str, Any]
    """Headline numbers: the last fitness day and the period's totals."""
    roster: series.RosterRow


@dataclass
class Report:
    """A built report: one athlete, or a roster (``roster=True``) with a table on top."""

    sections: list[AthleteSection]
    request: PeriodRequest
    source: str
    """The mirror's URL without its password."""
    roster: bool = False
    roster_chart: Chart | None = None
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def title(self) -> str:
        if self.roster:
            return f"Roster report: {len(self.sections)} athletes"
        return f"Training report: {self.sections[0].athlete.label}"

    def all_charts(self) -> list[tuple[str, Chart]]:
        """Every chart with the id of its figure in the page."""
        found: list[tuple[str, Chart]] = []
        if self.roster_chart is not None:
            found.append(("roster-chart", self.roster_chart))
        for section in self.sections:
            found.extend((f"{section.athlete.athlete_id}-{c.key}", c) for c in section.charts)
        return found

    def html(self) -> str:
        from intervals_icu.report.page import render_page

        return render_page(self)

    def write(self, path: Path | str) -> Path:
        """Write the self-contained HTML file (0600: it holds health data)."""
        target = Path(path)
        text = self.html()
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        return target

    def write_pngs(self, folder: Path | str, *, scale: float = 1.0) -> list[Path]:
        """One PNG per chart that has data, named ``<figure id>.png``."""
        from intervals_icu.report.vega import to_png

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for figure_id, chart in self.all_charts():
            if chart.spec is None:
                continue
            path = out / f"{figure_id}.png"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(to_png(chart.spec, scale=scale))
            written.append(path)
        return written


def build_report(url: str, *, athletes: Sequence[str] | None = None, roster: bool = False,
                 period: PeriodRequest | None = None, schema: str | None = None,
                 curve_cache: Path | bool | None = True) -> Report:
    """Build a report from the mirror at ``url`` (read-only).

    ``athletes``: these athletes (a roster report when more than one); ``roster=True``:
    every athlete in the mirror. Neither: the credentials' own athlete (``is_self``), or the
    only athlete mirrored. ``period``: default the last 90 days. ``curve_cache``: True for
    the user cache directory, a path, or False/None for none.
    """
    request = period or PeriodRequest()
    cache_path = curves.default_cache_path() if curve_cache is True else (
        curve_cache if isinstance(curve_cache, Path) else None)
    cache = curves.CurveCache(cache_path)
    with MirrorSource(url, schema=schema) as source:
        chosen = _choose(source, athletes, roster)
        is_roster = roster or len(chosen) > 1
        sections = [_section(source, athlete, request, cache) for athlete in chosen]
        report = Report(sections, request, source.safe_url, roster=is_roster)
    cache.close()
    if is_roster:
        report.roster_chart = charts.roster_chart([_roster_point(s) for s in sections])
    return report


def _choose(source: MirrorSource, athletes: Sequence[str] | None,
            roster: bool) -> list[AthleteRow]:
    known = source.athletes()
    if athletes:
        return [source.athlete(a) for a in dict.fromkeys(athletes)]
    if not known:
        raise MirrorUnavailable(f"the mirror at {source.safe_url} has no athlete yet: sync "
                                "first (`icu sync`)")
    if roster:
        return known
    own = [a for a in known if a.is_self]
    if len(known) == 1 or len(own) == 1:
        return [known[0] if len(known) == 1 else own[0]]
    raise MirrorUnavailable(
        f"the mirror at {source.safe_url} holds {len(known)} athletes: name one "
        f"(`--athlete {known[0].athlete_id}`) or ask for the roster (`--roster`)")


def _history_start(source: MirrorSource, athlete_id: str,
                   activities: Sequence[ActivityRow]) -> date | None:
    first_wellness = source.wellness(athlete_id)[:1]
    days = [d for d in (activities[0].day if activities else None,
                        first_wellness[0].day if first_wellness else None) if d]
    return min(days) if days else None


def _section(source: MirrorSource, athlete: AthleteRow, request: PeriodRequest,
             cache: curves.CurveCache) -> AthleteSection:
    aid = athlete.athlete_id
    today = local_today(athlete.timezone)
    history = source.activities(aid, None, None)
    period = request.for_today(today)
    if period.first is None:
        period = period.resolve(_history_start(source, aid, history))
    assert period.first is not None
    ahead = AHEAD_DAYS if period.last >= today else 0
    shown_last = max(period.last, today + timedelta(days=ahead)) if ahead else period.last
    wellness = source.wellness(aid, period.first - timedelta(days=series.ROLLING_DAYS),
                               period.last)
    events = source.events(aid, period.first, shown_last)
    in_period = [a for a in history if period.contains(a.day)]
    planned_ahead = [e for e in events if e.category == "WORKOUT" and e.day > today]

    days = series.fitness_days(wellness, period, today=today, planned=planned_ahead,
                               ahead_days=ahead)
    loads = _daily_loads(in_period, planned_ahead)
    races = series.races(in_period, [e for e in events if e.day <= shown_last])
    built = [
        charts.fitness_chart(days, loads, races, planned_count=len(planned_ahead)),
        charts.totals_chart(series.totals_by_sport(in_period), monthly=False),
        charts.totals_chart(series.totals_by_sport(in_period, monthly=True), monthly=True),
        charts.wellness_chart(series.wellness_trends(wellness, period), series.ROLLING_DAYS),
        _curves_chart(source, aid, history, period, cache),
        charts.compliance_chart(series.compliance_weeks(events, in_period, period,
                                                        today=today)),
    ]
    row = series.roster_row(aid, athlete.name, wellness, history, period, today=today,
                            last_activity=source.last_activity_day(aid))
    figures = {
        "activities": len(in_period),
        "hours": sum((a.moving_time or 0) for a in in_period) / 3600,
        "km": sum((a.distance or 0.0) for a in in_period) / 1000,
        "load": sum((a.load or 0) for a in in_period),
    }
    return AthleteSection(athlete, today, period, built, figures, row)


def _daily_loads(done: Sequence[ActivityRow], planned: Sequence[Any]) -> list[dict[str, Any]]:
    by_day: dict[tuple[date, str], list[Any]] = defaultdict(list)
    for a in done:
        by_day[(a.day, "done")].append(a)
    for e in planned:
        if e.load:
            by_day[(e.day, "planned")].append(e)
    rows = []
    for (day, kind), items in sorted(by_day.items()):
        names = ", ".join(sorted({(i.type or "Other") if kind == "done" else
                                  (i.name or i.type or "workout") for i in items}))
        rows.append({"day": day.isoformat(), "kind": kind,
                     "load": sum((i.load or 0) for i in items),
                     "what": f"{len(items)} {'activities' if kind == 'done' else 'planned'}: "
                             f"{names}"})
    return rows


def _curves_chart(source: MirrorSource, athlete_id: str, history: Sequence[ActivityRow],
                  period: Period, cache: curves.CurveCache) -> Chart:
    assert period.first is not None
    upto = [a for a in history if a.day <= period.last]
    found = curves.load_curves(source, athlete_id, upto, cache)
    in_period = [a for a in upto if period.contains(a.day)]
    before = period.previous()
    earlier = [a for a in upto if before.contains(a.day)]
    known = any(a.activity_id in found for a in in_period)
    by_kind: dict[str, dict[str, list[curves.CurvePoint]]] = {}
    for kind in curves.KINDS:
        by_kind[kind] = {
            "this period": curves.best_curve(kind, in_period, found),
            "previous period": curves.best_curve(kind, earlier, found),
            "all time": curves.best_curve(kind, upto, found),
        }
    return charts.curves_chart(by_kind, streams_known=known)


def _roster_point(section: AthleteSection) -> dict[str, Any]:
    row = section.roster
    return {"athlete": section.athlete.label, "short": section.athlete.name or row.athlete_id,
            "day": row.day.isoformat() if row.day else None, "fitness": row.fitness,
            "form": row.form}
