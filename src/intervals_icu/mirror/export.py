"""Exports from the mirror to CSV or Parquet, streamed: memory stays bounded by one batch of
rows (tables) or one activity (streams), whatever the size of the database.

    from intervals_icu.mirror import Store
    from intervals_icu.mirror.export import export_table, export_streams

    store = Store("sqlite:///icu.db")
    export_table(store, "activities", "activities.parquet", format="parquet", since="2025-01-01")
    export_streams(store, "ride.csv", activity_id="i140254351")

These are what ``icu export`` calls. Deleted records are left out unless asked for.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Literal

import sqlalchemy as sa

from intervals_icu.dates import LocalDate, parse_local_date
from intervals_icu.errors import ConfigurationError, InvalidRequestError
from intervals_icu.mirror import schema
from intervals_icu.mirror.store import Store, decode_stream

__all__ = [
    "EXPORTABLE",
    "ExportResult",
    "export_streams",
    "export_table",
    "stream_columns",
]

Format = Literal["csv", "parquet"]
Destination = str | Path | IO[bytes]

EXPORTABLE = ("activities", "wellness", "events", "intervals")
"""Tables ``export_table`` knows (streams have their own, pivoted export)."""

_BOOKKEEPING = {"record", "fingerprint", "first_seen_at", "checked_at", "run_id",
                "detail_fingerprint", "intervals_fingerprint", "streams_fingerprint",
                "files_fingerprint", "deleted_at"}
_DATE_COLUMN = {"activities": "local_date", "wellness": "day", "events": "local_date"}
_BOOLEAN_STREAMS = frozenset({"moving"})


@dataclass(frozen=True)
class ExportResult:
    rows: int
    columns: list[str]
    path: Path | None
    """The file written, or None when the destination was a file object."""


def _store(source: Store | str | Any) -> Store:
    if isinstance(source, Store):
        return source
    if isinstance(source, str):
        return Store(source)
    store = getattr(source, "store", None)  # a Mirror
    if isinstance(store, Store):
        return store
    raise ConfigurationError(
        f"export needs a Store, a Mirror or a database URL, got {type(source).__name__}"
    )


def _check_format(format: str) -> Format:
    if format not in ("csv", "parquet"):
        raise InvalidRequestError(f"format must be 'csv' or 'parquet', got {format!r}")
    return format  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# tables


def export_table(
    source: Store | str | Any,
    what: str,
    dest: Destination,
    *,
    format: str = "csv",
    since: LocalDate | None = None,
    athlete_id: str | None = None,
    activity_id: str | None = None,
    include_deleted: bool = False,
    include_record: bool = False,
    batch_rows: int = 2000,
) -> ExportResult:
    """Write ``activities``, ``wellness``, ``events`` or ``intervals`` rows to ``dest``.

    ``since`` keeps records on or after a local date (intervals: of activities since then);
    ``activity_id`` limits intervals to one activity (laps/intervals of a run, for example);
    ``include_record`` adds the full API record as a JSON text column.
    """
    if what not in EXPORTABLE:
        raise InvalidRequestError(
            f"cannot export {what!r}: choose one of {', '.join(EXPORTABLE)} "
            "(streams: export_streams)"
        )
    fmt = _check_format(format)
    store = _store(source)
    table = schema.DATA_TABLES[what]
    columns = [c for c in table.columns if c.name not in _BOOKKEEPING]
    if include_deleted:
        columns.append(table.c.deleted_at)
    if include_record:
        columns.append(table.c.record)
    query = sa.select(*columns)
    if not include_deleted:
        query = query.where(table.c.deleted_at.is_(None))
    if athlete_id is not None:
        query = query.where(table.c.athlete_id == athlete_id)
    if what == "intervals":
        if activity_id is not None:
            query = query.where(table.c.activity_id == activity_id)
        if since is not None:
            acts = schema.activities
            query = query.where(sa.tuple_(table.c.athlete_id, table.c.activity_id).in_(
                sa.select(acts.c.athlete_id, acts.c.activity_id).where(
                    acts.c.local_date >= parse_local_date(since))))
        query = query.order_by(table.c.athlete_id, table.c.activity_id, table.c.kind,
                               table.c.start_index)
    else:
        if activity_id is not None:
            raise InvalidRequestError("activity_id only applies to intervals")
        date_column = table.c[_DATE_COLUMN[what]]
        if since is not None:
            query = query.where(date_column >= parse_local_date(since))
        query = query.order_by(table.c.athlete_id, date_column)
    names = [c.name for c in columns]
    writer = _Writer(dest, fmt, names, _arrow_types(columns) if fmt == "parquet" else None)
    rows = 0
    with store.engine.connect() as conn, writer:
        result = conn.execution_options(stream_results=True, yield_per=batch_rows).execute(
            query)
        for partition in result.partitions(batch_rows):
            batch = [[_plain(v) for v in row] for row in partition]
            writer.write(batch)
            rows += len(batch)
    return ExportResult(rows, names, writer.path)


def _plain(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value


def _arrow_types(columns: Sequence[sa.Column[Any]]) -> list[Any]:
    import pyarrow as pa

    found = []
    for column in columns:
        kind = column.type
        if isinstance(kind, sa.Boolean):
            found.append(pa.bool_())
        elif isinstance(kind, (sa.Integer, sa.BigInteger)):
            found.append(pa.int64())
        elif isinstance(kind, sa.Float):
            found.append(pa.float64())
        elif isinstance(kind, sa.DateTime):
            found.append(pa.timestamp("us", tz="UTC") if kind.timezone else pa.timestamp("us"))
        elif isinstance(kind, sa.Date):
            found.append(pa.date32())
        else:
            found.append(pa.string())
    return found


# ---------------------------------------------------------------------------------------------
# streams


def stream_columns(store: Store, *, athlete_id: str | None = None,
                   activity_id: str | None = None, since: LocalDate | None = None) -> list[str]:
    """The stream types present in a selection (``latlng`` becomes ``lat`` and ``lng``)."""
    t = schema.streams
    query = sa.select(t.c.stream_type).distinct().where(t.c.deleted_at.is_(None))
    query = _stream_filter(query, athlete_id, activity_id, since)
    with store.engine.connect() as conn:
        types = sorted(row[0] for row in conn.execute(query))
    columns: list[str] = []
    for name in (["time"] if "time" in types else []) + [n for n in types if n != "time"]:
        columns.extend(["lat", "lng"] if name == "latlng" else [name])
    return columns


def _stream_filter(query: Any, athlete_id: str | None, activity_id: str | None,
                   since: LocalDate | None) -> Any:
    t = schema.streams
    if athlete_id is not None:
        query = query.where(t.c.athlete_id == athlete_id)
    if activity_id is not None:
        query = query.where(t.c.activity_id == activity_id)
    if since is not None:
        acts = schema.activities
        query = query.where(sa.tuple_(t.c.athlete_id, t.c.activity_id).in_(
            sa.select(acts.c.athlete_id, acts.c.activity_id).where(
                acts.c.local_date >= parse_local_date(since), acts.c.deleted_at.is_(None))))
    return query


def export_streams(
    source: Store | str | Any,
    dest: Destination,
    *,
    activity_id: str | None = None,
    since: LocalDate | None = None,
    athlete_id: str | None = None,
    format: str = "csv",
) -> ExportResult:
    """One row per sample: ``athlete_id, activity_id, sample`` then one column per stream.

    Give ``activity_id`` (one activity) or ``since`` (every activity from that local date);
    activities are written one at a time, so memory holds one activity's streams at most.
    """
    if activity_id is None and since is None:
        raise InvalidRequestError(
            "say which streams: activity_id='i123' for one activity, or since='2025-01-01'"
        )
    fmt = _check_format(format)
    store = _store(source)
    stream_names = stream_columns(store, athlete_id=athlete_id, activity_id=activity_id,
                                  since=since)
    names = ["athlete_id", "activity_id", "sample", *stream_names]
    types = None
    if fmt == "parquet":
        import pyarrow as pa

        types = [pa.string(), pa.string(), pa.int64()] + [
            pa.bool_() if n in _BOOLEAN_STREAMS else pa.float64() for n in stream_names]
    writer = _Writer(dest, fmt, names, types)
    rows = 0
    with writer:
        for athlete, activity, samples in _activity_streams(store, athlete_id, activity_id,
                                                            since):
            length = max((len(v) for v in samples.values()), default=0)
            columns = [samples.get(name) for name in stream_names]
            if fmt == "parquet":
                fixed: list[list[Any]] = [[athlete] * length, [activity] * length,
                                          list(range(length))]
                writer.write_columns(fixed + [
                    _numeric(col, length, boolean=name in _BOOLEAN_STREAMS)
                    for name, col in zip(stream_names, columns, strict=True)])
            else:
                writer.write([
                    [athlete, activity, index, *(
                        (col[index] if col is not None and index < len(col) else None)
                        for col in columns)]
                    for index in range(length)
                ])
            rows += length
    return ExportResult(rows, names, writer.path)


def _activity_streams(store: Store, athlete_id: str | None, activity_id: str | None,
                      since: LocalDate | None) -> Iterator[tuple[str, str, dict[str, list[Any]]]]:
    t = schema.streams
    keys_query = _stream_filter(
        sa.select(t.c.athlete_id, t.c.activity_id).distinct().where(t.c.deleted_at.is_(None)),
        athlete_id, activity_id, since,
    ).order_by(t.c.athlete_id, t.c.activity_id)
    with store.engine.connect() as conn:
        keys = [(row[0], row[1]) for row in conn.execute(keys_query)]
        for athlete, activity in keys:
            samples: dict[str, list[Any]] = {}
            for row in conn.execute(sa.select(t.c.stream_type, t.c.data, t.c.data2).where(
                t.c.athlete_id == athlete, t.c.activity_id == activity,
                t.c.deleted_at.is_(None),
            )):
                data = decode_stream(row[1]) or []
                if row[0] == "latlng":
                    samples["lat"] = data
                    samples["lng"] = decode_stream(row[2]) or []
                else:
                    samples[row[0]] = data
            yield athlete, activity, samples


def _numeric(values: list[Any] | None, length: int, *, boolean: bool) -> list[Any]:
    if values is None:
        return [None] * length
    out: list[Any] = []
    for index in range(length):
        value = values[index] if index < len(values) else None
        if value is None:
            out.append(None)
        elif boolean:
            out.append(bool(value))
        elif isinstance(value, (int, float)):
            out.append(float(value))
        else:  # arrays (e.g. left/right pairs) have no single number
            out.append(None)
    return out


# ---------------------------------------------------------------------------------------------
# writing CSV or Parquet incrementally


class _Writer:
    def __init__(self, dest: Destination, fmt: Format, names: list[str],
                 types: list[Any] | None) -> None:
        self.fmt = fmt
        self.names = names
        self.path = Path(dest) if isinstance(dest, (str, Path)) else None
        self._dest = dest
        self._types = types
        self._file: IO[bytes] | None = None
        self._text: io.TextIOWrapper | None = None
        self._csv: Any = None
        self._parquet: Any = None

    def __enter__(self) -> _Writer:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("wb")
            target: IO[bytes] = self._file
        else:
            target = self._dest  # type: ignore[assignment]
        if self.fmt == "csv":
            self._text = io.TextIOWrapper(target, encoding="utf-8", newline="",
                                          write_through=True)
            self._csv = csv.writer(self._text)
            self._csv.writerow(self.names)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            self._schema = pa.schema(list(zip(self.names, self._types or [], strict=True)))
            self._parquet = pq.ParquetWriter(target, self._schema, compression="zstd")
        return self

    def write(self, rows: list[list[Any]]) -> None:
        if not rows:
            return
        if self.fmt == "csv":
            self._csv.writerows([[_csv_cell(v) for v in row] for row in rows])
            return
        self.write_columns([list(col) for col in zip(*rows, strict=True)])

    def write_columns(self, columns: list[list[Any]]) -> None:
        import pyarrow as pa

        if not columns or not columns[0]:
            return
        arrays = [pa.array(col, type=kind)
                  for col, kind in zip(columns, self._schema.types, strict=True)]
        self._parquet.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def __exit__(self, *exc: object) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._text is not None:
            self._text.flush()
            self._text.detach()  # leave a caller's file object open
        if self._file is not None:
            self._file.close()


def _csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value
