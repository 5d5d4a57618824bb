"""Sport settings through the client: by id or sport name, defaults, webhooks."""

from __future__ import annotations

import pytest

from intervals_icu import AsyncClient, Client, InvalidRequestError, NotFound, Unprocessable
from intervals_icu.models import SportSettings
from intervals_icu.sandbox import Sandbox


def ensure(client: Client, sport: str) -> SportSettings:
    for settings in client.sport_settings.list():
        if sport in (settings.types or []):
            return settings
    return client.sport_settings.create(types=[sport])


def settings_webhooks(sandbox: Sandbox) -> list[dict[str, object]]:
    return [e for e in sandbox.state.webhooks.emitted if e["type"] == "SPORT_SETTINGS_UPDATED"]


def test_get_by_id_or_by_sport_name(client: Client) -> None:
    run = ensure(client, "Run")
    assert client.sport_settings.get("Run").id == run.id
    assert client.sport_settings.get("run").id == run.id
    assert client.sport_settings.get(run.id or 0).types == run.types
    with pytest.raises(NotFound):
        client.sport_settings.get("Kitesurf")


def test_create_fills_the_sports_defaults(client: Client) -> None:
    for settings in client.sport_settings.list():
        if "Rowing" in (settings.types or []):
            client.sport_settings.delete(settings.id or 0)
    rowing = client.sport_settings.create(types=["Rowing"], lthr=160)
    assert rowing.lthr == 160
    assert rowing.max_hr
    assert rowing.hr_zones
    assert rowing.created is not None
    assert rowing.updated is not None
    with pytest.raises(Unprocessable, match="already exist"):
        client.sport_settings.create(types=["Rowing"])
    with pytest.raises(InvalidRequestError, match="types"):
        client.sport_settings.create(ftp=200)


def test_update_by_name_is_partial_and_emits_every_sport(client: Client,
                                                         sandbox: Sandbox) -> None:
    ensure(client, "Ride")
    ensure(client, "Run")
    before = client.sport_settings.get("Ride")
    updated = client.sport_settings.update("Ride", ftp=271)
    assert updated.ftp == 271
    assert updated.power_zones == before.power_zones
    assert updated.updated is not None
    assert before.updated is not None
    assert updated.updated >= before.updated
    last = settings_webhooks(sandbox)[-1]
    sent = last["sportSettings"]
    assert isinstance(sent, list)
    assert {s["id"] for s in sent} == {s.id for s in client.sport_settings.list()}
    assert next(s for s in sent if "Ride" in s["types"])["ftp"] == 271
    count = len(settings_webhooks(sandbox))
    client.sport_settings.update("Ride", ftp=271)  # no change: no webhook
    assert len(settings_webhooks(sandbox)) == count


def test_recalc_hr_zones_follows_lthr(client: Client) -> None:
    ensure(client, "Run")
    manual = [100, 110, 120, 130, 140, 150, 160]
    client.sport_settings.update("Run", hr_zones=manual)
    plain = client.sport_settings.update("Run", lthr=150, max_hr=181)
    assert plain.hr_zones == manual  # zones stay as set unless asked to recalculate
    zones = client.sport_settings.update("Run", recalc_hr_zones=True).hr_zones or []
    assert zones != manual
    assert zones[-1] == 181
    assert zones == sorted(zones)
    assert len(set(zones)) == len(zones)
    assert abs(zones[3] - 150) <= 0.05 * 150  # the threshold zone ends near LTHR


async def test_async_update_many_and_delete(async_client: AsyncClient) -> None:
    existing = {t for s in await async_client.sport_settings.list() for t in s.types or []}
    for sport in ("Swim", "Walk"):
        if sport not in existing:
            await async_client.sport_settings.create(types=[sport])
    swim = await async_client.sport_settings.get("Swim")
    walk = await async_client.sport_settings.get("Walk")
    changed = await async_client.sport_settings.update_many(
        [{"id": swim.id, "threshold_pace": 1.4}, {"id": walk.id, "max_hr": 170}])
    assert [(s.id, s.threshold_pace if s.id == swim.id else s.max_hr) for s in changed] == [
        (swim.id, 1.4), (walk.id, 170)]
    with pytest.raises(InvalidRequestError, match="numeric id"):
        await async_client.sport_settings.delete("Walk")  # type: ignore[arg-type]
    await async_client.sport_settings.delete(walk.id or 0)
    with pytest.raises(NotFound):
        await async_client.sport_settings.get("Walk")


def test_matching_activities_pace_distances_and_apply(client: Client) -> None:
    ensure(client, "Run")
    made = client.activities.create_manual(type="Run", start_date_local="2031-03-01T07:00:00",
                                           moving_time=1800, distance=6000)
    matching = client.sport_settings.matching_activities("Run")
    assert made.id in {a.id for a in matching}
    assert all(a.type == "Run" for a in matching)
    for_run = client.sport_settings.pace_distances("Run")
    assert for_run.defaults
    assert 5000.0 in for_run.defaults
    everything = client.sport_settings.all_pace_distances()
    assert everything.distances
    assert 42195.0 in everything.distances
    assert client.sport_settings.apply("Run") is not None
