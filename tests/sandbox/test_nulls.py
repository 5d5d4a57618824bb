"""Nulls as the platform's Jackson writes them (issue 11, item 3): a default response carries
every field of its schema, null when unset; ``fields=`` drops nulls; Strava stubs and
webhook payloads keep only what they have; ``write_nulls=False`` restores the old shape.
The client reads both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from intervals_icu.models import strict_check
from intervals_icu.sandbox import Sandbox
from intervals_icu.spec import effective_spec

SCHEMAS = effective_spec()["components"]["schemas"]
ACTIVITY = list(SCHEMAS["Activity"]["properties"])
WELLNESS = list(SCHEMAS["Wellness"]["properties"])
INTERVAL = list(SCHEMAS["Interval"]["properties"])
STUB = {"id", "icu_athlete_id", "start_date_local", "source", "_note"}


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url,
                      auth=("API_KEY", sandbox.api_key)) as client:
        yield client


def _listed(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/api/v1/athlete/0/activities", params={"oldest": "2000-01-01",
                                                                **params})
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.json()
    return rows


def test_a_default_activity_carries_every_field_of_its_schema(api: httpx.Client) -> None:
    made = api.post("/api/v1/athlete/0/activities/manual", json={
        "start_date_local": "2025-04-01T07:00:00", "type": "Run", "moving_time": 1800}).json()
    assert list(made)[:len(ACTIVITY)] == ACTIVITY  # in the schema's order
    assert made["icu_weighted_avg_watts"] is None  # unset: written as null
    assert made["description"] is None
    fetched = api.get(f"/api/v1/activity/{made['id']}").json()
    assert set(ACTIVITY) <= set(fetched)
    listed = [a for a in _listed(api) if "_note" not in a]
    assert all(set(ACTIVITY) <= set(a) for a in listed)
    assert any(a["description"] is None for a in listed)


def test_nested_objects_carry_their_fields_too(api: httpx.Client) -> None:
    ride = next(a for a in _listed(api) if a.get("icu_intervals_edited") is not True
                and a.get("interval_summary"))
    with_intervals = api.get(f"/api/v1/activity/{ride['id']}",
                             params={"intervals": "true"}).json()
    assert with_intervals["icu_intervals"]
    assert all(set(INTERVAL) <= set(i) for i in with_intervals["icu_intervals"])
    dto = api.get(f"/api/v1/activity/{ride['id']}/intervals").json()
    assert all(set(INTERVAL) <= set(i) for i in dto["icu_intervals"])


def test_fields_drops_nulls(api: httpx.Client) -> None:
    rows = [a for a in _listed(api, fields="id,name,description,icu_ctl") if "_note" not in a]
    assert rows
    assert all(set(a) <= {"id", "name", "description", "icu_ctl"} for a in rows)
    assert all(v is not None for a in rows for v in a.values())
    assert any("description" not in a for a in rows)  # most activities have none
    wellness = api.get("/api/v1/athlete/0/wellness.json",
                       params={"oldest": "2000-01-01", "fields": "id,weight,hrv"}).json()
    assert all(set(w) <= {"id", "weight", "hrv"} for w in wellness)
    assert all(v is not None for w in wellness for v in w.values())


def test_wellness_without_fields_has_every_field(api: httpx.Client, sandbox: Sandbox) -> None:
    rows = api.get("/api/v1/athlete/0/wellness.json", params={"oldest": "2000-01-01"}).json()
    assert rows
    assert all(list(r)[:len(WELLNESS)] == WELLNESS for r in rows)
    empty_day = api.get("/api/v1/athlete/0/wellness/1999-01-01").json()
    assert empty_day["id"] == "1999-01-01"
    assert empty_day["weight"] is None


def test_strava_stubs_keep_their_few_keys(api: httpx.Client) -> None:
    stubs = [a for a in _listed(api) if a.get("source") == "STRAVA"]
    assert stubs
    assert all(set(s) == STUB for s in stubs)
    one = api.get(f"/api/v1/activity/{stubs[0]['id']}").json()
    assert set(one) == STUB


def test_errors_and_files_are_untouched(api: httpx.Client) -> None:
    missing = api.get("/api/v1/activity/i1")
    assert set(missing.json()) == {"status", "error"}
    assert api.get("/api/v1/athlete/0/activities.csv").headers["content-type"].startswith(
        "text/csv")


def test_webhook_payloads_leave_unset_fields_out(sandbox: Sandbox) -> None:
    sandbox.device_import(sport="Run")
    uploaded = next(e for e in sandbox.state.webhooks.emitted
                    if e["type"] == "ACTIVITY_UPLOADED")["activity"]
    assert None not in uploaded.values()
    assert len(uploaded) < len(ACTIVITY)


def test_nulls_can_be_switched_off(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.configure(write_nulls=False)
    rows = [a for a in _listed(api) if "_note" not in a]
    assert all(None not in a.values() for a in rows)
    assert all(len(a) < len(ACTIVITY) for a in rows)


@pytest.mark.parametrize("write_nulls", [True, False])
def test_the_client_reads_both(sandbox: Sandbox, write_nulls: bool) -> None:
    sandbox.configure(write_nulls=write_nulls)
    with sandbox.client(strict=True) as client:
        activities = [a for a in client.activities.list("2000-01-01")
                      if not a.is_strava_stub]
        assert activities
        first = client.activities.get(activities[0].id, intervals=True)
        assert strict_check(first) == []
        assert first.name == activities[0].name
        day = sandbox.state.local_today(sandbox.athlete_id)
        assert str(client.wellness.get(day).id) == day.isoformat()
