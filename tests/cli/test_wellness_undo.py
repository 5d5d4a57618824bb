"""The locked-wellness story (DESIGN problem 4): a buggy bulk `icu wellness set ... --locked`
over a year, then `icu undo` restores every record exactly, compared field by field."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu

YEAR = 2021
DATA_FIELDS = ("weight", "restingHR", "hrv", "sleepSecs", "soreness", "mood", "comments")


def _records(sb: Sandbox, oldest: str, newest: str) -> dict[str, dict[str, Any]]:
    """The records as the API sends them, without the server's `updated` stamp."""
    with sb.client() as client:
        listed = client.wellness.list(oldest, newest)
    found = {}
    for row in listed:
        data = row.model_dump(mode="json", by_alias=True, exclude_none=True)
        data.pop("updated", None)
        found[data["id"]] = data
    return found


def _meaningful(record: dict[str, Any]) -> dict[str, Any]:
    """What a person would call the record's content (an empty record has none)."""
    return {k: v for k, v in record.items()
            if k not in {"id", "updated"} and v not in (False, None)}


def _seed_year(sb: Sandbox) -> None:
    """A year of varied wellness: gaps, missing fields, comments, some records locked."""
    rng = random.Random(2021)
    records = []
    day = date(YEAR, 1, 1)
    while day.year == YEAR:
        if rng.random() < 0.85:  # some days have no record at all
            record: dict[str, Any] = {"id": day.isoformat()}
            for name in DATA_FIELDS:
                if rng.random() < 0.7:
                    record[name] = {
                        "weight": round(rng.uniform(60, 80), 1),
                        "restingHR": rng.randint(40, 60),
                        "hrv": round(rng.uniform(30, 120), 1),
                        "sleepSecs": rng.randint(18000, 36000),
                        "soreness": rng.randint(1, 4),
                        "mood": rng.randint(1, 4),
                        "comments": rng.choice(["easy", "tired", "good legs", "travel"]),
                    }[name]
            records.append(record)
        day += timedelta(days=1)
    with sb.client() as client:
        client.wellness.update_many(records)
        # about a fifth of the records are locked (the platform's protection against imports)
        client.wellness.update_many([{"id": r["id"], "locked": True} for r in records
                                     if rng.random() < 0.2])


@pytest.fixture
def year(live: Sandbox) -> dict[str, dict[str, Any]]:
    _seed_year(live)
    return _records(live, f"{YEAR}-01-01", f"{YEAR}-12-31")


def test_buggy_bulk_locked_write_over_a_year_is_undone_exactly(
    icu: Icu, live: Sandbox, year: dict[str, dict[str, Any]]
) -> None:
    assert sum(1 for r in year.values() if r.get("locked")) > 30  # the story needs locks

    buggy = icu("wellness", "set", str(YEAR), "weight=0", "restingHR=", "comments=oops",
                "--locked", "--unlock", "--yes", "--json")
    assert buggy.exit_code == 0, buggy.stderr
    batch = buggy.json()["batch"]
    assert buggy.json()["changed"] == 365

    broken = _records(live, f"{YEAR}-01-01", f"{YEAR}-12-31")
    assert len(broken) == 365
    assert all(r["locked"] and r["weight"] == 0 and "restingHR" not in r
               for r in broken.values())

    listed = icu("journal", "--json").json()
    assert listed[0]["batch"] == batch
    assert listed[0]["records"] == 365

    preview = icu("undo", str(batch), "--dry-run", "--json")
    assert preview.exit_code == 0, preview.stderr
    planned = preview.json()["changes"]
    assert len(planned) == 365
    assert _records(live, f"{YEAR}-01-01", f"{YEAR}-12-31") == broken  # nothing was sent

    undo = icu("undo", str(batch), "--yes", "--json")
    assert undo.exit_code == 0, undo.stderr
    assert undo.json()["undoes"] == batch

    restored = _records(live, f"{YEAR}-01-01", f"{YEAR}-12-31")
    for day in sorted(restored):
        if day in year:
            assert restored[day] == year[day], day
        else:  # the day had no record; wellness records cannot be deleted, so it is empty
            assert _meaningful(restored[day]) == {}, day

    journal = icu("journal", "--json").json()
    assert journal[0]["batch"] == undo.json()["batch"]
    assert f"undoes {batch}" in journal[0]["status"]
    assert f"undone by {journal[0]['batch']}" in journal[1]["status"]

    again = icu("undo", str(batch), "--yes")
    assert again.exit_code == 8
    assert "already undone" in again.stderr


def test_undo_of_the_undo_brings_the_change_back(icu: Icu, live: Sandbox,
                                                  year: dict[str, dict[str, Any]]) -> None:
    first = icu("wellness", "set", f"{YEAR}-03-01..{YEAR}-03-05", "mood=4", "--unlock",
                "--json")
    batch = first.json()["batch"]
    changed = _records(live, f"{YEAR}-03-01", f"{YEAR}-03-05")
    undo = icu("undo", str(batch), "--json").json()["batch"]
    redo = icu("undo", str(undo), "--json")
    assert redo.exit_code == 0, redo.stderr
    assert _records(live, f"{YEAR}-03-01", f"{YEAR}-03-05") == changed


def test_undo_refuses_to_overwrite_later_changes_unless_forced(
    icu: Icu, live: Sandbox, year: dict[str, dict[str, Any]]
) -> None:
    day = next(d for d, r in sorted(year.items()) if not r.get("locked"))
    batch = icu("wellness", "set", day, "weight=99", "--json").json()["batch"]
    with live.client() as client:
        client.wellness.update(day, weight=55.5)  # someone edits the record afterwards

    refused = icu("undo", str(batch), "--yes")
    assert refused.exit_code == 8
    assert "weight" in refused.stderr
    assert day in refused.stderr
    assert _records(live, day, day)[day]["weight"] == 55.5

    forced = icu("undo", str(batch), "--yes", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert _records(live, day, day)[day] == year[day]


def test_dry_run_shows_the_diff_and_sends_nothing(icu: Icu, live: Sandbox,
                                                  year: dict[str, dict[str, Any]]) -> None:
    day = next(d for d, r in sorted(year.items()) if "weight" in r and not r.get("locked"))
    old = year[day]["weight"]
    run = icu("wellness", "set", day, "weight=71.3", "--dry-run")
    assert run.exit_code == 0
    assert f"- weight: {old:.6g}" in run.stdout
    assert "+ weight: 71.3" in run.stdout
    assert "nothing was sent" in run.stderr
    assert _records(live, day, day)[day] == year[day]
    assert icu("journal", "--json").json() == []


def test_locked_records_are_skipped_without_unlock(icu: Icu, live: Sandbox,
                                                   year: dict[str, dict[str, Any]]) -> None:
    day = next(d for d, r in sorted(year.items()) if r.get("locked"))
    run = icu("wellness", "set", day, "mood=1", "--json")
    assert run.exit_code == 10  # skipped because locked: not a success for a script
    assert run.json()["changed"] == 0
    assert "--unlock" in run.json()["skipped"][0]
    assert _records(live, day, day)[day] == year[day]


def test_more_than_20_records_ask_first(icu: Icu, live: Sandbox,
                                        year: dict[str, dict[str, Any]]) -> None:
    declined = icu("wellness", "set", f"{YEAR}-05", "mood=2", "--unlock", input="n\n")
    assert declined.exit_code == 9
    assert "Continue?" in declined.stderr
    assert _records(live, f"{YEAR}-05-01", f"{YEAR}-05-31") == {
        d: r for d, r in year.items() if d.startswith(f"{YEAR}-05")}
    agreed = icu("wellness", "set", f"{YEAR}-05", "mood=2", "--unlock", input="y\n")
    assert agreed.exit_code == 0, agreed.stderr
    assert all(r["mood"] == 2 for r in _records(live, f"{YEAR}-05-01", f"{YEAR}-05-31").values())


def test_lock_unlock_and_show(icu: Icu, live: Sandbox, year: dict[str, dict[str, Any]]) -> None:
    span = f"{YEAR}-07-01..{YEAR}-07-10"
    locked = icu("wellness", "lock", span, "--json")
    assert locked.exit_code == 0
    shown = icu("wellness", "show", span, "--json").json()
    assert shown
    assert all(r["locked"] for r in shown)
    unlocked = icu("wellness", "unlock", span, "--json")
    assert unlocked.json()["changed"] == len(shown)
    assert not any(r["locked"] for r in icu("wellness", "show", span, "--json").json())
    table = icu("wellness", "show", span)
    assert f"{YEAR}-07-0" in table.stdout
    assert "weight" in table.stdout
    csv_rows = icu("wellness", "show", span, "--csv", "--fields", "weight").stdout.splitlines()
    assert csv_rows[0] == "id,weight"
    assert len(csv_rows) == len(shown) + 1
    # The default CSV keeps every default column, sleep as the API's seconds.
    import csv
    import io

    default_csv = list(csv.DictReader(io.StringIO(icu("wellness", "show", span, "--csv").stdout)))
    assert [r["id"] for r in default_csv] == [r["id"] for r in shown]
    assert any(r["sleepSecs"] for r in default_csv)
    assert [r["sleepSecs"] for r in default_csv] == [
        "" if r.get("sleepSecs") is None else str(r["sleepSecs"]) for r in shown]


def test_bad_field_is_refused_before_sending(icu: Icu, live: Sandbox) -> None:
    run = icu("wellness", "set", "2021-01-01", "wieght=70")
    assert run.exit_code == 2
    assert "weight" in run.stderr  # the suggestion
    assert icu("journal", "--json").json() == []


def test_undo_refuses_another_server_and_the_journal_holds_no_key(
    icu: Icu, live: Sandbox, home: Any
) -> None:
    batch = icu("wellness", "set", "2021-02-01", "weight=60", "--unlock", "--json").json()
    assert batch["batch"]
    elsewhere = icu("--base-url", "http://127.0.0.1:9", "undo", str(batch["batch"]))
    assert elsewhere.exit_code == 2
    assert live.base_url in elsewhere.stderr
    for path in (home / "data").rglob("*"):
        if path.is_file():
            assert live.api_key.encode() not in path.read_bytes(), path
