"""Activities through the client, against the sandbox: listing and windows, Strava stubs,
partial updates and CLEAR, deletes and tombstones, uploads with de-duplication, manual
upserts, streams, intervals and search."""

from __future__ import annotations

import copy
import csv
import gzip
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervals_icu import CLEAR, AsyncClient, Client, InvalidRequestError, Unprocessable
from intervals_icu.errors import NotFound
from intervals_icu.models import Activity, ActivityWithIntervals, StravaActivityStub
from intervals_icu.sandbox import Sandbox

# -- activity files for uploads (built here, so tests do not depend on the sandbox's writer) --


def gpx_bytes(start: datetime, seconds: int = 300, *, lat: float = 52.37, lon: float = 4.89,
              watts: int = 200, description: str = "") -> bytes:
    """A GPX 1.1 track at 1 Hz: ~5 m/s east, heart rate and power as extensions."""
    points = []
    for i in range(seconds):
        when = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        points.append(
            f'<trkpt lat="{lat:.6f}" lon="{lon + i * 5 / 68_000:.6f}"><ele>{10 + i % 7}</ele>'
            f"<time>{when}</time><extensions><power>{watts + (i % 11)}</power>"
            f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{120 + i % 30}</gpxtpx:hr>"
            f"</gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
    desc = f"<metadata><desc>{description}</desc></metadata>" if description else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"{desc}<trk><name>test</name><type>cycling</type><trkseg>{''.join(points)}"
        "</trkseg></trk></gpx>"
    ).encode()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


START = datetime(2025, 5, 4, 7, 0, tzinfo=UTC)


def stored(sandbox: Sandbox, activity_id: str) -> dict[str, Any]:
    return copy.deepcopy(sandbox.state.store(sandbox.athlete_id).activities[activity_id])


def events_of(sandbox: Sandbox, kind: str) -> list[dict[str, Any]]:
    return [e for e in sandbox.state.webhooks.emitted if e["type"] == kind]


def seeded_ids(client: Client, *, strava: bool | None = None) -> list[str]:
    found = client.activities.list("2000-01-01")
    return [a.id for a in found if a.id and (strava is None or a.is_strava_stub == strava)]


def first_ride(client: Client) -> Activity:
    for activity in client.activities.list("2000-01-01"):
        if isinstance(activity, Activity) and activity.type == "Ride" and activity.stream_types \
                and "watts" in activity.stream_types:
            return activity
    raise AssertionError("the seeded history has no ride with power")


# -- listing -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared() -> Any:
    """A read-only sandbox for listing tests (do not write to it)."""
    sb = Sandbox(seed=7, athletes=1, years=0.5)
    with sb.client() as client:
        yield sb, client
    sb.stop()


def test_list_is_newest_first_inside_the_range_and_limit_takes_the_newest(shared: Any) -> None:
    _sb, client = shared
    everything = client.activities.list("2000-01-01")
    assert len(everything) > 20
    dates = [a.start_date_local for a in everything]
    assert dates == sorted(dates, reverse=True)
    middle = date.fromisoformat(dates[len(dates) // 2][:10])
    window = client.activities.list(middle - timedelta(days=14), middle)
    assert window
    assert all(
        (middle - timedelta(days=14)).isoformat() <= a.start_date_local[:10] <= middle.isoformat()
        for a in window)
    assert [a.id for a in client.activities.list("2000-01-01", limit=3)] == \
        [a.id for a in everything[:3]]


def test_strava_activities_are_typed_stubs_everywhere(shared: Any) -> None:
    _sb, client = shared
    listed = client.activities.list("2000-01-01")
    stubs = [a for a in listed if isinstance(a, StravaActivityStub)]
    assert stubs, "the seeded history has Strava activities"
    assert all(s.note == "STRAVA activities are not available via the API" for s in stubs)
    assert all(isinstance(a, Activity) for a in listed if not a.is_strava_stub)
    one = client.activities.get(stubs[0].id, intervals=True)
    assert isinstance(one, StravaActivityStub)
    assert one.id == stubs[0].id
    many = client.activities.get_many([stubs[0].id, "i0-missing", listed[0].id])
    assert [type(a) for a in many] == [StravaActivityStub, type(listed[0])]


def test_get_with_intervals_matches_the_intervals_route(shared: Any) -> None:
    _sb, client = shared
    ride = first_ride(client)
    plain = client.activities.get(ride.id)
    full = client.activities.get(ride.id, intervals=True)
    assert type(plain) is Activity
    assert type(full) is ActivityWithIntervals
    dto = client.activities.intervals(ride.id)
    assert full.icu_intervals == dto.icu_intervals
    assert full.icu_groups == dto.icu_groups


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(window_days=st.integers(min_value=1, max_value=120))
def test_iter_all_equals_one_big_list_for_any_window(shared: Any, window_days: int) -> None:
    _sb, client = shared
    today = client.today()
    everything = [a.id for a in client.activities.list("2000-01-01", today)]
    oldest = today - timedelta(days=200)
    walked = [a.id for a in client.activities.iter_all(oldest, today, window_days=window_days)]
    expected = [a.id for a in client.activities.list(oldest, today)]
    assert walked == expected
    assert set(walked) <= set(everything)
    assert len(walked) == len(set(walked))


def test_iter_all_makes_one_request_per_window(shared: Any) -> None:
    sb, _client = shared
    seen: list[str] = []
    http = httpx.Client(transport=sb.transport(),
                        event_hooks={"request": [lambda r: seen.append(r.url.path)]})
    with sb.client(http_client=http) as client:
        today = client.today()
        list(client.activities.iter_all(today - timedelta(days=89), today, window_days=30))
    assert sum(p.endswith("/activities") for p in seen) == 3


def test_iter_all_never_yields_an_activity_twice_when_it_moves_while_walking(
        client: Client, sandbox: Sandbox) -> None:
    today = client.today()
    walker = client.activities.iter_all(today - timedelta(days=60), today, window_days=7)
    first = next(walker)
    assert first.id
    # Move it into a window the walk has not reached yet: the platform would list it again.
    moved = (datetime.fromisoformat(first.start_date_local) - timedelta(days=20)).isoformat()
    client.activities.update(first.id, start_date_local=moved)
    rest = [a.id for a in walker]
    assert first.id not in rest
    assert len(rest) == len(set(rest))


async def test_async_list_and_iter_all(async_client: AsyncClient) -> None:
    today = await async_client.today()
    listed = await async_client.activities.list(today - timedelta(days=40), today)
    walked = [a.id async for a in async_client.activities.iter_all(
        today - timedelta(days=40), today, window_days=10)]
    assert walked == [a.id for a in listed]
    assert walked


# -- updates -----------------------------------------------------------------------------------


def test_update_sends_only_the_given_fields_and_leaves_the_rest(client: Client,
                                                                sandbox: Sandbox) -> None:
    activity_id = seeded_ids(client, strava=False)[0]
    before = stored(sandbox, activity_id)
    returned = client.activities.update(activity_id, name="Threshold 3x10", icu_rpe=7)
    after = stored(sandbox, activity_id)
    assert returned.name == "Threshold 3x10"
    assert returned.icu_rpe == 7
    assert {k: v for k, v in after.items() if k not in {"name", "icu_rpe"}} == \
        {k: v for k, v in before.items() if k not in {"name", "icu_rpe"}}
    assert "updated" not in after  # activities have no updated timestamp
    assert after["icu_sync_date"] == before["icu_sync_date"]
    hook = events_of(sandbox, "ACTIVITY_UPDATED")[-1]
    assert hook["activity"]["name"] == "Threshold 3x10"
    assert hook["activity"]["id"] == activity_id


def test_clear_unsets_a_numeric_field_and_is_refused_elsewhere(client: Client,
                                                               sandbox: Sandbox) -> None:
    activity_id = seeded_ids(client, strava=False)[0]
    client.activities.update(activity_id, icu_rpe=6, feel=2)
    returned = client.activities.update(activity_id, icu_rpe=CLEAR)
    assert returned.icu_rpe is None
    assert returned.feel == 2
    assert "icu_rpe" not in stored(sandbox, activity_id)
    with pytest.raises(InvalidRequestError, match="only unsets numeric"):
        client.activities.update(activity_id, name=CLEAR)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="Did you mean 'icu_rpe'"):
        client.activities.update(activity_id, icu_rpee=5)  # type: ignore[call-arg]


def test_a_strava_stub_is_refused_with_an_error_that_says_why(client: Client,
                                                              sandbox: Sandbox) -> None:
    stub_id = seeded_ids(client, strava=True)[0]
    before = stored(sandbox, stub_id)
    hooks = len(sandbox.state.webhooks.emitted)
    with pytest.raises(Unprocessable, match="came from Strava") as info:
        client.activities.update(stub_id, name="mine now")
    assert info.value.status == 422
    assert "upload the original file" in str(info.value)
    with pytest.raises(Unprocessable, match="came from Strava"):
        client.activities.download_fit(stub_id, io.BytesIO())
    assert stored(sandbox, stub_id) == before
    assert len(sandbox.state.webhooks.emitted) == hooks


# -- uploads, deletes and tombstones --------------------------------------------------------------


def test_upload_creates_then_the_same_file_is_a_duplicate(client: Client,
                                                          sandbox: Sandbox) -> None:
    ride = gpx_bytes(START)
    first = client.activities.upload(ride, filename="ride.gpx", name="Canal loop",
                                     external_id="my-app-1")
    assert first.created
    assert len(first.activity_ids) == 1
    activity = client.activities.get(first.activity_ids[0])
    assert isinstance(activity, Activity)
    assert activity.name == "Canal loop"
    assert activity.external_id == "my-app-1"
    assert activity.source == "UPLOAD"
    assert activity.file_type == "gpx"
    assert activity.start_date is not None
    assert activity.start_date.startswith("2025-05-04T07:00")
    assert set(activity.stream_types or []) >= {"time", "latlng", "heartrate", "watts"}
    again = client.activities.upload(ride, filename="ride.gpx")
    assert not again.created
    assert again.activity_ids == first.activity_ids
    assert len(events_of(sandbox, "ACTIVITY_UPLOADED")) == 1
    uploaded = events_of(sandbox, "ACTIVITY_UPLOADED")[0]["activity"]
    assert uploaded["id"] == first.id
    assert uploaded["name"] == "Canal loop"


def test_a_zip_with_two_files_makes_two_and_a_known_file_inside_is_not_duplicated(
        client: Client) -> None:
    a, b = gpx_bytes(START), gpx_bytes(START + timedelta(days=1), watts=150)
    client.activities.upload(a, filename="a.gpx")
    result = client.activities.upload(zip_of({"a.gpx": a, "b.gpx": b, "c.gpx.gz":
                                              gzip.compress(gpx_bytes(START + timedelta(2)))}),
                                      filename="week.zip")
    assert result.created
    assert len(result.activity_ids) == 3
    days = sorted(str(client.activities.get(i).start_date_local)[:10]
                  for i in result.activity_ids)
    assert days == ["2025-05-04", "2025-05-05", "2025-05-06"]
    assert not client.activities.upload(zip_of({"b.gpx": b}), filename="again.zip").created


def test_a_deleted_activity_blocks_its_file_until_the_tombstone_is_deleted(
        client: Client, sandbox: Sandbox) -> None:
    ride = gpx_bytes(START)
    activity_id = client.activities.upload(ride, filename="ride.gpx").activity_ids[0]
    deleted = client.activities.delete(activity_id)
    assert deleted.id == activity_id
    assert deleted.icu_athlete_id == sandbox.athlete_id
    with pytest.raises(NotFound):
        client.activities.get(activity_id)
    gone = events_of(sandbox, "ACTIVITY_DELETED")[-1]["activity"]
    assert gone["id"] == activity_id
    assert "name" not in gone
    with pytest.raises(Unprocessable, match="tombstone"):
        client.activities.upload(ride, filename="ride.gpx")
    client.activities.delete_tombstone(activity_id)
    again = client.activities.upload(ride, filename="ride.gpx")
    assert again.created
    assert again.activity_ids[0] != activity_id
    with pytest.raises(NotFound):
        client.activities.delete_tombstone(activity_id)


def tcx_bytes(start: datetime, seconds: int = 240) -> bytes:
    points = "".join(
        f"<Trackpoint><Time>{(start + timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        f"</Time><DistanceMeters>{i * 3.1:.1f}</DistanceMeters><HeartRateBpm><Value>"
        f"{130 + i % 20}</Value></HeartRateBpm></Trackpoint>" for i in range(seconds))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><TrainingCenterDatabase xmlns='
        '"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        f'<Activity Sport="Running"><Id>{start.strftime("%Y-%m-%dT%H:%M:%SZ")}</Id>'
        f'<Lap StartTime="{start.strftime("%Y-%m-%dT%H:%M:%SZ")}"><Track>{points}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def test_a_generated_fit_uploads_back_as_the_same_activity_and_tcx_works(
        client: Client) -> None:
    ride = first_ride(client)
    fit = io.BytesIO()
    client.activities.download_fit(ride.id, fit)
    result = client.activities.upload(fit.getvalue(), filename="again.fit")
    assert result.created
    copy_ = client.activities.get(result.activity_ids[0])
    assert isinstance(copy_, Activity)
    assert (copy_.type, copy_.start_date_local) == (ride.type, ride.start_date_local)
    assert copy_.file_type == "fit"
    samples = {s.type: len(s.data) for s in client.activities.streams(copy_.id)}
    original = {s.type: len(s.data) for s in client.activities.streams(ride.id)}
    assert samples["time"] == original["time"]
    assert {"watts", "heartrate"} <= set(samples)
    run = client.activities.upload(tcx_bytes(START), filename="run.tcx")
    made = client.activities.get(run.activity_ids[0])
    assert isinstance(made, Activity)
    assert made.type == "Run"
    assert made.distance == pytest.approx(239 * 3.1, abs=1)


def test_upload_refuses_what_it_cannot_read(client: Client, tmp_path: Any) -> None:
    with pytest.raises(Unprocessable, match="Unsupported file type"):
        client.activities.upload(b"hello", filename="notes.txt")
    with pytest.raises(InvalidRequestError, match="no such file"):
        client.activities.upload(tmp_path / "missing.fit")


async def test_async_upload_from_a_path(async_client: AsyncClient, tmp_path: Any) -> None:
    path = tmp_path / "morning.gpx"
    path.write_bytes(gpx_bytes(START + timedelta(days=3)))
    result = await async_client.activities.upload(path)
    assert result.created
    activity = await async_client.activities.get(result.activity_ids[0])
    assert isinstance(activity, Activity)
    assert activity.file_type == "gpx"


# -- manual activities ---------------------------------------------------------------------------


def test_manual_bulk_upserts_on_external_id_scoped_to_the_caller(client: Client,
                                                                 sandbox: Sandbox) -> None:
    day = {"start_date_local": "2025-04-01T18:00:00", "type": "WeightTraining",
           "moving_time": 2700}
    first = client.activities.upsert_manual([{**day, "name": "Gym", "external_id": "gym-1"},
                                             {**day, "name": "No key"}])
    second = client.activities.upsert_manual([{**day, "name": "Gym (legs)",
                                               "external_id": "gym-1"},
                                              {**day, "name": "No key"}])
    assert second[0].id == first[0].id
    assert second[0].name == "Gym (legs)"
    assert second[1].id != first[1].id  # no external_id: always a new one
    store = sandbox.state.store(sandbox.athlete_id)
    assert [a["name"] for a in store.activities.values()
            if a.get("external_id") == "gym-1"] == ["Gym (legs)"]
    # Another OAuth app with the same external_id gets its own activity.
    code = sandbox.authorize(scopes=["ACTIVITY:WRITE"])
    token = sandbox.oauth_app.exchange_code(code, http_client=httpx.Client(
        transport=sandbox.transport()))
    with Client(token.credentials(), base_url=sandbox.base_url,
                http_client=httpx.Client(transport=sandbox.transport())) as app_client:
        theirs = app_client.activities.upsert_manual([{**day, "name": "App gym",
                                                       "external_id": "gym-1"}])
    assert theirs[0].id != first[0].id
    assert stored(sandbox, first[0].id)["name"] == "Gym (legs)"


def test_manual_activity_needs_a_date_and_a_sport(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="start_date_local and type"):
        client.activities.create_manual(name="?")
    made = client.activities.create_manual(start_date_local="2025-04-02T07:00:00", type="Run",
                                           moving_time=1800, distance=5000.0)
    assert made.source == "MANUAL"
    assert made.start_date_local == "2025-04-02T07:00:00"


# -- streams -------------------------------------------------------------------------------------


def test_streams_csv_round_trip_changes_only_the_column_sent(client: Client,
                                                             sandbox: Sandbox) -> None:
    ride = first_ride(client)
    text = client.activities.streams_csv(ride.id, types=["time", "watts", "heartrate"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    assert rows[0]["time"] == "0"
    heartrate_before = [s.data for s in client.activities.streams(ride.id, types=["heartrate"])]
    doubled = io.StringIO()
    writer = csv.writer(doubled)
    writer.writerow(["time", "watts"])
    for row in rows:
        writer.writerow([row["time"], int(row["watts"] or 0) * 2])
    result = client.activities.upload_streams_csv(ride.id, doubled.getvalue().encode())
    assert result.updated == ["time", "watts"]
    assert result.deleted == []
    watts = client.activities.streams(ride.id, types=["watts"])[0].data
    assert watts == [int(r["watts"] or 0) * 2 for r in rows]
    assert [s.data for s in client.activities.streams(ride.id, types=["heartrate"])] == \
        heartrate_before
    summary = client.activities.get(ride.id)
    assert isinstance(summary, Activity)
    assert summary.icu_average_watts is not None
    assert ride.icu_average_watts is not None
    assert summary.icu_average_watts > ride.icu_average_watts * 1.5
    assert events_of(sandbox, "ACTIVITY_ANALYZED")[-1]["activity"]["id"] == ride.id


def test_put_streams_json_latlng_nulls_and_length_rules(client: Client) -> None:
    ride = first_ride(client)
    streams = {s.type: s for s in client.activities.streams(ride.id)}
    latlng = streams["latlng"]
    assert len(latlng.data) == len(latlng.data2) == len(streams["time"].data)
    n = len(streams["time"].data)
    result = client.activities.update_streams(ride.id, [
        {"type": "temp", "data": [None] * n},
        {"type": "smo2", "data": [55.0] * n, "name": "Moxy", "custom": True},
    ])
    assert result.deleted == ["temp"]
    assert result.updated == ["smo2"]
    after = {s.type: s for s in client.activities.streams(ride.id)}
    assert "temp" not in after
    assert after["smo2"].custom
    assert after["smo2"].name == "Moxy"
    with pytest.raises(Unprocessable, match="supply every stream"):
        client.activities.update_streams(ride.id, [{"type": "watts", "data": [100] * 10}])
    short = client.activities.update_streams(ride.id, [
        {"type": "time", "data": list(range(10))}, {"type": "watts", "data": [100] * 10}])
    assert short.updated == ["time", "watts"]
    assert "heartrate" in (short.deleted or [])
    assert [s.type for s in client.activities.streams(ride.id)] == ["time", "watts"]


def test_streams_types_and_defaults(client: Client) -> None:
    ride = first_ride(client)
    every = [s.type for s in client.activities.streams(ride.id)]
    assert [s.type for s in client.activities.streams(ride.id, types=["heartrate"])] == \
        ["heartrate"]
    with_defaults = [s.type for s in client.activities.streams(
        ride.id, types=["heartrate"], include_defaults=True)]
    assert with_defaults == every
    with pytest.raises(InvalidRequestError, match="list of stream names"):
        client.activities.streams(ride.id, types="watts")


# -- intervals -----------------------------------------------------------------------------------


def test_interval_edits_recompute_stats_and_mark_the_activity(client: Client,
                                                              sandbox: Sandbox) -> None:
    ride = first_ride(client)
    watts = client.activities.streams(ride.id, types=["watts"])[0].data
    dto = client.activities.update_intervals(ride.id, [
        {"start_index": 60, "end_index": 360, "type": "WORK", "label": "Effort 1"},
        {"start_index": 600, "end_index": 900, "type": "WORK"},
    ], replace_all=True)
    intervals = dto.icu_intervals or []
    assert [(i.start_index, i.end_index) for i in intervals] == [(60, 360), (600, 900)]
    assert intervals[0].label == "Effort 1"
    assert intervals[0].elapsed_time == 300
    assert intervals[0].average_watts == round(sum(watts[60:360]) / 300)
    # Grouped like detected intervals: similar duration AND similar output (within 15 %).
    first, second = (i.weighted_average_watts or 0 for i in intervals)
    similar = abs(first - second) <= 0.15 * max(first, 1)
    assert [g.count for g in dto.icu_groups or []] == ([2] if similar else [])
    merged = client.activities.update_intervals(ride.id, [
        {"id": intervals[1].id, "label": "Effort 2"},
        {"start_index": 1000, "end_index": 1100, "type": "RECOVERY"}])
    assert [i.label for i in merged.icu_intervals or []] == ["Effort 1", "Effort 2", None]
    split = client.activities.split_interval(ride.id, 200)
    assert [(i.start_index, i.end_index) for i in split.icu_intervals or []][:2] == \
        [(60, 200), (200, 360)]
    one = client.activities.update_interval(ride.id, intervals[0].id, label="First half")
    assert (one.icu_intervals or [])[0].label == "First half"
    left = client.activities.delete_intervals(ride.id, [intervals[0].id])
    assert intervals[0].id not in [i.id for i in left.icu_intervals or []]
    stats = client.activities.interval_stats(ride.id, 60, 360)
    assert stats.average_watts == intervals[0].average_watts
    assert stats.type is None
    assert stored(sandbox, ride.id)["icu_intervals_edited"] is True
    assert len([e for e in events_of(sandbox, "ACTIVITY_ANALYZED")
                if e["activity"]["id"] == ride.id]) == 5
    with pytest.raises(Unprocessable, match="start_index"):
        client.activities.update_intervals(ride.id, [{"start_index": 5, "end_index": 10**7}])


# -- search and the rest ---------------------------------------------------------------------------


def test_search_by_name_and_by_exact_tag(client: Client) -> None:
    ids = seeded_ids(client, strava=False)
    client.activities.update(ids[0], name="Sunday HILLS with Anna", tags=["hills", "club"])
    client.activities.update(ids[1], name="hill repeats", tags=["hillsX"])
    by_name = client.activities.search("hills with")
    assert [r.id for r in by_name] == [ids[0]]
    assert [r.id for r in client.activities.search("#hills")] == [ids[0]]
    full = client.activities.search_full("HILL")
    assert {a.id for a in full} == {ids[0], ids[1]}
    assert all(isinstance(a, Activity) for a in full)
    assert {"hills", "club", "hillsX"} <= set(client.activities.tags())
    with pytest.raises(InvalidRequestError):
        client.activities.search("  ")


def test_comments(client: Client) -> None:
    activity_id = seeded_ids(client, strava=False)[0]
    sent = client.activities.send_message(activity_id, "Great pacing")
    later = client.activities.send_message(activity_id, "Rest tomorrow")
    assert [m.content for m in client.activities.messages(activity_id)] == \
        ["Great pacing", "Rest tomorrow"]
    assert [m.id for m in client.activities.messages(activity_id, since_id=sent.id)] == \
        [later.id]


def test_a_coach_edits_an_athletes_activity_and_a_stranger_cannot(sandbox: Sandbox) -> None:
    with sandbox.client(sandbox.coach_api_key) as coach:
        mine = coach.for_athlete(sandbox.athlete_id)
        activity_id = seeded_ids(mine, strava=False)[0]
        assert mine.activities.update(activity_id, name="Coach says hi").name == "Coach says hi"
    from intervals_icu.errors import PermissionDenied

    with sandbox.client(sandbox.api_key_for(sandbox.stranger_id)) as stranger, \
            pytest.raises(PermissionDenied):
        stranger.activities.update(activity_id, name="nope")


def test_bad_ids_are_refused_before_sending(client: Client) -> None:
    for bad in ("", "a/b", "a,b"):
        with pytest.raises(InvalidRequestError, match="not an activity id"):
            client.activities.get(bad)

