"""``icu webhooks serve|inspect|replay``: receive Intervals.icu webhooks into a durable inbox,
apply them to the mirror (re-reading the API: a delivery is a hint), look at the inbox, and
run entries again."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import Column, ExitCode, JsonOpt, Out, command_group
from intervals_icu.cli.sync import DbOpt

app = command_group(no_args_is_help=True)

SecretOpt = Annotated[list[str] | None, typer.Option(
    "--secret", envvar="INTERVALS_WEBHOOK_SECRET", metavar="SECRET",
    help="The app's webhook secret (Manage App); repeat it while rotating secrets. Prefer "
         "the environment (INTERVALS_WEBHOOK_SECRET, several separated by spaces): a secret "
         "on the command line shows in `ps` and in shell history.")]


def _warn_if_typed(ctx: typer.Context, out: Out, *options: tuple[str, str]) -> None:
    """Warn when a secret came from the command line, where other users and the shell's
    history can read it."""
    for name, env in options:
        source = ctx.get_parameter_source(name)
        if source is not None and source.name == "COMMANDLINE":
            out.warn(f"--{name} on the command line is visible in `ps` and kept in shell "
                     f"history; set {env} instead.")


def _inbox(db: str | None) -> Any:
    from intervals_icu.cli.sync import database_url
    from intervals_icu.webhooks import Inbox

    return Inbox(database_url(db))


@app.command("serve")
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8080,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    path: Annotated[str, typer.Option("--path", help="URL path of the endpoint.")] = "/",
    db: DbOpt = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=0, help="Worker tasks applying events (SQLite: at most 1).")] = 1,
    secret: SecretOpt = None,
    authorization: Annotated[str | None, typer.Option(
        "--authorization", envvar="INTERVALS_WEBHOOK_AUTHORIZATION",
        help="Expected Authorization header, if the app sets one.")] = None,
    no_mirror: Annotated[bool, typer.Option(
        "--no-mirror", help="Only store events in the inbox; do not update the mirror.")
    ] = False,
) -> None:
    """Receive webhooks on http://HOST:PORT/PATH: each delivery is verified, stored once in
    the inbox (duplicates ignored) and answered 200; workers re-read what each event names and
    update the mirror in the same database. Runs until Ctrl-C."""
    from intervals_icu.cli.session import Session
    from intervals_icu.cli.sync import database_url
    from intervals_icu.mirror import Mirror
    from intervals_icu.webhooks import WebhookReceiver
    from intervals_icu.webhooks import serve as run_server

    out = Out()
    if not secret:
        raise typer.BadParameter("give the app's webhook secret: INTERVALS_WEBHOOK_SECRET "
                                 "(or --secret)", param_hint="--secret")
    _warn_if_typed(ctx, out, ("secret", "INTERVALS_WEBHOOK_SECRET"),
                   ("authorization", "INTERVALS_WEBHOOK_AUTHORIZATION"))
    url = database_url(db)
    with Session() as session:
        client = session.client
        mirror = None if no_mirror else Mirror(client, url)
        try:
            receiver = WebhookReceiver(secret, url, mirror=mirror, client=client,
                                       authorization=authorization)
            out.note(f"[bold]icu webhooks[/bold] listening on http://{host}:{port}{path} — "
                     f"inbox and mirror in {receiver.inbox!r}, {workers} worker(s); Ctrl-C "
                     "to stop")
            with contextlib.suppress(KeyboardInterrupt):
                run_server(receiver, host=host, port=port, path=path, workers=workers,
                           log_level="warning")
        finally:
            if mirror is not None:
                mirror.close()
    out.note("stopped; events not processed yet wait in the inbox")


@app.command("inspect")
def inspect(
    entry_id: Annotated[int | None, typer.Argument(
        metavar="[ID]", help="One entry, with its payload.")] = None,
    db: DbOpt = None,
    status: Annotated[str | None, typer.Option(
        "--status", help="pending, processing, done, dead...")] = None,
    athlete: Annotated[str | None, typer.Option("--athlete", "-a", metavar="ID")] = None,
    event_type: Annotated[str | None, typer.Option("--type", metavar="TYPE")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The inbox: entries newest first, with their status, attempts and last error."""
    from intervals_icu.webhooks import InboxEntryNotFound

    out = Out(as_json=as_json)
    inbox = _inbox(db)
    try:
        if entry_id is not None:
            try:
                entry = inbox.get(entry_id)
            except InboxEntryNotFound as exc:
                out.error(str(exc))
                raise typer.Exit(ExitCode.NOT_FOUND) from None
            data = {**entry.summary(), "payload": entry.payload}
            out.record(data, title=f"inbox entry {entry_id}")
            return
        entries = inbox.list(status=status, athlete_id=athlete, event_type=event_type,
                             limit=limit)
        stats = inbox.stats()
    finally:
        inbox.close()
    rows = [e.summary() for e in entries]
    if as_json:
        out.json({"stats": stats, "entries": rows})
        return
    out.rows(rows, [Column("id", justify="right"), "status", "type", "athlete_id",
                    "received_at", Column("deliveries", justify="right"),
                    Column("attempts", justify="right"), "last_error"],
             title="inbox: " + ", ".join(f"{k} {v}" for k, v in stats.items() if v),
             empty="the inbox is empty")


@app.command("replay")
def replay(
    entry_ids: Annotated[list[int], typer.Argument(metavar="ID...")],
    db: DbOpt = None,
    all_steps: Annotated[bool | None, typer.Option(
        "--all-steps/--failed-steps",
        help="Run every step again, or only those that failed (default: failed for dead "
             "entries, all for done ones).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Queue entries to run again now (a running `icu webhooks serve` picks them up)."""
    from intervals_icu.webhooks import InboxEntryNotFound, WebhookError

    out = Out(as_json=as_json)
    inbox = _inbox(db)
    try:
        entries = inbox.replay(*entry_ids, rerun_all=all_steps)
    except InboxEntryNotFound as exc:
        out.error(str(exc))
        raise typer.Exit(ExitCode.NOT_FOUND) from None
    except WebhookError as exc:
        out.error(str(exc))
        raise typer.Exit(ExitCode.BAD_INPUT) from None
    finally:
        inbox.close()
    if as_json:
        out.json([e.summary() for e in entries])
    else:
        out.success(f"queued {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} again: "
                    + ", ".join(str(e.id) for e in entries))
