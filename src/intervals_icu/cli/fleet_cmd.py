"""``icu fleet run|status|workers|add|import|revoke``: an OAuth app's athletes, mirrored within
the platform's request budgets by any number of worker processes sharing one database
(PostgreSQL for several). See docs/fleet.md."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import (
    ESSENTIAL,
    Column,
    CsvOpt,
    ExitCode,
    JsonOpt,
    Out,
    command_group,
)
from intervals_icu.cli.sync import DbOpt

app = command_group(no_args_is_help=True)

ENV_TOKEN = "INTERVALS_ACCESS_TOKEN"


def _time(value: Any) -> str:
    """A time to the minute, in UTC (the budgets' clock)."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return str(moment.isoformat(timespec="minutes"))


def _fleet(db: str | None, **options: Any) -> Any:
    from intervals_icu.cli.session import ROOT
    from intervals_icu.cli.sync import database_url
    from intervals_icu.fleet import Fleet

    return Fleet(database_url(db), base_url=ROOT.base_url, **options)


def _close(fleet: Any) -> None:
    import asyncio

    asyncio.run(fleet.aclose())


@app.command("run")
def run(
    db: DbOpt = None,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", min=1, help="Athletes worked at once by this process.")] = 4,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, help="Workers in this process (SQLite: 1). Start more processes, "
                                 "on any machines, on the same PostgreSQL database.")] = 1,
    lease: Annotated[float, typer.Option(
        "--lease", metavar="SECONDS", min=1.0,
        help="How long an athlete stays this worker's without a heartbeat: a killed worker's "
             "athletes go to the others after this.")] = 30.0,
    app_day: Annotated[int | None, typer.Option(
        "--app-day", metavar="N", min=1,
        help="The app's requests per day (default: 100 per authorized athlete, between 8,000 "
             "and 50,000, as the platform's rule says).")] = None,
    window: Annotated[int | None, typer.Option(
        "--window", metavar="N", min=1,
        help="The app's requests per 15 minutes (default: 1/8 of the day, at least 2,500).")
    ] = None,
    per_athlete: Annotated[int, typer.Option(
        "--per-athlete", metavar="N", min=1, help="Requests per athlete per day.")] = 100,
    target: Annotated[int, typer.Option(
        "--target", metavar="N", min=1,
        help="Requests the runner plans per athlete per day (the rest is margin).")] = 50,
    streams: Annotated[bool, typer.Option(
        "--streams", help="Mirror the 1 Hz streams too (one request per activity).")] = False,
) -> None:
    """Work through the fleet's athletes within the app's budget until Ctrl-C: webhook
    entries first (`icu webhooks serve --workers 0 --no-mirror` fills the inbox), then
    reconciliations spread over the day, then first syncs with what is left."""
    import asyncio
    from datetime import timedelta

    from intervals_icu.fleet import BudgetLimits, Pacing

    out = Out()
    fleet = _fleet(db, limits=BudgetLimits(app_day=app_day, window=window,
                                           per_athlete_day=per_athlete),
                   pacing=Pacing(target_per_athlete=min(target, per_athlete)),
                   streams=streams)
    try:
        fleet.check_workers(workers, lease=timedelta(seconds=lease))
        status = fleet.status()
        usage = status.usage
        out.note(f"[bold]icu fleet[/bold] {workers} worker(s) x {concurrency} athletes on "
                 f"{fleet.mirror_store!r}: {len(status.athletes)} athletes, today "
                 f"{usage.app_day_used} of {usage.app_day_limit} requests; Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(fleet.run(workers=workers, concurrency=concurrency,
                                  lease=timedelta(seconds=lease)))
    finally:
        _close(fleet)
    out.note("stopped; the athletes in hand were given back")


STATUS_COLUMNS = [
    Column("athlete_id", header="athlete", kind="id", priority=ESSENTIAL),
    Column("state", kind="enum", priority=ESSENTIAL),
    Column("note", kind="text", priority=1),
    Column("last_synced_at", header="synced", kind="time", priority=2, shown=_time),
    Column("next_check_at", header="next", kind="time", priority=3, shown=_time),
    Column("requests_today", header="today", kind="number", priority=4),
    Column("requests", kind="number", priority=6),
    Column("worker", kind="id", priority=7),
    Column("last_error", header="error", kind="text", priority=8),
]


@app.command("status")
def status(
    db: DbOpt = None,
    state: Annotated[str | None, typer.Option(
        "--state", help="Only athletes in this state: fresh, pending, syncing, "
                        "budget-limited, revoked, access-lost.")] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Every athlete's state (fresh, pending, syncing, budget-limited until T, revoked,
    access-lost) and today's budget."""
    from intervals_icu.fleet import AthleteState

    out = Out(as_json=as_json, as_csv=as_csv)
    if state is not None and state not in {s.value for s in AthleteState}:
        raise typer.BadParameter(
            f"{state!r} is not a state; one of {', '.join(s.value for s in AthleteState)}",
            param_hint="--state")
    fleet = _fleet(db)
    try:
        found = fleet.status()
    finally:
        _close(fleet)
    rows = [vars(a) for a in found.athletes if state is None or a.state.value == state]
    usage = found.usage
    if as_json:
        out.json({"now": found.now, "counts": found.counts(), "budget": vars(usage),
                  "athletes": rows})
        return
    counts = ", ".join(f"{k} {v}" for k, v in found.counts().items() if v)
    closed = " (closed by the platform)" if usage.app_day_closed else ""
    title = (f"{len(found.athletes)} athletes ({counts or 'none'}); today "
             f"{usage.app_day_used} of {usage.app_day_limit} requests{closed}, "
             f"{usage.app_day_refused} refused; this window {usage.window_used} of "
             f"{usage.window_limit}")
    if not out.machine:
        out.note(title)
    out.rows(rows, STATUS_COLUMNS, empty="no athletes yet: icu fleet add, or icu fleet import")


@app.command("workers")
def workers(db: DbOpt = None, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """The workers that ran on this database: host, pid, last heartbeat, CPU, jobs,
    requests."""
    out = Out(as_json=as_json, as_csv=as_csv)
    fleet = _fleet(db)
    try:
        rows = [vars(w) for w in fleet.store.workers()]
    finally:
        _close(fleet)
    out.rows(rows, [Column("worker_id", header="worker", kind="id", priority=ESSENTIAL),
                    Column("host", kind="id", priority=3), Column("pid", kind="number"),
                    Column("started_at", header="started", kind="time", shown=_time),
                    Column("seen_at", header="seen", kind="time", shown=_time,
                           priority=ESSENTIAL),
                    Column("stopped_at", header="stopped", kind="time", shown=_time),
                    Column("cpu_seconds", header="cpu s", kind="number"),
                    Column("jobs", kind="number"), Column("requests", kind="number")],
             empty="no worker has run on this database yet: icu fleet run")


@app.command("add")
def add(
    ctx: typer.Context,
    athlete_id: Annotated[str, typer.Argument(metavar="ATHLETE_ID")],
    db: DbOpt = None,
    token: Annotated[str | None, typer.Option(
        "--token", help="The athlete's OAuth access token. Prefer standard input (echo "
                        "\"$TOKEN\" | icu fleet add ID): a token on the command line shows in "
                        "`ps` and in shell history.")] = None,
    scope: Annotated[str, typer.Option(
        "--scope", help="The scopes granted, e.g. ACTIVITY:READ,WELLNESS:READ.")] = "",
) -> None:
    """Add an athlete with the token the OAuth code exchange returned (read from standard
    input, else INTERVALS_ACCESS_TOKEN): their first sync is due; an athlete who had revoked
    resumes with a catch-up."""
    out = Out()
    source = ctx.get_parameter_source("token")
    if token is not None and source is not None and source.name == "COMMANDLINE":
        out.warn("--token on the command line is visible in `ps` and kept in shell history; "
                 "pipe it on standard input instead.")
    value = token or (sys.stdin.readline().strip() if not sys.stdin.isatty() else "") or \
        os.environ.get(ENV_TOKEN, "")
    if not value:
        out.error("no token: pipe it on standard input (echo \"$TOKEN\" | icu fleet add "
                  f"{athlete_id}) or set {ENV_TOKEN}")
        raise typer.Exit(ExitCode.BAD_INPUT)
    fleet = _fleet(db)
    try:
        row = fleet.add(athlete_id, value, scope=scope)
    finally:
        _close(fleet)
    due = "first sync" if not row.history_done else "catch-up" if row.catch_up else "sync"
    out.success(f"athlete {row.athlete_id} added: {due} due (icu fleet run does it)")


@app.command("import")
def import_tokens(
    source: Annotated[Path, typer.Argument(
        metavar="FILE", help="JSON lines (the token endpoint's answers: access_token, scope, "
                             "athlete.id) or CSV (athlete_id,token[,scope]); - for standard "
                             "input.")],
    db: DbOpt = None,
) -> None:
    """Add many athletes at once from the app's own token table."""
    out = Out()
    text = sys.stdin.read() if str(source) == "-" else _read(out, source)
    try:
        entries = list(_token_entries(text))
    except ValueError as exc:
        out.error(f"{source}: {exc}")
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    fleet = _fleet(db)
    try:
        for athlete_id, token, scope in entries:
            fleet.add(athlete_id, token, scope=scope)
    finally:
        _close(fleet)
    out.success(f"{len(entries)} athlete(s) added or updated")


def _read(out: Out, path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        out.error(f"cannot read {path}: {exc.strerror}")
        raise typer.Exit(ExitCode.BAD_INPUT) from None


def _token_entries(text: str) -> Any:
    """(athlete id, token, scope) of each line: JSON objects or CSV with a header."""
    import csv
    import io
    import json

    stripped = text.lstrip()
    if stripped.startswith("{"):
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                body = json.loads(line)
            except json.JSONDecodeError:
                raise ValueError(f"line {number} is not JSON") from None
            athlete = str(body.get("athlete_id") or (body.get("athlete") or {}).get("id") or "")
            token = body.get("access_token") or body.get("token")
            if not athlete or not token:
                raise ValueError(f"line {number} needs athlete.id (or athlete_id) and "
                                 "access_token")
            yield athlete, str(token), str(body.get("scope") or "")
        return
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"athlete_id", "token"} <= set(reader.fieldnames):
        raise ValueError("CSV needs a header with athlete_id and token (and scope, optional)")
    for number, row in enumerate(reader, 2):
        if not row.get("athlete_id") or not row.get("token"):
            raise ValueError(f"line {number} has no athlete_id or token")
        yield row["athlete_id"], row["token"], row.get("scope") or ""


@app.command("revoke")
def revoke(
    athlete_id: Annotated[str, typer.Argument(metavar="ATHLETE_ID")],
    db: DbOpt = None,
) -> None:
    """Stop syncing an athlete (their mirrored rows are kept; `icu fleet add` with a new
    token resumes them)."""
    out = Out()
    fleet = _fleet(db)
    try:
        done = fleet.revoke(athlete_id)
    finally:
        _close(fleet)
    if not done:
        out.error(f"no athlete {athlete_id} in the fleet: icu fleet status lists them")
        raise typer.Exit(ExitCode.NOT_FOUND)
    out.success(f"athlete {athlete_id} is no longer synced; their rows are kept")
