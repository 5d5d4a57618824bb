"""The journal's storage: an old journal opens and upgrades, writes are on disk before they
are sent, each task has its own batch, and the async path never blocks the event loop."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import stat
import threading
from pathlib import Path

import httpx
import pytest

from intervals_icu.hooks import JSONValue, WriteCall
from intervals_icu.journal import (
    SCHEMA_VERSION,
    JournalSchemaError,
    SqliteJournal,
    Target,
    undo_batch,
)
from intervals_icu.sandbox import Sandbox

FIXTURE = Path(__file__).parent / "fixtures" / "journal-0738443.sqlite3"


def _replay_fixture_writes(sandbox: Sandbox) -> None:
    """The writes the fixture journal recorded (make_journal_0738443.py), without a journal,
    so the sandbox is where the old run left it."""
    with sandbox.client() as client:
        client.wellness.update_many([{"id": "2020-01-01", "weight": 60.0, "comments": "start"}])
        client.wellness.update("2020-01-01", weight=70.5, comments="after")
        client.wellness.update("2020-01-02", weight=71.0)
        made = client.events.create(category="RACE_A", name="Race", type="Run",
                                    start_date_local="2030-08-01T00:00:00")
        assert made.id is not None
        client.events.delete(made.id)
        client.wellness.update("2020-01-03", weight=72.0)


def test_a_journal_made_by_0738443_opens_upgrades_and_undoes(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    shutil.copy(FIXTURE, path)
    path.chmod(0o600)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (0,)

    journal = SqliteJournal(path)
    assert journal.schema_version == SCHEMA_VERSION
    batches = {b.description: b for b in journal.batches()}
    assert set(batches) == {"PUT /api/v1/athlete/0/wellness-bulk", "fix weights", "plan a race",
                            "delete the race", "PUT /api/v1/athlete/0/wellness/2020-01-03"}
    fix = journal.entries(batches["fix weights"].id)
    assert [e.target for e in fix] == [Target("wellness", "2020-01-01"),
                                      Target("wellness", "2020-01-02")]
    assert all(e.state == "applied" and not e.may_have_been_applied for e in fix)
    assert fix[0].sent == {"weight": 70.5, "comments": "after"}
    assert fix[0].before["weight"] == 60.0  # type: ignore[index]

    sandbox = Sandbox(seed=3, athletes=1, years=0, history=False)
    _replay_fixture_writes(sandbox)
    with sandbox.client(journal=journal) as client:
        with journal.batch("undo fix", undoes=batches["fix weights"].id):
            undo_batch(client, journal, batches["fix weights"].id)
        with journal.batch("undo delete", undoes=batches["delete the race"].id):
            undo_batch(client, journal, batches["delete the race"].id)
        day = client.wellness.get("2020-01-01")
        assert (day.weight, day.comments) == (60.0, "start")
        assert client.wellness.get("2020-01-02").weight is None
        [race] = client.events.list("2030-08-01", "2030-08-01")
        assert (race.name, race.category) == ("Race", "RACE_A")
    assert journal.get_batch(batches["fix weights"].id).undone_by is not None  # type: ignore[union-attr]
    journal.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Opened again, nothing is upgraded twice.
    again = SqliteJournal(path)
    assert again.schema_version == SCHEMA_VERSION
    assert len(again.batches()) == 7
    again.close()


def test_a_journal_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    SqliteJournal(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(JournalSchemaError, match="newer intervals-icu"):
        SqliteJournal(path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (
        SCHEMA_VERSION + 1,)


def test_a_new_journal_is_private_and_versioned(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "deep" / "journal.sqlite3")
    assert journal.schema_version == SCHEMA_VERSION
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    journal.close()


def test_a_write_is_on_disk_before_it_is_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = SqliteJournal(path)
    seen: list[tuple[str, str, str]] = []

    def on_request(request: httpx.Request) -> None:
        if request.method == "PUT":  # read the file as another process would
            with sqlite3.connect(path) as other:
                seen.extend(other.execute("SELECT kind, record_id, state FROM entries"))

    http = httpx.Client(transport=sandbox.transport(), event_hooks={"request": [on_request]})
    with sandbox.client(http_client=http, journal=journal) as client:
        client.wellness.update("2020-06-01", weight=65.0)
    assert seen == [("wellness", "2020-06-01", "pending")]
    [batch] = journal.batches()
    [entry] = journal.entries(batch.id)
    assert entry.state == "applied"
    journal.close()


async def test_two_tasks_batches_never_collide(sandbox: Sandbox, tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "journal.sqlite3")
    async with sandbox.async_client(journal=journal) as client:

        async def task(name: str, days: list[str]) -> int:
            async with journal.batch(name) as batch_id:
                for day in days:
                    await client.wellness.update(day, weight=70.0)
                    await asyncio.sleep(0)  # let the other task write in between
            return batch_id

        first, second = await asyncio.gather(
            task("first", ["2020-07-01", "2020-07-03", "2020-07-05"]),
            task("second", ["2020-07-02", "2020-07-04"]))
    assert [e.record_id for e in journal.entries(first)] == [
        "2020-07-01", "2020-07-03", "2020-07-05"]
    assert [e.record_id for e in journal.entries(second)] == ["2020-07-02", "2020-07-04"]
    assert journal.open_batch is None
    journal.close()


class _SlowJournal(SqliteJournal):
    """A journal whose storage waits for the event loop to run something else."""

    released = threading.Event()

    def before_write(self, call: WriteCall, before: list[JSONValue]) -> object:  # type: ignore[override]
        # If this ran on the event loop thread, the task that sets the event could not run.
        assert self.released.wait(timeout=5), "the journal blocked the event loop"
        return super().before_write(call, before)


async def test_the_async_client_never_runs_journal_io_on_the_event_loop(
    sandbox: Sandbox, tmp_path: Path,
) -> None:
    journal = _SlowJournal(tmp_path / "journal.sqlite3")
    _SlowJournal.released.clear()

    async def release() -> None:
        await asyncio.sleep(0.01)
        _SlowJournal.released.set()

    async with sandbox.async_client(journal=journal) as client, \
            journal.batch("slow") as batch_id:
        await asyncio.gather(client.wellness.update("2020-08-01", weight=66.0), release())
    assert [e.record_id for e in journal.entries(batch_id)] == ["2020-08-01"]
    journal.close()


def test_a_batch_left_open_by_a_killed_process_is_interrupted(tmp_path: Path) -> None:
    """An `icu` killed mid-batch never closes it: the journal says so instead of "open"
    forever; a batch open in a live process stays open."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "journal.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from intervals_icu.journal import SqliteJournal\n"
         f"journal = SqliteJournal({str(path)!r})\n"
         "with journal.batch('killed mid-way'):\n"
         "    print(journal.open_batch, flush=True)\n"
         "    time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    batch_id = int(child.stdout.readline())
    journal = SqliteJournal(path)
    try:
        with journal.batch("still open here"):
            mine = journal.open_batch
            assert mine is not None
            assert journal.get_batch(batch_id).status == "open"  # type: ignore[union-attr]
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            statuses = {b.id: b.status for b in journal.batches()}
            assert statuses[batch_id] == "interrupted"
            assert statuses[mine] == "open"
    finally:
        child.kill()
        journal.close()


def test_two_processes_upgrading_one_journal_at_once_do_not_collide(tmp_path: Path) -> None:
    """The second opener waits for the first one's upgrade, then finds nothing to do (it
    read the old version before the lock: it must read it again under the lock)."""
    from intervals_icu.journal.store import _UPGRADES

    path = tmp_path / "journal.sqlite3"
    shutil.copy(FIXTURE, path)
    path.chmod(0o600)
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("PRAGMA journal_mode=WAL")
    first.execute("BEGIN IMMEDIATE")
    for step in range(SCHEMA_VERSION):
        for statement in _UPGRADES[step].split(";"):
            if statement.strip():
                first.execute(statement)
    first.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    opened: list[object] = []

    def second() -> None:
        try:
            opened.append(SqliteJournal(path))
        except Exception as exc:  # the defect: "duplicate column name"
            opened.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)  # it has read the old version and now waits for the lock
    first.execute("COMMIT")
    first.close()
    thread.join(30)
    (journal,) = opened
    assert isinstance(journal, SqliteJournal), journal
    assert journal.schema_version == SCHEMA_VERSION
    assert len(journal.batches()) == 5
    journal.close()
