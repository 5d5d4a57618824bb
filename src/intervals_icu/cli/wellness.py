"""``icu wellness show|set|lock|unlock``: one record per local day; every write previewable
(``--dry-run``), confirmed above 20 records, journaled and undoable (``icu undo``)."""

from __future__ import annotations

from collections.abc import Sequence
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

DEFAULT_COLUMNS = ["id", "weight", "restingHR", "hrv", "sleep_h", "readiness", "soreness",
                   "fatigue", "mood", "steps", "ctl", "atl", "comments", "locked"]
PRIORITY = {"weight": 1, "restingHR": 1, "hrv": 1, "sleep_h": 2, "ctl": 2, "atl": 2,
            "locked": 2, "readiness": 3, "comments": 3}
"""What stays on a narrow terminal (lower numbers are hidden last; others: 4)."""
BULK_CHUNK = 500
_NOT_WRITTEN = {"id", "updated", "ctl", "atl", "rampRate", "ctlLoad", "atlLoad", "sportInfo"}

DaysArg = Annotated[str, typer.Argument(
    metavar="DAYS",
    help="A day (2025-03-01, today, yesterday), a range (2025-01-01..2025-03-31), a month "
         "(2025-03), a year (2025) or the last N days (7d).")]


def _span(client: Any, text: str) -> tuple[Any, Any]:
    from datetime import date

    from intervals_icu.cli.ranges import needs_today, parse_range

    today = client.today() if needs_today(text) else date.today()
    return parse_range(text, today)


def _days_text(span: tuple[Any, Any]) -> str:
    """The days as dates, for the journal ("today" means another day tomorrow)."""
    oldest, newest = (str(d) for d in span)
    return oldest if oldest == newest else f"{oldest}..{newest}"


def _records(client: Any, span: tuple[Any, Any]) -> dict[str, dict[str, Any]]:
    """The stored records of the range, as the API sends them, by day."""
    rows = client.wellness.list(span[0], span[1])
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        data = row.model_dump(mode="json", by_alias=True, exclude_none=True)
        if data.get("id"):
            found[str(data["id"])[:10]] = data
    return found


@app.callback()
def wellness(ctx: typer.Context) -> None:
    """Show, set, lock and unlock wellness records. Without a command: the last 7 days."""
    if ctx.invoked_subcommand is None:
        show()


@app.command("show")
def show(
    days: DaysArg = "7d",
    fields: Annotated[str | None, typer.Option(
        "--fields", "-f", help="Comma-separated columns (default: the common ones).")] = None,
    athlete: AthleteOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Wellness records of a day or range (only days that have a record). On a terminal,
    HRV and form (fitness − fatigue) over the 28 days to the last day follow as sparklines."""
    from intervals_icu.cli.session import Session
    from intervals_icu.cli.trends import trend_window

    out = Out(as_json=as_json, as_csv=as_csv)
    # The trend reads the 28 days before the range's end in the same request; it is only
    # drawn on a terminal (a pipe and --csv get the records alone).
    trend = out.draws_sparklines and not fields
    with Session(athlete) as session:
        span = _span(session.client, days)
        read = trend_window(*span) if trend else span
        found = _records(session.client, read)
    records = [r for day, r in found.items() if str(span[0]) <= day <= str(span[1])]
    if fields:
        columns = ["id", *[f.strip() for f in fields.split(",") if f.strip() and f != "id"]]
    else:
        if not out.machine:
            for r in records:
                if r.get("sleepSecs"):
                    r["sleep_h"] = round(r["sleepSecs"] / 3600, 1)
        present = {k for r in records for k in r}
        # Scripts get the API's field (whole seconds); people get hours.
        wanted = [("sleepSecs" if c == "sleep_h" and out.machine else c)
                  for c in DEFAULT_COLUMNS]
        columns = [c for c in wanted if c in present or c in {"id", "locked"}]
    out.rows(records, [_column(c) for c in columns],
             title=f"wellness {span[0]} .. {span[1]}",
             empty=f"no wellness records from {span[0]} to {span[1]}")
    if trend:
        _trend(out, list(found.values()), *read)


def _trend(out: Out, records: list[dict[str, Any]], first: Any, last: Any) -> None:
    from intervals_icu.cli.trends import TREND_COLUMNS, trend_rows, trend_title

    rows = trend_rows(records, first, last)
    if rows:
        out.console.print()
        out.rows(rows, TREND_COLUMNS, title=trend_title(first, last))


def _column(name: str) -> Column:
    if name == "id":
        return Column("id", "date", kind="date", priority=ESSENTIAL)
    if name == "comments":
        return Column(name, kind="text", priority=PRIORITY[name])
    if name == "locked":
        return Column(name, kind="enum", priority=PRIORITY[name])
    return Column(name, priority=PRIORITY.get(name, 4))  # numbers, or --fields: inferred


def _numeric(name: str) -> bool:
    from intervals_icu.journal import numeric_field

    return numeric_field("wellness", name)


def _plan_writes(
    current: dict[str, dict[str, Any]],
    days: Sequence[str],
    patch: dict[str, Any],
    *,
    lock: bool | None,
    edit_locked: bool,
) -> tuple[list[Any], list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """(changes to show, first bulk write, re-lock write, skipped days) for a patch over days
    (:func:`intervals_icu.wellness_lock.plan_writes`, worded for the command line)."""
    from intervals_icu.cli.session import Change
    from intervals_icu.wellness_lock import plan_writes

    plan = plan_writes(current, days, patch, lock=lock, edit_locked=edit_locked,
                       numeric=_numeric)
    changes = [Change(f"wellness {d.day}", d.action, d.before, d.after,
                      note="" if not d.unlocked else
                      "locked: unlocked for this write, then locked again" if d.relocked else
                      "locked: unlocked for this write") for d in plan.days]
    skipped = [f"wellness {day} is locked: not changed (pass --unlock to edit locked records; "
               "they are locked again after)" for day in plan.skipped]
    return changes, plan.writes, plan.relocks, skipped


def _write(session: Any, out: Out, description: str, changes: list[Any],
           writes: list[dict[str, Any]], relocks: list[dict[str, Any]], skipped: list[str],
           *, dry_run: bool, yes: bool, as_json: bool) -> None:
    from intervals_icu.cli.output import ExitCode
    from intervals_icu.cli.session import confirm_or_exit, show_changes

    show_changes(out, changes, dry_run=dry_run, skipped=skipped)
    if dry_run:
        relocked = sum(1 for c in changes if c.note.startswith("locked:"))
        if relocked and not as_json:
            out.note(f"{relocked} locked record(s) will be unlocked for the write"
                     + (f" and locked again after ({len(relocks)})" if relocks else ""))
        return
    # A locked record left as it was is a failure for a script: exit LOCKED (the other
    # records are still written).
    locked_exit = typer.Exit(ExitCode.LOCKED) if skipped else None
    if not writes:
        if as_json:
            out.json({"batch": None, "changed": 0, "skipped": skipped})
        elif skipped:
            out.error(f"nothing was changed: {len(skipped)} locked record(s) skipped; pass "
                      "--unlock to edit them (they are locked again after)")
        else:
            out.note("nothing to change")
        if locked_exit:
            raise locked_exit
        return
    confirm_or_exit(out, len(changes), yes=yes)
    client = session.client
    with session.batch(description) as batch_id:
        for records in (writes, relocks):
            for start in range(0, len(records), BULK_CHUNK):
                client.wellness.update_many(records[start:start + BULK_CHUNK])
    if as_json:
        out.json({"batch": batch_id, "changed": len(changes), "skipped": skipped})
    else:
        out.success(f"changed {len(changes)} wellness record(s) — journal batch {batch_id}; "
                    f"undo with `icu undo {batch_id}`")
    if locked_exit:
        if not as_json:
            out.error(f"{len(skipped)} locked record(s) were not changed; pass --unlock to "
                      "edit them too")
        raise locked_exit


@app.command("set")
def set_fields(
    days: DaysArg,
    assignments: Annotated[list[str], typer.Argument(
        metavar="FIELD=VALUE...",
        help="Fields to write, e.g. weight=70.5 restingHR=48 comments='easy day'; an empty "
             "value (hrv=) clears the field.")],
    locked: Annotated[bool, typer.Option(
        "--locked", help="Lock the records after writing them.")] = False,
    unlock: Annotated[bool, typer.Option(
        "--unlock", help="Also edit locked records (unlocked, written, locked again).")
    ] = False,
    athlete: AthleteOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write fields to every day of DAYS (creating records that do not exist)."""
    from intervals_icu import CLEAR
    from intervals_icu.cli.fields import clears_for, parse_assignments
    from intervals_icu.cli.ranges import days_in
    from intervals_icu.cli.session import Session
    from intervals_icu.models import Wellness
    from intervals_icu.updates import build_partial_body

    out = Out(as_json=as_json)
    fields = clears_for(Wellness, parse_assignments(assignments, clear=CLEAR), clear=CLEAR)
    if "locked" in fields:
        raise typer.BadParameter("use --locked, `icu wellness lock` or `unlock` for the lock")
    patch = build_partial_body(Wellness, fields, what="Wellness")
    if not patch:
        raise typer.BadParameter("give at least one FIELD=VALUE")
    with Session(athlete, journal=not dry_run) as session:
        span = _span(session.client, days)
        current = _records(session.client, span)
        day_list = [d.isoformat() for d in days_in(span)]
        changes, writes, relocks, skipped = _plan_writes(
            current, day_list, patch, lock=True if locked else None, edit_locked=unlock)
        _write(session, out, f"wellness set {_days_text(span)} {' '.join(assignments)}",
               changes, writes, relocks, skipped, dry_run=dry_run, yes=yes, as_json=as_json)


def _set_lock(days: str, locked: bool, athlete: str | None, dry_run: bool, yes: bool,
              as_json: bool) -> None:
    from intervals_icu.cli.session import Session

    out = Out(as_json=as_json)
    with Session(athlete, journal=not dry_run) as session:
        span = _span(session.client, days)
        current = _records(session.client, span)
        changes, writes, relocks, skipped = _plan_writes(
            current, sorted(current), {}, lock=locked, edit_locked=True)
        verb = "lock" if locked else "unlock"
        _write(session, out, f"wellness {verb} {_days_text(span)}", changes, writes, relocks,
               skipped, dry_run=dry_run, yes=yes, as_json=as_json)


@app.command("lock")
def lock(days: DaysArg, athlete: AthleteOpt = None, dry_run: DryRunOpt = False,
         yes: YesOpt = False, as_json: JsonOpt = False) -> None:
    """Lock every existing record of DAYS (device imports and API writes stop changing it)."""
    _set_lock(days, True, athlete, dry_run, yes, as_json)


@app.command("unlock")
def unlock_records(days: DaysArg, athlete: AthleteOpt = None, dry_run: DryRunOpt = False,
                   yes: YesOpt = False, as_json: JsonOpt = False) -> None:
    """Unlock every locked record of DAYS."""
    _set_lock(days, False, athlete, dry_run, yes, as_json)
