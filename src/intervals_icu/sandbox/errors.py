"""Error responses in the platform's shapes (API-NOTES §6.2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["ApiError", "error_body", "spring_not_found"]


class ApiError(Exception):
    """Raise from a handler to answer ``{"status": status, "error": error}``."""

    def __init__(self, status: int, error: str, *, headers: dict[str, str] | None = None,
                 body: Any = None) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        self.headers = headers or {}
        self.body = body


def error_body(status: int, error: str) -> dict[str, Any]:
    return {"status": status, "error": error}


def spring_not_found(path: str, now: datetime) -> dict[str, Any]:
    """Spring Boot's default body for a route that does not exist."""
    stamp = now.isoformat(timespec="milliseconds")
    return {"timestamp": stamp, "status": 404, "error": "Not Found", "path": path}


def access_denied() -> ApiError:
    return ApiError(403, "Access denied")


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")
