"""Every write operation of the spec is known to the journal: undoable, or not with the
reason; and to the retry policy: replayable or not."""

from __future__ import annotations

import pytest

from intervals_icu.idempotency import GONE_MEANS_DONE, REPLAYABLE, is_replayable
from intervals_icu.journal import RULES, undoable_operations
from intervals_icu.journal.targets import path_params
from intervals_icu.spec import operations

WRITES = {op.operation_id: op for op in operations() if op.method != "GET"}


def test_every_write_operation_of_the_spec_has_a_journal_rule() -> None:
    assert set(RULES) == set(WRITES)


@pytest.mark.parametrize("operation_id", sorted(WRITES))
def test_each_rule_names_the_operation_path_and_says_why_it_cannot_be_undone(
    operation_id: str,
) -> None:
    rule = RULES[operation_id]
    assert rule.template == WRITES[operation_id].path
    if rule.undoable:
        assert rule.kind, f"{operation_id}: an undoable write names the kind of record"
        assert rule.journaled
    else:
        assert len(rule.reason) > 20, f"{operation_id}: say why it cannot be undone"


def test_the_undoable_list_is_what_docs_say() -> None:
    listed = undoable_operations()
    undoable = sorted(op for op, why in listed.items() if not why)
    not_undoable = sorted(op for op, why in listed.items() if why)
    assert len(WRITES) == 69
    assert len(undoable) + len(not_undoable) == len(WRITES)
    assert {"updateWellness", "updateEvent", "deleteEvent", "splitInterval",
            "createEvent", "updateActivity"} <= set(undoable)
    assert {"deleteActivity", "disconnectApp"} <= set(not_undoable)


def test_every_write_operation_is_classified_for_replay() -> None:
    assert set(REPLAYABLE) == set(WRITES)
    assert set(WRITES) >= GONE_MEANS_DONE
    for operation_id in GONE_MEANS_DONE:
        assert WRITES[operation_id].method == "DELETE"
        assert REPLAYABLE[operation_id]


def test_replay_is_decided_per_operation_not_per_method() -> None:
    assert WRITES["splitInterval"].method == "PUT"
    assert not is_replayable("splitInterval", "PUT")
    assert is_replayable("updateIntervals", "PUT")
    assert WRITES["uploadWellness"].method == "POST"
    assert is_replayable("uploadWellness", "POST")
    assert not is_replayable("createEvent", "POST")
    assert not is_replayable(None, "PUT")  # a raw write that names no operation
    assert is_replayable(None, "GET")


def test_path_parameters_are_read_off_the_template() -> None:
    assert path_params("/api/v1/athlete/{id}/events/{eventId}",
                       "/api/v1/athlete/i7/events/42") == {"id": "i7", "eventId": "42"}
    assert path_params("/api/v1/athlete/{id}/events/{eventId}", "/api/v1/athlete/i7/events") \
        is None
    assert path_params("/api/v1/athlete/{id}/download-workout{ext}",
                       "/api/v1/athlete/0/download-workout.zwo") == {"id": "0", "ext": ".zwo"}
