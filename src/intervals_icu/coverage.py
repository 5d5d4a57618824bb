"""Which client method calls which spec operation: the source of docs/coverage.md and of the
tests that fail when an operation has no method or the sync and async surfaces differ."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from intervals_icu.operation import operations_of
from intervals_icu.spec import operations

__all__ = ["ClientMethod", "client_methods", "coverage_table", "resource_classes", "writes_table"]

RESOURCE_ATTRIBUTES = (
    "athletes", "activities", "wellness", "events", "library", "gear", "sport_settings",
    "chats", "custom_items", "routes", "weather", "shared_events", "oauth",
)


@dataclass(frozen=True)
class ClientMethod:
    resource: str
    name: str
    operation_ids: tuple[str, ...]
    function: Any

    @property
    def dotted(self) -> str:
        return f"client.{self.resource}.{self.name}"


def resource_classes(client_class: type) -> dict[str, type]:
    """Resource attribute -> class, read from the client's ``__init__`` without instantiating."""
    import intervals_icu._async.resources as async_resources
    import intervals_icu._sync.resources as sync_resources

    module = async_resources if client_class.__name__.startswith("Async") else sync_resources
    prefix = "Async" if module is async_resources else ""
    found: dict[str, type] = {}
    for attribute in RESOURCE_ATTRIBUTES:
        camel = "".join(part.capitalize() for part in attribute.split("_"))
        camel = {"Oauth": "OAuth"}.get(camel, camel)
        found[attribute] = getattr(module, f"{prefix}{camel}Resource")
    return found


def client_methods(client_class: type) -> Iterator[ClientMethod]:
    for attribute, cls in resource_classes(client_class).items():
        for name, function in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            yield ClientMethod(attribute, name, operations_of(function), function)


def coverage_table() -> str:
    """The markdown table of docs/coverage.md: every spec operation and its client method(s)."""
    from intervals_icu import AsyncClient

    by_operation: dict[str, list[str]] = {}
    for method in client_methods(AsyncClient):
        for operation_id in method.operation_ids:
            by_operation.setdefault(operation_id, []).append(f"`{method.dotted}`")
    lines = [
        "| operationId | method | path | client method(s) |",
        "|---|---|---|---|",
    ]
    for op in sorted(operations(), key=lambda o: (o.path, o.method)):
        names = ", ".join(sorted(by_operation.get(op.operation_id, []))) or "**missing**"
        lines.append(f"| {op.operation_id} | {op.method} | `{op.path}` | {names} |")
    return "\n".join(lines) + "\n"


def writes_table() -> str:
    """The markdown table of every write operation: whether the client sends it again when
    its answer was lost (``idempotency``), and whether the journal can undo it (``journal``)."""
    from intervals_icu.idempotency import GONE_MEANS_DONE, REPLAYABLE
    from intervals_icu.journal.targets import RULES

    lines = [
        "| operationId | method | sent again after a lost answer | undo |",
        "|---|---|---|---|",
    ]
    for op in sorted(operations(), key=lambda o: o.operation_id.lower()):
        if op.method == "GET":
            continue
        replay = "yes" if REPLAYABLE.get(op.operation_id) else "no"
        if op.operation_id in GONE_MEANS_DONE:
            replay += " (gone = done)"
        rule = RULES.get(op.operation_id)
        if rule is None:
            undo = "**unknown**"
        elif rule.undoable:
            undo = "yes"
        elif not rule.journaled:
            undo = "nothing to undo: " + rule.reason
        else:
            undo = "no: " + rule.reason
        lines.append(f"| {op.operation_id} | {op.method} | {replay} | {undo} |")
    return "\n".join(lines) + "\n"
