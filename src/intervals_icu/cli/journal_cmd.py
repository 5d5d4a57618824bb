"""``icu journal`` (batches of writes), ``icu journal show BATCH`` and ``icu undo BATCH``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from intervals_icu.cli.output import (
    ESSENTIAL,
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

BatchArg = Annotated[str, typer.Argument(
    metavar="BATCH", help="A batch number from `icu journal`, or 'last' (the newest batch).")]
_PATH_ATHLETE = r"/api/v1/athlete/([^/?]+)"


def local_time(value: Any) -> str:
    """A stored UTC timestamp as this machine's local time, to the second."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return str(value or "")


BATCH_COLUMNS = [
    Column("batch", kind="id", justify="right", priority=ESSENTIAL),
    Column("when", "when (local)", kind="time", priority=1, shown=local_time),
    Column("athlete", kind="id", priority=1), Column("description", kind="text", priority=2),
    Column("records", kind="number", priority=3),
    Column("state", "status", kind="enum", priority=2),
    Column("undoes", kind="id", justify="right", priority=2),
    Column("undone_by", "undone by", kind="id", justify="right", priority=2),
]
ENTRY_COLUMNS = [
    Column("seq", kind="id", justify="right", priority=ESSENTIAL),
    Column("record", kind="id", priority=1), Column("action", kind="enum", priority=2),
    Column("changes", kind="text", wrap=True, priority=2),
    Column("status", kind="number", priority=3),
]


def _open_journal() -> Any:
    from intervals_icu.cli.session import root_option
    from intervals_icu.journal import SqliteJournal

    return SqliteJournal(root_option("journal"))


def _batch_id(journal: Any, text: str) -> int:
    """The batch ``text`` names; ``last`` is the newest batch, whatever it is (an undo too)."""
    if text.strip().lower() == "last":
        found = journal.last_batch_id(include_undos=True)
        if found is None:
            raise typer.BadParameter("the journal is empty", param_hint="BATCH")
        return int(found)
    try:
        return int(text.lstrip("#"))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a batch number", param_hint="BATCH") from None


def athletes_of(entries: Any, default: str | None) -> list[str]:
    """Whose records a batch's writes touched: the athlete named in each write's path, else
    the owner the record itself names (an activity's ``icu_athlete_id``), else the athlete
    the writing client acted for ("0": the key's owner)."""
    import re

    found: list[str] = []
    for entry in entries:
        named = re.search(_PATH_ATHLETE, entry.path or "")
        who = named.group(1) if named and named.group(1) != "0" else None
        for record in (entry.after, entry.before):
            if who is None and isinstance(record, dict):
                owner = record.get("icu_athlete_id") or record.get("athlete_id")
                who = str(owner) if owner else None
        who = who or entry.athlete_id
        if who and who not in found:
            found.append(who)
    if not found and default:
        found.append(default)
    return found


def _athlete_label(athletes: list[str]) -> str:
    return ", ".join("(you)" if a == "0" else a for a in athletes)


@app.callback()
def journal(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", help="How many batches (newest first).")] = 30,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """List the batches of writes icu made (newest first)."""
    if ctx.invoked_subcommand is not None:
        return
    out = Out(as_json=as_json, as_csv=as_csv)
    with _open_journal() as store:
        batches = store.batches(limit=limit)
        touched = {b.id: athletes_of(store.entries(b.id), b.athlete_id) for b in batches}
        path = store.path
    rows = [{
        "batch": b.id, "when": b.created_at,
        "athlete": ",".join(touched[b.id]) if out.machine else _athlete_label(touched[b.id]),
        "athletes": touched[b.id],
        "description": b.description, "records": b.records, "writes": b.entries,
        "status": b.status + (f", undone by {b.undone_by}" if b.undone_by else "")
        + (f", undoes {b.undoes}" if b.undoes else ""),
        "state": b.status, "undoes": b.undoes, "undone_by": b.undone_by,
        "server": b.base_url,
    } for b in batches]
    out.rows(rows, BATCH_COLUMNS, title=f"journal ({path})", empty=f"the journal is empty ({path})")


@app.command("show")
def show(batch: BatchArg, as_json: JsonOpt = False, as_csv: CsvOpt = False) -> None:
    """Every write of a batch: the record, what was sent, and the value before."""
    from intervals_icu.cli.output import cell

    out = Out(as_json=as_json, as_csv=as_csv)
    with _open_journal() as store:
        batch_id = _batch_id(store, batch)
        info = store.get_batch(batch_id)
        if info is None:
            out.error(f"there is no batch {batch_id} (see `icu journal`)")
            raise typer.Exit(ExitCode.NOT_FOUND)
        entries = store.entries(batch_id)
    if as_json:
        out.json({"batch": info.__dict__, "entries": [e.__dict__ for e in entries]})
        return
    rows = []
    for e in entries:
        sent = e.sent if isinstance(e.sent, dict) else {}
        before = e.before if isinstance(e.before, dict) else {}
        changed = ", ".join(
            f"{k}: {cell(before.get(k)) or '(empty)'} -> {cell(v) or '(empty)'}"
            for k, v in sent.items() if k != "id")
        rows.append({"seq": e.seq, "record": f"{e.kind} {e.record_id or ''}".strip(),
                     "action": e.action, "request": f"{e.method} {e.path}",
                     "changes": changed, "status": e.status})
    out.rows(rows, ENTRY_COLUMNS,
             title=f"batch {info.id}: {info.description} ({info.created_at})")


def _step_change(step: Any) -> Any:
    from intervals_icu.cli.session import Change
    from intervals_icu.journal import numeric_field

    target = step.target
    label = str(target)
    current = dict(step.current or {})
    if step.action == "delete":
        return Change(label, "delete", {k: current.get(k) for k in ("name", "start_date_local",
                                                                       "type") if current.get(k)},
                      note=step.reason or "created by the batch")
    if step.action == "recreate":
        return Change(label, "create", {}, dict(step.patch), note="deleted by the batch")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in step.patch.items():
        before[key] = current.get(key)
        after[key] = None if value == -1 and numeric_field(target.kind, key) else value
    if step.unlock_first or step.relock_after:
        before["locked"] = bool(current.get("locked"))
        after["locked"] = bool((step.before or {}).get("locked"))
    return Change(label, "update", before, after,
                  note=("changed since the batch: " + ", ".join(step.conflicts))
                  if step.conflicts else "")


def undo(
    batch: BatchArg,
    force: Annotated[bool, typer.Option(
        "--force", help="Restore even fields changed by someone after the batch, against "
                        "another server, or a batch already undone.")] = False,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore every record of BATCH to its state before the batch.

    Only the fields the batch wrote are restored; fields that were empty are cleared (-1 for
    numbers); locked wellness records are unlocked first and locked again after; events the
    batch created are deleted and events it deleted are created again. The undo is itself a
    journaled batch (so it can be undone too).
    """
    from intervals_icu.cli.session import Session, confirm_or_exit, show_changes
    from intervals_icu.journal import (
        apply_plan,
        plan_undo,
        read_current,
        read_made,
        step_is_noop,
    )

    out = Out(as_json=as_json)
    with Session(None, journal=not dry_run) as session:
        store = session.journal
        batch_id = _batch_id(store, batch)
        info = store.get_batch(batch_id)
        if info is None:
            out.error(f"there is no batch {batch_id} (see `icu journal`)")
            raise typer.Exit(ExitCode.NOT_FOUND)
        if batch.strip().lower() == "last" and info.undoes is not None:
            # One rule: `last` never redoes. Undoing an undo (by its number) redoes.
            out.error(f"the last batch, {batch_id}, is itself the undo of batch {info.undoes}: "
                      f"`icu undo last` does not redo. To redo batch {info.undoes}'s change, "
                      f"run `icu undo {batch_id}`; to undo an older batch, name it "
                      "(`icu journal` lists them)")
            raise typer.Exit(ExitCode.CHECK_FAILED)
        if info.undone_by and not force:
            out.error(f"batch {batch_id} was already undone by batch {info.undone_by} "
                      f"(undo {info.undone_by} to redo it; --force to undo again)")
            raise typer.Exit(ExitCode.CHECK_FAILED)
        here = session.client.base_url
        if info.base_url and info.base_url.rstrip("/") != here.rstrip("/") and not force:
            out.error(f"batch {batch_id} was written to {info.base_url}, but this command "
                      f"talks to {here} (set INTERVALS_BASE_URL, or --force)")
            raise typer.Exit(ExitCode.BAD_INPUT)
        entries = store.entries(batch_id)
        targets = {e.target for e in entries if e.target is not None}
        current = read_current(session.client, targets)
        plan = plan_undo(entries, current, made=read_made(session.client, entries))
        steps = [s for s in plan.changes if not step_is_noop(s)]
        changes = [_step_change(s) for s in steps]
        notes = [f"{s.target}: cannot be restored: {s.reason}" for s in plan.impossible]
        show_changes(out, changes, dry_run=dry_run, skipped=notes)
        conflicted = [s for s in steps if s.conflicts]
        if conflicted and not force:
            for s in conflicted:
                out.warn(f"{s.target}: {', '.join(s.conflicts)} changed after batch {batch_id}")
            out.error(f"{len(conflicted)} record(s) were changed after batch {batch_id}; "
                      "nothing was sent (--force restores them anyway)")
            raise typer.Exit(ExitCode.CHECK_FAILED)
        if dry_run:
            return
        if not steps:
            if as_json:
                out.json({"batch": None, "undoes": batch_id, "restored": 0,
                          "impossible": notes})
            elif notes:
                out.error(f"nothing else to restore in batch {batch_id}")
            else:
                out.note(f"nothing to restore: every record of batch {batch_id} is as it was")
            if notes:
                raise typer.Exit(ExitCode.CHECK_FAILED)
            return
        confirm_or_exit(out, len(steps), yes=yes)
        touched = athletes_of(entries, info.athlete_id)
        with session.batch(f"undo batch {batch_id}: {info.description}", undoes=batch_id,
                           athlete_id=touched[0] if len(touched) == 1 else None) as undo_id:
            apply_plan(session.client, plan)
    if as_json:
        out.json({"batch": undo_id, "undoes": batch_id, "restored": len(steps),
                  "impossible": notes})
    else:
        out.success(f"restored {len(steps)} record(s) of batch {batch_id} — journal batch "
                    f"{undo_id} (undo it with `icu undo {undo_id}`)")
    if notes:
        raise typer.Exit(ExitCode.CHECK_FAILED)
