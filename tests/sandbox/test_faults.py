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


# -- the applied-writes log: what really happened, whatever the client was told -----------------


def test_applied_writes_log_what_was_carried_out_and_which_answers_were_lost(
    live_sandbox: Sandbox,
) -> None:
    sb = live_sandbox
    day = sb.state.local_today(sb.athlete_id)
    with raw(sb) as http:
        made = http.post("/api/v1/athlete/0/events", json={
            "category": "NOTE", "name": "kept", "start_date_local": f"{day}T00:00:00"})
        assert made.status_code == 200
        sb.faults(route="PUT /api/v1/athlete/*/wellness-bulk", error_rate=1.0, count=1)
        refused = http.put("/api/v1/athlete/0/wellness-bulk", json=[{"id": str(day),
                                                                      "weight": 60.0}])
        assert refused.status_code == 500  # injected before it was carried out: not logged
        sb.faults(route="PUT /api/v1/athlete/*/wellness-bulk", lose_answer_rate=1.0,
                  lose_answer_status=502, count=1)
        lost = http.put("/api/v1/athlete/0/wellness-bulk", json=[{"id": str(day),
                                                                   "weight": 61.5}])
        assert lost.status_code == 502
        sb.faults(route="DELETE /api/v1/athlete/*/events/*", lose_answer_rate=1.0, count=1)
        with pytest.raises(httpx.TransportError):
            http.delete(f"/api/v1/athlete/0/events/{made.json()['id']}")
        assert http.delete("/api/v1/athlete/0/events/1").status_code == 404  # not logged
    with sb.client(sb.coach_api_key) as coach:
        coach.for_athlete(sb.athlete_id).wellness.update(day, hrv=50.0)
    writes = sb.applied_writes()
    assert [(w["seq"], w["method"], w["operation_id"]) for w in writes] == [
        (1, "POST", "createEvent"), (2, "PUT", "updateWellnessBulk"),
        (3, "DELETE", "deleteEvent"), (4, "PUT", "updateWellness")]
    event_id = str(made.json()["id"])
    assert writes[0]["record_ids"] == [event_id]  # what the create made
    assert writes[0]["path"] == "/api/v1/athlete/0/events"  # as requested
    assert writes[1]["record_ids"] == [str(day)]
    assert (writes[1]["answer_lost"], writes[1]["lost_status"]) == (True, 502)
    assert (writes[2]["answer_lost"], writes[2]["lost_status"]) == (True, None)  # dropped
    assert writes[2]["record_ids"] == [event_id]
    assert not writes[0]["answer_lost"]
    assert {w["athlete_id"] for w in writes} == {sb.athlete_id}  # "0" resolved
    assert [w["by"] for w in writes] == [sb.athlete_id] * 3 + [sb.coach_id]
    assert sb.state.store(sb.athlete_id).wellness[str(day)]["weight"] == 61.5
    assert [w["seq"] for w in sb.applied_writes(since=2)] == [3, 4]
    assert sb.applied_writes(sb.coach_id) == []
    sb.reset()
    assert sb.applied_writes() == []


def test_an_activity_write_is_logged_for_the_activity_owner(sandbox: Sandbox) -> None:
    store = sandbox.state.store(sandbox.athlete_id)
    activity_id = next(a for a, v in store.activities.items() if v.get("source") != "STRAVA")
    with sandbox.client() as client:
        client.activities.update(activity_id, name="renamed")
        client.activities.delete(activity_id)
    update, delete = sandbox.applied_writes()
    assert (update["operation_id"], update["athlete_id"], update["record_ids"]) == (
        "updateActivity", sandbox.athlete_id, [activity_id])
    assert (delete["operation_id"], delete["athlete_id"]) == ("deleteActivity",
                                                              sandbox.athlete_id)


def test_a_write_to_a_record_names_that_record_not_the_parts_it_sends(sandbox: Sandbox) -> None:
    store = sandbox.state.store(sandbox.athlete_id)
    activity_id = next(a for a, d in sorted(store.details.items())
                       if len(d.intervals) >= 2 and a in store.activities
                       and store.activities[a].get("source") != "STRAVA")
    with sandbox.client() as client:
        rows = client.activities.intervals(activity_id).icu_intervals or []
        client.activities.update_intervals(activity_id, [
            {"id": r.id, "start_index": r.start_index, "end_index": r.end_index,
             "type": r.type} for r in rows])
    [logged] = sandbox.applied_writes()
    assert logged["record_ids"] == [activity_id]  # not the interval ids of the body


def test_a_long_running_sandbox_keeps_the_newest_applied_writes() -> None:
    from intervals_icu.sandbox.applied import AppliedWrites

    log = AppliedWrites(kept=3)
    for n in range(5):
        log.add(at="2026-12-04T10:00:00", method="PUT", path=f"/api/v1/x/{n}", query={},
                operation_id="updateX", athlete_id="i1", by="i1", client_id=None, status=200,
                ids=[str(n)])
    assert [e["seq"] for e in log.read()] == [3, 4, 5]
    assert [e["record_ids"] for e in log.read(since=4)] == [["4"]]
