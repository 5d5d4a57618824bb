"""Each activity's best efforts are stored with its streams (``activity_curves``), equal to
what its streams give, replaced when the streams change, and filled by the next sync for a
mirror whose streams were stored before the table existed: on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from intervals_icu import efforts
from intervals_icu.mirror import Mirror, Store, schema
from intervals_icu.mirror.store import DetailWrite
from intervals_icu.sandbox import Sandbox


def _stored(store: Store, athlete_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    t = schema.activity_curves
    with store.engine.connect() as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute(
            sa.select(t.c.activity_id, t.c.streams_key, t.c.curves).where(
                t.c.athlete_id == athlete_id))}


def _fresh(store: Store, athlete_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each activity's efforts computed now from its live streams, with their key."""
    t = schema.streams
    found: dict[str, dict[str, tuple[str, Any]]] = {}
    with store.engine.connect() as conn:
        for aid, kind, fp, blob in conn.execute(
                sa.select(t.c.activity_id, t.c.stream_type, t.c.fingerprint, t.c.data).where(
                    t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None),
                    t.c.stream_type.in_(efforts.STREAM_TYPES))):
            found.setdefault(aid, {})[kind] = (fp, json.loads(zlib.decompress(blob)))
    return {aid: (efforts.streams_key((k, fp) for k, (fp, _) in s.items()),
                  efforts.activity_curves({k: v for k, (_, v) in s.items()}))
            for aid, s in found.items()}


def test_a_sync_stores_each_activitys_efforts_and_an_edited_stream_replaces_them(
        store: Store) -> None:
    with Sandbox(seed=7, athletes=1, years=0.05) as sb:
        client = sb.client()
        mirror = Mirror(client, store)
        mirror.sync(streams=True)
        athlete_id = sb.athlete_id
        stored = _stored(store, athlete_id)
        assert stored, "no activity with streams"
        assert stored == _fresh(store, athlete_id)
        # a ride, chosen by property: the one with the highest 1 s power
        ride = max((aid for aid, (_, c) in stored.items() if "power" in c),
                   key=lambda aid: stored[aid][1]["power"]["1"])
        [watts] = client.activities.streams(ride, types=["watts"])
        client.activities.update_streams(
            ride, [{"type": "watts", "data": [None if w is None else w * 2
                                              for w in watts.data]}])
        mirror.sync(streams=True)
        edited = _stored(store, athlete_id)
        # rows lost (a mirror from before the table): the next sync with streams fills them
        with store.engine.begin() as conn:
            conn.execute(sa.delete(schema.activity_curves))
        mirror.sync(streams=True)
        mirror.close()
    assert _stored(store, athlete_id) == edited
    assert edited[ride][0] != stored[ride][0]  # stored for the new streams
    assert edited == _fresh(store, athlete_id)
    assert edited[ride][1]["power"]["1"] == pytest.approx(2 * stored[ride][1]["power"]["1"])
    assert {aid: v for aid, v in edited.items() if aid != ride} == \
        {aid: v for aid, v in stored.items() if aid != ride}


def _migrate_to(store: Store, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    import intervals_icu.mirror.store as store_module

    config = Config()
    config.set_main_option("script_location",
                           str(Path(store_module.__file__).parent / "migrations"))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        config.attributes["schema"] = store.schema
        command.downgrade(config, revision)


def test_a_mirror_from_before_the_table_is_filled_from_its_stored_streams(
        store: Store) -> None:
    """Revision 0005 adds the table to a mirror holding streams; the next sync with streams
    fills it from them (no request), equal to what storing the streams gives."""
    time = list(range(0, 1200))
    streams = [{"type": "time", "data": time},
               {"type": "watts", "data": [150 + (s % 97) for s in time]},
               {"type": "heartrate", "data": [120 + (s % 31) for s in time]},
               {"type": "distance", "data": [s * 8.5 for s in time]},
               {"type": "cadence", "data": [90] * len(time)}]
    for activity_id in ("i1", "i2"):
        store.apply_details(DetailWrite("i9", activity_id, marks={}, streams=streams))
    written = _stored(store, "i9")
    assert set(written) == {"i1", "i2"}
    assert written == _fresh(store, "i9")
    assert written["i1"][1]["pace"]["400.0"] == pytest.approx(400 / 8.5, abs=1)

    _migrate_to(store, "0004")
    with store.engine.connect() as conn:
        assert "activity_curves" not in sa.inspect(conn).get_table_names(schema=store.schema)
    store.migrate()  # what opening the mirror with this version does
    assert _stored(store, "i9") == {}
    assert store.curves_to_fill("i9") == ["i1", "i2"]
    assert store.fill_curves("i9", ["i1", "i2"]) == 2
    assert _stored(store, "i9") == written
    assert store.curves_to_fill("i9") == []


def test_storing_the_same_streams_again_keeps_the_stored_efforts(store: Store) -> None:
    streams = [{"type": "time", "data": [0, 1, 2, 3]}, {"type": "watts", "data": [1, 2, 3, 4]}]
    store.apply_details(DetailWrite("i9", "i1", marks={}, streams=streams), run_id=1)
    store.apply_details(DetailWrite("i9", "i1", marks={}, streams=streams), run_id=2)
    t = schema.activity_curves
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(t.c.run_id)).scalar_one() == 1
    assert _stored(store, "i9")["i1"][1] == {"power": {"1": 4.0, "2": 3.5}}
