"""``icu fitness``: fitness, fatigue and form as a chart in the terminal, or a table when the
output is piped (or the terminal is narrower than a chart can be read at)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import AthleteOpt, Out
from intervals_icu.cli.report import PERIOD_HELP


def fitness(
    period: Annotated[str, typer.Argument(metavar="PERIOD", help=PERIOD_HELP)] = "90d",
    athlete: AthleteOpt = None,
    mirror: Annotated[bool, typer.Option(
        "--mirror", help="Read the mirror (after `icu sync`) instead of the API.")] = False,
    db: Annotated[str | None, typer.Option(
        "--db", metavar="URL", help="The mirror's database URL (implies --mirror). Default: "
                                    "mirror.db in the user data directory.")] = None,
    table: Annotated[bool, typer.Option(
        "--table", help="Print the table even on a terminal.")] = False,
) -> None:
    """Fitness (CTL), fatigue (ATL) and form (fitness − fatigue) over a period, from the
    wellness records (the API's, or the mirror's with --mirror)."""
    import shutil
    import sys

    from intervals_icu.report.terminal import (
        MIN_CHART_WIDTH,
        fitness_chart,
        fitness_table,
        summary_line,
    )

    out = Out()
    from_mirror = mirror or db is not None
    days = _from_mirror(db, athlete, period) if from_mirror else _from_api(athlete, period)
    if not days:
        out.warn("no wellness day in this period has fitness numbers"
                 + (": run `icu sync` to bring the mirror up to date" if from_mirror else ""))
        raise typer.Exit(0)
    width = shutil.get_terminal_size((80, 24)).columns
    if table or not sys.stdout.isatty() or width < MIN_CHART_WIDTH or len(days) < 2:
        sys.stdout.write(fitness_table(days) + "\n")
        return
    sys.stdout.write(fitness_chart(days, width=min(width, 160), color=True) + "\n")
    out.console.print(summary_line(days), highlight=False)


def _to_days(rows: list[tuple[Any, Any, Any, Any]]) -> list[Any]:
    from intervals_icu.report.terminal import FitnessDay

    return [FitnessDay(day, float(ctl), float(atl), None if ramp is None else float(ramp))
            for day, ctl, atl, ramp in rows if ctl is not None and atl is not None]


def _from_api(athlete: str | None, period: str) -> list[Any]:
    from intervals_icu.cli.report import period_request
    from intervals_icu.cli.session import Session

    with Session(athlete) as session:
        client = session.client
        today = client.today()
        request = period_request(period, today)
        span = request.for_today(today)
        first = span.first or date(2000, 1, 1)
        records = client.wellness.list(first, span.last,
                                       fields=["id", "ctl", "atl", "rampRate"])
    rows = [(date.fromisoformat(str(r.id)[:10]), r.ctl, r.atl, r.rampRate) for r in records
            if r.id]
    return _to_days(sorted(rows, key=lambda r: r[0]))


def _from_mirror(db: str | None, athlete: str | None, period: str) -> list[Any]:
    from intervals_icu.cli.report import period_request
    from intervals_icu.cli.sync import database_url
    from intervals_icu.report.period import local_today
    from intervals_icu.report.source import MirrorSource, MirrorUnavailable

    with MirrorSource(database_url(db)) as source:
        if athlete:
            chosen = source.athlete(athlete)
        else:
            known = source.athletes()
            own = [a for a in known if a.is_self]
            if len(known) != 1 and len(own) != 1:
                raise MirrorUnavailable(
                    f"the mirror at {source.safe_url} holds {len(known)} athletes: name one "
                    "with --athlete ID")
            chosen = known[0] if len(known) == 1 else own[0]
        today = local_today(chosen.timezone)
        span = period_request(period, today).for_today(today)
        rows = source.wellness(chosen.athlete_id, span.first, span.last)
    return _to_days([(w.day, w.ctl, w.atl, w.ramp_rate) for w in rows])
