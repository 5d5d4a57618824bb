"""Writes tell scripts the truth: a record skipped because it is locked exits 10; an empty
value clears a text field; the journal names the athlete each write touched and the days as
dates; --dry-run shows the unlock and re-lock; `icu undo last` never redoes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu


def _lock(sb: Sandbox, day: str, **fields: Any) -> None:
    with sb.client() as client:
        client.wellness.update_many([{"id": day, **fields, "locked": True}])


def _wellness(sb: Sandbox, day: str, api_key: str | None = None) -> dict[str, Any]:
    with sb.client(api_key) as client:
        return client.wellness.get(day).model_dump(mode="json", by_alias=True,
                                                   exclude_none=True)


# -- locked records -----------------------------------------------------------------------------


def test_a_write_skipped_because_the_day_is_locked_exits_10(icu: Icu, live: Sandbox) -> None:
    _lock(live, "2022-02-02", mood=2)
    run = icu("wellness", "set", "2022-02-02", "mood=4")
    assert run.exit_code == 10
    said = " ".join(run.stderr.split())
    assert "locked" in said
    assert "--unlock" in said
    assert _wellness(live, "2022-02-02")["mood"] == 2
    as_json = icu("wellness", "set", "2022-02-02", "mood=4", "--json")
    assert as_json.exit_code == 10
    assert as_json.json()["changed"] == 0
    assert len(as_json.json()["skipped"]) == 1


def test_the_other_days_are_written_and_the_exit_still_says_some_were_skipped(
        icu: Icu, live: Sandbox) -> None:
    _lock(live, "2022-03-02", mood=2)
    run = icu("wellness", "set", "2022-03-01..2022-03-03", "mood=4", "--json")
    assert run.exit_code == 10
    assert run.json()["changed"] == 2
    assert run.json()["batch"] is not None
    assert _wellness(live, "2022-03-01")["mood"] == 4
    assert _wellness(live, "2022-03-02")["mood"] == 2
    unlocked = icu("wellness", "set", "2022-03-01..2022-03-03", "mood=4", "--unlock")
    assert unlocked.exit_code == 0, unlocked.stderr
    assert _wellness(live, "2022-03-02")["mood"] == 4
    assert _wellness(live, "2022-03-02")["locked"] is True


def test_dry_run_shows_the_unlock_and_relock_that_unlock_will_do(icu: Icu,
                                                                  live: Sandbox) -> None:
    _lock(live, "2022-04-04", weight=70.0)
    run = icu("wellness", "set", "2022-04-04", "weight=71", "--unlock", "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert "unlocked for this write, then locked again" in run.stdout
    assert "1 locked record(s) will be unlocked for the write and locked again" in \
        " ".join(run.stderr.split())
    as_json = icu("wellness", "set", "2022-04-04", "weight=71", "--unlock", "--dry-run",
                  "--json").json()
    [change] = as_json["changes"]
    assert change["note"] == "locked: unlocked for this write, then locked again"
    assert _wellness(live, "2022-04-04")["weight"] == 70.0  # nothing was sent
    # --unlock with --locked=False semantics: `wellness unlock` is the way to leave it open
    plain = icu("wellness", "set", "2022-04-04", "weight=71", "--dry-run")
    assert "will be unlocked" not in plain.stderr
    assert "--unlock" in plain.stderr  # skipped, and says how to edit it


# -- empty values clear -------------------------------------------------------------------------


def test_an_empty_value_clears_a_wellness_text_field(icu: Icu, live: Sandbox) -> None:
    with live.client() as client:
        today = client.today().isoformat()
    assert icu("wellness", "set", "today", "comments=slept badly").exit_code == 0
    assert _wellness(live, today)["comments"] == "slept badly"
    run = icu("wellness", "set", "today", "comments=")
    assert run.exit_code == 0, run.stderr
    assert "comments" not in _wellness(live, today)
    assert icu("wellness", "set", "today", "comments=").stderr.strip() == "nothing to change"
    assert icu("undo", "2", "--yes").exit_code == 0  # undo puts the text back
    assert _wellness(live, today)["comments"] == "slept badly"


def test_an_empty_value_clears_an_activity_description(icu: Icu, live: Sandbox) -> None:
    listed = icu("activities", "list", "30d", "--json").json()
    activity = next(a for a in listed if a.get("source") != "STRAVA")
    assert icu("activities", "update", activity["id"], "--set",
               "description=hills").exit_code == 0
    run = icu("activities", "update", activity["id"], "--set", "description=", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json()["changed"] == 1
    with live.client() as client:
        assert not client.activities.get(activity["id"]).description
    numeric = icu("activities", "update", activity["id"], "--set", "icu_rpe=", "--dry-run")
    assert numeric.exit_code == 0, numeric.stderr


# -- the journal: whose records, which days -------------------------------------------------------


@pytest.fixture
def coach(live: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("INTERVALS_API_KEY", live.coach_api_key)
    return live


def _journal(icu: Icu) -> list[dict[str, Any]]:
    run = icu("journal", "--json")
    assert run.exit_code == 0, run.stderr
    return list(run.json())


def test_a_coachs_writes_name_the_athlete_not_you(icu: Icu, coach: Sandbox) -> None:
    athlete = coach.athlete_id
    assert icu("wellness", "set", "2022-05-05", "weight=60", "--athlete", athlete,
               "--json").exit_code == 0
    assert icu("undo", "last", "--yes").exit_code == 0
    batches = _journal(icu)
    assert [b["athlete"] for b in batches] == [athlete, athlete]
    assert [b["athletes"] for b in batches] == [[athlete], [athlete]]
    table = icu("journal").stdout
    assert "(you)" not in table
    assert table.count(athlete) == 2


def test_a_coachs_api_write_to_an_athlete_is_journaled_and_undone_for_that_athlete(
        icu: Icu, coach: Sandbox) -> None:
    athlete = coach.athlete_id
    mine = _wellness(coach, "2022-06-06", coach.coach_api_key).get("weight")
    run = icu("api", "updateWellness", "-p", f"id={athlete}", "-p", "date=2022-06-06",
              "--body", '{"weight": 66.6}')
    assert run.exit_code == 0, run.stderr
    assert _wellness(coach, "2022-06-06")["weight"] == 66.6
    assert _journal(icu)[0]["athlete"] == athlete
    undo = icu("undo", "last", "--yes")
    assert undo.exit_code == 0, undo.stderr
    assert "weight" not in _wellness(coach, "2022-06-06")  # the athlete's record, restored
    assert _wellness(coach, "2022-06-06", coach.coach_api_key).get("weight") == mine


def test_an_activity_edit_names_the_activitys_owner(icu: Icu, coach: Sandbox) -> None:
    athlete = coach.athlete_id
    listed = icu("activities", "list", "30d", "--athlete", athlete, "--json").json()
    activity = next(a for a in listed if a.get("source") != "STRAVA")
    # by id alone: the coach's client acts as "0", but the activity is the athlete's
    run = icu("activities", "update", activity["id"], "--set", "name=Renamed")
    assert run.exit_code == 0, run.stderr
    assert _journal(icu)[0]["athletes"] == [athlete]


def test_descriptions_hold_dates_not_today(icu: Icu, live: Sandbox) -> None:
    with live.client() as client:
        today = client.today()
    assert icu("wellness", "set", "today", "weight=70").exit_code == 0
    assert icu("wellness", "lock", "3d", "--yes").exit_code == 0
    newest, oldest = _journal(icu)[:2]
    assert oldest["description"] == f"wellness set {today} weight=70"
    assert newest["description"] == f"wellness lock {today - timedelta(days=2)}..{today}"


# -- undo last -------------------------------------------------------------------------------------


def test_undo_last_never_redoes(icu: Icu, live: Sandbox) -> None:
    first = icu("wellness", "set", "2022-07-07", "weight=65", "--json").json()["batch"]
    undo = icu("undo", "last", "--yes", "--json")
    assert undo.exit_code == 0, undo.stderr
    undo_batch = undo.json()["batch"]
    assert undo.json()["undoes"] == first
    again = icu("undo", "last", "--yes")
    assert again.exit_code == 8
    said = " ".join(again.stderr.split())
    assert f"is itself the undo of batch {first}" in said
    assert f"`icu undo {undo_batch}`" in said
    assert "weight" not in _wellness(live, "2022-07-07")  # nothing was sent
    redo = icu("undo", str(undo_batch), "--yes")  # naming it redoes
    assert redo.exit_code == 0, redo.stderr
    assert _wellness(live, "2022-07-07")["weight"] == 65
