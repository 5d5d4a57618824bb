"""The durable inbox: every accepted event is a row here before the receiver answers 200.

One row per distinct event (the de-duplication key is unique); a redelivery only bumps
``deliveries``. Workers claim rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), run the
mirror update and the user's handlers, and record each step as it succeeds, so a retry
after a failure runs only what has not succeeded yet. Rows end ``done`` or ``dead``
(retries spent); nothing is deleted unless you call :meth:`Inbox.purge`.

Tables (prefix ``icu_webhook_`` by default), in the mirror's database:

``inbox``
    ``id``, ``dedup_key`` (unique), ``athlete_id``, ``event_type``, ``event_time`` (the
    event's timestamp, UTC), ``payload`` (the event's JSON as sent, without the envelope
    and its secret), ``received_at``, ``deliveries``, ``status`` (pending / processing /
    done / dead), ``attempts``, ``next_attempt_at``, ``locked_by``, ``locked_until``,
    ``steps_done`` (JSON list), ``last_error``, ``finished_at``.
``athletes``
    the latest APP_SCOPE_CHANGED per athlete: ``scope``, ``deauthorized``, ``changed_at``.
``leases``
    named leases (``name``, ``holder``, ``expires_at``), e.g. so one worker among many runs
    the periodic reconciliation.
``schema``
    the layout's version (``name`` = ``inbox``, ``version``, ``upgraded_at``): opening an
    older inbox upgrades it (:meth:`Inbox.upgrade`).
"""

from __future__ import annotations

import builtins
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    exists,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from intervals_icu.database import aware_time, stored_time
from intervals_icu.errors import ConfigurationError
from intervals_icu.webhooks.database import SQLiteSynchronous, is_sqlite, open_engine
from intervals_icu.webhooks.errors import InboxEntryNotFound, WebhookError
from intervals_icu.webhooks.payloads import (
    WebhookEvent,
    event_time,
    keyed_json,
    parse_event,
)

__all__ = ["SCHEMA_VERSION", "AthleteAccess", "EntryStatus", "Inbox", "InboxEntry",
           "StoreResult"]

MAX_ERROR_CHARS = 2000


class EntryStatus(StrEnum):
    PENDING = "pending"
    """Waiting for a worker (possibly until ``next_attempt_at``, after a failure)."""
    PROCESSING = "processing"
    """Claimed by ``locked_by`` until ``locked_until`` (then claimable again)."""
    DONE = "done"
    DEAD = "dead"
    """Retries spent: shown by ``icu webhooks inspect``; ``replay`` runs it again."""


UNFINISHED = (EntryStatus.PENDING.value, EntryStatus.PROCESSING.value)

SCHEMA_VERSION = 1
"""The inbox's table layout. 1: ``inbox``, ``athletes``, ``leases`` (intervals-icu 0.x, first
versioned here; inboxes created before carry no version and are this layout)."""

_UPGRADES: dict[int, Callable[[Inbox, Connection], None]] = {}
"""Version n -> the step from n - 1 to n (none yet)."""


@dataclass(frozen=True)
class StoreResult:
    """What storing one delivery did: events new to the inbox and redeliveries."""

    new: int
    duplicates: int

    @property
    def received(self) -> int:
        return self.new + self.duplicates


@dataclass(frozen=True)
class InboxEntry:
    id: int
    dedup_key: str
    athlete_id: str
    event_type: str
    event_time: datetime
    received_at: datetime
    deliveries: int
    status: EntryStatus
    attempts: int
    next_attempt_at: datetime | None
    locked_by: str | None
    locked_until: datetime | None
    steps_done: tuple[str, ...]
    last_error: str | None
    finished_at: datetime | None
    payload: dict[str, Any]
    """The event exactly as delivered (no envelope, no secret)."""

    @property
    def event(self) -> WebhookEvent:
        """The typed event (raises ``pydantic.ValidationError`` for a malformed payload)."""
        return parse_event(self.payload)

    def summary(self) -> dict[str, Any]:
        """A JSON-able view for ``icu webhooks inspect`` (payload left out)."""
        return {
            "id": self.id,
            "status": self.status.value,
            "type": self.event_type,
            "athlete_id": self.athlete_id,
            "event_time": self.event_time.isoformat(),
            "received_at": self.received_at.isoformat(),
            "deliveries": self.deliveries,
            "attempts": self.attempts,
            "next_attempt_at": _iso(self.next_attempt_at),
            "steps_done": list(self.steps_done),
            "last_error": self.last_error,
            "finished_at": _iso(self.finished_at),
        }


@dataclass(frozen=True)
class AthleteAccess:
    """The latest APP_SCOPE_CHANGED seen for an athlete."""

    athlete_id: str
    scope: str
    deauthorized: bool
    changed_at: datetime


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _now() -> datetime:
    return datetime.now(UTC)




class Inbox:
    """The durable inbox in SQLite or PostgreSQL (the mirror's database).

    ``Inbox("sqlite:///icu.db")`` creates its tables if needed. ``table_prefix`` lets
    several inboxes (or tests) share one database.
    """

    def __init__(
        self,
        database: str | Engine,
        *,
        table_prefix: str = "icu_webhook_",
        sqlite_synchronous: SQLiteSynchronous = "FULL",
        create: bool = True,
    ) -> None:
        self._owns_engine = isinstance(database, str)
        self.engine: Engine = (
            open_engine(database, sqlite_synchronous=sqlite_synchronous)
            if isinstance(database, str) else database
        )
        self.table_prefix = table_prefix
        self.metadata = MetaData()
        big_id = BigInteger().with_variant(Integer(), "sqlite")
        self.entries = Table(
            f"{table_prefix}inbox", self.metadata,
            Column("id", big_id, primary_key=True, autoincrement=True),
            Column("dedup_key", String(64), nullable=False, unique=True),
            Column("athlete_id", String(64), nullable=False),
            Column("event_type", String(64), nullable=False),
            Column("event_time", DateTime(), nullable=False),
            Column("payload", Text(), nullable=False),
            Column("received_at", DateTime(), nullable=False),
            Column("deliveries", Integer(), nullable=False, default=1),
            Column("status", String(16), nullable=False, default=EntryStatus.PENDING.value),
            Column("attempts", Integer(), nullable=False, default=0),
            Column("next_attempt_at", DateTime(), nullable=True),
            Column("locked_by", String(128), nullable=True),
            Column("locked_until", DateTime(), nullable=True),
            Column("steps_done", Text(), nullable=False, default="[]"),
            Column("last_error", Text(), nullable=True),
            Column("finished_at", DateTime(), nullable=True),
            Index(f"{table_prefix}inbox_athlete_order", "athlete_id", "event_time", "id"),
            Index(f"{table_prefix}inbox_status_due", "status", "next_attempt_at"),
        )
        self.athletes = Table(
            f"{table_prefix}athletes", self.metadata,
            Column("athlete_id", String(64), primary_key=True),
            Column("scope", Text(), nullable=False, default=""),
            Column("deauthorized", Boolean(), nullable=False, default=False),
            Column("changed_at", DateTime(), nullable=False),
        )
        self.leases = Table(
            f"{table_prefix}leases", self.metadata,
            Column("name", String(64), primary_key=True),
            Column("holder", String(128), nullable=False),
            Column("expires_at", DateTime(), nullable=False),
        )
        self.schema_version = Table(
            f"{table_prefix}schema", self.metadata,
            Column("name", String(32), primary_key=True),
            Column("version", Integer(), nullable=False),
            Column("upgraded_at", DateTime(), nullable=False),
        )
        # Built once: constructing statements per event costs more than executing them.
        dialect_insert = sqlite.insert if is_sqlite(self.engine) else postgresql.insert
        self._insert_new = (dialect_insert(self.entries)
                            .on_conflict_do_nothing(index_elements=["dedup_key"])
                            .returning(self.entries.c.dedup_key))
        self._count_redelivery = (
            update(self.entries).where(self.entries.c.dedup_key == bindparam("key"))
            .values(deliveries=self.entries.c.deliveries + bindparam("times")))
        if create:
            self.upgrade()

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def create_tables(self) -> None:
        """Create the tables, or bring an existing inbox to the current layout."""
        self.upgrade()

    def upgrade(self) -> int:
        """Bring the inbox's tables to :data:`SCHEMA_VERSION` (creating them in a new
        database); returns the version found. The version is kept in ``<prefix>schema``;
        an inbox without it has the layout of version 1 (intervals-icu before versioning),
        checked before it is stamped. Each later version adds one step to ``_UPGRADES``."""
        with self.engine.begin() as conn:
            version, stamped = self._version(conn)
            if version > SCHEMA_VERSION:
                raise ConfigurationError(
                    f"the webhook inbox in {self!r} has schema version {version}, newer than "
                    f"this intervals-icu knows ({SCHEMA_VERSION}): upgrade the package"
                )
            for step in range(max(version, 1) + 1, SCHEMA_VERSION + 1):
                _UPGRADES[step](self, conn)
            self.metadata.create_all(conn)
            if version < SCHEMA_VERSION or not stamped:
                self._stamp(conn, stamped)
        return version

    def _version(self, conn: Connection) -> tuple[int, bool]:
        """The layout found (0: no inbox here yet; 1 for an unversioned inbox), and whether
        it carries its version."""
        tables = set(inspect(conn).get_table_names())
        if self.schema_version.name in tables:
            found = conn.execute(select(self.schema_version.c.version).where(
                self.schema_version.c.name == "inbox")).scalar()
            if found is not None:
                return int(found), True
        if self.entries.name not in tables:
            return 0, False
        columns = {c["name"] for c in inspect(conn).get_columns(self.entries.name)}
        missing = {c.name for c in self.entries.columns} - columns
        if missing:
            raise ConfigurationError(
                f"{self.entries.name} exists but is not an inbox this package knows (missing "
                f"{', '.join(sorted(missing))}): give the receiver another table_prefix"
            )
        return 1, False

    def _stamp(self, conn: Connection, stamped: bool) -> None:
        t = self.schema_version
        values = {"version": SCHEMA_VERSION, "upgraded_at": stored_time(_now())}
        if stamped:
            conn.execute(update(t).where(t.c.name == "inbox").values(**values))
        else:  # another process opening the same new inbox may have stamped it meanwhile
            conn.execute(self._dialect_insert(t).values(name="inbox", **values)
                         .on_conflict_do_nothing(index_elements=["name"]))

    def drop_tables(self) -> None:
        self.metadata.drop_all(self.engine)

    def close(self) -> None:
        """Release the connections (only when the inbox opened the engine itself)."""
        if self._owns_engine:
            self.engine.dispose()

    def __repr__(self) -> str:
        url = self.engine.url.render_as_string(hide_password=True)
        return f"Inbox({url!r}, table_prefix={self.table_prefix!r})"

    # -- the receiver's side ----------------------------------------------------------------

    def store(self, events: Sequence[Mapping[str, Any]]) -> StoreResult:
        """Store one delivery's events in one transaction (duplicates only counted)."""
        return self.store_many([events])[0]

    def store_many(self, deliveries: Sequence[Sequence[Mapping[str, Any]]]) -> list[StoreResult]:
        """Store several deliveries in ONE transaction (the receiver's group commit):
        one commit, one fsync, however many requests were waiting.

        Two statements whatever the number of events: an INSERT of every distinct key
        (``ON CONFLICT DO NOTHING RETURNING`` tells which were new), and an UPDATE that
        counts the redeliveries."""
        received = stored_time(_now())
        rows: dict[str, dict[str, Any]] = {}
        marks: list[list[tuple[str, bool]]] = []  # per delivery: (key, first occurrence)
        for events in deliveries:
            delivery_marks = []
            for event in events:
                key, text = keyed_json(event)
                first = key not in rows
                if first:
                    rows[key] = self._row(event, key, text, received)
                delivery_marks.append((key, first))
            marks.append(delivery_marks)
        inserted: set[str] = set()
        with self.engine.begin() as conn:
            if rows:
                inserted = set(conn.execute(self._insert_new, builtins.list(rows.values()))
                               .scalars())
            again = Counter(key for delivery_marks in marks for key, first in delivery_marks
                            if not (first and key in inserted))
            if again:
                conn.execute(self._count_redelivery,
                             [{"key": key, "times": n} for key, n in again.items()])
        results = []
        for delivery_marks in marks:
            new = sum(1 for key, first in delivery_marks if first and key in inserted)
            results.append(StoreResult(new=new, duplicates=len(delivery_marks) - new))
        return results

    def _row(self, event: Mapping[str, Any], key: str, text: str,
             received: datetime) -> dict[str, Any]:
        when = event_time(event)
        return {
            "dedup_key": key,
            "athlete_id": str(event.get("athlete_id")),
            "event_type": str(event.get("type")),
            "event_time": stored_time(when) if when else received,
            "payload": text,
            "received_at": received,
            "deliveries": 1,
            "status": EntryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": received,
            "steps_done": "[]",
        }

    # -- inspecting and replaying ---------------------------------------------------------------

    def list(
        self,
        *,
        status: EntryStatus | str | None = None,
        athlete_id: str | None = None,
        event_type: str | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> builtins.list[InboxEntry]:
        """Entries, newest first; ``before_id`` pages backwards."""
        t = self.entries
        query = select(t).order_by(t.c.id.desc()).limit(max(1, limit))
        if status is not None:
            query = query.where(t.c.status == EntryStatus(status).value)
        if athlete_id is not None:
            query = query.where(t.c.athlete_id == athlete_id)
        if event_type is not None:
            query = query.where(t.c.event_type == event_type)
        if before_id is not None:
            query = query.where(t.c.id < before_id)
        with self.engine.connect() as conn:
            return [self._entry(row) for row in conn.execute(query).mappings()]

    def get(self, entry_id: int) -> InboxEntry:
        t = self.entries
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == entry_id)).mappings().first()
        if row is None:
            raise InboxEntryNotFound(
                f"no inbox entry {entry_id}: Inbox.list() (icu webhooks inspect) shows them"
            )
        return self._entry(row)

    def stats(self) -> dict[str, int]:
        """Entries per status (every status listed, zeros included)."""
        t = self.entries
        counts = {s.value: 0 for s in EntryStatus}
        with self.engine.connect() as conn:
            for status, count in conn.execute(
                select(t.c.status, func.count()).group_by(t.c.status)
            ):
                counts[str(status)] = int(count)
        return counts

    def replay(self, *entry_ids: int, rerun_all: bool | None = None) -> builtins.list[InboxEntry]:
        """Queue entries to run again now.

        A dead entry keeps the steps that already succeeded (only the failed handler runs
        again) and its attempts start from zero; a done entry runs every step again. Pass
        ``rerun_all`` to choose explicitly. An entry a worker is processing is refused.
        """
        t = self.entries
        now = stored_time(_now())
        with self.engine.begin() as conn:
            for entry_id in entry_ids:
                row = conn.execute(select(t.c.status).where(t.c.id == entry_id)).first()
                if row is None:
                    raise InboxEntryNotFound(
                        f"no inbox entry {entry_id}: Inbox.list() shows them"
                    )
                status = EntryStatus(row.status)
                if status is EntryStatus.PROCESSING:
                    raise WebhookError(
                        f"inbox entry {entry_id} is being processed right now; replay it "
                        "after it finishes (Inbox.get shows its status)"
                    )
                reset_steps = (status is EntryStatus.DONE) if rerun_all is None else rerun_all
                values: dict[str, Any] = {
                    "status": EntryStatus.PENDING.value, "next_attempt_at": now,
                    "finished_at": None, "locked_by": None, "locked_until": None,
                }
                if status is not EntryStatus.PENDING:
                    values["attempts"] = 0
                if reset_steps:
                    values["steps_done"] = "[]"
                conn.execute(update(t).where(t.c.id == entry_id).values(**values))
        return [self.get(entry_id) for entry_id in entry_ids]

    def purge(self, older_than: timedelta) -> int:
        """Delete ``done`` entries finished longer ago than ``older_than``; returns how many.

        The rows are the de-duplication memory: a redelivery of a purged event is stored
        and processed again (harmless for the mirror, which re-reads; handlers run again).
        Keep well over the platform's retry horizon (days, not minutes).
        """
        t = self.entries
        cutoff = stored_time(_now() - older_than)
        with self.engine.begin() as conn:
            result = conn.execute(t.delete().where(
                t.c.status == EntryStatus.DONE.value, t.c.finished_at < cutoff))
            return int(result.rowcount or 0)

    def give_up(self, athlete_ids: Iterable[str], *, received_before: datetime,
                reason: str) -> int:
        """Mark the pending entries of ``athlete_ids`` received before ``received_before``
        ``dead`` with ``reason`` (no worker will take them: ``icu webhooks inspect`` shows
        them, ``icu webhooks replay`` runs them again); returns how many."""
        wanted = builtins.list(athlete_ids)
        if not wanted:
            return 0
        t = self.entries
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(
                t.c.athlete_id.in_(wanted), t.c.status == EntryStatus.PENDING.value,
                t.c.received_at < stored_time(received_before),
            ).values(status=EntryStatus.DEAD.value, next_attempt_at=None,
                     last_error=reason[:MAX_ERROR_CHARS], finished_at=stored_time(_now())))
            return int(result.rowcount or 0)

    # -- the workers' side --------------------------------------------------------------------

    def claim(self, worker_id: str, *, limit: int = 10,
              lease: timedelta = timedelta(seconds=10),
              athlete_ids: Iterable[str] | None = None) -> builtins.list[InboxEntry]:
        """Claim up to ``limit`` entries for ``worker_id``, at most one per athlete: the
        athlete's earliest unfinished event (by timestamp), so each athlete's events are
        applied in order and never by two workers at once. Entries whose lease expired (a
        worker died) are claimable again. ``athlete_ids``: only these athletes' entries (a
        fleet worker that holds the athlete)."""
        i = self.entries.alias("i")
        j = self.entries.alias("j")
        now = stored_time(_now())
        due = or_(
            and_(i.c.status == EntryStatus.PENDING.value, i.c.next_attempt_at <= now),
            and_(i.c.status == EntryStatus.PROCESSING.value, i.c.locked_until < now),
        )
        earlier_unfinished = exists().where(
            j.c.athlete_id == i.c.athlete_id,
            j.c.status.in_(UNFINISHED),
            or_(j.c.event_time < i.c.event_time,
                and_(j.c.event_time == i.c.event_time, j.c.id < i.c.id)),
        )
        query = (select(i.c.id).where(due, ~earlier_unfinished)
                 .order_by(i.c.event_time, i.c.id).limit(max(1, limit))
                 .with_for_update(skip_locked=True, of=i))
        if athlete_ids is not None:
            query = query.where(i.c.athlete_id.in_(builtins.list(athlete_ids)))
        t = self.entries
        claimed: builtins.list[int] = []
        with self.engine.begin() as conn:
            for entry_id in conn.execute(query).scalars():
                # Re-check under the row lock: another worker may have won the row.
                result = conn.execute(
                    update(t).where(
                        t.c.id == entry_id,
                        or_(and_(t.c.status == EntryStatus.PENDING.value,
                                 t.c.next_attempt_at <= now),
                            and_(t.c.status == EntryStatus.PROCESSING.value,
                                 t.c.locked_until < now)),
                    ).values(status=EntryStatus.PROCESSING.value, locked_by=worker_id,
                             locked_until=now + lease)
                )
                if result.rowcount == 1:
                    claimed.append(entry_id)
            rows = conn.execute(select(t).where(t.c.id.in_(claimed))).mappings().all()
        entries = [self._entry(row) for row in rows]
        return sorted(entries, key=lambda e: (e.event_time, e.id))

    def renew(self, worker_id: str, entry_ids: Iterable[int],
              lease: timedelta = timedelta(seconds=10)) -> None:
        """Extend the lease of entries still being processed (a heartbeat)."""
        ids = builtins.list(entry_ids)
        if not ids:
            return
        t = self.entries
        with self.engine.begin() as conn:
            conn.execute(update(t).where(
                t.c.id.in_(ids), t.c.locked_by == worker_id,
                t.c.status == EntryStatus.PROCESSING.value,
            ).values(locked_until=stored_time(_now() + lease)))

    def record_steps(self, entry_id: int, worker_id: str, steps_done: Sequence[str]) -> bool:
        """Remember which steps succeeded (so a retry skips them). False if the lease was
        lost to another worker."""
        t = self.entries
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(
                t.c.id == entry_id, t.c.locked_by == worker_id,
                t.c.status == EntryStatus.PROCESSING.value,
            ).values(steps_done=json.dumps(builtins.list(steps_done))))
            return result.rowcount == 1

    def complete(self, entry_id: int, worker_id: str, steps_done: Sequence[str]) -> bool:
        t = self.entries
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(
                t.c.id == entry_id, t.c.locked_by == worker_id,
                t.c.status == EntryStatus.PROCESSING.value,
            ).values(status=EntryStatus.DONE.value, steps_done=json.dumps(builtins.list(
                steps_done)), finished_at=stored_time(_now()), locked_by=None,
                locked_until=None, next_attempt_at=None))
            return result.rowcount == 1

    def fail(self, entry_id: int, worker_id: str, *, error: str, steps_done: Sequence[str],
             retry_at: datetime | None) -> bool:
        """Record a failed attempt: back to pending until ``retry_at``, or ``dead`` when
        ``retry_at`` is None (retries spent, or a failure retrying cannot fix)."""
        t = self.entries
        values: dict[str, Any] = {
            "attempts": t.c.attempts + 1,
            "last_error": error[:MAX_ERROR_CHARS],
            "steps_done": json.dumps(builtins.list(steps_done)),
            "locked_by": None,
            "locked_until": None,
        }
        if retry_at is None:
            values.update(status=EntryStatus.DEAD.value, next_attempt_at=None,
                          finished_at=stored_time(_now()))
        else:
            values.update(status=EntryStatus.PENDING.value, next_attempt_at=stored_time(retry_at))
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(
                t.c.id == entry_id, t.c.locked_by == worker_id,
                t.c.status == EntryStatus.PROCESSING.value,
            ).values(**values))
            return result.rowcount == 1

    def defer(self, entry_id: int, worker_id: str, *, until: datetime,
              steps_done: Sequence[str], reason: str) -> bool:
        """Put an entry back to pending until ``until`` without counting an attempt (a step
        raised :class:`~intervals_icu.webhooks.errors.EntryDeferred`: not a failure, only
        not yet). The steps that succeeded are kept."""
        t = self.entries
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(
                t.c.id == entry_id, t.c.locked_by == worker_id,
                t.c.status == EntryStatus.PROCESSING.value,
            ).values(status=EntryStatus.PENDING.value, next_attempt_at=stored_time(until),
                     steps_done=json.dumps(builtins.list(steps_done)),
                     last_error=reason[:MAX_ERROR_CHARS], locked_by=None, locked_until=None))
            return result.rowcount == 1

    def due_athletes(self, athlete_ids: Iterable[str] | None = None) -> set[str]:
        """Athletes with an entry that is due now (pending and past its retry time, or held
        under an expired lease)."""
        t = self.entries
        now = stored_time(_now())
        query = select(t.c.athlete_id).distinct().where(or_(
            and_(t.c.status == EntryStatus.PENDING.value, t.c.next_attempt_at <= now),
            and_(t.c.status == EntryStatus.PROCESSING.value, t.c.locked_until < now)))
        if athlete_ids is not None:
            query = query.where(t.c.athlete_id.in_(builtins.list(athlete_ids)))
        with self.engine.connect() as conn:
            return {str(a) for a in conn.execute(query).scalars()}

    def release(self, worker_id: str, entry_ids: Iterable[int]) -> None:
        """Give claimed entries back untouched (a worker shutting down)."""
        ids = builtins.list(entry_ids)
        if not ids:
            return
        t = self.entries
        with self.engine.begin() as conn:
            conn.execute(update(t).where(
                t.c.id.in_(ids), t.c.locked_by == worker_id,
                t.c.status == EntryStatus.PROCESSING.value,
            ).values(status=EntryStatus.PENDING.value, locked_by=None, locked_until=None))

    # -- athletes' authorization ----------------------------------------------------------------

    def record_access(self, athlete_id: str, *, scope: str, deauthorized: bool,
                      changed_at: datetime) -> AthleteAccess:
        """Remember an APP_SCOPE_CHANGED unless a later one is already recorded."""
        t = self.athletes
        when = stored_time(changed_at)
        with self.engine.begin() as conn:
            row = conn.execute(select(t).where(t.c.athlete_id == athlete_id)).mappings().first()
            if row is None:
                conn.execute(t.insert().values(athlete_id=athlete_id, scope=scope,
                                               deauthorized=deauthorized, changed_at=when))
            elif row["changed_at"] <= when:
                conn.execute(update(t).where(t.c.athlete_id == athlete_id).values(
                    scope=scope, deauthorized=deauthorized, changed_at=when))
        access = self.access(athlete_id)
        assert access is not None
        return access

    def access(self, athlete_id: str) -> AthleteAccess | None:
        t = self.athletes
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.athlete_id == athlete_id)).mappings().first()
        if row is None:
            return None
        changed = aware_time(row["changed_at"])
        assert changed is not None
        return AthleteAccess(athlete_id=row["athlete_id"], scope=row["scope"],
                             deauthorized=bool(row["deauthorized"]), changed_at=changed)

    def deauthorized_athletes(self) -> set[str]:
        t = self.athletes
        with self.engine.connect() as conn:
            return {str(a) for a in conn.execute(
                select(t.c.athlete_id).where(t.c.deauthorized.is_(True))).scalars()}

    # -- leases ------------------------------------------------------------------------------

    def try_lease(self, name: str, holder: str, duration: timedelta) -> bool:
        """Take or extend the lease ``name`` for ``holder``; False while someone else holds
        an unexpired one."""
        t = self.leases
        now = stored_time(_now())
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(
                t.c.name == name, or_(t.c.holder == holder, t.c.expires_at < now),
            ).values(holder=holder, expires_at=now + duration))
            if result.rowcount == 1:
                return True
            inserted = conn.execute(self._lease_insert().values(
                name=name, holder=holder, expires_at=now + duration,
            ).on_conflict_do_nothing(index_elements=["name"]).returning(t.c.name))
            return inserted.first() is not None

    def _lease_insert(self) -> Any:
        return self._dialect_insert(self.leases)

    def _dialect_insert(self, table: Table) -> Any:
        return (sqlite.insert if is_sqlite(self.engine) else postgresql.insert)(table)

    def release_lease(self, name: str, holder: str) -> None:
        t = self.leases
        with self.engine.begin() as conn:
            conn.execute(t.delete().where(t.c.name == name, t.c.holder == holder))

    # -- rows ---------------------------------------------------------------------------------

    def _entry(self, row: Any) -> InboxEntry:
        event_at = aware_time(row["event_time"])
        received = aware_time(row["received_at"])
        assert event_at is not None
        assert received is not None
        return InboxEntry(
            id=int(row["id"]),
            dedup_key=row["dedup_key"],
            athlete_id=row["athlete_id"],
            event_type=row["event_type"],
            event_time=event_at,
            received_at=received,
            deliveries=int(row["deliveries"]),
            status=EntryStatus(row["status"]),
            attempts=int(row["attempts"]),
            next_attempt_at=aware_time(row["next_attempt_at"]),
            locked_by=row["locked_by"],
            locked_until=aware_time(row["locked_until"]),
            steps_done=tuple(json.loads(row["steps_done"] or "[]")),
            last_error=row["last_error"],
            finished_at=aware_time(row["finished_at"]),
            payload=json.loads(row["payload"]),
        )
