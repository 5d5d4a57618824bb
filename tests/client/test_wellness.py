"""Wellness through the client: partial updates, CLEAR, custom fields, and the lock workflow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervals_icu import CLEAR, AsyncClient, Client, InvalidRequestError, RecordLockedError
from intervals_icu.sandbox import Sandbox


def stored(sandbox: Sandbox, day: str) -> dict[str, object]:
    return dict(sandbox.state.store(sandbox.athlete_id).wellness[day])


def test_update_sends_only_the_given_fields(client: Client, sandbox: Sandbox) -> None:
    client.wellness.update("2025-03-01", weight=70.2, restingHR=48, comments="easy day")
    client.wellness.update("2025-03-01", hrv=61.5)
    record = stored(sandbox, "2025-03-01")
    assert (record["weight"], record["restingHR"], record["hrv"], record["comments"]) == (
        70.2, 48, 61.5, "easy day")


def test_clear_unsets_a_numeric_field_and_is_refused_elsewhere(client: Client,
                                                               sandbox: Sandbox) -> None:
    client.wellness.update("2025-03-02", weight=70.0, sleepSecs=28000)
    returned = client.wellness.update("2025-03-02", sleepSecs=CLEAR)
    assert returned.sleepSecs is None
    assert returned.weight == 70.0
    assert "sleepSecs" not in stored(sandbox, "2025-03-02")
    with pytest.raises(InvalidRequestError, match="only unsets numeric"):
        client.wellness.update("2025-03-02", comments=CLEAR)  # type: ignore[arg-type]


def test_typos_and_wrong_types_are_refused_before_sending(client: Client, sandbox: Sandbox) -> None:
    with pytest.raises(InvalidRequestError, match="Did you mean 'weight'"):
        client.wellness.update("2025-03-03", wieght=70)  # type: ignore[call-arg]
    with pytest.raises(InvalidRequestError, match="hrv"):
        client.wellness.update("2025-03-03", hrv="high")  # type: ignore[arg-type]
    assert "2025-03-03" not in sandbox.state.store(sandbox.athlete_id).wellness


def test_custom_fields_go_by_their_code(client: Client, sandbox: Sandbox) -> None:
    client.wellness.update("2025-03-04", custom_fields={"SleepingHRrange": "55 - 72"})
    assert stored(sandbox, "2025-03-04")["SleepingHRrange"] == "55 - 72"


def test_a_locked_record_is_not_overwritten_and_the_error_says_how(client: Client,
                                                                    sandbox: Sandbox) -> None:
    client.wellness.update("2025-03-05", weight=70.0, locked=True)
    with pytest.raises(RecordLockedError) as info:
        client.wellness.update("2025-03-05", weight=75.0)
    assert info.value.record_id == "2025-03-05"
    assert "unlock=True" in str(info.value)
    assert stored(sandbox, "2025-03-05")["weight"] == 70.0


def test_unlock_edit_relock_in_one_call(client: Client, sandbox: Sandbox) -> None:
    client.wellness.update("2025-03-06", weight=70.0, restingHR=50, locked=True)
    record = client.wellness.update("2025-03-06", weight=69.1, unlock=True)
    assert record.locked is True
    assert record.weight == 69.1
    assert stored(sandbox, "2025-03-06")["restingHR"] == 50


def test_reject_mode_is_handled_the_same(client: Client, sandbox: Sandbox) -> None:
    sandbox.configure(locked_write_mode="reject")
    client.wellness.update("2025-03-07", weight=70.0, locked=True)
    with pytest.raises(RecordLockedError):
        client.wellness.update("2025-03-07", weight=72.0)
    assert client.wellness.update("2025-03-07", weight=72.0, unlock=True).weight == 72.0


def test_device_imports_never_change_a_locked_record(sandbox: Sandbox, client: Client) -> None:
    from intervals_icu.sandbox.handlers.wellness import write_wellness

    client.wellness.update("2025-03-08", weight=70.0, locked=True)
    write_wellness(sandbox.state, sandbox.athlete_id, "2025-03-08", {"weight": 90.0},
                   source="device")
    assert stored(sandbox, "2025-03-08")["weight"] == 70.0


def test_unlock_and_lock_a_range(client: Client, sandbox: Sandbox) -> None:
    days = [date(2025, 4, 1) + timedelta(days=n) for n in range(10)]
    client.wellness.update_many([{"id": d.isoformat(), "weight": 70 + n, "locked": True}
                                 for n, d in enumerate(days)])
    unlocked = client.wellness.unlock(days[0], days[-1])
    assert unlocked == [d.isoformat() for d in days]
    assert not any(stored(sandbox, d.isoformat())["locked"] for d in days)
    assert client.wellness.unlock(days[0], days[-1]) == []  # nothing left to unlock
    locked = client.wellness.lock(days[2], days[4])
    assert locked == [d.isoformat() for d in days[2:5]]


def test_list_and_fields_drop_nulls(client: Client) -> None:
    client.wellness.update("2025-05-01", weight=70.0)
    client.wellness.update("2025-05-02", restingHR=47)
    records = client.wellness.list("2025-05-01", "2025-05-02", fields=["id", "weight"])
    assert [r.id for r in records] == ["2025-05-01", "2025-05-02"]
    assert records[0].weight == 70.0
    assert "weight" not in records[1].model_fields_set  # null dropped, not sent as null
    csv_text = client.wellness.list_csv("2025-05-01", "2025-05-02", cols=["date", "weight"])
    assert csv_text.splitlines() == ["date,weight", "2025-05-01,70.0", "2025-05-02,"]


def test_csv_upload(client: Client, sandbox: Sandbox) -> None:
    result = client.wellness.upload_csv(b"date,weight,restingHR\n2025-06-01,71.5,49\n")
    assert result == {"updated": 1}
    assert stored(sandbox, "2025-06-01")["restingHR"] == 49


def test_update_current_sets_the_profile_weight(client: Client, sandbox: Sandbox) -> None:
    today = sandbox.state.local_today(sandbox.athlete_id)
    client.wellness.update(today, weight=66.6, update_current=True)
    assert sandbox.state.accounts[sandbox.athlete_id].profile["icu_weight"] == 66.6


async def test_async_lock_workflow(async_client: AsyncClient, sandbox: Sandbox) -> None:
    await async_client.wellness.update("2025-07-01", weight=70.0, locked=True)
    with pytest.raises(RecordLockedError):
        await async_client.wellness.update("2025-07-01", weight=71.0)
    record = await async_client.wellness.update("2025-07-01", weight=71.0, unlock=True)
    assert (record.weight, record.locked) == (71.0, True)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["weight", "restingHR", "hrv", "sleepSecs"]),
                          st.one_of(st.just(CLEAR), st.integers(min_value=1, max_value=200))),
                min_size=1, max_size=12))
def test_partial_updates_compose_like_a_dict(client: Client,
                                             updates: list[tuple[str, object]]) -> None:
    """Any sequence of single-field updates leaves exactly what a dict update would."""
    day = "2025-08-01"
    client.wellness.update(day, weight=CLEAR, restingHR=CLEAR, hrv=CLEAR, sleepSecs=CLEAR)
    expected: dict[str, object] = {}
    for name, value in updates:
        client.wellness.update(day, **{name: value})  # type: ignore[arg-type]
        if value is CLEAR:
            expected.pop(name, None)
        else:
            expected[name] = value
    record = client.wellness.get(day)
    for name in ("weight", "restingHR", "hrv", "sleepSecs"):
        value = getattr(record, name)
        assert (value is None) == (name not in expected)
        if name in expected:
            assert value == pytest.approx(expected[name])


def test_bulk_updates_refuse_typos_and_locked_records(client: Client, sandbox: Sandbox) -> None:
    with pytest.raises(InvalidRequestError, match="Did you mean 'weight'"):
        client.wellness.update_many([{"id": "2025-09-01", "wieght": 70}])
    client.wellness.update_many([{"id": "2025-09-01", "weight": 70.0, "locked": True},
                                 {"id": "2025-09-02", "weight": 71.0}])
    with pytest.raises(RecordLockedError) as info:
        client.wellness.update_many([{"id": "2025-09-01", "weight": 72.0},
                                     {"id": "2025-09-02", "weight": 73.0}])
    assert info.value.record_ids == ["2025-09-01"]
    assert stored(sandbox, "2025-09-02")["weight"] == 71.0, "nothing was sent"
    client.wellness.update_many([{"id": "2025-09-01", "weight": 72.0},
                                 {"id": "2025-09-02", "weight": 73.0}], unlock=True)
    first, second = stored(sandbox, "2025-09-01"), stored(sandbox, "2025-09-02")
    assert (first["weight"], first["locked"]) == (72.0, True), "unlocked, written, re-locked"
    assert (second["weight"], second["locked"]) == (73.0, False)
    client.wellness.update_many([{"id": "2025-09-03", "SleepingHRrange": "55 - 72"}],
                                custom_fields=True)
    assert stored(sandbox, "2025-09-03")["SleepingHRrange"] == "55 - 72"
