"""``icu report``: one self-contained HTML file of charts from the mirror (run ``icu sync``
first), for one athlete or a coach's roster; ``--png DIR`` also writes each chart as a PNG."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import Out
from intervals_icu.cli.sync import DbOpt

PERIOD_HELP = ("The last N days (90d, the default), all (the whole history), a year (2025), "
               "a month (2025-03) or a range (2025-01-01..2025-03-31).")


def period_request(text: str, today: date) -> Any:
    """The PERIOD argument as a report's ``PeriodRequest``."""
    import re

    from intervals_icu.cli.ranges import parse_day, parse_range
    from intervals_icu.report import PeriodRequest

    value = text.strip().lower()
    if value in {"all", "history"}:
        return PeriodRequest.whole_history()
    if match := re.fullmatch(r"(\d+)d", value):
        days = int(match.group(1))
        if days < 1:
            raise typer.BadParameter(f"{text!r}: use at least 1d")
        return PeriodRequest(days=days)
    start_text, dots, end_text = value.partition("..")
    if dots and end_text.strip() in {"", "today"}:
        # "..today" is each athlete's own today (their time zone), not this machine's.
        relative = {"": 1, "today": 1, "yesterday": 2}.get(start_text.strip())
        if relative is not None:
            return PeriodRequest(days=relative)
        first = parse_day(start_text, today)
        if first > today + timedelta(days=1):  # a day's grace: time zones east of here
            raise typer.BadParameter(f"{text!r}: the range ends before it starts")
        return PeriodRequest.from_day(first)
    first, last = parse_range(text, today)
    return PeriodRequest.between(first, last)


def report(
    period: Annotated[str, typer.Argument(metavar="PERIOD", help=PERIOD_HELP)] = "90d",
    athlete: Annotated[list[str] | None, typer.Option(
        "--athlete", "-a", metavar="ID",
        help="This athlete (repeat for several). Default: yourself, or the only athlete "
             "mirrored.")] = None,
    roster: Annotated[bool, typer.Option(
        "--roster", help="Every athlete in the mirror, with a sortable roster table.")] = False,
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="FILE", help="Where to write the HTML file.")
    ] = Path("icu-report.html"),
    png: Annotated[Path | None, typer.Option(
        "--png", metavar="DIR", help="Also write every chart as a PNG into DIR.")] = None,
    open_it: Annotated[bool, typer.Option(
        "--open", help="Open the report in the web browser.")] = False,
    db: DbOpt = None,
) -> None:
    """Charts of the mirrored data in one HTML file that works offline: fitness, fatigue and
    form with planned workouts and races; weekly and monthly load, time and distance by sport;
    HRV, resting HR, weight and sleep; best power, heart-rate and pace curves (with `icu sync
    --streams`); planned vs done per week; a roster table for coaches."""
    import time

    from intervals_icu.cli.sync import database_url
    from intervals_icu.report import build_report

    out = Out()
    if athlete and roster:
        raise typer.BadParameter("choose --athlete or --roster, not both")
    request = period_request(period, date.today())
    started = time.perf_counter()
    built = build_report(database_url(db), athletes=athlete or None, roster=roster,
                         period=request)
    path = built.write(output)
    drawn = sum(1 for _, chart in built.all_charts() if chart.spec is not None)
    out.success(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {drawn} charts, "
                f"{len(built.sections)} athlete(s), {request.describe()}) in "
                f"{time.perf_counter() - started:.1f} s")
    for section in built.sections:
        for chart in section.charts:
            if chart.empty:
                out.warn(f"{section.athlete.athlete_id} {chart.title.lower()}: {chart.empty}")
    if png is not None:
        written = built.write_pngs(png)
        out.success(f"wrote {len(written)} PNG file(s) into {png}")
    if open_it:
        import webbrowser

        if not webbrowser.open(path.resolve().as_uri()):
            out.warn(f"could not start a web browser: open {path.resolve()} yourself")
