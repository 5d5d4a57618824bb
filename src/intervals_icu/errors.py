"""One typed error tree. Every message says what happened and what to do next.

Errors carry the request that failed (method and path, never credentials or secret query
values) and, for HTTP errors, the status and the server's ``error`` text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequest",
    "BudgetExhausted",
    "ConfigurationError",
    "Conflict",
    "IntervalsError",
    "InvalidRequestError",
    "MethodNotAllowed",
    "MissingCredentials",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "RecordLockedError",
    "RequestInfo",
    "RequestTimeout",
    "ResponseValidationError",
    "ServerError",
    "TransportError",
    "Unprocessable",
]


@dataclass(frozen=True)
class RequestInfo:
    """What was asked, with secrets removed: safe to log and to show."""

    method: str
    path: str
    query: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''}"


class IntervalsError(Exception):
    """Base of every error this package raises."""

    may_have_been_applied: bool = False
    """A write that was sent and got no answer saying it was refused (a 5xx, a lost
    connection, a timeout): it may have changed the record. Check before sending it again."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(IntervalsError):
    """The client cannot be built as asked (missing credentials, bad base URL...)."""


class MissingCredentials(ConfigurationError):
    """No usable credentials: none were given or found, or the key or token is empty."""


class InvalidRequestError(IntervalsError, ValueError):
    """A request was refused before it left: the arguments are wrong. Nothing was sent."""


class RecordLockedError(IntervalsError):
    """A write to a locked wellness record was not applied.

    Pass ``unlock=True`` to unlock, edit and re-lock in one call, or unlock the range first
    with ``client.wellness.unlock(oldest, newest)``.
    """

    def __init__(self, message: str, *, record_id: str,
                 record_ids: list[str] | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id
        """The (first) locked day."""
        self.record_ids = record_ids or [record_id]
        """Every locked day the write would have touched."""


class ResponseValidationError(IntervalsError):
    """Strict mode only: the response contains something the official spec does not describe."""

    def __init__(self, message: str, *, problems: list[str], request: RequestInfo) -> None:
        super().__init__(message)
        self.problems = problems
        self.request = request


class TransportError(IntervalsError):
    """The request did not get an HTTP answer (connection refused, reset, DNS...)."""

    def __init__(self, message: str, *, request: RequestInfo | None = None,
                 sent: bool = True) -> None:
        super().__init__(message)
        self.request = request
        self.sent = sent
        """False when the connection never opened: nothing reached the server."""


class RequestTimeout(TransportError):
    """No answer within the timeout."""


class APIError(IntervalsError):
    """The server answered with an error status."""

    status: int = 0

    def __init__(
        self,
        message: str,
        *,
        status: int,
        server_error: str | None,
        request: RequestInfo,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.server_error = server_error
        """The ``error`` text of the platform's ``{"status": .., "error": ..}`` body."""
        self.request = request
        self.body = body


class BadRequest(APIError):
    status = 400


class AuthenticationError(APIError):
    """401: the credentials were not accepted."""

    status = 401


class PermissionDenied(APIError):
    """403: the credentials are valid but not for this (scheme, athlete, scope)."""

    status = 403


class NotFound(APIError):
    status = 404


class MethodNotAllowed(APIError):
    status = 405


class Conflict(APIError):
    status = 409


class Unprocessable(APIError):
    """422: the server understood the request but refused its content."""

    status = 422


class RateLimited(APIError):
    """429 after every retry was spent. ``retry_after`` is in seconds when the server said."""

    status = 429

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class BudgetExhausted(RateLimited):
    """429 for a request budget (a daily quota, a 15-minute window) that will not refill
    soon: the server asked to wait longer than ``RetryPolicy.max_retry_after``, or named the
    budget. Raised at once, without retrying (sleeping until midnight helps nobody); stop
    the job and run it again at ``resets_at``.

    ``retry_after``: seconds to wait, as the server said. ``resets_at``: when the budget
    refills (aware, UTC; from ``X-RateLimit-Reset`` when sent, else now + ``retry_after``).
    ``budget``: which budget ran out, when the server says (``X-RateLimit-Budget``: the
    sandbox sends ``user-daily``, ``app-daily``, ``app-window``, ``personal-daily`` or
    ``personal-window``), else None. ``limit``: its size (``X-RateLimit-Limit``), or None.
    """

    def __init__(self, message: str, *, resets_at: datetime | None = None,
                 budget: str | None = None, limit: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.resets_at = resets_at
        self.budget = budget
        self.limit = limit


class ServerError(APIError):
    """5xx: the platform failed. Idempotent requests were already retried."""

    status = 500
