"""The control API under /_sandbox: JSON twins of the Sandbox's Python methods, over a real
socket (it is what tests in other languages and curl use)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.control import CONTROL_ENDPOINTS
from intervals_icu.sandbox.options import InvalidOptionError, SandboxOptions


@pytest.fixture
def control(live_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_sandbox.base_url + "/_sandbox") as http:
        yield http


def api(sb: Sandbox, key: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=sb.base_url, auth=("API_KEY", key or sb.api_key))


def test_info(live_sandbox: Sandbox, control: httpx.Client) -> None:
    info = control.get("").json()
    assert info == control.get("/info").json() | {"now": info["now"], "clock": info["clock"]}
    assert info["athlete_id"] == live_sandbox.athlete_id
    assert info["base_url"] == live_sandbox.base_url
    assert info["options"]["webhook_retry_schedule"] == list(
        SandboxOptions().webhook_retry_schedule)
    assert info["webhooks"]["running"] is True


def test_endpoint_index_lists_every_endpoint(control: httpx.Client) -> None:
    listed = {(e["method"], e["path"]) for e in control.get("/endpoints").json()}
    assert listed == {(e.method, f"/_sandbox/{e.path}".rstrip("/")) for e in CONTROL_ENDPOINTS}


def test_unknown_endpoint_wrong_method_and_bad_json(control: httpx.Client) -> None:
    missing = control.get("/nope")
    assert missing.status_code == 404
    assert "GET /_sandbox/endpoints" in missing.json()["error"]
    wrong = control.get("/reset")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    bad = control.patch("/options", content=b"{not json")
    assert bad.status_code == 400
    assert bad.json()["status"] == 400


def test_options_patch_switches_behaviour(live_sandbox: Sandbox,
                                          control: httpx.Client) -> None:
    changed = control.patch("/options", json={"locked_write_mode": "reject",
                                              "webhook_retry_schedule": [0.5, 1]})
    assert changed.status_code == 200
    assert changed.json()["webhook_retry_schedule"] == [0.5, 1.0]
    assert live_sandbox.options.webhook_retry_schedule == (0.5, 1.0)
    day = live_sandbox.state.local_today(live_sandbox.athlete_id)
    with api(live_sandbox) as http:
        http.put(f"/api/v1/athlete/0/wellness/{day}", json={"weight": 70, "locked": True})
        refused = http.put(f"/api/v1/athlete/0/wellness/{day}", json={"weight": 71})
    assert refused.status_code == 422
    assert control.get("/options").json()["locked_write_mode"] == "reject"


@pytest.mark.parametrize(("patch", "message"), [
    ({"rate_limit_enabeld": False}, "unknown sandbox option"),
    ({"rate_limit_enabled": "no"}, "true or false"),
    ({"locked_write_mode": "maybe"}, "'ignore', 'reject'"),
    ({"webhook_timeout": -1}, ">= 0"),
    ({"rate_limit_burst": 2.5}, "whole number"),
    ({"webhook_retry_schedule": "1,2"}, "list of numbers"),
])
def test_bad_options_are_refused_with_a_reason(control: httpx.Client, patch: dict[str, object],
                                               message: str) -> None:
    response = control.patch("/options", json=patch)
    assert response.status_code == 422
    assert message in response.json()["error"]


def test_options_validation_in_python() -> None:
    with pytest.raises(InvalidOptionError, match="known options"):
        SandboxOptions().with_changes(oauth_code_tl=5)
    assert SandboxOptions().with_changes(webhook_timeout=3).webhook_timeout == 3.0


def test_clock(live_sandbox: Sandbox, control: httpx.Client) -> None:
    frozen = control.post("/clock/freeze").json()
    assert frozen["frozen"] is True
    assert control.get("/clock").json()["now"] == frozen["now"]
    advanced = control.post("/clock/advance", json={"seconds": 3600}).json()
    before = datetime.fromisoformat(frozen["now"])
    assert datetime.fromisoformat(advanced["now"]) - before == timedelta(hours=1)
    target = "2030-01-02T03:04:05.000+00:00"
    assert control.post("/clock/set", json={"now": target}).json()["now"] == target
    assert live_sandbox.state.now_stamp() == target
    assert control.post("/clock/unfreeze").json()["frozen"] is False
    assert control.post("/clock/advance", json={"seconds": "x"}).status_code == 422
    assert control.post("/clock/set", json={"now": "yesterday"}).status_code == 422


def test_reset_and_reseed(live_sandbox: Sandbox, control: httpx.Client) -> None:
    day = live_sandbox.state.local_today(live_sandbox.athlete_id)
    old_key = live_sandbox.api_key
    control.post("/apps", json={"name": "Temp", "redirect_uris": ["http://localhost/x"]})
    with api(live_sandbox) as http:
        http.put(f"/api/v1/athlete/0/wellness/{day}", json={"comments": "written"})
    control.post("/reset")
    with api(live_sandbox) as http:
        record = http.get(f"/api/v1/athlete/0/wellness/{day}").json()
    assert record.get("comments") != "written"
    assert [a["name"] for a in control.get("/apps").json()] == ["Sandbox App"]
    info = control.post("/seed", json={"seed": 99, "athletes": 3, "years": 0.05}).json()
    assert info["seed"] == 99
    assert len(info["athlete_ids"]) == 3
    assert live_sandbox.api_key != old_key
    with api(live_sandbox, old_key) as http:
        assert http.get("/api/v1/athlete/0").status_code == 401
    with api(live_sandbox) as http:
        assert http.get("/api/v1/athlete/0").json()["id"] == info["athlete_id"]
    assert control.post("/seed", json={"athletes": 0}).status_code == 422


def test_credentials_work(live_sandbox: Sandbox, control: httpx.Client) -> None:
    creds = control.get("/credentials").json()
    roles = {a["role"] for a in creds["athletes"]}
    assert roles == {"coach", "athlete", "stranger"}
    for athlete in creds["athletes"]:
        with api(live_sandbox, athlete["api_key"]) as http:
            assert http.get("/api/v1/athlete/0").json()["id"] == athlete["id"]
    [app] = creds["apps"]
    assert app["client_secret"] == live_sandbox.oauth_app.client_secret.reveal()


def test_apps(control: httpx.Client) -> None:
    created = control.post("/apps", json={
        "name": "My App", "redirect_uris": ["http://localhost:8080/cb"],
        "webhook_url": "http://127.0.0.1:9/hook", "webhook_types": ["ACTIVITY_UPLOADED"],
        "webhook_authorization": "Basic xyz"})
    assert created.status_code == 201
    app = created.json()
    assert len(app["client_secret"]) == 32
    assert len(app["webhook_secret"]) == 32
    listing = control.get("/apps")
    for secret in (app["client_secret"], app["webhook_secret"], "Basic xyz"):
        assert secret not in listing.text
    one = control.get(f"/apps/{app['client_id']}").json()
    assert one["webhook_types"] == ["ACTIVITY_UPLOADED"]
    patched = control.patch(f"/apps/{app['client_id']}",
                            json={"webhook_types": ["WELLNESS_UPDATED", "ACTIVITY_DELETED"]})
    assert patched.json()["webhook_types"] == ["ACTIVITY_DELETED", "WELLNESS_UPDATED"]
    assert control.get("/apps/424242").status_code == 404
    assert control.patch(f"/apps/{app['client_id']}",
                         json={"client_secret": "x"}).status_code == 422
    bad_type = control.post("/apps", json={"name": "X", "redirect_uris": ["http://localhost/"],
                                           "webhook_types": ["ACTIVITY_CREATED"]})
    assert bad_type.status_code == 422
    assert "ACTIVITY_CREATED" in bad_type.json()["error"]
    bad_uri = control.post("/apps", json={"name": "X", "redirect_uris": ["localhost"]})
    assert bad_uri.status_code == 422


def test_request_faults(live_sandbox: Sandbox, control: httpx.Client) -> None:
    added = control.post("/faults", json={"route": "GET /api/v1/athlete/*", "error_rate": 1,
                                          "error_status": 502, "count": 1})
    assert added.status_code == 201
    assert control.get("/faults").json()[0]["error_status"] == 502
    with api(live_sandbox) as http:
        assert http.get("/api/v1/athlete/0").status_code == 502
        assert http.get("/api/v1/athlete/0").status_code == 200
    lost = control.post("/faults", json={"route": "PUT /api/v1/athlete/*/wellness/*",
                                         "lose_answer_rate": 1, "lose_answer_status": 502,
                                         "count": 1})
    assert lost.status_code == 201, lost.text  # was: 422 unknown field(s) lose_answer_rate
    day = live_sandbox.state.local_today(live_sandbox.athlete_id)
    with api(live_sandbox) as http:
        assert http.put(f"/api/v1/athlete/0/wellness/{day}",
                        json={"weight": 59.5}).status_code == 502
        assert http.get(f"/api/v1/athlete/0/wellness/{day}").json()["weight"] == 59.5
    [logged] = control.get("/writes").json()
    assert (logged["operation_id"], logged["answer_lost"], logged["lost_status"]) == (
        "updateWellness", True, 502)
    assert control.get("/writes", params={"since": 1}).json() == []
    assert control.get("/writes", params={"athlete_id": live_sandbox.coach_id}).json() == []
    assert control.get("/writes", params={"since": "x"}).status_code == 422
    control.post("/faults", json={"route": "*", "latency_ms": 1})
    assert control.delete("/faults").json() == []
    assert control.post("/faults", json={"error_rate": 2}).status_code == 422
    assert control.post("/faults", json={"explode": True}).status_code == 422


def test_rate_limit_burst(live_sandbox: Sandbox, control: httpx.Client) -> None:
    assert control.post("/rate-limit/burst", json={"count": 2}).status_code == 200
    with api(live_sandbox) as http:
        statuses = [http.get("/api/v1/athlete/0").status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    assert control.get("").json()["rate_limited"] == 2
    assert control.post("/rate-limit/burst", json={"count": 0}).status_code == 422


def test_device_wellness(live_sandbox: Sandbox, control: httpx.Client) -> None:
    day = live_sandbox.state.local_today(live_sandbox.athlete_id).isoformat()
    written = control.post("/device-wellness", json={"day": day, "steps": 12345, "hrv": 61.0})
    assert written.status_code == 200
    assert written.json()["steps"] == 12345
    with api(live_sandbox) as http:
        assert http.get(f"/api/v1/athlete/0/wellness/{day}").json()["hrv"] == 61.0
    assert control.post("/device-wellness", json={"steps": 1}).status_code == 422
    unknown = control.post("/device-wellness", json={"day": day, "stepz": 1})
    assert unknown.status_code == 422


def test_device_import(live_sandbox: Sandbox, control: httpx.Client) -> None:
    response = control.post("/device-import", json={"sport": "Run",
                                                    "when": "2026-01-05T07:30:00"})
    assert response.status_code == 201, response.text
    activity = response.json()
    assert activity["type"] == "Run"
    assert activity["start_date_local"].startswith("2026-01-05T07:30")
    with api(live_sandbox) as http:
        assert http.get(f"/api/v1/activity/{activity['id']}").json()["id"] == activity["id"]
    types = [e["type"] for e in live_sandbox.state.webhooks.emitted]
    assert "ACTIVITY_UPLOADED" in types


def test_webhook_overview(live_sandbox: Sandbox, control: httpx.Client) -> None:
    overview = control.get("/webhooks").json()
    assert set(overview) >= {"emitted", "queued", "pending", "attempts", "pending_deliveries",
                             "faults", "running"}
    assert control.post("/webhooks/flush").json() == []


# -- things the API cannot create: seeded, and made through the control API ------------------


def test_seeded_routes_answer_every_route_operation(live_sandbox: Sandbox) -> None:
    """getAthleteRoute, updateAthleteRoute and checkMerge have data with no Python at all
    (issue 11, item 8)."""
    with api(live_sandbox) as http:
        routes = http.get("/api/v1/athlete/0/routes").json()
        assert len(routes) >= 2
        first, second = routes[0]["route_id"], routes[1]["route_id"]
        one = http.get(f"/api/v1/athlete/0/routes/{first}", params={"includePath": "true"})
        assert one.status_code == 200
        assert len(one.json()["latlngs"]) >= 2
        renamed = http.put(f"/api/v1/athlete/0/routes/{first}", json={"name": "Renamed"})
        assert renamed.json()["name"] == "Renamed"
        merge = http.get(f"/api/v1/athlete/0/routes/{first}/similarity/{second}").json()
        assert 0.0 <= merge["similarity"] <= 1.0
        # A seeded route is the track of one of the athlete's activities.
        listed = http.get("/api/v1/athlete/0/activities", params={
            "oldest": "2000-01-01", "route_id": first}).json()
        assert [a["route_id"] for a in listed] == [first]


def test_the_seeded_shared_event_is_readable(live_sandbox: Sandbox) -> None:
    owner = live_sandbox.state.store(live_sandbox.coach_id).extra["shared_events"]
    event_id = next(iter(owner))
    with api(live_sandbox) as http:
        event = http.get(f"/api/v1/shared-event/{event_id}",
                         params={"fullCourse": "true"}).json()
    assert event["name"].endswith("Gran Fondo")
    assert {c["name"] for c in event["courses"]} == {"Long", "Short"}
    assert all(len(c["latlngs"]) > 10 for c in event["courses"])


def test_routes_and_shared_events_are_made_through_the_control_api(
    live_sandbox: Sandbox, control: httpx.Client
) -> None:
    loop = [[52.37, 4.89], [52.38, 4.90], [52.39, 4.91], [52.37, 4.89]]
    made = control.post("/routes", json={"name": "Canal loop", "latlngs": loop,
                                         "commute": True})
    assert made.status_code == 201, made.text
    route = made.json()
    assert (route["athlete_id"], route["commute"]) == (live_sandbox.athlete_id, True)
    other = control.post("/routes", json={"athlete_id": live_sandbox.athlete_ids[1],
                                          "name": "Theirs", "latlngs": loop}).json()
    assert other["athlete_id"] == live_sandbox.athlete_ids[1]
    shared = control.post("/shared-events", json={
        "name": "Club race", "start_date_local": "2031-05-01T09:00:00",
        "courses": [{"name": "Only", "distance": 42000.0, "latlngs": loop}]})
    assert shared.status_code == 201, shared.text
    with api(live_sandbox) as http:
        got = http.get(f"/api/v1/athlete/0/routes/{route['route_id']}").json()
        assert got["name"] == "Canal loop"
        event = http.get(f"/api/v1/shared-event/{shared.json()['id']}").json()
        assert event["athlete_id"] == live_sandbox.coach_id  # the coach by default
        assert event["courses"][0]["name"] == "Only"
        assert event["courses"][0]["latlngs"] is None  # only with fullCourse=true


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/routes", {"name": "x", "latlngs": [[1, 2]]}, 422),
    ("/routes", {"name": "x", "latlngs": [[95, 2], [1, 2]]}, 422),
    ("/routes", {"name": "", "latlngs": [[1, 2], [1, 3]]}, 422),
    ("/routes", {"name": "x", "latlngs": [[1, 2], [1, 3]], "athlete_id": "i1"}, 404),
    ("/routes", {"name": "x", "latlngs": [[1, 2], [1, 3]], "commute": "yes"}, 422),
    ("/shared-events", {"name": "x"}, 422),
    ("/shared-events", {"name": "x", "start_date_local": "soon"}, 422),
    ("/shared-events", {"name": "x", "start_date_local": "2031-01-01", "courses": [1]}, 422),
])
def test_bad_routes_and_shared_events_say_what_to_fix(control: httpx.Client, path: str,
                                                      body: dict[str, object],
                                                      status: int) -> None:
    response = control.post(path, json=body)
    assert response.status_code == status
    assert response.json()["error"]
