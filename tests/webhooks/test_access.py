"""An athlete leaving is not a deletion: the whole revoke -> re-grant cycle through the
sandbox's webhooks, for a mirror that reads with each athlete's OAuth token and for one that
reads with a coach's key. Losing access marks the athlete (since when, why) and keeps every
row live; syncing stops; when access comes back (a new authorization, or the key can read
them again) a catch-up sync brings the mirror level with the API, with nobody running a
sync by hand."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intervals_icu import BearerToken, Client, Credentials, RetryPolicy
from intervals_icu.mirror import Mirror
from intervals_icu.sandbox import Sandbox
from intervals_icu.webhooks import Inbox, ReceiverServer, RetrySchedule, WebhookReceiver
from tests.mirror.oracle import assert_mirror_equals

pytestmark = pytest.mark.slow

SECRET = "whsec-access-cycle"
SCOPES = "ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE,SETTINGS:WRITE"
FAST_API = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_max=0.05)
FAST_HANDLERS = RetrySchedule(max_attempts=8, first_delay=0.1, factor=1.5, jitter=0.0)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


@dataclass
class Cycle:
    sandbox: Sandbox
    athlete: str
    mirror: Mirror
    receiver: WebhookReceiver
    server: ReceiverServer
    client_id: str
    own_key: Client
    """The athlete's own API key: changes made while the app has no access."""

    @property
    def inbox(self) -> Inbox:
        return self.receiver.inbox

    def settle(self) -> None:
        """Every delivery made and every inbox entry worked (twice in a row)."""
        def quiet() -> bool:
            stats = self.inbox.stats()
            return (self.sandbox.state.webhooks.idle() and not stats["pending"]
                    and not stats["processing"])
        for _ in range(2):
            wait_until(quiet, what="webhooks to settle")
            time.sleep(0.2)
        assert self.inbox.stats()["dead"] == 0, [e.summary() for e in self.inbox.list(
            status="dead")]

    def reconcile(self) -> None:
        """What `icu webhooks serve` runs periodically: the mirror's incremental sync."""
        worker = self.receiver.worker(worker_id="reconciler",
                                      reconcile_every=3600)
        assert asyncio.run(worker.reconcile_if_leader())

    def live_rows(self) -> int:
        return self.mirror.store.count_live("activities", self.athlete)

    def mirrored_name(self, activity_id: str) -> str | None:
        rows = [r for r in self.mirror.store.rows("activities", self.athlete)
                if r["activity_id"] == activity_id]
        return rows[0]["name"] if rows else None

    def lost(self) -> bool:
        status = self.mirror.store.access(self.athlete)
        return status is not None and status.lost

    def grant(self) -> Credentials:
        return self.sandbox.oauth_token(self.athlete, SCOPES,
                                        client_id=self.client_id).credentials()

    def some_activity(self) -> str:
        today = self.own_key.today()
        return str(next(a for a in self.own_key.activities.list(today - timedelta(days=20))
                        if not a.is_strava_stub).id)


def _cycle(tmp_path: Path, mirror_client: Callable[[Sandbox], Client],
           credentials_for: Callable[[str], Credentials | None] | None) -> Iterator[Cycle]:
    sandbox = Sandbox(seed=5, athletes=1, years=0.05).start()
    sandbox.configure(rate_limit_enabled=False,
                      webhook_retry_schedule=(0.2, 0.4, 0.8, 1.6, 3.2, 6.4))
    database = f"sqlite:///{tmp_path / 'icu.db'}"
    mirror = Mirror(mirror_client(sandbox), database, credentials_for=credentials_for)
    receiver = WebhookReceiver(secrets=SECRET, inbox=database, mirror=mirror,
                               retry=FAST_HANDLERS)
    server = ReceiverServer(receiver, poll_interval=0.05).start()
    app = sandbox.register_app("Access app", ["http://localhost/callback"],
                               webhook_url=server.url, webhook_secret=SECRET)
    own_key = sandbox.client(retry=FAST_API)
    try:
        yield Cycle(sandbox, sandbox.athlete_id, mirror, receiver, server, app.client_id,
                    own_key)
    finally:
        server.stop()
        own_key.close()
        receiver.writer.close()
        receiver.inbox.close()
        sandbox.stop()
        mirror.close()


def test_an_oauth_athlete_who_revokes_then_grants_again(tmp_path: Path) -> None:
    tokens: dict[str, Credentials] = {}

    def app_client(sandbox: Sandbox) -> Client:
        # An OAuth app has no key of its own: each athlete is read with their token.
        return sandbox.client(credentials=BearerToken("the-app-has-no-key-of-its-own"),
                              retry=FAST_API)

    for cycle in _cycle(tmp_path, app_client, tokens.get):
        athlete = cycle.athlete
        # The athlete authorizes: the worker's catch-up is their first sync.
        tokens[athlete] = cycle.grant()
        cycle.settle()
        assert_mirror_equals(cycle.mirror.store, cycle.sandbox, athlete)
        kept = cycle.live_rows()
        assert kept > 0

        with cycle.sandbox.client(credentials=tokens[athlete]) as as_app:
            as_app.oauth.disconnect()
        cycle.settle()
        status = cycle.mirror.store.access(athlete)
        assert status is not None
        assert status.lost_at is not None
        assert "deauthorized" in (status.reason or "")
        assert cycle.live_rows() == kept, "leaving is not a deletion"
        assert cycle.mirror.store.athlete_ids() == [athlete]

        # While the app has no access the athlete goes on training and editing.
        renamed = cycle.some_activity()
        cycle.own_key.activities.update(renamed, name="Renamed while away")
        today = cycle.own_key.today()
        cycle.own_key.wellness.update(today, weight=61.5)
        cycle.own_key.events.create(category="NOTE", name="Planned while away",
                                    start_date_local=f"{today + timedelta(days=3)}T00:00:00")
        cycle.reconcile()  # checks access (one request), reads nothing else
        assert cycle.lost()
        assert cycle.mirrored_name(renamed) != "Renamed while away"
        assert cycle.live_rows() == kept

        # A new authorization: the catch-up runs by itself.
        tokens[athlete] = cycle.grant()
        cycle.settle()
        assert not cycle.lost()
        assert cycle.mirrored_name(renamed) == "Renamed while away"
        assert_mirror_equals(cycle.mirror.store, cycle.sandbox, athlete)


def test_a_coach_key_keeps_reading_after_a_revocation_and_catches_up_when_readable_again(
    tmp_path: Path
) -> None:
    def coach_client(sandbox: Sandbox) -> Client:
        return sandbox.client(sandbox.coach_api_key, retry=FAST_API)

    for cycle in _cycle(tmp_path, coach_client, None):
        athlete, sandbox = cycle.athlete, cycle.sandbox
        cycle.mirror.sync(athletes=[athlete])
        token = cycle.grant()
        cycle.settle()

        # The athlete revokes the app; the coach's key still reads them: nothing is lost.
        with sandbox.client(credentials=token) as as_app:
            as_app.oauth.disconnect()
        cycle.settle()
        assert not cycle.lost()
        kept = cycle.live_rows()
        first = cycle.some_activity()
        cycle.own_key.activities.update(first, name="Still coached")
        cycle.reconcile()
        assert cycle.mirrored_name(first) == "Still coached"

        # The athlete stops being coached: the key cannot read them any more.
        with sandbox.state.lock:
            sandbox.state.accounts[athlete].coached_by.discard(sandbox.coach_id)
        cycle.reconcile()
        assert cycle.lost()
        assert cycle.live_rows() == kept, "leaving is not a deletion"
        cycle.own_key.activities.update(first, name="Renamed while not coached")
        cycle.reconcile()
        assert cycle.mirrored_name(first) == "Still coached"

        # Coached again: the next reconciliation finds the key reads them and catches up.
        with sandbox.state.lock:
            sandbox.state.accounts[athlete].coached_by.add(sandbox.coach_id)
        cycle.reconcile()
        assert not cycle.lost()
        assert cycle.mirrored_name(first) == "Renamed while not coached"

        # And the app authorized again: its APP_SCOPE_CHANGED catches the mirror up at once.
        today = cycle.own_key.today()
        cycle.own_key.wellness.update(today, weight=72.25)
        cycle.grant()
        cycle.settle()
        day = [r for r in cycle.mirror.store.rows("wellness", athlete) if r["day"] == today]
        assert day[0]["weight"] == 72.25
        assert_mirror_equals(cycle.mirror.store, sandbox, athlete)
        assert datetime.now(UTC) - (cycle.mirror.store.access(athlete).regained_at  # type: ignore[union-attr, operator]
                                    ) < timedelta(minutes=5)
