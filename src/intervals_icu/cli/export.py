"""``icu export activities|wellness|events|intervals|streams``: the mirror as CSV or Parquet
(run ``icu sync`` first). Streamed: memory stays small whatever the database size."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from intervals_icu.cli.output import Out, command_group
from intervals_icu.cli.sync import DbOpt

app = command_group(no_args_is_help=True)


class Format(enum.StrEnum):
    csv = "csv"
    parquet = "parquet"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="csv or parquet.")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="File to write (default: stdout for CSV, <what>.parquet for Parquet).")]
SinceOpt = Annotated[str | None, typer.Option("--since", metavar="DATE",
                                              help="Only records on or after this local date.")]
AthleteFilter = Annotated[str | None, typer.Option(
    "--athlete", "-a", metavar="ID", help="Only this athlete (default: every athlete mirrored).")]


def _destination(output: Path | None, fmt: Format, what: str) -> Any:
    import sys

    if output is not None and str(output) != "-":
        return output
    if fmt is Format.parquet:
        return Path(f"{what}.parquet")
    sys.stdout.flush()
    return sys.stdout.buffer


def _done(out: Out, result: Any, what: str) -> None:
    import sys

    sys.stdout.flush()
    where = f" to {result.path}" if result.path is not None else ""
    out.note(f"exported {result.rows} {what} row(s){where}")


def _table(what: str) -> Any:
    def command(
        db: DbOpt = None,
        fmt: FormatOpt = Format.csv,
        output: OutputOpt = None,
        since: SinceOpt = None,
        athlete: AthleteFilter = None,
        deleted: Annotated[bool, typer.Option(
            "--include-deleted", help="Also records deleted on the platform (deleted_at set).")
        ] = False,
    ) -> None:
        from intervals_icu.cli.sync import database_url
        from intervals_icu.mirror import Store
        from intervals_icu.mirror.export import export_table

        out = Out()
        with _closing(Store(database_url(db))) as store:
            result = export_table(store, what, _destination(output, fmt, what),
                                  format=fmt.value, since=since, athlete_id=athlete,
                                  include_deleted=deleted)
        _done(out, result, what)

    command.__doc__ = f"Export mirrored {what} as CSV or Parquet."
    command.__name__ = f"export_{what}"
    return command


def _closing(store: Any) -> Any:
    import contextlib

    return contextlib.closing(store)


for _what in ("activities", "wellness", "events", "intervals"):
    app.command(_what)(_table(_what))


@app.command("streams")
def streams(
    activity: Annotated[str | None, typer.Option("--activity", metavar="ID",
                                                 help="One activity.")] = None,
    since: SinceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = Format.csv,
    output: OutputOpt = None,
    athlete: AthleteFilter = None,
) -> None:
    """Export mirrored streams: one row per sample, one column per stream (sync with
    --streams first). Give --activity ID or --since DATE."""
    from intervals_icu.cli.sync import database_url
    from intervals_icu.mirror import Store
    from intervals_icu.mirror.export import export_streams

    if activity is None and since is None:
        raise typer.BadParameter("give --activity ID or --since DATE")
    out = Out()
    with _closing(Store(database_url(db))) as store:
        if activity is not None:
            _check_streams_mirrored(out, store, activity, athlete)
        result = export_streams(store, _destination(output, fmt, "streams"),
                                activity_id=activity, since=since, athlete_id=athlete,
                                format=fmt.value)
        if result.rows == 0 and activity is None and not _any_streams(store, athlete):
            out.warn("no streams are mirrored: run `icu sync --streams` first")
    _done(out, result, "stream sample")


def _check_streams_mirrored(out: Out, store: Any, activity_id: str,
                            athlete_id: str | None) -> None:
    """Stop with a reason before writing an empty file for an activity whose streams the
    mirror does not have."""
    import sqlalchemy as sa

    from intervals_icu.cli.output import ExitCode
    from intervals_icu.mirror import schema

    t = schema.activities
    query = sa.select(t.c.streams_fingerprint, t.c.deleted_at, t.c.is_strava_stub).where(
        t.c.activity_id == activity_id)
    if athlete_id:
        query = query.where(t.c.athlete_id == athlete_id)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
        samples = conn.execute(sa.select(sa.func.count()).select_from(schema.streams).where(
            schema.streams.c.activity_id == activity_id)).scalar_one()
    if row is None:
        out.error(f"activity {activity_id} is not in the mirror ({store!r}): run `icu sync` "
                  "first, or check the id (`icu export activities`)")
        raise typer.Exit(ExitCode.NOT_FOUND)
    if row[2] and samples == 0:
        out.error(f"activity {activity_id} came from Strava: the API does not serve its "
                  "streams (nor anything but a stub), so the mirror cannot have them")
        raise typer.Exit(ExitCode.NOT_FOUND)
    if row[1] is not None:
        out.warn(f"activity {activity_id} was deleted on the platform; exporting what the "
                 "mirror kept")
    elif row[0] is None and samples == 0:
        out.error(f"the streams of activity {activity_id} are not mirrored yet: run "
                  "`icu sync --streams`")
        raise typer.Exit(ExitCode.NOT_FOUND)
    elif samples == 0:
        out.warn(f"activity {activity_id} has no streams (a manual entry?)")


def _any_streams(store: Any, athlete_id: str | None) -> bool:
    import sqlalchemy as sa

    from intervals_icu.mirror import schema

    query = sa.select(schema.streams.c.activity_id).limit(1)
    if athlete_id:
        query = query.where(schema.streams.c.athlete_id == athlete_id)
    with store.engine.connect() as conn:
        return conn.execute(query).first() is not None
