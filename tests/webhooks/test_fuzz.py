"""Fuzzing the receiver over a real socket: malformed and huge bodies, wrong secrets and
content types. It never crashes, answers the right status, stores nothing unless it
answered 200 (and then exactly the events sent), and never logs a secret."""

from __future__ import annotations

import json
import logging
import math
import socket
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from intervals_icu.webhooks import Inbox, ReceiverServer, WebhookReceiver, dedup_key

CURRENT, PREVIOUS = "whsec-fuzz-current-93Kd", "whsec-fuzz-previous-17Xa"
LIMIT = 16 * 1024

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
secrets = (st.sampled_from([CURRENT, PREVIOUS, "", CURRENT[:-1], CURRENT + "x",
                            CURRENT.upper(), PREVIOUS + "\u0000", " " + CURRENT])
           | st.text(max_size=30) | st.integers() | st.none() | st.lists(st.just(CURRENT)))
events = st.fixed_dictionaries(
    {},
    optional={
        "athlete_id": st.sampled_from(["i1", "i2"]) | st.integers() | st.text(max_size=70)
        | st.none(),
        "type": st.sampled_from(["ACTIVITY_UPLOADED", "CALENDAR_UPDATED", "SOMETHING_NEW"])
        | st.text(max_size=70) | st.integers(),
        "timestamp": st.sampled_from(["2026-04-15T16:29:56.819+00:00", "junk", ""])
        | st.text(max_size=30),
        "activity": json_values,
        "records": st.lists(json_values, max_size=3),
    },
) | json_values
envelopes = st.fixed_dictionaries(
    {}, optional={"secret": secrets, "events": st.lists(events, max_size=4) | json_values})


def nodelay_client() -> httpx.Client:
    """Without TCP_NODELAY, httpx's separate header and body writes wait ~40 ms for the
    server's delayed ACK (Nagle), which only slows the test down."""
    option = (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return httpx.Client(timeout=30, transport=httpx.HTTPTransport(socket_options=[option]))


def _dump(value: Any) -> bytes:
    return json.dumps(value).encode()  # NaN/Infinity included: the receiver must refuse them


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A valid-looking delivery, then truncated, bit-flipped or spliced."""
    raw = bytearray(_dump(draw(envelopes)))
    if raw:
        where = draw(st.integers(0, len(raw) - 1))
        how = draw(st.sampled_from(["truncate", "flip", "insert"]))
        if how == "truncate":
            del raw[where:]
        elif how == "flip":
            raw[where] ^= draw(st.integers(1, 255))
        else:
            raw[where:where] = draw(st.binary(min_size=1, max_size=8))
    return bytes(raw)


@st.composite
def oversized(draw: st.DrawFn) -> bytes:
    size = draw(st.integers(LIMIT - 64, LIMIT * 6))
    body = {"secret": CURRENT, "events": [{"athlete_id": "i1", "type": "ACTIVITY_UPLOADED",
                                           "timestamp": "2026-04-15T16:29:56.819+00:00",
                                           "pad": ""}]}
    padding = max(0, size - len(_dump(body)))
    body["events"][0]["pad"] = "x" * padding
    return _dump(body)


bodies = st.one_of(envelopes.map(_dump), json_values.map(_dump), st.binary(max_size=300),
                   damaged(), oversized())
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
content_types = st.sampled_from([
    "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
    "application/cloudevents+json", "text/plain", "text/json", "application/xml",
    "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "",
]) | header_text.map(str.strip)


def _strict_json(raw: bytes) -> tuple[bool, Any]:
    def refuse(_: str) -> Any:
        raise ValueError

    def finite(text: str) -> float:
        if math.isinf(value := float(text)):
            raise ValueError
        return value

    try:
        return True, json.loads(raw, parse_constant=refuse, parse_float=finite)
    except (ValueError, RecursionError):
        return False, None


def expected_statuses(raw: bytes, content_type: str) -> set[int]:
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/")
                                            and media.endswith("+json")):
        return {415}
    if len(raw) > LIMIT:
        return {413}
    parsed_ok, data = _strict_json(raw)
    if not parsed_ok or not isinstance(data, dict):
        return {400}
    if data.get("secret") not in (CURRENT, PREVIOUS):
        return {403}
    return {200, 400}  # authenticated: 400 when the events are not a valid envelope


@pytest.mark.slow
def test_fuzzed_deliveries(database_url: str, table_prefix: str,
                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    inbox = Inbox(database_url, table_prefix=table_prefix)
    receiver = WebhookReceiver(secrets=[CURRENT, PREVIOUS], inbox=inbox, max_body_bytes=LIMIT)
    stored: set[str] = set()
    seen_statuses: set[int] = set()
    try:
        with ReceiverServer(receiver, workers=0) as server, nodelay_client() as http:

            @settings(max_examples=250, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(raw=bodies, content_type=content_types)
            def check(raw: bytes, content_type: str) -> None:
                headers = {"content-type": content_type} if content_type else {}
                response = http.post(server.url, content=raw, headers=headers)
                assert response.status_code in expected_statuses(raw, content_type)
                assert "error" in response.json() or response.status_code == 200
                with inbox.engine.connect() as conn:
                    keys = set(conn.execute(select(inbox.entries.c.dedup_key)).scalars())
                seen_statuses.add(response.status_code)
                if response.status_code == 200:
                    sent = json.loads(raw)["events"]
                    assert keys == stored | {dedup_key(e) for e in sent}
                    assert response.json()["received"] == len(sent)
                    stored.update(keys)
                else:
                    assert keys == stored  # nothing stored for a rejected delivery

            check()
    finally:
        receiver.writer.close()
        inbox.drop_tables()
        inbox.close()
    assert seen_statuses >= {200, 400, 403, 413, 415}  # every path was exercised
    for secret in (CURRENT, PREVIOUS):
        assert secret not in caplog.text
