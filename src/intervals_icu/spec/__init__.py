"""The official Intervals.icu OpenAPI document, packaged, and the errata we apply to it.

``official_spec()`` is the document byte-for-byte as published (API-NOTES §1.1).
``effective_spec()`` is the same document with :data:`ERRATA` applied: places where the
published spec contradicts what the live platform sends. Models are generated from the
effective spec and the sandbox's fidelity tests validate against it, so every deviation
from the official document is listed here, with its source, and nowhere else.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["ERRATA", "Erratum", "effective_spec", "official_spec", "operations", "spec_sha256"]

SPEC_FILE = "intervals-icu-openapi.json"

JSON = dict[str, Any]


@dataclass(frozen=True)
class Erratum:
    name: str
    reason: str
    source: str
    apply: Callable[[JSON], int]
    """Mutates the spec in place; returns how many places it changed."""


def _java_object_is_any(spec: JSON) -> int:
    # springdoc renders a java.lang.Object property as {"type": "object"}, and a
    # Map<String, Object> as additionalProperties {"type": "object"}; the values are any JSON.
    changed = 0
    for schema in spec["components"]["schemas"].values():
        for prop in schema.get("properties", {}).values():
            if prop == {"type": "object"}:
                prop.clear()
                changed += 1
            elif prop.get("additionalProperties") == {"type": "object"}:
                prop["additionalProperties"] = {}
                changed += 1
    return changed


ERRATA: tuple[Erratum, ...] = (
    Erratum(
        name="java-object-is-any-json",
        reason=(
            "Properties typed java.lang.Object (ActivityStream.data/data2, ActivityFilter.value) "
            "and Map<String, Object> (workout_doc, CustomItem.content, custom_field_values) are "
            "published as JSON objects, but the platform sends arrays, strings and numbers in them "
            "(stream data is an array; workout_doc holds 'description', 'duration', 'steps')."
        ),
        source="API-NOTES §4.7 (YZ-INV stream fixture), §4.10 (F-93737 workout_doc)",
        apply=_java_object_is_any,
    ),
)


@functools.cache
def _official_bytes() -> bytes:
    return resources.files(__package__).joinpath(SPEC_FILE).read_bytes()


def spec_sha256() -> str:
    return hashlib.sha256(_official_bytes()).hexdigest()


def official_spec() -> JSON:
    """The published document, unchanged (a fresh copy each call)."""
    return copy.deepcopy(_official())


@functools.cache
def _official() -> JSON:
    result: JSON = json.loads(_official_bytes())
    return result


@functools.cache
def _effective() -> JSON:
    spec = copy.deepcopy(_official())
    for erratum in ERRATA:
        erratum.apply(spec)
    return spec


def effective_spec() -> JSON:
    """The published document with :data:`ERRATA` applied (a fresh copy each call)."""
    return copy.deepcopy(_effective())


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    summary: str
    definition: JSON

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def operations(spec: JSON | None = None) -> Iterator[Operation]:
    """Every operation of the spec, in document order."""
    doc = spec if spec is not None else _official()
    for path, item in doc["paths"].items():
        for method, definition in item.items():
            if method not in {"get", "put", "post", "delete", "patch"}:
                continue
            yield Operation(
                operation_id=definition["operationId"],
                method=method.upper(),
                path=path,
                tag=(definition.get("tags") or [""])[0],
                summary=definition.get("summary") or "",
                definition=definition,
            )
