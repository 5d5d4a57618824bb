"""The journal's storage: a SQLite file of batches and their entries, written ahead.

``SqliteJournal`` is a write hook (``intervals_icu.hooks``): before a write is sent it stores
one *pending* entry per record the write touches (with the record as it was); when the answer
comes the entry is completed (``applied``), marked ``uncertain`` (sent, no answer: it may have
been applied) or removed (refused: nothing changed). So a write whose answer was lost is still
in the journal, and undo covers it.

Writes are grouped in *batches*. The open batch lives in a context variable: each thread and
each asyncio task sees its own (a task started inside a batch shares it), so two tasks'
batches never collide. Writes made while no batch is open each get a batch of their own.

The schema is versioned with ``PRAGMA user_version``; a journal made by an older version is
upgraded when opened. The file is created 0600: it holds health data. The base install has
no SQLAlchemy, so this is stdlib ``sqlite3``.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import os
import socket
import sqlite3
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from intervals_icu.hooks import JSONValue, ReadCall, WriteCall, WriteOutcome
from intervals_icu.journal.rules import Row, Rule, Target
from intervals_icu.journal.targets import rule_for
from intervals_icu.secret import redact_fields

__all__ = [
    "SCHEMA_VERSION",
    "Batch",
    "BatchScope",
    "EntryState",
    "JournalEntry",
    "JournalSchemaError",
    "SqliteJournal",
    "default_journal_path",
]

SCHEMA_VERSION = 2
"""``PRAGMA user_version`` of the current layout. 0: the first layout (no version, no write-ahead
states), upgraded in place; 1: batches without their writer."""

EntryState = Literal["pending", "applied", "uncertain"]


class JournalSchemaError(Exception):
    """The journal file was made by a newer version of this package."""


@dataclass(frozen=True)
class Batch:
    id: int
    created_at: str
    description: str
    command: str | None
    athlete_id: str | None
    base_url: str | None
    status: str
    """``open`` while writes are being made, ``done``, ``failed`` (a write raised), or
    ``interrupted``: left open by a process of this machine that is gone (killed)."""
    undoes: int | None
    undone_by: int | None
    entries: int
    records: int
    uncertain: int = 0
    """Entries whose write was sent without an answer (it may have been applied)."""
    writer: str | None = None
    """``host:pid`` of the process that made it."""


@dataclass(frozen=True)
class JournalEntry:
    id: int
    batch_id: int
    seq: int
    at: str
    athlete_id: str
    method: str
    path: str
    operation_id: str | None
    kind: str
    record_id: str | None
    action: str
    sent: JSONValue
    before: JSONValue
    after: JSONValue
    status: int
    state: EntryState = "applied"
    """``pending``: about to be sent (a process that died in between leaves it so);
    ``uncertain``: sent, no answer; ``applied``: the server answered."""
    note: str | None = None

    @property
    def target(self) -> Target | None:
        if self.record_id is None:
            return None
        return Target(self.kind, self.record_id, self.athlete_id)

    @property
    def may_have_been_applied(self) -> bool:
        """Not known to have been applied, but it may have been."""
        return self.state != "applied"


_TABLES = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    description TEXT NOT NULL,
    command TEXT,
    athlete_id TEXT,
    base_url TEXT,
    status TEXT NOT NULL,
    undoes INTEGER REFERENCES batches(id),
    undone_by INTEGER REFERENCES batches(id),
    writer TEXT
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    athlete_id TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    operation_id TEXT,
    kind TEXT NOT NULL,
    record_id TEXT,
    action TEXT NOT NULL,
    sent TEXT,
    before TEXT,
    after TEXT,
    status INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'applied',
    note TEXT
);
CREATE INDEX IF NOT EXISTS entries_batch ON entries(batch_id, seq);
"""

_UPGRADES: dict[int, str] = {
    # 0 -> 1: write-ahead entries (state: pending/applied/uncertain) and a note.
    0: """
ALTER TABLE entries ADD COLUMN state TEXT NOT NULL DEFAULT 'applied';
ALTER TABLE entries ADD COLUMN note TEXT;
""",
    # 1 -> 2: who made each batch (an open batch whose process is gone was interrupted).
    1: """
ALTER TABLE batches ADD COLUMN writer TEXT;
""",
}

_THIS_HOST = socket.gethostname()


def _writer() -> str:
    return f"{_THIS_HOST}:{os.getpid()}"


def _gone(writer: str | None) -> bool:
    """The process ``host:pid`` ran on this machine and has ended."""
    host, _, pid = (writer or "").rpartition(":")
    if host != _THIS_HOST or not pid.isdigit() or sys.platform == "win32":
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: alive
        return False
    return False


def _batch(row: Sequence[object]) -> Batch:
    batch = Batch(*row)  # type: ignore[arg-type]
    if batch.status == "open" and _gone(batch.writer):
        return dataclasses.replace(batch, status="interrupted")
    return batch


def default_journal_path() -> Path:
    """``<user data dir>/intervals-icu/journal.sqlite3`` (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("intervals-icu", appauthor=False)) / "journal.sqlite3"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _dump(value: JSONValue) -> str | None:
    return None if value is None else json.dumps(redact_fields(value), sort_keys=True,
                                                 default=str)


def _load(text: str | None) -> JSONValue:
    if text is None:
        return None
    value: JSONValue = json.loads(text)
    return value


def _base_without_secrets(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@dataclass(frozen=True)
class _Open:
    """The batch open in this context, and the journal it belongs to."""

    batch_id: int
    journal: int


@dataclass
class _Pending:
    """What ``before_write`` stored, handed back to ``after_write``."""

    rule: Rule
    params: dict[str, str]
    call: WriteCall
    rows: list[Row]
    entry_ids: list[int]
    batch_id: int
    own_batch: bool


_OPEN_BATCH: contextvars.ContextVar[_Open | None] = contextvars.ContextVar(
    "intervals_icu_journal_batch", default=None)


class SqliteJournal:
    """The write journal in a SQLite file (created with mode 0600); a write hook for
    ``Client(journal=...)`` and ``AsyncClient(journal=...)``.

    Safe to share between threads and tasks (one lock around the connection; the open batch
    is per context). ``AsyncClient`` runs its calls in a worker thread.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_journal_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            self.path.touch(mode=0o600)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        # A pending entry must be on disk before its write leaves: the point of writing ahead.
        self._db.execute("PRAGMA synchronous=FULL")
        self._migrate()
        for suffix in ("-wal", "-shm"):
            extra = Path(f"{self.path}{suffix}")
            if extra.exists():
                extra.chmod(0o600)
        self.base_url: str | None = None
        """Recorded with each batch, so undo can refuse to run against another server."""

    def _migrate(self) -> None:
        with self._lock:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise JournalSchemaError(
                    f"the journal {self.path} was written by a newer intervals-icu (schema "
                    f"{version}, this one knows {SCHEMA_VERSION}): upgrade intervals-icu, or "
                    "use another journal file (ICU_JOURNAL)"
                )
            if version == SCHEMA_VERSION:
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have upgraded it while this one waited for the lock.
                version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
                if version == SCHEMA_VERSION:
                    self._db.execute("COMMIT")
                    return
                existing = {row[0] for row in self._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
                if "entries" not in existing:
                    for statement in _statements(_TABLES):
                        self._db.execute(statement)
                else:
                    for step in range(version, SCHEMA_VERSION):
                        for statement in _statements(_UPGRADES[step]):
                            self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # -- batches ---------------------------------------------------------------------------------

    def begin_batch(self, description: str, *, command: str | None = None,
                    athlete_id: str | None = None, undoes: int | None = None) -> int:
        """Open a batch in the current context (thread or task); returns its id."""
        current = self._current()
        if current is not None:
            raise RuntimeError(f"batch {current} is still open")
        batch_id = self._insert_batch(description, command=command, athlete_id=athlete_id,
                                      undoes=undoes)
        _OPEN_BATCH.set(_Open(batch_id, id(self)))
        return batch_id

    def end_batch(self, *, failed: bool = False) -> int | None:
        """Close the current context's batch; returns its id (None if it recorded nothing:
        it is dropped)."""
        batch_id = self._current()
        if batch_id is None:
            return None
        _OPEN_BATCH.set(None)
        return self._close_batch(batch_id, failed=failed)

    def batch(self, description: str, *, command: str | None = None,
              athlete_id: str | None = None, undoes: int | None = None) -> BatchScope:
        """Group the writes made inside ``with`` (or ``async with``: the file is written from
        a worker thread) into one batch; yields the batch id."""
        return BatchScope(self, description, command=command, athlete_id=athlete_id,
                          undoes=undoes)

    @property
    def open_batch(self) -> int | None:
        """The batch open in the current context."""
        return self._current()

    def _current(self) -> int | None:
        found = _OPEN_BATCH.get()
        return found.batch_id if found is not None and found.journal == id(self) else None

    def _insert_batch(self, description: str, *, command: str | None, athlete_id: str | None,
                      undoes: int | None) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO batches (created_at, description, command, athlete_id, base_url,"
                " status, undoes, writer) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                (_now(), description, command, athlete_id, _base_without_secrets(self.base_url),
                 undoes, _writer()),
            )
            return int(cursor.lastrowid or 0)

    def _close_batch(self, batch_id: int, *, failed: bool) -> int | None:
        with self._lock:
            count = self._db.execute("SELECT count(*) FROM entries WHERE batch_id = ?",
                                     (batch_id,)).fetchone()[0]
            if count == 0:
                self._db.execute("UPDATE batches SET undoes = NULL WHERE id = ?", (batch_id,))
                self._db.execute("DELETE FROM batches WHERE id = ?", (batch_id,))
                return None
            self._db.execute("UPDATE batches SET status = ? WHERE id = ?",
                             ("failed" if failed else "done", batch_id))
            undoes = self._db.execute("SELECT undoes FROM batches WHERE id = ?",
                                      (batch_id,)).fetchone()[0]
            if undoes is not None:
                self._db.execute("UPDATE batches SET undone_by = ? WHERE id = ?",
                                 (batch_id, undoes))
            return batch_id

    # -- the write hook --------------------------------------------------------------------------

    def reads_before(self, call: WriteCall) -> Sequence[ReadCall]:
        rule, params = rule_for(call)
        return rule.reads(call, params) if rule.journaled and rule.undoable else []

    def before_write(self, call: WriteCall, before: Sequence[JSONValue]) -> object:
        rule, params = rule_for(call)
        if not rule.journaled:
            return None
        rows = rule.before_rows(call, params, before) if rule.undoable else [
            Row(None, "other", call.body)]
        with self._lock:
            batch_id = self._current()
            own = batch_id is None
            if batch_id is None:
                batch_id = self._insert_batch(f"{call.method} {call.path}", command=None,
                                              athlete_id=call.athlete_id, undoes=None)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                ids = [self._insert_entry(batch_id, call, row, state="pending", status=0)
                       for row in rows]
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return _Pending(rule, params, call, rows, ids, batch_id, own)

    def after_write(self, token: object, outcome: WriteOutcome) -> None:
        if not isinstance(token, _Pending):
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._complete(token, outcome)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            if token.own_batch:
                self._close_batch(token.batch_id, failed=outcome.state != "applied")

    def _complete(self, token: _Pending, outcome: WriteOutcome) -> None:
        if outcome.state == "not_applied":
            for entry_id in token.entry_ids:
                self._db.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
            return
        if outcome.state == "uncertain":
            for entry_id in token.entry_ids:
                self._db.execute(
                    "UPDATE entries SET state = 'uncertain', note = ?, status = ? WHERE id = ?",
                    (outcome.note or None, outcome.status or 0, entry_id))
            return
        rows = (token.rule.after_rows(token.call, token.params, token.rows, outcome.body,
                                      outcome.status) if token.rule.undoable
                else [Row(None, "other", token.call.body, None, outcome.body)])
        for entry_id, row in zip(token.entry_ids, rows, strict=False):
            target = row.target
            self._db.execute(
                "UPDATE entries SET kind = ?, record_id = ?, athlete_id = ?, action = ?,"
                " sent = ?, before = ?, after = ?, status = ?, state = 'applied', note = ?"
                " WHERE id = ?",
                (target.kind if target else "other", target.record_id if target else None,
                 target.athlete_id if target else token.call.athlete_id, row.action,
                 _dump(row.sent), _dump(row.before), _dump(row.after), outcome.status or 0,
                 outcome.note or None, entry_id))
        for entry_id in token.entry_ids[len(rows):]:
            self._db.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
        for row in rows[len(token.entry_ids):]:
            self._insert_entry(token.batch_id, token.call, row, state="applied",
                               status=outcome.status or 0, note=outcome.note or None)

    def _insert_entry(self, batch_id: int, call: WriteCall, row: Row, *, state: EntryState,
                      status: int, note: str | None = None) -> int:
        seq = self._db.execute("SELECT coalesce(max(seq), 0) + 1 FROM entries WHERE"
                               " batch_id = ?", (batch_id,)).fetchone()[0]
        target = row.target
        cursor = self._db.execute(
            "INSERT INTO entries (batch_id, seq, at, athlete_id, method, path, operation_id,"
            " kind, record_id, action, sent, before, after, status, state, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (batch_id, seq, _now(), target.athlete_id if target else call.athlete_id,
             call.method, call.path, call.operation_id, target.kind if target else "other",
             target.record_id if target else None, row.action, _dump(row.sent),
             _dump(row.before), _dump(row.after), status, state, note),
        )
        return int(cursor.lastrowid or 0)

    # -- reading ---------------------------------------------------------------------------------

    _BATCH_COLUMNS = (
        "SELECT b.id, b.created_at, b.description, b.command, b.athlete_id, b.base_url,"
        " b.status, b.undoes, b.undone_by, count(e.id),"
        " count(DISTINCT e.kind || ':' || coalesce(e.record_id, e.id)),"
        " count(e.id) FILTER (WHERE e.state != 'applied'), b.writer"
        " FROM batches b LEFT JOIN entries e ON e.batch_id = b.id"
    )

    def batches(self, *, limit: int | None = 50) -> list[Batch]:
        """Newest first."""
        query = self._BATCH_COLUMNS + " GROUP BY b.id ORDER BY b.id DESC"
        params: tuple[int, ...] = ()
        if limit is not None:
            query += " LIMIT ?"
            params = (limit,)
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [_batch(row) for row in rows]

    def get_batch(self, batch_id: int) -> Batch | None:
        with self._lock:
            row = self._db.execute(self._BATCH_COLUMNS + " WHERE b.id = ? GROUP BY b.id",
                                   (batch_id,)).fetchone()
        return _batch(row) if row else None

    def last_batch_id(self, *, include_undos: bool = False) -> int | None:
        where = "" if include_undos else " WHERE undoes IS NULL"
        with self._lock:
            row = self._db.execute(f"SELECT max(id) FROM batches{where}").fetchone()  # noqa: S608
        return None if row is None or row[0] is None else int(row[0])

    def entries(self, batch_id: int) -> list[JournalEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, batch_id, seq, at, athlete_id, method, path, operation_id, kind,"
                " record_id, action, sent, before, after, status, state, note FROM entries"
                " WHERE batch_id = ? ORDER BY seq", (batch_id,),
            ).fetchall()
        return [
            JournalEntry(
                id=row[0], batch_id=row[1], seq=row[2], at=row[3], athlete_id=row[4],
                method=row[5], path=row[6], operation_id=row[7], kind=row[8], record_id=row[9],
                action=row[10], sent=_load(row[11]), before=_load(row[12]),
                after=_load(row[13]), status=row[14], state=row[15], note=row[16])
            for row in rows
        ]

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteJournal({str(self.path)!r})"


class BatchScope:
    """``with journal.batch(...) as batch_id`` and ``async with journal.batch(...)``."""

    def __init__(self, journal: SqliteJournal, description: str, *, command: str | None,
                 athlete_id: str | None, undoes: int | None) -> None:
        self._journal = journal
        self._args = (description, command, athlete_id, undoes)
        self._batch_id: int | None = None
        self._token: contextvars.Token[_Open | None] | None = None

    def _open(self, batch_id: int) -> int:
        self._batch_id = batch_id
        self._token = _OPEN_BATCH.set(_Open(batch_id, id(self._journal)))
        return batch_id

    def _begin(self) -> int:
        current = self._journal.open_batch
        if current is not None:
            raise RuntimeError(f"batch {current} is still open")
        description, command, athlete_id, undoes = self._args
        return self._journal._insert_batch(description, command=command, athlete_id=athlete_id,
                                           undoes=undoes)

    def _reset(self) -> None:
        if self._token is not None:
            _OPEN_BATCH.reset(self._token)
            self._token = None

    def __enter__(self) -> int:
        return self._open(self._begin())

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._reset()
        if self._batch_id is not None:
            self._journal._close_batch(self._batch_id, failed=kind is not None)

    async def __aenter__(self) -> int:
        return self._open(await asyncio.to_thread(self._begin))

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._reset()
        if self._batch_id is not None:
            await asyncio.to_thread(self._journal._close_batch, self._batch_id,
                                    failed=kind is not None)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
