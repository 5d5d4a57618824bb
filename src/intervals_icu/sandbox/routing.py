"""Spec-driven routing: every path template of the official spec, matched most specific first.

``{ext}``/``{format}`` suffix parameters match any suffix within the segment, as Spring binds
them: ``/wellness``, ``/wellness.csv`` and ``/wellnessjson`` all reach ``listWellnessRecords``
(API-NOTES §2.4; only ``.csv`` switches to CSV). A longer literal template always wins, so
``/power-curves.json`` is not ``power-curve{ext}`` with ``s.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intervals_icu.sandbox.errors import ApiError
from intervals_icu.spec import Operation, operations

__all__ = ["Match", "Router"]

_SUFFIX_PARAMS = {"ext", "format"}
_JAVA_INTEGERS = {"int32": ("int", 2**31), "int64": ("long", 2**63)}
"""Integer formats of path parameters: the Java type Spring converts to, and its bound."""
_DIGITS = re.compile(r"[+-]?[0-9]+")


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

    def check_types(self) -> None:
        """Spring converts integer path variables before the handler runs; a value that is
        not one fails with a 500 carrying the exception text (API-NOTES §6.2)."""
        for parameter in self.operation.definition.get("parameters") or []:
            schema = parameter.get("schema") or {}
            if parameter.get("in") != "path" or schema.get("type") != "integer":
                continue
            value = self.params.get(parameter["name"])
            if value is None:
                continue
            java_type, bound = _JAVA_INTEGERS.get(schema.get("format", ""), ("int", 2**31))
            if not _DIGITS.fullmatch(value) or not -bound <= int(value) < bound:
                raise ApiError(500, type_mismatch(parameter["name"], value, java_type))


def type_mismatch(name: str, value: str, java_type: str) -> str:
    """``MethodArgumentTypeMismatchException.toString()`` as Spring 6 words it."""
    return ("org.springframework.web.method.annotation.MethodArgumentTypeMismatchException: "
            f"Method parameter '{name}': Failed to convert value of type 'java.lang.String' "
            f"to required type '{java_type}'; For input string: \"{value}\"")


def _compile(template: str) -> tuple[re.Pattern[str], tuple[int, int]]:
    regex = ""
    literal_chars = 0
    params = 0
    for piece in re.split(r"(\{[^}]+\})", template):
        if piece.startswith("{"):
            name = piece[1:-1]
            params += 1
            if name in _SUFFIX_PARAMS:
                regex += rf"(?P<{name}>[^/]*)"
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
