"""Reading the mirror for reports: read-only SQLAlchemy Core over the tables and columns that
docs/schema.md documents (the mirror's public contract), never the mirror's own code, so the
report keeps working while the mirror's insides move.

SQLite is opened read-only (``mode=ro``); PostgreSQL sessions are read-only
(``default_transaction_read_only``). A report can never change the mirror.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from intervals_icu.errors import ConfigurationError

__all__ = [
    "ActivityRow",
    "AthleteRow",
    "EventRow",
    "MirrorSource",
    "MirrorUnavailable",
    "NotMirrored",
    "StreamRef",
    "WellnessRow",
]


class MirrorUnavailable(ConfigurationError):
    """The mirror database cannot be opened, or holds no mirror yet."""


class NotMirrored(ConfigurationError):
    """An athlete asked for is not in the mirror."""


def _t(name: str, *columns: sa.ColumnClause[Any]) -> sa.TableClause:
    return sa.table(name, *columns)


def _c(name: str, type_: Any = None) -> sa.ColumnClause[Any]:
    return sa.column(name, type_)


# The documented columns a report reads (docs/schema.md). tests/report/test_source.py checks
# each against the tables a mirror creates.
ATHLETES = _t("athletes", _c("athlete_id", sa.String), _c("name", sa.Text),
              _c("timezone", sa.String), _c("is_self", sa.Boolean), _c("deleted_at", sa.DateTime))
WELLNESS = _t("wellness", _c("athlete_id", sa.String), _c("day", sa.Date),
              _c("ctl", sa.Float), _c("atl", sa.Float), _c("ramp_rate", sa.Float),
              _c("hrv", sa.Float), _c("resting_hr", sa.Integer), _c("weight", sa.Float),
              _c("sleep_secs", sa.Integer), _c("deleted_at", sa.DateTime))
ACTIVITIES = _t("activities", _c("athlete_id", sa.String), _c("activity_id", sa.String),
                _c("local_date", sa.Date), _c("type", sa.String), _c("name", sa.Text),
                _c("is_strava_stub", sa.Boolean), _c("distance", sa.Float),
                _c("moving_time", sa.Integer), _c("icu_training_load", sa.Integer),
                _c("race", sa.Boolean), _c("paired_event_id", sa.BigInteger),
                _c("deleted_at", sa.DateTime))
EVENTS = _t("events", _c("athlete_id", sa.String), _c("event_id", sa.BigInteger),
            _c("category", sa.String), _c("type", sa.String), _c("name", sa.Text),
            _c("local_date", sa.Date), _c("moving_time", sa.Integer),
            _c("distance", sa.Float), _c("icu_training_load", sa.Integer),
            _c("deleted_at", sa.DateTime))
STREAMS = _t("streams", _c("athlete_id", sa.String), _c("activity_id", sa.String),
             _c("stream_type", sa.String), _c("encoding", sa.String),
             _c("data", sa.LargeBinary), _c("fingerprint", sa.String),
             _c("deleted_at", sa.DateTime))
TABLES = (ATHLETES, WELLNESS, ACTIVITIES, EVENTS, STREAMS)
ACTIVITY_CURVES = _t("activity_curves", _c("athlete_id", sa.String),
                     _c("activity_id", sa.String), _c("streams_key", sa.String),
                     _c("curves", sa.JSON))
OPTIONAL_TABLES = (ACTIVITY_CURVES,)
"""Read when the mirror has them (a mirror not migrated since they were added has not)."""


@dataclass(frozen=True)
class AthleteRow:
    athlete_id: str
    name: str | None
    timezone: str | None
    is_self: bool

    @property
    def label(self) -> str:
        return f"{self.name} ({self.athlete_id})" if self.name else self.athlete_id


@dataclass(frozen=True)
class WellnessRow:
    day: date
    ctl: float | None
    atl: float | None
    ramp_rate: float | None
    hrv: float | None
    resting_hr: int | None
    weight: float | None
    sleep_secs: int | None


@dataclass(frozen=True)
class ActivityRow:
    activity_id: str
    day: date
    type: str | None
    name: str | None
    distance: float | None
    moving_time: int | None
    load: int | None
    race: bool
    paired_event_id: int | None


@dataclass(frozen=True)
class EventRow:
    event_id: int
    day: date
    category: str
    type: str | None
    name: str | None
    moving_time: int | None
    distance: float | None
    load: int | None


@dataclass(frozen=True)
class StreamRef:
    """Where an activity's stream is, and its content hash (a cache key for what is computed
    from it)."""

    activity_id: str
    stream_type: str
    fingerprint: str


def _live(table: sa.TableClause) -> Any:
    return table.c.deleted_at.is_(None)


def _read_only_engine(url: str, schema: str | None) -> sa.Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigurationError(
            f"{url!r} is not a database URL: use e.g. 'sqlite:///icu.db' or "
            "'postgresql+psycopg://user@localhost/icu'") from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).expanduser().is_file():
            raise MirrorUnavailable(
                f"there is no mirror at {url}: sync one first (`icu sync`, or `icu sync "
                "--db URL` for another database)")
        path = Path(database).expanduser().resolve()
        # The URI form is how SQLite opens a file read-only.
        parsed = sa.engine.make_url(
            f"sqlite:///file:{quote(str(path))}?mode=ro&uri=true")
    elif parsed.get_backend_name() == "postgresql":
        options = "-c default_transaction_read_only=on"
        if schema is not None:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
                raise ConfigurationError(f"{schema!r} is not a schema name (letters, digits "
                                         "and _)")
            options += f" -c search_path={schema}"
        kwargs["connect_args"] = {"options": options}
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            f"the driver for {parsed.get_backend_name()} is not installed ({exc.name}): "
            "pip install 'intervals-icu[postgres]' for PostgreSQL") from exc
    return engine


class MirrorSource:
    """The mirror's records a report draws, read-only.

    ``url`` is the mirror's SQLAlchemy URL; ``schema`` the PostgreSQL schema it was created in
    (``Mirror(..., schema=...)``), if any.
    """

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self.engine = _read_only_engine(url, schema)
        self._tables: set[str] | None = None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> MirrorSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def safe_url(self) -> str:
        """The URL without its password (for captions and messages)."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def _rows(self, query: Any) -> list[tuple[Any, ...]]:
        self._check_tables()
        try:
            with self.engine.connect() as conn:
                return [tuple(row) for row in conn.execute(query).all()]
        except sa.exc.OperationalError as exc:
            raise MirrorUnavailable(
                f"cannot read the mirror at {self.safe_url}: {exc.orig}") from exc

    def _check_tables(self) -> None:
        if self._tables is not None:
            return
        try:
            with self.engine.connect() as conn:
                names = set(sa.inspect(conn).get_table_names(schema=self.schema))
        except sa.exc.OperationalError as exc:
            raise MirrorUnavailable(
                f"cannot open the mirror at {self.safe_url}: {exc.orig}") from exc
        missing = [t.name for t in TABLES if t.name not in names]
        if missing:
            raise MirrorUnavailable(
                f"{self.safe_url} is not a mirror (no table {', '.join(missing)}): sync into "
                "it first (`icu sync --db URL`)")
        self._tables = names

    # -- records ------------------------------------------------------------------------------

    def athletes(self) -> list[AthleteRow]:
        t = ATHLETES
        rows = self._rows(sa.select(t.c.athlete_id, t.c.name, t.c.timezone, t.c.is_self)
                          .where(_live(t)).order_by(t.c.name, t.c.athlete_id))
        return [AthleteRow(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def athlete(self, athlete_id: str) -> AthleteRow:
        for row in self.athletes():
            if row.athlete_id == athlete_id:
                return row
        known = ", ".join(a.athlete_id for a in self.athletes()) or "none"
        raise NotMirrored(f"athlete {athlete_id} is not in the mirror at {self.safe_url} "
                          f"(mirrored: {known}): sync them first (`icu sync --athlete "
                          f"{athlete_id}`)")

    def wellness(self, athlete_id: str, first: date | None = None,
                 last: date | None = None) -> list[WellnessRow]:
        t = WELLNESS
        query = sa.select(t.c.day, t.c.ctl, t.c.atl, t.c.ramp_rate, t.c.hrv, t.c.resting_hr,
                          t.c.weight, t.c.sleep_secs).where(
            t.c.athlete_id == athlete_id, _live(t)).order_by(t.c.day)
        query = _between(query, t.c.day, first, last)
        return [WellnessRow(*r) for r in self._rows(query)]

    def activities(self, athlete_id: str, first: date | None = None,
                   last: date | None = None) -> list[ActivityRow]:
        """Activities with a summary (Strava stubs have none), oldest first."""
        t = ACTIVITIES
        query = sa.select(t.c.activity_id, t.c.local_date, t.c.type, t.c.name, t.c.distance,
                          t.c.moving_time, t.c.icu_training_load, t.c.race,
                          t.c.paired_event_id).where(
            t.c.athlete_id == athlete_id, _live(t), sa.not_(t.c.is_strava_stub)
        ).order_by(t.c.local_date, t.c.activity_id)
        query = _between(query, t.c.local_date, first, last)
        return [ActivityRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8])
                for r in self._rows(query)]

    def last_activity_day(self, athlete_id: str) -> date | None:
        t = ACTIVITIES
        rows = self._rows(sa.select(sa.func.max(t.c.local_date)).where(
            t.c.athlete_id == athlete_id, _live(t)))
        value = rows[0][0] if rows else None
        if isinstance(value, str):  # max() loses the column type on SQLite
            return date.fromisoformat(value)
        return value if isinstance(value, date) else None

    def events(self, athlete_id: str, first: date | None = None, last: date | None = None,
               categories: Iterable[str] | None = None) -> list[EventRow]:
        t = EVENTS
        query = sa.select(t.c.event_id, t.c.local_date, t.c.category, t.c.type, t.c.name,
                          t.c.moving_time, t.c.distance, t.c.icu_training_load).where(
            t.c.athlete_id == athlete_id, _live(t)).order_by(t.c.local_date, t.c.event_id)
        if categories is not None:
            query = query.where(t.c.category.in_(list(categories)))
        query = _between(query, t.c.local_date, first, last)
        return [EventRow(*r) for r in self._rows(query)]

    # -- streams ------------------------------------------------------------------------------

    def stored_curves(self, athlete_id: str, activity_ids: Sequence[str]
                      ) -> dict[str, tuple[str, dict[str, dict[str, float]]]]:
        """The best efforts the sync stored with these activities' streams: ``activity_id ->
        (streams_key, curves)`` (docs/schema.md, ``activity_curves``); none when the mirror
        has no such table yet."""
        self._check_tables()
        if ACTIVITY_CURVES.name not in (self._tables or set()):
            return {}
        t = ACTIVITY_CURVES
        found: dict[str, tuple[str, dict[str, dict[str, float]]]] = {}
        for chunk in _chunks(activity_ids, 500):
            query = sa.select(t.c.activity_id, t.c.streams_key, t.c.curves).where(
                t.c.athlete_id == athlete_id, t.c.activity_id.in_(chunk))
            for activity_id, key, curves in self._rows(query):
                found[activity_id] = (key, json.loads(curves) if isinstance(curves, str)
                                      else curves)
        return found

    def stream_refs(self, athlete_id: str, activity_ids: Sequence[str],
                    types: Sequence[str]) -> list[StreamRef]:
        """Which of these streams the mirror holds (``icu sync --streams``), without data."""
        t = STREAMS
        found: list[StreamRef] = []
        for chunk in _chunks(activity_ids, 500):
            query = sa.select(t.c.activity_id, t.c.stream_type, t.c.fingerprint).where(
                t.c.athlete_id == athlete_id, _live(t), t.c.activity_id.in_(chunk),
                t.c.stream_type.in_(list(types)))
            found.extend(StreamRef(*r) for r in self._rows(query))
        return found

    def stream_data(self, athlete_id: str, activity_ids: Sequence[str],
                    types: Sequence[str]) -> Iterator[tuple[str, dict[str, list[Any]]]]:
        """``(activity_id, {stream_type: values})`` one activity at a time (memory stays at
        one batch of activities)."""
        t = STREAMS
        for chunk in _chunks(activity_ids, 50):
            query = sa.select(t.c.activity_id, t.c.stream_type, t.c.encoding, t.c.data).where(
                t.c.athlete_id == athlete_id, _live(t), t.c.activity_id.in_(chunk),
                t.c.stream_type.in_(list(types))).order_by(t.c.activity_id)
            grouped: dict[str, dict[str, list[Any]]] = {}
            for activity_id, stream_type, encoding, data in self._rows(query):
                grouped.setdefault(activity_id, {})[stream_type] = decode_stream(encoding, data)
            yield from grouped.items()


def decode_stream(encoding: str, data: bytes) -> list[Any]:
    """A stream's values as docs/schema.md describes them (``json+zlib``)."""
    if encoding != "json+zlib":
        raise MirrorUnavailable(f"a stream is stored as {encoding!r}, which this version "
                                "cannot read: upgrade intervals-icu")
    values = json.loads(zlib.decompress(data))
    return values if isinstance(values, list) else []


def _between(query: Any, column: Any, first: date | None, last: date | None) -> Any:
    if first is not None:
        query = query.where(column >= first)
    if last is not None:
        query = query.where(column <= last)
    return query


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start:start + size])
