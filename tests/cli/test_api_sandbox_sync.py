"""icu api, icu sandbox, icu sync, icu export, icu webhooks and icu demo, end to end."""

from __future__ import annotations

import csv
import io
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu
from tests.clock import CHILD_ICU, child_env

ICU = [sys.executable, "-c", CHILD_ICU]


# -- icu api ------------------------------------------------------------------------------------

def test_api_reads_any_operation(icu: Icu, live: Sandbox) -> None:
    run = icu("api", "getAthleteProfile")
    assert run.exit_code == 0, run.stderr
    assert run.json()["athlete"]["id"] == live.athlete_id
    listed = icu("api", "listWellnessRecords", "-p", "ext=.json", "-p", "oldest=2020-01-01",
                 "-p", "newest=2020-01-02")
    assert listed.exit_code == 0, listed.stderr
    assert listed.json() == []


def test_api_suggests_close_operation_names(icu: Icu, live: Sandbox) -> None:
    run = icu("api", "getAthleteProfil")
    assert run.exit_code == 2
    assert "getAthleteProfile" in run.stderr
    unknown = icu("api", "getAthleteProfile", "-p", "colour=red")
    assert unknown.exit_code == 2
    assert "colour" in unknown.stderr


def test_api_lists_operations(icu: Icu) -> None:
    run = icu("api", "wellness", "--list", "--json")
    assert run.exit_code == 0
    assert "updateWellness" in {op["operation"] for op in run.json()}


def test_api_writes_are_journaled_and_undoable(icu: Icu, live: Sandbox) -> None:
    body = json.dumps({"weight": 66.6})
    preview = icu("api", "updateWellness", "-p", "date=2020-02-02", "--body", body,
                  "--dry-run", "--json")
    assert preview.json()["dry_run"] is True
    assert icu("api", "getRecord", "-p", "date=2020-02-02").json().get("weight") is None

    run = icu("api", "updateWellness", "-p", "date=2020-02-02", "--body", body)
    assert run.exit_code == 0, run.stderr
    assert run.json()["weight"] == 66.6
    assert "journal batch" in run.stderr
    assert icu("undo", "last", "--json").exit_code == 0
    assert icu("api", "getRecord", "-p", "date=2020-02-02").json().get("weight") is None


# -- icu sandbox --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_line(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        text += line
        if text.strip().endswith("}"):
            try:
                json.loads(text)
                return text
            except ValueError:
                continue
    raise AssertionError(f"no JSON from the process: {text!r}")


def test_sandbox_command_serves_and_prints_credentials(home: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*ICU, "sandbox", "--port", str(port), "--seed", "5", "--athletes", "1", "--years",
         "0.1", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=child_env())
    try:
        info = json.loads(_wait_for_line(process))
        assert info["base_url"] == f"http://127.0.0.1:{port}"
        assert info["dashboard"] == f"http://127.0.0.1:{port}/sandbox/"
        page = httpx.get(info["dashboard"], timeout=30)
        assert page.status_code == 200
        assert "dashboard.js" in page.text
        assert info["env"]["INTERVALS_API_KEY"] == info["api_key"]
        env = child_env({**os.environ, **info["env"]})
        whoami = subprocess.run([*ICU, "whoami", "--json"], env=env, capture_output=True,
                                text=True, timeout=60, check=False)
        assert whoami.returncode == 0, whoami.stderr
        assert json.loads(whoami.stdout)["id"] == info["athlete_id"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_sandbox_command_prints_the_dashboard_address(home: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*ICU, "sandbox", "--port", str(port), "--seed", "5", "--athletes", "1", "--years",
         "0.1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=child_env({**os.environ, "COLUMNS": "80"}))
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or []],
                     daemon=True).start()
    try:
        printed = ""
        while "INTERVALS_ATHLETE_ID" not in printed:
            printed += lines.get(timeout=60)
        [line] = [line for line in printed.splitlines() if "dashboard" in line]
        # the whole address on one line, never cut (the panel is as wide as its content)
        assert f"http://127.0.0.1:{port}/sandbox/" in line
        assert httpx.get(f"http://127.0.0.1:{port}/sandbox/", timeout=30).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


# -- icu sync and icu export --------------------------------------------------------------------

def test_sync_then_export_and_incremental_sync_finds_an_edit(
    icu: Icu, live: Sandbox, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'mirror.db'}"
    first = icu("sync", "--db", db, "--json")
    assert first.exit_code == 0, first.stderr
    report = first.json()
    assert report["status"] == "ok"
    [athlete] = report["athletes"]
    assert athlete["athlete_id"] == live.athlete_id
    assert athlete["kinds"]["activities"]["created"] > 0
    assert "password" not in report["database"]

    exported = icu("export", "activities", "--db", db)
    assert exported.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == athlete["kinds"]["activities"]["created"]

    with live.client() as client:
        day = (client.today() - timedelta(days=2)).isoformat()
        client.wellness.update(day, weight=88.8)
    second = icu("sync", "--db", db, "--json").json()
    wellness = second["athletes"][0]["kinds"]["wellness"]
    assert wellness["updated"] >= 1
    assert second["requests"] < report["requests"]
    wellness_csv = icu("export", "wellness", "--db", db, "--since", day).stdout
    first_row = next(csv.DictReader(io.StringIO(wellness_csv)))
    assert float(first_row["weight"]) == 88.8


def test_export_parquet_and_streams(icu: Icu, home: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    db = f"sqlite:///{tmp_path / 'mirror.db'}"
    with Sandbox(seed=21, athletes=1, years=0.04) as small:  # two weeks: streams stay quick
        monkeypatch.setenv("INTERVALS_BASE_URL", small.base_url)
        monkeypatch.setenv("INTERVALS_API_KEY", small.api_key)
        files = tmp_path / "originals"
        synced = icu("sync", "--db", db, "--streams", "--files", str(files), "--json")
        assert synced.exit_code == 0, synced.stderr
        assert synced.json()["athletes"][0]["kinds"]["files"]["created"] > 0
        assert any(p.is_file() for p in files.rglob("*"))
        with small.client() as client:
            activity = next(a for a in client.activities.list(client.today() - timedelta(14))
                            if getattr(a, "type", None) in {"Ride", "Run"})
    target = tmp_path / "wellness.parquet"
    run = icu("export", "wellness", "--db", db, "--format", "parquet", "-o", str(target))
    assert run.exit_code == 0, run.stderr
    assert pq.read_table(target).num_rows > 0
    samples = icu("export", "streams", "--db", db, "--activity", activity.id).stdout
    header = samples.splitlines()[0].split(",")
    assert header[:4] == ["athlete_id", "activity_id", "sample", "time"]
    assert len(samples.splitlines()) > 100
    assert {line.split(",")[1] for line in samples.splitlines()[1:]} == {activity.id}
    assert icu("export", "streams", "--db", db).exit_code == 2
    missing = icu("export", "streams", "--db", db, "--activity", "i999999999")
    assert missing.exit_code == 4
    assert "not in the mirror" in missing.stderr
    assert not missing.stdout


def test_export_streams_of_an_activity_not_synced_with_streams_says_so(
    icu: Icu, live: Sandbox, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'mirror.db'}"
    assert icu("sync", "--db", db, "--json").exit_code == 0
    with live.client() as client:
        activity = next(a for a in client.activities.list(client.today() - timedelta(14))
                        if not a.is_strava_stub)
    run = icu("export", "streams", "--db", db, "--activity", activity.id)
    assert run.exit_code == 4
    assert "icu sync --streams" in run.stderr
    assert not run.stdout, "no header-only file"


def test_sync_refuses_athlete_and_roster_together(icu: Icu, live: Sandbox) -> None:
    assert icu("sync", "--athlete", live.athlete_id, "--roster").exit_code == 2


# -- icu webhooks -------------------------------------------------------------------------------

def test_webhooks_serve_stores_applies_and_replays(icu: Icu, live: Sandbox,
                                                   tmp_path: Path) -> None:
    port = _free_port()
    db = f"sqlite:///{tmp_path / 'hooks.db'}"
    secret = "whsec-test-123"
    env = child_env({**os.environ, "INTERVALS_WEBHOOK_SECRET": secret})
    server = subprocess.Popen(
        [*ICU, "webhooks", "serve", "--port", str(port), "--db", db], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the receiver did not start"
                time.sleep(0.1)
        app = live.register_app("CLI hooks", ["http://localhost/cb"],
                                webhook_url=f"http://127.0.0.1:{port}/", webhook_secret=secret,
                                webhook_types=["WELLNESS_UPDATED"])
        live.oauth_token(live.athlete_id, "WELLNESS:WRITE", client_id=app.client_id)
        with live.client() as client:
            day = client.today() - timedelta(days=1)
            client.wellness.update(day, weight=77.7)
        assert live.wait_for_webhooks(10)

        def inspect() -> dict[str, Any]:
            run = icu("webhooks", "inspect", "--db", db, "--json")
            assert run.exit_code == 0, run.stderr
            return run.json()  # type: ignore[no-any-return]

        deadline = time.monotonic() + 20
        while inspect()["stats"].get("done", 0) < 1:
            assert time.monotonic() < deadline, inspect()
            time.sleep(0.2)
        [entry] = inspect()["entries"]
        assert entry["type"] == "WELLNESS_UPDATED"
        shown = icu("webhooks", "inspect", str(entry["id"]), "--db", db, "--json").json()
        assert shown["payload"]["type"] == "WELLNESS_UPDATED"
        assert secret not in json.dumps(shown)  # the envelope's secret is not stored
        replayed = icu("webhooks", "replay", str(entry["id"]), "--db", db, "--json")
        assert replayed.exit_code == 0, replayed.stderr
        deadline = time.monotonic() + 20
        while inspect()["entries"][0]["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        wellness = icu("export", "wellness", "--db", db, "--since", day.isoformat()).stdout
        assert float(next(csv.DictReader(io.StringIO(wellness)))["weight"]) == 77.7
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert icu("webhooks", "inspect", "999", "--db", db).exit_code == 4


def test_webhooks_serve_needs_a_secret(icu: Icu, live: Sandbox) -> None:
    run = icu("webhooks", "serve", "--port", "0")
    assert run.exit_code == 2
    assert "secret" in run.stderr.lower()


def test_webhooks_serve_warns_about_a_secret_typed_on_the_command_line(
    icu: Icu, live: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = f"sqlite:///{tmp_path / 'inbox.db'}"
    # three workers on SQLite stop the server right after the checks: exit 2, not 3 (auth)
    typed = icu("webhooks", "serve", "--secret", "s3cr3t-value", "--workers", "3", "--db", db)
    assert typed.exit_code == 2
    assert "INTERVALS_WEBHOOK_SECRET instead" in " ".join(typed.stderr.split())
    assert "s3cr3t-value" not in typed.stderr + typed.stdout
    monkeypatch.setenv("INTERVALS_WEBHOOK_SECRET", "s3cr3t-value")
    from_env = icu("webhooks", "serve", "--workers", "3", "--db", db)
    assert from_env.exit_code == 2
    assert "instead" not in from_env.stderr


# -- icu demo -----------------------------------------------------------------------------------

def test_demo_finds_every_change(icu: Icu, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    run = icu("demo", "--json", "--db", f"sqlite:///{db}")
    assert run.exit_code == 0, run.stderr
    result = run.json()
    assert result["ok"] is True
    assert [c["what"] for c in result["changes"]] == [
        "edit a months-old activity", "delete an activity", "delete a calendar event",
        "move a calendar event", "edit a wellness value", "lock a wellness record"]
    assert all(c["found"] for c in result["changes"])
    assert db.exists()  # --db keeps the database


def test_demo_text_output_tells_the_story(icu: Icu, monkeypatch: pytest.MonkeyPatch) -> None:
    # a user's real settings must not leak into the demo
    monkeypatch.setenv("INTERVALS_ATHLETE_ID", "i1")
    monkeypatch.setenv("INTERVALS_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("INTERVALS_API_KEY", "not-the-sandbox-key")
    run = icu("demo", "--years", "0.35", "--seed", "7")
    assert run.exit_code == 0, run.stderr
    for text in ("Starting the sandbox", "First sync", "Changing things", "Next incremental sync",
                 "6/6 changes found"):
        assert text in run.stderr


def test_export_streams_of_a_strava_activity_says_the_api_has_none(
    icu: Icu, live: Sandbox, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'mirror.db'}"
    # a Strava import of its own: the seeded history has none on some days
    stub = live.device_import(source="STRAVA")["id"]
    assert icu("sync", "--db", db, "--streams", "--json").exit_code == 0
    run = icu("export", "streams", "--db", db, "--activity", stub)
    assert run.exit_code == 4
    assert "came from Strava" in " ".join(run.stderr.split())
