"""Webhook delivery by the sandbox, to a real receiver on 127.0.0.1 (API-NOTES §5).

The receiver records every POST and answers what the test scripts (status, delay), so retries,
timeouts, the 204 bug, delivery faults and the stale-update-after-delete race are all real HTTP.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.state import OAuthAppRecord
from intervals_icu.sandbox.transport import SyncSandboxTransport
from intervals_icu.sandbox.webhooks import USER_AGENT
from tests.sandbox.receiver import Receiver

FAST = {"webhook_retry_schedule": (0.05, 0.05, 0.05), "webhook_batch_window": 0.01,
        "webhook_timeout": 2.0}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def frozen_sandbox() -> Iterator[Sandbox]:
    """In-process sandbox (no sender thread) with a frozen clock: deliveries happen only in
    deliver_webhooks(), retries only after advance()."""
    sb = Sandbox(seed=17, athletes=2, years=0.1)
    sb.clock.freeze()
    sb.configure(webhook_retry_schedule=(30.0, 60.0))
    yield sb
    sb.stop()


def connect(sb: Sandbox, receiver: Receiver, types: list[str], *,
            scopes: str = "ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE,SETTINGS:WRITE",
            athlete_id: str | None = None, **app_fields: Any) -> OAuthAppRecord:
    app = sb.register_app("Hook test", ["http://localhost/cb"], webhook_url=receiver.url,
                          webhook_types=types, **app_fields)
    sb.oauth_token(athlete_id, scopes, client_id=app.client_id)
    return app


def basic(sb: Sandbox, athlete_id: str | None = None) -> httpx.Client:
    """Raw HTTP as an athlete (the sandbox's own tests use the wire format directly)."""
    transport = None if sb.base_url.startswith("http://127.") else sb.transport()
    return httpx.Client(base_url=sb.base_url, transport=transport,
                        auth=("API_KEY", sb.api_key_for(athlete_id or sb.athlete_id)))


def put_weight(http: httpx.Client, day: date, weight: float) -> None:
    response = http.put(f"/api/v1/athlete/0/wellness/{day.isoformat()}", json={"weight": weight})
    assert response.status_code == 200, response.text


def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


# -- envelope and batching ---------------------------------------------------------------------


def test_batch_envelope_carries_secret_headers_and_payload(
    live_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = live_sandbox
    sb.configure(webhook_batch_window=0.2)
    app = connect(sb, receiver, ["WELLNESS_UPDATED"], webhook_authorization="Bearer hook-pass")
    today = sb.state.local_today(sb.athlete_id)
    with basic(sb) as http:
        response = http.put("/api/v1/athlete/0/wellness-bulk", json=[
            {"id": (today - timedelta(days=1)).isoformat(), "weight": 71.5},
            {"id": today.isoformat(), "weight": 71.0},
        ])
        assert response.status_code == 200
        put_weight(http, today - timedelta(days=2), 72.0)
    assert sb.wait_for_webhooks()
    [post] = receiver.wait_for(1)
    assert post.body["secret"] == app.webhook_secret
    assert post.headers["content-type"] == "application/json"
    assert post.headers["user-agent"] == USER_AGENT
    assert post.headers["authorization"] == "Bearer hook-pass"
    assert post.types == ["WELLNESS_UPDATED"] * 3
    first = post.body["events"][0]
    assert first["athlete_id"] == sb.athlete_id
    assert first["records"][0]["id"] == (today - timedelta(days=1)).isoformat()
    assert first["records"][0]["weight"] == 71.5
    assert first["timestamp"].endswith("+00:00")


def test_payload_is_captured_when_emitted(frozen_sandbox: Sandbox, receiver: Receiver) -> None:
    sb = frozen_sandbox
    connect(sb, receiver, ["WELLNESS_UPDATED"])
    day = sb.state.local_today(sb.athlete_id)
    with basic(sb) as http:
        put_weight(http, day, 70.0)
        put_weight(http, day, 69.0)
    sb.deliver_webhooks()
    [post] = receiver.wait_for(1)
    weights = [e["records"][0]["weight"] for e in post.body["events"]]
    assert weights == [70.0, 69.0]


def test_in_process_receiver_through_a_transport(frozen_sandbox: Sandbox) -> None:
    seen: list[dict[str, Any]] = []

    async def hook(request: Request) -> Response:
        seen.append(json.loads(await request.body()))
        return Response(status_code=200)

    receiver_app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    sb = frozen_sandbox
    transport = SyncSandboxTransport(receiver_app)
    app = sb.register_app("In-process", ["http://localhost/cb"],
                          webhook_url="http://receiver.invalid/hook",
                          webhook_types=["WELLNESS_UPDATED"], webhook_transport=transport)
    sb.oauth_token(None, "WELLNESS:READ", client_id=app.client_id)
    sb.device_wellness(None, sb.state.local_today(sb.athlete_id), restingHR=44)
    [attempt] = sb.deliver_webhooks()
    transport.close()
    assert attempt["outcome"] == "delivered"
    assert seen[0]["secret"] == app.webhook_secret
    assert seen[0]["events"][0]["records"][0]["restingHR"] == 44


# -- retries ------------------------------------------------------------------------------------


def test_retried_after_500_until_a_200(live_sandbox: Sandbox, receiver: Receiver) -> None:
    sb = live_sandbox
    sb.configure(**FAST)
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    receiver.answer(500, 503)
    with basic(sb) as http:
        put_weight(http, sb.state.local_today(sb.athlete_id), 70.0)
    posts = receiver.wait_for(3)
    assert sb.wait_for_webhooks()
    assert len({p.raw for p in posts}) == 1, "a retry re-sends the same batch"
    log = sb.webhook_deliveries(app.client_id)
    assert [(e["attempt"], e["status"], e["outcome"]) for e in log] == [
        (1, 500, "will_retry"), (2, 503, "will_retry"), (3, 200, "delivered")]
    assert len({e["delivery_id"] for e in log}) == 1


@pytest.mark.parametrize(("bug", "expected_posts"), [(False, 1), (True, 2)])
def test_204_counts_as_delivered_unless_the_old_bug_is_switched_on(
    live_sandbox: Sandbox, receiver: Receiver, bug: bool, expected_posts: int
) -> None:
    sb = live_sandbox
    sb.configure(webhook_204_is_failure=bug, **FAST)
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    receiver.answer(204, 200)
    with basic(sb) as http:
        put_weight(http, sb.state.local_today(sb.athlete_id), 70.0)
    receiver.wait_for(expected_posts)
    assert sb.wait_for_webhooks()
    outcomes = [(e["status"], e["outcome"]) for e in sb.webhook_deliveries(app.client_id)]
    if bug:
        assert outcomes == [(204, "will_retry"), (200, "delivered")]
    else:
        assert outcomes == [(204, "delivered")]
    assert len(receiver.requests) == expected_posts


def test_a_timeout_is_retried(live_sandbox: Sandbox, receiver: Receiver) -> None:
    sb = live_sandbox
    sb.configure(**{**FAST, "webhook_timeout": 0.2})
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    receiver.answer((200, 1.0))
    with basic(sb) as http:
        put_weight(http, sb.state.local_today(sb.athlete_id), 70.0)
    receiver.wait_for(2)
    assert sb.wait_for_webhooks()
    first, second = sb.webhook_deliveries(app.client_id)
    assert first["status"] is None
    assert first["error"].startswith("timeout")
    assert first["outcome"] == "will_retry"
    assert (second["status"], second["outcome"]) == (200, "delivered")


def test_given_up_after_the_last_retry(live_sandbox: Sandbox, receiver: Receiver,
                                       caplog: pytest.LogCaptureFixture) -> None:
    sb = live_sandbox
    sb.configure(**{**FAST, "webhook_retry_schedule": (0.01, 0.01)})
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    receiver.answer(500, 500, 500, 200)
    with caplog.at_level(logging.WARNING, logger="intervals_icu.sandbox.webhooks"):
        with basic(sb) as http:
            put_weight(http, sb.state.local_today(sb.athlete_id), 70.0)
        receiver.wait_for(3)
        assert sb.wait_for_webhooks()
    log = sb.webhook_deliveries(app.client_id)
    assert [e["outcome"] for e in log] == ["will_retry", "will_retry", "given_up"]
    assert len(receiver.requests) == 3, "no attempt after the last retry"
    assert "given up after 3 attempts" in caplog.text
    assert app.webhook_secret not in caplog.text


def test_connection_refused_is_an_error_and_retried(frozen_sandbox: Sandbox) -> None:
    sb = frozen_sandbox
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        dead_url = f"http://127.0.0.1:{closed.server_address[1]}/gone"
    app = sb.register_app("Dead", ["http://localhost/cb"], webhook_url=dead_url,
                          webhook_types=["WELLNESS_UPDATED"])
    sb.oauth_token(None, "WELLNESS:READ", client_id=app.client_id)
    sb.device_wellness(None, sb.state.local_today(sb.athlete_id), weight=70.0)
    [attempt] = sb.deliver_webhooks()
    assert attempt["status"] is None
    assert "ConnectError" in attempt["error"]
    assert attempt["outcome"] == "will_retry"


def test_with_a_frozen_clock_retries_fire_when_the_clock_is_advanced(
    frozen_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = frozen_sandbox
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    receiver.answer(500)
    sb.device_wellness(None, sb.state.local_today(sb.athlete_id), weight=70.0)
    [first] = sb.deliver_webhooks()
    assert (first["status"], first["outcome"]) == (500, "will_retry")
    assert sb.deliver_webhooks() == [], "the retry is not due yet"
    sb.advance(29)
    assert sb.deliver_webhooks() == []
    sb.advance(1)
    [second] = sb.deliver_webhooks()
    assert (second["attempt"], second["status"], second["outcome"]) == (2, 200, "delivered")
    assert len(receiver.requests) == 2
    assert sb.webhook_deliveries(app.client_id) == [first, second]


# -- delivery faults ----------------------------------------------------------------------------


def test_duplicate_fault_sends_the_same_batch_twice(
    frozen_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = frozen_sandbox
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    sb.webhook_fault("duplicate", count=1)
    sb.device_wellness(None, sb.state.local_today(sb.athlete_id), weight=70.0)
    attempts = sb.deliver_webhooks()
    assert [a["outcome"] for a in attempts] == ["delivered", "duplicate"]
    first, second = receiver.wait_for(2)
    assert first.raw == second.raw
    sb.device_wellness(None, sb.state.local_today(sb.athlete_id), weight=71.0)
    sb.deliver_webhooks()
    assert len(receiver.requests) == 3, "the fault applied to one delivery only"
    assert sb.state.webhooks.faults() == []
    assert all(e["client_id"] == app.client_id for e in sb.webhook_deliveries())


def test_reorder_fault_sends_batches_newest_first(
    frozen_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = frozen_sandbox
    connect(sb, receiver, ["WELLNESS_UPDATED"])
    sb.webhook_fault("reorder", count=2)
    today = sb.state.local_today(sb.athlete_id)
    sb.device_wellness(None, today, weight=70.0)
    assert sb.deliver_webhooks() == [], "the first batch is held"
    sb.device_wellness(None, today, weight=71.0)
    sb.deliver_webhooks()
    posts = receiver.wait_for(2)
    assert [p.body["events"][0]["records"][0]["weight"] for p in posts] == [71.0, 70.0]


def test_delay_fault_holds_a_delivery(frozen_sandbox: Sandbox, receiver: Receiver) -> None:
    sb = frozen_sandbox
    connect(sb, receiver, ["WELLNESS_UPDATED"])
    sb.webhook_fault("delay", seconds=120)
    sb.device_wellness(None, sb.state.local_today(sb.athlete_id), weight=70.0)
    assert sb.deliver_webhooks() == []
    [pending] = sb.state.webhooks.pending()
    assert pending["faults"] == ["delay 120s"]
    sb.advance(120)
    [attempt] = sb.deliver_webhooks()
    assert attempt["outcome"] == "delivered"


def test_drop_fault_loses_the_first_attempts(live_sandbox: Sandbox, receiver: Receiver) -> None:
    sb = live_sandbox
    sb.configure(**FAST)
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    sb.webhook_fault("drop", count=2, client_id=app.client_id)
    with basic(sb) as http:
        put_weight(http, sb.state.local_today(sb.athlete_id), 70.0)
    receiver.wait_for(1)
    assert sb.wait_for_webhooks()
    log = sb.webhook_deliveries(app.client_id)
    assert [(e["status"], e["outcome"]) for e in log] == [
        (None, "will_retry"), (None, "will_retry"), (200, "delivered")]
    assert "dropped by fault injection" in log[0]["error"]
    assert len(receiver.requests) == 1


def test_stale_calendar_update_is_delivered_after_the_delete(
    live_sandbox: Sandbox, receiver: Receiver
) -> None:
    """The platform queues an update with its data; the event can be deleted before the queued
    update goes out (API-NOTES §0.1). A receiver must re-read the API, which says 404."""
    sb = live_sandbox
    sb.configure(**FAST)
    connect(sb, receiver, ["CALENDAR_UPDATED"])
    sb.webhook_fault("delay", seconds=0.5)
    day = sb.state.local_today(sb.athlete_id) + timedelta(days=3)
    with basic(sb) as http:
        created = http.post("/api/v1/athlete/0/events", json={
            "category": "NOTE", "name": "Race recon", "start_date_local": f"{day}T00:00:00"})
        assert created.status_code == 200, created.text
        event_id = created.json()["id"]
        wait_until(lambda: any(p.get("status") == "pending" for p in sb.state.webhooks.pending()))
        assert http.delete(f"/api/v1/athlete/0/events/{event_id}").status_code == 200
        first, second = receiver.wait_for(2)
        assert sb.wait_for_webhooks()
        assert first.body["events"][0]["deleted_events"] == [event_id]
        stale = second.body["events"][0]
        assert [e["id"] for e in stale["events"]] == [event_id], "the stale update arrives last"
        assert http.get(f"/api/v1/athlete/0/events/{event_id}").status_code == 404


# -- who receives what --------------------------------------------------------------------------


def test_events_need_the_scope_and_an_authorization(
    frozen_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = frozen_sandbox
    other = sb.athlete_ids[1]
    app = connect(sb, receiver, ["WELLNESS_UPDATED", "CALENDAR_UPDATED"],
                  scopes="WELLNESS:READ")
    today = sb.state.local_today(sb.athlete_id)
    sb.device_wellness(None, today, weight=70.0)  # authorized, scope covers it
    sb.device_wellness(other, today, weight=60.0)  # athlete never authorized the app
    with basic(sb) as http:
        http.post("/api/v1/athlete/0/events", json={
            "category": "NOTE", "name": "n", "start_date_local": f"{today}T00:00:00"})
    sb.deliver_webhooks()
    [post] = receiver.wait_for(1)
    assert post.types == ["WELLNESS_UPDATED"], "CALENDAR needs the CALENDAR scope"
    assert {e["athlete_id"] for e in post.body["events"]} == {sb.athlete_id}
    emitted = [(e["type"], e["athlete_id"]) for e in sb.state.webhooks.emitted]
    assert ("WELLNESS_UPDATED", other) in emitted
    assert ("CALENDAR_UPDATED", sb.athlete_id) in emitted
    # Granting CALENDAR later (re-authorization) applies to the app from then on.
    sb.oauth_token(None, "WELLNESS:READ,CALENDAR:READ", client_id=app.client_id)
    with basic(sb) as http:
        http.post("/api/v1/athlete/0/events", json={
            "category": "NOTE", "name": "m", "start_date_local": f"{today}T00:00:00"})
    sb.deliver_webhooks()
    assert receiver.requests[-1].types == ["CALENDAR_UPDATED"]


def test_app_receives_only_the_types_it_subscribed(
    frozen_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = frozen_sandbox
    connect(sb, receiver, ["SPORT_SETTINGS_UPDATED"])
    sb.device_wellness(None, sb.state.local_today(sb.athlete_id), weight=70.0)
    assert sb.deliver_webhooks() == []
    assert receiver.requests == []


def test_app_scope_changed_goes_to_that_app_only(
    frozen_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = frozen_sandbox
    other = Receiver()
    try:
        mine = sb.register_app("Mine", ["http://localhost/cb"], webhook_url=receiver.url,
                               webhook_types=["APP_SCOPE_CHANGED"])
        sb.register_app("Other", ["http://localhost/cb"], webhook_url=other.url,
                        webhook_types=["APP_SCOPE_CHANGED"])
        sb.oauth_token(None, "ACTIVITY:WRITE,WELLNESS:READ", client_id=mine.client_id)
        sb.deliver_webhooks()
        [post] = receiver.wait_for(1)
        event = post.body["events"][0]
        assert event["type"] == "APP_SCOPE_CHANGED"
        assert event["client_id"] == int(mine.client_id)
        assert event["client_name"] == "Mine"
        assert event["scope"] == "ACTIVITY:WRITE,WELLNESS:READ"
        assert event["deauthorized"] is False
        assert other.requests == []
    finally:
        other.close()


def test_disconnect_app_stops_deliveries(frozen_sandbox: Sandbox, receiver: Receiver) -> None:
    sb = frozen_sandbox
    app = sb.register_app("Leaving", ["http://localhost/cb"], webhook_url=receiver.url,
                          webhook_types=["WELLNESS_UPDATED", "APP_SCOPE_CHANGED"])
    token = sb.oauth_token(None, "WELLNESS:WRITE", client_id=app.client_id)
    sb.deliver_webhooks()
    today = sb.state.local_today(sb.athlete_id)
    sb.device_wellness(None, today, weight=70.0)  # queued before the disconnect
    bearer = {"Authorization": f"Bearer {token.access_token.reveal()}"}
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url) as http:
        assert http.delete("/api/v1/disconnect-app", headers=bearer).status_code == 200
        assert http.get("/api/v1/athlete/0/wellness/" + today.isoformat(),
                        headers=bearer).status_code == 401
    sb.device_wellness(None, today, weight=71.0)
    sb.deliver_webhooks()
    types = [t for p in receiver.requests for t in p.types]
    assert types == ["APP_SCOPE_CHANGED", "APP_SCOPE_CHANGED"]
    goodbye = receiver.requests[-1].body["events"][-1]
    assert (goodbye["scope"], goodbye["deauthorized"]) == ("", True)


def test_disconnect_app_needs_a_bearer_token(sandbox: Sandbox) -> None:
    with basic(sandbox) as http:
        assert http.delete("/api/v1/disconnect-app").status_code == 401


# -- the delivery log ---------------------------------------------------------------------------


def test_delivery_log_through_the_control_api(live_sandbox: Sandbox, receiver: Receiver) -> None:
    sb = live_sandbox
    sb.configure(**FAST)
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    receiver.answer(502)
    with basic(sb) as http:
        put_weight(http, sb.state.local_today(sb.athlete_id), 70.0)
    receiver.wait_for(2)
    assert sb.wait_for_webhooks()
    with httpx.Client(base_url=sb.base_url) as http:
        response = http.get("/_sandbox/webhooks/deliveries",
                            params={"client_id": app.client_id})
        summary = http.get("/_sandbox/webhooks").json()
    assert response.status_code == 200
    log = response.json()
    assert [e["attempt"] for e in log] == [1, 2]
    for entry in log:
        assert entry["app"] == "Hook test"
        assert entry["event_types"] == ["WELLNESS_UPDATED"]
        assert entry["athlete_ids"] == [sb.athlete_id]
        assert entry["latency_ms"] >= 0
        assert entry["timestamp"].endswith("+00:00")
    assert log[0]["status"] == 502
    assert log[0]["next_attempt_at"] is not None
    assert app.webhook_secret not in response.text
    assert summary["attempts"] == {"will_retry": 1, "delivered": 1}
    assert summary["pending_deliveries"] == []


def test_webhook_faults_through_the_control_api(live_sandbox: Sandbox) -> None:
    with httpx.Client(base_url=live_sandbox.base_url) as http:
        added = http.post("/_sandbox/webhooks/faults", json={"kind": "delay", "seconds": 3})
        assert added.status_code == 201
        assert added.json()["kind"] == "delay"
        bad = http.post("/_sandbox/webhooks/faults", json={"kind": "explode"})
        assert bad.status_code == 422
        assert "duplicate, reorder, delay, drop" in bad.json()["error"]
        assert len(http.get("/_sandbox/webhooks/faults").json()) == 1
        assert http.delete("/_sandbox/webhooks/faults").json() == []
        assert http.get("/_sandbox/webhooks/faults").json() == []


# -- simulated devices --------------------------------------------------------------------------


def test_device_import_announces_the_upload_first(
    frozen_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = frozen_sandbox
    connect(sb, receiver, ["ACTIVITY_UPLOADED", "FITNESS_UPDATED", "WELLNESS_UPDATED"])
    day = sb.state.local_today(sb.athlete_id) - timedelta(days=1)
    activity = sb.device_import(sport="Run", when=datetime.fromisoformat(f"{day}T07:15:00"))
    sb.deliver_webhooks()
    [post] = receiver.wait_for(1)
    assert post.types == ["ACTIVITY_UPLOADED", "FITNESS_UPDATED", "WELLNESS_UPDATED"]
    uploaded, fitness, wellness = post.body["events"]
    assert uploaded["activity"]["id"] == activity["id"]
    assert uploaded["activity"]["type"] == "Run"
    assert uploaded["activity"]["start_date_local"].startswith(f"{day}T07:15")
    assert fitness["records"][0]["id"] == day.isoformat()
    assert set(fitness["records"][0]) <= {"id", "ctl", "atl", "rampRate", "ctlLoad", "atlLoad",
                                          "sportInfo", "updated"}
    assert wellness["records"][0]["id"] == day.isoformat()
    with basic(sb) as http:
        assert http.get(f"/api/v1/activity/{activity['id']}").status_code == 200


def test_no_activity_webhooks_for_strava_activities(
    frozen_sandbox: Sandbox, receiver: Receiver
) -> None:
    sb = frozen_sandbox
    connect(sb, receiver, ["ACTIVITY_UPLOADED"])
    activity = sb.device_import(source="STRAVA")
    assert activity["source"] == "STRAVA"
    sb.device_import(source="GARMIN_CONNECT")
    sb.deliver_webhooks()
    [post] = receiver.wait_for(1)
    assert post.types == ["ACTIVITY_UPLOADED"], "only the Garmin activity is announced"
    assert post.body["events"][0]["activity"]["source"] == "GARMIN_CONNECT"


def test_device_wellness_leaves_locked_records_alone(frozen_sandbox: Sandbox) -> None:
    sb = frozen_sandbox
    day = sb.state.local_today(sb.athlete_id)
    with basic(sb) as http:
        response = http.put(f"/api/v1/athlete/0/wellness/{day}", json={"weight": 70.0,
                                                                        "locked": True})
        assert response.json()["locked"] is True
        record = sb.device_wellness(None, day, weight=80.0)
        assert record["weight"] == 70.0
        assert http.get(f"/api/v1/athlete/0/wellness/{day}").json()["weight"] == 70.0


# -- the retry rule as a property ---------------------------------------------------------------


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.sampled_from([200, 201, 204, 299, 400, 404, 410, 500, 502, 503]),
                        max_size=5),
       retries=st.integers(min_value=0, max_value=3),
       bug=st.booleans())
def test_attempts_stop_at_the_first_success_or_the_last_retry(
    receiver: Receiver, answers: list[int], retries: int, bug: bool
) -> None:
    receiver.requests.clear()
    receiver.script.clear()
    receiver.answer(*answers)
    sb = Sandbox(seed=3, athletes=1, history=False)
    sb.clock.freeze()
    sb.configure(webhook_retry_schedule=(5.0,) * retries, webhook_204_is_failure=bug)
    app = connect(sb, receiver, ["WELLNESS_UPDATED"])
    sb.device_wellness(None, sb.state.local_today(sb.athlete_id), weight=70.0)
    for _ in range(retries + 1):
        sb.deliver_webhooks()
        sb.advance(5)
    sb.stop()

    padded = [*answers, *[200] * (retries + 1)]
    ok = [200 <= s < 300 and not (s == 204 and bug) for s in padded]
    first_ok = ok.index(True)
    expected_attempts = min(first_ok, retries) + 1
    log = sb.webhook_deliveries(app.client_id)
    assert [e["attempt"] for e in log] == list(range(1, expected_attempts + 1))
    assert [e["status"] for e in log] == padded[:expected_attempts]
    assert log[-1]["outcome"] == ("delivered" if first_ok <= retries else "given_up")
    assert all(e["outcome"] == "will_retry" for e in log[:-1])
    assert len(receiver.requests) == expected_attempts
    assert len({r.raw for r in receiver.requests}) == 1
