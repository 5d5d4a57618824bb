"""The workout library through the client: folders, plans, workouts, files, plans on the
calendar."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from intervals_icu import AsyncClient, Client, InvalidRequestError, NotFound
from intervals_icu.sandbox import Sandbox

WORKOUT_TEXT = "- 10m 60%\n\n4x\n- 8m 110%\n- 8m 50%"
ZWO = b"""<workout_file>
  <name>Sweet spot</name>
  <sportType>bike</sportType>
  <workout>
    <Warmup Duration="600" PowerLow="0.5" PowerHigh="0.75"/>
    <IntervalsT Repeat="3" OnDuration="720" OffDuration="240" OnPower="0.9" OffPower="0.55"/>
    <Cooldown Duration="300" PowerLow="0.6" PowerHigh="0.4"/>
  </workout>
</workout_file>"""
MRC = b"""[COURSE HEADER]
VERSION = 2
UNITS = ENGLISH
FILE NAME = Steady
MINUTES PERCENT
[END COURSE HEADER]
[COURSE DATA]
0.00\t65
20.00\t65
20.00\t88
40.00\t88
[END COURSE DATA]
"""


def test_folders_and_workouts_crud(client: Client) -> None:
    folder = client.library.create_folder(name="Base", description="winter")
    assert folder.id is not None
    assert folder.type == "FOLDER"
    workout = client.library.create_workout(folder_id=folder.id, name="4x8", type="Ride",
                                            description=WORKOUT_TEXT, tags=["vo2"])
    assert workout.moving_time == 600 + 4 * 960
    assert workout.workout_doc
    [listed] = [f for f in client.library.folders() if f.id == folder.id]
    assert listed.num_workouts == 1
    assert [w.name for w in listed.children or []] == ["4x8"]

    renamed = client.library.update_workout(workout.id or 0, name="4x8 VO2")
    assert (renamed.name, renamed.moving_time, renamed.tags) == ("4x8 VO2", workout.moving_time,
                                                                ["vo2"])
    assert client.library.get_workout(workout.id or 0).name == "4x8 VO2"
    assert "vo2" in client.library.tags()
    assert client.library.update_folder(folder.id, name="Base 1").name == "Base 1"

    client.library.delete_folder(folder.id)
    with pytest.raises(NotFound):
        client.library.get_workout(workout.id or 0)  # deleting a folder deletes its workouts


def test_a_workout_needs_a_folder(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="folder_id"):
        client.library.create_workout(name="nowhere", description=WORKOUT_TEXT)
    with pytest.raises(NotFound):
        client.library.create_workout(folder_id=424242, name="missing folder")


async def test_async_bulk_create_duplicate_and_delete_others(async_client: AsyncClient) -> None:
    plan = await async_client.library.create_folder(name="Plan", type="PLAN")
    made = await async_client.library.create_workouts([
        {"folder_id": plan.id, "name": "Mon", "day": 0, "type": "Ride",
         "description": "- 1h Z2"},
        {"folder_id": plan.id, "name": "Wed", "day": 2, "type": "Ride",
         "description": WORKOUT_TEXT},
    ])
    assert [w.day for w in made] == [0, 2]
    copies = await async_client.library.duplicate_workouts([w.id or 0 for w in made], copies=2,
                                                           weeks_between=1)
    assert sorted(c.day or 0 for c in copies) == [7, 9, 14, 16]
    deleted = await async_client.library.delete_workout(copies[0].id or 0, others=True)
    assert sorted(deleted) == sorted(c.id for c in copies)
    left = await async_client.library.workouts()
    assert {w.id for w in left if w.folder_id == plan.id} == {w.id for w in made}


def test_plan_workouts_can_be_hidden_by_day_range(client: Client) -> None:
    plan = client.library.create_folder(name="Plan", type="PLAN")
    client.library.create_workouts([{"folder_id": plan.id, "name": f"d{d}", "day": d}
                                    for d in (0, 3, 8)])
    hidden = client.library.update_plan_workouts(plan.id or 0, oldest_day=0, newest_day=5,
                                                 hide_from_athlete=True)
    assert sorted(w.name or "" for w in hidden) == ["d0", "d3"]
    flags = {w.name: w.hide_from_athlete for w in client.library.workouts()
             if w.folder_id == plan.id}
    assert flags == {"d0": True, "d3": True, "d8": None}


def test_sharing_a_folder(client: Client, sandbox: Sandbox) -> None:
    folder = client.library.create_folder(name="Shared")
    other = sandbox.athlete_ids[1]
    shared = client.library.update_shared_with(folder.id or 0, [other])
    assert [s.id for s in shared] == [other]
    assert shared[0].name
    assert [s.id for s in client.library.shared_with(folder.id or 0)] == [other]
    assert client.library.update_shared_with(folder.id or 0, []) == []


def test_import_workout_files(client: Client, tmp_path: Path) -> None:
    folder = client.library.create_folder(name="Imported")
    zwo = client.library.import_workout(folder.id or 0, ZWO, sport="Ride", filename="ss.zwo")
    assert zwo.name == "Sweet spot"
    assert zwo.type == "Ride"
    assert zwo.moving_time == 600 + 3 * (720 + 240) + 300
    assert "3x" in (zwo.description or "")
    path = tmp_path / "steady.mrc"
    path.write_bytes(MRC)
    mrc = client.library.import_workout(folder.id or 0, path, sport="VirtualRide")
    assert (mrc.name, mrc.moving_time) == ("Steady", 2400)
    with pytest.raises(InvalidRequestError, match=r"\.zwo"):
        client.library.import_workout(folder.id or 0, b"data", sport="Ride")


def test_fit_round_trip_through_download_and_import(client: Client) -> None:
    event = client.events.create(category="WORKOUT", start_date_local="2032-07-01T00:00:00",
                                 type="Ride", name="FIT me", description=WORKOUT_TEXT)
    buffer = io.BytesIO()
    client.events.download_workout(event.id or 0, buffer, ext=".fit")
    folder = client.library.create_folder(name="From FIT")
    imported = client.library.import_workout(folder.id or 0, buffer.getvalue(), sport="Ride",
                                             filename="fit_me.fit")
    assert imported.moving_time == event.moving_time
    steps = (imported.workout_doc or {})["steps"]
    assert steps[1]["reps"] == 4


def test_convert_a_workout_to_files(client: Client, tmp_path: Path) -> None:
    set_ride_ftp(client, 250)
    folder = client.library.create_folder(name="Convert")
    workout = client.library.create_workout(folder_id=folder.id, name="Threshold", type="Ride",
                                            description="- 20m 100%")
    erg = client.library.download_workout(workout, tmp_path / "t.erg", ext="erg")
    text = (tmp_path / "t.erg").read_text()
    assert erg.bytes_written == len(text.encode())
    assert "MINUTES WATTS" in text
    assert "0.00\t250" in text  # 100% of the athlete's FTP, in watts
    mine = client.library.download_workout_for_caller(
        {"name": "d", "workout_doc": workout.workout_doc}, tmp_path, ext=".zwo")
    assert mine.path is not None
    assert mine.path.read_bytes().startswith(b"<workout_file>")
    with pytest.raises(InvalidRequestError, match="workout_doc"):
        client.library.download_workout({"name": "no doc"}, tmp_path)


def set_ride_ftp(client: Client, ftp: int) -> None:
    if any("Ride" in (s.types or []) for s in client.sport_settings.list()):
        client.sport_settings.update("Ride", ftp=ftp)
    else:
        client.sport_settings.create(types=["Ride"], ftp=ftp)


def test_apply_a_plan_to_the_calendar_and_then_its_changes(client: Client) -> None:
    plan = client.library.create_folder(name="Build", type="PLAN")
    monday = client.library.create_workout(folder_id=plan.id, name="Mon", day=0, type="Ride",
                                           description="- 1h Z2")
    client.library.create_workout(folder_id=plan.id, name="Thu", day=3, type="Ride",
                                  description=WORKOUT_TEXT)
    client.events.apply_plan(folder_id=plan.id, start_date_local="2032-09-06")
    events = client.events.list("2032-09-06", "2032-09-12")
    assert [(e.name, e.start_date_local[:10] if e.start_date_local else None,
             e.plan_folder_id) for e in events] == [
        ("Mon", "2032-09-06", plan.id), ("Thu", "2032-09-09", plan.id)]

    client.athletes.update_training_plan(training_plan_id=plan.id,
                                         training_plan_start_date="2032-09-06")
    client.library.update_workout(monday.id or 0, name="Mon (long)", description="- 2h Z2")
    client.library.apply_plan_changes()
    changed = {e.plan_workout_id: e for e in client.events.list("2032-09-06", "2032-09-12")}
    assert changed[monday.id].name == "Mon (long)"
    assert changed[monday.id].moving_time == 7200

    # deleting one applied event with others=True removes the whole application
    client.events.delete(events[0].id or 0, others=True)
    assert client.events.list("2032-09-06", "2032-09-12") == []
