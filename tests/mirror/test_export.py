"""Exports from the mirror: CSV and Parquet, tables and per-sample streams, with filters."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from intervals_icu import AsyncClient, RateLimit, errors
from intervals_icu.mirror import Mirror, Store
from intervals_icu.mirror.export import export_streams, export_table
from intervals_icu.sandbox import Sandbox


@pytest.fixture
async def synced(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Store, AsyncClient]]:
    sandbox.configure(rate_limit_enabled=False)
    async with sandbox.async_client(rate_limit=RateLimit.unlimited()) as client:
        store = Store(f"sqlite:///{tmp_path / 'mirror.db'}")
        report = await Mirror(client, store).sync_async(streams=True)
        assert report.ok, report.errors()
        yield store, client
        store.close()


async def test_activities_csv_and_parquet_hold_the_live_rows(
    synced: tuple[Store, AsyncClient], tmp_path: Path, sandbox: Sandbox
) -> None:
    store, client = synced
    live = {a for a, v in sandbox.state.store(sandbox.athlete_id).activities.items()}
    doomed = next(a for a, v in sandbox.state.store(sandbox.athlete_id).activities.items()
                  if v.get("source") != "STRAVA")
    await client.activities.delete(doomed)
    await Mirror(client, store).sync_async(deep=True)
    result = export_table(store, "activities", tmp_path / "a.csv")
    with (tmp_path / "a.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["activity_id"] for r in rows} == live - {doomed}
    assert result.rows == len(rows)
    assert "record" not in rows[0]
    export_table(store, "activities", tmp_path / "a.parquet", format="parquet")
    table = pq.read_table(tmp_path / "a.parquet")
    assert set(table.column("activity_id").to_pylist()) == live - {doomed}
    assert table.schema.field("distance").type == "double"


def test_since_filters_by_local_date(synced: tuple[Store, AsyncClient], tmp_path: Path) -> None:
    store, _client = synced
    since = date.today() - timedelta(days=20)
    export_table(store, "wellness", tmp_path / "w.csv", since=since)
    with (tmp_path / "w.csv").open() as handle:
        days = [date.fromisoformat(r["day"]) for r in csv.DictReader(handle)]
    assert days
    assert min(days) >= since


async def test_intervals_of_a_run(synced: tuple[Store, AsyncClient], tmp_path: Path) -> None:
    store, client = synced
    runs = [a for a in await client.activities.list(date.today() - timedelta(days=90))
            if getattr(a, "type", None) == "Run"]
    full = await client.activities.get_many([a.id for a in runs], intervals=True)
    run = next(a for a in full if a.icu_intervals)
    out = io.BytesIO()
    export_table(store, "intervals", out, activity_id=run.id)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    got = {(r["kind"], r["interval_id"]): r for r in rows}
    for interval in run.icu_intervals:
        assert int(got[("interval", str(interval.id))]["start_index"]) == interval.start_index


async def test_streams_of_one_activity(synced: tuple[Store, AsyncClient], tmp_path: Path) -> None:
    store, client = synced
    recent = [a for a in await client.activities.list(date.today() - timedelta(days=30))
              if not a.is_strava_stub and a.stream_types]
    target = recent[0]
    api = {s.type: s for s in await client.activities.streams(target.id,
                                                              types=target.stream_types)}
    result = export_streams(store, tmp_path / "s.csv", activity_id=target.id)
    with (tmp_path / "s.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert result.rows == len(rows) == len(api["time"].data)
    for name in ("time", "heartrate", "watts"):
        if name in api:
            expected = [("" if v is None else str(v)) for v in api[name].data]
            assert [r[name] for r in rows] == expected, name
    export_streams(store, tmp_path / "s.parquet", activity_id=target.id, format="parquet")
    table = pq.read_table(tmp_path / "s.parquet")
    assert table.num_rows == len(rows)
    assert table.column("time").to_pylist()[:5] == [float(v) for v in api["time"].data[:5]]


def test_bad_requests_say_what_to_do(synced: tuple[Store, AsyncClient], tmp_path: Path) -> None:
    store, _client = synced
    with pytest.raises(errors.InvalidRequestError, match="choose one of"):
        export_table(store, "chats", tmp_path / "x.csv")
    with pytest.raises(errors.InvalidRequestError, match="csv' or 'parquet"):
        export_table(store, "activities", tmp_path / "x.xlsx", format="xlsx")
    with pytest.raises(errors.InvalidRequestError, match="activity_id="):
        export_streams(store, tmp_path / "x.csv")
