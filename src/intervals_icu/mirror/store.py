"""The mirror's database: opening it (migrations included) and the transactional write paths.

Every write is one transaction that carries the rows *and* the saved position that says they
were read (the dlt/Singer habit), so a run killed at any instant leaves either both or
neither. Writes are idempotent upserts keyed by the API's ids: applying the same batch twice
changes nothing the second time. Rows are never deleted by a sync; a record that vanished
gets ``deleted_at``, and comes back (``restored``) if it reappears.

The store is synchronous (SQLAlchemy Core); the async engine calls it from one writer thread.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from intervals_icu.database import open_engine
from intervals_icu.errors import ConfigurationError
from intervals_icu.mirror import schema
from intervals_icu.mirror.fingerprint import (
    canonical_json,
    changed_fields,
    fingerprint,
    scan_projection,
)
from intervals_icu.mirror.records import interval_rows
from intervals_icu.mirror.ripple import RIPPLE_KINDS, earliest, ripple_day
from intervals_icu.mirror.sql import (
    Child,
    ChildCounts,
    aware,
    change_row,
    chunks,
    primary_key,
    replace_children,
    upsert,
    upsert_many,
)

__all__ = [
    "KEY_COLUMNS",
    "AccessStatus",
    "DetailWrite",
    "RecordWrite",
    "StateUpdate",
    "Store",
    "SyncPosition",
    "WriteCounts",
    "decode_stream",
    "default_database_url",
    "encode_stream",
]

KEY_COLUMNS: dict[str, str] = {
    "athletes": "athlete_id",
    "activities": "activity_id",
    "wellness": "day",
    "events": "event_id",
    "gear": "gear_id",
    "sport_settings": "settings_id",
}
"""The column holding each table's record id (with ``athlete_id``, the primary key)."""

def default_database_url() -> str:
    """``sqlite:///<user data dir>/intervals-icu/mirror.db`` (the directory is created)."""
    import platformdirs

    folder = Path(platformdirs.user_data_dir("intervals-icu", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mirror.db'}"


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------------
# What a transaction writes


@dataclass
class RecordWrite:
    """One record as read from the API, ready to upsert."""

    key: Any
    record: dict[str, Any]
    columns: dict[str, Any]
    fingerprint: str
    extra: dict[str, Any] = field(default_factory=dict)
    """More columns written with the record (e.g. an activity's detail fingerprint)."""


@dataclass
class StateUpdate:
    """A change to a kind's saved position, written in the same transaction as its rows."""

    kind: str
    covered_from: date | None = None
    covered_to: date | None = None
    history_complete: bool | None = None
    deep_checked: bool = False
    success: bool = False
    error: str | None = None
    clear_error: bool = False
    clear_reread: bool = False
    """The kind was re-read from ``reread_from`` (or further back): forget it."""


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    restored: int = 0
    deleted: int = 0
    unchanged: int = 0
    changed_keys: list[Any] = field(default_factory=list)
    ripple_from: date | None = None
    """Activities: the oldest day whose fitness these writes moved (saved as
    ``reread_from`` in the same transaction), if any."""

    def add(self, other: WriteCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.restored += other.restored
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        self.changed_keys.extend(other.changed_keys)
        self.ripple_from = earliest(self.ripple_from, other.ripple_from)


@dataclass
class DetailWrite:
    """An activity's details, read together; each part is optional.

    ``intervals``/``groups`` (lists of interval dicts) replace the stored set; ``streams``
    (list of stream dicts) replaces the stored streams; ``file`` records a downloaded file.
    ``marks`` sets the activity's ``*_fingerprint`` columns (which details are up to date).
    """

    athlete_id: str
    activity_id: str
    marks: dict[str, str]
    intervals: list[dict[str, Any]] | None = None
    groups: list[dict[str, Any]] | None = None
    streams: list[dict[str, Any]] | None = None
    file: dict[str, Any] | None = None
    summary: RecordWrite | None = None
    """A fresher summary read along with the details (upserted too)."""


@dataclass(frozen=True)
class SyncPosition:
    """Where one kind of one athlete's records stands (``sync_state``)."""

    athlete_id: str
    kind: str
    covered_from: date | None = None
    covered_to: date | None = None
    history_complete: bool = False
    deep_checked_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    reread_from: date | None = None
    """A change found on this day moved later numbers: re-read from here in full."""


@dataclass(frozen=True)
class AccessStatus:
    """Whether the mirror's credentials can read an athlete (``athlete_access``)."""

    athlete_id: str
    lost_at: datetime | None
    """Since when they cannot (None: they can)."""
    reason: str | None
    regained_at: datetime | None

    @property
    def lost(self) -> bool:
        return self.lost_at is not None


# ---------------------------------------------------------------------------------------------
# Streams: compact storage


def encode_stream(values: Any) -> bytes:
    """A stream's values as zlib-compressed JSON (compact, portable, readable anywhere)."""
    return zlib.compress(json.dumps(values, separators=(",", ":")).encode(), 6)


def decode_stream(blob: bytes | None) -> Any:
    if blob is None:
        return None
    return json.loads(zlib.decompress(blob))


# ---------------------------------------------------------------------------------------------


class Store:
    """A mirror database. ``url`` is any SQLAlchemy URL (``sqlite:///icu.db``,
    ``postgresql+psycopg://user@host/db``); ``schema`` puts every table in that PostgreSQL
    schema (created if missing), e.g. one per test run."""

    def __init__(self, url: str | None = None, *, schema: str | None = None,
                 migrate: bool = True) -> None:
        self.url = url or default_database_url()
        self.schema = schema
        self.engine = _make_engine(self.url, schema)
        if migrate:
            self.migrate()

    # -- lifecycle ----------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the database to the newest schema (alembic ``upgrade head``)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        with self.engine.begin() as conn:
            if self.schema and conn.dialect.name == "postgresql":
                conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            if conn.dialect.name == "sqlite":
                # pysqlite sends DDL outside any transaction: a run killed while making the
                # schema left half of it, and every later run failed ("table ... already
                # exists"). SQLite's DDL is transactional once a transaction is open.
                conn.exec_driver_sql("BEGIN")
            config.attributes["connection"] = conn
            config.attributes["schema"] = self.schema
            command.upgrade(config, "head")

    def drop_schema(self) -> None:
        """Remove the PostgreSQL schema given at construction, with everything in it."""
        if not self.schema:
            raise ConfigurationError("drop_schema() needs the Store to have been given a schema")
        with self.engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))

    def close(self) -> None:
        self.engine.dispose()

    def connect(self) -> Any:
        return self.engine.connect()

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    # -- runs ---------------------------------------------------------------------------------

    def begin_run(self, options: Mapping[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.insert(schema.sync_runs).values(
                    started_at=utcnow(), status="running", options=dict(options)
                ).returning(schema.sync_runs.c.run_id)
            )
            return int(result.scalar_one())

    def finish_run(self, run_id: int, *, status: str, requests: int,
                   summary: Mapping[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(schema.sync_runs).where(schema.sync_runs.c.run_id == run_id).values(
                    finished_at=utcnow(), status=status, requests=requests,
                    summary=json.loads(canonical_json(summary)),
                )
            )

    def purge_runs(self, before: datetime) -> int:
        """Forget the ``sync_runs`` rows of runs that ended (or, killed, started) before
        ``before`` (time-zone aware); records keep their ``run_id``. The newest row always
        stays: SQLite would give its id to the next run. A long-running fleet calls this:
        it writes a row per job."""
        if before.tzinfo is None:
            raise ValueError("purge_runs(before=...) needs a time-zone-aware datetime (UTC)")
        t = schema.sync_runs
        newest = sa.select(sa.func.max(t.c.run_id)).scalar_subquery()
        with self.engine.begin() as conn:
            return int(conn.execute(t.delete().where(
                sa.func.coalesce(t.c.finished_at, t.c.started_at) < before,
                t.c.run_id < newest)).rowcount or 0)

    # -- positions ----------------------------------------------------------------------------

    def position(self, athlete_id: str, kind: str) -> SyncPosition:
        t = schema.sync_state
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t).where(t.c.athlete_id == athlete_id, t.c.kind == kind)
            ).mappings().first()
        if row is None:
            return SyncPosition(athlete_id, kind)
        return SyncPosition(
            athlete_id, kind, row["covered_from"], row["covered_to"],
            bool(row["history_complete"]), row["deep_checked_at"], row["last_success_at"],
            row["last_error"], row["reread_from"],
        )

    def positions(self, athlete_id: str | None = None) -> list[SyncPosition]:
        t = schema.sync_state
        query = sa.select(t.c.athlete_id, t.c.kind)
        if athlete_id is not None:
            query = query.where(t.c.athlete_id == athlete_id)
        with self.engine.connect() as conn:
            keys = conn.execute(query.order_by(t.c.athlete_id, t.c.kind)).all()
        return [self.position(a, s) for a, s in keys]

    def _write_state(self, conn: Connection, athlete_id: str, update: StateUpdate,
                     run_id: int | None, now: datetime) -> None:
        t = schema.sync_state
        values: dict[str, Any] = {"updated_at": now, "run_id": run_id}
        if update.covered_from is not None:
            values["covered_from"] = update.covered_from
        if update.covered_to is not None:
            values["covered_to"] = update.covered_to
        if update.history_complete is not None:
            values["history_complete"] = update.history_complete
        if update.deep_checked:
            values["deep_checked_at"] = now
        if update.success:
            values["last_success_at"] = now
            values["last_error"] = None
        if update.clear_error:
            values["last_error"] = None
        if update.clear_reread:
            values["reread_from"] = None
        if update.error is not None:
            values["last_error"] = update.error[:2000]
        where = (t.c.athlete_id == athlete_id, t.c.kind == update.kind)
        done = conn.execute(sa.update(t).where(*where).values(**values)).rowcount
        if not done:
            values.setdefault("history_complete", False)
            upsert(conn, t, {"athlete_id": athlete_id, "kind": update.kind, **values},
                    ["athlete_id", "kind"], values)

    def save_state(self, athlete_id: str, update: StateUpdate, run_id: int | None) -> None:
        with self.engine.begin() as conn:
            self._write_state(conn, athlete_id, update, run_id, utcnow())

    def mark_reread(self, athlete_id: str, kinds: Sequence[str], day: date,
                    run_id: int | None) -> None:
        """Remember, for each kind, to re-read it in full from ``day`` (or from an older
        day already remembered), in one transaction."""
        with self.engine.begin() as conn:
            self._mark_reread(conn, athlete_id, kinds, day, run_id, utcnow())

    def _mark_reread(self, conn: Connection, athlete_id: str, kinds: Sequence[str],
                     day: date, run_id: int | None, now: datetime) -> None:
        t = schema.sync_state
        for kind in kinds:
            where = (t.c.athlete_id == athlete_id, t.c.kind == kind)
            known = conn.execute(sa.select(t.c.reread_from).where(*where)).first()
            if known is None:
                self._write_state(conn, athlete_id, StateUpdate(kind), run_id, now)
            elif known[0] is not None and known[0] <= day:
                continue
            conn.execute(sa.update(t).where(*where).values(reread_from=day))

    def _coverage(self, conn: Connection, athlete_id: str,
                  kind: str) -> tuple[date | None, date | None]:
        t = schema.sync_state
        row = conn.execute(sa.select(t.c.covered_from, t.c.covered_to).where(
            t.c.athlete_id == athlete_id, t.c.kind == kind)).first()
        return (row[0], row[1]) if row is not None else (None, None)

    # -- reading what the mirror has ----------------------------------------------------------

    def live_keys(self, table_name: str, athlete_id: str, *, date_column: str | None = None,
                  oldest: date | None = None, newest: date | None = None) -> set[Any]:
        """Ids of the records not marked deleted, optionally within local dates (inclusive)."""
        t = schema.DATA_TABLES[table_name]
        key = t.c[KEY_COLUMNS[table_name]]
        query = sa.select(key).where(t.c.deleted_at.is_(None))
        if table_name != "athletes":
            query = query.where(t.c.athlete_id == athlete_id)
        if date_column is not None:
            column = t.c[date_column]
            if oldest is not None:
                query = query.where(column >= oldest)
            if newest is not None:
                query = query.where(column <= newest)
        with self.engine.connect() as conn:
            return {row[0] for row in conn.execute(query)}

    def scan_projections(self, athlete_id: str, oldest: date,
                         newest: date) -> dict[str, dict[str, Any]]:
        """Live activity id -> scan projection of the stored record, within local dates."""
        t = schema.activities
        query = sa.select(t.c.activity_id, t.c.record).where(
            t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None),
            t.c.local_date >= oldest, t.c.local_date <= newest)
        with self.engine.connect() as conn:
            return {row[0]: scan_projection(row[1])
                    for row in conn.execution_options(yield_per=500).execute(query)}

    def oldest_date(self, table_name: str, athlete_id: str, date_column: str) -> date | None:
        t = schema.DATA_TABLES[table_name]
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.min(t.c[date_column])).where(t.c.athlete_id == athlete_id)
            ).scalar()
        if isinstance(value, str):  # SQLite aggregates lose the column type
            return date.fromisoformat(value[:10])
        return value if isinstance(value, date) else None

    def activities_needing(self, athlete_id: str, mark: str) -> list[tuple[str, str, list[str]]]:
        """``(activity_id, detail_fingerprint, stream_types)`` of live, non-stub activities
        whose ``mark`` (``intervals_fingerprint``...) differs from their detail fingerprint,
        newest first."""
        t = schema.activities
        query = (
            sa.select(t.c.activity_id, t.c.detail_fingerprint, t.c.record)
            .where(
                t.c.athlete_id == athlete_id,
                t.c.deleted_at.is_(None),
                t.c.is_strava_stub.is_(False),
                sa.or_(t.c[mark].is_(None), t.c[mark] != t.c.detail_fingerprint),
            )
            .order_by(t.c.start_date_local.desc())
        )
        with self.engine.connect() as conn:
            return [
                (row[0], row[1], list((row[2] or {}).get("stream_types") or []))
                for row in conn.execute(query)
            ]

    def count_live(self, table_name: str, athlete_id: str, **where: Any) -> int:
        t = schema.DATA_TABLES[table_name]
        query = sa.select(sa.func.count()).select_from(t).where(
            t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None)
        )
        for name, value in where.items():
            query = query.where(t.c[name] == value)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def athlete_ids(self, *, include_forgotten: bool = False) -> list[str]:
        t = schema.athletes
        query = sa.select(t.c.athlete_id).order_by(t.c.athlete_id)
        if not include_forgotten:
            query = query.where(t.c.deleted_at.is_(None))
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def stored_profile(self, athlete_id: str) -> dict[str, Any] | None:
        """The stored profile of a live (not forgotten) athlete, or None."""
        t = schema.athletes
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.c.record).where(
                t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None))).first()
        return dict(row[0]) if row is not None else None

    def stream_preference(self, athlete_id: str) -> bool:
        """Whether this athlete's streams are mirrored (some were stored before)."""
        t = schema.streams
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(t.c.activity_id).where(t.c.athlete_id == athlete_id).limit(1)
            ).first() is not None

    # -- writing records ----------------------------------------------------------------------

    def apply_records(
        self,
        table_name: str,
        athlete_id: str,
        writes: Sequence[RecordWrite],
        *,
        tombstones: Iterable[Any] = (),
        state: StateUpdate | None = None,
        run_id: int | None = None,
    ) -> WriteCounts:
        """Upsert ``writes``, mark ``tombstones`` deleted and move the saved position, in one
        transaction. Returns what changed."""
        now = utcnow()
        with self.engine.begin() as conn:
            counts = self._apply(conn, table_name, athlete_id, writes, tombstones, run_id, now)
            if state is not None:
                self._write_state(conn, athlete_id, state, run_id, now)
        return counts

    def _apply(self, conn: Connection, table_name: str, athlete_id: str,
               writes: Sequence[RecordWrite], tombstones: Iterable[Any], run_id: int | None,
               now: datetime) -> WriteCounts:
        t = schema.DATA_TABLES[table_name]
        key_name = KEY_COLUMNS[table_name]
        key_col = t.c[key_name]
        scoped = table_name != "athletes"
        counts = WriteCounts()
        latest: dict[Any, RecordWrite] = {}
        for write in writes:
            latest[write.key] = write  # a page may repeat a record at its edge: last one wins
        existing = self._existing(conn, t, key_col, athlete_id if scoped else None,
                                  list(latest))
        log: list[dict[str, Any]] = []
        unchanged: list[Any] = []
        upserts: list[dict[str, Any]] = []
        rippling = table_name == "activities"
        covered = self._coverage(conn, athlete_id, "activities") if rippling else (None, None)
        ripples: list[date | None] = []
        for key, write in latest.items():
            old = existing.get(key)
            if rippling and (old is None or old[0] != write.fingerprint or old[1] is not None):
                live_before = old[2] if old is not None and old[1] is None else None
                ripples.append(ripple_day(live_before, write.record, covered_from=covered[0],
                                          covered_to=covered[1]))
            row = {key_name: key, **write.columns, **write.extra, "record": write.record,
                   "fingerprint": write.fingerprint, "checked_at": now, "deleted_at": None,
                   "run_id": run_id, "first_seen_at": now, "changed_at": now}
            if scoped:
                row["athlete_id"] = athlete_id
            if old is None:
                upserts.append(row)
                counts.created += 1
                counts.changed_keys.append(key)
                log.append(change_row(run_id, athlete_id, table_name, key, "created", now))
                continue
            old_fp, old_deleted, old_record = old
            if old_fp == write.fingerprint and old_deleted is None:
                unchanged.append(key)
                continue
            upserts.append(row)
            counts.changed_keys.append(key)
            if old_deleted is not None:
                counts.restored += 1
                log.append(change_row(run_id, athlete_id, table_name, key, "restored", now))
            if old_fp != write.fingerprint:
                fields = changed_fields(old_record or {}, write.record)
                if old_deleted is None:
                    counts.updated += 1
                log.append(change_row(
                    run_id, athlete_id, table_name, key, "updated", now, fields=fields,
                    before={f: (old_record or {}).get(f) for f in fields},
                    after={f: write.record.get(f) for f in fields},
                ))
        upsert_many(conn, t, upserts, primary_key(t), keep=("first_seen_at",))
        # Unchanged rows are not touched: a run that finds nothing new writes no record (when
        # a range was last confirmed is in sync_state: last_success_at, deep_checked_at).
        counts.unchanged += len(unchanged)
        doomed = [k for k in tombstones if k not in latest]
        for chunk in chunks(doomed):
            where: list[Any] = [key_col.in_(chunk), t.c.deleted_at.is_(None)]
            if scoped:
                where.append(t.c.athlete_id == athlete_id)
            found = conn.execute(sa.select(key_col, t.c.record).where(*where)).all()
            gone = [row[0] for row in found]
            if not gone:
                continue
            if rippling:
                ripples.extend(ripple_day(row[1], None, covered_from=None, covered_to=None)
                               for row in found)
            doomed_values: dict[str, Any] = {"deleted_at": now, "run_id": run_id}
            if table_name == "activities":
                # its details go with it; if it ever comes back they are read again
                doomed_values.update(intervals_fingerprint=None, streams_fingerprint=None,
                                     files_fingerprint=None)
                self.tombstone_activity_details(conn, athlete_id, gone, now)
            conn.execute(sa.update(t).where(*where).values(**doomed_values))
            counts.deleted += len(gone)
            counts.changed_keys.extend(gone)
            log.extend(change_row(run_id, athlete_id, table_name, k, "deleted", now) for k in gone)
        if log:
            conn.execute(sa.insert(schema.changes), log)
        counts.ripple_from = earliest(*ripples)
        if counts.ripple_from is not None:
            # Saved with the change itself: whatever stops after this commit, the next run
            # re-reads fitness from here (see mirror/ripple.py).
            self._mark_reread(conn, athlete_id, RIPPLE_KINDS, counts.ripple_from, run_id, now)
        return counts

    @staticmethod
    def _existing(conn: Connection, t: sa.Table, key_col: sa.Column[Any],
                  athlete_id: str | None, keys: list[Any]) -> dict[Any, tuple[str, Any, Any]]:
        found: dict[Any, tuple[str, Any, Any]] = {}
        for chunk in chunks(keys):
            query = sa.select(key_col, t.c.fingerprint, t.c.deleted_at, t.c.record).where(
                key_col.in_(chunk)
            )
            if athlete_id is not None:
                query = query.where(t.c.athlete_id == athlete_id)
            for row in conn.execute(query):
                found[row[0]] = (row[1], row[2], row[3])
        return found

    # -- writing details ----------------------------------------------------------------------

    def apply_details(self, detail: DetailWrite, *, run_id: int | None = None) -> WriteCounts:
        """Replace an activity's intervals and/or streams and mark them current, atomically."""
        now = utcnow()
        counts = WriteCounts()
        with self.engine.begin() as conn:
            if detail.summary is not None:
                counts.add(self._apply(conn, "activities", detail.athlete_id, [detail.summary],
                                       (), run_id, now))
            if detail.intervals is not None or detail.groups is not None:
                counts.add(self._replace_intervals(conn, detail, run_id, now))
            if detail.streams is not None:
                counts.add(self._replace_streams(conn, detail, run_id, now))
            if detail.file is not None:
                self._record_file(conn, detail, run_id, now)
            if detail.marks:
                t = schema.activities
                conn.execute(sa.update(t).where(
                    t.c.athlete_id == detail.athlete_id, t.c.activity_id == detail.activity_id
                ).values(**detail.marks))
        return counts

    def _replace_intervals(self, conn: Connection, detail: DetailWrite, run_id: int | None,
                           now: datetime) -> WriteCounts:
        children = [((kind, interval_id), {**columns, "record": record}, fingerprint(record))
                    for kind, interval_id, columns, record in interval_rows(
                        detail.intervals or [], detail.groups or [])]
        return _counted(replace_children(conn, schema.intervals, ("kind", "interval_id"),
                                         detail.athlete_id, detail.activity_id, children,
                                         run_id, now))

    def _replace_streams(self, conn: Connection, detail: DetailWrite, run_id: int | None,
                         now: datetime) -> WriteCounts:
        from intervals_icu.mirror.curves import store_curves

        children: list[Child] = []
        for stream in detail.streams or []:
            stream_type = str(stream.get("type") or "")
            if not stream_type:
                continue
            data, data2 = stream.get("data"), stream.get("data2")
            children.append(((stream_type,), {
                "name": stream.get("name"),
                "length": len(data) if isinstance(data, list) else 0, "encoding": "json+zlib",
                "data": encode_stream(data),
                "data2": None if data2 is None else encode_stream(data2),
                "meta": {k: v for k, v in stream.items() if k not in ("data", "data2")},
            }, fingerprint(stream)))
        counts = _counted(replace_children(conn, schema.streams, ("stream_type",),
                                           detail.athlete_id, detail.activity_id, children,
                                           run_id, now))
        # The best efforts of these streams, in the same transaction (a report reads them).
        stored: dict[str, str] = {}
        for (stream_type,), _columns, fp in children:
            stored.setdefault(stream_type, fp)
        store_curves(conn, detail.athlete_id, detail.activity_id, detail.streams or [],
                     stored, run_id, now)
        return counts

    def curves_to_fill(self, athlete_id: str) -> list[str]:
        """Activities whose stored streams have no current best efforts (``activity_curves``):
        streams stored before the table existed, or by an older computation."""
        from intervals_icu.mirror.curves import stale_curves

        with self.engine.connect() as conn:
            return stale_curves(conn, athlete_id)

    def fill_curves(self, athlete_id: str, activity_ids: Sequence[str], *,
                    run_id: int | None = None) -> int:
        """Store the best efforts of these activities, computed from their stored streams."""
        from intervals_icu.mirror.curves import fill_curves

        with self.engine.begin() as conn:
            return fill_curves(conn, athlete_id, activity_ids, run_id, utcnow())

    def _record_file(self, conn: Connection, detail: DetailWrite, run_id: int | None,
                     now: datetime) -> None:
        t = schema.activity_files
        info = dict(detail.file or {})
        row = {"athlete_id": detail.athlete_id, "activity_id": detail.activity_id,
               "kind": info.get("kind", "original"), "path": info["path"],
               "size": info["size"], "sha256": info["sha256"],
               "fingerprint": info["fingerprint"], "changed_at": now, "checked_at": now,
               "deleted_at": None, "run_id": run_id}
        upsert(conn, t, {**row, "first_seen_at": now}, primary_key(t), row)

    def tombstone_activity_details(self, conn: Connection, athlete_id: str,
                                   activity_ids: Sequence[str], now: datetime) -> None:
        for table in (schema.intervals, schema.streams, schema.activity_files):
            for chunk in chunks(list(activity_ids)):
                conn.execute(sa.update(table).where(
                    table.c.athlete_id == athlete_id, table.c.activity_id.in_(chunk),
                    table.c.deleted_at.is_(None),
                ).values(deleted_at=now))

    def apply_activity_tombstones(self, athlete_id: str, activity_ids: Sequence[str],
                                  *, run_id: int | None) -> WriteCounts:
        """Mark activities deleted, with their intervals, streams and files."""
        with self.engine.begin() as conn:
            return self._apply(conn, "activities", athlete_id, [], activity_ids, run_id,
                               utcnow())

    # -- access -----------------------------------------------------------------------------

    def access(self, athlete_id: str) -> AccessStatus | None:
        """What the mirror knows of its access to ``athlete_id`` (None: never lost)."""
        t = schema.athlete_access
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.athlete_id == athlete_id)).mappings().first()
        if row is None:
            return None
        return AccessStatus(athlete_id, aware(row["lost_at"]), row["reason"],
                            aware(row["regained_at"]))

    def mark_access_lost(self, athlete_id: str, *, reason: str,
                         at: datetime | None = None) -> AccessStatus:
        """The mirror's credentials can no longer read ``athlete_id``: their rows stay live
        and syncs stop reading them (beyond checking whether access came back). A mark
        already there keeps its time."""
        t = schema.athlete_access
        now = utcnow()
        when = at or now
        with self.engine.begin() as conn:
            known = conn.execute(sa.select(t.c.lost_at).where(
                t.c.athlete_id == athlete_id)).first()
            if known is None:
                conn.execute(sa.insert(t).values(athlete_id=athlete_id, lost_at=when,
                                                 reason=reason[:2000], changed_at=now))
            elif known[0] is None:
                conn.execute(sa.update(t).where(t.c.athlete_id == athlete_id).values(
                    lost_at=when, reason=reason[:2000], changed_at=now))
        status = self.access(athlete_id)
        assert status is not None
        return status

    def mark_access_regained(self, athlete_id: str) -> bool:
        """Access to ``athlete_id`` came back; True if it had been lost."""
        t = schema.athlete_access
        now = utcnow()
        with self.engine.begin() as conn:
            done = conn.execute(sa.update(t).where(
                t.c.athlete_id == athlete_id, t.c.lost_at.is_not(None)).values(
                lost_at=None, regained_at=now, changed_at=now)).rowcount
        return bool(done)

    def lost_athletes(self) -> list[str]:
        """Athletes the mirror's credentials cannot read (their rows are kept)."""
        t = schema.athlete_access
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(
                sa.select(t.c.athlete_id).where(t.c.lost_at.is_not(None))
                .order_by(t.c.athlete_id))]

    # -- forgetting ---------------------------------------------------------------------------

    def forget_athlete(self, athlete_id: str, *, purge: bool, run_id: int | None = None) -> None:
        """Stop mirroring an athlete: mark every row deleted, or with ``purge`` remove them."""
        now = utcnow()
        with self.engine.begin() as conn:
            for name, table in schema.DATA_TABLES.items():
                where = table.c.athlete_id == athlete_id
                if purge:
                    conn.execute(sa.delete(table).where(where))
                else:
                    conn.execute(sa.update(table).where(where, table.c.deleted_at.is_(None))
                                 .values(deleted_at=now, run_id=run_id))
                del name
            # Mirroring them again starts from scratch: a first sync, every kind read.
            conn.execute(sa.delete(schema.sync_state).where(
                schema.sync_state.c.athlete_id == athlete_id))
            if purge:
                for derived in (schema.changes, schema.activity_curves):
                    conn.execute(sa.delete(derived).where(derived.c.athlete_id == athlete_id))
                conn.execute(sa.delete(schema.athlete_access).where(
                    schema.athlete_access.c.athlete_id == athlete_id))
            else:
                conn.execute(sa.insert(schema.changes), [
                    change_row(run_id, athlete_id, "athletes", athlete_id, "deleted", now)])

    # -- reading (exports, tests) -------------------------------------------------------------

    def rows(self, table_name: str, athlete_id: str | None = None, *,
             include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        t = schema.DATA_TABLES[table_name]
        query = sa.select(t)
        if athlete_id is not None:
            query = query.where(t.c.athlete_id == athlete_id)
        if not include_deleted:
            query = query.where(t.c.deleted_at.is_(None))
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=500).execute(query).mappings():
                yield dict(row)



def _make_engine(url: str, schema_name: str | None) -> Engine:
    return open_engine(url, durability="normal", schema=schema_name)


def _counted(children: ChildCounts) -> WriteCounts:
    return WriteCounts(created=children.created, updated=children.updated,
                       unchanged=children.unchanged, deleted=children.deleted)
