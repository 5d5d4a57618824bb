"""The durable inbox (SQLite and PostgreSQL): de-duplication, per-athlete order, leases,
retries, dead letters, replay, and concurrent workers that never share an entry."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from intervals_icu.webhooks import EntryStatus, Inbox, InboxEntryNotFound, WebhookError
from tests.webhooks import samples

EXPIRED = timedelta(seconds=-1)


def event(athlete: str, second: int, kind: str = "ACTIVITY_UPDATED", **extra: Any) -> dict[
        str, Any]:
    return {"athlete_id": athlete, "type": kind,
            "timestamp": f"2026-04-15T16:00:{second:02d}.000+00:00",
            "activity": {"id": f"i{second}"}, **extra}


def test_a_redelivery_is_stored_once_and_counted(inbox: Inbox) -> None:
    first = inbox.store([samples.ACTIVITY_UPLOADED, samples.WELLNESS_UPDATED])
    assert (first.new, first.duplicates) == (2, 0)
    again = inbox.store([samples.WELLNESS_UPDATED])
    assert (again.new, again.duplicates) == (0, 1)
    same_batch = inbox.store([samples.FITNESS_UPDATED, samples.FITNESS_UPDATED])
    assert (same_batch.new, same_batch.duplicates) == (1, 1)
    entries = {e.event_type: e for e in inbox.list()}
    assert len(entries) == 3
    assert entries["WELLNESS_UPDATED"].deliveries == 2
    assert entries["FITNESS_UPDATED"].deliveries == 2
    assert entries["ACTIVITY_UPLOADED"].deliveries == 1
    assert entries["ACTIVITY_UPLOADED"].payload == samples.ACTIVITY_UPLOADED
    assert entries["ACTIVITY_UPLOADED"].event_time == datetime(2026, 4, 15, 16, 29, 50, 100000,
                                                               tzinfo=UTC)
    assert inbox.stats() == {"pending": 3, "processing": 0, "done": 0, "dead": 0}


def test_store_many_is_one_transaction_with_per_delivery_results(inbox: Inbox) -> None:
    results = inbox.store_many([[event("i1", 1)], [event("i1", 1), event("i1", 2)], []])
    assert [(r.new, r.duplicates) for r in results] == [(1, 0), (1, 1), (0, 0)]


def test_claim_takes_each_athletes_earliest_event_only(inbox: Inbox) -> None:
    # Stored out of order: the later event arrived first.
    inbox.store([event("i1", 30), event("i2", 10)])
    inbox.store([event("i1", 20)])
    first = inbox.claim("w1", limit=10)
    assert [(e.athlete_id, e.payload["activity"]["id"]) for e in first] == [("i2", "i10"),
                                                                            ("i1", "i20")]
    assert all(e.status is EntryStatus.PROCESSING and e.locked_by == "w1" for e in first)
    # i1's next event waits until i1's first one is finished; i2 has nothing more.
    assert inbox.claim("w2", limit=10) == []
    by_athlete = {e.athlete_id: e for e in first}
    assert inbox.complete(by_athlete["i1"].id, "w1", ["mirror"])
    following = inbox.claim("w2", limit=10)
    assert [e.payload["activity"]["id"] for e in following] == ["i30"]


def test_a_failure_waits_for_its_retry_and_holds_back_the_athletes_later_events(
        inbox: Inbox) -> None:
    inbox.store([event("i1", 1), event("i1", 2)])
    (entry,) = inbox.claim("w1")
    later = datetime.now(UTC) + timedelta(hours=1)
    assert inbox.fail(entry.id, "w1", error="h: RuntimeError: boom", steps_done=["mirror"],
                      retry_at=later)
    failed = inbox.get(entry.id)
    assert failed.status is EntryStatus.PENDING
    assert failed.attempts == 1
    assert failed.steps_done == ("mirror",)
    assert failed.last_error == "h: RuntimeError: boom"
    assert inbox.claim("w1") == []  # not due yet, and i1's second event stays behind it
    inbox.replay(entry.id)  # "retry now"
    (again,) = inbox.claim("w1")
    assert again.id == entry.id
    assert again.attempts == 1
    assert inbox.fail(again.id, "w1", error="h: still", steps_done=["mirror"], retry_at=None)
    dead = inbox.get(entry.id)
    assert dead.status is EntryStatus.DEAD
    assert dead.attempts == 2
    assert dead.finished_at is not None
    # A dead entry no longer blocks the athlete.
    (second,) = inbox.claim("w1")
    assert second.payload["activity"]["id"] == "i2"


def test_an_expired_lease_is_claimed_again_and_the_old_worker_cannot_finish(
        inbox: Inbox) -> None:
    inbox.store([event("i1", 1)])
    (entry,) = inbox.claim("w1", lease=EXPIRED)
    (taken,) = inbox.claim("w2")
    assert taken.id == entry.id
    assert taken.locked_by == "w2"
    assert not inbox.complete(entry.id, "w1", [])
    assert not inbox.record_steps(entry.id, "w1", ["mirror"])
    assert inbox.complete(entry.id, "w2", ["mirror"])
    assert inbox.get(entry.id).status is EntryStatus.DONE


def test_renew_keeps_a_long_running_entry(inbox: Inbox) -> None:
    inbox.store([event("i1", 1)])
    (entry,) = inbox.claim("w1", lease=EXPIRED)
    inbox.renew("w1", [entry.id], timedelta(minutes=5))
    assert inbox.claim("w2") == []


def test_release_gives_entries_back_untouched(inbox: Inbox) -> None:
    inbox.store([event("i1", 1)])
    (entry,) = inbox.claim("w1")
    inbox.release("w1", [entry.id])
    back = inbox.get(entry.id)
    assert back.status is EntryStatus.PENDING
    assert back.attempts == 0
    assert back.locked_by is None


def test_replay_semantics(inbox: Inbox) -> None:
    inbox.store([event("i1", 1), event("i2", 1), event("i3", 1)])
    a, b, c = inbox.claim("w1")
    inbox.fail(a.id, "w1", error="x", steps_done=["mirror"], retry_at=None)
    inbox.complete(b.id, "w1", ["mirror", "h"])
    # Dead: only what failed runs again; done: everything runs again.
    dead, done = inbox.replay(a.id, b.id)
    assert dead.status is EntryStatus.PENDING
    assert dead.steps_done == ("mirror",)
    assert dead.attempts == 0
    assert dead.finished_at is None
    assert done.status is EntryStatus.PENDING
    assert done.steps_done == ()
    with pytest.raises(WebhookError, match="being processed"):
        inbox.replay(c.id)
    with pytest.raises(InboxEntryNotFound):
        inbox.replay(999_999)
    with pytest.raises(InboxEntryNotFound):
        inbox.get(999_999)
    (explicit,) = inbox.replay(a.id, rerun_all=True)
    assert explicit.steps_done == ()


def test_list_filters_and_pages_newest_first(inbox: Inbox) -> None:
    inbox.store([event("i1", n) for n in range(5)] + [event("i2", 9, "WELLNESS_UPDATED")])
    ids = [e.id for e in inbox.list()]
    assert ids == sorted(ids, reverse=True)
    assert [e.athlete_id for e in inbox.list(athlete_id="i2")] == ["i2"]
    assert len(inbox.list(event_type="ACTIVITY_UPDATED")) == 5
    page = inbox.list(limit=2)
    rest = inbox.list(limit=10, before_id=page[-1].id)
    assert [e.id for e in page + rest] == ids
    assert inbox.list(status="dead") == []
    summary = inbox.list(limit=1)[0].summary()
    assert summary["status"] == "pending"
    assert "payload" not in summary


def test_purge_removes_only_old_done_entries(inbox: Inbox) -> None:
    inbox.store([event("i1", 1), event("i2", 1)])
    a, b = inbox.claim("w1")
    inbox.complete(a.id, "w1", [])
    inbox.fail(b.id, "w1", error="x", steps_done=[], retry_at=None)
    assert inbox.purge(timedelta(hours=1)) == 0
    assert inbox.purge(timedelta(seconds=-1)) == 1
    assert [e.id for e in inbox.list()] == [b.id]


def test_access_records_keep_the_latest_change(inbox: Inbox) -> None:
    t1 = datetime(2026, 4, 15, 8, tzinfo=UTC)
    t2 = t1 + timedelta(hours=1)
    inbox.record_access("i1", scope="", deauthorized=True, changed_at=t2)
    stale = inbox.record_access("i1", scope="ACTIVITY:READ", deauthorized=False, changed_at=t1)
    assert stale.deauthorized
    assert stale.changed_at == t2
    assert inbox.deauthorized_athletes() == {"i1"}
    back = inbox.record_access("i1", scope="ACTIVITY:READ", deauthorized=False,
                               changed_at=t2 + timedelta(minutes=1))
    assert not back.deauthorized
    assert inbox.deauthorized_athletes() == set()
    assert inbox.access("i9") is None


def test_a_lease_has_one_holder_until_it_expires(inbox: Inbox) -> None:
    minute = timedelta(minutes=1)
    assert inbox.try_lease("reconcile", "a", minute)
    assert not inbox.try_lease("reconcile", "b", minute)
    assert inbox.try_lease("reconcile", "a", minute)  # renewal
    inbox.release_lease("reconcile", "a")
    assert inbox.try_lease("reconcile", "b", EXPIRED)
    assert inbox.try_lease("reconcile", "a", minute)  # b's lease expired


def test_concurrent_workers_never_share_an_entry_nor_overlap_an_athlete(inbox: Inbox) -> None:
    """Four workers in threads (on PostgreSQL: FOR UPDATE SKIP LOCKED; on SQLite: the
    write lock) drain 120 events of 6 athletes: each entry is processed exactly once, and
    each athlete's events one at a time, in timestamp order."""
    athletes = [f"i{n}" for n in range(6)]
    inbox.store([event(a, s) for s in range(20) for a in athletes])
    processed: list[tuple[str, int, str]] = []
    active: dict[str, str] = {}
    problems: list[str] = []
    lock = threading.Lock()

    def work(worker: str) -> None:
        idle_rounds = 0
        while idle_rounds < 3:
            claimed = inbox.claim(worker, limit=3)
            if not claimed:
                idle_rounds += 1
                time.sleep(0.01)
                continue
            idle_rounds = 0
            for entry in claimed:
                with lock:
                    if entry.athlete_id in active:
                        problems.append(f"{entry.athlete_id} in two workers at once")
                    active[entry.athlete_id] = worker
                time.sleep(0.001)
                with lock:
                    processed.append((entry.athlete_id, entry.id,
                                      entry.payload["activity"]["id"]))
                    del active[entry.athlete_id]
                assert inbox.complete(entry.id, worker, ["h"])

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert problems == []
    assert len(processed) == 120
    assert len({entry_id for _, entry_id, _ in processed}) == 120
    for athlete in athletes:
        order = [activity for a, _, activity in processed if a == athlete]
        assert order == [f"i{s}" for s in range(20)]
    assert inbox.stats()["done"] == 120


def test_in_memory_sqlite_is_refused() -> None:
    from intervals_icu import ConfigurationError

    for url in ("sqlite://", "sqlite:///:memory:"):
        with pytest.raises(ConfigurationError, match="not durable"):
            Inbox(url)
    with pytest.raises(ConfigurationError, match="SQLite and PostgreSQL"):
        Inbox("mysql://u@h/db")


def test_repr_hides_the_password(database_url: str, table_prefix: str) -> None:
    box = Inbox(database_url.replace("postgres@", "postgres:hunter2@"), table_prefix=table_prefix,
                create=False)
    assert "hunter2" not in repr(box)
    box.close()
