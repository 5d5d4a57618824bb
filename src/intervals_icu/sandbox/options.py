"""Switchable behaviours: where the platform is UNCERTAIN (API-NOTES), the sandbox picks one
behaviour, documents it in docs/sandbox.md, and lets tests switch it here."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

__all__ = ["SandboxOptions"]


@dataclass(frozen=True)
class SandboxOptions:
    # Rate limit per client address (API-NOTES §6.1: 10/s with a short burst multiplier).
    rate_limit_enabled: bool = True
    rate_limit_per_second: float = 10.0
    rate_limit_burst: int = 20
    rate_limit_retry_after: bool = False
    """Send ``Retry-After`` on 429 (UNCERTAIN whether the platform does; default: no)."""

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
    """Seconds to wait before each retry; after the last one the delivery is given up."""
    webhook_timeout: float = 10.0
    webhook_batch_window: float = 0.05
    """Events of one app queued within this many seconds go in one POST (batched envelope)."""
    calendar_payload_events: bool = True
    """CALENDAR_UPDATED carries ``events`` and ``deleted_events`` lists besides ``records: []``
    (conflicting reports, API-NOTES §5.3)."""

    # OAuth (API-NOTES §3.2).
    oauth_code_ttl: float = 120.0
    oauth_single_token_per_app: bool = False
    """False (newer reports): older tokens stay valid after re-authorization."""

    gzip_responses: bool = True

    def with_changes(self, **changes: Any) -> SandboxOptions:
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown sandbox option(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


