"""How requests reach operations, as Spring routes them: ``{ext}``/``{format}`` suffixes and
integer path variables (API-NOTES §2.4, §6.2)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intervals_icu.sandbox import Sandbox

MISMATCH = "org.springframework.web.method.annotation.MethodArgumentTypeMismatchException"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    sandbox = Sandbox(seed=11, athletes=1, years=0.1)
    sandbox.configure(rate_limit_enabled=False)
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def http(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                      auth=("API_KEY", sb.api_key)) as client:
        yield client


def test_a_published_clients_events_list_gets_json(sb: Sandbox, http: httpx.Client) -> None:
    """intervals-icu-cli 0.2.0's ``events list`` sends exactly this (issue 11, item 2)."""
    oldest = sb.state.local_today(sb.athlete_id) - timedelta(days=30)
    response = http.get(f"/api/v1/athlete/{sb.athlete_id}/eventsjson?oldest={oldest}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    events = response.json()
    assert events, "the seeded calendar has events in the last 30 days"
    assert all(e["start_date_local"][:10] >= oldest.isoformat() for e in events)


@pytest.mark.parametrize("path", ["wellnessjson", "gearjson", "events.json", "wellness.JSON",
                                  "gear", "eventscsv", "athlete-summaryjson"])
def test_any_suffix_but_csv_gives_json(http: httpx.Client, path: str) -> None:
    response = http.get(f"/api/v1/athlete/0/{path}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("path", ["wellness.csv", "gear.csv", "events.csv", "wellness.CSV"])
def test_dot_csv_gives_csv(http: httpx.Client, path: str) -> None:
    response = http.get(f"/api/v1/athlete/0/{path}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(response.text)))


def test_the_longer_literal_template_wins(sb: Sandbox, http: httpx.Client) -> None:
    """``power-curves.json`` must not become ``power-curve{ext}`` with suffix ``s.json``."""
    ride = next(a for a in sb.state.store(sb.athlete_id).activities.values()
                if "watts" in (a.get("stream_types") or []))
    for suffix in (".json", "json", ""):
        many = http.get(f"/api/v1/activity/{ride['id']}/power-curves{suffix}")
        assert many.status_code == 200
        assert isinstance(many.json(), list)  # listActivityPowerCurves_1 answers a list
    one = http.get(f"/api/v1/activity/{ride['id']}/power-curve.json")
    assert isinstance(one.json(), dict)


def test_a_suffix_never_crosses_a_slash(http: httpx.Client) -> None:
    assert http.get("/api/v1/athlete/0/wellness.json/extra").status_code == 404


@pytest.mark.parametrize(("path", "name", "java"), [
    ("/api/v1/athlete/0/events/abc", "eventId", "int"),
    ("/api/v1/athlete/0/workouts/1.5", "workoutId", "int"),
    ("/api/v1/athlete/0/custom-item/ 7", "itemId", "int"),
    ("/api/v1/athlete/0/events/2147483648", "eventId", "int"),
    ("/api/v1/athlete/0/routes/x1", "route_id", "long"),
    ("/api/v1/chats/seven", "id", "int"),
])
def test_a_non_numeric_integer_path_parameter_is_a_500(http: httpx.Client, path: str,
                                                       name: str, java: str) -> None:
    response = http.get(path)
    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"status", "error"}
    assert body["status"] == 500
    assert body["error"].startswith(MISMATCH + ": ")
    assert f"Method parameter '{name}'" in body["error"]
    assert f"to required type '{java}'" in body["error"]
    assert "For input string: " in body["error"]


def test_integers_java_accepts_reach_the_handler(http: httpx.Client) -> None:
    # A sign, leading zeros and int64 route ids are numbers to Java: the handler answers.
    assert http.get("/api/v1/athlete/0/events/+0012").status_code == 404
    assert http.get("/api/v1/athlete/0/routes/9999999999").status_code == 404


def test_authentication_comes_before_conversion(sb: Sandbox) -> None:
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url) as anonymous:
        assert anonymous.get("/api/v1/athlete/0/events/abc").status_code == 401


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="/?#%",
                                      blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
               min_size=1, max_size=12))
def test_every_event_id_is_a_number_or_a_500(http: httpx.Client, text: str) -> None:
    response = http.get(f"/api/v1/athlete/0/events/{text}")
    stripped = text.lstrip("+-")
    is_java_int = (stripped.isascii() and stripped.isdigit() and text.count("+") + text.count(
        "-") <= 1 and text[:1] in "+-0123456789" and -2**31 <= int(text) < 2**31)
    if is_java_int:
        assert response.status_code in {200, 404}
    elif response.status_code != 404:  # e.g. "." segments normalized away by the URL
        assert response.status_code == 500, (text, response.text)
