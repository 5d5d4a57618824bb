"""Two-step writes: a write tool previews (the same diff `--dry-run` prints) and sends
nothing; confirm_write applies exactly that preview through the journal; undo_batch puts a
batch back; stale, reused, expired and foreign tokens are refused."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client as McpClient
from typer.testing import CliRunner

from intervals_icu.mcp import build_server
from intervals_icu.mcp.service import Service
from intervals_icu.sandbox import Sandbox
from tests.mcp.conftest import call, fails, make_service


def _day(sb: Sandbox, back: int) -> str:
    return (sb.state.local_today(sb.athlete_id) - timedelta(days=back)).isoformat()


def _wellness(sb: Sandbox, first: str, last: str) -> dict[str, dict[str, Any]]:
    with sb.client() as api:
        return {str(r.id)[:10]: r.model_dump(mode="json", by_alias=True, exclude_none=True)
                for r in api.wellness.list(first, last)}


def _icu(sb: Sandbox, journal: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """`icu ...` in-process against the live sandbox (what a user would run)."""
    import json

    from intervals_icu.cli.app import app

    for name in ("INTERVALS_ACCESS_TOKEN", "INTERVALS_ATHLETE_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INTERVALS_BASE_URL", sb.base_url)
    monkeypatch.setenv("INTERVALS_API_KEY", sb.api_key)
    monkeypatch.setenv("ICU_JOURNAL", str(journal))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(journal.parent / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def _diff(changes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(c["record"], c["action"], c["before"], c["after"]) for c in changes]


async def test_wellness_preview_confirm_undo(live_sandbox: Sandbox, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sb = live_sandbox
    first, locked_day, last = _day(sb, 3), _day(sb, 2), _day(sb, 1)
    with sb.client() as api:
        api.wellness.update(first, hrv=50.0)
        api.wellness.lock(locked_day, locked_day)
    before = _wellness(sb, first, last)
    assert before[locked_day]["locked"] is True
    service = make_service(sb, tmp_path)
    journal = tmp_path / "journal.sqlite3"
    async with McpClient(build_server(service)) as client:
        preview = await call(client, "set_wellness", oldest=first, newest=last,
                             fields={"weight": 71.3, "hrv": None, "comments": "easy"})
        assert preview["dry_run"] is True
        assert preview["token"]
        assert _wellness(sb, first, last) == before  # a preview sends nothing
        cli = _icu(sb, journal, monkeypatch, "wellness", "set", f"{first}..{last}",
                   "weight=71.3", "hrv=", "comments=easy", "--dry-run", "--json")
        assert _diff(preview["changes"]) == _diff(cli["changes"])  # the same diff
        assert len(preview["skipped"]) == len(cli["skipped"]) == 1
        assert locked_day in preview["skipped"][0]
        done = await call(client, "confirm_write", token=preview["token"])
        batch = done["batch"]
        assert isinstance(batch, int)
        assert done["changed"] == 2
        after = _wellness(sb, first, last)
        assert after[first]["weight"] == after[last]["weight"] == 71.3
        assert "hrv" not in after[first]  # cleared (sent as -1)
        assert after[locked_day] == before[locked_day]  # locked: untouched
        listed = _icu(sb, journal, monkeypatch, "journal", "--json")
        assert any(b["batch"] == batch for b in listed)  # `icu journal` sees MCP writes

        unlocked = await call(client, "set_wellness", oldest=locked_day,
                              fields={"weight": 72.0}, unlock_locked=True)
        second = (await call(client, "confirm_write", token=unlocked["token"]))["batch"]
        changed = _wellness(sb, locked_day, locked_day)[locked_day]
        assert changed["weight"] == 72.0
        assert changed["locked"] is True  # locked again after

        for undone in (second, batch):
            undo = await call(client, "undo_batch", batch=undone)
            assert undo["changes"]
            assert (await call(client, "confirm_write", token=undo["token"]))["batch"]
        restored = _wellness(sb, first, last)
        for day in (first, locked_day, last):
            for key in ("weight", "hrv", "comments", "locked"):
                assert restored[day].get(key) == before[day].get(key), (day, key)
    await service.aclose()


async def test_stale_reused_unknown_and_expired_tokens_are_refused(
        sandbox: Sandbox, service_for: Callable[..., Service]) -> None:
    service = service_for(sandbox)
    with sandbox.client() as api:
        activity = next(a for a in api.activities.list(_day(sandbox, 30), _day(sandbox, 0))
                        if not a.is_strava_stub)
    async with McpClient(build_server(service)) as client:
        preview = await call(client, "update_activities", activity_ids=[activity.id],
                             fields={"name": "Threshold 3x12"})
        assert _diff(preview["changes"]) == [(f"activity {activity.id} {activity.name!r}",
                                              "update", {"name": activity.name},
                                              {"name": "Threshold 3x12"})]
        with sandbox.client() as api:
            api.activities.update(activity.id, name="Renamed elsewhere")
        message = await fails(client, "confirm_write", token=preview["token"])
        assert "changed after the preview" in message
        with sandbox.client() as api:
            assert api.activities.get(activity.id).name == "Renamed elsewhere"  # not sent
        fresh = await call(client, "update_activities", activity_ids=[activity.id],
                           fields={"name": "Threshold 3x12"})
        done = await call(client, "confirm_write", token=fresh["token"])
        again = await fails(client, "confirm_write", token=fresh["token"])
        assert "already used" in again
        assert f"batch {done['batch']}" in again
        assert "unknown or expired" in await fails(client, "confirm_write", token="made-up")
        same = await call(client, "update_activities", activity_ids=[activity.id],
                          fields={"name": "Threshold 3x12"})
        assert same["token"] is None  # nothing to change: nothing to confirm
        assert same["changes"] == []
    await service.aclose()
    short = service_for(sandbox, preview_ttl_seconds=0.05)
    async with McpClient(build_server(short)) as client:
        preview = await call(client, "update_activities", activity_ids=[activity.id],
                             fields={"name": "Later"})
        await asyncio.sleep(0.1)
        assert "expired" in await fails(client, "confirm_write", token=preview["token"])
        with sandbox.client() as api:
            assert api.activities.get(activity.id).name == "Threshold 3x12"
    await short.aclose()


async def test_move_delete_and_restore_a_planned_workout(
        sandbox: Sandbox, service_for: Callable[..., Service]) -> None:
    service = service_for(sandbox)
    today = sandbox.state.local_today(sandbox.athlete_id)
    with sandbox.client() as api:
        workout = next(e for e in api.events.list(today, today + timedelta(days=21))
                       if e.category == "WORKOUT"
                       and date.fromisoformat(str(e.start_date_local)[:10]) > today)
    start = date.fromisoformat(str(workout.start_date_local)[:10])
    moved_to = (start + timedelta(days=1)).isoformat()
    async with McpClient(build_server(service)) as client:
        preview = await call(client, "update_event", event_id=workout.id,
                             fields={"start_date_local": moved_to})
        [change] = preview["changes"]
        assert change["after"] == {"start_date_local": f"{moved_to}T00:00:00"}
        await call(client, "confirm_write", token=preview["token"])
        calendar = await call(client, "get_calendar", oldest=start.isoformat(),
                              newest=moved_to)
        assert calendar["coverage"]["synced_now"] is True  # the write made the mirror stale
        assert {e["id"]: e["date"] for e in calendar["events"]}[workout.id] == moved_to
        deletion = await call(client, "delete_events", event_ids=[workout.id, 999999999])
        assert [c["action"] for c in deletion["changes"]] == ["delete"]
        assert deletion["skipped"] == ["event 999999999 does not exist"]
        deleted = await call(client, "confirm_write", token=deletion["token"])
        with sandbox.client() as api:
            assert workout.id not in {e.id for e in api.events.list(moved_to, moved_to)}
        undo = await call(client, "undo_batch", batch=deleted["batch"])
        assert [c["action"] for c in undo["changes"]] == ["create"]
        await call(client, "confirm_write", token=undo["token"])
        with sandbox.client() as api:
            back = [e for e in api.events.list(moved_to, moved_to) if e.name == workout.name]
        assert back  # created again, with its content
    await service.aclose()


async def test_writes_need_write_access(sandbox: Sandbox,
                                        service_for: Callable[..., Service]) -> None:
    service = service_for(sandbox)
    async with McpClient(build_server(service)) as client:
        followed = sandbox.athlete_ids[1]  # the main athlete follows them with READ
        message = await fails(client, "set_wellness", oldest="today", fields={"weight": 70},
                              athlete=followed)
        assert "read-only" in message
        message = await fails(client, "create_event", day=_day(sandbox, -2), name="x",
                              athlete=sandbox.stranger_id)
        assert "does not share" in message
        message = await fails(client, "set_wellness", oldest="today", fields={"wieght": 70})
        assert "no field 'wieght'" in message
        assert "Did you mean" in message
        message = await fails(client, "set_wellness", oldest="today",
                              fields={"comments": 5, "weight": "heavy"})
        assert "weight" in message
    await service.aclose()


async def test_a_failing_write_is_a_tool_error_that_says_what_was_written(
        sandbox: Sandbox, service_for: Callable[..., Service]) -> None:
    service = service_for(sandbox)
    day = _day(sandbox, 1)
    before = _wellness(sandbox, day, day)
    async with McpClient(build_server(service)) as client:
        preview = await call(client, "set_wellness", oldest=day, fields={"weight": 66.6})
        sandbox.faults(route="PUT /api/v1/athlete/*", error_rate=1.0, error_status=500)
        try:
            message = await fails(client, "confirm_write", token=preview["token"])
        finally:
            sandbox.clear_faults()
        assert "failed (500)" in message
        assert "Nothing was written" in message or "journal batch" in message
        assert _wellness(sandbox, day, day) == before
        assert (await client.list_tools()).tools  # still serving
    await service.aclose()
