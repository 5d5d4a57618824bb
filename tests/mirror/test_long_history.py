"""An athlete with more activities than one light listing returns (ten years of two sessions a
day, over ``scan_page_size``): the first sync and the incremental history scan still see every
activity, so an edit to the oldest and a deletion in the middle are found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from intervals_icu import RateLimit, RetryPolicy
from intervals_icu.mirror import Mirror, MirrorSettings, Store
from intervals_icu.sandbox import Sandbox
from tests.mirror.oracle import assert_mirror_equals

pytestmark = pytest.mark.slow

YEARS = 10


@pytest.fixture(scope="module")
def busy_athlete() -> Iterator[Sandbox]:
    """Ten years, a run every morning and a ride every evening: 7,300 activities."""
    from intervals_icu.sandbox.platform import activities as activity_records
    from intervals_icu.sandbox.platform.fitness import recompute_fitness

    sandbox = Sandbox(seed=3, athletes=1, years=0.01, history=False)
    sandbox.configure(rate_limit_enabled=False)
    today = sandbox.state.local_today(sandbox.athlete_id)
    sessions = [
        {"type": sport, "name": f"{sport} {day}", "start_date_local": f"{day}T{hour}:00:00",
         "moving_time": 1800 + 60 * (n % 30), "distance": 5000.0 + n,
         "icu_training_load": 20 + n % 60}
        for n, day in enumerate(today - timedelta(days=d) for d in reversed(range(365 * YEARS)))
        for sport, hour in (("Run", "06"), ("Ride", "18"))
    ]
    # The sandbox refits fitness from each new activity's day on (quadratic for a bulk load
    # of a decade); load first, then compute fitness once.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(activity_records, "refit", lambda *args, **kwargs: None)
        with sandbox.client(rate_limit=RateLimit.unlimited()) as client:
            for start in range(0, len(sessions), 2000):
                client.activities.upsert_manual(sessions[start:start + 2000])
    with sandbox.state.lock:
        recompute_fitness(sandbox.state, sandbox.athlete_id)
    yield sandbox
    sandbox.stop()


async def test_more_activities_than_one_listing_are_all_mirrored_and_scanned(
    busy_athlete: Sandbox, tmp_path: Path
) -> None:
    sandbox = busy_athlete
    athlete = sandbox.athlete_id
    settings = MirrorSettings()
    count = len(sandbox.state.store(athlete).activities)
    assert count == 2 * 365 * YEARS > settings.scan_page_size
    store = Store(f"sqlite:///{tmp_path / 'busy.db'}")
    async with sandbox.async_client(retry=RetryPolicy(max_attempts=3, backoff_base=0.001),
                                    rate_limit=RateLimit.unlimited()) as client:
        mirror = Mirror(client, store, settings=settings)
        first = await mirror.sync_async(intervals=False)
        assert first.ok, first.errors()
        assert first.totals()["activities"].created == count
        assert_mirror_equals(store, sandbox, athlete, intervals=False)

        listed = await client.activities.list("2000-01-01", limit=count + 1)
        oldest = min(listed, key=lambda a: str(a.start_date_local))
        middle = sorted(listed, key=lambda a: str(a.start_date_local))[count // 2]
        await client.activities.update(str(oldest.id), name="The very first run, renamed")
        renamed = await mirror.sync_async(intervals=False)
        assert renamed.ok, renamed.errors()
        activities = renamed.totals()["activities"]
        assert activities.updated == 1, renamed.summary()
        # the whole history in two light pages, then the one changed activity in full: no
        # activity was missed by the listing (each would be confirmed by id)
        pages = -(-count // settings.scan_page_size)
        assert activities.requests == pages + 1, renamed.summary()
        await client.activities.delete(str(middle.id))
        deleted = await mirror.sync_async(intervals=False)
        assert deleted.ok, deleted.errors()
        assert deleted.totals()["activities"].deleted == 1, deleted.summary()
        assert_mirror_equals(store, sandbox, athlete, intervals=False)
    store.close()
