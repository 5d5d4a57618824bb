"""``icu fleet``: tokens in (add, import), the state of every athlete out (status, at 80
columns and through a pipe), workers run as a process and stopped with Ctrl-C, several
workers refused on SQLite."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu
from tests.clock import CHILD_ICU, child_env

ICU = [sys.executable, "-c", CHILD_ICU]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fleet.db'}"


def test_tokens_in_and_every_athletes_state_out(icu: Icu, db: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    added = icu("fleet", "add", "i1000001", "--db", db, "--scope", "ACTIVITY:READ",
                input="token-one\n")
    assert added.exit_code == 0, added.stderr
    assert "first sync due" in added.stderr
    lines = tmp_path / "tokens.jsonl"
    lines.write_text("\n".join(json.dumps({"access_token": f"token-{n}", "scope":
                                           "ACTIVITY:READ", "athlete": {"id": f"i10000{n:02d}"}})
                               for n in range(2, 12)) + "\n")
    imported = icu("fleet", "import", str(lines), "--db", db)
    assert imported.exit_code == 0, imported.stderr
    assert "10 athlete(s)" in imported.stderr
    revoked = icu("fleet", "revoke", "i1000003", "--db", db)
    assert revoked.exit_code == 0
    monkeypatch.setenv("COLUMNS", "80")
    table = icu("fleet", "status", "--db", db)
    assert table.exit_code == 0
    assert "11 athletes (pending 10, revoked 1); today 0 of 8000 requests" in table.stderr
    rows = [line.split() for line in table.stdout.splitlines()[1:]]  # through a pipe
    assert {r[0] for r in rows} == {f"i10000{n:02d}" for n in range(1, 12)}
    assert {r[1] for r in rows} == {"pending", "revoked"}
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # a terminal 80 columns wide
    terminal = re.sub(r"\x1b\[[0-9;]*m", "", icu("fleet", "status", "--db", db).stdout
                      ).splitlines()
    assert max(len(line) for line in terminal) <= 80
    assert {line.split()[0] for line in terminal[1:] if line.startswith("i1")} == {
        f"i10000{n:02d}" for n in range(1, 12)}
    data = icu("fleet", "status", "--db", db, "--json").json()
    assert data["counts"]["pending"] == 10
    assert not any("token" in json.dumps(a) for a in data["athletes"])  # never shown
    only = icu("fleet", "status", "--db", db, "--state", "revoked", "--csv")
    assert only.stdout.splitlines()[1].startswith("i1000003,revoked,")
    assert "token-" not in table.stdout + only.stdout + json.dumps(data)
    wrong = icu("fleet", "status", "--db", db, "--state", "sleeping")
    assert wrong.exit_code == 2


def test_import_refuses_a_file_it_cannot_read_with_the_line(icu: Icu, db: str,
                                                            tmp_path: Path) -> None:
    bad = tmp_path / "tokens.csv"
    bad.write_text("athlete,token\ni1,t\n")
    run = icu("fleet", "import", str(bad), "--db", db)
    assert run.exit_code == 2
    assert "header with athlete_id and token" in run.stderr
    run = icu("fleet", "add", "i1", "--db", db, input="\n")
    assert run.exit_code == 2
    assert "standard input" in run.stderr


def test_several_workers_are_refused_on_sqlite(icu: Icu, db: str) -> None:
    run = icu("fleet", "run", "--db", db, "--workers", "2")
    assert run.exit_code == 2
    assert "SQLite supports one fleet worker" in run.stderr
    assert "PostgreSQL" in run.stderr


def test_a_worker_process_syncs_the_fleet_and_stops_on_ctrl_c(icu: Icu, db: str,
                                                             tmp_path: Path) -> None:
    with Sandbox(seed=51, athletes=1, years=0.02) as sb:
        sb.configure(rate_limit_enabled=False)
        tokens = sb.seed_oauth_users(3, days=14)
        for token in tokens:
            assert icu("fleet", "add", token.athlete_id, "--db", db,
                       input=token.access_token.reveal() + "\n").exit_code == 0
        worker = subprocess.Popen(
            [*ICU, "fleet", "run", "--db", db, "--concurrency", "3"],
            env=child_env({**dict(__import__("os").environ),
                           "INTERVALS_BASE_URL": sb.base_url}),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 90
            while True:
                assert worker.poll() is None, worker.communicate()
                states = icu("fleet", "status", "--db", db, "--json").json()["counts"]
                if states["fresh"] == 3:
                    break
                assert time.monotonic() < deadline, states
                time.sleep(0.3)
        finally:
            worker.send_signal(signal.SIGINT)
            _, stderr = worker.communicate(timeout=30)
        assert worker.returncode == 0, stderr
        assert "icu fleet" in stderr
        assert "stopped" in stderr
        workers = icu("fleet", "workers", "--db", db, "--json").json()
        assert len(workers) == 1
        assert workers[0]["stopped_at"]
        assert workers[0]["jobs"] == 3
