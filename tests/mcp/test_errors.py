"""Client errors as tool errors that say what to do next."""

from __future__ import annotations

from datetime import UTC, datetime

from intervals_icu import errors
from intervals_icu.mcp.errors import from_api_error

REQUEST = errors.RequestInfo("GET", "/api/v1/athlete/0")


def test_a_used_up_budget_says_when_it_refills_not_a_wait_in_seconds() -> None:
    error = errors.BudgetExhausted("429", status=429, server_error=None, request=REQUEST,
                                   retry_after=40_000, resets_at=datetime(2026, 3, 5, tzinfo=UTC))
    said = str(from_api_error(error))
    assert "refills at 2026-03-05 00:00 UTC" in said
    assert "40000" not in said
    short = str(from_api_error(errors.RateLimited("429", status=429, server_error=None,
                                                  request=REQUEST, retry_after=3)))
    assert "wait 3 s" in short
