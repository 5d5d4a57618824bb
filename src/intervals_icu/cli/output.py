"""Rendering (rich tables by default, ``--json`` / ``--csv`` for scripts), the options every
command shares, and the exit codes (documented in docs/cli.md).

Only typer and the standard library are imported at module level: ``icu --help`` imports this.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any

import typer

from intervals_icu.cli.tables import ESSENTIAL, Column, plain_table
from intervals_icu.secret import redact_fields

__all__ = [
    "ESSENTIAL",
    "AthleteOpt",
    "Column",
    "CsvOpt",
    "DryRunOpt",
    "ExitCode",
    "JsonOpt",
    "Out",
    "YesOpt",
    "command_group",
    "exit_code_for",
    "message_for",
]


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1
    """Anything not listed below (an API error without a code of its own, a bug)."""
    BAD_INPUT = 2
    """The command line or a file given to it is wrong; nothing was sent."""
    AUTH = 3
    """No credentials, or the server refused them (401/403)."""
    NOT_FOUND = 4
    RATE_LIMITED = 5
    """429 after every retry."""
    NETWORK = 6
    """No answer: connection refused, DNS, timeout."""
    SERVER = 7
    """The server failed (5xx)."""
    CHECK_FAILED = 8
    """A check failed: ``icu doctor`` (setup), ``icu undo`` (conflicts), ``icu demo`` (sync)."""
    ABORTED = 9
    """A confirmation was declined."""
    LOCKED = 10
    """A write skipped records because they are locked (``--unlock`` edits them); the other
    records were written."""


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an error raised by the library."""
    from intervals_icu import errors

    if isinstance(exc, (errors.AuthenticationError, errors.PermissionDenied,
                        errors.MissingCredentials)):
        return ExitCode.AUTH
    if isinstance(exc, errors.NotFound):
        return ExitCode.NOT_FOUND
    if isinstance(exc, errors.RecordLockedError):
        return ExitCode.LOCKED
    if isinstance(exc, errors.RateLimited):
        return ExitCode.RATE_LIMITED
    if isinstance(exc, errors.TransportError):
        return ExitCode.NETWORK
    if isinstance(exc, errors.ServerError):
        return ExitCode.SERVER
    if isinstance(exc, (errors.InvalidRequestError, errors.BadRequest, errors.Unprocessable,
                        errors.ConfigurationError)):
        return ExitCode.BAD_INPUT
    return ExitCode.ERROR


def message_for(exc: BaseException) -> str:
    """The error as a command-line user needs it: what to do at the shell, not in Python
    (cli/advice.py knows where the command took its credentials, athlete and server)."""
    from intervals_icu import errors
    from intervals_icu.cli.advice import for_error, shell_only
    from intervals_icu.cli.session import ROOT

    where = f" [{exc.request}]" if isinstance(exc, errors.APIError) and exc.request else ""
    if isinstance(exc, errors.BudgetExhausted):
        which = f" ({exc.budget})" if exc.budget else ""
        when = (f" It refills at {exc.resets_at:%Y-%m-%d %H:%M} UTC: run the command again "
                "after that." if exc.resets_at else " Run the command again tomorrow.")
        return ("429: the request budget of these credentials is used up" + which + ", so icu "
                f"stopped instead of waiting.{when} Other scripts or apps using the same key "
                f"or token share the budget.{where}")
    if isinstance(exc, errors.RateLimited):
        pause = (f"{exc.retry_after:.0f} s (the server asked for that)"
                 if exc.retry_after and exc.retry_after > 60 else "a minute")
        return ("429: the server is rate limiting these credentials, and icu's retries ran "
                f"out. Wait {pause} and run the command again; if other scripts or apps use "
                f"the same key or token, run them one after another.{where}")
    advised = for_error(exc, ROOT.resolved)
    return advised if advised is not None else shell_only(str(exc))


# ---------------------------------------------------------------------------------------------
# Shared options

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV (for spreadsheets and scripts).")]
AthleteOpt = Annotated[
    str | None,
    typer.Option("--athlete", "-a", metavar="ID",
                 help="Act on this athlete (coaches). Default: INTERVALS_ATHLETE_ID or yourself."),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", "-n", help="Show the exact changes as a diff; send nothing.")
]
YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask before writing more than 20 records.")
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", hidden=True, envvar="INTERVALS_BASE_URL",
                 help="API base URL (e.g. a sandbox)."),
]

def command_group(**options: Any) -> typer.Typer:
    """A sub-command group (``icu wellness ...``): no completion options of its own (the root
    has them), plain help like the root's."""
    return typer.Typer(add_completion=False, rich_markup_mode=None, **options)


CONFIRM_ABOVE = 20
"""A write touching more records than this asks for confirmation unless --yes."""


# ---------------------------------------------------------------------------------------------
# Rendering


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def cell(value: Any, *, exact: bool = False) -> str:
    """How a value reads in a table (numbers rounded to 2 decimals) or, ``exact``, in CSV."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("true" if value else "false") if exact else ("yes" if value else "no")
    if isinstance(value, float):
        if exact:
            return repr(value)
        return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:.0f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class Out:
    """Where a command writes: a rich table, JSON or CSV on stdout; messages on stderr."""

    def __init__(self, *, as_json: bool = False, as_csv: bool = False) -> None:
        if as_json and as_csv:
            raise typer.BadParameter("choose one of --json and --csv")
        self.as_json = as_json
        self.as_csv = as_csv
        self._console: Any = None
        self._err: Any = None

    @property
    def machine(self) -> bool:
        return self.as_json or self.as_csv

    @property
    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=sys.stdout, highlight=False, soft_wrap=False)
        return self._console

    @property
    def err(self) -> Any:
        if self._err is None:
            from rich.console import Console

            self._err = Console(file=sys.stderr, highlight=False)
        return self._err

    # -- data --------------------------------------------------------------------------------------

    def json(self, value: Any, *, redact: bool = True) -> None:
        # The athlete's own icu_api_key (and any other credential field) is never printed;
        # only `icu sandbox`, whose job is to hand out its made-up keys, passes redact=False.
        data = redact_fields(_plain(value)) if redact else _plain(value)
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        sys.stdout.write("\n")

    def rows(
        self,
        rows: Sequence[Mapping[str, Any]],
        columns: Sequence[Column | str],
        *,
        title: str | None = None,
        empty: str = "nothing to show",
    ) -> None:
        """A list of records: a table, a JSON array (whole records) or CSV (the columns)."""
        cols = [c if isinstance(c, Column) else Column(c) for c in columns]
        if self.as_json:
            self.json(list(rows))
            return
        if self.as_csv:
            import csv
            import io

            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow([c.key for c in cols])
            for row in rows:
                writer.writerow([cell(row.get(c.key), exact=True) for c in cols])
            sys.stdout.write(buffer.getvalue())
            return
        if not rows:
            self.note(empty)
            return
        cells = [[c.shown(row.get(c.key)) if c.shown else cell(row.get(c.key)) for c in cols]
                 for row in rows]
        if not self.is_terminal:
            sys.stdout.write(plain_table(cols, cells))
            return
        self._fitted(cols, cells, title=title)

    @property
    def is_terminal(self) -> bool:
        """True when stdout is a terminal (rich's test: a TTY, or TTY_COMPATIBLE/FORCE_COLOR
        set): tables fit its width; otherwise they are plain, full-width text."""
        return bool(self.console.is_terminal)

    def _fitted(self, cols: Sequence[Column], cells: list[list[str]], *,
                title: str | None, show_header: bool = True) -> None:
        from rich.table import Table
        from rich.text import Text

        from intervals_icu.cli.tables import fit, one_line

        width = self.console.width
        layout = fit(cols, [[one_line(v) for v in row] for row in cells], width)
        hidden = [cols[c].title for c in layout.hidden]
        caption = (f"not shown at {width} columns: {', '.join(hidden)} (a wider terminal, "
                   "--csv or a pipe shows every column)") if hidden else None
        table = Table(title=title, title_justify="left", header_style="bold", box=None,
                      padding=(0, 1), pad_edge=False, show_header=show_header)
        for c, col_width in layout.shown:
            col = cols[c]
            free = c in layout.text
            # A token column is as wide as its widest value, so "ellipsis" never fires on it;
            # the header may wrap at its spaces.
            table.add_column(
                Text(col.title, no_wrap=False, overflow="fold"),
                justify=col.align([row[c] for row in cells]), width=col_width,
                no_wrap=not (free and col.wrap),
                overflow="fold" if (free and col.wrap) else "ellipsis")
        for row in cells:
            table.add_row(*(Text(row[c] if cols[c].wrap else one_line(row[c]))
                            for c, _ in layout.shown))
        needed = sum(w for _, w in layout.shown) + 2 * (len(layout.shown) - 1)
        console = self.console
        if needed > width:
            # Only ESSENTIAL columns can make the table wider than the terminal: then it runs
            # past the edge rather than cutting a value.
            from rich.console import Console

            console = Console(file=self.console.file, width=needed, highlight=False,
                              force_terminal=True, no_color=self.console.no_color,
                              color_system=self.console.color_system)
        console.print(table, crop=False)
        if caption:  # under the table, as wide as the terminal (the table may be narrower)
            self.console.print(Text(caption, style="dim"))

    def record(self, record: Mapping[str, Any], *, title: str | None = None) -> None:
        """One record: its non-empty fields, one per line (key, value), or JSON/CSV."""
        if self.as_json:
            self.json(record)
            return
        plain = _plain(record)
        items = [(k, v) for k, v in plain.items() if v not in (None, [], {})]
        if self.as_csv:
            import csv
            import io

            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow([k for k, _ in items])
            writer.writerow([cell(v, exact=True) for _, v in items])
            sys.stdout.write(buffer.getvalue())
            return
        cols = [Column("field", kind="id", priority=ESSENTIAL),
                Column("value", kind="text", wrap=True, priority=ESSENTIAL)]
        cells = [[str(k), cell(v)] for k, v in items]
        if not self.is_terminal:
            sys.stdout.write(plain_table(cols, cells).split("\n", 1)[1])
            return
        self._fitted(cols, cells, title=title, show_header=False)

    def result(self, data: Mapping[str, Any], message: str) -> None:
        """A write's outcome: ``data`` as JSON with --json, else ``message`` on stderr."""
        if self.as_json:
            self.json(data)
        else:
            self.note(message)

    # -- messages (stderr, so stdout stays parseable) ------------------------------------------

    def note(self, text: str) -> None:
        self.err.print(text)

    def success(self, text: str) -> None:
        self.err.print(f"[green]✓[/green] {text}")

    def warn(self, text: str) -> None:
        self.err.print(f"[yellow]![/yellow] {text}")

    def error(self, text: str) -> None:
        from rich.markup import escape

        self.err.print(f"[bold red]error:[/bold red] {escape(text)}")
