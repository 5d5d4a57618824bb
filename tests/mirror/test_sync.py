"""Syncing against the sandbox: a full sync equals the sandbox; later syncs find what changed,
at the cost the design promises; Strava stubs stay stubs; failures are reported, not fatal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from intervals_icu import AsyncClient, RateLimit, RetryPolicy
from intervals_icu.mirror import Mirror, MirrorSettings, Progress, Store, schema
from intervals_icu.sandbox import Sandbox
from tests.clock import machine_timezone
from tests.mirror.oracle import assert_mirror_equals

FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.01)


@pytest.fixture
async def aclient(sandbox: Sandbox) -> AsyncIterator[AsyncClient]:
    sandbox.configure(rate_limit_enabled=False)
    async with sandbox.async_client(retry=FAST_RETRY, rate_limit=RateLimit.unlimited()) as client:
        yield client


@pytest.fixture
def mirror(aclient: AsyncClient, store: Store) -> Mirror:
    return Mirror(aclient, store)


def changes(store: Store, **where: object) -> list[dict[str, object]]:
    t = schema.changes
    query = sa.select(t).order_by(t.c.change_id)
    for name, value in where.items():
        query = query.where(t.c[name] == value)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


async def test_first_sync_copies_everything(mirror: Mirror, sandbox: Sandbox) -> None:
    report = await mirror.sync_async()
    assert report.ok, report.errors()
    assert_mirror_equals(mirror.store, sandbox, sandbox.athlete_id)
    activities = report.athletes[0].kinds["activities"]
    assert activities.created == len(sandbox.state.store(sandbox.athlete_id).activities)
    # intervals come 50 activities per request, not one request per activity
    intervals = report.athletes[0].kinds["intervals"]
    assert intervals.requests <= -(-activities.created // 50) + 1


async def test_second_sync_changes_nothing_and_is_cheap(mirror: Mirror) -> None:
    await mirror.sync_async()
    report = await mirror.sync_async()
    assert report.ok
    totals = report.totals()
    assert all(s.changed == 0 for s in totals.values()), report.summary()
    # profile, one light scan of the whole history, one wellness and one events window;
    # gear was read a moment ago (settings_refresh_hours); no details
    assert report.requests <= 4, report.summary()
    assert totals["intervals"].requests == 0
    assert totals["gear"].requests == 0


async def test_a_known_athlete_costs_three_requests_when_nothing_changed(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    mirror = Mirror(aclient.for_athlete(sandbox.athlete_id), store)
    await mirror.sync_async()
    report = await mirror.sync_async()
    assert report.ok, report.errors()
    # the profile was read moments ago (settings_refresh_hours): one light scan of every
    # activity, one wellness window, one events window
    assert report.requests <= 3, report.summary()
    assert report.athletes[0].name == sandbox.state.accounts[sandbox.athlete_id].profile["name"]
    with store.engine.connect() as conn:
        for name, table in schema.DATA_TABLES.items():
            written = conn.execute(sa.select(sa.func.count()).select_from(table).where(
                table.c.run_id == report.run_id)).scalar_one()
            assert written == 0, f"{name}: {written} rows written by a run that found nothing"
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.changes).where(
            schema.changes.c.run_id == report.run_id)).scalar_one() == 0


async def test_a_profile_change_is_read_when_the_cache_is_stale_or_deep(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    ac = aclient.for_athlete(sandbox.athlete_id)
    await Mirror(ac, store).sync_async()
    await ac.athletes.update(weight=71.5)
    await Mirror(ac, store).sync_async()
    assert store.stored_profile(sandbox.athlete_id)["weight"] != 71.5  # cached for a day
    await Mirror(ac, store).sync_async(deep=True)
    assert store.stored_profile(sandbox.athlete_id)["weight"] == 71.5
    await ac.athletes.update(weight=72.0)
    always = Mirror(ac, store, settings=MirrorSettings(settings_refresh_hours=0))
    await always.sync_async()
    assert store.stored_profile(sandbox.athlete_id)["weight"] == 72.0


async def test_strava_stubs_are_stored_flagged_and_counted(mirror: Mirror,
                                                           sandbox: Sandbox) -> None:
    stubs = [a for a in sandbox.state.store(sandbox.athlete_id).activities.values()
             if a.get("source") == "STRAVA"]
    assert stubs, "the seeded sandbox should have Strava activities"
    report = await mirror.sync_async()
    assert report.athletes[0].strava_stubs == len(stubs)
    t = schema.activities
    with mirror.store.engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.activity_id, t.c.record, t.c.intervals_fingerprint)
                            .where(t.c.is_strava_stub.is_(True))).all()
    assert {r[0] for r in rows} == {a["id"] for a in stubs}
    assert all(r[1]["source"] == "STRAVA" and "name" not in r[1] for r in rows)
    assert all(r[2] is None for r in rows), "no details are fetched for a stub"


async def test_an_edit_is_found_and_logged_without_refetching_details(
    mirror: Mirror, aclient: AsyncClient, sandbox: Sandbox
) -> None:
    await mirror.sync_async()
    recent = (await aclient.activities.list(await aclient.today() - timedelta(days=10)))
    target = next(a for a in recent if not a.is_strava_stub)
    await aclient.activities.update(target.id, name="Renamed by the coach")
    report = await mirror.sync_async()
    assert report.totals()["activities"].updated >= 1
    assert report.totals()["intervals"].requests == 0, "a rename does not touch intervals"
    logged = [c for c in changes(mirror.store, table_name="activities", change="updated")
              if c["record_id"] == target.id]
    assert logged
    assert "name" in logged[-1]["fields"]
    assert logged[-1]["after"]["name"] == "Renamed by the coach"
    assert logged[-1]["before"]["name"] == target.name
    assert_mirror_equals(mirror.store, sandbox, sandbox.athlete_id)


async def test_interval_edit_refetches_that_activitys_intervals(
    mirror: Mirror, aclient: AsyncClient, sandbox: Sandbox
) -> None:
    await mirror.sync_async()
    recent = await aclient.activities.list(await aclient.today() - timedelta(days=30))
    full = await aclient.activities.get_many([a.id for a in recent if not a.is_strava_stub],
                                             intervals=True)
    target = next(a for a in full if a.icu_intervals)
    first = target.icu_intervals[0]
    await aclient.activities.update_interval(target.id, first.id, label="Edited effort")
    report = await mirror.sync_async()
    assert report.totals()["intervals"].read == 1
    assert report.totals()["intervals"].updated >= 1
    t = schema.intervals
    with mirror.store.engine.connect() as conn:
        label = conn.execute(sa.select(t.c.label).where(
            t.c.activity_id == target.id, t.c.interval_id == str(first.id))).scalar_one()
    assert label == "Edited effort"
    assert_mirror_equals(mirror.store, sandbox, sandbox.athlete_id)


async def test_deletion_is_a_tombstone_and_a_moved_activity_is_not(
    mirror: Mirror, aclient: AsyncClient, sandbox: Sandbox
) -> None:
    await mirror.sync_async()
    today = await aclient.today()
    recent = [a for a in await aclient.activities.list(today - timedelta(days=10))
              if not a.is_strava_stub]
    doomed, moved = recent[0], recent[1]
    await aclient.activities.delete(doomed.id)
    far = (today - timedelta(days=60)).isoformat() + "T07:00:00"
    await aclient.activities.update(moved.id, start_date_local=far)
    report = await mirror.sync_async()
    assert report.totals()["activities"].deleted == 1
    t = schema.activities
    with mirror.store.engine.connect() as conn:
        rows = dict(conn.execute(sa.select(t.c.activity_id, t.c.deleted_at).where(
            t.c.activity_id.in_([doomed.id, moved.id]))).all())
    assert rows[doomed.id] is not None, "kept, marked deleted"
    assert rows[moved.id] is None, "moved out of the window, still alive"
    ti = schema.intervals
    with mirror.store.engine.connect() as conn:
        live = conn.execute(sa.select(sa.func.count()).select_from(ti).where(
            ti.c.activity_id == doomed.id, ti.c.deleted_at.is_(None))).scalar_one()
    assert live == 0, "a deleted activity's intervals are marked deleted too"
    assert_mirror_equals(mirror.store, sandbox, sandbox.athlete_id)


async def test_incremental_sync_finds_edits_and_deletions_of_months_old_activities(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    """The look-back window is 3 days; the light history scan finds the rest."""
    mirror = Mirror(aclient, store, settings=MirrorSettings(lookback_days=3))
    await mirror.sync_async()
    idle = await mirror.sync_async()
    today = await aclient.today()
    old = [a for a in await aclient.activities.list(today - timedelta(days=80),
                                                    today - timedelta(days=40))
           if not a.is_strava_stub]
    await aclient.activities.update(old[0].id, name="Old ride, renamed")
    await aclient.activities.update(old[2].id, icu_rpe=9, feel=2)
    await aclient.activities.delete(old[1].id)
    incremental = await mirror.sync_async()
    found = incremental.totals()["activities"]
    assert (found.updated, found.deleted) == (2, 1)
    assert incremental.requests <= idle.requests + 6, "a few light requests, not a re-read"
    renamed = changes(store, table_name="activities", record_id=old[0].id)
    assert renamed[-1]["fields"]
    assert "name" in renamed[-1]["fields"]
    assert_mirror_equals(store, sandbox, sandbox.athlete_id)


async def test_without_the_scan_only_deep_finds_old_changes(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    mirror = Mirror(aclient, store,
                    settings=MirrorSettings(lookback_days=3, scan_history=False))
    await mirror.sync_async()
    today = await aclient.today()
    old = [a for a in await aclient.activities.list(today - timedelta(days=80),
                                                    today - timedelta(days=40))
           if not a.is_strava_stub]
    await aclient.activities.update(old[0].id, name="Old ride, renamed")
    await aclient.activities.delete(old[1].id)
    quick = await mirror.sync_async()
    assert quick.totals()["activities"].changed == 0
    deep = await mirror.sync_async(deep=True)
    assert deep.totals()["activities"].updated >= 1
    assert deep.totals()["activities"].deleted == 1
    assert_mirror_equals(store, sandbox, sandbox.athlete_id)


async def test_wellness_and_events_changes(mirror: Mirror, aclient: AsyncClient,
                                           sandbox: Sandbox) -> None:
    await mirror.sync_async()
    today = await aclient.today()
    await aclient.wellness.update(today - timedelta(days=1), hrv=71.5)
    created = await aclient.events.create(category="NOTE", name="Travel",
                                          start_date_local=f"{today + timedelta(days=3)}T00:00:00")
    listed = await aclient.events.list(today, today + timedelta(days=60))
    edited = next(e for e in listed if e.id != created.id)
    await aclient.events.update(edited.id, name="Moved to the evening")
    gone = next(e for e in listed if e.id not in (created.id, edited.id))
    await aclient.events.delete(gone.id)
    report = await mirror.sync_async()
    totals = report.totals()
    assert totals["wellness"].updated >= 1
    assert totals["events"].created == 1
    assert totals["events"].updated >= 1
    assert totals["events"].deleted == 1
    assert_mirror_equals(mirror.store, sandbox, sandbox.athlete_id)


async def test_progress_reports_every_kind(mirror: Mirror) -> None:
    seen: list[Progress] = []
    await mirror.sync_async(on_progress=seen.append)
    finished = {p.kind for p in seen if p.finished}
    assert {"activities", "wellness", "events", "gear", "intervals"} <= finished
    intervals = [p for p in seen if p.kind == "intervals" and p.total]
    assert intervals
    assert intervals[-1].done == intervals[-1].total


async def test_an_api_failure_is_reported_and_the_next_run_converges(
    mirror: Mirror, sandbox: Sandbox
) -> None:
    sandbox.faults(route="GET /api/v1/athlete/*/wellness*", error_rate=1.0, error_status=500,
                   count=20)
    report = await mirror.sync_async()
    assert not report.ok
    assert report.athletes[0].kinds["wellness"].error
    assert report.athletes[0].kinds["activities"].error is None
    position = mirror.store.position(sandbox.athlete_id, "wellness")
    assert position.last_error
    assert position.covered_to is None
    sandbox.clear_faults()
    again = await mirror.sync_async()
    assert again.ok, again.errors()
    assert_mirror_equals(mirror.store, sandbox, sandbox.athlete_id)


async def test_roster_syncs_every_athlete_and_survives_one_failing(
    sandbox: Sandbox, store: Store
) -> None:
    sandbox.configure(rate_limit_enabled=False)
    async with sandbox.async_client(sandbox.coach_api_key, retry=FAST_RETRY,
                                    rate_limit=RateLimit.unlimited()) as coach:
        blocked = sandbox.athlete_ids[1]
        sandbox.faults(route=f"GET /api/v1/athlete/{blocked}*", error_rate=1.0,
                       error_status=403)
        mirror = Mirror(coach, store)
        report = await mirror.sync_async(roster=True)
        by_id = {a.athlete_id: a for a in report.athletes}
        assert set(by_id) == {sandbox.coach_id, *sandbox.athlete_ids}
        assert by_id[blocked].error
        assert "403" in by_id[blocked].error
        assert by_id[sandbox.athlete_id].ok
        assert report.status == "partial"
        assert_mirror_equals(store, sandbox, sandbox.athlete_id)
        assert_mirror_equals(store, sandbox, sandbox.coach_id)
        t = schema.athletes
        with store.engine.connect() as conn:
            me = conn.execute(sa.select(t.c.athlete_id).where(t.c.is_self.is_(True))).all()
            record = conn.execute(sa.select(t.c.record).where(
                t.c.athlete_id == sandbox.coach_id)).scalar_one()
        assert me == [(sandbox.coach_id,)]
        assert "icu_api_key" not in record
        sandbox.clear_faults()
        again = await mirror.sync_async(roster=True)
        assert again.ok, again.errors()
        assert_mirror_equals(store, sandbox, blocked)


async def test_refresh_activity_applies_one_change(mirror: Mirror, aclient: AsyncClient,
                                                   sandbox: Sandbox) -> None:
    await mirror.sync_async()
    athlete = sandbox.athlete_id
    recent = [a for a in await aclient.activities.list(await aclient.today() - timedelta(days=10))
              if not a.is_strava_stub]
    await aclient.activities.update(recent[0].id, name="From a webhook")
    counts = await mirror.refresh_activity(athlete, recent[0].id)
    assert counts.updated == 1
    again = await mirror.refresh_activity(athlete, recent[0].id)
    assert (again.updated, again.created) == (0, 0), "idempotent"
    await aclient.activities.delete(recent[1].id)
    gone = await mirror.refresh_activity(athlete, recent[1].id)
    assert gone.deleted == 1
    # what FITNESS_UPDATED would name: the fitness curve from the deleted day on
    today = await aclient.today()
    fitness = await mirror.refresh_wellness(athlete, [recent[1].start_date_local[:10], today])
    assert fitness.updated >= 1
    assert_mirror_equals(mirror.store, sandbox, athlete)


async def test_forget_athlete_marks_or_purges(mirror: Mirror, sandbox: Sandbox) -> None:
    await mirror.sync_async()
    mirror.forget_athlete(sandbox.athlete_id)
    assert mirror.store.count_live("activities", sandbox.athlete_id) == 0
    assert sum(1 for _ in mirror.store.rows("activities", sandbox.athlete_id,
                                            include_deleted=True)) > 0
    mirror.forget_athlete(sandbox.athlete_id, purge=True)
    assert sum(1 for _ in mirror.store.rows("activities", sandbox.athlete_id,
                                            include_deleted=True)) == 0


async def test_refresh_event_upserts_or_tombstones_by_id(mirror: Mirror, aclient: AsyncClient,
                                                         sandbox: Sandbox) -> None:
    await mirror.sync_async()
    athlete = sandbox.athlete_id
    today = await aclient.today()
    event = await aclient.events.create(category="NOTE", start_date_local=f"{today}T00:00:00",
                                        name="Added by a webhook")
    assert event.id is not None
    assert (await mirror.refresh_event(athlete, event.id)).created == 1
    assert (await mirror.refresh_event(athlete, event.id)).created == 0, "idempotent"
    await aclient.events.delete(event.id)
    assert (await mirror.refresh_event(athlete, event.id)).deleted == 1
    assert_mirror_equals(mirror.store, sandbox, athlete)


async def test_an_oauth_app_mirrors_each_athlete_with_its_own_token(
    sandbox: Sandbox, store: Store
) -> None:
    """One bearer token reaches one athlete; credentials_for gives the mirror the others."""
    sandbox.configure(rate_limit_enabled=False)
    scopes = "ACTIVITY:READ,WELLNESS:READ,CALENDAR:READ,SETTINGS:READ"
    first, second = sandbox.athlete_ids[:2]
    tokens = {a: sandbox.oauth_token(a, scopes).credentials() for a in (first, second)}
    async with sandbox.async_client(credentials=tokens[first], retry=FAST_RETRY,
                                    rate_limit=RateLimit.unlimited()) as client:
        without = Mirror(client, store)
        report = await without.sync_async(athletes=[second])
        assert report.athletes[0].error, "the first athlete's token cannot read the second"
        mirror = Mirror(client, store, credentials_for=tokens.get)
        report = await mirror.sync_async(athletes=[second])
        assert not report.athletes[0].error
    assert_mirror_equals(store, sandbox, second)


async def test_a_long_history_is_read_in_concurrent_windows_and_equals_the_sandbox(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    count = len(sandbox.state.store(sandbox.athlete_id).activities)
    mirror = Mirror(aclient, store, settings=MirrorSettings(page_size=20, concurrency=4))
    report = await mirror.sync_async(intervals=False)
    assert report.ok, report.errors()
    assert_mirror_equals(store, sandbox, sandbox.athlete_id, intervals=False)
    # the first page in full, one light listing of the rest, then windows of at most 18
    # (capacity 90% of a page) that are never re-paged
    activities = report.totals()["activities"]
    assert activities.requests <= 2 + -(-count // 10) + 1, report.summary()
    deep = await mirror.sync_async(deep=True, intervals=False)
    assert deep.ok, deep.errors()
    assert sum(s.changed for s in deep.totals().values()) == 0, deep.summary()


async def test_the_same_athlete_named_twice_is_synced_once_and_the_run_ends(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    mirror = Mirror(aclient, store)
    for targets in ([sandbox.athlete_id, sandbox.athlete_id], ["0", sandbox.athlete_id]):
        report = await asyncio.wait_for(mirror.sync_async(athletes=targets, intervals=False),
                                        timeout=120)
        assert report.ok, report.errors()
    assert_mirror_equals(store, sandbox, sandbox.athlete_id, intervals=False)


async def _raise_load_of_an_old_activity(client: AsyncClient, days_ago: int) -> None:
    today = await client.today()
    old = next(a for a in await client.activities.list(today - timedelta(days=days_ago + 15),
                                                       today - timedelta(days=days_ago))
               if not a.is_strava_stub and a.icu_training_load)
    await client.activities.update(old.id, icu_training_load=old.icu_training_load + 150)


async def test_a_load_change_reaches_wellness_even_when_the_run_that_found_it_fails(
    aclient: AsyncClient, store: Store, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan stores the changed activity; re-reading the stretch after it then fails. The
    day it changed was saved first, so the next run still re-reads activities and wellness."""
    from intervals_icu import errors
    from intervals_icu._async.resources.activities import AsyncActivitiesResource

    mirror = Mirror(aclient, store)
    assert (await mirror.sync_async(intervals=False)).ok
    await _raise_load_of_an_old_activity(aclient, 90)
    real_list = AsyncActivitiesResource.list

    async def full_lists_fail(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("fields") is None:
            raise errors.TransportError("injected: connection reset")
        return await real_list(self, *args, **kwargs)

    monkeypatch.setattr(AsyncActivitiesResource, "list", full_lists_fail)
    failed = await mirror.sync_async(intervals=False)
    assert failed.totals()["activities"].error
    assert store.position(sandbox.athlete_id, "activities").reread_from is not None
    monkeypatch.setattr(AsyncActivitiesResource, "list", real_list)
    healed = await mirror.sync_async(intervals=False)
    assert healed.ok, healed.errors()
    assert_mirror_equals(store, sandbox, sandbox.athlete_id, intervals=False)
    assert store.position(sandbox.athlete_id, "activities").reread_from is None
    assert store.position(sandbox.athlete_id, "wellness").reread_from is None


async def test_a_load_change_found_while_resuming_a_stopped_history_reaches_wellness(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    settings = MirrorSettings(page_size=20, concurrency=3)
    sandbox.faults(route="GET /api/v1/athlete/*/activities*", error_rate=1.0, count=40)
    mirror = Mirror(aclient, store, settings=settings)
    stopped = await mirror.sync_async(intervals=False)
    sandbox.clear_faults()
    position = store.position(sandbox.athlete_id, "activities")
    assert stopped.totals()["activities"].error or not position.history_complete
    await _raise_load_of_an_old_activity(aclient, 40)
    resumed = await mirror.sync_async(intervals=False)
    assert resumed.ok, resumed.errors()
    assert_mirror_equals(store, sandbox, sandbox.athlete_id, intervals=False)


async def test_forgetting_an_athlete_then_syncing_again_restores_everything(
    mirror: Mirror, sandbox: Sandbox
) -> None:
    assert (await mirror.sync_async(intervals=False)).ok
    mirror.store.forget_athlete(sandbox.athlete_id, purge=False)
    again = await mirror.sync_async(intervals=False)
    assert again.ok, again.errors()
    assert again.totals()["gear"].requests == 1
    assert_mirror_equals(mirror.store, sandbox, sandbox.athlete_id, intervals=False)


async def test_a_load_change_stored_by_a_deep_run_whose_wellness_reads_fail_ripples_later(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    """A deep run stores an old activity's new load, then cannot read wellness: the day was
    saved with the activity, so the next incremental run re-reads wellness (ctl/atl) from
    there."""
    mirror = Mirror(aclient, store)
    assert (await mirror.sync_async(intervals=False)).ok
    await _raise_load_of_an_old_activity(aclient, 90)
    sandbox.faults(route="GET /api/v1/athlete/*/wellness*", error_rate=1.0, count=1000)
    deep = await mirror.sync_async(intervals=False, deep=True)
    sandbox.clear_faults()
    assert deep.totals()["wellness"].error
    assert not deep.totals()["activities"].error
    assert store.position(sandbox.athlete_id, "wellness").reread_from is not None
    healed = await mirror.sync_async(intervals=False)
    assert healed.ok, healed.errors()
    assert_mirror_equals(store, sandbox, sandbox.athlete_id, intervals=False)
    assert store.position(sandbox.athlete_id, "wellness").reread_from is None


async def test_a_load_change_applied_by_refresh_activity_ripples_at_the_next_sync(
    aclient: AsyncClient, store: Store, sandbox: Sandbox
) -> None:
    """What the webhook worker does for ACTIVITY_UPDATED: the activity is stored at once and
    the day it moved fitness is saved, so the reconciliation re-reads wellness from there."""
    mirror = Mirror(aclient, store)
    assert (await mirror.sync_async(intervals=False)).ok
    today = await aclient.today()
    old = next(a for a in await aclient.activities.list(today - timedelta(days=105),
                                                        today - timedelta(days=90))
               if not a.is_strava_stub and a.icu_training_load)
    await aclient.activities.update(old.id, icu_training_load=old.icu_training_load + 150)
    await mirror.refresh_activity(sandbox.athlete_id, old.id)
    assert store.position(sandbox.athlete_id, "wellness").reread_from is not None
    healed = await mirror.sync_async(intervals=False)
    assert healed.ok, healed.errors()
    assert_mirror_equals(store, sandbox, sandbox.athlete_id, intervals=False)
    # a deletion ripples the same way
    await aclient.activities.delete(old.id)
    assert (await mirror.refresh_activity(sandbox.athlete_id, old.id)).deleted == 1
    assert store.position(sandbox.athlete_id, "wellness").reread_from is not None
    assert (await mirror.sync_async(intervals=False)).ok
    assert_mirror_equals(store, sandbox, sandbox.athlete_id, intervals=False)


async def test_access_lost_marks_the_athlete_keeps_the_rows_and_reads_nothing_more(
    sandbox: Sandbox, store: Store
) -> None:
    """An OAuth token revoked: the mirror marks the athlete (since when, why), keeps every
    row live, skips the webhook re-reads and reads only the profile on a sync, until a token
    reads them again; then that sync catches up."""
    from intervals_icu import Credentials

    sandbox.configure(rate_limit_enabled=False)
    athlete = sandbox.athlete_id
    scopes = "ACTIVITY:READ,WELLNESS:READ,CALENDAR:READ,SETTINGS:READ"
    tokens: dict[str, Credentials] = {athlete: sandbox.oauth_token(athlete, scopes).credentials()}
    async with sandbox.async_client(credentials=tokens[athlete], retry=FAST_RETRY,
                                    rate_limit=RateLimit.unlimited()) as client:
        mirror = Mirror(client, store, credentials_for=tokens.get)
        assert (await mirror.sync_async(intervals=False)).ok
        kept = store.count_live("activities", athlete)
        assert await mirror.deauthorized(athlete), "a live token still reads them"
        assert await mirror.access(athlete) is None

        await client.oauth.disconnect()
        assert not await mirror.deauthorized(athlete)
        status = await mirror.access(athlete)
        assert status is not None
        assert status.lost
        assert store.count_live("activities", athlete) == kept
        requests: list[str] = []
        remove = client.on_response(lambda info, *_: requests.append(info.path))
        some = next(iter(sandbox.state.store(athlete).activities))
        assert (await mirror.refresh_activity(athlete, some)).changed_keys == []
        assert (await mirror.refresh_wellness(athlete, ["2026-01-01"])).changed_keys == []
        assert requests == []
        blocked = await mirror.sync_async(athletes=[athlete], intervals=False)
        assert "no access since" in (blocked.athletes[0].error or "")
        assert len(requests) == 1, requests  # only the profile: is access back?
        remove()
        assert store.count_live("activities", athlete) == kept

        with sandbox.client() as own_key:  # the athlete keeps training meanwhile
            own_key.wellness.update(own_key.today(), weight=59.5)
        tokens[athlete] = sandbox.oauth_token(athlete, scopes).credentials()
        caught_up = await mirror.sync_async(athletes=[athlete], intervals=False)
        assert caught_up.ok, caught_up.errors()
        status = await mirror.access(athlete)
        assert status is not None
        assert not status.lost
        assert status.regained_at is not None
    assert_mirror_equals(store, sandbox, athlete, intervals=False)


async def test_since_bounds_every_dated_kind_and_a_later_run_without_it_reads_the_rest(
    mirror: Mirror, aclient: AsyncClient, sandbox: Sandbox
) -> None:
    athlete = sandbox.athlete_id
    since = await aclient.today() - timedelta(days=20)
    report = await mirror.sync_async(since=since, intervals=False)
    assert report.ok, report.errors()
    store = mirror.store
    for table, column in (("activities", "local_date"), ("wellness", "day"),
                          ("events", "local_date")):
        days = [r[column] for r in store.rows(table, athlete) if r[column] is not None]
        assert days, table
        assert min(days) >= since, f"{table} stored before --since: {min(days)}"
    truth = sandbox.state.store(athlete)
    recent_wellness = [d for d in truth.wellness if d >= since.isoformat()]
    assert store.count_live("wellness", athlete) == len(recent_wellness)
    everything = await mirror.sync_async(intervals=False)
    assert everything.ok, everything.errors()
    assert_mirror_equals(store, sandbox, athlete, intervals=False)


@pytest.mark.parametrize(("zone", "moment", "local_day"), [
    ("Pacific/Auckland", "2026-06-10T20:30:00+00:00", "2026-06-11"),  # ahead of UTC
    ("Pacific/Honolulu", "2026-06-11T05:00:00+00:00", "2026-06-10"),  # behind it
])
def test_a_sync_reads_up_to_the_athletes_today(zone: str, moment: str, local_day: str,
                                               tmp_path: Any) -> None:
    """The mirror's "today" (how far a read counts as complete) is the athlete's local day
    (``dates.today_in`` of their profile's zone), not the UTC day."""
    from datetime import date, datetime

    import time_machine

    with Sandbox(seed=3, athletes=1, years=0.05) as sb:
        with sb.client() as client:
            client.athletes.update(timezone=zone)
        when = datetime.fromisoformat(moment)
        with machine_timezone("UTC"), time_machine.travel(when, tick=True):
            assert date.today() != date.fromisoformat(local_day)  # the machine's day
            store = Store(f"sqlite:///{tmp_path / 'm.db'}")
            with sb.client() as client:
                Mirror(client, store).sync()
    for kind in ("activities", "wellness"):
        assert store.position(sb.athlete_id, kind).covered_to == date.fromisoformat(local_day)
    store.close()
