"""Calendar events through the client (sync and async) against the sandbox."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervals_icu import (
    CLEAR,
    AsyncClient,
    Client,
    InvalidRequestError,
    NotFound,
    Unprocessable,
)
from intervals_icu.sandbox import Sandbox

WORKOUT_TEXT = "- 10m 60%\n\n4x\n- 8m 110%\n- 8m 50%"
# 10 min + 4 x (8 + 8) min
WORKOUT_SECONDS = 600 + 4 * 960


def move_clock_to(sandbox: Sandbox, moment: datetime) -> None:
    sandbox.clock.freeze()
    sandbox.clock.advance((moment - sandbox.clock.now()).total_seconds())


def stored(sandbox: Sandbox, event_id: int) -> dict[str, object]:
    return dict(sandbox.state.store(sandbox.athlete_id).events[event_id])


def calendar_events(sandbox: Sandbox) -> list[dict[str, object]]:
    return [e for e in sandbox.state.webhooks.emitted if e["type"] == "CALENDAR_UPDATED"]


def note(day: str, name: str = "note", **fields: object) -> dict[str, object]:
    return {"category": "NOTE", "start_date_local": f"{day}T00:00:00", "name": name, **fields}


# -- the default window --------------------------------------------------------------------------


def test_default_window_is_today_to_six_days_ahead_in_the_athletes_time_zone(
    client: Client, sandbox: Sandbox
) -> None:
    client.athletes.update(timezone="Pacific/Auckland")
    # 20:00 UTC on 10 June is already 08:00 on 11 June in Auckland (UTC+12).
    move_clock_to(sandbox, datetime(2031, 6, 10, 20, 0, tzinfo=UTC))
    days = ["2031-06-10", "2031-06-11", "2031-06-17", "2031-06-18"]
    for day in days:
        client.events.create(**note(day, name=day))  # type: ignore[arg-type]

    assert [e.name for e in client.events.list()] == ["2031-06-11", "2031-06-17"]

    sandbox.clock.advance(24 * 3600)  # the next local day
    assert [e.name for e in client.events.list()] == ["2031-06-17", "2031-06-18"]
    # an explicit oldest moves the window: oldest .. oldest+6, both inclusive
    assert [e.name for e in client.events.list("2031-06-04")] == ["2031-06-10"]


async def test_async_default_window(async_client: AsyncClient, sandbox: Sandbox) -> None:
    await async_client.athletes.update(timezone="America/Denver")
    # 03:00 UTC on 2 March is still 1 March (20:00) in Denver (UTC-7).
    move_clock_to(sandbox, datetime(2031, 3, 2, 3, 0, tzinfo=UTC))
    for day in ("2031-03-01", "2031-03-07", "2031-03-08"):
        await async_client.events.create(**note(day, name=day))  # type: ignore[arg-type]
    assert [e.name for e in await async_client.events.list()] == ["2031-03-01", "2031-03-07"]


def test_category_filter_takes_one_or_several(client: Client) -> None:
    client.events.create(**note("2031-01-05", name="n"))  # type: ignore[arg-type]
    client.events.create(category="WORKOUT", start_date_local="2031-01-05T00:00:00",
                         type="Ride", name="w", description=WORKOUT_TEXT)
    client.events.create(category="RACE_A", start_date_local="2031-01-06T00:00:00",
                         type="Run", name="race")
    window = ("2031-01-01", "2031-01-10")
    assert {e.name for e in client.events.list(*window, category="WORKOUT")} == {"w"}
    assert {e.name for e in client.events.list(*window, category=["NOTE", "RACE_A"])} == {
        "n", "race"}
    assert len(client.events.list(*window, limit=2)) == 2


# -- create and update -----------------------------------------------------------------------------


def test_native_workout_text_is_parsed_into_time_load_and_steps(client: Client) -> None:
    event = client.events.create(category="WORKOUT", start_date_local=date(2031, 2, 1),  # type: ignore[arg-type]
                                 type="Ride", name="4x8", description=WORKOUT_TEXT)
    assert event.start_date_local == "2031-02-01T00:00:00"
    assert event.moving_time == WORKOUT_SECONDS
    assert event.icu_training_load is not None
    assert 60 < event.icu_training_load < 110
    doc = event.workout_doc or {}
    assert doc["duration"] == WORKOUT_SECONDS
    assert doc["steps"][1]["reps"] == 4
    assert [s["power"]["value"] for s in doc["steps"][1]["steps"]] == [110, 50]


def test_update_changes_only_the_fields_sent(client: Client, sandbox: Sandbox) -> None:
    event = client.events.create(category="WORKOUT", start_date_local="2031-02-02T00:00:00",
                                 type="Ride", name="before", description=WORKOUT_TEXT,
                                 color="red", carbs_per_hour=60)
    updated = client.events.update(event.id or 0, name="after")
    assert (updated.name, updated.color, updated.carbs_per_hour, updated.moving_time) == (
        "after", "red", 60, WORKOUT_SECONDS)
    cleared = client.events.update(event.id or 0, carbs_per_hour=CLEAR)
    assert cleared.carbs_per_hour is None
    assert cleared.name == "after"
    assert "carbs_per_hour" not in stored(sandbox, event.id or 0)
    # a new description is parsed again
    shorter = client.events.update(event.id or 0, description="- 30m 70%")
    assert shorter.moving_time == 1800


def test_updated_moves_on_a_change_and_not_on_a_no_op(client: Client, sandbox: Sandbox) -> None:
    sandbox.clock.freeze()
    event = client.events.create(**note("2031-02-03", name="a"))  # type: ignore[arg-type]
    sandbox.clock.advance(60)
    same = client.events.update(event.id or 0, name="a")
    assert same.updated == event.updated
    sandbox.clock.advance(60)
    changed = client.events.update(event.id or 0, name="b")
    assert changed.updated is not None
    assert event.updated is not None
    assert changed.updated - event.updated == timedelta(seconds=120)


def test_bad_events_are_refused(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="category"):
        client.events.create(name="no category", start_date_local="2031-01-01T00:00:00")
    with pytest.raises(InvalidRequestError, match="Did you mean 'name'"):
        client.events.create(**note("2031-01-01"), nmae="typo")  # type: ignore[arg-type]
    with pytest.raises(Unprocessable, match="Name is too long"):
        client.events.create(**note("2031-01-01", name="x" * 81))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        client.events.get(987654)


async def test_async_create_get_update_delete(async_client: AsyncClient) -> None:
    event = await async_client.events.create(
        category="WORKOUT", start_date_local="2031-04-01T06:00:00", type="Run", name="tempo",
        description="- 20m 85% Pace")
    assert event.moving_time == 1200
    fetched = await async_client.events.get(event.id or 0)
    assert fetched.name == "tempo"
    await async_client.events.update(event.id or 0, indoor=True)
    assert (await async_client.events.get(event.id or 0)).indoor is True
    await async_client.events.delete(event.id or 0)
    with pytest.raises(NotFound):
        await async_client.events.get(event.id or 0)


def test_update_range_changes_only_hide_and_lock(client: Client) -> None:
    inside = client.events.create(**note("2031-05-02", name="in"))  # type: ignore[arg-type]
    outside = client.events.create(**note("2031-05-09", name="out"))  # type: ignore[arg-type]
    rows = client.events.update_range("2031-05-01", "2031-05-03", hide_from_athlete=True)
    assert [e.id for e in rows] == [inside.id]
    assert client.events.get(inside.id or 0).hide_from_athlete is True
    assert client.events.get(outside.id or 0).hide_from_athlete is None
    with pytest.raises(InvalidRequestError):
        client.events.update_range("2031-05-01", "2031-05-03")


# -- bulk: upserts ---------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]),
                                   st.text(alphabet="xyz", min_size=1, max_size=5)),
                         min_size=1, max_size=4),
                min_size=1, max_size=4))
def test_bulk_upsert_leaves_one_event_per_external_id(
    client: Client, sandbox: Sandbox, batches: list[list[tuple[str, str]]]
) -> None:
    """Any sequence of upserts (repeats within a batch too) leaves one event per external_id,
    carrying the last name sent for it."""
    client.events.delete_range("2031-07-01", "2031-07-31", category="NOTE")
    last: dict[str, str] = {}
    for batch in batches:
        client.events.create_many(
            [note("2031-07-15", name=name, external_id=key) for key, name in batch],
            upsert=True)
        last.update(dict(batch))
    events = client.events.list("2031-07-01", "2031-07-31")
    by_key = {e.external_id: e.name for e in events}
    assert len(events) == len(last)
    assert by_key == last


def test_without_upsert_the_same_external_id_is_created_again(client: Client) -> None:
    client.events.create_many([note("2031-07-20", external_id="k")])
    client.events.create_many([note("2031-07-20", external_id="k")])
    assert len(client.events.list("2031-07-20", "2031-07-20")) == 2


def test_upsert_on_uid(client: Client) -> None:
    first = client.events.create(**note("2031-08-01", name="one", uid="cal-1"))  # type: ignore[arg-type]
    again = client.events.create(upsert_on_uid=True, **note("2031-08-02", name="two",  # type: ignore[arg-type]
                                                             uid="cal-1"))
    assert again.id == first.id
    assert again.name == "two"
    bulk = client.events.create_many([note("2031-08-03", name="three", uid="cal-1"),
                                      note("2031-08-03", name="new", uid="cal-2")],
                                     upsert_on_uid=True)
    assert bulk[0].id == first.id
    assert {e.uid for e in client.events.list("2031-08-01", "2031-08-07")} == {"cal-1", "cal-2"}


def test_targets_update_the_existing_target_of_the_day_and_sport(client: Client) -> None:
    target = {"category": "TARGET", "start_date_local": "2031-08-10T00:00:00", "type": "Ride"}
    first = client.events.create_many([{**target, "load_target": 300}])[0]
    second = client.events.create_many([{**target, "load_target": 450}])[0]
    assert second.id == first.id
    assert second.load_target == 450
    run = client.events.create_many([{**target, "type": "Run", "load_target": 100}])[0]
    assert run.id != first.id


def test_external_ids_belong_to_the_app_that_created_them(client: Client,
                                                          sandbox: Sandbox) -> None:
    token = sandbox.oauth_token(scopes="CALENDAR:WRITE")
    with sandbox.client(credentials=token.credentials()) as app:
        mine = app.events.create_many([note("2031-09-01", name="app", external_id="x1")])[0]
        assert mine.oauth_client_id == int(sandbox.seeded.app_client_id)
    # the athlete's own key is another "app": its upsert does not touch the app's event
    client.events.create_many([note("2031-09-01", name="key", external_id="x1")], upsert=True)
    assert len(client.events.list("2031-09-01", "2031-09-01")) == 2
    assert client.events.delete_many(external_ids=["x1"]) == 1
    remaining = client.events.list("2031-09-01", "2031-09-01")
    assert [e.name for e in remaining] == ["app"]


# -- deleting --------------------------------------------------------------------------------------


def test_delete_many_by_id_and_external_id(client: Client) -> None:
    made = client.events.create_many(
        [note("2031-10-01", name=str(n), external_id=f"e{n}") for n in range(5)])
    deleted = client.events.delete_many(ids=[made[0].id or 0, 999_999],
                                        external_ids=["e1", "e2", "nope"])
    assert deleted == 3
    assert sorted(e.name or "" for e in client.events.list("2031-10-01", "2031-10-01")) == [
        "3", "4"]
    assert client.events.delete_many() == 0


async def test_async_bulk_upsert_and_delete(async_client: AsyncClient) -> None:
    await async_client.events.create_many([note("2031-10-05", name="v1", external_id="s")],
                                          upsert=True)
    again = await async_client.events.create_many(
        [note("2031-10-05", name="v2", external_id="s")], upsert=True)
    assert again[0].name == "v2"
    assert len(await async_client.events.list("2031-10-05", "2031-10-05")) == 1
    assert await async_client.events.delete_many(external_ids=["s"]) == 1


def test_range_delete_needs_a_category_and_keeps_other_categories(client: Client) -> None:
    with pytest.raises(InvalidRequestError, match="category"):
        client.events.delete_range("2031-11-01", "2031-11-30", category=[])
    client.events.create(**note("2031-11-02"))  # type: ignore[arg-type]
    client.events.create(category="WORKOUT", start_date_local="2031-11-02T00:00:00",
                         type="Ride", name="w", description=WORKOUT_TEXT)
    client.events.create(**note("2031-12-20", name="later"))  # type: ignore[arg-type]
    client.events.delete_range("2031-11-01", "2031-11-30", category="NOTE")
    assert [e.category for e in client.events.list("2031-11-01", "2031-11-30")] == ["WORKOUT"]
    client.events.delete_range("2031-11-01", category="NOTE")  # newest: all future
    assert client.events.list("2031-12-20", "2031-12-20") == []


def test_duplicate_then_delete_with_others(client: Client) -> None:
    event = client.events.create(category="WORKOUT", start_date_local="2032-01-05T00:00:00",
                                 type="Ride", name="weekly", description=WORKOUT_TEXT)
    copies = client.events.duplicate([event.id or 0], copies=3, weeks_between=1)
    assert [c.start_date_local for c in copies] == [
        "2032-01-12T00:00:00", "2032-01-19T00:00:00", "2032-01-26T00:00:00"]
    assert all(c.moving_time == WORKOUT_SECONDS for c in copies)
    client.events.delete(copies[0].id or 0, others=True, not_before="2032-01-19")
    left = [e.start_date_local for e in client.events.list("2032-01-01", "2032-01-31")]
    # copies[0] is gone, and so are the copies added with it on or after 19 January; the
    # original was added by another call and stays
    assert left == ["2032-01-05T00:00:00"]


# -- CSV, tags, fitness-model events, mark done ----------------------------------------------------


def test_csv_lists_the_same_events(client: Client) -> None:
    client.events.create(**note("2032-02-01", name="csv me", tags=["a", "b"]))  # type: ignore[arg-type]
    text = client.events.list_csv("2032-02-01", "2032-02-01")
    header, row = text.strip().splitlines()
    assert header.split(",")[:6] == ["id", "start_date_local", "end_date_local", "category",
                                     "type", "name"]
    assert "csv me" in row
    assert "NOTE" in row
    assert client.events.tags() == ["a", "b"]


def test_fitness_model_events_are_the_model_categories_oldest_first(client: Client) -> None:
    client.events.create(category="SET_EFTP", start_date_local="2032-03-05T00:00:00",
                         type="Ride", name="eftp")
    client.events.create(category="FITNESS_DAYS", start_date_local="2032-03-01T00:00:00",
                         name="days")
    client.events.create(**note("2032-03-02"))  # type: ignore[arg-type]
    names = [e.name for e in client.events.fitness_model_events()]
    assert names[-2:] == ["days", "eftp"]
    assert "note" not in names


def test_mark_done_creates_a_paired_manual_activity(client: Client, sandbox: Sandbox) -> None:
    event = client.events.create(category="WORKOUT", start_date_local="2032-04-01T07:00:00",
                                 type="Ride", name="done", description=WORKOUT_TEXT)
    activity = client.events.mark_done(event.id or 0)
    assert activity.paired_event_id == event.id
    assert (activity.moving_time, activity.type, activity.name) == (WORKOUT_SECONDS, "Ride",
                                                                   "done")
    assert activity.id in sandbox.state.store(sandbox.athlete_id).activities


# -- files -----------------------------------------------------------------------------------------


def test_download_workout_streams_a_file(client: Client, tmp_path: Path) -> None:
    event = client.events.create(category="WORKOUT", start_date_local="2032-05-01T00:00:00",
                                 type="Ride", name="Over unders", description=WORKOUT_TEXT)
    done = client.events.download_workout(event.id or 0, tmp_path)
    assert done.path == tmp_path / "Over_unders.zwo"
    root = ElementTree.parse(done.path).getroot()
    assert root.findtext("name") == "Over unders"
    interval = root.find("workout/IntervalsT")
    assert interval is not None
    assert interval.get("Repeat") == "4"
    buffer = io.BytesIO()
    fit = client.events.download_workout(event.id or 0, buffer, ext="fit")
    assert fit.path is None
    assert buffer.getvalue()[8:12] == b".FIT"
    with pytest.raises(InvalidRequestError, match="zwo"):
        client.events.download_workout(event.id or 0, tmp_path, ext="pdf")


async def test_async_download_workouts_zip(async_client: AsyncClient, tmp_path: Path) -> None:
    for day in ("2032-05-02", "2032-05-03"):
        await async_client.events.create(category="WORKOUT", start_date_local=f"{day}T00:00:00",
                                         type="Ride", name="zipped", description=WORKOUT_TEXT)
    await async_client.events.create(**note("2032-05-02"))  # type: ignore[arg-type]
    target = tmp_path / "all.zip"
    done = await async_client.events.download_workouts_zip(
        target, oldest="2032-05-01", newest="2032-05-31", ext=".mrc")
    assert done.path == target
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["2032-05-02_zipped.mrc", "2032-05-03_zipped.mrc"]
        assert b"MINUTES PERCENT" in archive.read("2032-05-02_zipped.mrc")


def test_events_listed_with_ext_carry_the_workout_file(client: Client) -> None:
    client.events.create(category="WORKOUT", start_date_local="2032-05-10T00:00:00",
                         type="Ride", name="file", description=WORKOUT_TEXT)
    [event] = client.events.list("2032-05-10", "2032-05-10", ext="zwo")
    extra = event.model_extra or {}
    assert extra["workout_filename"] == "file.zwo"
    assert base64.b64decode(extra["workout_file_base64"]).startswith(b"<workout_file>")
    [resolved] = client.events.list("2032-05-10", "2032-05-10", resolve=True)
    first_step = (resolved.workout_doc or {})["steps"][0]
    assert first_step["_power"]["value"] > 0


# -- webhooks ------------------------------------------------------------------------------------


def test_calendar_updated_carries_the_events_as_they_were(client: Client,
                                                          sandbox: Sandbox) -> None:
    event = client.events.create(**note("2032-06-01", name="first"))  # type: ignore[arg-type]
    client.events.update(event.id or 0, name="second")
    client.events.update(event.id or 0, name="second")  # no change, no webhook
    client.events.delete(event.id or 0)
    emitted = calendar_events(sandbox)
    assert len(emitted) == 3
    created, updated, deleted = emitted
    assert created["athlete_id"] == sandbox.athlete_id
    assert created["records"] == []
    assert [e["name"] for e in created["events"]] == ["first"]  # captured at that moment
    assert [e["name"] for e in updated["events"]] == ["second"]
    assert deleted["events"] == []
    assert deleted["deleted_events"] == [event.id]


def test_calendar_updated_without_event_lists_when_switched_off(client: Client,
                                                                sandbox: Sandbox) -> None:
    sandbox.configure(calendar_payload_events=False)
    client.events.create(**note("2032-06-02"))  # type: ignore[arg-type]
    [emitted] = calendar_events(sandbox)
    assert emitted["records"] == []
    assert "events" not in emitted
