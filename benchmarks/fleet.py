#!/usr/bin/env python3
"""Fleet runner figures: one OAuth app's athletes over a simulated day, 1, 2 and 4 worker
processes on one PostgreSQL database (this machine, loopback).

    .venv/bin/python benchmarks/fleet.py [--athletes 500] [--workers 1,2,4]
                                         [--day-minutes 15] [--concurrency 8]
                                         [--first-syncs 4] [--postgres URL]

For each worker count, from scratch (a new sandbox and a new PostgreSQL schema):

1. A live sandbox enforces the app's request budgets (API-NOTES §6.1: 100 per athlete per
   day, 8,000..50,000 a day for the app, 1/8 of that per 15 minutes; midnight UTC) on its own
   clock, which runs ``1440 / day-minutes`` times faster than real time; the workers follow
   the same simulated clock. ``--athletes`` athletes have authorized the app (a fortnight of
   history each). A webhook receiver (``icu webhooks serve --workers 0``) fills the inbox.
2. First syncs: the athletes are added at 18:00 of day 0; the workers sync every one.
   Figure: real seconds and requests per real second (the throughput as workers grow, the
   budget permitting).
3. The measured day: the clock jumps to 00:00 of day 1 and runs 24 simulated hours while the
   athletes change things at realistic rates (per athlete per day: 0.7 device uploads, 0.3
   activity renames, 1 wellness write, 0.3 planned workouts, all announced by webhooks; 0.1
   Strava uploads, which send no webhook). Figures: requests per athlete per day (the
   sandbox's count) against the budget, requests the budget refused (sandbox 429s, and
   reservations the fleet itself turned down), freshness from each change to the mirror
   (p50, p99; webhook changes and the others; the day's last changes are waited for, up to
   ``--grace-hours``, so none is cut off by the end of the run), CPU seconds per worker.

The per-second limit (10/s per address) is switched off, in the sandbox and the clients:
the simulated day squeezes a day's requests into minutes, which no real app does; the daily
and 15-minute budgets are what is measured. On a small shared machine use smaller sizes
(``--athletes 100 --day-minutes 6``); the script prints what it ran.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec-fleet-benchmark"
RATES = {"upload": 0.7, "rename": 0.3, "wellness": 1.0, "calendar": 0.3, "strava": 0.1}
"""Changes per athlete per simulated day, by kind (all but Strava uploads send webhooks)."""
WEBHOOK_KINDS = {"upload", "rename", "wellness", "calendar"}


@dataclass(frozen=True)
class SimClock:
    """The simulated time every process follows: ``start`` at the real moment ``t0``
    (epoch seconds), running ``speed`` times faster. Jumps are made by moving ``start``
    and ``t0`` together (passed to the workers as a file they re-read)."""

    start: datetime
    t0: float
    speed: float

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self.t0) * self.speed)

    def sim(self, real: float) -> datetime:
        return self.start + timedelta(seconds=(real - self.t0) * self.speed)

    def real(self, moment: datetime) -> float:
        return self.t0 + (moment - self.start).total_seconds() / self.speed


class ClockFile:
    """The clock as a small JSON file: the driver writes it (and rewrites it on a jump),
    the workers re-read it when it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = -1.0
        self._clock: SimClock | None = None

    def write(self, clock: SimClock) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"start": clock.start.isoformat(), "t0": clock.t0,
                                   "speed": clock.speed}))
        tmp.replace(self.path)

    def now(self) -> datetime:
        stamp = self.path.stat().st_mtime
        if self._clock is None or stamp != self._seen:
            data = json.loads(self.path.read_text())
            self._clock = SimClock(datetime.fromisoformat(data["start"]), data["t0"],
                                   data["speed"])
            self._seen = stamp
        return self._clock.now()


# -- a worker process ----------------------------------------------------------------------------


def worker_main(args: argparse.Namespace) -> None:
    from intervals_icu import RateLimit
    from intervals_icu.fleet import Fleet, Pacing

    clock = ClockFile(Path(args.clock))
    os.environ.pop("INTERVALS_BASE_URL", None)

    async def work() -> None:
        fleet = Fleet(args.db, schema=args.schema, base_url=args.base_url, clock=clock.now,
                      rate_limit=RateLimit.unlimited(),
                      pacing=Pacing(first_syncs_per_worker=args.first_syncs))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        worker = fleet.worker(worker_id=args.worker_id, concurrency=args.concurrency,
                              poll_interval=0.2)
        try:
            await worker.run(stop=stop)
        finally:
            await fleet.aclose()

    asyncio.run(work())


# -- the driver -----------------------------------------------------------------------------------


@dataclass
class Change:
    kind: str
    athlete: str
    at: datetime
    """When it happens (simulated)."""
    record: tuple[str, str] | None = None
    """(mirror table, record id) once made."""
    made_real: float = 0.0


@dataclass
class Figures:
    workers: int
    athletes: int
    first_sync_seconds: float = 0.0
    first_sync_requests: int = 0
    day_requests: int = 0
    per_athlete_max: int = 0
    sandbox_refused: int = 0
    fleet_refused: int = 0
    day_real_seconds: float = 0.0
    freshness: dict[str, list[float]] = field(default_factory=dict)
    """Simulated seconds from each change to the mirror, by group."""
    real_lag: dict[str, list[float]] = field(default_factory=dict)
    """The same in real seconds (what the pipeline takes, whatever the clock's speed)."""
    unseen: dict[str, int] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    driver_cpu: float = 0.0
    jobs: dict[str, int] = field(default_factory=dict)


def plan_changes(athletes: list[str], day: datetime, rng: random.Random) -> list[Change]:
    changes = []
    for athlete in athletes:
        for kind, rate in RATES.items():
            # Poisson arrivals: the count in a day, then uniform times.
            count = sum(1 for _ in range(50) if rng.random() < rate / 50)
            for _ in range(count):
                moment = day + timedelta(seconds=rng.uniform(0, 86_000))
                changes.append(Change(kind, athlete, moment))
    return sorted(changes, key=lambda c: c.at)


def make_change(sb: Any, change: Change, clients: dict[str, Any], rng: random.Random) -> None:
    """Do what the athlete (or their device) does; remember which record it touches."""
    athlete = change.athlete
    if change.kind in ("upload", "strava"):
        ride = sb.device_import(athlete, source="STRAVA" if change.kind == "strava"
                                else "GARMIN_CONNECT")
        change.record = ("activities", str(ride["id"]))
    elif change.kind == "wellness":
        day = sb.state.local_today(athlete)
        sb.device_wellness(athlete, day, weight=round(rng.uniform(60, 80), 1))
        change.record = ("wellness", str(day))
    else:
        client = clients.get(athlete)
        if client is None:
            client = clients[athlete] = sb.client(sb.api_key_for(athlete))
        if change.kind == "rename":
            ids = [a for a, r in list(sb.state.store(athlete).activities.items())
                   if r.get("source") != "STRAVA"]
            activity = rng.choice(ids)
            client.activities.update(activity, name=f"Edited {uuid.uuid4().hex[:6]}")
            change.record = ("activities", str(activity))
        else:
            day = sb.state.local_today(athlete) + timedelta(days=rng.randint(1, 10))
            event = client.events.create(category="WORKOUT", type="Ride",
                                         name=f"Planned {uuid.uuid4().hex[:6]}",
                                         start_date_local=f"{day.isoformat()}T09:00:00")
            change.record = ("events", str(event.id))
    change.made_real = time.time()


def run_once(args: argparse.Namespace, workers: int) -> Figures:
    import sqlalchemy as sa

    from intervals_icu.database import open_engine
    from intervals_icu.fleet import Fleet
    from intervals_icu.sandbox import Sandbox
    from intervals_icu.webhooks import Inbox, ReceiverServer, WebhookReceiver

    figures = Figures(workers=workers, athletes=args.athletes)
    rng = random.Random(args.seed)
    schema = f"bench_fleet_{uuid.uuid4().hex[:8]}"
    speed = 1440 / args.day_minutes
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day0 = today - timedelta(days=1)
    workdir = Path(args.workdir)
    clock_file = ClockFile(workdir / f"clock-{schema}.json")
    clock = SimClock(day0 + timedelta(hours=18), time.time(), speed)
    clock_file.write(clock)
    sb = Sandbox(seed=args.seed, athletes=1, years=0.02)
    sb.clock.set(clock.now())
    sb.configure(rate_limit_enabled=False, budget_enabled=True,
                 webhook_retry_schedule=(1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0))
    sb.start()
    stop_ticking = threading.Event()

    def tick() -> None:  # the sandbox's clock follows the simulated one
        while not stop_ticking.wait(0.02):
            sb.clock.set(clock_file.now())

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    engine = open_engine(args.postgres, schema=schema)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    setup = Fleet(args.postgres, schema=schema, base_url=sb.base_url, clock=clock_file.now)
    receiver = WebhookReceiver(secrets=SECRET, inbox=Inbox(engine))
    server = ReceiverServer(receiver, workers=0).start()
    sb.update_app(sb.seeded.app_client_id, webhook_url=server.url, webhook_secret=SECRET,
                  webhook_types=["ACTIVITY_UPLOADED", "ACTIVITY_UPDATED", "ACTIVITY_DELETED",
                                 "WELLNESS_UPDATED", "FITNESS_UPDATED", "CALENDAR_UPDATED",
                                 "SPORT_SETTINGS_UPDATED", "APP_SCOPE_CHANGED"])
    tokens = sb.seed_oauth_users(args.athletes, days=14)
    athletes = [t.athlete_id for t in tokens]
    for token in tokens:
        setup.add_token(token)
    processes: list[subprocess.Popen[str]] = []
    driver_cpu = time.process_time()
    changes: list[Change] = []
    jobs_before = 0
    try:
        try:
            started = time.time()
            for n in range(workers):
                processes.append(subprocess.Popen(
                    [sys.executable, __file__, "--worker", "--db", args.postgres, "--schema",
                     schema, "--base-url", sb.base_url, "--clock", str(clock_file.path),
                     "--worker-id", f"worker-{n + 1}", "--concurrency", str(args.concurrency),
                     "--first-syncs", str(args.first_syncs)],
                    cwd=ROOT, text=True))
            # 2. First syncs.
            while not all(a.history_done for a in setup.store.athletes()):
                if any(p.poll() is not None for p in processes):
                    raise SystemExit("a worker died during the first syncs")
                time.sleep(0.5)
            figures.first_sync_seconds = time.time() - started
            figures.first_sync_requests = sum(j.requests for j in setup.store.jobs())
            # 3. The measured day: jump to 00:00 of day 1 (the sandbox's budgets reset).
            clock = SimClock(today, time.time(), speed)
            clock_file.write(clock)
            sb.clock.set(clock.now())
            day_start_real = time.time()
            jobs_before = len(setup.store.jobs())
            changes = plan_changes(athletes, today, rng)
            clients: dict[str, Any] = {}
            for change in changes:
                wait = clock.real(change.at) - time.time()
                if wait > 0:
                    time.sleep(wait)
                make_change(sb, change, clients, rng)
            end = clock.real(today + timedelta(hours=23, minutes=59))
            time.sleep(max(0.0, end - time.time()))
            budget = next(b for b in sb.budgets()["budgets"] if b["kind"] == "app")
            figures.day_requests = int(budget["daily_used"])
            figures.per_athlete_max = max((u["daily_used"] for u in budget["per_user"]),
                                          default=0)
            figures.sandbox_refused = int(budget["rejected"])
            figures.day_real_seconds = time.time() - day_start_real
            # The changes of the day's last hours are found after midnight: wait for them
            # (up to the longest interval between reconciliations), so none is censored.
            grace = clock.real(today + timedelta(hours=24 + args.grace_hours))
            while time.time() < grace and _unseen(engine, schema, changes):
                time.sleep(1.0)
            for client in clients.values():
                client.close()
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
            stop_ticking.set()
            figures.driver_cpu = time.process_time() - driver_cpu
        day_jobs = setup.store.jobs()[jobs_before:]
        for job in day_jobs:
            figures.jobs[job.kind] = figures.jobs.get(job.kind, 0) + 1
            if job.outcome == "budget":
                figures.fleet_refused += 1
        figures.cpu = [w.cpu_seconds for w in setup.store.workers()]
        _freshness(engine, schema, clock, changes, figures)
    finally:
        server.stop()
        receiver.writer.close()
        asyncio.run(setup.aclose())
        sb.stop()
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
        clock_file.path.unlink(missing_ok=True)
    return figures


def _seen(engine: Any, schema: str) -> dict[tuple[str, str], list[float]]:
    """When the mirror's change log shows each record created or changed (epoch seconds)."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            f'SELECT table_name, record_id, detected_at FROM "{schema}".changes '
            "WHERE change IN ('created', 'updated', 'restored')")).all()
    seen: dict[tuple[str, str], list[float]] = {}
    for table, record, detected in rows:
        moment = detected if detected.tzinfo else detected.replace(tzinfo=UTC)
        seen.setdefault((table, str(record)), []).append(moment.timestamp())
    return seen


def _unseen(engine: Any, schema: str, changes: list[Change]) -> int:
    seen = _seen(engine, schema)
    return sum(1 for c in changes if c.record is not None and not any(
        t >= c.made_real - 0.05 for t in seen.get(c.record, [])))


def _freshness(engine: Any, schema: str, clock: SimClock, changes: list[Change],
               figures: Figures) -> None:
    """From each change to the first row of the mirror's change log that shows it."""
    seen = _seen(engine, schema)
    for change in changes:
        group = "webhook" if change.kind in WEBHOOK_KINDS else "no webhook"
        assert change.record is not None
        later = [t for t in seen.get(change.record, []) if t >= change.made_real - 0.05]
        if not later:
            figures.unseen[group] = figures.unseen.get(group, 0) + 1
            continue
        lag = (clock.sim(min(later)) - clock.sim(change.made_real)).total_seconds()
        figures.freshness.setdefault(group, []).append(max(0.0, lag))
        figures.real_lag.setdefault(group, []).append(max(0.0, min(later) - change.made_real))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _span(seconds: float) -> str:
    if seconds != seconds:
        return "-"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def report(all_figures: list[Figures], args: argparse.Namespace) -> None:
    speed = 1440 / args.day_minutes
    print(f"fleet benchmark: {args.athletes} athletes, a simulated day in {args.day_minutes:g} "
          f"real minutes (x{speed:.0f}), {args.concurrency} athletes at once per worker, "
          "PostgreSQL")
    print(f"{'workers':>7} {'first syncs':>11} {'req/s':>5} {'req/athlete/day':>15} "
          f"{'max':>4} {'refused':>7} {'webhook p50/p99':>17} {'others p50/p99':>17} "
          f"{'cpu s':>6}")
    for f in all_figures:
        hook = f.real_lag.get("webhook", [])
        other = f.freshness.get("no webhook", [])
        print(f"{f.workers:>7} {f.first_sync_seconds:>9.1f} s "
              f"{f.first_sync_requests / max(f.first_sync_seconds, 1e-9):>5.0f} "
              f"{f.day_requests / f.athletes:>15.1f} {f.per_athlete_max:>4} "
              f"{f.sandbox_refused:>3}/{f.fleet_refused:<3} "
              f"{_span(_pct(hook, .5)):>7} / {_span(_pct(hook, .99)):<7} "
              f"{_span(_pct(other, .5)):>7} / {_span(_pct(other, .99)):<7} "
              f"{statistics.mean(f.cpu) if f.cpu else 0:>6.1f}")
    for f in all_figures:
        sim_hook = f.freshness.get("webhook", [])
        print(f"  {f.workers} worker(s): day {f.day_requests} requests (app budget "
              f"{min(50_000, max(8_000, 100 * f.athletes))}), jobs {f.jobs}, changes seen "
              f"{ {k: len(v) for k, v in f.freshness.items()} }, not seen {f.unseen or 0}; "
              f"webhook changes in simulated time p50/p99 {_span(_pct(sim_hook, .5))} / "
              f"{_span(_pct(sim_hook, .99))}; CPU per worker {[round(c, 1) for c in f.cpu]} s, "
              f"driver (sandbox, receiver, changes) {f.driver_cpu:.0f} s, over "
              f"{f.first_sync_seconds + f.day_real_seconds:.0f} s real")
    print("first syncs: real time to sync every athlete's history, and requests per real "
          "second")
    print("refused: sandbox 429s / units of work the fleet's own budget turned down "
          "(nothing sent)")
    print("webhook p50/p99: real seconds from the change to the mirror; others: simulated "
          "time (found by reconciliation)")
    print("cpu s: mean CPU seconds per worker process over the whole run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=500)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--day-minutes", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--first-syncs", type=int, default=4,
                        help="first syncs at once per worker (the budget paces them too)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--grace-hours", type=float, default=4.0,
                        help="simulated hours after the day to wait for its last changes")
    parser.add_argument("--postgres", default=os.environ.get(
        "ICU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--workdir", default="/tmp")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--clock", help=argparse.SUPPRESS)
    parser.add_argument("--worker-id", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return
    import logging

    logging.basicConfig(level=logging.WARNING)
    # Stopped with SIGTERM: unwind (stop the workers, drop the schema) as for Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    results = []
    for count in [int(n) for n in args.workers.split(",")]:
        results.append(run_once(args, count))
        report(results, args)
        print(flush=True)


if __name__ == "__main__":
    main()
