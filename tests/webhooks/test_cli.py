"""`icu webhooks serve` from the shell: INTERVALS_WEBHOOK_SECRET read the one documented way
(commas, whitespace accepted), `--port 0` shows the port it got, `--no-mirror` needs no API
key and says there is no mirror, a worker count SQLite cannot serve is refused before
listening, and the periodic reconciliation runs by default (its period set or turned off
with --reconcile-every)."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu
from tests.clock import CHILD_ICU, child_env
from tests.webhooks import samples

pytestmark = pytest.mark.slow

ICU = [sys.executable, "-c", CHILD_ICU]
NEW, OLD = "whsec-new-7Hq2", "whsec-old-3Zk9"


class Served:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen([*ICU, "webhooks", "serve", *args],
                                        env=child_env(env), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.banner = self._banner()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", self.banner)
        assert found, self.banner
        self.port = int(found.group(1))
        self.url = f"http://127.0.0.1:{self.port}/"

    def _banner(self) -> str:
        assert self.process.stderr is not None
        seen = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            seen += line
            if "Ctrl-C" in seen:
                return " ".join(seen.split())
        self.stop()
        raise AssertionError(f"no banner: {seen!r}")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
        assert self.process.stderr is not None
        return self.process.stderr.read()


@pytest.fixture
def no_key_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("INTERVALS_API_KEY", "INTERVALS_ACCESS_TOKEN")}
    return env


@pytest.mark.parametrize("secrets", [f"{NEW},{OLD}", f"{NEW} {OLD}", f"{NEW}, {OLD}"])
def test_serve_port_0_no_mirror_no_key_and_the_rotation_from_the_environment(
    no_key_env: dict[str, str], tmp_path: Path, secrets: str
) -> None:
    db = f"sqlite:///{tmp_path / 'inbox.db'}"
    served = Served(["--port", "0", "--no-mirror", "--db", db],
                    {**no_key_env, "INTERVALS_WEBHOOK_SECRET": secrets})
    try:
        assert served.port != 0
        assert "no mirror" in served.banner
        assert "inbox and mirror" not in served.banner
        assert "reconciling" not in served.banner
        for secret in (NEW, OLD):
            answer = httpx.post(served.url, json=samples.envelope(secret, {
                **samples.WELLNESS_UPDATED, "timestamp": f"2026-04-15T16:29:5{len(secret) % 9}"
                                                         f".{secret[-2:]}0+00:00"}), timeout=10)
            assert answer.status_code == 200, (secret, answer.text)
        wrong = httpx.post(served.url, json=samples.envelope("whsec-neither"), timeout=10)
        assert wrong.status_code == 403
    finally:
        rest = served.stop()
    assert NEW not in served.banner + rest
    assert OLD not in served.banner + rest


def test_several_workers_on_sqlite_are_refused_before_listening(icu: Icu,
                                                                 no_key_env: dict[str, str],
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    monkeypatch.setenv("INTERVALS_WEBHOOK_SECRET", NEW)
    run = icu("webhooks", "serve", "--port", "0", "--workers", "4", "--no-mirror", "--db",
              f"sqlite:///{tmp_path / 'inbox.db'}")
    assert run.exit_code == 2
    assert "SQLite supports one worker" in run.stderr
    assert "listening" not in run.stderr


def test_serve_reconciles_the_mirror_periodically_by_default(
    icu: Icu, live: Sandbox, tmp_path: Path
) -> None:
    """No app delivers anything here: the mirror follows the API by reconciliation alone."""
    db = f"sqlite:///{tmp_path / 'icu.db'}"
    assert icu("sync", "--db", db, "--no-intervals").exit_code == 0
    env = {**os.environ, "INTERVALS_WEBHOOK_SECRET": NEW}
    default = Served(["--port", "0", "--db", db], env)
    default.stop()
    assert "reconciling every 15 min" in default.banner
    served = Served(["--port", "0", "--db", db, "--reconcile-every", "1"], env)
    try:
        assert "reconciling every 1 s" in served.banner
        with live.client() as client:
            day = client.today() - timedelta(days=1)
            client.wellness.update(day, weight=64.25)
        deadline = time.monotonic() + 150  # generous: CI machines are shared and slow
        while True:
            rows = csv.DictReader(io.StringIO(icu("export", "wellness", "--db", db, "--since",
                                                  day.isoformat()).stdout))
            if any(r["day"] == day.isoformat() and r["weight"] == "64.25" for r in rows):
                break
            assert time.monotonic() < deadline, "the reconciliation did not bring the change"
            time.sleep(0.5)
    finally:
        served.stop()
    off = Served(["--port", "0", "--db", db, "--reconcile-every", "0"], env)
    off.stop()
    assert "reconciling" not in off.banner
