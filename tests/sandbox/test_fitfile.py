"""Activity files: FIT written by a FIT library parses back (ours and fitdecode), GPX/TCX read,
archives unpacked, broken files refused with a clear error."""

from __future__ import annotations

import gzip
import io
import itertools
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import fitdecode
import pytest

from intervals_icu.sandbox.formats.activity_files import (
    parse_activity_file,
    write_fit,
    write_gpx,
    write_multisport_fit,
)
from intervals_icu.sandbox.platform.streams import ActivityRecipe, synthesize, to_lists
from intervals_icu.sandbox.platform.summary import summarize

START = "2025-05-04T07:30:00Z"


def _ride(seconds: int = 2400, **changes: Any) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    recipe = ActivityRecipe(**{
        "sport": "Ride", "seed": 17, "segments": ((600, 0.6), (seconds - 600, 0.8)),
        "ftp": 260, "threshold_speed": 4.0, "lthr": 165, "max_hr": 188, "resting_hr": 50,
        "weight": 72.0, "lat": 52.37, "lon": 4.90, "stops": 1, **changes})
    streams = to_lists(synthesize(recipe))
    activity = {"id": "i1", "type": recipe.sport, "name": "Test", "start_date": START,
                "start_date_local": "2025-05-04T09:30:00", "device_name": "Garmin Edge 530",
                **summarize(streams, sport=recipe.sport, sport_settings={"ftp": 260},
                            athlete={})}
    return activity, streams


def test_fit_round_trip_keeps_time_distance_heart_rate_and_power() -> None:
    activity, streams = _ride()
    parsed = parse_activity_file("ride.fit", write_fit(activity, streams))
    assert len(parsed) == 1
    back = parsed[0]
    assert back.sport == "Ride"
    assert back.start == datetime(2025, 5, 4, 7, 30, tzinfo=UTC)
    assert back.device_name == "Garmin Edge 530"
    assert back.streams["time"] == streams["time"]
    assert back.streams["heartrate"] == streams["heartrate"]
    assert back.streams["watts"] == streams["watts"]
    assert back.streams["distance"][-1] == pytest.approx(streams["distance"][-1], abs=0.05)
    assert back.streams["altitude"] == pytest.approx(streams["altitude"], abs=0.2)
    assert back.streams["latlng"][1000] == pytest.approx(streams["latlng"][1000], abs=1e-6)
    again = summarize(back.streams, sport="Ride", sport_settings={"ftp": 260}, athlete={})
    for key in ("elapsed_time", "average_heartrate", "icu_average_watts",
                "icu_weighted_avg_watts", "icu_training_load"):
        assert again[key] == activity[key], key
    assert abs(again["moving_time"] - activity["moving_time"]) <= 5


def test_fit_file_is_valid_for_an_independent_reader() -> None:
    activity, streams = _ride(1800)
    data = write_fit(activity, streams)
    records, sessions = [], []
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                continue
            if frame.name == "record":
                records.append(frame)
            elif frame.name == "session":
                sessions.append(frame)
    assert len(records) == 1800
    assert records[0].get_value("timestamp") == datetime(2025, 5, 4, 7, 30, tzinfo=UTC)
    assert records[-1].get_value("heart_rate") == streams["heartrate"][-1]
    assert records[-1].get_value("distance") == pytest.approx(streams["distance"][-1], abs=0.01)
    (session,) = sessions
    assert session.get_value("sport") == "cycling"
    assert session.get_value("total_elapsed_time") == pytest.approx(1800)
    assert session.get_value("total_distance") == pytest.approx(activity["distance"], abs=0.01)
    assert session.get_value("avg_heart_rate") == activity["average_heartrate"]


def test_a_multisport_file_gives_one_activity_per_session() -> None:
    ride, ride_streams = _ride(1800)
    run_recipe = ActivityRecipe(sport="Run", seed=3, segments=((1200, 0.8),), ftp=280,
                                threshold_speed=4.0, lthr=170, max_hr=190, resting_hr=50,
                                weight=70.0, lat=52.37, lon=4.90, has_power=False)
    run_streams = to_lists(synthesize(run_recipe))
    run = {"id": "i2", "type": "Run", "start_date": "2025-05-04T08:01:00Z",
           **summarize(run_streams, sport="Run", sport_settings=None, athlete={})}
    parsed = parse_activity_file("brick.fit", write_multisport_fit([(ride, ride_streams),
                                                                     (run, run_streams)]))
    assert [p.sport for p in parsed] == ["Ride", "Run"]
    assert parsed[1].start == datetime(2025, 5, 4, 8, 1, tzinfo=UTC)
    assert len(parsed[0].streams["time"]) == 1800
    assert len(parsed[1].streams["time"]) == 1200
    assert "watts" not in parsed[1].streams


def test_gpx_round_trip_and_gps_derived_distance() -> None:
    activity, streams = _ride(1800)
    gpx = write_gpx(activity, streams)
    assert gpx.startswith(b"<?xml")
    assert b"http://www.topografix.com/GPX/1/1" in gpx
    (back,) = parse_activity_file("ride.gpx", gpx)
    assert back.sport == "Ride"
    assert back.start == datetime(2025, 5, 4, 7, 30, tzinfo=UTC)
    assert back.streams["heartrate"] == streams["heartrate"]
    assert back.streams["cadence"] == streams["cadence"]
    # GPX has no distance: it comes from the positions, GPS wobble included.
    assert back.streams["distance"][-1] == pytest.approx(streams["distance"][-1], rel=0.05)


def test_gpx_needs_positions() -> None:
    activity, streams = _ride(600)
    del streams["latlng"]
    with pytest.raises(ValueError, match="no GPS"):
        write_gpx(activity, streams)


def _tcx(points: int, *, sport: str = "Running", pause_after: int | None = None) -> bytes:
    start = datetime(2025, 5, 1, 6, 0, tzinfo=UTC)
    rows = []
    offset = 0
    for i in range(points):
        if pause_after is not None and i == pause_after:
            offset += 120  # the watch was paused for two minutes
        moment = (start + timedelta(seconds=2 * i + offset)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            f"<Trackpoint><Time>{moment}</Time><Position><LatitudeDegrees>{52.0 + i * 1e-5}"
            f"</LatitudeDegrees><LongitudeDegrees>4.9</LongitudeDegrees></Position>"
            f"<AltitudeMeters>3.0</AltitudeMeters><DistanceMeters>{i * 6.0}</DistanceMeters>"
            f"<HeartRateBpm><Value>{130 + i % 10}</Value></HeartRateBpm><Cadence>85</Cadence>"
            f"</Trackpoint>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2"><Activities>'
        f'<Activity Sport="{sport}"><Id>{start.strftime("%Y-%m-%dT%H:%M:%SZ")}</Id>'
        f'<Lap StartTime="{start.strftime("%Y-%m-%dT%H:%M:%SZ")}"><Track>{"".join(rows)}'
        "</Track></Lap><Creator><Name>Forerunner 255</Name></Creator></Activity>"
        "</Activities></TrainingCenterDatabase>").encode()


def test_tcx_is_read_and_resampled_to_one_hertz() -> None:
    (parsed,) = parse_activity_file("run.tcx", _tcx(100, pause_after=50))
    assert parsed.sport == "Run"
    assert parsed.device_name == "Forerunner 255"
    assert parsed.start == datetime(2025, 5, 1, 6, 0, tzinfo=UTC)
    time = parsed.streams["time"]
    # 2-second samples filled to 1 Hz; the 2-minute pause stays a jump in time.
    assert time[:3] == [0, 1, 2]
    jumps = [b - a for a, b in itertools.pairwise(time) if b - a > 1]
    assert jumps == [122]
    assert parsed.streams["distance"][-1] == pytest.approx(99 * 6.0)
    assert parsed.streams["distance"][1] == pytest.approx(3.0)
    assert all(130 <= hr <= 139 for hr in parsed.streams["heartrate"])
    summary = summarize(parsed.streams, sport="Run", sport_settings=None, athlete={})
    assert summary["elapsed_time"] == 99 * 2 + 120 + 1
    assert summary["moving_time"] == len(time)


def test_zip_with_several_files_and_gz_are_unpacked() -> None:
    activity, streams = _ride(900)
    fit = write_fit(activity, streams)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/ride.fit", fit)
        archive.writestr("b/run.tcx.gz", gzip.compress(_tcx(30)))
        archive.writestr("notes.txt", "not an activity")
        archive.writestr("__MACOSX/a/._ride.fit", b"junk")
    parsed = parse_activity_file("export.zip", buffer.getvalue())
    assert [p.sport for p in parsed] == ["Ride", "Run"]
    (alone,) = parse_activity_file("ride.fit.gz", gzip.compress(fit))
    assert alone.streams["watts"] == streams["watts"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("ride.fit", b"this is not a fit file at all", "not a FIT file"),
    ("ride.gpx", b"<gpx><trk><trkseg></trkseg></trk>", "well-formed"),
    ("ride.gpx", b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "x">]><gpx/>', "DOCTYPE"),
    ("ride.tcx", b"<TrainingCenterDatabase/>", "no Activity"),
    ("ride.zip", b"PK\x03\x04 broken", "zip"),
    ("ride.gz", b"\x1f\x8b broken", "gzip"),
    ("ride.doc", b"hello", "not a supported activity file"),
])
def test_unreadable_files_raise_a_clear_value_error(name: str, content: bytes,
                                                    message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_activity_file(name, content)


def test_a_corrupted_fit_file_is_refused() -> None:
    activity, streams = _ride(600)
    data = bytearray(write_fit(activity, streams))
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(ValueError, match="CRC"):
        parse_activity_file("ride.fit", bytes(data))
    with pytest.raises(ValueError, match="truncated"):
        parse_activity_file("ride.fit", bytes(data[: len(data) // 2]))


def test_an_empty_zip_holds_no_activity() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    with pytest.raises(ValueError, match="holds no activity"):
        parse_activity_file("empty.zip", buffer.getvalue())
