"""Auth schemes, the typed error tree and messages that say what to do (against the sandbox)."""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

import httpx
import pytest

from intervals_icu import (
    ApiKey,
    AsyncClient,
    AuthenticationError,
    BearerToken,
    Client,
    ConfigurationError,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportError,
    Unprocessable,
)
from intervals_icu._http import RequestSpec
from intervals_icu.sandbox import Sandbox

FAST = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.005)


def recording_client(sandbox: Sandbox, credentials: ApiKey | BearerToken, **kwargs: object) -> (
    tuple[Client, list[httpx.Request]]
):
    """A Client whose httpx client records every request (the user-pluggable http_client)."""
    seen: list[httpx.Request] = []
    http = httpx.Client(transport=sandbox.transport(), event_hooks={"request": [seen.append]})
    client = Client(credentials, base_url=sandbox.base_url, http_client=http, retry=FAST,
                    **kwargs)  # type: ignore[arg-type]
    return client, seen


def test_api_key_sends_basic_with_username_api_key(sandbox: Sandbox) -> None:
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    assert client.athletes.get().id == sandbox.athlete_id
    header = seen[0].headers["authorization"]
    assert header.startswith("Basic ")
    assert base64.b64decode(header[6:]).decode() == f"API_KEY:{sandbox.api_key}"


def test_personal_key_sent_as_bearer_gets_a_403_that_says_so(sandbox: Sandbox) -> None:
    client, seen = recording_client(sandbox, BearerToken(sandbox.api_key))
    with pytest.raises(PermissionDenied) as info:
        client.athletes.get()
    assert seen[0].headers["authorization"] == f"Bearer {sandbox.api_key}"
    assert "ApiKey(" in info.value.message
    assert "personal" in info.value.message
    assert info.value.status == 403
    assert info.value.server_error == "Access denied"
    assert sandbox.api_key not in str(info.value)


def test_wrong_username_is_named_in_the_401(sandbox: Sandbox) -> None:
    client, _ = recording_client(sandbox, ApiKey(sandbox.api_key, username=sandbox.athlete_id))
    with pytest.raises(AuthenticationError) as info:
        client.athletes.get()
    assert "API_KEY" in str(info.value)
    assert sandbox.athlete_id in str(info.value)


def test_wrong_key_says_where_to_get_the_right_one(sandbox: Sandbox) -> None:
    client, _ = recording_client(sandbox, ApiKey("not-a-key"))
    with pytest.raises(AuthenticationError) as info:
        client.athletes.get()
    assert info.value.status == 401
    assert "intervals.icu/settings" in str(info.value)


def test_athlete_not_coached_is_a_403_naming_the_athlete(sandbox: Sandbox) -> None:
    client, _ = recording_client(sandbox, ApiKey(sandbox.api_key))
    with pytest.raises(PermissionDenied) as info:
        client.for_athlete(sandbox.stranger_id).wellness.list("2025-01-01", "2025-01-02")
    assert sandbox.stranger_id in str(info.value)
    assert "coach" in str(info.value)
    assert "athletes.list()" in str(info.value)


def test_coach_reads_a_coached_athlete_through_for_athlete(sandbox: Sandbox) -> None:
    coach = sandbox.client(sandbox.coach_api_key)
    roster = {a.id for a in coach.athletes.list()}
    assert set(sandbox.athlete_ids) <= roster
    assert sandbox.coach_id in roster
    athlete = coach.for_athlete(sandbox.athlete_id)
    assert athlete.athletes.get().id == sandbox.athlete_id
    assert athlete.athlete_id == sandbox.athlete_id
    assert coach.athlete_id == "0"


def test_listing_athletes_with_a_bearer_token_explains_the_alternative(sandbox: Sandbox) -> None:
    token = "tok-" + "a" * 28
    from intervals_icu.sandbox.state import TokenRecord
    from intervals_icu.scopes import parse_scopes

    sandbox.state.tokens[token] = TokenRecord(
        token, sandbox.athlete_id, sandbox.seeded.app_client_id,
        parse_scopes("SETTINGS:READ"), sandbox.state.now(),
    )
    client, _ = recording_client(sandbox, BearerToken(token, scopes="SETTINGS:READ"))
    with pytest.raises(PermissionDenied) as info:
        client.athletes.list()
    assert "athletes.summary()" in str(info.value)
    with pytest.raises(PermissionDenied) as info:
        client.wellness.list("2025-01-01", "2025-01-02")
    assert "WELLNESS:READ" in str(info.value)
    assert "SETTINGS:READ" in str(info.value)
    assert client.athletes.get().id == sandbox.athlete_id


def test_unknown_route_and_wrong_method(client: Client) -> None:
    with pytest.raises(NotFound) as info:
        client._request_json(RequestSpec("GET", "/api/v1/athlete/0/fitness"))
    assert "no such endpoint" in str(info.value)
    with pytest.raises(MethodNotAllowed):
        client._request_json(RequestSpec("DELETE", "/api/v1/athlete/0/wellness/2025-01-01"))


def test_unprocessable_carries_the_server_text(client: Client) -> None:
    with pytest.raises(Unprocessable) as info:
        client._request_json(RequestSpec("GET", "/api/v1/athlete/0/wellness/not-a-date"))
    assert "Invalid date" in (info.value.server_error or "")
    assert "nothing was changed" in str(info.value)


def test_missing_credentials_are_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERVALS_API_KEY", raising=False)
    monkeypatch.delenv("INTERVALS_ACCESS_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="INTERVALS_API_KEY"):
        Client()
    with pytest.raises(ConfigurationError, match="empty"):
        ApiKey("  ")


def test_credentials_and_base_url_come_from_the_environment(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVALS_API_KEY", sandbox.coach_api_key)
    monkeypatch.setenv("INTERVALS_ATHLETE_ID", sandbox.athlete_id)
    monkeypatch.setenv("INTERVALS_BASE_URL", sandbox.base_url)
    client = Client(http_client=httpx.Client(transport=sandbox.transport()))
    assert client.athlete_id == sandbox.athlete_id
    assert client.athletes.get().id == sandbox.athlete_id


def test_secrets_never_show_in_repr_str_or_logs(sandbox: Sandbox,
                                                caplog: pytest.LogCaptureFixture) -> None:
    key = ApiKey(sandbox.api_key)
    token = BearerToken("super-secret-token")
    for text in (repr(key), str(key), repr(token), f"{key.key}", repr(key.key)):
        assert sandbox.api_key not in text
        assert "super-secret-token" not in text
    caplog.set_level(logging.DEBUG, logger="intervals_icu")
    client, _ = recording_client(sandbox, key)
    client.athletes.get()
    client.wellness.update("2025-01-01", weight=70)
    assert caplog.records, "requests should be logged at DEBUG"
    assert sandbox.api_key not in caplog.text
    assert "GET /api/v1/athlete/0" in caplog.text
    assert sandbox.api_key not in repr(client)


# -- retries per method, with the sandbox injecting faults ---------------------------------------


def test_get_is_retried_after_5xx_and_succeeds(sandbox: Sandbox) -> None:
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    sandbox.faults(route="GET /api/v1/athlete/*", error_rate=1.0, error_status=503, count=2)
    assert client.athletes.get().id == sandbox.athlete_id
    assert len(seen) == 3


def test_put_is_retried_after_5xx(sandbox: Sandbox) -> None:
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    sandbox.faults(route="PUT /api/v1/athlete/*", error_rate=1.0, error_status=502, count=1)
    assert client.wellness.update("2025-02-01", weight=71.5).weight == 71.5
    assert len(seen) == 2


def test_a_create_is_never_replayed_after_5xx(sandbox: Sandbox) -> None:
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    sandbox.faults(route="POST *", error_rate=1.0, error_status=500, count=1)
    with pytest.raises(ServerError) as info:
        client.events.create(category="NOTE", name="n", start_date_local="2030-01-01T00:00:00")
    assert len(seen) == 1
    assert "not retried" in str(info.value)
    assert info.value.may_have_been_applied


def test_a_post_that_sets_values_is_replayed_after_5xx(sandbox: Sandbox) -> None:
    # uploadWellness writes the CSV's values per day: sending it twice is sending it once.
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    sandbox.faults(route="POST *", error_rate=1.0, error_status=502, count=1)
    client.wellness.upload_csv(b"date,weight\n2025-02-02,70\n")
    assert len(seen) == 2
    assert sandbox.state.store(sandbox.athlete_id).wellness["2025-02-02"]["weight"] == 70


def test_post_is_retried_after_429(sandbox: Sandbox) -> None:
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    sandbox.rate_limit_burst(2)
    client.wellness.upload_csv(b"date,weight\n2025-02-03,69.5\n")
    assert len(seen) == 3
    assert sandbox.state.store(sandbox.athlete_id).wellness["2025-02-03"]["weight"] == 69.5


def test_429_that_does_not_stop_raises_rate_limited(sandbox: Sandbox) -> None:
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    sandbox.rate_limit_burst(10)
    with pytest.raises(RateLimited) as info:
        client.athletes.get()
    assert len(seen) == FAST.max_attempts
    assert "RateLimit(per_second" in str(info.value)


def test_dropped_connection_is_retried_for_get_not_for_a_create(sandbox: Sandbox) -> None:
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    sandbox.faults(route="GET *", drop_rate=1.0, count=1)
    assert client.athletes.get().id == sandbox.athlete_id
    assert len(seen) == 2
    seen.clear()
    sandbox.faults(route="POST *", drop_rate=1.0, count=1)
    with pytest.raises(TransportError) as info:
        client.events.create(category="NOTE", name="n", start_date_local="2030-01-01T00:00:00")
    assert len(seen) == 1
    assert "may have been applied" in str(info.value)  # sent: do not blindly send it again
    assert info.value.may_have_been_applied


def test_connection_refused_is_a_transport_error_with_advice() -> None:
    client = Client(ApiKey("k"), base_url="http://127.0.0.1:9", retry=FAST)
    with pytest.raises(TransportError) as info:
        client.athletes.get()
    assert "base URL" in str(info.value)
    assert "3 attempts" in str(info.value)


async def test_async_client_maps_errors_the_same_way(sandbox: Sandbox) -> None:
    async with sandbox.async_client("wrong", retry=FAST) as client:
        with pytest.raises(AuthenticationError):
            await client.athletes.get()
    async with sandbox.async_client(retry=FAST) as client:
        sandbox.faults(route="GET *", error_rate=1.0, error_status=500, count=1)
        assert (await client.athletes.get()).id == sandbox.athlete_id
    assert isinstance(client, AsyncClient)


def test_an_unimplemented_operation_fails_at_once_and_says_retrying_will_not_help(
    sandbox: Sandbox,
) -> None:
    # The sandbox implements every operation; a 501 comes from fault injection.
    sandbox.faults(route="GET /api/v1/activity/*/gap-histogram", error_rate=1.0,
                   error_status=501)
    client, seen = recording_client(sandbox, ApiKey(sandbox.api_key))
    with pytest.raises(ServerError) as info:
        client._request_json(RequestSpec("GET", "/api/v1/activity/i1/gap-histogram",
                                         operation_id="getGapHistogram"))
    assert info.value.status == 501
    assert len(seen) == 1
    assert "Retrying will not help" in str(info.value)


def test_the_athletes_own_api_key_in_a_response_never_prints(sandbox: Sandbox) -> None:
    athlete = sandbox.client().athletes.get()
    assert getattr(athlete, "icu_api_key", None) == sandbox.api_key  # the data is there
    assert sandbox.api_key not in repr(athlete)
    assert sandbox.api_key not in str(athlete)


def test_a_read_follower_writing_is_told_read_only_access_cannot_change(
    sandbox: Sandbox
) -> None:
    sandbox.state.follow(sandbox.athlete_id, sandbox.stranger_id, "READ")
    client = sandbox.client()
    reader = client.for_athlete(sandbox.stranger_id)
    assert reader.wellness.list("2025-01-01", "2025-01-02") is not None  # reading is allowed
    with pytest.raises(PermissionDenied) as info:
        reader.wellness.update("2025-01-01", weight=70.0)
    assert "READ follow" in str(info.value)
    assert "WRITE permission" in str(info.value)


def test_the_endpoint_that_refuses_athlete_zero_says_to_name_the_athlete(
    sandbox: Sandbox
) -> None:
    client = sandbox.client()
    today = client.today()
    with pytest.raises(PermissionDenied) as info:
        client.activities.activity_pace_curves(today - timedelta(days=30), today)
    assert "refuses athlete id '0'" in str(info.value)
    named = client.for_athlete(client.athletes.get().id)
    assert named.activities.activity_pace_curves(today - timedelta(days=30), today) is not None
