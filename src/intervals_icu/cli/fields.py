"""``FIELD=VALUE`` arguments. Values read as JSON when they can (``70.2``, ``true``, ``null``,
``[1,2]``), otherwise as text; an empty value (``weight=``) means CLEAR (-1 for numbers)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import typer

__all__ = ["parse_assignments", "parse_value"]


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
