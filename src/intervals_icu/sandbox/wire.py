"""What goes on the wire, shared by every face of the sandbox (app, control, transports,
webhooks): JSON bytes, the fields as the platform's Jackson writes them, and the
dropped-connection signal.

Jackson writes every property of a response object, ``null`` when unset (which is why
``fields=`` "also excludes null values", API-NOTES §2.5): :func:`jackson_view` gives a
response the properties of its schema in the official spec (recursively: objects in
objects and in lists), keeping anything else it carries. Strava stubs (``_note``) are
another class on the platform and keep their few keys.

Kept apart from ``app`` so that nothing that only needs bytes or the signal imports the
whole application (that was a six-module import circle).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from intervals_icu.spec import Operation, effective_spec

__all__ = ["DroppedConnection", "jackson_view", "json_bytes", "response_shape"]


class DroppedConnection(Exception):
    """Raised to drop the connection without an answer (fault injection)."""


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def json_bytes(value: Any) -> bytes:
    """Compact JSON (no spaces), dates as ISO-8601, numpy values as numbers."""
    return json.dumps(value, default=_json_default, separators=(",", ":")).encode()


# -- Jackson's nulls ----------------------------------------------------------------------------


@dataclass(eq=False)
class _Object:
    names: tuple[str, ...] = ()
    children: dict[str, Shape] = field(default_factory=dict)
    """The properties whose values are objects or lists of objects."""


@dataclass(eq=False)
class _Array:
    item: Shape


@dataclass(eq=False)
class _AnyOf:
    options: tuple[_Object, ...]


Shape = _Object | _Array | _AnyOf


class _Compiler:
    """Schemas of the effective spec as shapes; ``$ref`` cycles (a folder's workouts...)
    share one shape object."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = effective_spec()["components"]["schemas"]
        self.named: dict[str, _Object | None] = {}

    def shape(self, schema: Any) -> Shape | None:
        if not isinstance(schema, dict):
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in self.named:
                placeholder = self.named[name] = _Object()  # cycles resolve to it
                built = self.shape(self.schemas.get(name))
                if isinstance(built, _Object):
                    placeholder.names, placeholder.children = built.names, built.children
                else:
                    self.named[name] = None
            return self.named[name]
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if alternatives:
            options = tuple(s for s in (self.shape(a) for a in alternatives)
                            if isinstance(s, _Object))
            return _AnyOf(options) if options else None
        if schema.get("type") == "array":
            item = self.shape(schema.get("items"))
            return _Array(item) if item is not None else None
        properties = schema.get("properties")
        if not isinstance(properties, dict) or not properties:
            return None
        children = {name: child for name, sub in properties.items()
                    if (child := self.shape(sub)) is not None}
        return _Object(tuple(properties), children)


@functools.cache
def _compiler() -> _Compiler:
    return _Compiler()


@functools.cache
def _response_shape(operation_id: str, path: str, method: str, status: int) -> Shape | None:
    spec = effective_spec()
    responses = spec["paths"][path][method.lower()].get("responses") or {}
    response = responses.get(str(status)) or responses.get("200") or responses.get("default")
    content = (response or {}).get("content") or {}
    media: dict[str, Any] = next(iter(content.values()), {})
    return _compiler().shape(media.get("schema"))


def response_shape(operation: Operation, status: int) -> Shape | None:
    """The shape of ``operation``'s ``status`` response (None: nothing to fill)."""
    return _response_shape(operation.operation_id, operation.path, operation.method, status)


def _choose(options: tuple[_Object, ...], value: dict[str, Any]) -> _Object:
    """The alternative that names every key of ``value`` with the fewest extras, else the
    one naming most of them."""
    keys = set(value)
    covering = [o for o in options if keys <= set(o.names)]
    if covering:
        return min(covering, key=lambda o: len(o.names))
    return max(options, key=lambda o: len(keys & set(o.names)))


def jackson_view(shape: Shape | None, value: Any) -> Any:
    """``value`` with every property of ``shape`` present (null when unset), recursively;
    a new structure (``value`` itself is not changed)."""
    if shape is None:
        return value
    if isinstance(shape, _Array):
        if not isinstance(value, list):
            return value
        return [jackson_view(shape.item, item) for item in value]
    if not isinstance(value, dict) or "_note" in value:
        return value  # a Strava stub is the platform's Hidden class: its keys only
    if isinstance(shape, _AnyOf):
        shape = _choose(shape.options, value)
    children = shape.children
    out: dict[str, Any] = {}
    for name in shape.names:
        item = value.get(name)
        out[name] = jackson_view(children[name], item) if item is not None and \
            name in children else item
    if len(out) != len(value) or not value.keys() <= out.keys():
        for name, item in value.items():
            if name not in out:
                out[name] = item
    return out
