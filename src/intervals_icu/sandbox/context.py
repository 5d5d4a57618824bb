"""What a route handler receives (``Ctx``) and may return (``Reply``), and the registry.

Handlers are thin: they read the request through ``Ctx``, call into the state, and return
JSON-shaped data. ``@handles("operationId")`` registers one; spec operations without a handler
answer 501 (see docs/sandbox.md for the implemented-vs-spec table).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from intervals_icu.sandbox.clock import parse_local
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.state import AthleteStore, Principal, SandboxState
from intervals_icu.spec import Operation

__all__ = ["HANDLERS", "Ctx", "Reply", "UploadedFile", "handles", "locate", "parse_local"]

Handler = Callable[["Ctx"], Any]
HANDLERS: dict[str, Handler] = {}


def handles(*operation_ids: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for operation_id in operation_ids:
            if operation_id in HANDLERS:
                raise RuntimeError(f"two sandbox handlers for {operation_id}")
            HANDLERS[operation_id] = fn
        return fn

    return register


@dataclass
class Reply:
    """A response other than "200 with this JSON"."""

    body: Any = None
    status: int = 200
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes
    content_type: str | None = None


class Ctx:
    def __init__(
        self,
        *,
        state: SandboxState,
        principal: Principal,
        operation: Operation,
        params: dict[str, str],
        query: list[tuple[str, str]],
        body: bytes,
        headers: dict[str, str],
        files: dict[str, UploadedFile] | None = None,
        form: dict[str, str] | None = None,
    ) -> None:
        self.state = state
        self.principal = principal
        self.operation = operation
        self.params = params
        self._query = query
        self.body = body
        self.headers = headers
        self.files = files or {}
        self.form = form or {}

    # -- who and where --------------------------------------------------------------------------

    @property
    def writes(self) -> bool:
        return self.operation.method != "GET" and self.operation.operation_id not in _READ_POSTS

    def athlete(self, name: str = "id", *, write: bool | None = None) -> str:
        """The athlete addressed by path parameter ``name`` (``0`` = caller), access checked."""
        return self.state.resolve_athlete(
            self.principal, self.params[name], write=self.writes if write is None else write
        )

    def store(self, name: str = "id", *, write: bool | None = None) -> tuple[str, AthleteStore]:
        athlete_id = self.athlete(name, write=write)
        return athlete_id, self.state.store(athlete_id)

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string as (name, value) pairs, in order."""
        return list(self._query)

    @property
    def ext(self) -> str:
        """The ``{ext}``/``{format}`` suffix, lower-case, e.g. ``.csv``; empty when bare."""
        return (self.params.get("ext") or self.params.get("format") or "").lower()

    @property
    def wants_csv(self) -> bool:
        return self.ext == ".csv"

    # -- query ---------------------------------------------------------------------------------

    def q(self, name: str, default: str | None = None) -> str | None:
        for key, value in self._query:
            if key == name:
                return value
        return default

    def q_required(self, name: str) -> str:
        value = self.q(name)
        if value is None or value == "":
            raise ApiError(422, f"Required request parameter '{name}' is not present")
        return value

    def q_list(self, name: str) -> list[str] | None:
        """Comma-joined or repeated values (Spring binds both, API-NOTES §2.5)."""
        values = [v for k, v in self._query if k == name]
        if not values:
            return None
        return [item.strip() for v in values for item in v.split(",") if item.strip()]

    def q_int(self, name: str, default: int | None = None) -> int | None:
        value = self.q(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise ApiError(422, f"Invalid value for '{name}': {value}") from None

    def q_float(self, name: str, default: float | None = None) -> float | None:
        value = self.q(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except ValueError:
            raise ApiError(422, f"Invalid value for '{name}': {value}") from None

    def q_bool(self, name: str, default: bool = False) -> bool:
        value = self.q(name)
        if value is None or value == "":
            return default
        if value.lower() in {"true", "1", "yes"}:
            return True
        if value.lower() in {"false", "0", "no"}:
            return False
        raise ApiError(422, f"Invalid value for '{name}': {value}")

    def q_date(self, name: str, default: date | None = None, *, required: bool = False) -> (
        date | None
    ):
        """A local date, or the date part of a local date-time."""
        value = self.q(name)
        if value is None or value == "":
            if required:
                raise ApiError(422, f"Required request parameter '{name}' is not present")
            return default
        return parse_local(value, name).date()

    def q_datetime(self, name: str, default: datetime | None = None, *,
                   required: bool = False, end_of_day: bool = False) -> datetime | None:
        """A local date-time; a bare date means its start (or its end with ``end_of_day``)."""
        value = self.q(name)
        if value is None or value == "":
            if required:
                raise ApiError(422, f"Required request parameter '{name}' is not present")
            return default
        parsed = parse_local(value, name)
        if end_of_day and len(value.strip()) <= 10:
            parsed = parsed.replace(hour=23, minute=59, second=59)
        return parsed

    # -- body -----------------------------------------------------------------------------------

    def json(self) -> Any:
        if not self.body:
            raise ApiError(400, "Required request body is missing")
        try:
            return json.loads(self.body)
        except ValueError:
            raise ApiError(400, "JSON parse error: the request body is not valid JSON") from None

    def json_object(self) -> dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise ApiError(400, "JSON parse error: expected an object")
        return value

    def json_list(self) -> list[Any]:
        value = self.json()
        if not isinstance(value, list):
            raise ApiError(400, "JSON parse error: expected an array")
        return value

    def file(self, name: str = "file") -> UploadedFile:
        found = self.files.get(name)
        if found is None:
            raise ApiError(400, f"Required request part '{name}' is not present")
        return found


# POSTs that only read; they need READ access, not WRITE.
_READ_POSTS = {"downloadWorkout", "downloadWorkoutForAthlete", "downloadActivityFitFiles"}


def locate(ctx: Ctx, *, write: bool | None = None, name: str = "id") -> (
    tuple[str, AthleteStore, dict[str, Any]]
):
    """The activity addressed by the path (``/activity/{id}``), access checked."""
    athlete_id, activity = ctx.state.locate_activity(
        ctx.principal, ctx.params[name], write=ctx.writes if write is None else write
    )
    return athlete_id, ctx.state.store(athlete_id), activity
