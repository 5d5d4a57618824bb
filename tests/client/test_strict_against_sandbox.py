"""Strict mode is usable in tests: the sandbox sends nothing the (errata-corrected) spec does not
describe. A field a handler invents, or a platform field the spec lacks, fails here by name."""

from __future__ import annotations

from datetime import timedelta

from intervals_icu import Client
from intervals_icu.sandbox import Sandbox


def test_main_reads_pass_strict_validation(seeded_sandbox: Sandbox) -> None:
    client: Client = seeded_sandbox.client().with_options(strict=True)
    coach = seeded_sandbox.client(seeded_sandbox.coach_api_key).with_options(strict=True)
    today = client.today()
    client.athletes.get()
    coach.athletes.list()
    coach.athletes.summary()
    activities = [a for a in client.activities.list(today - timedelta(days=60))
                  if not a.is_strava_stub]
    assert activities
    ride = next((a for a in activities if a.type == "Ride"), activities[0])
    client.activities.get(ride.id, intervals=True)
    client.activities.intervals(ride.id)
    client.activities.streams(ride.id)
    client.activities.get_many([a.id for a in activities[:5]], intervals=True)
    client.wellness.list(today - timedelta(days=30), today)
    client.events.list(today - timedelta(days=30), today + timedelta(days=14))
    client.gear.list()
    client.sport_settings.list()
