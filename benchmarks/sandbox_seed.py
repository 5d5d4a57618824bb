"""How long seeding the sandbox takes, and what one activity's streams and files cost.

    python benchmarks/sandbox_seed.py            # 1 and 5 years, then 500 OAuth users
    python benchmarks/sandbox_seed.py --years 2  # other spans
    python benchmarks/sandbox_seed.py --oauth-users 500 --oauth-only

Prints figures; asserts nothing (the goals: a 5-year athlete seeds in under 60 s on a 2-core
machine, a test sandbox of 0.25 years in about a second, 500 athletes authorizing one app
in seconds).
"""

from __future__ import annotations

import argparse
import gc
import pickle
import resource
import time
from datetime import UTC, date, datetime

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.clock import Clock
from intervals_icu.sandbox.formats.activity_files import parse_activity_file, write_fit
from intervals_icu.sandbox.generate import generate_history
from intervals_icu.sandbox.generate.activities import _analysis
from intervals_icu.sandbox.platform.streams import load_streams
from intervals_icu.sandbox.state import SandboxState

END = date(2025, 6, 30)


def seed_one(years: float, seed: int = 42) -> tuple[SandboxState, str, float, float]:
    """One athlete's history, from a cold cache: (state, id, wall seconds, CPU seconds).

    CPU time is printed too because a shared machine's wall clock includes other work."""
    _analysis.cache_clear()
    gc.collect()
    state = SandboxState(clock=Clock(datetime(2025, 6, 30, 20, tzinfo=UTC), frozen=True))
    state.add_account("i500001", {"name": "Bench Athlete", "sex": "M", "weight": 72.0,
                                  "icu_resting_hr": 50, "city": "Girona",
                                  "timezone": "Europe/Madrid",
                                  "icu_date_of_birth": "1988-04-12"})
    started, cpu = time.perf_counter(), time.process_time()
    generate_history(state, "i500001", seed=seed, years=years, end=END)
    return state, "i500001", time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, nargs="*", default=[1.0, 5.0])
    parser.add_argument("--oauth-users", type=int, default=500)
    parser.add_argument("--oauth-days", type=int, default=7)
    parser.add_argument("--oauth-only", action="store_true",
                        help="only the many-OAuth-users figures")
    args = parser.parse_args()
    if args.oauth_only:
        seed_oauth_users(args.oauth_users, args.oauth_days)
        return

    print("seeding one athlete (cold cache)")
    state = None
    for years in args.years:
        state, athlete_id, seconds, cpu = seed_one(years)
        store = state.store(athlete_id)
        count = len(store.activities)
        kept = len(pickle.dumps(store)) / 2**20
        print(f"  {years:g} years: {seconds:6.2f} s wall ({cpu:.2f} s CPU), {count} activities "
              f"({count / (years * 52.18):.1f}/week, {cpu / max(count, 1) * 1000:.1f} ms CPU "
              f"each), {len(store.wellness)} wellness days, {len(store.events)} events; "
              f"the store pickles to {kept:.1f} MiB")

    for label, seed in (("test sandbox (0.25 y, coach + 2)", 11),):
        _analysis.cache_clear()
        started = time.process_time()
        sandbox = Sandbox(seed=seed, athletes=2, years=0.25)
        cold = time.process_time() - started
        sandbox.stop()
        started = time.process_time()
        sandbox = Sandbox(seed=seed, athletes=2, years=0.25)
        warm = time.process_time() - started
        sandbox.stop()
        print(f"{label}: {cold:.2f} s CPU cold, {warm:.2f} s CPU again in the same process")

    assert state is not None
    store = state.store("i500001")
    longest = max((a for a in store.activities.values() if a.get("source") != "MANUAL"),
                  key=lambda a: a.get("elapsed_time") or 0)
    detail = store.details[longest["id"]]
    started = time.process_time()
    streams = load_streams(detail)
    synth = time.process_time() - started
    started = time.process_time()
    data = write_fit(longest, streams)
    write = time.process_time() - started
    started = time.process_time()
    parse_activity_file("bench.fit", data)
    parse = time.process_time() - started
    hours = longest["elapsed_time"] / 3600
    print(f"longest activity ({longest['type']}, {hours:.1f} h, {len(streams['time'])} "
          f"samples), CPU: streams {synth * 1000:.0f} ms, write FIT {write * 1000:.0f} ms "
          f"({len(data) / 1024:.0f} KiB), parse FIT {parse * 1000:.0f} ms")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max resident memory of this process: {rss:.0f} MiB")
    serve_a_year()
    seed_oauth_users(args.oauth_users, args.oauth_days)


def seed_oauth_users(count: int, days: int) -> None:
    """Many athletes authorizing one app (Sandbox.seed_oauth_users): accounts, keys and
    tokens at once; each history is generated when first read."""
    import statistics

    sandbox = Sandbox(seed=42, athletes=1, years=0.1)
    started, cpu = time.perf_counter(), time.process_time()
    tokens = sandbox.seed_oauth_users(count, days=days)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{count} OAuth users ({days} days each) authorized one app in {seconds:.2f} s wall "
          f"({cpu:.2f} s CPU); histories pending: {len(sandbox.state.pending)}")
    firsts = []
    for token in tokens[:20]:
        started = time.process_time()
        sandbox.state.store(token.athlete_id)
        firsts.append(time.process_time() - started)
    per_user = statistics.median(firsts)
    print(f"  first read of a user's history: {per_user * 1000:.0f} ms CPU (median of 20), so "
          f"all {count} read once: about {per_user * count:.0f} s CPU, spread over the run")
    eager = Sandbox(seed=42, athletes=1, years=0.1)
    sample = min(count, 50)
    started = time.process_time()
    eager.seed_oauth_users(sample, days=days, lazy=False)
    spent = time.process_time() - started
    print(f"  eagerly (lazy=False): {sample} users in {spent:.2f} s CPU "
          f"({spent / sample * 1000:.0f} ms each)")
    from intervals_icu import RateLimit

    # What the accounting costs a request (a user's 100 a day would stop this loop).
    sandbox.configure(rate_limit_enabled=False, budget_user_daily=10**6)
    with sandbox.client(credentials=tokens[0].credentials(),
                        rate_limit=RateLimit.unlimited()) as client:
        client.athletes.get()
        best = {False: float("inf"), True: float("inf")}
        for _ in range(3):  # alternating, best of three: the machine is shared
            for enabled in (False, True):
                sandbox.configure(budget_enabled=enabled)
                started = time.perf_counter()
                for _ in range(300):
                    client.athletes.get()
                best[enabled] = min(best[enabled], (time.perf_counter() - started) / 300)
    print(f"  in-process GET athlete, {count} users' tokens: {best[False] * 1000:.2f} ms per "
          f"request with budgets off, {best[True] * 1000:.2f} ms on (best of 3 x 300)")


def serve_a_year() -> None:
    """The goal: the live server answers a list of a year's activities in well under 1 s."""
    from intervals_icu import RateLimit

    started = time.perf_counter()
    with Sandbox(seed=42, athletes=1, years=5) as sandbox:
        seeded = time.perf_counter() - started
        sandbox.configure(rate_limit_enabled=False)
        client = sandbox.client(rate_limit=RateLimit.unlimited())
        today = date.today()
        year_ago = today.replace(year=today.year - 1)
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            activities = client.activities.list(year_ago, today)
            timings.append(time.perf_counter() - started)
        timings.sort()
        print(f"live 5-year sandbox (coach + 1 athlete) ready in {seeded:.1f} s wall; "
              f"a year's activities ({len(activities)}) listed in {timings[2] * 1000:.0f} ms "
              f"(median of 5; best {timings[0] * 1000:.0f} ms), gzip over loopback, parsed")


if __name__ == "__main__":
    main()
