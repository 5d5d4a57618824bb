"""The mirror takes any Client (issue 10, item 6): a coach's ``for_athlete`` copy, and a client
built on the caller's own ``httpx.Client`` (proxies, custom transports). Its async side is
built through the public ``AsyncClient.from_client``, never by probing private attributes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from intervals_icu import ApiKey, AsyncClient, Client, RateLimit, RetryPolicy
from intervals_icu.mirror import Mirror
from intervals_icu.sandbox import Sandbox
from tests.mirror.oracle import assert_mirror_equals

FAST = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.01)


def _sync(client: Client, tmp_path: Path, sandbox: Sandbox, athlete_id: str) -> None:
    with Mirror(client, f"sqlite:///{tmp_path / 'mirror.db'}") as mirror:
        report = mirror.sync(intervals=False)
        assert report.ok, report.errors()
        assert_mirror_equals(mirror.store, sandbox, athlete_id, intervals=False)


@pytest.mark.parametrize("served", [False, True], ids=["in-process", "live"])
def test_a_coach_mirrors_one_athlete_with_for_athlete(tmp_path: Path, served: bool) -> None:
    sandbox = Sandbox(seed=21, athletes=2, years=0.1)
    if served:
        sandbox.start()
    sandbox.configure(rate_limit_enabled=False)
    try:
        coach = sandbox.client(sandbox.coach_api_key, retry=FAST,
                               rate_limit=RateLimit.unlimited())
        athlete_id = sandbox.athlete_ids[1]
        # was: ConfigurationError ("this Client was built on its own http_client")
        _sync(coach.for_athlete(athlete_id), tmp_path, sandbox, athlete_id)
        coach.close()
    finally:
        sandbox.stop()


def test_a_client_on_the_callers_own_httpx_client_is_mirrored_through_it(
    tmp_path: Path,
) -> None:
    sandbox = Sandbox(seed=22, athletes=1, years=0.1)
    sandbox.configure(rate_limit_enabled=False)
    seen: list[str] = []
    own = httpx.Client(transport=sandbox.transport(), headers={"X-Proxy-Auth": "mine"},
                       event_hooks={"request": [lambda r: seen.append(r.url.path)]})
    client = Client(ApiKey(sandbox.api_key), base_url=sandbox.base_url, http_client=own,
                    retry=FAST, rate_limit=RateLimit.unlimited())
    _sync(client, tmp_path, sandbox, sandbox.athlete_id)
    # Every request of the mirror went through the caller's client (its event hooks ran).
    assert any(path.endswith("/activities") for path in seen)
    assert len(seen) > 3
    assert not own.is_closed  # the caller's client is theirs: the mirror does not close it
    client.close()
    own.close()
    sandbox.stop()


async def test_an_async_twin_sends_through_the_callers_sync_client_from_threads() -> None:
    sandbox = Sandbox(seed=23, athletes=1, years=0)
    headers: list[str | None] = []
    own = httpx.Client(transport=sandbox.transport(), headers={"X-Proxy-Auth": "mine"},
                       event_hooks={"request": [lambda r: headers.append(
                           r.headers.get("x-proxy-auth"))]})
    client = Client(ApiKey(sandbox.api_key), base_url=sandbox.base_url, http_client=own)
    async with AsyncClient.from_client(client.for_athlete(sandbox.athlete_id)) as twin:
        me = await twin.athletes.get()
        assert me.id == sandbox.athlete_id
        assert twin.athlete_id == sandbox.athlete_id
        # the same pacing: the twin shares the bucket of the client it came from
        assert twin.rate_limit == client.rate_limit
    assert headers == ["mine"]  # the caller's default headers applied
    # and a sync client can be made back from that twin, on the same httpx client
    back = Client.from_client(AsyncClient.from_client(client))
    assert back.athletes.get().id == sandbox.athlete_id
    assert headers == ["mine", "mine"]
    own.close()  # noqa: ASYNC212 (the caller's sync client, closed by the caller)
    sandbox.stop()
