"""One definition of what a secret is (intervals_icu.secret), used by model reprs, logged
queries, the journal and the mirror."""

from __future__ import annotations

import pytest

from intervals_icu._http import redact_query
from intervals_icu.journal import redact
from intervals_icu.mirror.records import SECRET_ATHLETE_FIELDS
from intervals_icu.models import Athlete
from intervals_icu.secret import SECRET_NAMES, is_secret_field, redact_fields


@pytest.mark.parametrize("name", ["icu_api_key", "api_key", "API-KEY", "client_secret",
                                  "webhook_secret", "access_token", "icu_friend_invite_token",
                                  "shareToken", "Authorization", "password", "passwd"])
def test_credential_names_are_secret_everywhere(name: str) -> None:
    assert is_secret_field(name)
    assert name in SECRET_NAMES
    assert name in SECRET_ATHLETE_FIELDS  # the mirror asks the same question
    assert redact({name: "s3cr3t"}) == {name: "***"}  # the journal
    assert redact_query([(name, "s3cr3t")]) == f"{name}=***"  # logged queries


@pytest.mark.parametrize("name", ["code", "has_password", "token_type", "weather_code",
                                  "icu_wellness_keys", "name"])
def test_ordinary_fields_are_not_secret(name: str) -> None:
    # A zone set's "code" or an activity filter's must survive the journal (undo writes it
    # back); has_password is a flag.
    assert not is_secret_field(name)
    assert redact_fields({name: "value"}) == {name: "value"}


def test_in_a_query_an_oauth_code_and_a_key_are_secret() -> None:
    assert redact_query([("code", "abc"), ("key", "k"), ("oldest", "2025-01-01")]) == (
        "code=***&key=***&oldest=2025-01-01")


def test_redaction_reaches_nested_data_and_model_reprs() -> None:
    assert redact_fields({"a": [{"token": "t", "n": 1}], "token": None}) == {
        "a": [{"token": "***", "n": 1}], "token": None}
    athlete = Athlete.model_validate({"id": "i1", "icu_api_key": "abc123"})
    assert "abc123" not in repr(athlete)
