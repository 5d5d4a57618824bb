"""Spec-driven routing: every path template of the official spec, matched most specific first.

``{ext}``/``{format}`` suffix parameters match an optional ``.xxx`` suffix, so both
``/wellness`` and ``/wellness.csv`` reach ``listWellnessRecords`` (API-NOTES §2.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intervals_icu.spec import Operation, operations

__all__ = ["Match", "Router"]

_SUFFIX_PARAMS = {"ext", "format"}


@dataclass(frozen=True)
class Route:
    template: str
    pattern: re.Pattern[str]
    operations: dict[str, Operation]
    specificity: tuple[int, int]


@dataclass(frozen=True)
class Match:
    operation: Operation
    params: dict[str, str]


def _compile(template: str) -> tuple[re.Pattern[str], tuple[int, int]]:
    regex = ""
    literal_chars = 0
    params = 0
    for piece in re.split(r"(\{[^}]+\})", template):
        if piece.startswith("{"):
            name = piece[1:-1]
            params += 1
            if name in _SUFFIX_PARAMS:
                regex += rf"(?P<{name}>(?:\.[A-Za-z0-9]+)?)"
            else:
                regex += rf"(?P<{name}>[^/]+)"
        else:
            literal_chars += len(piece)
            regex += re.escape(piece)
    return re.compile(f"^{regex}$"), (-literal_chars, params)


class Router:
    def __init__(self) -> None:
        by_template: dict[str, dict[str, Operation]] = {}
        for op in operations():
            by_template.setdefault(op.path, {})[op.method] = op
        routes = []
        for template, ops in by_template.items():
            pattern, specificity = _compile(template)
            routes.append(Route(template, pattern, ops, specificity))
        self.routes = sorted(routes, key=lambda r: r.specificity)

    def match(self, method: str, path: str) -> Match | set[str] | None:
        """The operation for ``method path``; the allowed methods if only the method is wrong
        (405); None if no template matches (404)."""
        allowed: set[str] = set()
        for route in self.routes:
            found = route.pattern.match(path)
            if not found:
                continue
            op = route.operations.get(method)
            if op is not None:
                params = {k: v for k, v in found.groupdict().items() if v is not None}
                return Match(op, params)
            allowed |= set(route.operations)
        return allowed or None
