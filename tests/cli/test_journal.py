"""The write journal as a library: batches, redaction, and the undo property — whatever a
batch of wellness writes did (locks, clears, records that did not exist), undo restores
every record exactly. Runs on the in-process sandbox."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervals_icu import CLEAR
from intervals_icu.journal import (
    SqliteJournal,
    Target,
    apply_plan,
    plan_undo,
    read_current,
    redact,
    step_is_noop,
)
from intervals_icu.sandbox import Sandbox

DAYS = ["2020-05-01", "2020-05-02", "2020-05-03"]


def test_redact_hides_secret_looking_keys_at_any_depth() -> None:
    data = {"name": "x", "api_key": "k", "nested": [{"client_secret": "s", "weight": 1}],
            "Authorization": "Basic abc", "token": None}
    assert redact(data) == {"name": "x", "api_key": "***",
                            "nested": [{"client_secret": "***", "weight": 1}],
                            "Authorization": "***", "token": None}


def test_library_users_get_batches_and_no_secret_is_written(tmp_path: Path) -> None:
    sandbox = Sandbox(seed=3, athletes=1, years=0, history=False)
    journal = SqliteJournal(tmp_path / "journal.sqlite3")
    with sandbox.client(journal=journal) as client:
        with journal.batch("fix weights") as batch_id:
            client.wellness.update("2020-01-01", weight=70.0)
            client.wellness.update("2020-01-02", weight=71.0)
        client.wellness.update("2020-01-03", weight=72.0)  # no batch open: a batch of its own
        client.wellness.get("2020-01-03")  # reads are not journaled
    batches = journal.batches()
    assert [b.records for b in batches] == [1, 2]
    assert batches[1].id == batch_id
    assert batches[1].description == "fix weights"
    entries = journal.entries(batch_id)
    assert [e.target for e in entries] == [Target("wellness", "2020-01-01"),
                                           Target("wellness", "2020-01-02")]
    assert entries[0].sent == {"weight": 70.0}
    assert entries[0].before is None  # the day had no record
    assert entries[0].after["weight"] == 70.0
    journal.close()
    path = tmp_path / "journal.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for file in tmp_path.iterdir():
        assert sandbox.api_key.encode() not in file.read_bytes()


def test_a_failed_batch_is_marked_and_an_empty_one_dropped(tmp_path: Path) -> None:
    sandbox = Sandbox(seed=3, athletes=1, years=0, history=False)
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    with sandbox.client(journal=journal) as client:
        with journal.batch("nothing"):
            pass
        try:
            with journal.batch("half done"):
                client.wellness.update("2020-01-01", weight=70.0)
                raise RuntimeError("the script crashed")
        except RuntimeError:
            pass
    [batch] = journal.batches()
    assert batch.description == "half done"
    assert batch.status == "failed"


FIELD_VALUES = {
    "weight": st.floats(min_value=40, max_value=120, allow_nan=False).map(lambda v: round(v, 1)),
    "restingHR": st.integers(min_value=30, max_value=90),
    "comments": st.sampled_from(["easy", "sick", "travel"]),
    "mood": st.integers(min_value=1, max_value=4),
}


@st.composite
def record(draw: Any, *, allow_clear: bool) -> dict[str, Any]:
    fields = draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), unique=True, max_size=4))
    found: dict[str, Any] = {}
    for name in fields:
        if allow_clear and name != "comments" and draw(st.booleans()):
            found[name] = CLEAR
        else:
            found[name] = draw(FIELD_VALUES[name])
    lock = draw(st.sampled_from([None, True, False]))
    if lock is not None:
        found["locked"] = lock
    return found


@given(
    initial=st.fixed_dictionaries({d: st.one_of(st.none(), record(allow_clear=False))
                                   for d in DAYS}),
    writes=st.lists(st.dictionaries(st.sampled_from(DAYS), record(allow_clear=True),
                                    min_size=1), min_size=1, max_size=3),
)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_undo_restores_every_record_exactly(tmp_path: Path, initial: dict[str, Any],
                                            writes: list[dict[str, Any]]) -> None:
    sandbox = Sandbox(seed=1, athletes=1, years=0, history=False)
    with sandbox.client() as plain:
        for day, fields in initial.items():
            if fields is None:
                continue
            values = {k: v for k, v in fields.items() if k != "locked"}
            plain.wellness.update_many([{"id": day, **values}])
            if fields.get("locked"):
                plain.wellness.update_many([{"id": day, "locked": True}])
        before = _state(plain)

    journal = SqliteJournal(tmp_path / f"j{id(initial)}.sqlite3")
    with sandbox.client(journal=journal) as client:
        with journal.batch("random writes") as batch_id:
            for write in writes:
                # a script that writes locked records too (unlocking and re-locking them)
                client.wellness.update_many([
                    {"id": day, **{k: (-1 if v is CLEAR else v) for k, v in fields.items()}}
                    for day, fields in write.items()], unlock=True)
        entries = journal.entries(batch_id)
        plan = plan_undo(entries, read_current(client, {e.target for e in entries}))
        assert not plan.impossible
        assert not plan.conflicts
        apply_plan(client, plan)
        after = _state(client)
        # and nothing is left to restore
        again = plan_undo(entries, read_current(client, {e.target for e in entries}))
        assert all(step_is_noop(s) for s in again.changes)
    journal.close()
    for day in DAYS:
        if day in before:
            assert after.get(day) == before[day], day
        else:
            assert _content(after.get(day, {})) == {}, day


def _state(client: Any) -> dict[str, dict[str, Any]]:
    rows = client.wellness.list(DAYS[0], DAYS[-1])
    found = {}
    for row in rows:
        data = row.model_dump(mode="json", exclude_none=True)
        data.pop("updated", None)
        found[data["id"]] = data
    return found


def _content(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in {"id", "updated"}
            and v not in (False, None)}


async def test_the_async_client_journals_too(tmp_path: Path) -> None:
    sandbox = Sandbox(seed=4, athletes=1, years=0, history=False)
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    async with sandbox.async_client(journal=journal) as client:
        with journal.batch("async") as batch_id:
            await client.wellness.update("2020-01-01", weight=70.0)
    [entry] = journal.entries(batch_id)
    assert entry.target == Target("wellness", "2020-01-01")
    assert entry.sent == {"weight": 70.0}


def test_an_upload_is_undone_by_deleting_it_and_a_duplicate_upload_is_not(
    tmp_path: Path,
) -> None:
    from intervals_icu import NotFound
    from tests.client.test_activities import START, gpx_bytes

    sandbox = Sandbox(seed=5, athletes=1, years=0, history=False)
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    ride = gpx_bytes(START)
    with sandbox.client(journal=journal) as client:
        with journal.batch("upload") as first:
            created = client.activities.upload(ride, filename="ride.gpx")
        with journal.batch("upload again") as second:
            again = client.activities.upload(ride, filename="ride.gpx")
        assert created.created
        assert not again.created
        [entry] = journal.entries(first)
        assert entry.target == Target("activity", created.activity_ids[0])
        assert entry.action == "create"
        assert all(e.target is None for e in journal.entries(second))  # nothing to undo

        entries = journal.entries(first)
        plan = plan_undo(entries, read_current(client, {e.target for e in entries}))
        assert [s.action for s in plan.changes] == ["delete"]
        apply_plan(client, plan)
        with pytest.raises(NotFound):
            client.activities.get(created.activity_ids[0])
