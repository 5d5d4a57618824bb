"""``FIELD=VALUE`` arguments. Values read as JSON when they can (``70.2``, ``true``, ``null``,
``[1,2]``), otherwise as text; an empty value (``weight=``, ``comments=``) clears the field:
-1 for numbers (the platform's rule), null for text and other fields (as ``icu undo`` does)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import typer

__all__ = ["clears_for", "parse_assignments", "parse_value"]


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_assignments(items: Sequence[str], *, clear: Any = None,
                      what: str = "FIELD=VALUE") -> dict[str, Any]:
    """``["weight=70", "comments=easy day", "hrv="]`` -> ``{"weight": 70, ..., "hrv": clear}``."""
    found: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise typer.BadParameter(f"{item!r}: expected {what} (e.g. weight=70.5)")
        found[name] = clear if text == "" else parse_value(text)
    return found


def clears_for(model: Any, fields: dict[str, Any], *, clear: Any) -> dict[str, Any]:
    """``fields`` with each ``clear`` marker on a field that is not a number replaced by None
    (null empties text, lists and flags; -1, which CLEAR becomes, empties numbers only).
    Unknown names are left for ``build_partial_body`` to refuse with the closest names."""
    from intervals_icu.updates import is_numeric_field

    known = {info.alias or name: name for name, info in model.model_fields.items()}
    known.update({name: name for name in model.model_fields})
    return {key: None if (value is clear and key in known
                          and not is_numeric_field(model, known[key])) else value
            for key, value in fields.items()}
