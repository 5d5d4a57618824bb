"""The typer application: the root command, its groups, and the mapping from library errors to
exit codes. Command modules import only typer and the standard library at module level (the
library, httpx, pydantic, rich tables are imported inside commands), so ``icu --help`` is fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from intervals_icu._version import __version__


class _IcuGroup(TyperGroup):
    """Turns the library's typed errors into one readable line and a documented exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from intervals_icu.errors import IntervalsError

            if not isinstance(exc, IntervalsError):
                raise
            from intervals_icu.cli.output import Out, exit_code_for

            Out().error(str(exc))
            raise typer.Exit(int(exit_code_for(exc))) from None


app = typer.Typer(
    name="icu",
    cls=_IcuGroup,
    help="Intervals.icu from the command line: inspect, edit safely (preview, journal, undo), "
         "mirror to a database, run a local sandbox.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"icu (intervals-icu) {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    base_url: Annotated[str | None, typer.Option(
        "--base-url", hidden=True, help="API base URL (overrides INTERVALS_BASE_URL).")] = None,
    journal: Annotated[str | None, typer.Option(
        "--journal", hidden=True, envvar="ICU_JOURNAL",
        help="The journal file (default: the user data directory).")] = None,
) -> None:
    """Intervals.icu from the command line.

    Credentials: `icu auth login`, or INTERVALS_API_KEY (and INTERVALS_ATHLETE_ID,
    INTERVALS_BASE_URL). Every write is journaled; `icu journal` lists batches, `icu undo`
    reverts one.
    """
    from intervals_icu.cli.session import ROOT

    ROOT.base_url, ROOT.journal = base_url, journal


def _register() -> None:
    from intervals_icu.cli import (
        activities,
        api,
        athletes,
        auth,
        demo,
        doctor,
        events,
        export,
        journal_cmd,
        sandbox_cmd,
        sync,
        webhooks_cmd,
        wellness,
    )

    app.add_typer(auth.app, name="auth", help="Log in, check and forget credentials.")
    app.command("whoami", help="Who the credentials belong to.")(auth.whoami)
    app.command("doctor", help="Check connectivity, credentials, athlete, clock, rate limit.")(
        doctor.doctor)
    app.command("athletes", help="The athletes you coach or follow, with summary columns.")(
        athletes.athletes)
    app.add_typer(activities.app, name="activities", help="List, show, edit and download "
                                                          "activities.")
    app.add_typer(wellness.app, name="wellness", help="Show, set, lock and unlock wellness "
                                                      "records.")
    app.add_typer(events.app, name="events", help="Planned workouts, notes and other calendar "
                                                  "events.")
    app.command("api", help="Call any operation of the API by its operationId.")(api.api)
    app.add_typer(journal_cmd.app, name="journal", help="The journal of writes made by icu.")
    app.command("undo", help="Restore every record of a batch to its state before the batch.")(
        journal_cmd.undo)
    app.command("sandbox", help="Run the local Intervals.icu sandbox as a server.")(
        sandbox_cmd.sandbox)
    app.command("sync", help="Mirror athletes' data into SQLite or PostgreSQL.")(sync.sync)
    app.add_typer(export.app, name="export", help="Export mirrored data as CSV or Parquet.")
    app.add_typer(webhooks_cmd.app, name="webhooks", help="Receive, replay and inspect "
                                                          "webhooks.")
    app.command("demo", help="Sandbox + mirror + changes: watch a sync find every change.")(
        demo.demo)


_register()
