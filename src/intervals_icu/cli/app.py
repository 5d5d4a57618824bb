"""The typer application and its command groups."""

from __future__ import annotations

import typer

from intervals_icu._version import __version__

app = typer.Typer(
    name="icu",
    help="Intervals.icu from the command line: sync, inspect, edit safely, run a sandbox.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"icu (intervals-icu) {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Intervals.icu from the command line."""
