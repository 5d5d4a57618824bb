"""Coaches: the roster with summary columns, and --athlete on commands."""

from __future__ import annotations

import subprocess
import sys

import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu


@pytest.fixture
def coach(live: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("INTERVALS_API_KEY", live.coach_api_key)
    return live


def test_roster_lists_every_coached_athlete_with_summary_columns(icu: Icu,
                                                                  coach: Sandbox) -> None:
    run = icu("athletes", "--json")
    assert run.exit_code == 0, run.stderr
    rows = {r["id"]: r for r in run.json()}
    assert set(coach.athlete_ids) | {coach.coach_id} <= set(rows)
    assert coach.stranger_id not in rows
    athlete = rows[coach.athlete_id]
    assert isinstance(athlete["fitness"], float)
    assert isinstance(athlete["fatigue"], float)
    assert athlete["form"] == pytest.approx(athlete["fitness"] - athlete["fatigue"], abs=0.2)
    csv_lines = icu("athletes", "--csv").stdout.splitlines()
    assert csv_lines[0].split(",")[:3] == ["id", "name", "permission"]
    assert len(csv_lines) == len(rows) + 1


def test_athlete_option_acts_on_a_coached_athlete(icu: Icu, coach: Sandbox) -> None:
    mine = icu("wellness", "show", "7d", "--json").json()
    theirs = icu("wellness", "show", "7d", "--athlete", coach.athlete_id, "--json")
    assert theirs.exit_code == 0, theirs.stderr
    assert theirs.json() != mine

    written = icu("wellness", "set", "2020-01-01", "weight=61.5", "--athlete",
                  coach.athlete_id, "--json")
    assert written.exit_code == 0, written.stderr
    with coach.client() as athlete_client:  # the athlete's own view
        assert athlete_client.wellness.get("2020-01-01").weight == 61.5
    journal = icu("journal", "--json").json()
    assert journal[0]["athlete"] == coach.athlete_id
    assert icu("undo", "last", "--json").exit_code == 0
    with coach.client() as athlete_client:
        assert athlete_client.wellness.get("2020-01-01").weight is None


def test_athlete_option_on_a_stranger_is_an_auth_error(icu: Icu, coach: Sandbox) -> None:
    run = icu("wellness", "show", "7d", "--athlete", coach.stranger_id)
    assert run.exit_code == 3
    said = " ".join(run.stderr.split())
    assert f"/athlete/{coach.stranger_id}" in said
    assert f"If athlete {coach.stranger_id} is someone else: `icu athletes` lists" in said


def test_shell_completion_script_is_available() -> None:
    run = subprocess.run([sys.executable, "-c",
                          "from intervals_icu.cli import main; main(['--show-completion', "
                          "'bash'])"], capture_output=True, text=True, check=False)
    assert run.returncode == 0
    assert "_icu_completion" in run.stdout
