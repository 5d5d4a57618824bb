"""verify(): the secret in the body (several during a rotation), the optional Authorization
header, strict JSON, and the envelope's shape; messages never carry a secret."""

from __future__ import annotations

import json
from typing import Any

import pytest

from intervals_icu import ConfigurationError, Secret
from intervals_icu.webhooks import (
    WebhookPayloadError,
    WebhookSecrets,
    WebhookVerificationError,
    verify,
)
from tests.webhooks import samples

CURRENT, PREVIOUS = "whsec-current-8f2a", "whsec-previous-1c9d"


_ONE_EVENT = object()


def body(secret: Any = CURRENT, events: Any = _ONE_EVENT) -> bytes:
    events = [samples.ACTIVITY_UPLOADED] if events is _ONE_EVENT else events
    return json.dumps({"secret": secret, "events": events}).encode()


@pytest.mark.parametrize("secret", [CURRENT, PREVIOUS])
def test_any_configured_secret_is_accepted_during_a_rotation(secret: str) -> None:
    envelope = verify(body(secret), [CURRENT, PREVIOUS])
    assert envelope.raw_events == [samples.ACTIVITY_UPLOADED]
    assert envelope.events[0].type == "ACTIVITY_UPLOADED"
    assert not hasattr(envelope, "secret")


@pytest.mark.parametrize("secret", [
    "whsec-retired", "", None, 12345, ["whsec-current-8f2a"], CURRENT + " ", CURRENT[:-1],
    CURRENT.upper(), "whsec-current-8f2a\u0000",
])
def test_a_wrong_or_missing_secret_is_refused(secret: Any) -> None:
    with pytest.raises(WebhookVerificationError) as info:
        verify(body(secret), [CURRENT, PREVIOUS])
    assert info.value.status == 403
    assert CURRENT not in str(info.value)
    assert PREVIOUS not in str(info.value)


def test_missing_secret_key_is_refused() -> None:
    with pytest.raises(WebhookVerificationError):
        verify(json.dumps({"events": []}).encode(), CURRENT)


@pytest.mark.parametrize("raw", [
    b"", b"not json", b"{", b'{"secret": NaN, "events": []}', b"\xff\xfe\x00garbage",
    b"[" * 100_000 + b"]" * 100_000, b'{"secret": "x", "events": [1e400]}',
])
def test_bodies_that_are_not_strict_json_are_400(raw: bytes) -> None:
    with pytest.raises(WebhookPayloadError) as info:
        verify(raw, [CURRENT])
    assert info.value.status == 400


@pytest.mark.parametrize("raw", [b"[]", b'"secret"', b"42", b"null"])
def test_json_that_is_not_an_object_is_400(raw: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        verify(raw, [CURRENT])


@pytest.mark.parametrize(("events", "problem"), [
    (None, '"events" must be a list'),
    ({"type": "X"}, '"events" must be a list'),
    ([1], "events[0] is not an object"),
    ([{"athlete_id": "i1"}], 'events[0] has no "type"'),
    ([{"type": "ACTIVITY_UPLOADED"}], 'events[0] has no "athlete_id"'),
    ([{"type": "ACTIVITY_UPLOADED", "athlete_id": True}], 'has no "athlete_id"'),
    ([{"type": "ACTIVITY_UPLOADED", "athlete_id": "i" * 65}], 'has no "athlete_id"'),
    ([{"type": "A\u0000B", "athlete_id": "i1"}], 'has no "type"'),
    ([samples.WELLNESS_UPDATED, {"type": "", "athlete_id": "i1"}], 'events[1] has no "type"'),
])
def test_an_authenticated_body_that_is_not_an_envelope_is_400(events: Any,
                                                              problem: str) -> None:
    with pytest.raises(WebhookPayloadError) as info:
        verify(body(CURRENT, events), [CURRENT])
    assert problem in info.value.message


def test_the_secret_is_checked_before_the_shape() -> None:
    """An unauthenticated caller learns nothing about what a valid envelope looks like."""
    with pytest.raises(WebhookVerificationError):
        verify(body("guess", events="nonsense"), [CURRENT])


def test_an_empty_batch_is_valid() -> None:
    assert len(verify(body(CURRENT, []), [CURRENT])) == 0


def test_authorization_header_when_configured() -> None:
    raw = body(CURRENT)
    expected = Secret("Bearer hook-7d1e")
    assert len(verify(raw, [CURRENT], authorization="Bearer hook-7d1e",
                      expected_authorization=expected)) == 1
    for header in (None, "", "Bearer hook-7d1f", "bearer hook-7d1e"):
        with pytest.raises(WebhookVerificationError) as info:
            verify(raw, [CURRENT], authorization=header, expected_authorization=expected)
        assert "hook-7d1e" not in str(info.value)
    # Not configured: whatever the header says is ignored.
    assert len(verify(raw, [CURRENT], authorization="anything")) == 1


def test_secrets_configuration_is_checked_and_never_printed() -> None:
    for bad in ([], [""], "", [CURRENT, ""]):
        with pytest.raises(ConfigurationError):
            WebhookSecrets(bad)
    held = WebhookSecrets([CURRENT, Secret(PREVIOUS)])
    assert len(held) == 2
    assert CURRENT not in repr(held)
    assert PREVIOUS not in repr(held)
    assert held.matches(PREVIOUS)
    assert not held.matches("whsec")
    assert not held.matches("\ud800")  # a lone surrogate from JSON does not crash


def test_a_parsed_mapping_can_be_verified_too() -> None:
    assert len(verify({"secret": CURRENT, "events": []}, CURRENT)) == 0
