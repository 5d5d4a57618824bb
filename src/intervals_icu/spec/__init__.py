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


def _operation_responses(spec: JSON) -> Iterator[tuple[str, JSON]]:
    for item in spec["paths"].values():
        for method, definition in item.items():
            if method in {"get", "put", "post", "delete", "patch"}:
                yield definition["operationId"], definition.get("responses", {})


def _java_map_responses_are_any(spec: JSON) -> int:
    # The same springdoc rendering in operation responses: Map<String, Object> results
    # ({"eventsDeleted": 1}, {"id": .., "workoutsDeleted": 0}) say their values are objects.
    changed = 0
    for _, responses in _operation_responses(spec):
        for response in responses.values():
            for media in (response.get("content") or {}).values():
                schema = media.get("schema") or {}
                if schema.get("additionalProperties") == {"type": "object"}:
                    schema["additionalProperties"] = {}
                    changed += 1
    return changed


def _activity_alternatives_any_of(spec: JSON) -> int:
    # oneOf needs exactly one match, but Activity, ActivityWithIntervals and Hidden share
    # properties and allow any others, so a real activity matches several: use anyOf.
    changed = 0
    for operation_id, responses in _operation_responses(spec):
        if operation_id != "getActivity":
            continue
        for response in responses.values():
            for media in (response.get("content") or {}).values():
                schema = media.get("schema") or {}
                if "oneOf" in schema:
                    schema["anyOf"] = schema.pop("oneOf")
                    changed += 1
    return changed


def _upload_answers_201(spec: JSON) -> int:
    # The operation's own description: "Response code is 201 if at least one new activity
    # was created and 200 otherwise", but only 200 is declared.
    for operation_id, responses in _operation_responses(spec):
        if operation_id == "uploadActivity" and "201" not in responses and "200" in responses:
            responses["201"] = copy.deepcopy(responses["200"])
            return 1
    return 0


def _nullable(schema: Any) -> int:
    """Mark ``schema`` and every schema inside it nullable; returns how many changed."""
    if not isinstance(schema, dict):
        return 0
    changed = 0
    if isinstance(schema.get("type"), str) and not schema.get("nullable"):
        schema["nullable"] = True
        changed += 1
    for key in ("properties", "patternProperties"):
        for sub in (schema.get(key) or {}).values():
            changed += _nullable(sub)
    for key in ("items", "additionalProperties", "not"):
        changed += _nullable(schema.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            changed += _nullable(sub)
    return changed


def _stream_value_type(spec: JSON) -> int:
    # ActivityStream elements carry "valueType" (e.g. "java.lang.Integer") beside
    # "valueTypeIsArray", which the published schema lists alone.
    props = spec["components"]["schemas"]["ActivityStream"]["properties"]
    if "valueType" in props:
        return 0
    props["valueType"] = {"type": "string"}
    return 1


def _jackson_writes_nulls(spec: JSON) -> int:
    # Jackson serializes unset fields as null; springdoc marks nothing nullable.
    changed = sum(_nullable(schema) for schema in spec["components"]["schemas"].values())
    for _, responses in _operation_responses(spec):
        for response in responses.values():
            for media in (response.get("content") or {}).values():
                changed += _nullable(media.get("schema"))
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
    Erratum(
        name="java-map-responses-are-any-json",
        reason=(
            "Operations answering a Map<String, Object> (deleteEvent, deleteFolder, "
            "applyCurrentPlanChanges, getSettings...) publish its values as objects; the "
            "platform sends numbers and strings ({\"eventsDeleted\": 1})."
        ),
        source="API-NOTES §4.10 (delete events), §6.2; the same springdoc rendering as above",
        apply=_java_map_responses_are_any,
    ),
    Erratum(
        name="get-activity-any-of",
        reason=(
            "GET /activity/{id} answers oneOf Activity, ActivityWithIntervals or Hidden; the "
            "three overlap and allow extra properties, so every real activity matches more "
            "than one and oneOf can never validate. The platform returns one of them: anyOf."
        ),
        source="SPEC (schema overlap); API-NOTES §2.6 (Strava activities come back Hidden)",
        apply=_activity_alternatives_any_of,
    ),
    Erratum(
        name="upload-answers-201",
        reason=(
            "uploadActivity declares only 200, but its description (and the platform) answer "
            "201 when at least one new activity was created."
        ),
        source="SPEC uploadActivity description; API-NOTES §4.5, §6.3",
        apply=_upload_answers_201,
    ),
    Erratum(
        name="stream-value-type",
        reason=(
            "Stream elements carry valueType (the Java type of the values) beside "
            "valueTypeIsArray; the published ActivityStream schema lacks it."
        ),
        source="API-NOTES §4.7 (element shape; YZ-INV fixture)",
        apply=_stream_value_type,
    ),
    Erratum(
        name="jackson-writes-nulls",
        reason=(
            "The platform serializes unset fields as null (which is why fields= 'removes "
            "nulls'), but the published schemas mark nothing nullable: every schema in "
            "components and in responses accepts null."
        ),
        source="API-NOTES §6.3 (fields= removes nulls), §2.5; DESIGN (explicit nulls are fine)",
        apply=_jackson_writes_nulls,
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
