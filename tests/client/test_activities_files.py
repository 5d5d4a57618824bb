"""Activity files through the client: original, generated FIT and GPX, the bulk zip; streamed
to a path or a file object, with memory that does not grow with the file."""

from __future__ import annotations

import base64
import gzip
import io
import random
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from datetime import timedelta
from pathlib import Path

import fitdecode
import pytest

from intervals_icu import AsyncClient, Client, Unprocessable
from intervals_icu.models import Activity
from intervals_icu.sandbox import Sandbox
from tests.client.test_activities import START, first_ride, gpx_bytes, seeded_ids


def fit_records(data: bytes) -> list[dict[str, object]]:
    records = []
    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                records.append({f.name: f.value for f in frame.fields})
    return records


def indoor_activity(client: Client) -> str:
    for activity in client.activities.list("2000-01-01"):
        if isinstance(activity, Activity) and activity.stream_types \
                and "latlng" not in activity.stream_types:
            return str(activity.id)
    raise AssertionError("the seeded history has no activity without GPS")


def test_the_original_is_what_was_uploaded_gzipped(client: Client, tmp_path: Path) -> None:
    ride = gpx_bytes(START)
    activity_id = client.activities.upload(ride, filename="canal.gpx").activity_ids[0]
    to_dir = client.activities.download_file(activity_id, tmp_path)
    assert to_dir.path == tmp_path / "canal.gpx.gz"
    assert to_dir.filename == "canal.gpx.gz"
    assert gzip.decompress(to_dir.path.read_bytes()) == ride
    sink = io.BytesIO()
    to_object = client.activities.download_file(activity_id, sink)
    assert to_object.path is None
    assert to_object.bytes_written == len(sink.getvalue())
    assert gzip.decompress(sink.getvalue()) == ride
    assert not list(tmp_path.glob("*.part"))  # the temporary file was renamed into place


def test_generated_fit_has_a_record_per_sample_and_honours_hr_false(client: Client,
                                                                    tmp_path: Path) -> None:
    ride = first_ride(client)
    assert ride.id is not None
    done = client.activities.download_fit(ride.id, tmp_path / "ride.fit")
    assert done.path is not None
    records = fit_records(done.path.read_bytes())
    samples = client.activities.streams(ride.id, types=["time", "heartrate"])
    time = next(s.data for s in samples if s.type == "time")
    assert len(records) == len(time)
    assert any(r.get("heart_rate") for r in records)
    without_hr = io.BytesIO()
    client.activities.download_fit(ride.id, without_hr, hr=False)
    assert not any(r.get("heart_rate") for r in fit_records(without_hr.getvalue()))
    original = io.BytesIO()
    client.activities.download_file(ride.id, original)  # a device sync: the generated FIT
    assert gzip.decompress(original.getvalue())[8:12] == b".FIT"


def test_gpx_for_an_activity_with_gps_and_a_clear_refusal_without(client: Client) -> None:
    ride = first_ride(client)
    assert ride.id is not None
    sink = io.BytesIO()
    client.activities.download_gpx(ride.id, sink)
    root = ET.fromstring(sink.getvalue())
    points = root.findall(".//{http://www.topografix.com/GPX/1/1}trkpt")
    latlng = client.activities.streams(ride.id, types=["latlng"])[0]
    assert len(points) == sum(1 for lat in latlng.data if lat is not None)
    with pytest.raises(Unprocessable, match="no GPS"):
        client.activities.download_gpx(indoor_activity(client), io.BytesIO())


def test_download_fit_files_zips_every_sport_and_skips_strava(client: Client,
                                                              tmp_path: Path) -> None:
    ids = [i for i in seeded_ids(client, strava=False)[:4]]
    stub = seeded_ids(client, strava=True)[0]
    done = client.activities.download_fit_files([*ids, stub], tmp_path)
    assert done.path == tmp_path / "activities.zip"
    with zipfile.ZipFile(done.path) as archive:
        assert sorted(archive.namelist()) == sorted(f"{i}.fit" for i in ids)
        for name in archive.namelist():
            assert archive.read(name)[8:12] == b".FIT"
    with pytest.raises(Unprocessable, match="No activities found"):
        client.activities.download_fit_files([stub], io.BytesIO())


async def test_async_downloads_stream_to_a_file_object(async_client: AsyncClient,
                                                       tmp_path: Path) -> None:
    ride = gpx_bytes(START + timedelta(days=9))
    result = await async_client.activities.upload(ride, filename="late.gpx")
    with (tmp_path / "late.gpx.gz").open("wb") as handle:
        done = await async_client.activities.download_file(result.activity_ids[0], handle)
    assert done.bytes_written == (tmp_path / "late.gpx.gz").stat().st_size
    assert gzip.decompress((tmp_path / "late.gpx.gz").read_bytes()) == ride


# -- bounded memory (a real socket: the in-process transport buffers whole bodies) -------------


@pytest.fixture
def big_original(live_sandbox: Sandbox) -> tuple[Client, str, int]:
    """An activity whose original file is ~16 MB of poorly compressible text."""
    noise = base64.b64encode(random.Random(5).randbytes(12_000_000)).decode()
    content = gpx_bytes(START + timedelta(days=30), 120, description=noise)
    client = live_sandbox.client()
    activity_id = client.activities.upload(content, filename="big.gpx").activity_ids[0]
    return client, activity_id, len(content)


def test_a_large_download_is_streamed_with_bounded_memory(big_original: tuple[Client, str, int],
                                                          tmp_path: Path) -> None:
    client, activity_id, size = big_original
    tracemalloc.start()
    try:
        to_path = client.activities.download_file(activity_id, tmp_path / "big.gpx.gz")
        _current, path_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with (tmp_path / "copy.gz").open("wb") as handle:
            to_file = client.activities.download_file(activity_id, handle)
        _current, file_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    assert to_path.bytes_written == to_file.bytes_written > size // 2
    assert len(gzip.decompress((tmp_path / "copy.gz").read_bytes())) == size
    # The body never sits in memory: peaks stay a small fraction of the file.
    assert path_peak < size / 10, (path_peak, size)
    assert file_peak < size / 10, (file_peak, size)
