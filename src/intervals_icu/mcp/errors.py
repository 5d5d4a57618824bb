"""Every failure a tool can meet, as a tool error that says what to do next (the server
itself never crashes on them)."""

from __future__ import annotations

import re

from mcp.server.mcpserver.exceptions import ToolError

from intervals_icu import errors

__all__ = ["RATE_LIMIT_WAIT_SECONDS", "from_api_error", "from_sync_error", "not_shared"]

RATE_LIMIT_WAIT_SECONDS = 10
"""What a rate-limited answer asks the assistant to wait when the server named no time: the
client already waited and retried, and the platform's limit is per second."""


def not_shared(athlete_id: str) -> ToolError:
    return ToolError(
        f"athlete {athlete_id} does not share their data with you (or does not exist): "
        "list_athletes shows whose data you can read and write; leave athlete out to ask "
        "about yourself")


def from_api_error(exc: errors.IntervalsError, *, athlete_id: str | None = None) -> ToolError:
    """The typed client error as a tool error with the next step."""
    if isinstance(exc, errors.MissingCredentials):
        return ToolError(
            "no Intervals.icu credentials: set INTERVALS_API_KEY (the key is at "
            "https://intervals.icu/settings, Developer Settings) in the environment the MCP "
            "server starts in, or run `icu auth login` once, then restart the server")
    if isinstance(exc, errors.BudgetExhausted):
        when = (f"it refills at {exc.resets_at:%Y-%m-%d %H:%M} UTC"
                if exc.resets_at else "it refills tomorrow")
        return ToolError(f"the Intervals.icu request budget of these credentials is used up: "
                         f"{when}; do not retry before then")
    if isinstance(exc, errors.RateLimited):
        wait = round(exc.retry_after) if exc.retry_after else RATE_LIMIT_WAIT_SECONDS
        return ToolError(f"rate limited by Intervals.icu: wait {wait} s and ask again "
                         "(other apps using the same key share the limit)")
    if isinstance(exc, errors.AuthenticationError):
        return ToolError("Intervals.icu refused the credentials (401): the API key or token "
                         "is wrong or was revoked; set a valid INTERVALS_API_KEY (or sign in "
                         "again) and restart")
    if isinstance(exc, errors.PermissionDenied):
        if "scope" in exc.message.lower():
            return ToolError(f"the token lacks a permission for this: {exc.message}")
        if athlete_id is not None:
            return not_shared(athlete_id)
        return ToolError(f"Intervals.icu refused this (403): {exc.message}")
    if isinstance(exc, errors.ServerError):
        return ToolError(f"Intervals.icu failed ({exc.status}) and retries did not help: "
                         "try again in a minute")
    if isinstance(exc, errors.TransportError):
        return ToolError(f"Intervals.icu could not be reached ({exc.message}): check the "
                         "network and try again")
    return ToolError(str(exc))


_STATUS = re.compile(r"^\s*(\d{3})\b")


def from_sync_error(message: str, *, athlete_id: str) -> ToolError:
    """A failed mirror sync (the mirror reports errors as text, per athlete and stream)."""
    found = _STATUS.match(message)
    status = int(found.group(1)) if found else None
    if status == 429:
        return ToolError(f"rate limited by Intervals.icu while bringing the mirror up to date: "
                         f"wait {RATE_LIMIT_WAIT_SECONDS} s and ask again")
    if status == 403:
        return not_shared(athlete_id)
    if status == 401:
        return ToolError("Intervals.icu refused the credentials (401): the API key or token "
                         "is wrong or was revoked; set a valid one and restart")
    if status is not None and status >= 500:
        return ToolError(f"Intervals.icu failed ({status}) while the mirror was being brought "
                         "up to date, and retries did not help: try again in a minute")
    return ToolError(f"the mirror could not be brought up to date for {athlete_id}: {message}")
