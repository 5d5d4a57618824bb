"""Every read tool, driven through the SDK's in-process client against the sandbox: the
answers agree with what the API says, cover what they claim, cost what they claim, and
never write."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client as McpClient

from intervals_icu import errors
from intervals_icu.mcp import build_server
from intervals_icu.mcp.service import Service
from intervals_icu.mirror import Mirror
from intervals_icu.sandbox import Sandbox
from tests.mcp.conftest import call, fails, make_service

READ_TOOLS = {"list_athletes", "get_athlete", "list_activities", "get_activity", "get_wellness",
              "get_fitness", "get_calendar", "get_compliance", "get_gear", "get_totals",
              "get_curves", "query"}
WRITE_TOOLS = {"set_wellness", "update_activities", "create_event", "update_event",
               "delete_events", "undo_batch", "confirm_write"}


@pytest.fixture(scope="module")
def synced_folder(seeded_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mirror of the shared sandbox's main athlete, synced once for the module."""
    folder = tmp_path_factory.mktemp("mcp-read")

    async def sync() -> None:
        async with seeded_sandbox.async_client() as client:
            mirror = Mirror(client, f"sqlite:///{folder / 'mirror.db'}")
            report = await mirror.sync_async()
            assert report.ok, report.summary()
            mirror.close()

    asyncio.run(sync())
    return folder


@pytest.fixture
async def server(seeded_sandbox: Sandbox, synced_folder: Path) -> AsyncIterator[Service]:
    service = make_service(seeded_sandbox, synced_folder)
    yield service
    await service.aclose()


def _local_today(sb: Sandbox) -> date:
    return sb.state.local_today(sb.athlete_id)


async def test_tool_list_and_schemas(server: Service) -> None:
    async with McpClient(build_server(server)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == READ_TOOLS | WRITE_TOOLS
        for name in READ_TOOLS:
            tool = tools[name]
            assert tool.annotations is not None, name
            assert tool.annotations.read_only_hint, name
            assert tool.output_schema is not None, name
            if name != "query":
                assert "coverage" in tool.output_schema["properties"], name
        assert tools["confirm_write"].annotations.destructive_hint
        for name in WRITE_TOOLS - {"confirm_write"}:
            assert "PREVIEW" in (tools[name].description or ""), name
            assert "token" in tools[name].output_schema["properties"], name


async def test_athlete_and_roster(server: Service, seeded_sandbox: Sandbox) -> None:
    async with McpClient(build_server(server)) as client:
        roster = await call(client, "list_athletes")
        by_id = {a["athlete_id"]: a for a in roster["athletes"]}
        assert by_id[seeded_sandbox.athlete_id]["permission"] == "SELF"
        assert seeded_sandbox.stranger_id not in by_id
        athlete = await call(client, "get_athlete")
        with seeded_sandbox.client() as api:
            me = api.athletes.get()
        assert athlete["athlete_id"] == me.id
        assert athlete["name"] == me.name
        assert athlete["timezone"] == me.timezone
        assert {t for s in athlete["sport_settings"] for t in s["types"]} >= {"Ride"}
        assert athlete["coverage"]["requests"] == 0  # fresh mirror, roster known
        assert athlete["activities"] > 0


async def test_activities_match_the_api(server: Service, seeded_sandbox: Sandbox) -> None:
    async with McpClient(build_server(server)) as client:
        today = _local_today(seeded_sandbox)
        oldest = today - timedelta(days=60)
        await call(client, "list_athletes")  # who shares with whom: asked once, then known
        answer = await call(client, "list_activities", oldest=oldest.isoformat(), limit=500)
        with seeded_sandbox.client() as api:
            listed = api.activities.list(oldest, today)
        assert answer["matched"] == len(listed) == len(answer["activities"])
        assert {a["id"] for a in answer["activities"]} == {a.id for a in listed}
        assert answer["coverage"] == {**answer["coverage"], "oldest": oldest.isoformat(),
                                      "newest": today.isoformat(), "requests": 0}
        dates = [a["date"] for a in answer["activities"]]
        assert dates == sorted(dates, reverse=True)
        real = [a for a in listed if not a.is_strava_stub]
        assert answer["totals"]["load"] == sum(a.icu_training_load or 0 for a in real)


async def test_activities_by_sport_name_and_any_field(server: Service) -> None:
    async with McpClient(build_server(server)) as client:
        runs = await call(client, "list_activities", oldest="all", sport="run", limit=500)
        assert runs["matched"] > 0
        assert {a["type"] for a in runs["activities"]} == {"Run"}
        some = runs["activities"][len(runs["activities"]) // 2]
        word = some["name"].split()[0].lower()
        named = await call(client, "list_activities", oldest="all", name=word.upper(), limit=500)
        assert some["id"] in {a["id"] for a in named["activities"]}
        assert all(word in a["name"].lower() for a in named["activities"])
        loads = sorted(a["load"] for a in runs["activities"] if a["load"] is not None)
        middle = loads[len(loads) // 2]
        heavy = await call(client, "list_activities", oldest="all", sport="Run", limit=500,
                           filters=[{"field": "icu_training_load", "op": "gt", "value": middle}])
        assert heavy["matched"] == sum(1 for x in loads if x > middle)
        # a field only the stored record has (no column): the API's own name
        by_record = await call(client, "list_activities", oldest="all", limit=500,
                               filters=[{"field": "icu_ftp", "op": "exists", "value": True}],
                               fields=["icu_ftp"])
        assert by_record["matched"] > 0
        assert all(a["fields"]["icu_ftp"] is not None for a in by_record["activities"])


async def test_one_activity_with_intervals_streams_and_best_efforts(
        server: Service, seeded_sandbox: Sandbox) -> None:
    async with McpClient(build_server(server)) as client:
        rides = await call(client, "list_activities", oldest="all", sport="Ride", limit=500)
        with seeded_sandbox.client() as api:
            ride = next(a for a in rides["activities"]
                        if api.activities.intervals(a["id"]).icu_intervals)
            expected = api.activities.intervals(ride["id"])
            watts = next(s for s in api.activities.streams(ride["id"]) if s.type == "watts")
        answer = await call(client, "get_activity", activity_id=ride["id"])
        assert answer["activity"]["id"] == ride["id"]
        got = [i for i in answer["intervals"] if i["kind"] == "interval"]
        assert len(got) == len(expected.icu_intervals or [])
        summary = next(s for s in answer["streams"] if s["type"] == "watts")
        numbers = [v for v in watts.data or [] if v is not None]
        assert summary["max"] == max(numbers)
        assert summary["samples"] == len(watts.data or [])
        power = answer["curves"]["power"]
        values = [p["value"] for p in power]
        assert values == sorted(values, reverse=True)  # a longer effort is never stronger
        assert values[0] <= max(numbers)
        assert answer["coverage"]["requests"] == 1  # the streams (not mirrored by default)


async def test_wellness_and_fitness(server: Service, seeded_sandbox: Sandbox) -> None:
    async with McpClient(build_server(server)) as client:
        today = _local_today(seeded_sandbox)
        oldest = today - timedelta(days=20)
        wellness = await call(client, "get_wellness", oldest=oldest.isoformat())
        with seeded_sandbox.client() as api:
            records = {str(r.id)[:10]: r for r in api.wellness.list(oldest, today)}
        assert [d["date"] for d in wellness["days"]] == sorted(records)
        for day in wellness["days"]:
            record = records[day["date"]]
            assert day["weight"] == record.weight
            assert day["hrv"] == record.hrv
            if record.ctl is not None and record.atl is not None:
                assert day["form"] == pytest.approx(record.ctl - record.atl, abs=0.06)
        fitness = await call(client, "get_fitness", oldest=oldest.isoformat())
        assert len(fitness["points"]) == len(records)
        weekly = await call(client, "get_fitness", oldest=oldest.isoformat(), every="week")
        assert sum(p["load"] for p in weekly["points"]) == sum(p["load"] for p in fitness["points"])
        assert len(weekly["points"]) <= 4


async def test_calendar_and_compliance(server: Service, seeded_sandbox: Sandbox) -> None:
    async with McpClient(build_server(server)) as client:
        today = _local_today(seeded_sandbox)
        calendar = await call(client, "get_calendar", oldest="28d", newest=(
            today + timedelta(days=14)).isoformat())
        with seeded_sandbox.client() as api:
            events = api.events.list(today - timedelta(days=28), today + timedelta(days=14))
        assert {e["id"] for e in calendar["events"]} == {e.id for e in events}
        compliance = await call(client, "get_compliance", oldest="28d")
        workouts = compliance["workouts"]
        assert compliance["planned"] == len(workouts) == sum(
            1 for e in events if e.category == "WORKOUT"
            and date.fromisoformat(str(e.start_date_local)[:10]) <= today)
        assert compliance["done"] + compliance["missed"] + sum(
            1 for w in workouts if w["status"] in ("today", "upcoming")) == len(workouts)
        activities = await call(client, "list_activities", oldest="28d", limit=500)
        by_id = {a["id"]: a for a in activities["activities"]}
        for workout in workouts:
            if workout["status"] == "done":
                assert by_id[workout["activity_id"]]["date"] == workout["date"]


async def test_gear_and_totals(server: Service, seeded_sandbox: Sandbox) -> None:
    async with McpClient(build_server(server)) as client:
        gear = await call(client, "get_gear", oldest="all" if False else "365d")
        with seeded_sandbox.client() as api:
            listed = [g for g in api.gear.list() if not g.retired]
        assert {g["id"] for g in gear["gear"]} == {g.id for g in listed}
        activities = await call(client, "list_activities", oldest="365d", limit=500)
        for item in gear["gear"]:
            used = [a for a in activities["activities"] if a["gear_id"] == item["id"]]
            assert item["period_activities"] == len(used)
            assert item["period_distance_km"] == pytest.approx(
                sum(a["distance_km"] or 0 for a in used), abs=0.1 + 0.01 * len(used))
        for by in ("week", "month"):
            totals = await call(client, "get_totals", by=by, oldest="120d")
            listed_acts = await call(client, "list_activities", oldest="120d", limit=500)
            real = [a for a in listed_acts["activities"] if not a["strava_stub"]]
            assert sum(r["count"] for r in totals["rows"]) == len(real)
            assert sum(r["load"] for r in totals["rows"]) == sum(a["load"] or 0 for a in real)


async def test_curves_agree_with_the_platform_and_repeat_for_free(
        server: Service, seeded_sandbox: Sandbox) -> None:
    async with McpClient(build_server(server)) as client:
        await call(client, "list_athletes")
        first = await call(client, "get_curves", kind="power", sport="Ride",
                           periods=["1y", "42d"], durations=[5, 60, 1200])
        assert first["coverage"]["requests"] == 1
        with seeded_sandbox.client() as api:
            platform = api.activities.athlete_power_curves("Ride", curves=["1y", "42d"])
        for period, curve in zip(first["periods"], platform.list_ or [], strict=True):
            secs = list(curve.secs or [])
            for point in period["points"]:
                assert point["value"] == (curve.values or [])[secs.index(point["secs"])]
        year, recent = first["periods"]
        for a, b in zip(year["points"], recent["points"], strict=False):
            assert a["value"] >= b["value"]  # 42 days lie inside the year
        again = await call(client, "get_curves", kind="power", sport="Ride",
                           periods=["1y", "42d"], durations=[5, 60, 1200])
        assert again["coverage"]["requests"] == 0
        assert again["periods"] == first["periods"]
        pace = await call(client, "get_curves", kind="pace", sport="Run", periods=["all"])
        times = [p["value"] for p in pace["periods"][0]["points"]]
        assert times == sorted(times)  # longer distances take longer


async def test_a_stale_mirror_syncs_in_three_requests_at_most(
        seeded_sandbox: Sandbox, synced_folder: Path) -> None:
    service = make_service(seeded_sandbox, synced_folder, max_age_seconds=0)
    async with McpClient(build_server(service)) as client:
        await call(client, "list_athletes")  # the roster, once
        for question in ("get_totals", "get_fitness", "get_wellness"):
            answer = await call(client, question, oldest="365d")
            assert answer["coverage"]["synced_now"] is True
            assert answer["coverage"]["requests"] <= 3, question
    await service.aclose()


async def test_an_athlete_who_does_not_share_is_refused(server: Service,
                                                        seeded_sandbox: Sandbox) -> None:
    async with McpClient(build_server(server)) as client:
        for tool in ("get_athlete", "list_activities", "get_wellness", "get_curves"):
            message = await fails(client, tool, athlete=seeded_sandbox.stranger_id)
            assert "does not share" in message
            assert "list_athletes" in message


async def test_read_tools_send_only_reads(seeded_sandbox: Sandbox, synced_folder: Path) -> None:
    service = make_service(seeded_sandbox, synced_folder, max_age_seconds=0)
    methods: list[str] = []
    service.caller().async_client.on_response(lambda info, *_: methods.append(info.method))
    async with McpClient(build_server(service)) as client:
        rides = await call(client, "list_activities", oldest="all", sport="Ride", limit=1)
        for name, arguments in [("get_athlete", {}), ("get_activity", {
                "activity_id": rides["activities"][0]["id"]}), ("get_wellness", {}),
                ("get_fitness", {}), ("get_calendar", {}), ("get_compliance", {}),
                ("get_gear", {}), ("get_totals", {}), ("get_curves", {}),
                ("query", {"sql": "SELECT count(*) FROM activities"})]:
            await call(client, name, **arguments)
    await service.aclose()
    assert methods
    assert set(methods) == {"GET"}


@pytest.mark.parametrize(("fault", "expected"), [
    ({"error_status": 500}, "failed (500)"),
    ({"error_status": 503}, "failed (503)"),
])
async def test_api_failures_are_tool_errors(seeded_sandbox: Sandbox, synced_folder: Path,
                                            fault: dict[str, Any], expected: str) -> None:
    service = make_service(seeded_sandbox, synced_folder, max_age_seconds=0)
    async with McpClient(build_server(service)) as client:
        await call(client, "list_athletes")
        seeded_sandbox.faults(route="GET /api/v1/athlete/*", error_rate=1.0, **fault)
        try:
            message = await fails(client, "get_wellness")
            assert expected in message
            assert "try again" in message
        finally:
            seeded_sandbox.clear_faults()
        assert (await call(client, "get_wellness"))["coverage"]["synced_now"]  # recovers
    await service.aclose()


async def test_rate_limited_says_how_long_to_wait(
        sandbox: Sandbox, service_for: Callable[..., Service]) -> None:
    service = service_for(sandbox, max_age_seconds=0)
    async with McpClient(build_server(service)) as client:
        await call(client, "list_athletes")
        sandbox.rate_limit_burst(60)  # more 429s than the client's retries
        message = await fails(client, "get_totals")
        assert "rate limited" in message
        assert re.search(r"wait \d+ s", message)
    await service.aclose()


async def test_no_credentials_is_a_tool_error(seeded_sandbox: Sandbox, tmp_path: Path) -> None:
    from intervals_icu.mcp import McpSettings, build_service

    service = build_service(McpSettings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    async with McpClient(build_server(service)) as client:
        message = await fails(client, "get_athlete")
        assert "INTERVALS_API_KEY" in message
        assert "icu auth login" in message
        assert (await client.list_tools()).tools  # the server is still up
    await service.aclose()
    assert issubclass(errors.MissingCredentials, errors.IntervalsError)
