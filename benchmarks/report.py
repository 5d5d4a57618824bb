"""Report benchmark: how long `icu report` takes to build and how large the file is.

    python benchmarks/report.py                          # 5-year athlete + 50-athlete roster
    python benchmarks/report.py --years 1 --roster 10    # quicker

The mirrors are filled from the in-process sandbox once and kept in benchmarks/out/ (the
5-year athlete with streams, so the best-effort curves are computed); later runs reuse them.
Goals (printed, not asserted): a 5-year athlete's report in under 2 s, a 50-athlete roster
report in under 10 s. "cold" is the first report of a machine (the curve cache is empty);
"warm" a later one (curves are cached by stream hash). The charting library's script is
bundled once per machine and then read from the cache (its cost is printed apart).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from intervals_icu.mirror import Mirror
from intervals_icu.report import PeriodRequest, build_report
from intervals_icu.report.vega import javascript_bundle
from intervals_icu.sandbox import Sandbox

OUT = Path(__file__).resolve().parent / "out"


def mirror(name: str, *, athletes: int, years: float, streams: bool, seed: int) -> str:
    """A mirror filled from the sandbox (reused when it exists)."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"report-{name}-{seed}-{athletes}-{years}.db"
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with Sandbox(seed=seed, athletes=athletes, years=years) as sb:
        async def run() -> None:
            key = sb.coach_api_key if athletes > 1 else sb.api_key
            async with sb.async_client(key) as client:
                m = Mirror(client, f"sqlite:///{partial}")
                await m.sync_async(roster=athletes > 1, streams=streams)
                m.close()
        asyncio.run(run())
    partial.rename(path)
    print(f"  (filled {path.name} in {time.perf_counter() - started:.0f} s)")
    return url


def measure(label: str, url: str, goal: float, *, period: PeriodRequest, roster: bool,
            cache: Path | bool) -> None:
    started = time.perf_counter()
    report = build_report(url, roster=roster, period=period, curve_cache=cache)
    with tempfile.TemporaryDirectory() as folder:
        path = report.write(Path(folder) / "report.html")
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    charts = sum(1 for _, c in report.all_charts() if c.spec is not None)
    verdict = "ok" if seconds < goal else "OVER"
    print(f"  {label:<44} {seconds:6.2f} s  {size / 1e6:6.2f} MB  {charts:4d} charts  "
          f"(goal < {goal:.0f} s: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=5.0)
    parser.add_argument("--roster", type=int, default=50)
    parser.add_argument("--roster-years", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()

    started = time.perf_counter()
    javascript_bundle()
    print(f"charting script (Vega, Vega-Lite, vega-embed): {time.perf_counter() - started:.2f} "
          "s to load (bundled once per machine, then read from the user cache)")

    print(f"\none athlete, {args.years:g} years of history, streams mirrored")
    url = mirror("athlete", athletes=1, years=args.years, streams=True, seed=args.seed)
    with tempfile.TemporaryDirectory() as folder:
        for index, (period, name) in enumerate(((PeriodRequest(), "last 90 days"),
                                                (PeriodRequest.whole_history(),
                                                 "whole history"))):
            cache = Path(folder) / f"curves-{index}.sqlite"
            measure(f"{name}, cold (empty curve cache)", url, 2.0, period=period,
                    roster=False, cache=cache)
            measure(f"{name}, warm (curves cached)", url, 2.0, period=period, roster=False,
                    cache=cache)

    if args.roster < 2:
        return
    print(f"\na roster of {args.roster} athletes, {args.roster_years:g} years each (no streams)")
    url = mirror("roster", athletes=args.roster, years=args.roster_years, streams=False,
                 seed=args.seed)
    for period, name in ((PeriodRequest(), "last 90 days"),
                         (PeriodRequest.whole_history(), "whole history")):
        measure(f"roster, {name}", url, 10.0, period=period, roster=True, cache=False)


if __name__ == "__main__":
    main()
