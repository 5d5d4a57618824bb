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

ENV_SECRET = "INTERVALS_WEBHOOK_SECRET"

SecretOpt = Annotated[list[str] | None, typer.Option(
    "--secret", metavar="SECRET",
    help="The app's webhook secret (Manage App); repeat it while rotating secrets. Prefer "
         "the environment: INTERVALS_WEBHOOK_SECRET, several separated by commas (new,old) "
         "or spaces. A secret on the command line shows in `ps` and in shell history.")]

DEFAULT_RECONCILE_SECONDS = 900.0


def _warn_if_typed(ctx: typer.Context, out: Out, *options: tuple[str, str]) -> None:
    """Warn when a secret came from the command line, where other users and the shell's
    history can read it."""
    for name, env in options:
        source = ctx.get_parameter_source(name)
        if source is not None and source.name == "COMMANDLINE":
            out.warn(f"--{name} on the command line is visible in `ps` and kept in shell "
                     f"history; set {env} instead.")


def _secrets(typed: list[str] | None) -> list[str]:
    """``--secret`` values, else INTERVALS_WEBHOOK_SECRET: parsed the one way the library's
    ``WebhookReceiver.from_env`` parses it (commas and/or spaces)."""
    import os

    from intervals_icu.webhooks import parse_secrets

    if typed:
        return [one for value in typed for one in parse_secrets(value)]
    return parse_secrets(os.environ.get(ENV_SECRET, ""))


def _inbox(db: str | None) -> Any:
    from intervals_icu.cli.sync import database_url
    from intervals_icu.webhooks import Inbox

    return Inbox(database_url(db))


@app.command("serve")
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(
        "--port", help="TCP port (0: any free port; the banner shows which).")] = 8080,
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
        "--no-mirror",
        help="Only store events in the inbox; do not update the mirror (needs no API key).")
    ] = False,
    reconcile_every: Annotated[float, typer.Option(
        "--reconcile-every", metavar="SECONDS", min=0,
        help="Run the mirror's incremental sync at start and then every SECONDS, to catch "
             "up deliveries the platform gave up on (0: never).")
    ] = DEFAULT_RECONCILE_SECONDS,
) -> None:
    """Receive webhooks on http://HOST:PORT/PATH: each delivery is verified, stored once in
    the inbox (duplicates ignored) and answered 200; workers re-read what each event names and
    update the mirror in the same database, which a periodic reconciliation (the mirror's
    incremental sync) also keeps level. Runs until Ctrl-C."""
    from intervals_icu.cli.sync import database_url
    from intervals_icu.webhooks import WebhookReceiver, check_workers, listening_socket
    from intervals_icu.webhooks import serve as run_server

    out = Out()
    secrets = _secrets(secret)
    if not secrets:
        raise typer.BadParameter(f"give the app's webhook secret: {ENV_SECRET} (or --secret)",
                                 param_hint="--secret")
    _warn_if_typed(ctx, out, ("secret", ENV_SECRET),
                   ("authorization", "INTERVALS_WEBHOOK_AUTHORIZATION"))
    url = database_url(db)
    inbox = _open_inbox(url)
    try:
        # Everything that can be refused is refused before "listening".
        check_workers(inbox, workers)
        try:
            sock = listening_socket(host, port)
        except OSError as exc:
            out.error(f"cannot listen on {host}:{port}: {exc.strerror}; choose another "
                      "--port (0: any free one) or --host")
            raise typer.Exit(ExitCode.BAD_INPUT) from None
        with contextlib.ExitStack() as stack:
            stack.callback(sock.close)
            mirror, client = (None, None) if no_mirror else _mirror(stack, url)
            receiver = WebhookReceiver(secrets, inbox, mirror=mirror, client=client,
                                       authorization=authorization)
            every = reconcile_every if mirror is not None and workers else 0.0
            bound = sock.getsockname()[1]
            shown_host = f"[{host}]" if ":" in host else host
            where = (f"inbox and mirror in {receiver.inbox!r}" if mirror is not None
                     else f"inbox in {receiver.inbox!r} (no mirror)")
            reconciling = (f"; reconciling every {_seconds(every)}" if every else "")
            out.note(f"[bold]icu webhooks[/bold] listening on http://{shown_host}:{bound}{path}"
                     f" — {where}, {workers} worker(s){reconciling}; Ctrl-C to stop")
            with contextlib.suppress(KeyboardInterrupt):
                run_server(receiver, sock=sock, path=path, workers=workers,
                           log_level="warning", reconcile_every=every or None)
    finally:
        inbox.close()
    out.note("stopped; events not processed yet wait in the inbox")


def _open_inbox(url: str) -> Any:
    from intervals_icu.webhooks import Inbox

    return Inbox(url)


def _mirror(stack: contextlib.ExitStack, url: str) -> tuple[Any, Any]:
    """The mirror in the inbox's database, and the client for handlers (needs credentials)."""
    from intervals_icu.cli.session import Session
    from intervals_icu.mirror import Mirror

    session = stack.enter_context(Session())
    client = session.client
    mirror = stack.enter_context(Mirror(client, url))
    return mirror, client


def _seconds(value: float) -> str:
    if value >= 60 and value % 60 == 0:
        return f"{value / 60:.0f} min"
    return f"{value:g} s"


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
