"""Request fault injection: injected errors, latency and dropped connections, in-process and
on a real socket, and what the client's retry policy makes of them."""

from __future__ import annotations

import httpx
import pytest

from intervals_icu import RetryPolicy
from intervals_icu.errors import ServerError, TransportError
from intervals_icu.sandbox import Sandbox

FAST = RetryPolicy(max_attempts=4, backoff_base=0.001, backoff_max=0.01)


def raw(sb: Sandbox) -> httpx.Client:
    transport = None if sb.base_url.startswith("http://127.") else sb.transport()
    return httpx.Client(transport=transport, base_url=sb.base_url,
                        auth=("API_KEY", sb.api_key))


def test_injected_error_uses_the_platform_body(sandbox: Sandbox) -> None:
    sandbox.faults(route="GET /api/v1/athlete/*", error_rate=1.0, error_status=503, count=1)
    with raw(sandbox) as http:
        first = http.get("/api/v1/athlete/0")
        second = http.get("/api/v1/athlete/0")
    assert first.status_code == 503
    assert first.json() == {"status": 503, "error": "Injected fault"}
    assert second.status_code == 200, "count=1 retires the rule"
    assert sandbox.state.faults.describe() == []


def test_route_globs_choose_what_is_faulted(sandbox: Sandbox) -> None:
    sandbox.faults(route="PUT /api/v1/athlete/*/wellness/*", error_rate=1.0)
    day = sandbox.state.local_today(sandbox.athlete_id)
    with raw(sandbox) as http:
        assert http.get(f"/api/v1/athlete/0/wellness/{day}").status_code == 200
        assert http.put(f"/api/v1/athlete/0/wellness/{day}",
                        json={"weight": 70}).status_code == 500


def test_client_retries_idempotent_requests_through_injected_errors(sandbox: Sandbox) -> None:
    sandbox.faults(route="GET *", error_rate=1.0, count=2)
    with sandbox.client(retry=FAST) as client:
        assert client.athletes.get().id == sandbox.athlete_id
    assert sandbox.state.faults.injected["errors"] == 2


def test_client_does_not_replay_a_failed_post(sandbox: Sandbox) -> None:
    sandbox.faults(route="POST /api/v1/athlete/*/events", error_rate=1.0, count=1)
    day = sandbox.state.local_today(sandbox.athlete_id)
    before = len(sandbox.state.store(sandbox.athlete_id).events)
    with sandbox.client(retry=FAST) as client, pytest.raises(ServerError):
        client.events.create(category="NOTE", name="n", start_date_local=f"{day}T00:00:00")
    assert len(sandbox.state.store(sandbox.athlete_id).events) == before
    assert sandbox.state.faults.injected["errors"] == 1, "a POST is never replayed blindly"


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "socket"])
def test_dropped_connection_is_a_transport_error_not_a_500(
    sandbox: Sandbox, live_sandbox: Sandbox, live: bool
) -> None:
    sb = live_sandbox if live else sandbox
    sb.faults(route="GET /api/v1/athlete/*", drop_rate=1.0, count=1)
    with raw(sb) as http:
        with pytest.raises(httpx.TransportError):
            http.get("/api/v1/athlete/0")
        assert http.get("/api/v1/athlete/0").status_code == 200
    assert sb.state.faults.injected["drops"] == 1


def test_client_recovers_from_a_dropped_get(live_sandbox: Sandbox) -> None:
    live_sandbox.faults(route="GET *", drop_rate=1.0, count=1)
    with live_sandbox.client(retry=FAST) as client:
        assert client.athletes.get().id == live_sandbox.athlete_id


def test_latency_beyond_the_client_timeout_is_a_timeout(live_sandbox: Sandbox) -> None:
    live_sandbox.faults(route="GET *", latency_ms=1500, count=1)
    with live_sandbox.client(retry=RetryPolicy.none(), timeout=0.2) as client, \
            pytest.raises(TransportError):
        client.athletes.get()


def test_control_api_is_never_faulted(live_sandbox: Sandbox) -> None:
    live_sandbox.faults(route="*", drop_rate=1.0)
    with httpx.Client(base_url=live_sandbox.base_url) as http:
        assert http.get("/_sandbox/faults").json()[0]["drop_rate"] == 1.0
        assert http.delete("/_sandbox/faults").status_code == 200
    with raw(live_sandbox) as http:
        assert http.get("/api/v1/athlete/0").status_code == 200


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"error_rate": 1.5}, "probability"),
    ({"drop_rate": -0.1}, "probability"),
    ({"latency_ms": -1}, "latency_ms"),
    ({"error_status": 200}, "400-599"),
    ({"count": 0}, "count"),
    ({"route": ""}, "glob"),
])
def test_bad_fault_rules_are_refused(sandbox: Sandbox, kwargs: dict[str, object],
                                     message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sandbox.faults(**kwargs)  # type: ignore[arg-type]
