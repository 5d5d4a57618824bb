"""``icu sync``: mirror athletes' data into SQLite or PostgreSQL, with progress bars per
athlete and kind of record (counts, rate, ETA) and a summary table; ``--json`` for
scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import ESSENTIAL, Column, ExitCode, JsonOpt, Out

DbOpt = Annotated[str | None, typer.Option(
    "--db", metavar="URL",
    help="SQLAlchemy URL (sqlite:///icu.db, postgresql+psycopg://...). Default: mirror.db in "
         "the user data directory.")]


def database_url(db: str | None) -> str:
    """``--db`` as given (a bare path becomes a SQLite URL), or the default database."""
    from intervals_icu.mirror import default_database_url

    if not db:
        return default_database_url()
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser().resolve()}"
    return db


class SyncProgress:
    """Rich progress bars, one per athlete and kind of record, fed by the mirror's callback."""

    def __init__(self, out: Out, *, enabled: bool) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:6.1f}/s" if speed else "     -/s", style="cyan")

        class Changed(ProgressColumn):
            def render(self, task: Any) -> Text:
                changed = task.fields.get("changed", 0)
                return Text(f"{changed} changed" if changed else "", style="yellow")

        # At 80 columns the full row wraps onto two lines: leave out the elapsed time there.
        narrow = out.err.width < 100
        self.progress = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(bar_width=16 if narrow else 28), MofNCompleteColumn(), Rate(), Changed(),
            *([] if narrow else [TextColumn("[dim]ETA[/dim]")]), TimeRemainingColumn(),
            *([] if narrow else [TimeElapsedColumn()]), console=out.err, disable=not enabled,
            transient=False,
        )
        self.tasks: dict[tuple[str, str], Any] = {}

    def __enter__(self) -> SyncProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, step: Any) -> None:
        key = (step.athlete_id, step.kind)
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(
                f"{step.athlete_id:<10} {step.kind:<14}", total=step.total)
        task = self.tasks[key]
        total = step.total if step.total is not None else None
        if step.finished and total is None:
            total = step.done
        self.progress.update(task, completed=step.done, total=total, changed=step.changed)


REPORT_COLUMNS = [
    Column("athlete", kind="id", priority=ESSENTIAL), Column("kind", kind="enum", priority=1),
    *(Column(name, kind="number", priority=2) for name in ("read", "created", "updated",
                                                            "deleted", "restored")),
    Column("requests", kind="number", priority=3),
    Column("error", kind="text", wrap=True, priority=1), Column("name", kind="text", priority=4),
]


def report_table(out: Out, report: Any) -> None:
    """The summary of a run, one row per athlete and kind (the shared table renderer
    keeps ids and counts whole at any width)."""
    rows: list[dict[str, Any]] = []
    for athlete in report.athletes:
        if athlete.error:
            rows.append({"athlete": athlete.athlete_id, "name": athlete.name,
                         "error": athlete.error})
        for name, s in sorted(athlete.kinds.items()):
            rows.append({"athlete": athlete.athlete_id, "name": athlete.name, "kind": name,
                         "read": s.read, "created": s.created, "updated": s.updated,
                         "deleted": s.deleted, "restored": s.restored, "requests": s.requests,
                         "error": s.error})
    out.rows(rows, REPORT_COLUMNS, title=f"sync run {report.run_id}: {report.status}")
    out.note(f"{report.requests} requests ({report.retries} retried) in "
             f"{report.wall_seconds:.1f} s" + (f"; {report.strava_stubs} Strava stubs kept as "
                                               "stubs" if report.strava_stubs else ""))


def sync(
    db: DbOpt = None,
    athlete: Annotated[str | None, typer.Option(
        "--athlete", "-a", metavar="ID", help="Sync this athlete (default: yourself).")] = None,
    roster: Annotated[bool, typer.Option(
        "--roster", help="Every athlete you coach or follow.")] = False,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="DATE",
        help="Read activities, wellness and events from this local date on (default: the "
             "whole history); a later run without it reads the older history.")
    ] = None,
    streams: Annotated[bool, typer.Option("--streams", help="Also mirror activity streams.")
                       ] = False,
    files: Annotated[Path | None, typer.Option(
        "--files", metavar="DIR", help="Also keep the original activity files here.")] = None,
    deep: Annotated[bool, typer.Option(
        "--deep", help="Re-read every summary of the whole history (finds every edit).")
    ] = False,
    no_intervals: Annotated[bool, typer.Option(
        "--no-intervals", help="Do not mirror activity intervals.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Bring a local database up to date with Intervals.icu: activities (edits and deletions
    found), wellness, events, gear, sport settings, intervals, optionally streams and files.
    Incremental: run it again and it reads only what may have changed."""
    from intervals_icu.cli.session import Session
    from intervals_icu.mirror import Mirror, Store

    out = Out(as_json=as_json)
    if athlete and roster:
        raise typer.BadParameter("choose --athlete or --roster, not both")
    url = database_url(db)
    store = Store(url)  # a --db that cannot work stops here, before anything is read
    with Session(athlete) as session, Mirror(session.client, store, files_dir=files) as mirror:
        if not as_json:
            out.note(f"[bold]syncing[/bold] into {mirror.store!r}")
        with SyncProgress(out, enabled=not as_json) as progress:
            report = mirror.sync(roster=roster, athletes=[athlete] if athlete else None,
                                 intervals=not no_intervals, streams=streams,
                                 files=files is not None, deep=deep, since=since,
                                 on_progress=progress)
    if as_json:
        out.json({"database": _redacted_url(url), **report.as_dict()})
    else:
        report_table(out, report)
    if not report.ok:
        for problem in report.errors():
            out.error(problem)
        raise typer.Exit(ExitCode.ERROR)


def _redacted_url(url: str) -> str:
    """A database URL without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]
