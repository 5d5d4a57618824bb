"""Report benchmark: how long `icu report` takes to build and how large the file is.

    python benchmarks/report.py                          # 5-year athlete + 50-athlete roster
    python benchmarks/report.py --years 1 --roster 10    # quicker

The mirrors are filled from the in-process sandbox once and kept in benchmarks/out/ (the
5-year athlete with streams, so the best-effort curves are computed); later runs reuse them.
Goals (printed, not asserted): a 5-year athlete's report in under 2 s, a 50-athlete roster
report in under 10 s. "first report" is the first of a machine (the user's curve cache is
empty): the curves come from the mirror's activity_curves, which the sync fills as it stores
streams. The same is then measured on a copy of the mirror without those rows (a mirror not
synced since it was upgraded: the report decodes every stream once, then uses the user's
cache), and the time the next sync takes to fill them. The charting library's script is
bundled once per machine and then read from the cache (its cost is printed apart).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from intervals_icu.mirror import Mirror, Store
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


def fill_curves(url: str) -> tuple[int, float] | None:
    """What the first sync with streams does to a mirror whose streams have no stored
    curves (as ``icu sync --streams`` would): (activities, seconds), or None if none."""
    started = time.perf_counter()
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            athletes = [r[0] for r in conn.exec_driver_sql(
                "SELECT DISTINCT athlete_id FROM streams WHERE deleted_at IS NULL")]
        count = 0
        for athlete_id in athletes:
            stale = store.curves_to_fill(athlete_id)
            for start in range(0, len(stale), 50):
                count += store.fill_curves(athlete_id, stale[start:start + 50])
    finally:
        store.close()
    return (count, time.perf_counter() - started) if count else None


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
    print(f"  {label:<48} {seconds:6.2f} s  {size / 1e6:6.2f} MB  {charts:4d} charts  "
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
    filled = fill_curves(url)
    if filled:
        print(f"  (stored the curves of {filled[0]} activities of a mirror synced before "
              f"activity_curves in {filled[1]:.1f} s)")
    periods = ((PeriodRequest(), "last 90 days"), (PeriodRequest.whole_history(),
                                                   "whole history"))
    with tempfile.TemporaryDirectory() as folder:
        for index, (period, name) in enumerate(periods):
            cache = Path(folder) / f"curves-{index}.sqlite"
            measure(f"{name}, first report", url, 2.0, period=period, roster=False,
                    cache=cache)
            measure(f"{name}, again", url, 2.0, period=period, roster=False, cache=cache)

        print("  the same mirror without activity_curves rows (not synced since upgrading)")
        bare = Path(folder) / "bare.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), bare)
        with sqlite3.connect(bare) as db:
            db.execute("DELETE FROM activity_curves")
        for index, (period, name) in enumerate(periods):
            cache = Path(folder) / f"bare-curves-{index}.sqlite"
            measure(f"{name}, first report (streams decoded)", f"sqlite:///{bare}", 2.0,
                    period=period, roster=False, cache=cache)
            measure(f"{name}, again (user curve cache)", f"sqlite:///{bare}", 2.0,
                    period=period, roster=False, cache=cache)
        count, seconds = fill_curves(f"sqlite:///{bare}") or (0, 0.0)
        print(f"  the next sync stores their curves in the mirror: {count} activities in "
              f"{seconds:.1f} s")

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
