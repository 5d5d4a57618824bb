"""Verify a delivery before anything else touches it (stripe-python's habit).

The platform signs nothing: the app's webhook secret travels in the body (``"secret"``) and,
optionally, a fixed value in the ``Authorization`` header (API-NOTES §5.1, §5.4). So:
parse the raw bytes, compare the secret in constant time against every configured secret
(several during a rotation), then check the envelope's shape.

    envelope = verify(raw_body, ["whsec-current", "whsec-previous"])
    for event in envelope.events: ...
"""

from __future__ import annotations

import hmac
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from intervals_icu.errors import ConfigurationError
from intervals_icu.secret import Secret
from intervals_icu.webhooks.errors import WebhookPayloadError, WebhookVerificationError
from intervals_icu.webhooks.payloads import MAX_NAME_CHARS, WebhookEnvelope

__all__ = ["WebhookSecrets", "check_authorization", "parse_body", "parse_secrets", "verify"]


def parse_secrets(text: str) -> list[str]:
    """The secrets in ``INTERVALS_WEBHOOK_SECRET`` (or one ``--secret``): separated by commas
    (documented: ``new,old`` during a rotation), spaces or both. A secret is made of
    printable characters without either (the platform's are hex or alphanumeric)."""
    return [part for part in re.split(r"[,\s]+", text) if part]


class WebhookSecrets:
    """The configured webhook secrets (current first, then older ones still accepted while
    the app's setting is being rotated). Held as :class:`Secret`: never printed."""

    def __init__(self, secrets: str | Secret | Iterable[str | Secret]) -> None:
        values = [secrets] if isinstance(secrets, (str, Secret)) else list(secrets)
        held = [Secret(v) for v in values]
        if not held or any(not s.reveal() for s in held):
            raise ConfigurationError(
                "give at least one non-empty webhook secret: the value from the app's "
                "settings (intervals.icu /settings -> Manage App -> Webhook secret)"
            )
        self._encoded = [s.reveal().encode("utf-8") for s in held]

    def matches(self, candidate: Any) -> bool:
        """True when ``candidate`` equals one of the secrets. Every secret is compared, in
        constant time, whatever the outcome, so timing reveals neither value nor position."""
        if not isinstance(candidate, str):
            candidate = ""
        given = candidate.encode("utf-8", "surrogatepass")
        found = False
        for expected in self._encoded:
            found |= hmac.compare_digest(given, expected)
        return found and bool(given)

    def __len__(self) -> int:
        return len(self._encoded)

    def __repr__(self) -> str:
        return f"WebhookSecrets({len(self._encoded)} x '***')"


def check_authorization(header: str | None, expected: str | Secret | None) -> None:
    """Raise :class:`WebhookVerificationError` unless ``header`` equals the configured
    Authorization value (nothing is checked when none is configured)."""
    if expected is None:
        return
    want = Secret(expected).reveal().encode("utf-8")
    given = (header or "").encode("utf-8", "surrogatepass")
    if not hmac.compare_digest(given, want):
        raise WebhookVerificationError(
            "the Authorization header does not match the configured value"
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: valid JSON text, but no JSON value can hold it
        raise ValueError("a number is out of range")
    return value


def parse_body(body: bytes | str) -> Any:
    """Strict JSON: UTF-8 (or the other encodings RFC 8259 allows), no NaN/Infinity."""
    try:
        return json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WebhookPayloadError(
            f"the body is not JSON ({type(exc).__name__}); a delivery is a JSON object "
            '{"secret": ..., "events": [...]}'
        ) from None


def _is_name(value: object) -> bool:
    # Stored in indexed columns: printable (no NUL, which PostgreSQL refuses), bounded.
    return (isinstance(value, str) and bool(value.strip()) and value.isprintable()
            and len(value) <= MAX_NAME_CHARS)


def _check_events(events: Any) -> list[dict[str, Any]]:
    if not isinstance(events, list):
        raise WebhookPayloadError('"events" must be a list of event objects')
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise WebhookPayloadError(f"events[{index}] is not an object")
        kind = event.get("type")
        if not _is_name(kind):
            raise WebhookPayloadError(
                f'events[{index}] has no "type" string (of at most {MAX_NAME_CHARS} chars)')
        athlete = event.get("athlete_id")
        if isinstance(athlete, bool) or not isinstance(athlete, (str, int)) or not _is_name(
            str(athlete)
        ):
            raise WebhookPayloadError(
                f'events[{index}] has no "athlete_id" (a string of at most '
                f"{MAX_NAME_CHARS} chars)")
        try:
            # The inbox stores canonical JSON: refuse now what could not be stored later.
            json.dumps(event, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeEncodeError):
            raise WebhookPayloadError(f"events[{index}] cannot be stored as JSON") from None
    return events


def verify(
    body: bytes | str | Mapping[str, Any],
    secrets: WebhookSecrets | str | Secret | Sequence[str | Secret],
    *,
    authorization: str | None = None,
    expected_authorization: str | Secret | None = None,
) -> WebhookEnvelope:
    """Check a delivery and return its events.

    ``body`` is the raw request body (or an already parsed object). Raises
    :class:`WebhookPayloadError` (400) for something that is not a JSON object,
    :class:`WebhookVerificationError` (403) when the ``secret`` (or, if configured, the
    Authorization header) matches nothing, and :class:`WebhookPayloadError` again when a
    correctly authenticated body is not a valid envelope. Messages never include a secret.
    """
    held = secrets if isinstance(secrets, WebhookSecrets) else WebhookSecrets(secrets)
    check_authorization(authorization, expected_authorization)
    data = body if isinstance(body, Mapping) else parse_body(body)
    if not isinstance(data, Mapping):
        raise WebhookPayloadError(
            f"the body is JSON but not an object ({type(data).__name__}); a delivery is "
            '{"secret": ..., "events": [...]}'
        )
    if not held.matches(data.get("secret")):
        raise WebhookVerificationError(
            'the "secret" in the body matches none of the configured webhook secrets'
        )
    return WebhookEnvelope(_check_events(data.get("events")))
