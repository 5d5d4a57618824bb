"""Routes through the client (routes come from the athlete's history; tests add their own)."""

from __future__ import annotations

from intervals_icu import AsyncClient, Client
from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.handlers.routes import add_route

LOOP = [[52.3700, 4.8900], [52.3750, 4.9000], [52.3800, 4.9100], [52.3750, 4.9200]]


def test_list_get_update_and_activity_counts(client: Client, sandbox: Sandbox) -> None:
    route = add_route(sandbox.state, sandbox.athlete_id, name="Canal loop", latlngs=LOOP)
    route_id = route["route_id"]
    for day in ("2031-04-01", "2031-04-08"):
        client.activities.create_manual(type="Ride", name="ride", route_id=route_id,
                                        start_date_local=f"{day}T07:00:00", moving_time=3600)
    [row] = [r for r in client.routes.list() if r.route_id == route_id]
    assert row.activity_count == 2
    assert row.most_recent_start_date_local == "2031-04-08T07:00:00"
    assert row.distance
    assert 2000 < row.distance < 4000
    assert row.latlngs is None
    assert client.routes.get(route_id, include_path=True).latlngs == LOOP

    client.routes.update(route_id, name="Canals", rename_activities=True, tags=["flat"])
    renamed = client.routes.get(route_id)
    assert (renamed.name, renamed.tags, renamed.rename_activities) == ("Canals", ["flat"], True)
    names = {a.name for a in client.activities.list("2031-04-01", "2031-04-09")}
    assert names == {"Canals"}


async def test_async_similarity(async_client: AsyncClient, sandbox: Sandbox) -> None:
    a = add_route(sandbox.state, sandbox.athlete_id, name="A", latlngs=LOOP)
    same = add_route(sandbox.state, sandbox.athlete_id, name="A again",
                     latlngs=[[lat + 0.0001, lng] for lat, lng in LOOP])
    far = add_route(sandbox.state, sandbox.athlete_id, name="Far",
                    latlngs=[[lat + 1.0, lng] for lat, lng in LOOP])
    close = await async_client.routes.similarity(a["route_id"], same["route_id"])
    apart = await async_client.routes.similarity(a["route_id"], far["route_id"])
    assert close.similarity == 1.0
    assert apart.similarity == 0.0
    assert close.route is not None
    assert close.route.name == "A"
    assert close.bounds
    assert len(close.bounds) == 2
