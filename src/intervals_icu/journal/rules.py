"""The kinds of journal rule: for one write, the reads that show its records before, and the
rows it leaves in the journal once answered (pure: no I/O).

:mod:`intervals_icu.journal.targets` says which operation follows which rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from intervals_icu.hooks import JSONValue, ReadCall, WriteCall

__all__ = [
    "Action",
    "ChangesNothing",
    "Creates",
    "NotUndoable",
    "OneRecord",
    "Params",
    "Read",
    "Row",
    "Rule",
    "Target",
    "as_object",
    "as_objects",
    "as_text",
    "athlete_of",
    "day_of",
    "made_by_answer",
]

Action = Literal["update", "create", "delete", "replace", "other"]
"""``replace``: the whole document is written back on undo (interval lists, orders...)."""


@dataclass(frozen=True, order=True)
class Target:
    """One record a write touches: ``("wellness", "2025-03-01")``, ``("event", "42")``..."""

    kind: str
    record_id: str
    athlete_id: str = "0"
    """The athlete whose record it is (as the writing client named them; "0" = the caller)."""

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}"


@dataclass(frozen=True)
class Row:
    """One journal entry: a record a write touched (``target`` None: not known)."""

    target: Target | None
    action: Action
    sent: JSONValue = None
    before: JSONValue = None
    after: JSONValue = None


Params = Mapping[str, str]


def as_object(value: JSONValue) -> dict[str, JSONValue] | None:
    return value if isinstance(value, dict) else None


def as_objects(value: JSONValue) -> list[dict[str, JSONValue]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def as_text(value: JSONValue) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def day_of(value: JSONValue) -> str:
    return str(value)[:10]


# ---------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Rule:
    """How one write operation is journaled. Subclasses fill in the three steps."""

    template: str
    """The operation's path in the spec (checked against it by a test)."""
    kind: str | None = None
    undoable: bool = True
    reason: str = ""
    """Why it cannot be undone (when ``undoable`` is False)."""
    journaled: bool = True
    """False for operations that change nothing (conversions, downloads)."""

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        return []

    def before_rows(self, call: WriteCall, params: Params,
                    before: Sequence[JSONValue]) -> list[Row]:
        return [Row(None, "other", call.body)]

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        """``rows`` completed with what the answer says; the first ``len(rows)`` rows stand
        for ``rows`` (same order), any more are records the answer names (creates)."""
        return [Row(r.target, r.action, r.sent, r.before, answer) for r in rows]


_ATHLETE_IN_PATH = re.compile(r"^/api/v1/athlete/([^/?]+)")


def athlete_of(call: WriteCall) -> str:
    """The athlete of the record: the one in the path when there is one."""
    match = _ATHLETE_IN_PATH.match(call.path)
    return match.group(1) if match else call.athlete_id


@dataclass(frozen=True)
class NotUndoable(Rule):
    undoable: bool = False


@dataclass(frozen=True)
class ChangesNothing(Rule):
    undoable: bool = False
    journaled: bool = False
    reason: str = "it changes nothing (a conversion or a download)"


@dataclass(frozen=True)
class Read:
    """A GET that shows the record, built from the path parameters of the write."""

    template: str
    operation_id: str
    params: Callable[[WriteCall], Mapping[str, object]] | None = None

    def call(self, params: Params, write: WriteCall) -> ReadCall:
        path = self.template
        for name, value in params.items():
            path = path.replace("{" + name + "}", value)
        return ReadCall(path, self.operation_id, dict(self.params(write)) if self.params else {})


@dataclass(frozen=True)
class OneRecord(Rule):
    """A write to one record named in the path (update, delete, or replace a document)."""

    action: Action = "update"
    id_param: str = "id"
    read: Read | None = None
    pick: Callable[[JSONValue, Params], JSONValue] | None = None
    """The record inside the read's answer (a list of gear, a chat's messages...)."""
    id_from_before: str | None = None
    """Take the record id from this field of the record read (e.g. a sport name in the path
    stands for numeric settings)."""
    after_pick: Callable[[JSONValue, Params], JSONValue] | None = None

    def record_id(self, params: Params) -> str:
        return params.get(self.id_param, "")

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        return [self.read.call(params, call)] if self.read else []

    def before_rows(self, call: WriteCall, params: Params,
                    before: Sequence[JSONValue]) -> list[Row]:
        record = before[0] if before else None
        if record is not None and self.pick is not None:
            record = self.pick(record, params)
        record_id = self.record_id(params)
        if self.id_from_before and isinstance(record, dict):
            record_id = as_text(record.get(self.id_from_before)) or record_id
        assert self.kind is not None
        target = Target(self.kind, record_id, athlete_of(call))
        return [Row(target, self.action, call.body, record)]

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        if self.action == "delete":
            return [Row(r.target, r.action, r.sent, r.before, None) for r in rows]
        after = self.after_pick(answer, params) if self.after_pick else answer
        return [Row(r.target, r.action, r.sent, r.before, after) for r in rows]


@dataclass(frozen=True)
class Creates(Rule):
    """A write whose answer names the records it made."""

    made: Callable[[JSONValue, WriteCall, Params, Sequence[JSONValue]],
                   list[tuple[str, JSONValue]]] = lambda answer, call, params, before: []
    reads_for: Callable[[WriteCall, Params], list[ReadCall]] | None = None
    identity: tuple[str, ...] = ()
    """Sent fields that recognise what the create made when its answer was lost (with
    ``reads_for``: see :meth:`made_unanswered`)."""

    def reads(self, call: WriteCall, params: Params) -> list[ReadCall]:
        return self.reads_for(call, params) if self.reads_for else []

    def made_unanswered(self, call: WriteCall, params: Params, before: JSONValue,
                        now: Sequence[JSONValue]) -> list[tuple[Target, JSONValue]] | None:
        """What a create whose answer was lost made, found by its content: the records the
        reads list now (``now``: their answers) that they did not list before the write
        (``before``: as the journal stored it) and that carry the sent ``identity`` values.
        None when this create cannot be recognised so."""
        body = as_object(call.body)
        if not self.identity or self.kind is None or body is None or not isinstance(
                before, list):
            return None
        wanted = {k: as_text(body[k]) for k in self.identity if body.get(k) is not None}
        if not wanted:
            return None
        known = {str(r.get("id")) for answer in before for r in as_objects(answer)}
        athlete = athlete_of(call)
        return [(Target(self.kind, str(r["id"]), athlete), r)
                for answer in now for r in as_objects(answer)
                if r.get("id") is not None and str(r["id"]) not in known
                and all(as_text(r.get(k)) == v for k, v in wanted.items())]

    def before_rows(self, call: WriteCall, params: Params,
                    before: Sequence[JSONValue]) -> list[Row]:
        # The answer names what was made; until then (or if it is lost) the id is unknown.
        return [Row(None, "create", call.body, list(before) if before else None)]

    def after_rows(self, call: WriteCall, params: Params, rows: Sequence[Row],
                   answer: JSONValue, status: int | None) -> list[Row]:
        assert self.kind is not None
        before = rows[0].before if rows and isinstance(rows[0].before, list) else []
        made = self.made(answer, call, params, before)
        athlete = athlete_of(call)
        found = [Row(Target(self.kind, record_id, athlete), "create", call.body, None, record)
                 for record_id, record in made]
        if not found:
            return [Row(None, "other", call.body, None, answer)]
        return found


def _id_of(record: JSONValue) -> list[tuple[str, JSONValue]]:
    found = as_object(record)
    if found is None or found.get("id") is None:
        return []
    return [(str(found["id"]), found)]


def _ids_of(records: JSONValue) -> list[tuple[str, JSONValue]]:
    return [(str(r["id"]), r) for r in as_objects(records) if r.get("id") is not None]


def made_by_answer(answer: JSONValue, call: WriteCall, params: Params,
          before: Sequence[JSONValue]) -> list[tuple[str, JSONValue]]:
    return _ids_of(answer) if isinstance(answer, list) else _id_of(answer)
