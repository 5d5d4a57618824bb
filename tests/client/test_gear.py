"""Gear through the client: CRUD, reminders, replace, and stats from activities."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intervals_icu import AsyncClient, Client, InvalidRequestError, NotFound
from intervals_icu.sandbox import Sandbox


def ride(client: Client, day: str, km: float, gear_id: str) -> None:
    client.activities.create_manual(type="Ride", start_date_local=f"{day}T08:00:00",
                                    moving_time=3600, elapsed_time=4000, distance=km * 1000,
                                    gear={"id": gear_id})


def test_gear_crud_and_csv(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="type"):
        client.gear.create(name="no type")
    bike = client.gear.create(type="Bike", name="Winter bike", purchased="2024-10-01")
    assert bike.id
    assert bike.name == "Winter bike"
    assert bike.reminders == []
    changed = client.gear.update(bike.id, notes="mudguards")
    assert (changed.name, changed.notes, changed.purchased) == ("Winter bike", "mudguards",
                                                               "2024-10-01")
    assert bike.id in {g.id for g in client.gear.list()}
    header, *rows = client.gear.list_csv().strip().splitlines()
    assert header.startswith("id,type,name")
    assert any("Winter bike" in r for r in rows)
    client.gear.delete(bike.id)
    assert bike.id not in {g.id for g in client.gear.list()}
    with pytest.raises(NotFound):
        client.gear.update(bike.id, name="gone")


def test_calc_counts_the_activities_that_used_the_gear(client: Client) -> None:
    bike = client.gear.create(type="Bike", name="Road")
    other = client.gear.create(type="Bike", name="Other")
    chain = client.gear.create(type="Chain", name="Chain", component=True)
    client.gear.update(bike.id or "", component_ids=[chain.id or ""])
    ride(client, "2031-01-02", 40, bike.id or "")
    ride(client, "2031-01-03", 60, bike.id or "")
    ride(client, "2031-01-04", 25, other.id or "")
    stats = client.gear.calc(bike.id or "")
    assert (stats.activities, stats.distance, stats.moving_time) == (2, 100_000, 7200)
    assert client.gear.calc(chain.id or "").distance == 100_000  # through the bike
    stored = {g.id: g for g in client.gear.list()}[bike.id]
    assert (stored.distance, stored.activities, stored.time) == (100_000, 2, 7200)
    client.gear.update(bike.id or "", retired="2031-01-02", use_elapsed_time=True)
    again = client.gear.calc(bike.id or "")
    assert again.activities == 1
    assert again.elapsed_time == 4000
    assert {g.id: g for g in client.gear.list()}[bike.id].time == 4000


def test_reminders_count_from_their_last_reset(client: Client, sandbox: Sandbox) -> None:
    sandbox.clock.freeze()
    bike = client.gear.create(type="Bike", name="Gravel")
    with_reminder = client.gear.create_reminder(bike.id or "", name="Wax chain",
                                                distance=300_000)
    assert [r.name for r in with_reminder.reminders or []] == ["Wax chain"]
    ride(client, "2031-02-01", 150, bike.id or "")
    client.gear.calc(bike.id or "")
    [reminder] = [r for g in client.gear.list() if g.id == bike.id for r in g.reminders or []]
    assert (reminder.distance_used, reminder.percent_used) == (150_000, 50.0)

    reset = client.gear.update_reminder(bike.id or "", reminder.id or 0, reset=True)
    [after] = reset.reminders or []
    assert (after.distance_used, after.percent_used, after.starting_distance) == (0, 0.0,
                                                                                  150_000)
    snoozed = client.gear.update_reminder(bike.id or "", reminder.id or 0, snooze_days=7,
                                          name="Wax + lube")
    [later] = snoozed.reminders or []
    assert later.name == "Wax + lube"
    assert later.snoozed_until is not None
    expected = sandbox.clock.now() + timedelta(days=7)
    assert abs(later.snoozed_until - expected) < timedelta(milliseconds=1)  # stamps keep ms
    emptied = client.gear.delete_reminder(bike.id or "", reminder.id or 0)
    assert emptied.reminders == []


async def test_async_replace_retires_and_copies_the_reminders(async_client: AsyncClient,
                                                              sandbox: Sandbox) -> None:
    bike = await async_client.gear.create(type="Bike", name="TT")
    chain = await async_client.gear.create(type="Chain", name="Chain #1", component=True)
    await async_client.gear.update(bike.id or "", component_ids=[chain.id or ""])
    await async_client.gear.create_reminder(chain.id or "", name="Replace", distance=3_000_000)
    old, new = await async_client.gear.replace(chain.id or "", name="Chain #2")
    today = sandbox.state.local_today(sandbox.athlete_id).isoformat()
    assert old.id == chain.id
    assert old.retired == today
    assert (new.name, new.type, new.retired, new.distance) == ("Chain #2", "Chain", None, 0)
    assert [r.name for r in new.reminders or []] == ["Replace"]
    fitted = {g.id: g for g in await async_client.gear.list()}[bike.id]
    assert fitted.component_ids == [new.id]
