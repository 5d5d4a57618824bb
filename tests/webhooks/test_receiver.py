"""The receiver over HTTP: statuses, nothing stored unless 200, 200 only after the commit,
duplicates stored once, never 204, and no secret in logs or in the database."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from starlette.applications import Starlette

from intervals_icu import ConfigurationError
from intervals_icu.webhooks import Inbox, ReceiverServer, WebhookReceiver
from tests.webhooks import samples

CURRENT, PREVIOUS = "whsec-current-Zq81", "whsec-previous-Lm27"
AUTH = "Bearer hook-auth-5d2c"
JSON = {"content-type": "application/json"}


@pytest.fixture
def receiver(inbox: Inbox) -> Iterator[WebhookReceiver]:
    r = WebhookReceiver(secrets=[CURRENT, PREVIOUS], inbox=inbox, max_body_bytes=64 * 1024)
    yield r
    r.writer.close()


@pytest.fixture
async def http(receiver: WebhookReceiver) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=receiver.asgi_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
        yield client


def delivery(secret: str = CURRENT, *events: dict[str, Any]) -> bytes:
    return json.dumps(samples.envelope(secret, *(events or (samples.ACTIVITY_UPLOADED,)))).encode()


async def test_a_delivery_is_stored_then_answered_200_with_a_small_body(
        http: httpx.AsyncClient, inbox: Inbox) -> None:
    response = await http.post("/", content=delivery(CURRENT, samples.ACTIVITY_UPLOADED,
                                                     samples.WELLNESS_UPDATED), headers=JSON)
    assert response.status_code == 200  # never 204: the platform once retried those
    assert response.json() == {"received": 2, "new": 2, "duplicates": 0}
    assert len(response.content) < 100
    # Answered after the commit: another connection sees both rows right away.
    assert {e.event_type for e in inbox.list()} == {"ACTIVITY_UPLOADED", "WELLNESS_UPDATED"}


async def test_a_duplicate_delivery_is_answered_200_and_stored_once(
        http: httpx.AsyncClient, inbox: Inbox) -> None:
    body = delivery(CURRENT, samples.CALENDAR_WITH_EVENTS)
    answers = [await http.post("/", content=body, headers=JSON) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["new"] for a in answers] == [1, 0, 0]
    (entry,) = inbox.list()
    assert entry.deliveries == 3


async def test_the_previous_secret_still_works_during_a_rotation(
        http: httpx.AsyncClient, inbox: Inbox) -> None:
    response = await http.post("/", content=delivery(PREVIOUS), headers=JSON)
    assert response.status_code == 200
    assert len(inbox.list()) == 1


@pytest.mark.parametrize(("body", "headers", "status"), [
    (delivery("whsec-wrong"), JSON, 403),
    (json.dumps({"events": [samples.ACTIVITY_UPLOADED]}).encode(), JSON, 403),
    (b"definitely not json", JSON, 400),
    (b"[1, 2, 3]", JSON, 400),
    (json.dumps({"secret": CURRENT, "events": "nope"}).encode(), JSON, 400),
    (delivery(CURRENT), {"content-type": "text/plain"}, 415),
    (delivery(CURRENT), {"content-type": "application/x-www-form-urlencoded"}, 415),
    (delivery(CURRENT), {}, 415),
    (b"{" + b" " * (65 * 1024) + b"}", JSON, 413),
])
async def test_rejections_store_nothing(http: httpx.AsyncClient, inbox: Inbox, body: bytes,
                                        headers: dict[str, str], status: int) -> None:
    response = await http.post("/", content=body, headers=headers)
    assert response.status_code == status
    assert "error" in response.json()
    assert inbox.list() == []


async def test_json_with_a_charset_is_json(http: httpx.AsyncClient, inbox: Inbox) -> None:
    response = await http.post("/", content=delivery(),
                               headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200


async def test_a_streamed_body_over_the_limit_is_cut_off_with_413(
        http: httpx.AsyncClient, inbox: Inbox) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):  # 100 x 4 KiB, no Content-Length: only counting can stop it
            yield b" " * 4096

    response = await http.post("/", content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert inbox.list() == []


async def test_other_methods_are_405(http: httpx.AsyncClient) -> None:
    for method in ("GET", "PUT", "DELETE"):
        assert (await http.request(method, "/")).status_code == 405


async def test_a_configured_authorization_header_is_required(inbox: Inbox) -> None:
    receiver = WebhookReceiver(secrets=CURRENT, inbox=inbox, authorization=AUTH)
    transport = httpx.ASGITransport(app=receiver.asgi_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://r") as http:
        for header in (None, "Bearer hook-auth-5d2d", "hook-auth-5d2c"):
            headers = dict(JSON) | ({"authorization": header} if header else {})
            response = await http.post("/", content=delivery(), headers=headers)
            assert response.status_code == 403
        assert inbox.list() == []
        ok = await http.post("/", content=delivery(), headers=JSON | {"authorization": AUTH})
        assert ok.status_code == 200
    receiver.writer.close()


async def test_a_blank_authorization_setting_checks_nothing(inbox: Inbox) -> None:
    receiver = WebhookReceiver(secrets=CURRENT, inbox=inbox, authorization="")
    receipt = await receiver.receive(delivery(), content_type="application/json")
    assert receipt.status == 200
    receiver.writer.close()


async def test_database_failure_is_503_so_the_platform_retries(
        http: httpx.AsyncClient, inbox: Inbox) -> None:
    inbox.drop_tables()
    response = await http.post("/", content=delivery(), headers=JSON)
    assert response.status_code == 503
    inbox.create_tables()
    response = await http.post("/", content=delivery(), headers=JSON)
    assert response.status_code == 200
    assert len(inbox.list()) == 1


async def test_many_concurrent_deliveries_are_all_stored(
        http: httpx.AsyncClient, receiver: WebhookReceiver, inbox: Inbox) -> None:
    """Group commit: concurrent requests share transactions, and each is answered only when
    its own events are committed."""
    bodies = [delivery(CURRENT, {**samples.ACTIVITY_UPLOADED,
                                 "timestamp": f"2026-04-15T16:29:50.{n:03d}+00:00"})
              for n in range(200)]
    answers = await asyncio.gather(*(http.post("/", content=b, headers=JSON) for b in bodies))
    assert {a.status_code for a in answers} == {200}
    assert sum(a.json()["new"] for a in answers) == 200
    assert inbox.stats()["pending"] == 200
    assert 1 <= receiver.writer.commits <= 200


async def test_the_endpoint_mounts_in_another_app(receiver: WebhookReceiver,
                                                  inbox: Inbox) -> None:
    app = Starlette()
    app.add_route("/hooks/intervals", receiver.endpoint, methods=["POST"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        response = await http.post("/hooks/intervals", content=delivery(), headers=JSON)
    assert response.status_code == 200
    assert len(inbox.list()) == 1


async def test_secrets_never_reach_logs_or_the_database(
        http: httpx.AsyncClient, inbox: Inbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await http.post("/", content=delivery(CURRENT), headers=JSON)
    await http.post("/", content=delivery(PREVIOUS, samples.WELLNESS_UPDATED), headers=JSON)
    await http.post("/", content=delivery(CURRENT + "x"), headers=JSON)
    await http.post("/", content=b'{"secret": "' + CURRENT.encode() + b'"', headers=JSON)
    assert caplog.records  # the rejections were logged...
    for secret in (CURRENT, PREVIOUS):  # ...without any secret, even a near miss
        assert secret not in caplog.text
    with inbox.engine.connect() as conn:
        dump = json.dumps([list(r) for r in conn.execute(text(
            f"select * from {inbox.table_prefix}inbox"))], default=str)
    assert len(inbox.list()) == 2
    assert CURRENT not in dump
    assert PREVIOUS not in dump
    receiver_repr = repr(WebhookReceiver(secrets=[CURRENT], inbox=inbox))
    assert CURRENT not in receiver_repr


def test_over_a_real_socket(receiver: WebhookReceiver, inbox: Inbox) -> None:
    with ReceiverServer(receiver, workers=0) as server:
        response = httpx.post(server.url, content=delivery(), headers=JSON)
    assert response.status_code == 200
    assert len(inbox.list()) == 1


def test_configuration_errors_say_what_to_do(inbox: Inbox) -> None:
    with pytest.raises(ConfigurationError, match="webhook secret"):
        WebhookReceiver(secrets=[], inbox=inbox)
    with pytest.raises(ConfigurationError, match="max_body_bytes"):
        WebhookReceiver(secrets=CURRENT, inbox=inbox, max_body_bytes=10)
    receiver = WebhookReceiver(secrets=CURRENT, inbox=inbox)

    @receiver.on("ACTIVITY_UPLOADED")
    def handler(event: Any, ctx: Any) -> None: ...

    with pytest.raises(ConfigurationError, match="already registered"):
        receiver.add_handler(handler, "ACTIVITY_UPDATED")
    receiver.add_handler(handler, "ACTIVITY_UPDATED", name="second")
    with pytest.raises(ConfigurationError, match="already registered"):
        receiver.add_handler(lambda e, c: None, name="mirror")


def test_from_env_reads_secrets_and_authorization(inbox: Inbox) -> None:
    env = {"INTERVALS_WEBHOOK_SECRET": f" {CURRENT}, {PREVIOUS} ",
           "INTERVALS_WEBHOOK_AUTHORIZATION": AUTH}
    receiver = WebhookReceiver.from_env(inbox, env=env)
    assert len(receiver.secrets) == 2
    ok = asyncio.run(receiver.receive(delivery(PREVIOUS), content_type="application/json",
                                      authorization=AUTH))
    assert ok.status == 200
    missing_header = asyncio.run(receiver.receive(delivery(), content_type="application/json"))
    assert missing_header.status == 403
    receiver.writer.close()
    with pytest.raises(ConfigurationError, match="INTERVALS_WEBHOOK_SECRET"):
        WebhookReceiver.from_env(inbox, env={})


@pytest.mark.parametrize("value", [f"{CURRENT},{PREVIOUS}", f"{CURRENT} {PREVIOUS}",
                                   f" {CURRENT}, {PREVIOUS} ", f"{CURRENT}\t{PREVIOUS}\n"])
def test_from_env_reads_the_rotation_with_commas_or_whitespace(inbox: Inbox, value: str) -> None:
    """One parsing for INTERVALS_WEBHOOK_SECRET everywhere (`icu webhooks serve` too)."""
    receiver = WebhookReceiver.from_env(inbox, env={"INTERVALS_WEBHOOK_SECRET": value})
    try:
        assert len(receiver.secrets) == 2
        for secret in (CURRENT, PREVIOUS):
            receipt = asyncio.run(receiver.receive(delivery(secret),
                                                   content_type="application/json"))
            assert receipt.status == 200
    finally:
        receiver.writer.close()
