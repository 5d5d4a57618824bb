"""The one planner of wellness writes over locked records (``wellness_lock.plan_writes``),
behind ``icu wellness set|lock|unlock`` and the MCP server's wellness tool: played against
a model of the platform's lock, every day ends as asked, or is skipped and named."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from intervals_icu.wellness_lock import plan_writes

DAYS = [f"2026-03-{n:02d}" for n in range(1, 7)]
record = st.fixed_dictionaries({"weight": st.sampled_from([None, 70.0, 71.5]),
                                "locked": st.booleans()})


def _platform(stored: dict[str, dict[str, Any]], bodies: list[dict[str, Any]]) -> None:
    """A bulk write as the platform applies it: a locked record changes only when the body
    unlocks it (API-NOTES §4.9); ``locked`` in a body sets the lock."""
    for body in bodies:
        current = stored.setdefault(body["id"], {})
        if current.get("locked") and body.get("locked") is not False:
            continue
        current.update({k: v for k, v in body.items() if k != "id"})


@given(st.dictionaries(st.sampled_from(DAYS), record),
       st.sampled_from([{"weight": 70.0}, {"weight": -1}, {}]),
       st.sampled_from([None, True, False]), st.booleans())
def test_every_day_ends_as_asked_or_is_skipped(current: dict[str, dict[str, Any]],
                                               patch: dict[str, Any], lock: bool | None,
                                               edit_locked: bool) -> None:
    plan = plan_writes(current, DAYS, patch, lock=lock, edit_locked=edit_locked,
                       numeric=lambda name: name == "weight")
    stored = {day: dict(r) for day, r in current.items()}
    _platform(stored, plan.writes)
    _platform(stored, plan.relocks)
    wanted = {k: None if v == -1 else v for k, v in patch.items()}
    for day in DAYS:
        before = current.get(day, {})
        after = stored.get(day, {})
        if day in plan.skipped:
            assert before.get("locked")
            assert not edit_locked
            assert after == before  # left exactly as it was
            continue
        want_locked = bool(before.get("locked")) if lock is None else lock
        changes = any(before.get(k) != v and (before.get(k), v) != (None, None)
                      for k, v in wanted.items())
        if changes or want_locked != bool(before.get("locked")):
            assert {k: (None if after.get(k) == -1 else after.get(k)) for k in wanted} == \
                wanted
            assert bool(after.get("locked")) == want_locked
        else:
            assert day not in {w["id"] for w in plan.writes}  # nothing to write
    # each planned day is shown once, its relock only when it was unlocked for the write
    assert [d.day for d in plan.days] == [w["id"] for w in plan.writes]
    assert {r["id"] for r in plan.relocks} == {d.day for d in plan.days if d.relocked}
    assert all(d.unlocked for d in plan.days if d.relocked)


def test_the_cli_and_the_mcp_tool_plan_the_same_writes() -> None:
    from intervals_icu.cli.wellness import _numeric, _plan_writes
    from intervals_icu.mcp.changes import plan_wellness

    current = {"2026-03-01": {"weight": 70.0, "locked": True},
               "2026-03-02": {"weight": 71.0},
               "2026-03-03": {"weight": 72.0, "locked": True}}
    days = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    for edit_locked in (True, False):
        changes, writes, relocks, skipped = _plan_writes(
            current, days, {"weight": 69.5}, lock=None, edit_locked=edit_locked)
        tool = plan_wellness(current, days, {"weight": 69.5}, lock=None,
                             edit_locked=edit_locked, numeric=_numeric)
        assert (tool.writes, tool.relocks) == (writes, relocks)
        assert [(c.record, c.action, c.before, c.after) for c in tool.changes] == \
            [(c.record, c.action, dict(c.before), dict(c.after)) for c in changes]
        assert len(tool.skipped) == len(skipped) == (0 if edit_locked else 2)
        if not edit_locked:  # each worded for its caller
            assert all("--unlock" in s for s in skipped)
            assert all("unlock_locked=true" in s for s in tool.skipped)
    _, writes, relocks, _ = _plan_writes(current, days, {"weight": 69.5}, lock=None,
                                         edit_locked=True)
    assert writes[0] == {"id": "2026-03-01", "weight": 69.5, "locked": False}
    assert relocks == [{"id": "2026-03-01", "locked": True},
                       {"id": "2026-03-03", "locked": True}]
