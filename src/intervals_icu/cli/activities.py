"""``icu activities list|show|update|download``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import (
    ESSENTIAL,
    AthleteOpt,
    Column,
    CsvOpt,
    DryRunOpt,
    ExitCode,
    JsonOpt,
    Out,
    YesOpt,
    command_group,
)

app = command_group(invoke_without_command=True)

RangeArg = Annotated[str, typer.Argument(
    metavar="RANGE", help="Days: 2025-03-01, 2025-01-01..2025-03-31, 2025-03, 2025, 30d, today.")]
LIST_COLUMNS = [
    Column("id", kind="id", priority=ESSENTIAL), Column("date", kind="date", priority=1),
    Column("type", kind="enum", priority=1), Column("name", kind="text", priority=4),
    Column("km", kind="number", priority=2), Column("time", kind="time", justify="right",
                                                    priority=2),
    Column("load", kind="number", priority=3), Column("hr", "avg HR", kind="number", priority=4),
    Column("watts", "avg W", kind="number", priority=4),
]
FORMATS = ("original", "fit", "gpx", "streams", "intervals")


def _span(client: Any, text: str) -> tuple[Any, Any]:
    from datetime import date

    from intervals_icu.cli.ranges import needs_today, parse_range

    return parse_range(text, client.today() if needs_today(text) else date.today())


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)) or seconds <= 0:
        return ""
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}"


def _listed(activity: Any) -> dict[str, Any]:
    data: dict[str, Any] = activity.model_dump(mode="json", by_alias=True, exclude_none=True)
    distance = data.get("distance") or data.get("icu_distance")
    data.update({
        "date": str(data.get("start_date_local") or "")[:16].replace("T", " "),
        "km": round(distance / 1000, 2) if isinstance(distance, (int, float)) else None,
        "time": _duration(data.get("moving_time")),
        "load": data.get("icu_training_load"),
        "hr": data.get("average_heartrate"),
        "watts": data.get("icu_average_watts") or data.get("average_watts"),
    })
    return data


def _read_activities(client: Any, span: tuple[Any, Any], sport: str | None) -> list[Any]:
    activities = list(client.activities.iter_all(span[0], span[1]))
    if sport:
        activities = [a for a in activities
                      if str(getattr(a, "type", "") or "").lower() == sport.lower()]
    return activities


@app.callback()
def activities(ctx: typer.Context) -> None:
    """List, show, edit and download activities. Without a command: the last 30 days."""
    if ctx.invoked_subcommand is None:
        list_activities()


@app.command("list")
def list_activities(
    span: RangeArg = "30d",
    sport: Annotated[str | None, typer.Option("--type", help="Only this sport (Ride, Run...).")
                     ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many (newest).")
                     ] = None,
    athlete: AthleteOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Activities of a range, newest first (Strava-synced ones show as stubs)."""
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json, as_csv=as_csv)
    with Session(athlete) as session:
        days = _span(session.client, span)
        activities = _read_activities(session.client, days, sport)
    rows = [_listed(a) for a in activities][: limit or None]
    out.rows(rows, LIST_COLUMNS, title=f"{len(rows)} activities {days[0]} .. {days[1]}",
             empty=f"no activities from {days[0]} to {days[1]}")


SHOW_FIELDS = ["id", "name", "type", "start_date_local", "distance", "moving_time",
               "elapsed_time", "total_elevation_gain", "icu_training_load", "average_heartrate",
               "max_heartrate", "icu_average_watts", "icu_weighted_avg_watts", "icu_ftp",
               "average_speed", "calories", "device_name", "source", "description", "gear",
               "commute", "trainer", "perceived_exertion", "feel", "tags"]


@app.command("show")
def show(
    activity_id: Annotated[str, typer.Argument(metavar="ID")],
    intervals: Annotated[bool, typer.Option("--intervals", help="Include the intervals.")
                         ] = False,
    athlete: AthleteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One activity: the main fields (all of them with --json)."""
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json)
    with Session(athlete) as session:
        activity = session.client.activities.get(activity_id, intervals=intervals)
    data = activity.model_dump(mode="json", by_alias=True, exclude_none=True)
    if as_json:
        out.json(data)
        return
    out.record({k: data.get(k) for k in SHOW_FIELDS if data.get(k) not in (None, "", [])},
               title=f"activity {activity_id}")
    if intervals and data.get("icu_intervals"):
        rows = [{"#": i + 1, **iv, "time": _duration(iv.get("moving_time"))}
                for i, iv in enumerate(data["icu_intervals"])]
        out.rows(rows, ["#", "type", "label", "start_index", "end_index", "time",
                        "average_watts", "average_heartrate"], title="intervals")


@app.command("update")
def update(
    activity_ids: Annotated[list[str], typer.Argument(metavar="ID...")],
    assignments: Annotated[list[str], typer.Option(
        "--set", "-s", metavar="FIELD=VALUE",
        help="A field to change (repeatable): --set name='Tempo' --set icu_rpe=6; an empty "
             "value clears it.")],
    athlete: AthleteOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Change fields of one or more activities (journaled; `icu undo` restores them)."""
    from intervals_icu import CLEAR
    from intervals_icu.cli.fields import clears_for, parse_assignments
    from intervals_icu.cli.session import Change, Session, confirm_or_exit, show_changes
    from intervals_icu.journal import numeric_field
    from intervals_icu.models import Activity
    from intervals_icu.updates import build_partial_body, field_changes

    out = Out(as_json=as_json)
    fields = clears_for(Activity, parse_assignments(assignments, clear=CLEAR), clear=CLEAR)
    body = build_partial_body(Activity, fields, what="Activity")
    with Session(athlete, journal=not dry_run) as session:
        client = session.client
        changes: list[Change] = []
        targets: list[str] = []
        for activity_id in activity_ids:
            current = client.activities.get(activity_id).model_dump(
                mode="json", by_alias=True, exclude_none=True)
            old, new = field_changes(current, body, lambda k: numeric_field("activity", k))
            if new:
                label = f"activity {activity_id}" + (f" {current['name']!r}"
                                                     if current.get("name") else "")
                changes.append(Change(label, "update", old, new))
                targets.append(activity_id)
        show_changes(out, changes, dry_run=dry_run)
        if dry_run:
            return
        if not targets:
            out.result({"batch": None, "changed": 0}, "nothing to change")
            return
        confirm_or_exit(out, len(targets), yes=yes, what="activities")
        with session.batch(f"activities update {' '.join(activity_ids)} "
                           f"{' '.join(assignments)}") as batch_id:
            for activity_id in targets:
                client.activities.update(activity_id, **fields)
    if as_json:
        out.json({"batch": batch_id, "changed": len(targets)})
    else:
        out.success(f"changed {len(targets)} activit{'y' if len(targets) == 1 else 'ies'} — "
                    f"journal batch {batch_id}; undo with `icu undo {batch_id}`")


# -- download -----------------------------------------------------------------------------------


def _intervals_csv(dto: Any) -> str:
    import csv
    import io

    rows = [iv.model_dump(mode="json", by_alias=True, exclude_none=True)
            for iv in (getattr(dto, "icu_intervals", None) or [])]
    columns = list(dict.fromkeys(k for row in rows for k in row
                                 if not isinstance(row[k], (list, dict))))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buffer.getvalue()


def _fetch(client: Any, activity: dict[str, Any], what: str, folder: Path) -> tuple[str, str,
                                                                                     int]:
    """Download one file; returns (status, path or reason, bytes). Existing files are kept
    (so an interrupted run resumes where it stopped)."""
    from intervals_icu import errors

    activity_id = str(activity["id"])
    existing = [p for p in folder.glob(f"{activity_id}.{what}*")
                if p.is_file() and not p.name.endswith(".part")]
    if existing and existing[0].stat().st_size > 0:
        return "kept", str(existing[0]), existing[0].stat().st_size
    if activity.get("source") == "STRAVA" and what in {"original", "fit", "gpx"}:
        return "skipped", "Strava activities have no files through the API", 0
    try:
        if what == "streams":
            text = client.activities.streams_csv(activity_id)
            if len(text.strip().splitlines()) < 2:
                return "skipped", "the activity has no streams", 0
            return _save(folder / f"{activity_id}.streams.csv", text.encode())
        if what == "intervals":
            text = _intervals_csv(client.activities.intervals(activity_id))
            if len(text.strip().splitlines()) < 2:
                return "skipped", "the activity has no intervals", 0
            return _save(folder / f"{activity_id}.intervals.csv", text.encode())
        if what == "original":
            part = folder / f"{activity_id}.original.part"
            result = client.activities.download_file(activity_id, part)
            name = Path(str(getattr(result, "filename", "") or "file.fit.gz")).name
            final = folder / f"{activity_id}.original.{name.split('.', 1)[-1]}"
            part.replace(final)
            return "saved", str(final), final.stat().st_size
        target = folder / f"{activity_id}.{what}"  # written atomically by the client
        method = client.activities.download_fit if what == "fit" else \
            client.activities.download_gpx
        method(activity_id, target)
        return "saved", str(target), target.stat().st_size
    except (errors.NotFound, errors.Unprocessable) as exc:
        _clean(folder, activity_id)
        return "skipped", exc.server_error or type(exc).__name__, 0
    except errors.IntervalsError as exc:  # the others go on; the exit code tells
        from intervals_icu.cli.output import exit_code_for, message_for

        _clean(folder, activity_id)
        return f"failed:{int(exit_code_for(exc))}", message_for(exc), 0


def _clean(folder: Path, activity_id: str) -> None:
    for leftover in folder.glob(f"{activity_id}.*.part"):
        leftover.unlink(missing_ok=True)


def _save(path: Path, content: bytes) -> tuple[str, str, int]:
    part = path.with_name(path.name + ".part")
    part.write_bytes(content)
    part.replace(path)
    return "saved", str(path), len(content)


@app.command("download")
def download(
    activity_ids: Annotated[list[str] | None, typer.Argument(
        metavar="[ID...]", help="Activities to download (or use --range).")] = None,
    span: Annotated[str | None, typer.Option(
        "--range", "-r", metavar="RANGE", help="Every activity of a range (2025, 30d...).")
    ] = None,
    what: Annotated[str, typer.Option(
        "--what", "-w", help=f"Comma-separated: {', '.join(FORMATS)}.")] = "original,streams",
    dest: Annotated[Path, typer.Option("--dest", "-o", help="Folder for the files.")
                    ] = Path("activities"),
    workers: Annotated[int, typer.Option("--workers", min=1, max=10,
                                         help="Parallel downloads.")] = 4,
    athlete: AthleteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Download original/FIT/GPX files, streams CSV and intervals CSV, for any sport, in
    parallel with a progress bar. Files already there are kept, so running it again resumes."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json)
    kinds = [w.strip().lower() for w in what.split(",") if w.strip()]
    unknown = [k for k in kinds if k not in FORMATS]
    if unknown or not kinds:
        raise typer.BadParameter(f"unknown {', '.join(unknown) or 'nothing'}; choose from "
                                 f"{', '.join(FORMATS)}", param_hint="--what")
    if not activity_ids and not span:
        raise typer.BadParameter("give activity ids or --range")
    dest.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    codes: list[int] = []  # the exit code of each failed download's error
    with Session(athlete) as session:
        client = session.client
        activities: list[dict[str, Any]] = []
        if span:
            activities += [a.model_dump(mode="json", exclude_none=True)
                           for a in _read_activities(client, _span(client, span), None)]
        for activity_id in activity_ids or []:
            activities.append(client.activities.get(activity_id).model_dump(
                mode="json", exclude_none=True))
        jobs = [(a, k) for a in activities for k in kinds]
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        progress = Progress(TextColumn("[bold]downloading"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=out.err, disable=as_json,
                            transient=False)
        with progress, ThreadPoolExecutor(max_workers=workers) as pool:
            task = progress.add_task("files", total=len(jobs))
            futures = {pool.submit(_fetch, client, a, k, dest): (a, k) for a, k in jobs}
            for future in as_completed(futures):
                activity, kind = futures[future]
                status, where, size = future.result()
                status, _, code = status.partition(":")
                if code:
                    codes.append(int(code))
                results.append({"id": activity["id"], "what": kind, "status": status,
                                "file": where if status in {"saved", "kept"} else None,
                                "reason": None if status in {"saved", "kept"} else where,
                                "bytes": size})
                progress.advance(task)
    results.sort(key=lambda r: (str(r["id"]), FORMATS.index(r["what"])))
    counts = {s: sum(1 for r in results if r["status"] == s)
              for s in ("saved", "kept", "skipped", "failed")}
    if as_json:
        out.json({"dest": str(dest), **counts, "files": results})
    else:
        problems = [r for r in results if r["status"] in {"skipped", "failed"}]
        if problems:
            out.rows(problems, ["id", "what", "status", "reason"], title="not downloaded")
        out.success(f"{counts['saved']} saved, {counts['kept']} already there, "
                    f"{counts['skipped']} skipped, {counts['failed']} failed — in {dest}")
    if counts["failed"]:
        out.error(f"{counts['failed']} download(s) failed; run the same command again to "
                  "retry them (files already saved are kept)")
        raise typer.Exit(ExitCode.SERVER if ExitCode.SERVER in codes else ExitCode.ERROR)
