#!/usr/bin/env python3
"""Calendar sync figures against a live sandbox (one run, same machine; compare ratios).

    /work/venv/bin/python benchmarks/calendar_sync.py [events] [batch]

Pushes a year-long plan of ``events`` planned workouts (default 365, native workout text, so
the server parses each) with ``create_many(upsert=True)`` in batches of ``batch`` (default
100), then pushes the same plan again: the second run must create nothing (one event per
external_id afterwards). Prints events per second for both runs, the time to read the year
back with ``list``, and the size and time of a month of workouts as a .zwo zip streamed to disk.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from intervals_icu.sandbox import Sandbox

WORKOUTS = [
    "- 1h30m Z2",
    "Warmup\n- 15m ramp 50-75%\n\nMain set 4x\n- 8m 105%\n- 4m 55%\n\n- 10m 60%",
    "- 45m 65%\n\n3x\n- 10m 90%\n- 5m 55%",
    "- 20m 60%\n\n6x\n- 2m 120%\n- 2m 50%\n\n- 10m 55%",
]


def plan(count: int, start: date) -> list[dict[str, Any]]:
    return [
        {"external_id": f"bench-{n}", "category": "WORKOUT", "type": "Ride",
         "start_date_local": f"{start + timedelta(days=n)}T00:00:00", "name": f"Session {n}",
         "description": WORKOUTS[n % len(WORKOUTS)]}
        for n in range(count)
    ]


def push(client: Any, events: list[dict[str, Any]], batch: int) -> tuple[float, int]:
    started = time.perf_counter()
    calls = 0
    for offset in range(0, len(events), batch):
        client.events.create_many(events[offset:offset + batch], upsert=True)
        calls += 1
    return time.perf_counter() - started, calls


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 365
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    start = date(2031, 1, 1)
    events = plan(count, start)
    with Sandbox(seed=5, athletes=1, years=0.1) as sb, sb.client() as client:
        first, calls = push(client, events, batch)
        second, _ = push(client, events, batch)
        end = start + timedelta(days=count - 1)
        began = time.perf_counter()
        listed = client.events.list(start, end)
        reading = time.perf_counter() - began
        assert len(listed) == count, f"expected {count} events, found {len(listed)}"
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            done = client.events.download_workouts_zip(
                Path(tmp) / "month.zip", oldest=start, newest=start + timedelta(days=30))
            zipping = time.perf_counter() - began
        print(f"plan of {count} workouts in {calls} bulk calls of <= {batch}")
        print(f"  first sync (creates)   {first:7.3f} s  {count / first:8.0f} events/s")
        print(f"  second sync (updates)  {second:7.3f} s  {count / second:8.0f} events/s"
              f"  -> {len(listed)} events on the calendar (one per external_id)")
        print(f"  list the year          {reading:7.3f} s  ({len(listed)} events, 1 call)")
        print(f"  month as .zwo zip      {zipping:7.3f} s  ({done.bytes_written} bytes)")


if __name__ == "__main__":
    main()
