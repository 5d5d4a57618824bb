"""``icu events list|create|import|delete``: the calendar (planned workouts, notes, races...).
Writes are previewable, confirmed above 20 records, journaled and undoable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import (
    ESSENTIAL,
    AthleteOpt,
    Column,
    CsvOpt,
    DryRunOpt,
    JsonOpt,
    Out,
    YesOpt,
    command_group,
)

app = command_group(invoke_without_command=True)

LIST_COLUMNS: list[Column | str] = [
    Column("id", kind="id", justify="right", priority=ESSENTIAL),
    Column("date", kind="date", priority=1), Column("category", kind="enum", priority=2),
    Column("type", kind="enum", priority=2), Column("name", kind="text", priority=2),
    Column("load", kind="number", priority=3),
    Column("time", kind="time", justify="right", priority=3),
    Column("external_id", kind="id", priority=5),
]
IMPORT_FIELDS_REQUIRED = ("start_date_local", "category")


def _span(client: Any, text: str | None) -> tuple[Any, Any]:
    from datetime import date, timedelta

    from intervals_icu.cli.ranges import needs_today, parse_range

    if text is None:  # a week back to two weeks ahead: what a coach looks at
        today = client.today()
        return today - timedelta(days=7), today + timedelta(days=14)
    return parse_range(text, client.today() if needs_today(text) else date.today())


def _row(event: Mapping[str, Any]) -> dict[str, Any]:
    seconds = event.get("moving_time")
    minutes = int(seconds) // 60 if isinstance(seconds, (int, float)) else None
    return {**event, "date": str(event.get("start_date_local") or "")[:10],
            "load": event.get("icu_training_load"),
            "time": f"{minutes // 60}:{minutes % 60:02d}" if minutes else ""}


def _events(client: Any, span: tuple[Any, Any], category: list[str] | None = None) -> list[
        dict[str, Any]]:
    found = client.events.list(span[0], span[1], category=category or None)
    return [e.model_dump(mode="json", by_alias=True, exclude_none=True) for e in found]


@app.callback()
def events(ctx: typer.Context) -> None:
    """Planned workouts, notes and other calendar events. Without a command: a week back to
    two weeks ahead."""
    if ctx.invoked_subcommand is None:
        list_events()


@app.command("list")
def list_events(
    span: Annotated[str | None, typer.Argument(
        metavar="[RANGE]", help="Default: 7 days back to 14 days ahead.")] = None,
    category: Annotated[list[str] | None, typer.Option(
        "--category", "-c", help="WORKOUT, NOTE, RACE_A, ... (repeatable).")] = None,
    athlete: AthleteOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Calendar events of a range, by date."""
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json, as_csv=as_csv)
    with Session(athlete) as session:
        days = _span(session.client, span)
        events = _events(session.client, days, category)
    out.rows(events if as_json else [_row(e) for e in events], LIST_COLUMNS,
             title=f"{len(events)} events {days[0]} .. {days[1]}",
             empty=f"no events from {days[0]} to {days[1]}")


def _validated(fields: Mapping[str, Any]) -> dict[str, Any]:
    from intervals_icu.models._generated import EventEx
    from intervals_icu.updates import build_partial_body

    body = build_partial_body(EventEx, dict(fields), what="Event")
    start = body.get("start_date_local")
    if isinstance(start, str) and len(start) == 10:
        body["start_date_local"] = start + "T00:00:00"
    return body


def _summary(event: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("start_date_local", "category", "type", "name", "description", "external_id",
            "moving_time", "icu_training_load")
    return {k: event[k] for k in keys if event.get(k) not in (None, "")}


@app.command("create")
def create(
    day: Annotated[str, typer.Option("--date", "-d", help="Local day (or YYYY-MM-DDTHH:MM:SS).")],
    name: Annotated[str, typer.Option("--name", help="Title shown on the calendar.")],
    category: Annotated[str, typer.Option("--category", "-c", help="WORKOUT, NOTE, RACE_A...")
                        ] = "WORKOUT",
    sport: Annotated[str | None, typer.Option("--type", "-t", help="Ride, Run, Swim...")] = None,
    description: Annotated[str | None, typer.Option(
        "--description", help="Text; for workouts the native syntax, e.g. '- 10m 60%'.")
    ] = None,
    assignments: Annotated[list[str] | None, typer.Option(
        "--set", "-s", metavar="FIELD=VALUE", help="Any other Event field (repeatable).")
    ] = None,
    athlete: AthleteOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Add one event to the calendar (``--date today``: today in the athlete's time zone)."""
    from datetime import date

    from intervals_icu.cli.fields import parse_assignments
    from intervals_icu.cli.ranges import needs_today, parse_day
    from intervals_icu.cli.session import Change, Session, show_changes

    out = Out(as_json=as_json)
    with Session(athlete, journal=not dry_run) as session:
        # "today" is the athlete's local day (their profile's time zone), not this machine's
        today = session.client.today() if needs_today(day) else date.today()
        start = day if "T" in day else parse_day(day, today).isoformat()
        fields: dict[str, Any] = {"start_date_local": start, "category": category,
                                  "name": name, **({"type": sport} if sport else {}),
                                  **({"description": description} if description else {}),
                                  **parse_assignments(assignments or [])}
        body = _validated(fields)
        if dry_run:
            show_changes(out, [Change(f"event on {start[:10]}", "create", {},
                                      _summary(body))], dry_run=True)
            return
        with session.batch(f"events create {start[:10]} {name}") as batch_id:
            created = session.client.events.create(**body)
    data = created.model_dump(mode="json", by_alias=True, exclude_none=True)
    if as_json:
        out.json({"batch": batch_id, "event": data})
    else:
        out.success(f"created event {data.get('id')} on {start[:10]} — journal batch "
                    f"{batch_id}; undo with `icu undo {batch_id}`")


# -- import ---------------------------------------------------------------------------------------


def read_event_file(path: Path) -> list[dict[str, Any]]:
    """Planned events from a JSON list or a CSV file (a header of Event field names)."""
    import csv
    import json

    from intervals_icu.cli.fields import parse_value

    text = path.read_text("utf-8-sig")
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise typer.BadParameter(f"{path}: not JSON ({exc})") from None
        items = data.get("events") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise typer.BadParameter(f"{path}: expected a list of event objects")
        return [dict(i) for i in items]
    rows = list(csv.DictReader(text.splitlines()))
    events: list[dict[str, Any]] = []
    for row in rows:
        event: dict[str, Any] = {}
        for key, value in row.items():
            if key is None or value is None or value.strip() == "":
                continue
            key = key.strip()
            if key in {"name", "description", "external_id", "category", "type",
                       "start_date_local", "color", "target"}:
                event[key] = value  # text, even when it looks like a number
            else:
                event[key] = parse_value(value)
        if "date" in event and "start_date_local" not in event:
            event["start_date_local"] = str(event.pop("date"))
        events.append(event)
    return events


def external_id_for(event: Mapping[str, Any]) -> str:
    """A stable id for an event without one, so importing the same file twice updates
    instead of duplicating."""
    import hashlib

    key = "|".join(str(event.get(k) or "") for k in ("start_date_local", "category", "type",
                                                     "name"))
    return "icu-import-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def plan_import(rows: Sequence[Mapping[str, Any]],
                existing: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[Any]]:
    """(bodies to send, changes to show): existing events are matched by ``external_id``."""
    from intervals_icu.cli.session import Change
    from intervals_icu.updates import field_changes

    by_external = {str(e["external_id"]): e for e in existing if e.get("external_id")}
    bodies: list[dict[str, Any]] = []
    changes: list[Change] = []
    for number, row in enumerate(rows, start=1):
        missing = [k for k in IMPORT_FIELDS_REQUIRED if not row.get(k)]
        if missing:
            raise typer.BadParameter(f"event #{number} has no {' or '.join(missing)}")
        body = _validated({**row, "external_id": row.get("external_id") or external_id_for(row)})
        match = by_external.get(body["external_id"])
        label = f"event {body['start_date_local'][:10]} {body.get('name') or ''}".strip()
        if match is None:
            changes.append(Change(label, "create", {}, _summary(body)))
        else:
            old, new = field_changes(match, body)
            if not new:
                continue
            changes.append(Change(f"{label} (id {match.get('id')})", "update", old, new))
        bodies.append(body)
    return bodies, changes


@app.command("import")
def import_events(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="A .csv or .json file of planned events.")],
    athlete: AthleteOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Import planned workouts (and other events) from CSV or JSON. Idempotent: each event is
    matched by its `external_id` (made from date, category, type and name when the file has
    none), so importing again updates instead of duplicating."""
    from intervals_icu.cli.session import Session, confirm_or_exit, show_changes

    out = Out(as_json=as_json)
    rows = read_event_file(file)
    if not rows:
        raise typer.BadParameter(f"{file} has no events")
    with Session(athlete, journal=not dry_run) as session:
        client = session.client
        dates = sorted(str(r.get("start_date_local") or r.get("date") or "")[:10] for r in rows)
        existing = _events(client, (dates[0], dates[-1])) if dates[0] else []
        bodies, changes = plan_import(rows, existing)
        show_changes(out, changes, dry_run=dry_run)
        if dry_run:
            return
        if not bodies:
            out.result({"batch": None, "created": 0, "updated": 0},
                       f"nothing to change: the calendar already has every event of {file}")
            return
        confirm_or_exit(out, len(bodies), yes=yes, what="events")
        with session.batch(f"events import {file.name}") as batch_id:
            client.events.create_many(bodies, upsert=True)
    created = sum(1 for c in changes if c.action == "create")
    if as_json:
        out.json({"batch": batch_id, "created": created, "updated": len(changes) - created})
    else:
        out.success(f"{created} created, {len(changes) - created} updated — journal batch "
                    f"{batch_id}; undo with `icu undo {batch_id}`")


@app.command("delete")
def delete(
    event_ids: Annotated[list[int] | None, typer.Argument(metavar="[ID...]")] = None,
    span: Annotated[str | None, typer.Option(
        "--range", "-r", metavar="RANGE", help="Delete the events of a range (with --category).")
    ] = None,
    category: Annotated[list[str] | None, typer.Option(
        "--category", "-c", help="With --range: only these categories (repeatable).")] = None,
    athlete: AthleteOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete events by id, or every event of a range (of some categories). Each deleted
    event is journaled with its content, so `icu undo` can create it again."""
    from intervals_icu import errors
    from intervals_icu.cli.session import Change, Session, confirm_or_exit, show_changes

    out = Out(as_json=as_json)
    if not event_ids and not span:
        raise typer.BadParameter("give event ids, or --range (and --category)")
    with Session(athlete, journal=not dry_run) as session:
        client = session.client
        doomed: list[dict[str, Any]] = []
        described = " ".join(map(str, event_ids or []))
        if span:
            days = _span(client, span)
            doomed += _events(client, days, category)
            described = " ".join(filter(None, [
                f"{days[0]}..{days[1]}" if days[0] != days[1] else str(days[0]),
                ",".join(category or []), described]))
        for event_id in event_ids or []:
            try:
                doomed.append(client.events.get(event_id).model_dump(
                    mode="json", by_alias=True, exclude_none=True))
            except errors.NotFound:
                out.warn(f"event {event_id} does not exist")
        changes = [Change(f"event {e.get('id')} {e.get('name') or ''}".strip(), "delete",
                          _summary(e)) for e in doomed]
        show_changes(out, changes, dry_run=dry_run)
        if dry_run:
            return
        if not doomed:
            out.result({"batch": None, "deleted": 0}, "nothing to delete")
            return
        confirm_or_exit(out, len(doomed), yes=yes, what="events")
        with session.batch(f"events delete {described}") as batch_id:
            for event in doomed:
                client.events.delete(int(event["id"]))
    if as_json:
        out.json({"batch": batch_id, "deleted": len(doomed)})
    else:
        out.success(f"deleted {len(doomed)} event(s) — journal batch {batch_id}; undo with "
                    f"`icu undo {batch_id}`")
