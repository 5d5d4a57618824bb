"""Partial updates: send only the fields given; ``CLEAR`` unsets a numeric field.

The platform changes only the fields present in a PUT, and "to clear a numeric field supply
-1" (API-NOTES §0.1). ``CLEAR`` is that -1, typed: it is accepted only by numeric fields and
refused, before anything is sent, where -1 would mean nothing (or something else).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, Union

from pydantic import BaseModel, ValidationError

from intervals_icu.errors import InvalidRequestError

__all__ = ["CLEAR", "CLEAR_VALUE", "Clear", "build_partial_body", "field_changes",
           "is_numeric_field"]

CLEAR_VALUE: Final = -1


class Clear:
    """The type of :data:`CLEAR`."""

    _instance: Clear | None = None

    def __new__(cls) -> Clear:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "CLEAR"

    def __reduce__(self) -> str:
        return "CLEAR"


CLEAR: Final = Clear()
"""Unset a numeric field in an update (sent as -1)."""


def _annotation_types(annotation: Any) -> set[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _annotation_types(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        found: set[Any] = set()
        for arg in typing.get_args(annotation):
            found |= _annotation_types(arg)
        return found
    return {annotation}


def is_numeric_field(model: type[BaseModel], name: str) -> bool:
    """True when the field holds a number (int or float) in the official spec."""
    info = model.model_fields[name]
    kinds = _annotation_types(info.annotation) - {type(None)}
    return bool(kinds) and kinds <= {int, float}


def _field_names(model: type[BaseModel]) -> dict[str, str]:
    """Accepted keyword -> python field name (both the name and the wire alias work)."""
    names: dict[str, str] = {}
    for name, info in model.model_fields.items():
        names[name] = name
        if info.alias:
            names[info.alias] = name
    return names


def build_partial_body(
    model: type[BaseModel],
    fields: Mapping[str, Any],
    *,
    allow_extra: bool = False,
    what: str | None = None,
) -> dict[str, Any]:
    """Validate ``fields`` against ``model`` and return the JSON body with only those keys.

    * An unknown field name is refused (with the closest known names) unless ``allow_extra``
      (wellness custom fields are extra top-level keys, API-NOTES §4.9).
    * ``CLEAR`` becomes -1 for numeric fields and is refused elsewhere.
    * Values are validated with the model's types; a wrong type is refused with the field name.
    """
    label = what or model.__name__
    known = _field_names(model)
    to_validate: dict[str, Any] = {}
    cleared: list[str] = []
    extras: dict[str, Any] = {}
    for key, value in fields.items():
        name = known.get(key)
        if name is None:
            if allow_extra:
                if value is CLEAR:
                    extras[key] = CLEAR_VALUE
                else:
                    extras[key] = value
                continue
            close = difflib.get_close_matches(key, list(known), n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InvalidRequestError(f"{label} has no field {key!r}.{hint} Nothing was sent.")
        if value is CLEAR:
            if not is_numeric_field(model, name):
                raise InvalidRequestError(
                    f"CLEAR only unsets numeric fields (sent as -1); {label}.{key} is not "
                    "numeric. To change it, send a value instead. Nothing was sent."
                )
            cleared.append(name)
            continue
        to_validate[name] = value
    try:
        instance = model.model_validate(to_validate)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidRequestError(
            f"invalid {label} fields: {problems}. Nothing was sent."
        ) from None
    body = instance.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for name in cleared:
        body[model.model_fields[name].alias or name] = CLEAR_VALUE
    body.update(extras)
    return body


def is_clear(value: object) -> Literal[True, False]:
    return value is CLEAR


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def field_changes(before: Mapping[str, Any] | None, patch: Mapping[str, Any],
                  numeric: Callable[[str], bool] | None = None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a partial update ``patch`` changes in the record ``before``: (the fields as they
    are, the fields as they will be), only those that really change. -1 on a numeric field
    (``numeric(name)``; every field when None) shows as cleared (None); an empty value
    replacing an empty one is no change. The diff a preview (``--dry-run``) shows."""
    before = before or {}
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key, value in patch.items():
        if key == "id":
            continue
        target = None if (value == CLEAR_VALUE and not isinstance(value, bool) and
                          (numeric is None or numeric(key))) else value
        current = before.get(key)
        if current != target and not (_empty(current) and _empty(target)):
            old[key] = current
            new[key] = target
    return old, new
