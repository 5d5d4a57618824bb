"""The write journal: every write a client makes, with the record before and after, so a run
can be reviewed (``icu journal``) and undone (``icu undo``).

``Client(..., journal=journal)`` calls :meth:`WriteJournal.before_request` before each write
(to learn which GET reads the record it changes) and :meth:`WriteJournal.record` after it.
:class:`SqliteJournal` is the implementation: a SQLite file in the user's data directory,
writes grouped in *batches* (one per CLI command, or per ``with journal.batch(...)``).

    from intervals_icu import Client
    from intervals_icu.journal import SqliteJournal

    journal = SqliteJournal()                      # ~/.local/share/intervals-icu/journal.sqlite3
    client = Client(journal=journal)
    with journal.batch("fix my weights"):
        client.wellness.update("2025-03-01", weight=70.2)

Undo planning is pure (:func:`plan_undo`): from a batch's entries and the records as they are
now it computes the writes that put every record back, unlocking locked wellness records
first and locking them again after, and clearing fields that were empty (-1 for numbers).

What is stored is redacted: keys that look like secrets are replaced by ``"***"``, and no
request headers (where credentials travel) are stored at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import httpx

from intervals_icu._http import RequestSpec

if TYPE_CHECKING:
    from intervals_icu._sync.client import Client

__all__ = [
    "Batch",
    "JournalEntry",
    "RestoreStep",
    "SqliteJournal",
    "Target",
    "UndoPlan",
    "WriteJournal",
    "apply_plan",
    "default_journal_path",
    "numeric_field",
    "plan_undo",
    "read_current",
    "redact",
    "targets_of",
]


@runtime_checkable
class WriteJournal(Protocol):
    def before_request(self, spec: RequestSpec) -> RequestSpec | None:
        """The GET that reads what ``spec`` is about to change, or None."""

    def record(self, spec: RequestSpec, *, before: Any, response: httpx.Response,
               athlete_id: str) -> None:
        """Store one write: what was sent, the record before, and the server's answer."""


# ---------------------------------------------------------------------------------------------
# Redaction

_SECRET_KEY = re.compile(
    r"(api[_-]?key|secret|token|password|passwd|authorization|client_secret|^code$|^key$)",
    re.IGNORECASE,
)


def redact(value: Any) -> Any:
    """A copy of ``value`` with every secret-looking key's value replaced by ``"***"``."""
    if isinstance(value, Mapping):
        return {
            k: ("***" if isinstance(k, str) and _SECRET_KEY.search(k) and v is not None
                else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# What a write touches (pure)

Kind = Literal["wellness", "activity", "event", "athlete", "other"]
Action = Literal["update", "create", "delete", "other"]


@dataclass(frozen=True, order=True)
class Target:
    """One record a write touches: ``("wellness", "2025-03-01")``, ``("event", "42")``..."""

    kind: str
    record_id: str
    athlete_id: str = "0"
    """The athlete whose record it is (as the writing client named them; "0" = the caller)."""

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}"


_ATHLETE = r"/api/v1/athlete/(?P<athlete>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], Kind, Action]] = [
    ("PUT", re.compile(_ATHLETE + r"/wellness/(?P<id>[^/]+)$"), "wellness", "update"),
    ("PUT", re.compile(_ATHLETE + r"/wellness$"), "wellness", "update"),
    ("PUT", re.compile(_ATHLETE + r"/wellness-bulk$"), "wellness", "update"),
    ("PUT", re.compile(r"/api/v1/activity/(?P<id>[^/]+)$"), "activity", "update"),
    ("DELETE", re.compile(r"/api/v1/activity/(?P<id>[^/]+)$"), "activity", "delete"),
    ("PUT", re.compile(_ATHLETE + r"/events/bulk-delete$"), "event", "delete"),
    ("PUT", re.compile(_ATHLETE + r"/events/(?P<id>\d+)$"), "event", "update"),
    ("DELETE", re.compile(_ATHLETE + r"/events/(?P<id>\d+)$"), "event", "delete"),
    ("POST", re.compile(_ATHLETE + r"/events$"), "event", "create"),
    ("POST", re.compile(_ATHLETE + r"/events/bulk$"), "event", "create"),
    ("POST", re.compile(_ATHLETE + r"/activities/manual$"), "activity", "create"),
    ("POST", re.compile(_ATHLETE + r"/activities$"), "activity", "create"),  # file upload
    ("PUT", re.compile(_ATHLETE + r"$"), "athlete", "update"),
]


def _route(spec: RequestSpec) -> tuple[re.Match[str], Kind, Action] | None:
    path = spec.path.split("?", 1)[0]
    for method, pattern, kind, action in _ROUTES:
        if spec.method.upper() == method and (match := pattern.match(path)):
            return match, kind, action
    return None


def _day(value: Any) -> str:
    return str(value)[:10]


def targets_of(spec: RequestSpec) -> list[Target]:
    """The records a write names in its path or body (empty for creates and unknown writes:
    their records are only known from the response)."""
    found = _route(spec)
    if found is None:
        return []
    match, kind, action = found
    groups = match.groupdict()
    if kind == "wellness":
        if groups.get("id"):
            return [Target("wellness", _day(groups["id"]))]
        body = spec.json
        items = body if isinstance(body, list) else [body]
        return [Target("wellness", _day(item["id"])) for item in items
                if isinstance(item, Mapping) and item.get("id")]
    if kind == "athlete":
        return [Target("athlete", groups["athlete"])]
    if kind == "event" and action == "delete" and not groups.get("id"):
        items = spec.json if isinstance(spec.json, list) else []
        return [Target("event", str(item["id"])) for item in items
                if isinstance(item, Mapping) and item.get("id") is not None]
    if groups.get("id"):
        return [Target(kind, groups["id"])]
    return []


def _event_dates(items: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted(_day(i["start_date_local"]) for i in items if i.get("start_date_local"))


def before_request_for(spec: RequestSpec) -> RequestSpec | None:
    """The GET that reads, before ``spec`` is sent, every record ``spec`` will change."""
    found = _route(spec)
    if found is None:
        return None
    match, kind, action = found
    groups = match.groupdict()
    athlete_base = f"/api/v1/athlete/{groups.get('athlete')}"
    if kind == "wellness":
        days = sorted(t.record_id for t in targets_of(spec))
        if not days:
            return None
        if len(days) == 1:
            return RequestSpec("GET", f"{athlete_base}/wellness/{days[0]}",
                               operation_id="getRecord")
        return RequestSpec("GET", f"{athlete_base}/wellness.json",
                           operation_id="listWellnessRecords",
                           params={"oldest": days[0], "newest": days[-1]})
    if kind == "activity" and groups.get("id"):
        return RequestSpec("GET", f"/api/v1/activity/{groups['id']}", operation_id="getActivity")
    if kind == "event" and groups.get("id"):
        return RequestSpec("GET", f"{athlete_base}/events/{groups['id']}",
                           operation_id="showEvent")
    if kind == "event" and action == "create" and spec.path.endswith("/bulk"):
        # An upsert may change existing events (matched by external_id): read the range.
        items = [i for i in (spec.json or []) if isinstance(i, Mapping)]
        params = spec.params or {}
        upserting = str(params.get("upsert", "")).lower() == "true" or params.get("upsert") is True
        dates = _event_dates(items)
        if not upserting or not dates:
            return None
        return RequestSpec("GET", f"{athlete_base}/events.json", operation_id="listEvents",
                           params={"oldest": dates[0], "newest": dates[-1]})
    if kind == "event" and action == "delete":  # bulk-delete by id: read each? the range is unknown
        return None
    if kind == "athlete":
        return RequestSpec("GET", athlete_base, operation_id="getAthlete")
    return None


# ---------------------------------------------------------------------------------------------
# Stored records


@dataclass(frozen=True)
class Batch:
    id: int
    created_at: str
    description: str
    command: str | None
    athlete_id: str | None
    base_url: str | None
    status: str
    """``open`` while writes are being made, ``done``, ``failed`` (a write raised), ``empty``."""
    undoes: int | None
    undone_by: int | None
    entries: int
    records: int


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
    sent: Any
    before: Any
    after: Any
    status: int

    @property
    def target(self) -> Target | None:
        if self.record_id is None:
            return None
        return Target(self.kind, self.record_id, self.athlete_id)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    description TEXT NOT NULL,
    command TEXT,
    athlete_id TEXT,
    base_url TEXT,
    status TEXT NOT NULL,
    undoes INTEGER REFERENCES batches(id),
    undone_by INTEGER REFERENCES batches(id)
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
    status INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_batch ON entries(batch_id, seq);
"""


def default_journal_path() -> Path:
    """``<user data dir>/intervals-icu/journal.sqlite3`` (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("intervals-icu", appauthor=False)) / "journal.sqlite3"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(redact(value), sort_keys=True, default=str)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _base_without_secrets(url: str | None) -> str | None:
    if url is None:
        return None
    parsed = httpx.URL(url)
    return str(parsed.copy_with(username=None, password=None, query=None, fragment=None))


class SqliteJournal:
    """A :class:`WriteJournal` kept in a SQLite file (created with mode 0600).

    Writes made while no batch is open each get a batch of their own. Safe to share between
    threads (one lock around the connection).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_journal_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            self.path.touch(mode=0o600)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._open_batch: int | None = None
        self._seq = 0
        self.base_url: str | None = None
        """Recorded with each batch, so undo can refuse to run against another server."""

    # -- batches ---------------------------------------------------------------------------------

    def begin_batch(self, description: str, *, command: str | None = None,
                    athlete_id: str | None = None, undoes: int | None = None) -> int:
        with self._lock:
            if self._open_batch is not None:
                raise RuntimeError(f"batch {self._open_batch} is still open")
            cursor = self._db.execute(
                "INSERT INTO batches (created_at, description, command, athlete_id, base_url,"
                " status, undoes) VALUES (?, ?, ?, ?, ?, 'open', ?)",
                (_now(), description, command, athlete_id, _base_without_secrets(self.base_url),
                 undoes),
            )
            batch_id = int(cursor.lastrowid or 0)
            self._open_batch, self._seq = batch_id, 0
            return batch_id

    def end_batch(self, *, failed: bool = False) -> int | None:
        """Close the open batch; returns its id (None if it recorded nothing: it is dropped)."""
        with self._lock:
            batch_id, self._open_batch = self._open_batch, None
            if batch_id is None:
                return None
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

    @contextlib.contextmanager
    def batch(self, description: str, *, command: str | None = None,
              athlete_id: str | None = None, undoes: int | None = None) -> Iterator[int]:
        """Group the writes made inside the ``with`` block; yields the batch id."""
        batch_id = self.begin_batch(description, command=command, athlete_id=athlete_id,
                                    undoes=undoes)
        failed = False
        try:
            yield batch_id
        except BaseException:
            failed = True
            raise
        finally:
            self.end_batch(failed=failed)

    @property
    def open_batch(self) -> int | None:
        return self._open_batch

    # -- the WriteJournal protocol ---------------------------------------------------------------

    def before_request(self, spec: RequestSpec) -> RequestSpec | None:
        return before_request_for(spec)

    def record(self, spec: RequestSpec, *, before: Any, response: httpx.Response,
               athlete_id: str) -> None:
        try:
            answer = response.json() if response.content else None
        except ValueError:
            answer = None
        rows = _split_write(spec, before, answer, response.status_code)
        with self._lock:
            own_batch = self._open_batch is None
            if own_batch:
                self.begin_batch(f"{spec.method} {spec.path}", athlete_id=athlete_id)
            assert self._open_batch is not None
            at = _now()
            for target, action, sent, before_record, after in rows:
                self._seq += 1
                self._db.execute(
                    "INSERT INTO entries (batch_id, seq, at, athlete_id, method, path,"
                    " operation_id, kind, record_id, action, sent, before, after, status)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (self._open_batch, self._seq, at, athlete_id, spec.method, spec.path,
                     spec.operation_id, target.kind if target else "other",
                     target.record_id if target else None, action, _dump(sent),
                     _dump(before_record), _dump(after), response.status_code),
                )
            if own_batch:
                self.end_batch()

    # -- reading ---------------------------------------------------------------------------------

    def batches(self, *, limit: int | None = 50) -> list[Batch]:
        """Newest first."""
        query = (
            "SELECT b.id, b.created_at, b.description, b.command, b.athlete_id, b.base_url,"
            " b.status, b.undoes, b.undone_by, count(e.id),"
            " count(DISTINCT e.kind || ':' || coalesce(e.record_id, e.id))"
            " FROM batches b LEFT JOIN entries e ON e.batch_id = b.id"
            " GROUP BY b.id ORDER BY b.id DESC"
        )
        params: tuple[Any, ...] = ()
        if limit is not None:
            query += " LIMIT ?"
            params = (limit,)
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [Batch(*row) for row in rows]

    def get_batch(self, batch_id: int) -> Batch | None:
        with self._lock:
            row = self._db.execute(
                "SELECT b.id, b.created_at, b.description, b.command, b.athlete_id, b.base_url,"
                " b.status, b.undoes, b.undone_by, count(e.id),"
                " count(DISTINCT e.kind || ':' || coalesce(e.record_id, e.id))"
                " FROM batches b LEFT JOIN entries e ON e.batch_id = b.id"
                " WHERE b.id = ? GROUP BY b.id", (batch_id,),
            ).fetchone()
        return Batch(*row) if row else None

    def last_batch_id(self, *, include_undos: bool = False) -> int | None:
        where = "" if include_undos else " WHERE undoes IS NULL"
        with self._lock:
            row = self._db.execute(f"SELECT max(id) FROM batches{where}").fetchone()  # noqa: S608
        return None if row is None or row[0] is None else int(row[0])

    def entries(self, batch_id: int) -> list[JournalEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, batch_id, seq, at, athlete_id, method, path, operation_id, kind,"
                " record_id, action, sent, before, after, status FROM entries"
                " WHERE batch_id = ? ORDER BY seq", (batch_id,),
            ).fetchall()
        return [
            JournalEntry(
                id=row[0], batch_id=row[1], seq=row[2], at=row[3], athlete_id=row[4],
                method=row[5], path=row[6], operation_id=row[7], kind=row[8], record_id=row[9],
                action=row[10], sent=_load(row[11]), before=_load(row[12]),
                after=_load(row[13]), status=row[14])
            for row in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteJournal({str(self.path)!r})"


_Row = tuple[Target | None, str, Any, Any, Any]


def _by_id(records: Any, key: str = "id") -> dict[str, Mapping[str, Any]]:
    if isinstance(records, Mapping):
        records = [records]
    if not isinstance(records, list):
        return {}
    return {str(r[key]) if key == "id" else str(r.get(key)): r
            for r in records if isinstance(r, Mapping) and r.get(key) is not None}


def _split_write(spec: RequestSpec, before: Any, answer: Any, status: int = 200
                 ) -> list[_Row]:
    """One row per record touched: (target, action, what was sent for it, before, after)."""
    found = _route(spec)
    if found is None:
        return [(None, "other", spec.json, before, answer)]
    _match, kind, action = found
    if kind == "wellness":
        items = spec.json if isinstance(spec.json, list) else [spec.json]
        targets = targets_of(spec)
        before_by_day = {_day(k): v for k, v in _by_id(before).items()}
        after_by_day = {_day(k): v for k, v in _by_id(answer).items()}
        rows: list[_Row] = []
        for target, item in zip(targets, [i for i in items if isinstance(i, Mapping)],
                                strict=False):
            previous = before_by_day.get(target.record_id)
            if previous is not None and not any(v is not None for k, v in previous.items()
                                                if k != "id"):
                previous = None  # a day with no record: {"id": day}, the rest null or absent
            rows.append((target, "update", item, previous, after_by_day.get(target.record_id)))
        return rows
    if kind == "event" and action == "create":
        sent_items = spec.json if isinstance(spec.json, list) else [spec.json]
        created = answer if isinstance(answer, list) else [answer]
        existing = _by_id(before, "external_id") if before is not None else {}
        rows = []
        for i, event in enumerate(created):
            if not isinstance(event, Mapping) or event.get("id") is None:
                continue
            sent = sent_items[i] if i < len(sent_items) else None
            previous = existing.get(str(event.get("external_id"))) if event.get(
                "external_id") else None
            rows.append((Target("event", str(event["id"])),
                         "update" if previous is not None else "create", sent, previous, event))
        return rows
    if kind == "activity" and action == "create":
        made: Mapping[str, Any] = answer if isinstance(answer, Mapping) else {}
        ids = [str(a["id"]) for a in made.get("activities") or []
               if isinstance(a, Mapping) and a.get("id")] or (
            [str(made["id"])] if made.get("id") is not None else [])
        if not ids:
            return [(None, "other", spec.json, before, answer)]
        if spec.path.endswith("/activities") and status != 201:
            # 200: the file was uploaded before (de-duplicated by hash); nothing was created
            return [(None, "other", spec.json, before, answer)]
        return [(Target("activity", i), "create", spec.json, None, made) for i in ids]
    targets = targets_of(spec)
    if kind == "event" and action == "delete" and len(targets) != 1:
        return [(t, "delete", spec.json, None, None) for t in targets] or [
            (None, "other", spec.json, None, answer)]
    single = targets[0] if targets else None
    after = None if action == "delete" else answer
    return [(single, action, spec.json, before, after)]


# ---------------------------------------------------------------------------------------------
# Undo planning (pure)

#: Fields the server computes: never written back.
SERVER_FIELDS: dict[str, frozenset[str]] = {
    "wellness": frozenset({"id", "updated", "ctl", "atl", "rampRate", "ctlLoad", "atlLoad",
                           "sportInfo", "locked"}),
    "event": frozenset({"id", "athlete_id", "created", "updated", "icu_atl", "icu_ctl",
                        "uid", "shared_event_id", "paired_activity_id", "created_by_id"}),
    "activity": frozenset({"id", "icu_athlete_id", "created", "analyzed", "icu_sync_date"}),
    "athlete": frozenset({"id"}),
}

StepAction = Literal["patch", "delete", "recreate", "impossible"]


@dataclass(frozen=True)
class RestoreStep:
    """What to send to put one record back as it was before the batch."""

    target: Target
    action: StepAction
    patch: dict[str, Any] = field(default_factory=dict)
    """For ``patch``: the fields to send (-1 clears a number); for ``recreate``: the body."""
    unlock_first: bool = False
    relock_after: bool = False
    before: Mapping[str, Any] | None = None
    current: Mapping[str, Any] | None = None
    conflicts: tuple[str, ...] = ()
    """Fields someone changed after the batch (neither the value before nor the one written)."""
    reason: str = ""


@dataclass(frozen=True)
class UndoPlan:
    steps: list[RestoreStep]

    @property
    def changes(self) -> list[RestoreStep]:
        return [s for s in self.steps if s.action != "impossible"]

    @property
    def impossible(self) -> list[RestoreStep]:
        return [s for s in self.steps if s.action == "impossible"]

    @property
    def conflicts(self) -> list[RestoreStep]:
        return [s for s in self.steps if s.conflicts]


@dataclass
class _History:
    """Everything a batch did to one record."""

    before: Mapping[str, Any] | None = None
    existed: bool = True
    created: bool = False
    deleted: bool = False
    written: dict[str, list[Any]] = field(default_factory=dict)
    """Field -> every value the batch sent for it (None for a clear). Any of them may be the
    one stored: a write to a locked record is ignored by the platform."""
    locked_written: set[bool] = field(default_factory=set)


def _written_value(kind: str, name: str, value: Any, numeric: Callable[[str, str], bool]) -> Any:
    if value == -1 and numeric(kind, name):
        return None
    return value


def histories(entries: Sequence[JournalEntry],
              numeric: Callable[[str, str], bool]) -> dict[Target, _History]:
    """Per record: its state before the batch's first write, and what the batch wrote."""
    found: dict[Target, _History] = {}
    for entry in entries:
        target = entry.target
        if target is None:
            continue
        history = found.get(target)
        if history is None:
            history = found[target] = _History(
                before=entry.before, existed=entry.before is not None,
                created=entry.action == "create")
        if entry.action == "delete":
            history.deleted = True
        sent = entry.sent if isinstance(entry.sent, Mapping) else {}
        if target.kind == "event" and entry.method == "PUT" and entry.path.endswith(
                "/bulk-delete"):
            sent = {}
        for key, value in sent.items():
            if key == "locked":
                history.locked_written.add(bool(value))
            elif key not in SERVER_FIELDS.get(target.kind, frozenset({"id"})):
                history.written.setdefault(key, []).append(
                    _written_value(target.kind, key, value, numeric))
    return found


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def _same(a: Any, b: Any) -> bool:
    if _empty(a) and _empty(b):
        return True
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return bool(a == b)


def _restore_patch(kind: str, fields: Iterable[str], before: Mapping[str, Any],
                   current: Mapping[str, Any], written: Mapping[str, list[Any]],
                   numeric: Callable[[str, str], bool]) -> tuple[dict[str, Any], list[str]]:
    patch: dict[str, Any] = {}
    conflicts: list[str] = []
    for name in sorted(fields):
        old, now = before.get(name), current.get(name)
        if _same(old, now):
            continue
        if name in written and not any(_same(now, value) for value in written[name]):
            conflicts.append(name)
        if _empty(old):
            patch[name] = -1 if numeric(kind, name) else None
        else:
            patch[name] = old
    return patch, conflicts


def plan_undo(
    entries: Sequence[JournalEntry],
    current: Mapping[Target, Mapping[str, Any] | None],
    *,
    numeric: Callable[[str, str], bool] | None = None,
) -> UndoPlan:
    """The writes that put every record a batch touched back as it was before the batch.

    ``current`` maps each target to the record as it is now (None: it does not exist).
    Only the fields the batch wrote are restored, so later changes to other fields survive;
    a field someone changed after the batch is reported in ``conflicts``.
    """
    is_numeric = numeric or numeric_field
    steps: list[RestoreStep] = []
    for target, history in sorted(histories(entries, is_numeric).items()):
        now = current.get(target)
        before = history.before
        if target.kind == "wellness":
            steps.append(_plan_wellness(target, history, now or {}, is_numeric))
        elif history.created:
            if now is None:
                continue  # already gone
            if target.kind in {"event", "activity"}:
                steps.append(RestoreStep(target, "delete", before=None, current=now))
            else:
                steps.append(RestoreStep(target, "impossible", current=now,
                                         reason="the batch created it and it cannot be deleted"))
        elif history.deleted:
            if now is not None:
                continue  # it is back
            if before is None:
                steps.append(RestoreStep(target, "impossible",
                                         reason="the record was not read before it was deleted"))
            elif target.kind == "event":
                body = {k: v for k, v in before.items()
                        if k not in SERVER_FIELDS["event"] and not _empty(v)}
                steps.append(RestoreStep(target, "recreate", patch=body, before=before))
            else:
                steps.append(RestoreStep(
                    target, "impossible", before=before,
                    reason=f"a deleted {target.kind} cannot be restored through the API"))
        else:
            if before is None:
                steps.append(RestoreStep(target, "impossible", current=now,
                                         reason="the record was not read before the write"))
                continue
            if now is None:
                steps.append(RestoreStep(target, "impossible", before=before,
                                         reason="it was deleted after the batch"))
                continue
            patch, conflicts = _restore_patch(target.kind, history.written, before, now,
                                              history.written, is_numeric)
            if patch:
                steps.append(RestoreStep(target, "patch", patch=patch, before=before,
                                         current=now, conflicts=tuple(conflicts)))
    return UndoPlan(steps)


def _plan_wellness(target: Target, history: _History, now: Mapping[str, Any],
                   numeric: Callable[[str, str], bool]) -> RestoreStep:
    before = history.before or {}
    patch, conflicts = _restore_patch("wellness", history.written, before, now,
                                      history.written, numeric)
    was_locked, is_locked = bool(before.get("locked")), bool(now.get("locked"))
    if was_locked != is_locked and is_locked not in history.locked_written:
        conflicts.append("locked")
    unlock_first = bool(patch) and is_locked
    relock_after = was_locked and (unlock_first or not is_locked)
    if not patch and was_locked == is_locked:
        return RestoreStep(target, "patch", before=before, current=now)  # nothing to do
    if not patch and not was_locked and is_locked:
        patch = {}  # only the lock differs: unlocking is the whole restore
        unlock_first = True
    return RestoreStep(target, "patch", patch=patch, unlock_first=unlock_first,
                       relock_after=relock_after, before=before, current=now,
                       conflicts=tuple(conflicts))


def step_is_noop(step: RestoreStep) -> bool:
    return step.action == "patch" and not step.patch and not step.unlock_first and \
        not step.relock_after


_MODEL_NAMES = {"wellness": "Wellness", "event": "EventEx", "activity": "Activity",
                "athlete": "AthleteUpdateDTO"}


def numeric_field(kind: str, name: str) -> bool:
    """True when ``name`` is a number in the official schema of ``kind`` (so -1 clears it)."""
    from intervals_icu import models
    from intervals_icu.models import _generated
    from intervals_icu.updates import is_numeric_field

    model = getattr(models, _MODEL_NAMES.get(kind, ""), None) or getattr(
        _generated, _MODEL_NAMES.get(kind, ""), None)
    if model is None or name not in model.model_fields:
        return False
    return is_numeric_field(model, name)


# ---------------------------------------------------------------------------------------------
# Reading the records now, and applying a plan (sync client)


def read_current(client: Client, targets: Iterable[Target]) -> dict[Target, dict[str, Any] | None]:
    """Each target as it is now on the server (None: it does not exist)."""
    from intervals_icu import errors

    found: dict[Target, dict[str, Any] | None] = {}
    wellness: dict[str, list[Target]] = {}
    for target in targets:
        if target.kind == "wellness":
            wellness.setdefault(target.athlete_id, []).append(target)
            continue
        athlete = client.for_athlete(target.athlete_id)
        if target.kind == "event":
            spec = RequestSpec("GET", athlete.athlete_path(f"/events/{target.record_id}"),
                               operation_id="showEvent")
        elif target.kind == "activity":
            spec = RequestSpec("GET", f"/api/v1/activity/{target.record_id}",
                               operation_id="getActivity")
        elif target.kind == "athlete":
            spec = RequestSpec("GET", athlete.athlete_path(), operation_id="getAthlete")
        else:
            continue
        try:
            found[target] = athlete._request_json(spec)
        except errors.NotFound:
            found[target] = None
    for athlete_id, days in wellness.items():
        ordered = sorted(t.record_id for t in days)
        athlete = client.for_athlete(athlete_id)
        rows = athlete._request_json(RequestSpec(
            "GET", athlete.athlete_path("/wellness.json"), operation_id="listWellnessRecords",
            params={"oldest": ordered[0], "newest": ordered[-1]})) or []
        by_day = {_day(r["id"]): r for r in rows if isinstance(r, dict) and r.get("id")}
        for target in days:
            found[target] = by_day.get(target.record_id)
    return found


_BULK_CHUNK = 500


def apply_plan(client: Client, plan: UndoPlan) -> list[Target]:
    """Send the writes of ``plan`` (with the client's journal, if any, recording them).

    Wellness goes in bulk: first every change (locked records unlocked in the same write),
    then one write re-locking the records that were locked. Returns the targets changed.
    """
    done: list[Target] = []
    wellness: dict[str, list[RestoreStep]] = {}
    for step in plan.changes:
        if step_is_noop(step):
            continue
        target = step.target
        if target.kind == "wellness":
            wellness.setdefault(target.athlete_id, []).append(step)
            continue
        athlete = client.for_athlete(target.athlete_id)
        if target.kind == "event":
            path = athlete.athlete_path(f"/events/{target.record_id}")
            if step.action == "patch":
                athlete._request_json(RequestSpec("PUT", path, operation_id="updateEvent",
                                                  json=step.patch))
            elif step.action == "delete":
                athlete._request_json(RequestSpec("DELETE", path, operation_id="deleteEvent"))
            elif step.action == "recreate":
                athlete._request_json(RequestSpec(
                    "POST", athlete.athlete_path("/events"), operation_id="createEvent",
                    json=step.patch, params={"upsertOnUid": False}))
        elif target.kind == "activity":
            path = f"/api/v1/activity/{target.record_id}"
            if step.action == "patch":
                athlete._request_json(RequestSpec("PUT", path, operation_id="updateActivity",
                                                  json=step.patch))
            elif step.action == "delete":
                athlete._request_json(RequestSpec("DELETE", path, operation_id="deleteActivity"))
        elif target.kind == "athlete" and step.action == "patch":
            athlete._request_json(RequestSpec("PUT", athlete.athlete_path(),
                                              operation_id="updateAthlete", json=step.patch))
        done.append(target)
    for athlete_id, steps in wellness.items():
        athlete = client.for_athlete(athlete_id)
        writes: list[dict[str, Any]] = [
            {"id": s.target.record_id, **s.patch, **({"locked": False} if s.unlock_first else {})}
            for s in steps if s.patch or s.unlock_first
        ]
        relocks: list[dict[str, Any]] = [
            {"id": s.target.record_id, "locked": True} for s in steps if s.relock_after
        ]
        for records in (writes, relocks):
            for start in range(0, len(records), _BULK_CHUNK):
                athlete.wellness.update_many(list(records[start:start + _BULK_CHUNK]))
        done.extend(s.target for s in steps)
    return done
