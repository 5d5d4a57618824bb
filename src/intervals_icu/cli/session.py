"""What a command needs to talk to the API: the client (credentials resolved by config.py),
the write journal, and the safe-write flow (show the changes, confirm, record a batch)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import typer

from intervals_icu.cli.output import CONFIRM_ABOVE, ExitCode, Out, cell

if TYPE_CHECKING:
    from intervals_icu import Client
    from intervals_icu.journal import SqliteJournal

__all__ = ["Change", "Session", "confirm_or_exit", "show_changes"]


@dataclass
class RootOptions:
    """The root command's options (``icu --base-url URL ...``), set by its callback."""

    base_url: str | None = None
    journal: str | None = None
    resolved: Any = None
    """Where the running command took its credentials, athlete and server (for advice)."""


ROOT = RootOptions()


def root_option(name: str) -> Any:
    return getattr(ROOT, name)


class Session:
    """Built once per command: ``with Session(athlete) as s: s.client...``."""

    def __init__(self, athlete: str | None = None, *, journal: bool = False) -> None:
        from intervals_icu.cli import config

        self.resolved = config.resolve(athlete=athlete, base_url=root_option("base_url"))
        ROOT.resolved = self.resolved
        self._want_journal = journal
        self._client: Client | None = None
        self._journal: SqliteJournal | None = None

    @property
    def journal(self) -> SqliteJournal:
        if self._journal is None:
            from intervals_icu.journal import SqliteJournal

            self._journal = SqliteJournal(root_option("journal"))
            self._journal.base_url = self.client.base_url
        return self._journal

    @property
    def client(self) -> Client:
        if self._client is None:
            from intervals_icu import Client, errors

            if self.resolved.credentials is None:
                raise errors.MissingCredentials(
                    "not logged in: run `icu auth login`, or set INTERVALS_API_KEY "
                    "(the key is at https://intervals.icu/settings, Developer Settings)"
                )
            self._check_base_url()
            self._client = Client(
                self.resolved.credentials,
                athlete_id=self.resolved.athlete_id,
                base_url=self.resolved.base_url,
            )
            if self._want_journal:
                self._client.journal = self.journal
                self.journal.base_url = self._client.base_url
        return self._client

    def _check_base_url(self) -> None:
        """A server URL that cannot work is a configuration error (exit 2) with the shell
        fix, before a request ends in a puzzling 404."""
        from intervals_icu import errors
        from intervals_icu.cli.advice import base_url_fix, base_url_problem

        url = self.resolved.base_url
        problem = base_url_problem(url) if url else None
        if problem is not None:
            raise errors.ConfigurationError(
                f"the server URL {url} (from {self.resolved.base_url_source}) cannot work: "
                f"{problem[0]}. Fix: {base_url_fix(self.resolved, problem[1])}.")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._journal is not None:
            self._journal.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def batch(self, description: str, *, undoes: int | None = None,
              athlete_id: str | None = None) -> Iterator[int]:
        """Record every write made inside as one journal batch (yields its id).

        ``description`` names days as dates (never "today"): the journal is read later.
        ``athlete_id``: whose records the batch writes, when not the session's athlete.
        """
        _ = self.client  # the journal is attached to the client when it is built
        with self.journal.batch(description, command=f"icu {description}",
                                athlete_id=athlete_id or self.client.athlete_id,
                                undoes=undoes) as batch_id:
            yield batch_id


# ---------------------------------------------------------------------------------------------
# Changes: what a write will do, shown as a diff


@dataclass(frozen=True)
class Change:
    """One record a command is about to change."""

    record: str
    """How the record is named in output, e.g. ``wellness 2025-03-01``."""
    action: Literal["update", "create", "delete"] = "update"
    before: Mapping[str, Any] = field(default_factory=dict)
    """The fields as they are (only those that change, for updates)."""
    after: Mapping[str, Any] = field(default_factory=dict)
    """The fields as they will be."""
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"record": self.record, "action": self.action,
                                "before": dict(self.before), "after": dict(self.after)}
        if self.note:
            data["note"] = self.note
        return data


def show_changes(out: Out, changes: Sequence[Change], *, dry_run: bool,
                 skipped: Sequence[str] = ()) -> None:
    """Print the changes: a coloured diff, or JSON with ``--json``."""
    if out.as_json:
        if dry_run:
            out.json({"dry_run": True, "changes": [c.as_json() for c in changes],
                      "skipped": list(skipped)})
        return
    if not dry_run and len(changes) > CONFIRM_ABOVE:
        out.note(f"{len(changes)} records to change")
        return
    from rich.markup import escape
    from rich.text import Text

    console = out.console if dry_run else out.err
    for change in changes:
        mark = {"update": "~", "create": "+", "delete": "-"}[change.action]
        style = {"update": "yellow", "create": "green", "delete": "red"}[change.action]
        title = Text(f"{mark} {change.record}", style=f"bold {style}")
        if change.note:
            title.append(f"  ({change.note})", style="dim")
        console.print(title)
        keys = list(dict.fromkeys([*change.before, *change.after]))
        for key in keys:
            if key in change.before and change.action != "create":
                console.print(f"    [red]- {escape(key)}: {escape(_shown(change.before[key]))}"
                              "[/red]")
            if key in change.after and change.action != "delete":
                console.print(f"    [green]+ {escape(key)}: {escape(_shown(change.after[key]))}"
                              "[/green]")
    for reason in skipped:
        out.warn(reason)
    if dry_run:
        noun = "record" if len(changes) == 1 else "records"
        out.note(f"[bold]dry run:[/bold] {len(changes)} {noun} would change; nothing was sent")


def _shown(value: Any, limit: int = 100) -> str:
    if value is None or value == "":
        return "(empty)"
    text = cell(value).replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def confirm_or_exit(out: Out, count: int, *, yes: bool, what: str = "records") -> None:
    """Writes touching more than CONFIRM_ABOVE records ask first (exit 9 when declined)."""
    if yes or count <= CONFIRM_ABOVE:
        return
    try:
        agreed = typer.confirm(f"This changes {count} {what} (--dry-run lists them). Continue?",
                               default=False,
                               err=True)
    except typer.Abort:
        agreed = False
    if not agreed:
        out.error(f"nothing was sent ({count} {what} would change; pass --yes to skip "
                  "this question)")
        raise typer.Exit(ExitCode.ABORTED)
