"""The typer application: the root command, its lazily loaded commands, and the mapping from
library errors to exit codes.

Commands are loaded on demand: ``icu --help`` lists them from the table below without
importing their modules, and ``icu wellness set`` imports only ``cli/wellness.py`` (which
itself imports the library, httpx and pydantic inside the command). That keeps start-up fast.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from intervals_icu._version import __version__

# name -> (module in intervals_icu.cli, attribute, short help). An attribute named ``app`` is
# a typer group of sub-commands; any other is a function that becomes one command.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "auth": ("auth", "app", "Log in, check and forget credentials."),
    "whoami": ("auth", "whoami", "Who the credentials belong to."),
    "doctor": ("doctor", "doctor", "Check connectivity, credentials, athlete, clock, rate "
                                   "limit; print the fix."),
    "athletes": ("athletes", "athletes", "The athletes you coach or follow, with summary "
                                         "columns."),
    "activities": ("activities", "app", "List, show, edit and download activities."),
    "wellness": ("wellness", "app", "Show, set, lock and unlock wellness records."),
    "events": ("events", "app", "Planned workouts, notes and other calendar events."),
    "api": ("api", "api", "Call any operation of the API by its operationId."),
    "journal": ("journal_cmd", "app", "The journal of writes made by icu (batches)."),
    "undo": ("journal_cmd", "undo", "Restore every record of a batch to its state before it."),
    "sync": ("sync", "sync", "Mirror athletes' data into SQLite or PostgreSQL."),
    "export": ("export", "app", "Export mirrored data as CSV or Parquet."),
    "report": ("report", "report", "Charts of the mirrored data in one HTML file (offline)."),
    "fitness": ("fitness", "fitness", "Fitness, fatigue and form as a terminal chart."),
    "webhooks": ("webhooks_cmd", "app", "Receive, replay and inspect webhooks."),
    "fleet": ("fleet_cmd", "app", "An OAuth app's athletes, mirrored within the platform's "
                                  "budgets by many workers."),
    "sandbox": ("sandbox_cmd", "sandbox", "Run the local Intervals.icu sandbox as a server."),
    "demo": ("demo", "demo", "Sandbox + mirror + changes: watch a sync find every change."),
    "mcp": ("mcp", "mcp", "Serve your data to AI assistants (MCP): reads from the mirror, "
                          "previewed writes."),
}


def load_command(name: str) -> Any:
    """Build the click command ``name`` from its module (imported now)."""
    module_name, attribute, short_help = COMMANDS[name]
    module = importlib.import_module(f"intervals_icu.cli.{module_name}")
    target = getattr(module, attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_command(target)
        command.help = command.help or short_help
    else:
        single = typer.Typer(add_completion=False, rich_markup_mode=None)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    command.short_help = short_help
    return command


class _IcuGroup(TyperGroup):
    """Loads commands on demand, and turns the library's typed errors into one readable line
    and a documented exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, short_help) for name, (_, _, short_help) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in COMMANDS and not args[0].startswith("-"):
            import difflib

            close = difflib.get_close_matches(args[0], list(COMMANDS))
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            ctx.fail(f"No such command {args[0]!r}.{hint}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from intervals_icu.errors import IntervalsError

            if not isinstance(exc, IntervalsError):
                raise
            from intervals_icu.cli.output import Out, exit_code_for, message_for

            Out().error(message_for(exc))
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
    reverts one. Exit codes: docs/cli.md.
    """
    from intervals_icu.cli.session import ROOT

    ROOT.base_url, ROOT.journal, ROOT.resolved = base_url, journal, None
