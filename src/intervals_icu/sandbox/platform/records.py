"""Record helpers shared by handlers: partial updates with -1, field filters, CSV output."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Mapping
from typing import Any

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.spec import effective_spec

__all__ = [
    "apply_patch",
    "json_copy",
    "numeric_fields",
    "select_fields",
    "to_csv",
    "validate_patch",
]

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@functools.cache
def _properties(schema: str) -> dict[str, dict[str, Any]]:
    props: dict[str, dict[str, Any]] = effective_spec()["components"]["schemas"][schema].get(
        "properties", {}
    )
    return props


@functools.cache
def numeric_fields(schema: str) -> frozenset[str]:
    return frozenset(
        name for name, prop in _properties(schema).items()
        if prop.get("type") in {"integer", "number"}
    )


def validate_patch(schema: str, patch: Mapping[str, Any], *, allow_extra: bool = True) -> None:
    """422 for a value of the wrong JSON type (the platform's Jackson would refuse it)."""
    props = _properties(schema)
    for key, value in patch.items():
        prop = props.get(key)
        if prop is None:
            if allow_extra:
                continue
            raise ApiError(422, f"Unknown field '{key}'")
        kind = prop.get("type")
        if value is None or kind is None or "$ref" in prop:
            continue
        allowed = _JSON_TYPES.get(kind, (object,))
        if isinstance(value, bool) and kind in {"integer", "number"}:
            raise ApiError(422, f"Invalid value for '{key}': expected a number")
        if not isinstance(value, allowed):
            raise ApiError(422, f"Invalid value for '{key}': expected {kind}")
        if kind == "string" and "enum" in prop and value not in prop["enum"]:
            raise ApiError(422, f"Invalid value for '{key}': {value!r}")


def apply_patch(schema: str, record: dict[str, Any], patch: Mapping[str, Any],
                *, protected: Iterable[str] = ("id",)) -> list[str]:
    """Apply a partial update in place: only keys present change; -1 clears a numeric field.

    Returns the names of the fields whose value changed.
    """
    numeric = numeric_fields(schema)
    keep = set(protected)
    changed: list[str] = []
    for key, value in patch.items():
        if key in keep:
            continue
        new = None if (key in numeric and value == -1) else value
        if record.get(key) != new:
            changed.append(key)
        if new is None:
            record.pop(key, None)
        else:
            record[key] = new
    return changed


def json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): what ``copy.deepcopy`` does
    for records, four times faster (no memo, nothing but dicts and lists to copy)."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def select_fields(record: Mapping[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """The platform's ``fields=``: only these keys, and null values dropped (API-NOTES §2.5)."""
    if not fields:
        return dict(record)
    return {k: record[k] for k in fields if record.get(k) is not None}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ":".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ""
    return str(value)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()
