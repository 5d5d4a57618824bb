"""The write journal: every write a client makes, with the record before and after, so a run
can be reviewed (``icu journal``) and undone (``icu undo``).

A journal is a write hook (``intervals_icu.hooks``): ``Client(journal=...)`` and
``AsyncClient(journal=...)`` call it around every write. :class:`SqliteJournal` keeps it in
a SQLite file, written *ahead*: a write is stored before it is sent, so one whose answer was
lost is still known (and undone). Writes are grouped in batches (one per CLI command, or per
``with journal.batch(...)`` / ``async with journal.batch(...)``)::

    from intervals_icu import Client
    from intervals_icu.journal import SqliteJournal, undo_batch

    journal = SqliteJournal()                      # ~/.local/share/intervals-icu/journal.sqlite3
    client = Client(journal=journal)
    with journal.batch("fix my weights") as batch_id:
        client.wellness.update("2025-03-01", weight=70.2)
    undo_batch(client, journal, batch_id)          # and it is as it was

The rooms: ``targets`` (what each write operation touches, by operationId), ``store`` (the
SQLite file, versioned), ``plan`` (undo planning, pure), ``undo``/``undo_async`` (reading the
records now and writing them back through the client's resource methods).

What is stored is redacted (``intervals_icu.secret``): fields that carry credentials are
replaced by ``"***"``, and no request headers (where credentials travel) are stored at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from intervals_icu.hooks import JSONValue, ReadCall, WriteCall, WriteHook
from intervals_icu.journal.plan import (
    KINDS,
    SERVER_FIELDS,
    RestoreStep,
    UndoPlan,
    histories,
    numeric_field,
    plan_undo,
    step_is_noop,
    writable_fields,
)
from intervals_icu.journal.store import (
    SCHEMA_VERSION,
    Batch,
    JournalEntry,
    JournalSchemaError,
    SqliteJournal,
    default_journal_path,
)
from intervals_icu.journal.targets import RULES, Target, rule_for, undoable_operations
from intervals_icu.journal.undo import apply_plan, read_current, read_made
from intervals_icu.journal.undo_async import apply_plan as apply_plan_async
from intervals_icu.journal.undo_async import read_current as read_current_async
from intervals_icu.journal.undo_async import read_made as read_made_async
from intervals_icu.secret import redact_fields as redact

if TYPE_CHECKING:
    from intervals_icu._async.client import AsyncClient
    from intervals_icu._sync.client import Client

__all__ = [
    "KINDS",
    "RULES",
    "SCHEMA_VERSION",
    "SERVER_FIELDS",
    "Batch",
    "JournalEntry",
    "JournalSchemaError",
    "RestoreStep",
    "SqliteJournal",
    "Target",
    "UndoPlan",
    "WriteJournal",
    "apply_plan",
    "apply_plan_async",
    "before_request_for",
    "default_journal_path",
    "histories",
    "numeric_field",
    "plan_undo",
    "plan_undo_of",
    "plan_undo_of_async",
    "read_current",
    "read_current_async",
    "read_made",
    "read_made_async",
    "redact",
    "rule_for",
    "step_is_noop",
    "targets_of",
    "undo_batch",
    "undo_batch_async",
    "undoable_operations",
    "writable_fields",
]

WriteJournal = WriteHook
"""What a journal is to the client: a write hook (kept under its old name)."""


def plan_undo_of(client: Client, journal: SqliteJournal, batch_id: int) -> UndoPlan:
    """The plan that undoes ``batch_id``, from the records as they are now."""
    entries = journal.entries(batch_id)
    current = read_current(client, {e.target for e in entries if e.target is not None})
    return plan_undo(entries, current, made=read_made(client, entries))


async def plan_undo_of_async(client: AsyncClient, journal: SqliteJournal,
                             batch_id: int) -> UndoPlan:
    entries = journal.entries(batch_id)
    current = await read_current_async(client, {e.target for e in entries
                                                if e.target is not None})
    return plan_undo(entries, current, made=await read_made_async(client, entries))


def undo_batch(client: Client, journal: SqliteJournal, batch_id: int) -> UndoPlan:
    """Put every record ``batch_id`` touched back as it was (conflicts included: check
    ``plan_undo_of`` first to see them). The undo is a batch of its own in ``journal`` when
    ``client`` writes to it. Returns the plan applied."""
    plan = plan_undo_of(client, journal, batch_id)
    apply_plan(client, plan)
    return plan


async def undo_batch_async(client: AsyncClient, journal: SqliteJournal,
                           batch_id: int) -> UndoPlan:
    plan = await plan_undo_of_async(client, journal, batch_id)
    await apply_plan_async(client, plan)
    return plan


def targets_of(spec: _SpecLike) -> list[Target]:
    """The records a write names before it is sent (for previews; creates name none)."""
    call = _call_of(spec)
    rule, params = rule_for(call)
    if not rule.undoable:
        return []
    reads = rule.reads(call, params)
    rows = rule.before_rows(call, params, [None] * len(reads))
    return [r.target for r in rows if r.target is not None]


def before_request_for(spec: _SpecLike) -> ReadCall | None:
    """The first read that shows what a write is about to change (None: none); send it with
    ``client.request("GET", read.path, operation_id=read.operation_id, params=read.params)``."""
    call = _call_of(spec)
    rule, params = rule_for(call)
    reads = rule.reads(call, params) if rule.undoable else []
    return reads[0] if reads else None


class _SpecLike(Protocol):
    """A request as the CLI builds it (``method``, ``path``, ``operation_id``...)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def operation_id(self) -> str | None: ...
    @property
    def params(self) -> Mapping[str, object] | None: ...
    @property
    def json(self) -> JSONValue: ...


def _call_of(spec: _SpecLike) -> WriteCall:
    return WriteCall(method=spec.method, path=spec.path, operation_id=spec.operation_id,
                     athlete_id="0", params=dict(spec.params or {}), body=spec.json)
