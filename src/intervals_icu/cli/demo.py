"""``icu demo``: the whole story on a fresh machine, no account needed.

It starts the sandbox (a local Intervals.icu), mirrors it into a database, changes things on
the "server" the way a person in the web app would (edits a months-old activity, deletes an
activity, deletes and moves calendar events, edits a wellness value, locks a record), then
runs the next sync and shows it finding each change. Exit 0 only if every change was found.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import ExitCode, JsonOpt, Out
from intervals_icu.cli.sync import DbOpt


@dataclass
class PlannedChange:
    """One change made on the server, and how the mirror's change log must show it."""

    what: str
    table: str
    record_id: str
    change: str
    """``updated`` or ``deleted``."""
    field_name: str | None = None
    detail: str = ""
    found: bool = False
    seen_fields: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"what": self.what, "table": self.table, "record_id": self.record_id,
                "change": self.change, "field": self.field_name, "detail": self.detail,
                "found": self.found}


def _pick(items: list[Any], test: Any) -> Any:
    for item in items:
        if test(item):
            return item
    return None


def make_changes(client: Any, today: date) -> list[PlannedChange]:
    """Change six things through the API, as a person in the web app would."""
    changes: list[PlannedChange] = []

    def real(activity: Any) -> bool:
        return not getattr(activity, "is_strava_stub", False) and \
            str(getattr(activity, "source", "")) != "STRAVA"

    old = _pick(client.activities.list(today - timedelta(days=150),
                                       today - timedelta(days=90)), real)
    if old is not None:
        new_name = f"{old.name or 'Activity'} (renamed)"
        client.activities.update(old.id, name=new_name)
        changes.append(PlannedChange(
            "edit a months-old activity", "activities", str(old.id), "updated", "name",
            f"{str(old.start_date_local)[:10]}: {old.name!r} -> {new_name!r}"))

    recent = _pick(client.activities.list(today - timedelta(days=20), today), real)
    if recent is not None:
        client.activities.delete(recent.id)
        changes.append(PlannedChange(
            "delete an activity", "activities", str(recent.id), "deleted", None,
            f"{str(recent.start_date_local)[:10]} {recent.name!r}"))

    planned = [e for e in client.events.list(today + timedelta(days=1),
                                             today + timedelta(days=21))
               if e.category == "WORKOUT"]
    if len(planned) >= 2:
        doomed, moved = planned[0], planned[1]
        client.events.delete(int(doomed.id))
        changes.append(PlannedChange(
            "delete a calendar event", "events", str(doomed.id), "deleted", None,
            f"{str(doomed.start_date_local)[:10]} {doomed.name!r}"))
        old_day = date.fromisoformat(str(moved.start_date_local)[:10])
        new_start = f"{(old_day + timedelta(days=2)).isoformat()}T00:00:00"
        client.events.update(int(moved.id), start_date_local=new_start)
        changes.append(PlannedChange(
            "move a calendar event", "events", str(moved.id), "updated", "start_date_local",
            f"{moved.name!r}: {old_day} -> {new_start[:10]}"))

    day = (today - timedelta(days=3)).isoformat()
    before = client.wellness.get(day)
    weight = round((before.weight or 70.0) + 1.5, 1)
    client.wellness.update(day, weight=weight)
    changes.append(PlannedChange("edit a wellness value", "wellness", day, "updated", "weight",
                                 f"{day}: weight {before.weight} -> {weight}"))

    locked_day = (today - timedelta(days=5)).isoformat()
    client.wellness.lock(locked_day, locked_day)
    changes.append(PlannedChange("lock a wellness record", "wellness", locked_day, "updated",
                                 "locked", f"{locked_day}: locked"))
    return changes


def check_found(store: Any, run_id: int, changes: list[PlannedChange]) -> list[dict[str, Any]]:
    """Mark each planned change found if the mirror's change log of ``run_id`` has it;
    returns the other logged changes (knock-on effects such as recomputed fitness)."""
    import sqlalchemy as sa

    from intervals_icu.mirror import schema

    t = schema.changes
    with store.engine.connect() as conn:
        logged = [dict(r) for r in conn.execute(
            sa.select(t).where(t.c.run_id == run_id)).mappings()]
    matched: set[int] = set()
    for planned in changes:
        for row in logged:
            if row["table_name"] != planned.table or \
                    str(row["record_id"])[:len(planned.record_id)] != planned.record_id:
                continue
            fields = list(row.get("fields") or [])
            if row["change"] == planned.change and (
                    planned.field_name is None or planned.field_name in fields):
                planned.found = True
                planned.seen_fields = [f for f in fields if f != "updated"]
                matched.add(row["change_id"])
    return [r for r in logged if r["change_id"] not in matched]


def demo(
    db: DbOpt = None,
    seed: Annotated[int, typer.Option("--seed", help="Sandbox seed (same seed, same data).")
                    ] = 42,
    years: Annotated[float, typer.Option("--years", help="History to generate.")] = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Start the sandbox, mirror it, change six things on it, and watch the next sync find
    every one of them. Needs no account and no network; uses a temporary database unless
    --db is given."""
    import tempfile

    from intervals_icu import ApiKey, Client
    from intervals_icu.cli.sync import SyncProgress, database_url
    from intervals_icu.mirror import Mirror
    from intervals_icu.sandbox import Sandbox

    out = Out(as_json=as_json)
    started = time.perf_counter()
    show = not as_json
    console = out.err
    if show:
        from rich.panel import Panel

        console.print(Panel.fit(
            "[bold]icu demo[/bold] — a local Intervals.icu, a mirror, and a sync that finds "
            "every change\n[dim]no account, no network: everything runs on this machine[/dim]",
            border_style="cyan"))
    with tempfile.TemporaryDirectory(prefix="icu-demo-") as scratch:
        url = database_url(db) if db else f"sqlite:///{scratch}/demo.db"
        _step(console, show, 1, "Starting the sandbox")
        with _status(console, show, f"seeding {years:g} year(s) of training history..."):
            sandbox = Sandbox(seed=seed, athletes=1, years=years).start()
        try:
            if show:
                console.print(f"   sandbox at [bold]{sandbox.base_url}[/bold], athlete "
                              f"[bold]{sandbox.athlete_id}[/bold]")
            # explicit athlete: an INTERVALS_ATHLETE_ID for a real account must not leak in
            client = Client(ApiKey(sandbox.api_key), base_url=sandbox.base_url,
                            athlete_id=sandbox.athlete_id)
            with client, Mirror(client, url) as mirror:
                _step(console, show, 2, f"First sync into {mirror.store!r}")
                with SyncProgress(out, enabled=show) as progress:
                    first = mirror.sync(on_progress=progress)
                if show:
                    totals = first.totals()
                    console.print("   mirrored " + ", ".join(
                        f"{s.read} {name}" for name, s in sorted(totals.items()) if s.read)
                        + f" in {first.wall_seconds:.1f} s ({first.requests} requests)")

                _step(console, show, 3, "Changing things on the server (as in the web app)")
                today = client.today()
                changes = make_changes(client, today)
                if show:
                    from rich.table import Table

                    table = Table(show_header=False, box=None, padding=(0, 2))
                    for c in changes:
                        table.add_row(f"[yellow]•[/yellow] {c.what}", f"[dim]{c.detail}[/dim]")
                    console.print(table)

                _step(console, show, 4, "Next incremental sync (recent days in full, the rest "
                                        "of the history in a light scan; writes only what "
                                        "changed)")
                with SyncProgress(out, enabled=show) as progress:
                    second = mirror.sync(on_progress=progress)
                others = check_found(mirror.store, second.run_id, changes)
        finally:
            sandbox.stop()
    elapsed = time.perf_counter() - started
    ok = bool(changes) and all(c.found for c in changes) and len(changes) == 6
    if as_json:
        out.json({"ok": ok, "seconds": round(elapsed, 1), "changes": [c.as_json()
                                                                       for c in changes],
                  "other_changes": len(others), "first_sync": first.as_dict(),
                  "second_sync": second.as_dict()})
    else:
        _verdict(out, changes, others, second, elapsed, ok)
    if not ok:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _step(console: Any, show: bool, number: int, title: str) -> None:
    if show:
        console.print(f"\n[bold cyan]{'①②③④⑤'[number - 1]}[/bold cyan] [bold]{title}[/bold]")


def _status(console: Any, show: bool, text: str) -> Any:
    import contextlib

    return console.status(text) if show else contextlib.nullcontext()


def _verdict(out: Out, changes: list[PlannedChange], others: list[dict[str, Any]],
             second: Any, elapsed: float, ok: bool) -> None:
    from rich.panel import Panel
    from rich.table import Table

    console = out.err
    _step(console, True, 5, "What the sync found")
    table = Table(header_style="bold", title_justify="left")
    for name in ("", "change on the server", "record", "found as"):
        table.add_column(name)
    for c in changes:
        mark = "[green]✓[/green]" if c.found else "[bold red]✗[/bold red]"
        found_as = (f"{c.change}" + (f" ({', '.join(c.seen_fields[:4])})" if c.seen_fields
                                     else "")) if c.found else "[red]not found[/red]"
        table.add_row(mark, c.what, f"{c.table} {c.record_id}", found_as)
    console.print(table)
    if others:
        tables = sorted({str(o["table_name"]) for o in others})
        console.print(f"   [dim]+ {len(others)} knock-on change(s) in {', '.join(tables)} "
                      "(e.g. fitness recomputed after the edits)[/dim]")
    found = sum(1 for c in changes if c.found)
    style = "green" if ok else "red"
    console.print(Panel.fit(
        f"[bold {style}]{found}/{len(changes)} changes found[/bold {style}] by one sync of "
        f"{second.requests} requests; demo took {elapsed:.1f} s\n"
        "[dim]next: `icu sandbox` to keep a sandbox running, `icu sync` against your account, "
        "`icu export activities --format parquet`[/dim]", border_style=style))
