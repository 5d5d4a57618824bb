"""docs/cli.md's shell examples run, in bash, in page order, in a shell set up the way the page
says: a sandbox started as `icu sandbox --port 8765 --seed 42 --athletes 2 --years 1` shows it
(here on a free port), and its three `export` lines (INTERVALS_BASE_URL, INTERVALS_API_KEY,
INTERVALS_ATHLETE_ID). The coach commands get the coach's key, as the page says. A few lines
cannot run here; each is listed with the reason."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from intervals_icu.sandbox import Sandbox
from tests.clock import CHILD_ICU, child_env

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
CONSOLE = re.compile(r"```console\n(.*?)```", re.DOTALL)
TEXT = re.compile(r"```text\n(.*?)```", re.DOTALL)

NOT_RUN = {
    "pip install": "installs the package (CI installs from the clone)",
    "icu demo": "takes 15 s; tests/cli/test_api_sandbox_sync.py runs it",
    "icu sandbox": "a server that runs until Ctrl-C; this test starts one as it says",
    "icu auth login": "asks for the key at a prompt; tests/cli/test_auth.py logs in with --key",
    "icu webhooks serve": "a server that runs until Ctrl-C; tests/cli/test_api_sandbox_sync.py",
    "icu fleet import tokens.jsonl --db postgresql": "needs the app's token export and that "
                                                     "PostgreSQL server; tests/fleet/test_cli.py "
                                                     "imports",
    "icu fleet run": "workers that run until Ctrl-C; tests/fleet/test_cli.py runs one",
    "icu sync --roster --db postgresql": "needs that PostgreSQL server",
    "icu sync --athlete i104203 --since 2024-01-01 --streams --files":
        "reads a year of streams and files (minutes); test_api_sandbox_sync.py syncs streams",
    "icu export streams": "needs the streams that the line above would have read",
    "icu --install-completion": "writes to the shell's startup files",
    "icu --show-completion": "needs an interactive shell to detect; test_coach.py covers it",
    "python benchmarks/cli_startup.py": "a benchmark: figures, not a check",
    "icu mcp": "a server that runs until its client leaves; tests/mcp/test_transports.py runs "
               "it over stdio and HTTP",
    "icu report 2025-01-01..2025-03-31 --db postgresql": "needs that PostgreSQL server",
    "icu fitness all --db sqlite:///icu.db": "needs a mirror at ./icu.db (the page's syncs "
                                             "write the default database)",
    "icu report 2025 --athlete i104203": "needs athlete i104203 mirrored (the page's roster "
                                         "sync is the PostgreSQL one, not run here)",
    "icu report all --roster --open": "opens a browser window; tests/report opens the page "
                                      "in headless Chromium",
}
EXIT_CODES = {
    "INTERVALS_ATHLETE_ID=104203 icu doctor": 2,  # the page shows this failure
    "icu undo last              # the newest batch is now that undo: refused, exit 8": 8,
    "icu webhooks inspect 42 --json": 4,  # no entry 42 in a new inbox
    "icu webhooks replay 42 43": 4,
}
COACH = re.compile(r"^icu (athletes|sync --roster)|--athlete i104203")


def _examples() -> list[str]:
    lines = []
    for block in CONSOLE.findall(DOC.read_text()):
        lines += [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    return lines


def _skipped(line: str) -> str | None:
    for start, reason in NOT_RUN.items():
        if line.startswith(start):
            return reason
    if "| jq" in line and shutil.which("jq") is None:
        return "jq is not installed"
    return None


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=42, athletes=2, years=1) as sb:
        yield sb


def test_the_page_has_examples_and_says_why_some_do_not_run() -> None:
    lines = _examples()
    assert len(lines) > 50
    assert all(any(line.startswith(k) for line in lines) for k in NOT_RUN), \
        "a reason for a line the page no longer has"
    assert all(line in lines for line in EXIT_CODES)


def test_every_shell_example_runs(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "plan.csv").write_text(TEXT.findall(DOC.read_text())[0])  # "this plan.csv"
    icu = " ".join(shlex.quote(part) for part in [sys.executable, "-c", CHILD_ICU])
    script = [f"icu() {{ {icu} \"$@\"; }}",
              f"export INTERVALS_BASE_URL={sandbox.base_url}",
              f"export INTERVALS_API_KEY={sandbox.api_key}",
              f"export INTERVALS_ATHLETE_ID={sandbox.athlete_id}"]
    ran: list[str] = []
    for line in _examples():
        if _skipped(line):
            continue
        command = (f"INTERVALS_API_KEY={sandbox.coach_api_key} {line}" if COACH.search(line)
                   else line)
        script += [f"printf '\\n@@run@@ %s\\n' {shlex.quote(line)}",
                   f"{command} </dev/null 2>&1", "printf '\\n@@exit@@ %s\\n' $?"]
        ran.append(line)
    env = child_env()
    for name in ("INTERVALS_API_KEY", "INTERVALS_ACCESS_TOKEN", "INTERVALS_ATHLETE_ID",
                 "INTERVALS_BASE_URL", "ICU_JOURNAL", "INTERVALS_WEBHOOK_SECRET"):
        env.pop(name, None)
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", COLUMNS="80")
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False, timeout=900)
    found = re.findall(r"^@@run@@ (.*?)\n(.*?)^@@exit@@ (\d+)$", done.stdout,
                       re.MULTILINE | re.DOTALL)
    assert [line for line, _, _ in found] == ran, done.stdout[-3000:] + done.stderr
    failures = [f"$ {line}\n{output.strip()[-1500:]}\n(exit {code}, expected "
                f"{EXIT_CODES.get(line, 0)})"
                for line, output, code in found if int(code) != EXIT_CODES.get(line, 0)]
    assert not failures, "\n\n".join(failures)


def test_the_80_column_samples_fit_80_columns() -> None:
    """The outputs the page shows are as they print at 80 columns (no line is wider)."""
    for block in CONSOLE.findall(DOC.read_text()):
        if "icu sandbox --port" in block or "benchmarks/" in block:
            continue  # the panel is as wide as its content; a benchmark prints figures
        for line in block.splitlines():
            if not line.startswith("$ "):
                assert len(line) <= 80, line
