"""The fault campaign (issue 11, "correctness under faults"): a random sequence of writes made
with `icu` (journaled), mirror syncs with `icu sync`, and changes made on the platform (a
device upload, a scale, the coach), under random request faults (errors, dropped
connections, writes applied whose answer is lost, latency), with `icu` processes SIGKILLed
at random moments. Then, with the faults cleared, one clean `icu sync`, and:

(a) the mirror equals the sandbox's truth: activities, intervals, every wellness day with
    ctl/atl/rampRate, events; nothing deleted left live, nothing live marked deleted;
(b) every write the sandbox carried out for `icu` (its applied-writes log) is in the journal
    (applied, uncertain, or pending when the process was killed), and undo could cover it:
    the journal knows the record and its state before.

A seeded random generator draws each campaign, not hypothesis: the steps run as real
processes killed at real moments, so an example cannot be replayed exactly, which shrinking
needs (it would report "flaky" instead of a smaller example). Each failure prints the seed and
what every step did. More seeds: ICU_CAMPAIGN_SEEDS=1-40 pytest -m campaign.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from intervals_icu.journal import (
    JournalEntry,
    SqliteJournal,
    Target,
    plan_undo,
    read_current,
    read_made,
)
from intervals_icu.mirror import Store
from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import home  # noqa: F401  (fixture: isolated user directories)
from tests.clock import CHILD_ICU, child_env
from tests.mirror.oracle import assert_mirror_equals, sandbox_truth

pytestmark = [pytest.mark.campaign, pytest.mark.slow]

ICU = [sys.executable, "-c", CHILD_ICU]
LOOKBACK = 14  # the mirror's default look-back: wellness and event writes stay inside it
STEPS = 8  # random steps; plus a certain lost answer and a certain killed sync


def _seeds() -> list[int]:
    text = os.environ.get("ICU_CAMPAIGN_SEEDS", "1-4")
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


# -- the campaign's world: a live sandbox, a journal, a mirror, and `icu` as processes ---------


@dataclass
class World:
    sandbox: Sandbox
    env: dict[str, str]
    journal: Path
    database: str
    rng: random.Random
    control: httpx.Client
    log: list[str] = field(default_factory=list)

    @property
    def athlete(self) -> str:
        return self.sandbox.athlete_id

    @property
    def today(self) -> date:
        return self.sandbox.state.local_today(self.athlete)

    def store(self) -> Any:
        return self.sandbox.state.store(self.athlete)

    def applied(self) -> int:
        return len(self.sandbox.state.applied_writes.entries)

    def database_bytes(self) -> int:
        path = Path(self.database.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())

    def icu(self, *args: str, kill: tuple[str, float] | None = None) -> str:
        """Run `icu ARGS`; ``kill``: ("writes", k) SIGKILLs it once the sandbox has carried
        out k more writes, ("after", s) after s seconds, ("db", s) s seconds after the mirror
        database first grew (mid-sync). Returns what happened, for the log."""
        mark, size = self.applied(), self.database_bytes()
        started = time.monotonic()
        grew: float | None = None
        # Files, not pipes: a pipe nobody reads while we poll would block a large answer.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile("w+") as err:
            child = subprocess.Popen([*ICU, *args], env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err)
            while child.poll() is None:
                elapsed = time.monotonic() - started
                if elapsed > 120:
                    child.kill()
                    raise AssertionError(f"`icu {' '.join(args)}` hung for 120 s under faults")
                if grew is None and kill is not None and kill[0] == "db" and \
                        self.database_bytes() != size:
                    grew = elapsed
                if kill is not None and (
                    (kill[0] == "writes" and self.applied() - mark >= kill[1])
                    or (kill[0] == "after" and elapsed >= kill[1])
                    or (grew is not None and elapsed - grew >= kill[1])
                ):
                    child.kill()
                    child.wait()
                    return f"killed ({kill[0]} {kill[1]:g}) after {self.applied() - mark} writes"
                time.sleep(0.005)
            err.seek(0)
            text = err.read()
        assert "Traceback" not in text, f"`icu {' '.join(args)}` crashed:\n{text}"
        last = (text.strip().splitlines() or [""])[-1][:160]
        return f"exit {child.returncode}, {self.applied() - mark} writes {last}".rstrip()


def _rate(rng: random.Random) -> float:
    return round(rng.uniform(0.10, 0.25), 2)


def arm_faults(world: World) -> str:
    """Random request faults through the control API (as a test in another language would)."""
    rng = world.rng
    if rng.random() < 0.25:
        return "no faults"
    rules = []
    for _ in range(rng.randint(1, 3)):
        rule: dict[str, Any] = {"route": rng.choice(["*", "*", "GET *", "PUT *", "POST *",
                                                     "DELETE *"])}
        effect = rng.choice(["error", "drop", "lost", "lost502", "latency"])
        if effect == "error":
            rule |= {"error_rate": _rate(rng), "error_status": rng.choice([500, 502, 503])}
        elif effect == "drop":
            rule["drop_rate"] = _rate(rng)
        elif effect.startswith("lost"):
            rule["lose_answer_rate"] = _rate(rng)
            rule["lose_answer_status"] = 502 if effect == "lost502" else None
        else:
            rule["latency_ms"] = rng.randint(10, 120)
        answer = world.control.post("/faults", json=rule)
        assert answer.status_code == 201, answer.text
        rules.append(" ".join(f"{k}={v}" for k, v in rule.items() if v is not None))
    return "; ".join(rules)


def _kill(world: World, *, sync: bool) -> tuple[str, float] | None:
    rng = world.rng
    roll = rng.random()
    if roll < 0.45:
        return None
    if sync:
        return ("db", round(rng.uniform(0.0, 0.8), 2)) if roll < 0.8 else (
            "after", round(rng.uniform(0.3, 2.5), 2))
    if roll < 0.7:
        return ("after", round(rng.uniform(0.3, 1.5), 2))
    return ("writes", rng.randint(1, 2))


# -- steps ------------------------------------------------------------------------------------


def _old_activities(world: World) -> list[str]:
    """Activities before the look-back: editing one moves fitness long after it (a ripple)."""
    limit = (world.today - timedelta(days=LOOKBACK + 1)).isoformat()
    return sorted(a for a, v in world.store().activities.items()
                  if v.get("source") != "STRAVA" and str(v["start_date_local"])[:10] < limit)


def _window_events(world: World) -> list[int]:
    first, last = world.today - timedelta(days=10), world.today + timedelta(days=40)
    return sorted(i for i, e in world.store().events.items()
                  if first.isoformat() <= str(e.get("start_date_local"))[:10] <= last.isoformat())


def _splittable(world: World) -> list[tuple[str, int]]:
    found = []
    activities = world.store().activities
    for activity_id, detail in sorted(world.store().details.items()):
        rows = [i for i in detail.intervals
                if i.get("start_index") is not None and i["end_index"] - i["start_index"] >= 8]
        if rows and activities.get(activity_id, {"source": "STRAVA"})["source"] != "STRAVA":
            found.append((activity_id, (rows[0]["start_index"] + rows[0]["end_index"]) // 2))
    return found


def cli_write(world: World) -> str:
    """One write through `icu`, journaled, possibly killed."""
    rng, today = world.rng, world.today
    kind = rng.choice(["load", "load", "move", "wellness", "wellness", "event", "event",
                       "delete", "range", "split", "undo"])
    args: list[str]
    if kind == "load" and _old_activities(world):
        target = rng.choice(_old_activities(world))
        args = ["activities", "update", target, "--set",
                f"icu_training_load={rng.randint(5, 300)}", "--yes", "--json"]
    elif kind == "move" and _old_activities(world):
        target = rng.choice(_old_activities(world))
        start = str(world.store().activities[target]["start_date_local"])
        day = min(date.fromisoformat(start[:10]) + timedelta(days=rng.randint(-3, 3)),
                  today - timedelta(days=LOOKBACK + 1))  # still old: the ripple matters
        args = ["activities", "update", target, "--set",
                f"start_date_local={day}T{start[11:19] or '07:00:00'}", "--yes", "--json"]
    elif kind == "wellness":
        first = today - timedelta(days=rng.randint(0, LOOKBACK - 2))
        last = min(today, first + timedelta(days=rng.randint(0, 2)))
        args = ["wellness", "set", f"{first}..{last}", f"weight={rng.uniform(60, 80):.1f}",
                f"restingHR={rng.randint(40, 60)}", "--yes", "--json",
                *rng.choice([[], [], ["--locked"], ["--unlock"]])]
    elif kind == "delete" and _window_events(world):
        args = ["events", "delete", str(rng.choice(_window_events(world))), "--yes", "--json"]
    elif kind == "range":
        first = today + timedelta(days=rng.randint(-10, 35))
        args = ["events", "delete", "--range", f"{first}..{first + timedelta(days=5)}",
                "--category", "NOTE", "--yes", "--json"]
    elif kind == "split" and _splittable(world):
        activity_id, middle = rng.choice(_splittable(world))
        args = ["api", "splitInterval", "-p", f"id={activity_id}", "-p", f"splitAt={middle}",
                "--yes", "--json"]
    elif kind == "undo":
        args = ["undo", "last", "--yes", "--json"]
    else:
        day = today + timedelta(days=rng.randint(-10, 40))
        args = ["events", "create", "--date", day.isoformat(), "--name",
                f"note {rng.randint(1, 999)}", "--category", "NOTE", "--json"]
    faults = arm_faults(world)
    kill = _kill(world, sync=False)
    result = world.icu(*args, kill=kill)
    world.control.delete("/faults")
    return f"icu {' '.join(args)} [{faults}] -> {result}"


def sync(world: World) -> str:
    faults = arm_faults(world)
    kill = _kill(world, sync=True)
    result = world.icu("sync", "--db", world.database, "--json", kill=kill)
    world.control.delete("/faults")
    return f"icu sync [{faults}] -> {result}"


def platform_change(world: World) -> str:
    """A change made on the platform, not by `icu`: a device, a scale, the coach."""
    rng, today = world.rng, world.today
    kind = rng.choice(["import_old", "import_now", "scale", "coach_load", "coach_delete"])
    old = _old_activities(world)
    if kind == "import_old":
        day = today - timedelta(days=rng.randint(LOOKBACK + 1, 30))
        answer = world.control.post("/device-import", json={
            "sport": rng.choice(["Ride", "Run"]), "when": f"{day}T06:15:00"})
        assert answer.status_code == 201, answer.text
        return f"device upload of {answer.json()['id']} on {day}"
    if kind == "import_now":
        answer = world.control.post("/device-import", json={"sport": "Ride"})
        assert answer.status_code == 201, answer.text
        return f"device upload of {answer.json()['id']} today"
    if kind == "scale":
        day = today - timedelta(days=rng.randint(0, LOOKBACK - 2))
        answer = world.control.post("/device-wellness", json={
            "day": day.isoformat(), "weight": round(rng.uniform(60, 80), 1), "sleepSecs": 27000})
        assert answer.status_code == 200, answer.text
        return f"scale writes wellness {day}"
    if not old:
        return "no old activity to edit"
    target = rng.choice(old)
    with world.sandbox.client(world.sandbox.coach_api_key) as coach:
        athlete = coach.for_athlete(world.athlete)
        if kind == "coach_load":
            athlete.activities.update(target, icu_training_load=rng.randint(5, 300))
            return f"coach edits the load of {target}"
        athlete.activities.delete(target)
        return f"coach deletes {target}"


def certain_loss(world: World) -> str:
    """A write whose answer is certainly lost (so every campaign has one, whatever the
    random rates drew): the next write `icu` sends is carried out, then dropped or 502."""
    lost = world.rng.choice([None, 502])
    for method in ("PUT", "POST", "DELETE"):
        world.control.post("/faults", json={"route": f"{method} *", "lose_answer_rate": 1,
                                            "lose_answer_status": lost, "count": 1})
    return f"(the next write's answer is lost: {lost or 'dropped'}) " + cli_write(world)


def killed_sync(world: World) -> str:
    """A sync killed part way, once it has written to the database (every campaign has
    one, whatever the random draws)."""
    seconds = round(world.rng.uniform(0.0, 0.6), 2)
    return "icu sync -> " + world.icu("sync", "--db", world.database, "--json",
                                      kill=("db", seconds))


def run_campaign(world: World) -> None:
    world.log.append(sync(world))  # the mirror exists before the campaign (or half of it)
    steps = [world.rng.choices([cli_write, sync, platform_change], weights=[5, 3, 2])[0]
             for _ in range(STEPS)]
    steps.insert(world.rng.randint(0, len(steps)), certain_loss)
    steps.insert(world.rng.randint(0, len(steps)), killed_sync)
    for step in steps:
        world.log.append(step(world))


# -- the checks -------------------------------------------------------------------------------


def check_mirror(world: World) -> None:
    """(a) After one clean `icu sync`, the mirror equals the sandbox."""
    result = world.icu("sync", "--db", world.database, "--json")
    world.log.append(f"final icu sync -> {result}")
    assert result.startswith("exit 0"), result
    store = Store(world.database)
    try:
        # Fitness first, for a clear message: a lost ripple leaves old days' ctl/atl stale.
        truth = sandbox_truth(world.sandbox, world.athlete)["wellness"]
        mine = {r["day"].isoformat(): r["record"]
                for r in store.rows("wellness", world.athlete)}
        stale = sorted(day for day, record in truth.items() if day in mine and any(
            record.get(k) != mine[day].get(k) for k in ("ctl", "atl", "rampRate")))
        assert not stale, f"wellness ctl/atl/rampRate differ from the sandbox on {stale}"
        today = world.today
        assert_mirror_equals(store, world.sandbox, world.athlete, events_between=(
            today - timedelta(days=LOOKBACK - 1), today + timedelta(days=180)))
    finally:
        store.close()


def _matches(entry: JournalEntry, write: dict[str, Any], record_id: str | None) -> bool:
    if (entry.method, entry.path) != (write["method"], write["path"]):
        return False
    return record_id is None or entry.record_id == record_id


def check_journal(world: World) -> None:
    """(b) Every write carried out for `icu` is journaled, and undo could cover it."""
    sandbox = world.sandbox
    applied = [w for w in sandbox.applied_writes(world.athlete) if w["by"] == world.athlete]
    journal = SqliteJournal(world.journal)
    try:
        batches = {b.id: journal.entries(b.id) for b in journal.batches(limit=None)}
    finally:
        journal.close()
    entries = [e for found in batches.values() for e in found]
    missing: list[str] = []
    covering: dict[int, set[int]] = {}
    for write in applied:
        for record_id in write["record_ids"] or [None]:
            found = [e for e in entries if _matches(e, write, record_id)] or [
                # a create whose answer was lost: journaled, but what it made is not known
                e for e in entries if _matches(e, write, None) and e.action == "create"
                and e.record_id is None and e.may_have_been_applied]
            if not found:
                missing.append(f"#{write['seq']} {write['method']} {write['path']} "
                               f"{record_id or ''} (answer lost: {write['answer_lost']})")
            for entry in found:
                covering.setdefault(entry.batch_id, set()).add(entry.id)
    assert not missing, f"applied but not in the journal: {missing}"

    blind: list[str] = []
    with sandbox.client() as client:
        for batch_id, needed in sorted(covering.items()):
            entries_of = batches[batch_id]
            current = read_current(client, {e.target for e in entries_of if e.target})
            plan = plan_undo(entries_of, current, made=read_made(client, entries_of))
            wanted = {e.target or Target("write", f"{e.method} {e.path}", e.athlete_id)
                      for e in entries_of if e.id in needed}
            for step in plan.impossible:
                # A record someone deleted after the batch cannot be restored: not the
                # journal's blind spot. Anything else is one (it did not know enough).
                if step.target in wanted and not (step.before is not None
                                                  and step.current is None):
                    blind.append(f"batch {batch_id} {step.target}: {step.reason}")
    assert not blind, f"applied writes undo could not cover: {blind}"


# -- the test ---------------------------------------------------------------------------------


@pytest.fixture
def world(home: Path, request: pytest.FixtureRequest) -> Iterator[World]:  # noqa: F811
    seed = request.param
    sandbox = Sandbox(seed=100 + seed, athletes=1, years=0.1).start()
    env = child_env({**os.environ, "INTERVALS_BASE_URL": sandbox.base_url,
                     "INTERVALS_API_KEY": sandbox.api_key,
                     "ICU_JOURNAL": str(home / "journal.sqlite3")})
    with httpx.Client(base_url=sandbox.base_url + "/_sandbox") as control:
        yield World(sandbox, env, home / "journal.sqlite3",
                    f"sqlite:///{home / 'mirror.db'}", random.Random(seed), control)
    sandbox.stop()


@pytest.mark.parametrize("world", _seeds(), indirect=True, ids=lambda s: f"seed{s}")
def test_fault_campaign_mirror_equals_the_sandbox_and_every_applied_write_is_journaled(
    world: World,
) -> None:
    def story() -> str:
        steps = "\n".join(f"  {n}. {line}" for n, line in enumerate(world.log))
        injected = json.dumps(world.sandbox.state.faults.injected)
        return f"the campaign (faults injected: {injected}):\n{steps}"

    try:
        run_campaign(world)
        check_mirror(world)
        check_journal(world)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n\n{story()}") from None
    print(story())  # shown with pytest -s (or -rP): what this seed did
