"""icu activities and icu events end to end against a live sandbox: tables, JSON/CSV,
journaled writes with dry runs and undo, resumable downloads, idempotent imports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu
from tests.clock import machine_timezone


def _activities(icu: Icu, span: str = "60d") -> list[dict[str, Any]]:
    run = icu("activities", "list", span, "--json")
    assert run.exit_code == 0, run.stderr
    return run.json()


def _editable(icu: Icu) -> dict[str, Any]:
    return next(a for a in _activities(icu) if a.get("source") != "STRAVA" and a.get("name"))


def test_list_formats_agree(icu: Icu, live: Sandbox) -> None:
    listed = _activities(icu)
    assert listed, "the sandbox athlete has recent activities"
    dates = [a["start_date_local"] for a in listed]
    assert dates == sorted(dates, reverse=True)  # newest first
    csv_lines = icu("activities", "list", "60d", "--csv").stdout.splitlines()
    assert csv_lines[0].startswith("id,date,type,name")
    assert [line.split(",")[0] for line in csv_lines[1:]] == [a["id"] for a in listed]
    table = icu("activities", "list", "60d")
    assert listed[0]["id"] in table.stdout
    runs = icu("activities", "list", "60d", "--type", "Run", "--json").json()
    assert all(a["type"] == "Run" for a in runs)


def test_show_one_and_a_missing_one(icu: Icu, live: Sandbox) -> None:
    first = _editable(icu)
    shown = icu("activities", "show", first["id"], "--json")
    assert shown.json()["id"] == first["id"]
    missing = icu("activities", "show", "i999999999")
    assert missing.exit_code == 4
    assert "404" in missing.stderr


def test_update_is_previewed_journaled_and_undone(icu: Icu, live: Sandbox) -> None:
    activity = _editable(icu)
    preview = icu("activities", "update", activity["id"], "--set", "name=Renamed by test",
                  "--dry-run", "--json")
    assert preview.exit_code == 0
    [change] = preview.json()["changes"]
    assert change["before"] == {"name": activity["name"]}
    assert change["after"] == {"name": "Renamed by test"}
    assert icu("activities", "show", activity["id"], "--json").json()["name"] == activity["name"]

    done = icu("activities", "update", activity["id"], "--set", "name=Renamed by test",
               "--json")
    assert done.exit_code == 0, done.stderr
    assert icu("activities", "show", activity["id"], "--json").json()["name"] == \
        "Renamed by test"
    undo = icu("undo", str(done.json()["batch"]), "--json")
    assert undo.exit_code == 0, undo.stderr
    assert icu("activities", "show", activity["id"], "--json").json()["name"] == activity["name"]


def test_update_refuses_unknown_fields(icu: Icu, live: Sandbox) -> None:
    activity = _editable(icu)
    run = icu("activities", "update", activity["id"], "--set", "nmae=x")
    assert run.exit_code == 2
    assert "name" in run.stderr


def test_download_is_parallel_and_resumable(icu: Icu, live: Sandbox, tmp_path: Path) -> None:
    dest = tmp_path / "files"
    # chosen by property: rides or runs recorded with streams that have intervals
    with_intervals = [a for a in _activities(icu, "60d")
                      if a.get("source") != "STRAVA" and a.get("type") in {"Ride", "Run"}
                      and a.get("stream_types") and a.get("interval_summary")][:3]
    assert len(with_intervals) == 3, "the seeded athlete has rides or runs with intervals"
    ids = [a["id"] for a in with_intervals]
    first = icu("activities", "download", *ids, "--what", "streams,intervals",
                "--dest", str(dest), "--workers", "3", "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json()["saved"] == 2 * len(ids)
    for activity_id in ids:
        streams = (dest / f"{activity_id}.streams.csv").read_text()
        assert streams.splitlines()[0].startswith("time")
        assert (dest / f"{activity_id}.intervals.csv").exists()

    (dest / f"{ids[0]}.streams.csv").unlink()  # as if the first run was interrupted
    again = icu("activities", "download", *ids, "--what", "streams,intervals",
                "--dest", str(dest), "--json")
    assert again.json()["saved"] == 1
    assert again.json()["kept"] == 2 * len(ids) - 1


def test_download_files_of_every_kind(icu: Icu, live: Sandbox, tmp_path: Path) -> None:
    import gzip

    import fitdecode

    dest = tmp_path / "files"
    outdoor = next(a for a in _activities(icu, "30d")
                   if a.get("source") not in {"STRAVA", "MANUAL"} and a.get("type") in
                   {"Ride", "Run"} and not a.get("trainer"))
    run = icu("activities", "download", outdoor["id"], "--what", "original,fit,gpx",
              "--dest", str(dest), "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["saved"] == 3
    [original] = list(dest.glob(f"{outdoor['id']}.original.*"))
    raw = original.read_bytes()
    if original.name.endswith(".gz"):
        raw = gzip.decompress(raw)
    with fitdecode.FitReader((dest / f"{outdoor['id']}.fit").read_bytes()) as fit:
        assert any(isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record"
                   for frame in fit)
    assert b"<gpx" in (dest / f"{outdoor['id']}.gpx").read_bytes()[:500]
    assert raw


def test_download_needs_something_to_download(icu: Icu, live: Sandbox) -> None:
    assert icu("activities", "download").exit_code == 2
    assert icu("activities", "download", "i1", "--what", "laps").exit_code == 2


PLAN_CSV = """date,category,type,name,description
2030-06-01,WORKOUT,Ride,Endurance,- 60m 65%
2030-06-02,WORKOUT,Run,Tempo,- 20m 85%
2030-06-03,NOTE,,Rest day,
"""


def _events(icu: Icu, span: str) -> list[dict[str, Any]]:
    run = icu("events", "list", span, "--json")
    assert run.exit_code == 0, run.stderr
    return run.json()


def test_import_is_idempotent_and_undoable(icu: Icu, live: Sandbox, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(PLAN_CSV)
    span = "2030-06-01..2030-06-03"
    assert _events(icu, span) == []

    preview = icu("events", "import", str(plan), "--dry-run", "--json")
    assert [c["action"] for c in preview.json()["changes"]] == ["create"] * 3
    assert _events(icu, span) == []

    first = icu("events", "import", str(plan), "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json() == {"batch": first.json()["batch"], "created": 3, "updated": 0}
    created = _events(icu, span)
    assert sorted(e["name"] for e in created) == ["Endurance", "Rest day", "Tempo"]
    assert all(e["external_id"].startswith("icu-import-") for e in created)

    again = icu("events", "import", str(plan), "--json")
    assert again.json()["batch"] is None  # nothing to change
    assert len(_events(icu, span)) == 3

    plan.write_text(PLAN_CSV.replace("Tempo,- 20m 85%", "Tempo,- 30m 85%"))
    changed = icu("events", "import", str(plan), "--json")
    assert changed.json()["updated"] == 1
    assert changed.json()["created"] == 0
    assert len(_events(icu, span)) == 3

    assert icu("undo", str(changed.json()["batch"]), "--json").exit_code == 0
    tempo = next(e for e in _events(icu, span) if e["name"] == "Tempo")
    assert tempo["description"].strip() == "- 20m 85%"
    assert icu("undo", str(first.json()["batch"]), "--json").exit_code == 0
    assert _events(icu, span) == []


def test_import_json_file_with_own_external_ids(icu: Icu, live: Sandbox,
                                                tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"start_date_local": "2030-07-01", "category": "WORKOUT",
                                 "type": "Ride", "name": "Sweet spot",
                                 "description": "- 3x10m 90%", "external_id": "coach-42"}]))
    assert icu("events", "import", str(plan)).exit_code == 0
    [event] = _events(icu, "2030-07-01")
    assert event["external_id"] == "coach-42"
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "no date"}]')
    run = icu("events", "import", str(bad))
    assert run.exit_code == 2
    assert "start_date_local" in run.stderr


def test_delete_and_undo_recreates(icu: Icu, live: Sandbox) -> None:
    created = icu("events", "create", "--date", "2030-08-01", "--name", "Race day",
                  "--category", "RACE_A", "--type", "Run", "--json")
    assert created.exit_code == 0, created.stderr
    event_id = created.json()["event"]["id"]
    preview = icu("events", "delete", str(event_id), "--dry-run", "--json")
    assert preview.json()["changes"][0]["action"] == "delete"
    assert len(_events(icu, "2030-08-01")) == 1

    deleted = icu("events", "delete", str(event_id), "--json")
    assert deleted.json()["deleted"] == 1
    assert _events(icu, "2030-08-01") == []
    assert icu("undo", str(deleted.json()["batch"]), "--json").exit_code == 0
    [back] = _events(icu, "2030-08-01")
    assert (back["name"], back["category"], back["type"]) == ("Race day", "RACE_A", "Run")


def test_delete_a_range_asks_above_20(icu: Icu, live: Sandbox, tmp_path: Path) -> None:
    rows = "\n".join(f"2031-01-{d:02d},NOTE,,Note {d}," for d in range(1, 25))
    plan = tmp_path / "notes.csv"
    plan.write_text("date,category,type,name,description\n" + rows + "\n")
    assert icu("events", "import", str(plan), "--yes").exit_code == 0
    declined = icu("events", "delete", "--range", "2031-01", "--category", "NOTE", input="n\n")
    assert declined.exit_code == 9
    assert len(_events(icu, "2031-01")) == 24
    done = icu("events", "delete", "--range", "2031-01", "--category", "NOTE", "--yes")
    assert done.exit_code == 0
    assert _events(icu, "2031-01") == []


@pytest.mark.parametrize("args", [["events", "delete"], ["events", "list", "2030-13"]])
def test_bad_input_exits_2(icu: Icu, live: Sandbox, args: list[str]) -> None:
    assert icu(*args).exit_code == 2


def test_undo_says_what_it_cannot_restore(icu: Icu, live: Sandbox) -> None:
    activity = _editable(icu)
    deleted = icu("api", "deleteActivity", "-p", f"id={activity['id']}")
    assert deleted.exit_code == 0, deleted.stderr
    run = icu("undo", "last")
    assert run.exit_code == 8
    assert "cannot be restored" in run.stderr
    assert "deleted activity" in run.stderr


def test_a_failed_download_says_what_to_do_at_the_shell_and_exits_7(
        icu: Icu, live: Sandbox, tmp_path: Path) -> None:
    activity = _editable(icu)
    live.faults(route="GET /api/v1/activity/*/streams*", error_rate=1.0, error_status=503)
    run = icu("activities", "download", activity["id"], "--what", "streams", "--dest",
              str(tmp_path), "--json")
    assert run.exit_code == 7
    [failed] = [f for f in run.json()["files"] if f["status"] == "failed"]
    assert failed["reason"].startswith("503")
    assert "Error:" not in failed["reason"]  # no Python class names
    assert "Client(" not in failed["reason"]


def test_create_on_today_is_the_athletes_today_not_this_machines(
        icu: Icu, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 20:30 UTC on 10 June it is already 11 June in Auckland: an athlete there who
    adds a note for `today` gets it on the 11th, whatever this machine's date says."""
    from datetime import UTC, date, datetime

    import time_machine

    with Sandbox(seed=3, athletes=1, years=0, history=False) as sb:
        sb.start()
        monkeypatch.setenv("INTERVALS_BASE_URL", sb.base_url)
        monkeypatch.setenv("INTERVALS_API_KEY", sb.api_key)
        with sb.client() as client:
            client.athletes.update(timezone="Pacific/Auckland")
        evening = datetime(2026, 6, 10, 20, 30, tzinfo=UTC)
        with machine_timezone("UTC"), time_machine.travel(evening, tick=True):
            assert date.today() == date(2026, 6, 10)  # the machine's day
            dry = icu("events", "create", "--date", "today", "--name", "Rest day",
                      "--category", "NOTE", "--dry-run", "--json")
            assert dry.exit_code == 0, dry.stderr
            assert dry.json()["changes"][0]["record"] == "event on 2026-06-11"
            run = icu("events", "create", "--date", "today", "--name", "Rest day",
                      "--category", "NOTE", "--json")
            assert run.exit_code == 0, run.stderr
            assert run.json()["event"]["start_date_local"].startswith("2026-06-11")
            yesterday = icu("events", "create", "--date", "yesterday", "--name", "Easy",
                            "--category", "NOTE", "--json")
            assert yesterday.json()["event"]["start_date_local"].startswith("2026-06-10")
