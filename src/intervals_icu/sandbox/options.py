"""Switchable behaviours: where the platform is UNCERTAIN (API-NOTES), the sandbox picks one
behaviour, documents it in docs/sandbox.md, and lets tests switch it here.

``SandboxOptions`` is immutable; ``Sandbox.configure(**changes)`` (or ``PATCH
/_sandbox/options``) swaps in a validated copy. Values are checked against the field types,
so a typo or a wrong type fails loudly instead of silently changing nothing.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

__all__ = ["InvalidOptionError", "SandboxOptions"]


class InvalidOptionError(ValueError):
    """An unknown option name, or a value of the wrong type or range."""


@dataclass(frozen=True)
class SandboxOptions:
    # Rate limit per client address (API-NOTES §6.1: 10/s with a short burst multiplier).
    rate_limit_enabled: bool = True
    """Answer 429 when a client address goes over the limit (forced 429s from
    ``rate_limit_burst()`` happen even when this is off)."""
    rate_limit_per_second: float = 10.0
    """Sustained requests per second per client address (API-NOTES §6.1: 10/s)."""
    rate_limit_burst: int = 20
    """Requests a client may send at once before the per-second rate applies (the platform's
    "short burst multiplier"; its size is UNCERTAIN)."""
    rate_limit_retry_after: bool = False
    """Send ``Retry-After`` on 429 (UNCERTAIN whether the platform does; default: no)."""

    # Request budgets of OAuth apps and personal keys (API-NOTES §6.1, UNCERTAIN; budgets.py).
    budget_enabled: bool = True
    """Answer 429 when a request budget is used up (the numbers below come from a secondary
    source). Use is counted either way (``GET /_sandbox/budgets``)."""
    budget_user_daily: int = 100
    """OAuth: requests per user per day; also the unit of the app's daily total."""
    budget_user_cap: bool = False
    """OAuth: one user's requests through an app stop at ``budget_user_daily``. Off by
    default: an app's minimum of 8,000 a day could never be reached if each of its few
    users stopped at 100, so 100 reads as a share of the total, not a cap."""
    budget_app_daily_min: int = 8000
    """OAuth: the app's daily total is users x ``budget_user_daily``, at least this..."""
    budget_app_daily_max: int = 50000
    """...and at most this (500 users' worth). Users are athletes with a live token."""
    budget_window_divisor: int = 8
    """OAuth: the app's 15-minute window allows 1/this of its daily total..."""
    budget_window_min: int = 2500
    """...and at least this many requests."""
    budget_personal_daily: int = 5000
    """Personal API key: requests per day (reported, unverified)."""
    budget_personal_window: int = 2500
    """Personal API key: requests per window (reported, unverified)."""
    budget_window_seconds: float = 900.0
    """Length of the window (15 minutes)."""
    budget_window_mode: Literal["fixed", "sliding"] = "fixed"
    """``fixed``: windows start at :00, :15, :30 and :45 UTC and reset whole; ``sliding``:
    the requests of the last 15 minutes count (the notes do not say which)."""
    budget_headers: bool = True
    """A budget 429 carries ``Retry-After`` (seconds to the reset) and ``X-RateLimit-Limit``,
    ``-Remaining``, ``-Reset`` (epoch seconds) and ``-Budget`` (which budget); off: the
    body alone (like the 10/s limit)."""

    # Wellness ``locked`` (API-NOTES §4.9, UNCERTAIN).
    locked_write_mode: Literal["ignore", "reject"] = "ignore"
    """``ignore``: a write to a locked record that does not unlock it is answered 200 with the
    unchanged record; ``reject``: 422 ``Record is locked``."""

    # external_id upserts with an API key (API-NOTES §6.3, UNCERTAIN).
    api_key_upsert_matches: bool = True
    """With a personal API key there is no OAuth app; the sandbox matches external_id among
    records created by the same key holder without an app."""

    # Webhooks (API-NOTES §5.4, UNCERTAIN).
    webhook_204_is_failure: bool = False
    """Reproduce the old platform bug: a 204 answer was retried as if it failed."""
    webhook_retry_schedule: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
    """Seconds (sandbox clock) to wait before each retry; after the last one the delivery is
    given up. The platform's real schedule is undocumented ("re-fired for a while with
    exponential backoff")."""
    webhook_timeout: float = 10.0
    """Seconds to wait for the receiver's answer; a timeout counts as a failed attempt."""
    webhook_batch_window: float = 0.05
    """Events of one app queued within this many (real) seconds go in one POST."""
    calendar_payload_events: bool = True
    """CALENDAR_UPDATED carries ``events`` and ``deleted_events`` lists besides ``records: []``
    (conflicting reports, API-NOTES §5.3)."""

    # OAuth (API-NOTES §3.2).
    oauth_code_ttl: float = 120.0
    """Seconds (sandbox clock) a code from the consent redirect may be exchanged."""
    oauth_single_token_per_app: bool = False
    """False (newer reports): older tokens stay valid after re-authorization; True (older
    reports): a new token revokes the athlete's previous tokens for the same app."""

    # Serialization (API-NOTES §2.5, §6.3; the spec errata's jackson-writes-nulls).
    write_nulls: bool = True
    """Write every field of a response's schema, null when unset, as the platform's Jackson
    does (``fields=`` responses, Strava stubs and webhook payloads excepted); off: unset
    fields are left out."""

    gzip_responses: bool = True
    """Gzip responses over 1000 bytes (read when the Sandbox is built; switching it later has
    no effect)."""

    def with_changes(self, **changes: Any) -> SandboxOptions:
        """A copy with ``changes`` applied; raises InvalidOptionError for unknown names and
        values of the wrong type (lists are accepted for tuples, ints for floats)."""
        hints = _field_types()
        unknown = set(changes) - set(hints)
        if unknown:
            raise InvalidOptionError(
                f"unknown sandbox option(s): {', '.join(sorted(unknown))}; known options: "
                f"{', '.join(sorted(hints))}"
            )
        checked = {name: _check(name, hints[name], value) for name, value in changes.items()}
        return replace(self, **checked)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def as_json(self) -> dict[str, Any]:
        """``as_dict`` with tuples as lists (what the control API sends)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.as_dict().items()}


@functools.cache
def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(SandboxOptions)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check(name: str, kind: Any, value: Any) -> Any:
    origin = typing.get_origin(kind)
    if kind is bool:
        if not isinstance(value, bool):
            raise InvalidOptionError(f"option {name} must be true or false, not {value!r}")
        return value
    if kind is float or kind is int:
        if not _is_number(value) or value < 0 or (kind is int and int(value) != value):
            wanted = "a whole number" if kind is int else "a number"
            raise InvalidOptionError(f"option {name} must be {wanted} >= 0, not {value!r}")
        return kind(value)
    if origin is Literal:
        choices = typing.get_args(kind)
        if value not in choices:
            raise InvalidOptionError(
                f"option {name} must be one of {', '.join(map(repr, choices))}, not {value!r}"
            )
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or not all(
            _is_number(v) and v >= 0 for v in value
        ):
            raise InvalidOptionError(
                f"option {name} must be a list of numbers >= 0 (seconds), not {value!r}"
            )
        return tuple(float(v) for v in value)
    return value  # pragma: no cover - every field type is handled above
