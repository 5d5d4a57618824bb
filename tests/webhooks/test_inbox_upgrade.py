"""An inbox created by an older intervals-icu (commit 0738443, before the inbox's schema was
versioned) opens, is stamped with its version, and works on: its entries keep their state,
the pending ones and the one whose worker died are processed, the dead one replays, new
deliveries are stored. The fixture was made by running that commit's code
(tests/webhooks/fixtures/make_inbox_0738443.py); both databases."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from intervals_icu.webhooks import EntryStatus, Inbox, RetrySchedule, WebhookReceiver
from intervals_icu.webhooks.inbox import SCHEMA_VERSION

FIXTURES = Path(__file__).parent / "fixtures"


def _load_old_inbox(database_url: str, prefix: str) -> None:
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        script = (FIXTURES / "inbox_0738443.sqlite.sql").read_text()
        with sqlite3.connect(url.database or "") as db:
            db.executescript(script.replace("icu_webhook_", prefix))
        return
    script = (FIXTURES / "inbox_0738443.postgresql.sql").read_text()
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        for statement in script.replace("icu_webhook_", prefix).split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement.strip().rstrip(";"))
    engine.dispose()


def test_an_inbox_from_before_versioning_opens_upgrades_and_works(database_url: str,
                                                                  table_prefix: str) -> None:
    _load_old_inbox(database_url, table_prefix)
    inbox = Inbox(database_url, table_prefix=table_prefix)
    try:
        assert inbox.upgrade() == SCHEMA_VERSION  # stamped when it opened; nothing more now
        with inbox.engine.connect() as conn:
            stamped = conn.execute(sa.select(inbox.schema_version.c.version)).scalar_one()
        assert stamped == SCHEMA_VERSION
        before = {e.id: e for e in inbox.list(limit=100)}
        assert {e.status for e in before.values()} == {
            EntryStatus.DONE, EntryStatus.DEAD, EntryStatus.PENDING, EntryStatus.PROCESSING}
        assert inbox.deauthorized_athletes() == {"i3"}
        assert before[1].deliveries == 2  # the old redelivery count survives
        assert before[1].steps_done == ("fails_for_i2",)

        receiver = WebhookReceiver(secrets="new", inbox=inbox,
                                   retry=RetrySchedule(max_attempts=2, first_delay=0.01))
        ran: list[tuple[str, str]] = []
        receiver.add_handler(lambda e, c: ran.append((e.athlete_id, e.activity_id)),
                             "ACTIVITY_UPDATED", name="fails_for_i2")
        stored = asyncio.run(receiver.receive(
            b'{"secret":"new","events":[{"athlete_id":"i1","type":"ACTIVITY_UPDATED",'
            b'"timestamp":"2026-01-14T16:00:30.000+00:00","activity":{"id":"i30"}}]}',
            content_type="application/json"))
        assert stored.status == 200
        report = asyncio.run(receiver.worker().run_until_idle())
        # i1's entry whose old worker died (its lease long expired), its pending one, and
        # the new delivery, in the athlete's order
        assert report.done == 3
        assert ran == [("i1", "i2"), ("i1", "i9"), ("i1", "i30")]
        (dead,) = inbox.list(status="dead")
        inbox.replay(dead.id)
        assert asyncio.run(receiver.worker().run_until_idle()).done == 1
        assert ran[-1] == ("i2", "i3")
        assert inbox.stats() == {"pending": 0, "processing": 0, "done": 6, "dead": 0}
        receiver.writer.close()
    finally:
        inbox.drop_tables()
        inbox.close()


def test_a_newer_inbox_is_refused_with_what_to_do(database_url: str, table_prefix: str) -> None:
    import pytest

    from intervals_icu.errors import ConfigurationError

    inbox = Inbox(database_url, table_prefix=table_prefix)
    try:
        with inbox.engine.begin() as conn:
            conn.execute(sa.update(inbox.schema_version).values(version=SCHEMA_VERSION + 1))
        with pytest.raises(ConfigurationError, match="upgrade the package"):
            Inbox(database_url, table_prefix=table_prefix)
    finally:
        inbox.drop_tables()
        inbox.close()
