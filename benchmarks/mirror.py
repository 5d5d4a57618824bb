"""Mirror benchmark: what a sync costs in requests and time, against the live sandbox.

    python benchmarks/mirror.py                 # 5-year athlete (~1,800 activities)
    python benchmarks/mirror.py --years 1       # quicker

One run, this machine. The sandbox serves on 127.0.0.1 with its platform-like rate limit
(10 requests/s, burst 20) and the client keeps its default pacing (10/s, burst 5); the
"floor" is requests / 10 per second, the least time the rate limit allows. The last part
relaxes pacing on both sides to show how far the floor is from the work itself.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from intervals_icu import AsyncClient, RateLimit
from intervals_icu.mirror import Mirror, SyncReport
from intervals_icu.sandbox import Sandbox

RATE = 10.0


def line(label: str, report: SyncReport, extra: str = "") -> None:
    floor = report.requests / RATE
    print(f"  {label:<44} {report.requests:>6} req  {report.wall_seconds:>7.2f} s   "
          f"floor {floor:>6.2f} s  ({report.wall_seconds / max(floor, 1e-9):.2f}x){extra}")


async def sync(client: AsyncClient, url: str, **options: Any) -> SyncReport:
    mirror = Mirror(client, url)
    try:
        return await mirror.sync_async(**options)
    finally:
        mirror.close()


async def main(years: float, workdir: Path) -> None:
    started = time.perf_counter()
    sandbox = Sandbox(seed=42, athletes=1, years=years).start()
    athlete = sandbox.athlete_id
    store = sandbox.state.store(athlete)
    print(f"sandbox: {years} years, {len(store.activities)} activities, "
          f"{len(store.wellness)} wellness days, {len(store.events)} events "
          f"(seeded in {time.perf_counter() - started:.0f} s) at {sandbox.base_url}")
    print(f"{'':<46} requests      wall        floor (requests / {RATE:.0f}/s)")
    try:
        print("paced (sandbox 10/s burst 20, client default RateLimit 10/s burst 5):")
        async with AsyncClient(_key(sandbox), base_url=sandbox.base_url,
                               athlete_id=athlete) as client:
            await _past_notes(client, years)
            summaries = await sync(client, f"sqlite:///{workdir / 'summaries.db'}",
                                   intervals=False)
            line("full sync: summaries, wellness, events", summaries)
            url = f"sqlite:///{workdir / 'mirror.db'}"
            full = await sync(client, url)
            intervals = full.totals()["intervals"]
            line("full sync with intervals for every activity", full,
                 f"  [intervals: {intervals.requests} req for {intervals.read} activities]")
            quiet = await sync(client, url)
            line("incremental, nothing changed", quiet,
                 f"  [records written: {_written(workdir / 'mirror.db', quiet.run_id)}]")
            edited = await _edit(client, 10)
            incremental = await sync(client, url)
            found = incremental.totals()["activities"].updated
            line("incremental after 10 edits", incremental,
                 f"  [edits found: {found} of {edited}]")
            deep = await sync(client, url, deep=True)
            line("deep sync (every summary re-read)", deep,
                 f"  [changes: {sum(s.changed for s in deep.totals().values())}]")
            print("change detection: 20 edits to activities older than 60 days, 5 of them "
                  "deleted, 10 events older than 60 days changed:")
            expected = await _old_changes(client)
            for label, options in (("incremental", {}), ("deep", {"deep": True})):
                copy = workdir / f"recall-{label}.db"
                shutil.copy(workdir / "mirror.db", copy)
                run = await sync(client, f"sqlite:///{copy}", **options)
                found_keys = _changed_keys(copy, run.run_id)
                hits = len(expected & found_keys)
                extra = ""
                if options:
                    budget = deep.requests + len(expected)
                    extra = (f"; budget {budget} = {deep.requests} windows/pages + "
                             f"{len(expected)} changed")
                line(f"{label} after those changes", run,
                     f"  [found {hits} of {len(expected)} "
                     f"({100 * hits / len(expected):.0f}%){extra}]")
        print("paced, 150 ms latency injected on every request:")
        sandbox.faults(latency_ms=150)
        async with AsyncClient(_key(sandbox), base_url=sandbox.base_url,
                               athlete_id=athlete) as client:
            slow = await sync(client, f"sqlite:///{workdir / 'slow-summaries.db'}",
                              intervals=False)
            line("full sync: summaries, wellness, events", slow)
            slow = await sync(client, f"sqlite:///{workdir / 'slow.db'}")
            line("full sync with intervals for every activity", slow)
        sandbox.clear_faults()
        print("relaxed (sandbox rate limit off, client RateLimit.unlimited()):")
        # Throughput, not budgets: a 5-year deep sync with streams nears a key's 2,500
        # requests per 15 minutes (docs/sandbox.md, Request budgets).
        sandbox.configure(rate_limit_enabled=False, budget_enabled=False)
        async with AsyncClient(_key(sandbox), base_url=sandbox.base_url,
                               rate_limit=RateLimit.unlimited()) as client:
            relaxed = await sync(client, f"sqlite:///{workdir / 'relaxed.db'}")
            line("full sync with intervals", relaxed)
            streams = await sync(client, url, streams=True)
            line("streams for every activity", streams,
                 f"  [{streams.totals()['streams'].read} activities]")
        size = (workdir / "mirror.db").stat().st_size / 1e6
        print(f"database with streams: {size:.0f} MB")
        for label, selection in (("the last 30 days", "since=" + repr(
                str(date.today() - timedelta(days=30)))), ("every activity", "since='1970-01-01'")):
            peak, rows, seconds = _export_peak(url, workdir / "streams.parquet", selection)
            print(f"streams export to parquet, {label}: {rows} rows in {seconds:.1f} s, "
                  f"peak memory {peak:.0f} MB (peak RSS of the export process, imports included)")
    finally:
        sandbox.stop()


def _key(sandbox: Sandbox) -> Any:
    from intervals_icu import ApiKey

    return ApiKey(sandbox.api_key)


async def _edit(client: AsyncClient, count: int) -> int:
    """Rename ``count`` activities of the last two weeks (a coach fixing names)."""
    today = await client.today()
    recent = [a for a in await client.activities.list(today - timedelta(days=13))
              if not a.is_strava_stub]
    chosen = random.Random(1).sample(recent, min(count, len(recent)))
    for activity in chosen:
        await client.activities.update(activity.id, name=f"{activity.name} (edited)")
    return len(chosen)


async def _past_notes(client: AsyncClient, years: float) -> None:
    """A coach's notes through the history (the seed plans mostly ahead): old events to edit."""
    today = await client.today()
    span = int(years * 365)
    await client.events.create_many([
        {"category": "NOTE", "name": f"Block review {i}",
         "start_date_local": f"{today - timedelta(days=61 + i * (span - 61) // 12)}T00:00:00"}
        for i in range(12)])


async def _old_changes(client: AsyncClient) -> set[tuple[str, str, str]]:
    """Make the changes the recall figures look for; returns (table, id, change) triples."""
    today = await client.today()
    old = [a for a in await client.activities.list(today - timedelta(days=5 * 366),
                                                   today - timedelta(days=60))
           if not a.is_strava_stub]
    chosen = random.Random(2).sample(old, 25)
    expected: set[tuple[str, str, str]] = set()
    for i, activity in enumerate(chosen[:20]):
        fields: dict[str, Any] = ({"name": f"{activity.name} (fixed)"} if i % 2 else
                                  {"icu_rpe": 7, "description": "felt heavy"})
        await client.activities.update(activity.id, **fields)
        expected.add(("activities", activity.id, "updated"))
    for activity in chosen[20:]:
        await client.activities.delete(activity.id)
        expected.add(("activities", activity.id, "deleted"))
    events = [e for e in await client.events.list(today - timedelta(days=5 * 366),
                                                  today - timedelta(days=60)) if e.id]
    for event in random.Random(3).sample(events, min(10, len(events))):
        await client.events.update(event.id, name=f"{event.name or 'Event'} (moved)")
        expected.add(("events", str(event.id), "updated"))
    return expected


def _changed_keys(path: Path, run_id: int) -> set[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select table_name, record_id, change from changes "
                            "where run_id = ?", (run_id,)).fetchall()
    return {(str(t), str(r), str(c)) for t, r, c in rows}


def _written(path: Path, run_id: int) -> int:
    """Records (any mirrored table) and change-log rows the run wrote."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute(
            "select m.name from sqlite_master m join pragma_table_info(m.name) c "
            "where m.type = 'table' and c.name = 'run_id' "
            "and m.name not in ('sync_state', 'sync_runs')")]
        return sum(int(conn.execute(f"select count(*) from {t} where run_id = ?",
                                    (run_id,)).fetchone()[0]) for t in tables)


def _export_peak(url: str, dest: Path, selection: str) -> tuple[float, int, float]:
    """Run the export in a fresh process so its peak RSS is the export's own."""
    code = (
        "import time\n"
        "from intervals_icu.mirror import Store\n"
        "from intervals_icu.mirror.export import export_streams\n"
        "t = time.perf_counter()\n"
        f"r = export_streams(Store({url!r}), {str(dest)!r}, {selection}, format='parquet')\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec, so the child would
        # report the parent's peak (the 5-year sandbox) instead of its own.
        "hwm = next(int(line.split()[1]) for line in open('/proc/self/status') "
        "if line.startswith('VmHWM'))\n"
        "print(hwm / 1024, r.rows, "
        "time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), int(out[1]), float(out[2])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="icu-mirror-bench-") as folder:
        asyncio.run(main(args.years, Path(folder)))
