"""How long `icu --help` takes, start to exit, in a fresh interpreter (goal: under 0.3 s).

    python benchmarks/cli_startup.py [--runs 15]

Prints the median and the best of N runs (wall clock, and CPU time of the child process,
which a busy machine disturbs less), and what the interpreter alone costs, so the figure can be
read against the machine. Heavy modules (httpx, pydantic, the generated
models, SQLAlchemy) must not be imported by `--help`; the script lists any that were.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

HELP = "from intervals_icu.cli import main; raise SystemExit(main(['--help']))"
HEAVY = ("httpx", "pydantic", "sqlalchemy", "intervals_icu.models", "intervals_icu._sync",
         "rich.table", "starlette")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(code: str, runs: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), _cpu()
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
        wall.append(time.perf_counter() - started)
        cpu.append(_cpu() - cpu_started)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    _time(HELP, 2)  # warm the file cache
    bare, bare_cpu = _time("pass", args.runs)
    icu, icu_cpu = _time(HELP, args.runs)
    probe = subprocess.run(
        [sys.executable, "-c", HELP.replace("raise SystemExit(main(['--help']))",
                                            "import contextlib, io, sys\n"
                                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                                            "    try: main(['--help'])\n"
                                            "    except SystemExit: pass\n"
                                            f"print(*[m for m in {HEAVY!r} if m in sys.modules])")],
        capture_output=True, text=True, check=True)
    for label, wall, cpu in (("icu --help", icu, icu_cpu), ("python -c pass", bare, bare_cpu)):
        print(f"{label:<16}  wall median {statistics.median(wall) * 1000:5.0f} ms, best "
              f"{min(wall) * 1000:5.0f} ms   cpu median {statistics.median(cpu) * 1000:5.0f} ms"
              f"   ({args.runs} runs)")
    print(f"heavy modules imported by --help: {probe.stdout.strip() or 'none'}")


if __name__ == "__main__":
    main()
