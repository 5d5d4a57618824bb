"""How long `icu --help` takes, start to exit, in a fresh interpreter (goal: under 0.3 s).

    python benchmarks/cli_startup.py [--runs 15]

Prints the median and the best of N runs, and what the interpreter alone costs, so the
figure can be read against the machine. Heavy modules (httpx, pydantic, the generated
models, SQLAlchemy) must not be imported by `--help`; the script lists any that were.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HELP = "from intervals_icu.cli import main; raise SystemExit(main(['--help']))"
HEAVY = ("httpx", "pydantic", "sqlalchemy", "intervals_icu.models", "intervals_icu._sync",
         "rich.table", "starlette")


def _time(code: str, runs: int) -> list[float]:
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
        found.append(time.perf_counter() - started)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    _time(HELP, 2)  # warm the file cache
    bare = _time("pass", args.runs)
    icu = _time(HELP, args.runs)
    probe = subprocess.run(
        [sys.executable, "-c", HELP.replace("raise SystemExit(main(['--help']))",
                                            "import contextlib, io, sys\n"
                                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                                            "    try: main(['--help'])\n"
                                            "    except SystemExit: pass\n"
                                            f"print(*[m for m in {HEAVY!r} if m in sys.modules])")],
        capture_output=True, text=True, check=True)
    print(f"icu --help        median {statistics.median(icu) * 1000:6.0f} ms   "
          f"best {min(icu) * 1000:6.0f} ms   ({args.runs} runs)")
    print(f"python -c pass    median {statistics.median(bare) * 1000:6.0f} ms   "
          f"best {min(bare) * 1000:6.0f} ms")
    print(f"heavy modules imported by --help: {probe.stdout.strip() or 'none'}")


if __name__ == "__main__":
    main()
