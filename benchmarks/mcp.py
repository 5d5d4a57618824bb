"""MCP benchmark: the same questions answered by `icu mcp` (from the mirror) and by calling
the API for each question (as other MCP servers do), against the same live sandbox with the
platform's rate limit (10 requests/s, burst 20) and the client's default pacing.

    python benchmarks/mcp.py                # 2 years of history
    python benchmarks/mcp.py --years 5 --repeat 30

One run, this machine; figures are printed, never asserted. Goal: a question over a year of
history in <= 3 requests, p99 under 100 ms once the mirror is fresh.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path, where this file would shadow
# the `mcp` SDK.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from mcp import Client as McpClient  # noqa: E402

from intervals_icu import ApiKey, AsyncClient  # noqa: E402
from intervals_icu.mcp import ApiAccess, McpSettings, build_server, build_service  # noqa: E402
from intervals_icu.sandbox import Sandbox  # noqa: E402

QUESTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("weekly totals by sport, last year", "get_totals", {"by": "week", "oldest": "365d"}),
    ("fitness/fatigue/form, last year", "get_fitness", {"oldest": "365d", "every": "week"}),
    ("wellness, last 90 days", "get_wellness", {"oldest": "90d"}),
    ("hard rides (load > 100), last year", "list_activities", {
        "oldest": "365d", "sport": "Ride", "limit": 100,
        "filters": [{"field": "icu_training_load", "op": "gt", "value": 100}]}),
    ("planned vs done, last 4 weeks", "get_compliance", {"oldest": "28d"}),
    ("gear mileage, last year", "get_gear", {"oldest": "365d"}),
    ("best power 1y vs 42d", "get_curves", {"kind": "power", "periods": ["1y", "42d"]}),
    ("one ride: intervals + best efforts", "get_activity", {}),
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Counter:
    def __init__(self, client: AsyncClient) -> None:
        self.n = 0
        client.on_response(self.hook)

    def hook(self, *_: Any) -> None:
        self.n += 1


async def per_question_api(client: AsyncClient, name: str, ride: str) -> None:
    """What a server without a mirror sends for each question."""
    today = await client.today()
    year = today - timedelta(days=364)
    if name == "get_totals" or name == "list_activities":
        await client.activities.list(year, today)
    elif name == "get_fitness":
        await client.wellness.list(year, today)
    elif name == "get_wellness":
        await client.wellness.list(today - timedelta(days=89), today)
    elif name == "get_compliance":
        await client.events.list(today - timedelta(days=27), today)
        await client.activities.list(today - timedelta(days=27), today)
    elif name == "get_gear":
        await client.gear.list()
        await client.activities.list(year, today)
    elif name == "get_curves":
        await client.activities.athlete_power_curves("Ride", curves=["1y", "42d"])
    elif name == "get_activity":
        await client.activities.get(ride, intervals=True)
        await client.activities.streams(ride)


async def timed(repeat: int, ask: Callable[[], Awaitable[int]]) -> tuple[list[float], list[int]]:
    latencies: list[float] = []
    requests: list[int] = []
    for _ in range(repeat):
        started = time.perf_counter()
        requests.append(await ask())
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, requests


async def main(years: float, repeat: int, workdir: Path) -> None:
    started = time.perf_counter()
    sandbox = Sandbox(seed=42, athletes=1, years=years).start()
    athlete = sandbox.athlete_id
    print(f"sandbox: {years} years, {len(sandbox.state.store(athlete).activities)} activities "
          f"(seeded in {time.perf_counter() - started:.0f} s), rate limit 10/s burst 20; "
          f"{repeat} asks per question")
    key = ApiKey(sandbox.api_key)
    access = ApiAccess(base_url=sandbox.base_url,
                       make_async_client=lambda c: AsyncClient(c, base_url=sandbox.base_url,
                                                               athlete_id=athlete))
    try:
        results: dict[str, dict[str, tuple[list[float], list[int]]]] = {}
        for mode, max_age in (("fresh", 300.0), ("stale", 0.0)):
            service = build_service(
                McpSettings(database_url=f"sqlite:///{workdir / 'mirror.db'}",
                            journal_path=str(workdir / "journal.sqlite3"),
                            max_age_seconds=max_age),
                credentials=key, access=access, athlete_id=athlete)
            async with McpClient(build_server(service)) as client:
                first = time.perf_counter()
                warm = await client.call_tool("get_athlete", {})
                coverage = (warm.structured_content or {}).get("coverage", {})
                if mode == "fresh":
                    print(f"first question (whole history synced): {coverage.get('requests')} "
                          f"requests, {time.perf_counter() - first:.1f} s")
                rides = await client.call_tool("list_activities", {
                    "oldest": "365d", "sport": "Ride", "limit": 1})
                ride = (rides.structured_content or {})["activities"][0]["id"]
                for label, tool, arguments in QUESTIONS:
                    args = {**arguments, "activity_id": ride} if tool == "get_activity" \
                        else arguments

                    async def ask(tool: str = tool, args: dict[str, Any] = args) -> int:
                        result = await client.call_tool(tool, args)
                        if result.is_error:
                            raise RuntimeError(f"{tool}: {result.content}")
                        data = result.structured_content or {}
                        return int(data.get("coverage", {}).get("requests", 0))

                    results.setdefault(label, {})[mode] = await timed(
                        repeat if mode == "fresh" else max(3, repeat // 3), ask)
            await service.aclose()
        async with AsyncClient(key, base_url=sandbox.base_url, athlete_id=athlete) as api:
            counter = Counter(api)
            for label, tool, _ in QUESTIONS:
                async def direct(tool: str = tool) -> int:
                    before = counter.n
                    await per_question_api(api, tool, ride)
                    return counter.n - before

                results[label]["api"] = await timed(max(3, repeat // 3), direct)
        header = (f"{'question':<36} {'mirror, fresh':>22} {'mirror, synced first':>22} "
                  f"{'API per question':>22}")
        print(header)
        print(f"{'':<36}" + "   req   p50 ms   p99 ms" * 3)
        for label, _, _ in QUESTIONS:
            cells = []
            for mode in ("fresh", "stale", "api"):
                latencies, requests = results[label][mode]
                cells.append(f"{statistics.mean(requests):6.1f} {pct(latencies, 0.5):8.1f} "
                             f"{pct(latencies, 0.99):8.1f}")
            print(f"{label:<36} " + " ".join(cells))
        every = [v for r in results.values() for v in r["fresh"][0]]
        print(f"all questions, fresh mirror: p50 {pct(every, 0.5):.1f} ms, p99 "
              f"{pct(every, 0.99):.1f} ms; max requests per question, synced first: "
              f"{max(max(r['stale'][1]) for r in results.values())}")
    finally:
        sandbox.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(main(options.years, options.repeat, Path(folder)))
