"""A write whose answer was lost after the platform applied it (issue 11, item 12): the sandbox
applies the request, then drops the connection or answers 502. The client replays only what
may be sent twice, reports a replayed delete that finds the record gone as done, and the
journal, written ahead, keeps every write so that undo covers it."""

from __future__ import annotations

from pathlib import Path

import pytest

from intervals_icu import Client, RetryPolicy
from intervals_icu.errors import ServerError, TransportError
from intervals_icu.journal import SqliteJournal, plan_undo_of, undo_batch
from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu, home, icu, live  # noqa: F401  (fixtures)
from tests.journal.test_undo_every_operation import _ride_with_intervals

RETRY = RetryPolicy(max_attempts=4, backoff_base=0.001, backoff_max=0.01)


def _counting(client: Client) -> list[str]:
    sent: list[str] = []
    client.on_response(lambda info, status, seconds, attempt: sent.append(
        f"{info.method} {status}"))
    return sent


@pytest.mark.parametrize("lost", [None, 502], ids=["dropped", "502"])
def test_a_delete_whose_answer_was_lost_is_replayed_and_reported_done(
    sandbox: Sandbox, tmp_path: Path, lost: int | None,
) -> None:
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    with sandbox.client(retry=RETRY, journal=journal) as client:
        event = client.events.create(category="NOTE", name="Doomed",
                                     start_date_local="2031-02-01T00:00:00")
        assert event.id is not None
        sandbox.faults(route="DELETE /api/v1/athlete/*/events/*", lose_answer_rate=1.0,
                       lose_answer_status=lost, count=1)
        with journal.batch("delete") as batch_id:
            client.events.delete(event.id)  # was: NotFound, though this call deleted it
        assert client.events.list("2031-02-01", "2031-02-01") == []
        [entry] = journal.entries(batch_id)
        assert entry.state == "applied"
        assert entry.note == "deleted (an earlier attempt applied)"
        assert entry.before is not None
        assert entry.before["name"] == "Doomed"  # type: ignore[index]
        undo_batch(client, journal, batch_id)
        [back] = client.events.list("2031-02-01", "2031-02-01")
        assert back.name == "Doomed"
    assert sandbox.state.faults.injected["lost_answers"] == 1


@pytest.mark.parametrize("lost", [None, 502], ids=["dropped", "502"])
def test_a_split_whose_answer_was_lost_is_not_replayed_and_can_be_undone(
    sandbox: Sandbox, tmp_path: Path, lost: int | None,
) -> None:
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    with sandbox.client(retry=RETRY, journal=journal) as client:
        ride = _ride_with_intervals(client)
        before = client.activities.intervals(ride["activity"]).icu_intervals or []
        sent = _counting(client)
        sandbox.faults(route="PUT /api/v1/activity/*/split-interval", lose_answer_rate=1.0,
                       lose_answer_status=lost, count=1)
        expected = TransportError if lost is None else ServerError
        with journal.batch("split") as batch_id, pytest.raises(expected) as info:
            client.activities.split_interval(ride["activity"], ride["middle"])
        # Sent once (a PUT, but not replayable), and said so: never "nothing was changed".
        assert len([s for s in sent if s.startswith("PUT")]) <= 1
        assert info.value.may_have_been_applied
        assert "may have been applied" in str(info.value)
        assert "nothing was changed" not in str(info.value)
        after = client.activities.intervals(ride["activity"]).icu_intervals or []
        assert len(after) == len(before) + 1  # applied exactly once
        [entry] = journal.entries(batch_id)
        assert entry.state == "uncertain"
        assert entry.before is not None
        plan = undo_batch(client, journal, batch_id)
        assert [s.action for s in plan.changes] == ["replace"]
        restored = client.activities.intervals(ride["activity"]).icu_intervals or []
        assert [(i.id, i.start_index, i.end_index) for i in restored] == [
            (i.id, i.start_index, i.end_index) for i in before]


@pytest.mark.parametrize("lost", [None, 502], ids=["dropped", "502"])
def test_a_create_whose_answer_was_lost_is_found_by_undo_and_deleted(
    sandbox: Sandbox, tmp_path: Path, lost: int | None,
) -> None:
    """Was: undo reported it as impossible ("look for it and delete it by hand"), so an
    applied write was left that undo could not cover (the fault campaign found it)."""
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    with sandbox.client(retry=RETRY, journal=journal) as client:
        twin = client.events.create(category="NOTE", name="Maybe",
                                    start_date_local="2031-03-01T00:00:00")  # there before
        sandbox.faults(route="POST /api/v1/athlete/*/events", lose_answer_rate=1.0,
                       lose_answer_status=lost, count=1)
        expected = TransportError if lost is None else ServerError
        with journal.batch("create") as batch_id, pytest.raises(expected):
            client.events.create(category="NOTE", name="Maybe",
                                 start_date_local="2031-03-01")
        made = [e for e in client.events.list("2031-03-01", "2031-03-01") if e.id != twin.id]
        assert len(made) == 1  # it was made, once
        [entry] = journal.entries(batch_id)
        assert entry.state == "uncertain"
        assert entry.may_have_been_applied
        plan = undo_batch(client, journal, batch_id)
        assert plan.impossible == []
        [step] = plan.changes
        assert (step.action, step.target.record_id) == ("delete", str(made[0].id))
        assert [e.id for e in client.events.list("2031-03-01", "2031-03-01")] == [twin.id]
    batch = journal.get_batch(batch_id)
    assert batch is not None
    assert batch.uncertain == 1


def test_a_lost_create_that_made_nothing_needs_no_undo(sandbox: Sandbox,
                                                       tmp_path: Path) -> None:
    """An injected 500 comes before the create is carried out: uncertain in the journal
    (the client cannot know), nothing made, nothing to undo and nothing impossible."""
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    with sandbox.client(retry=RETRY, journal=journal) as client:
        sandbox.faults(route="POST /api/v1/athlete/*/events", error_rate=1.0, count=1)
        with journal.batch("create") as batch_id, pytest.raises(ServerError):
            client.events.create(category="NOTE", name="Never", start_date_local="2031-03-02")
        [entry] = journal.entries(batch_id)
        assert entry.state == "uncertain"
        plan = plan_undo_of(client, journal, batch_id)
        assert (plan.changes, plan.impossible) == ([], [])


def test_a_lost_create_that_two_new_records_fit_is_left_to_the_user(sandbox: Sandbox,
                                                                    tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    with sandbox.client(retry=RETRY, journal=journal) as client:
        sandbox.faults(route="POST /api/v1/athlete/*/events", lose_answer_rate=1.0, count=1)
        with journal.batch("create") as batch_id, pytest.raises(TransportError):
            client.events.create(category="NOTE", name="Twice", start_date_local="2031-03-03")
    with sandbox.client() as other:  # someone makes the same note, not journaled
        other.events.create(category="NOTE", name="Twice", start_date_local="2031-03-03")
        plan = plan_undo_of(other, journal, batch_id)
    [step] = plan.impossible
    assert "2 records fit what it sent" in step.reason
    assert plan.changes == []


def test_a_write_refused_by_the_server_leaves_nothing_in_the_journal(sandbox: Sandbox,
                                                                     tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    with sandbox.client(retry=RETRY, journal=journal) as client:
        with journal.batch("bad") as batch_id, pytest.raises(Exception):  # noqa: B017, PT011
            client.events.update(999_999_999, name="nobody")
        assert journal.entries(batch_id) == []
        assert journal.get_batch(batch_id) is None  # an empty batch is dropped


def test_icu_events_delete_range_with_lost_answers_then_undo_restores_all(
    icu: Icu, live: Sandbox,  # noqa: F811
) -> None:
    for day in range(1, 13):
        made = icu("events", "create", "--date", f"2031-04-{day:02d}", "--name", f"Note {day}",
                   "--category", "NOTE", "--json")
        assert made.exit_code == 0, made.stderr
    live.faults(route="DELETE /api/v1/athlete/*/events/*", lose_answer_rate=1.0, count=3)
    deleted = icu("events", "delete", "--range", "2031-04", "--category", "NOTE", "--yes",
                  "--json")
    assert deleted.exit_code == 0, deleted.stderr  # was: exit 4 three times
    assert deleted.json()["deleted"] == 12
    assert icu("events", "list", "2031-04", "--json").json() == []
    assert live.state.faults.injected["lost_answers"] == 3
    batch = deleted.json()["batch"]
    shown = icu("journal", "show", str(batch), "--json").json()
    assert len(shown["entries"]) == 12  # every applied delete is journaled
    undone = icu("undo", str(batch), "--yes", "--json")
    assert undone.exit_code == 0, undone.stderr
    assert undone.json()["restored"] == 12
    names = sorted(e["name"] for e in icu("events", "list", "2031-04", "--json").json())
    assert names == sorted(f"Note {day}" for day in range(1, 13))
